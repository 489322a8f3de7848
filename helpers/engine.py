"""The GAN training engine: one clear loop in the spirit of pytorch/examples ``dcgan/main.py``.

Each step has two halves, as in the PyTorch DCGAN tutorial: (1) ``d_step``, D learns from a real batch
(label 1) and a fake batch (label 0); (2) ``g_step``, G learns to make D say 1 on its fakes (the
non-saturating loss of Goodfellow et al. 2014). Every step's D_loss, G_loss, D(x) and D(G(z)) go into a
history; a run saves itself atomically (``helpers.checkpoints``), and a resumed run equals an uninterrupted
one on the CPU.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import torch
from torch import nn
from torch.nn.functional import binary_cross_entropy_with_logits as bce
from torch.nn.functional import cross_entropy

from . import checkpoints
from . import config as cfg
from .augment import AdaptiveP, augment
from .distributed import ONE, World, mean, synchronize_batchnorm, unwrap, wrap
from .ema import HALFLIFE_IMAGES, Averaged, decay_for, standing_statistics
from .metrics import channel_gap
from .models import as_discriminator, generator_for, resnet9_config, resnet9_for
from .progress import tqdm

# The two runs of the story differ only in D's learning rate. Notebook 08's recipes go back to equal rates with
# a D that normalizes each image on its own (below), augment what D sees, and let D learn the real clips'
# digits beside real and fake; the conditional one also asks G for a digit.
CONFIGS = {
    "collapse": dict(g_lr=2e-4, d_lr=2e-4),
    "stable": dict(g_lr=2e-4, d_lr=2e-5),
    "recipe": dict(g_lr=2e-4, d_lr=2e-4, augment_p=0.3, d_classes=10),
    "conditional": dict(g_lr=2e-4, d_lr=2e-4, augment_p=0.3, classes=10),
}
# What a configuration changes in the profile's networks: the recipes' D normalizes per image (layer norm),
# so that it cannot tell a real batch from a fake one by the batch's statistics (docs/experiments.md, round 13).
PROFILE_CHANGES = {"recipe": dict(d_norm="layer"), "conditional": dict(d_norm="layer")}
COLUMNS = ["step", "D_loss", "G_loss", "D(x)", "D(G(z))", "seconds"]


@dataclass(frozen=True)
class GANConfig:
    """What defines a run besides the profile; ``d_lr = g_lr / 10`` is the original project's "nerf"."""

    name: str = "stable"  # the configuration the run was made from (CONFIGS)
    g_lr: float = 2e-4
    d_lr: float = 2e-5
    betas: tuple[float, float] = (0.5, 0.999)  # DCGAN's Adam settings (Radford et al. 2016)
    adam_eps: float = 1e-8  # Adam's denominator floor: large values stop steps on tiny gradients
    seed: int = 0
    steps: int = 2400
    warm_start: bool = False  # D's trunk from the digit classifier of notebook 03
    n_fixed: int = 16  # fixed latent vectors whose samples are kept over time
    # The stabilizers of notebook 07, all off by default; each changes one thing in D's step.
    real_label: float = 1.0  # 0.9: one-sided label smoothing (Salimans et al. 2016)
    instance_noise: float = 0.0  # sigma of Gaussian noise on D's inputs, annealed to 0 (Sonderby et al. 2017)
    spectral_norm: bool = False  # spectral normalization of D's conv and linear weights (Miyato et al. 2018)
    r1_gamma: float = 0.0  # R1 gradient penalty on real images (Mescheder, Geiger & Nowozin 2018)
    d_every: int = 1  # D learns on every k-th step only: fewer D updates per G update
    joint_batch: bool = False  # real and fake through D as one batch (both steps): D's BatchNorm mixes them
    # G's objective. The non-saturating -log D(G(z)) keeps a full gradient when D wins; the minimax
    # log(1 - D(G(z))) of Goodfellow et al. (2014) loses it. G_loss is logged as -log D(G(z)) either way.
    minimax: bool = False
    # G's weight average, the Generator sampled and scored (helpers.ema): its half-life in images seen.
    ema_images: int = HALFLIFE_IMAGES
    # From blobs to digits (notebook 08): augmenting what D sees, and a Generator told which digit to say.
    augment_p: float = 0.0  # probability of each of helpers.augment's operations, per sample
    ada_target: float = 0.0  # > 0: ADA's adaptive p, steered towards E[sign(D(x))] = this (Karras et al. 2020: 0.6)
    classes: int = 0  # > 0: G makes the asked class and D judges it too (AC-GAN, Odena et al. 2017)
    # > 0 with classes = 0: D alone also learns to name the real clips' digits (a semi-supervised D, as in
    # Salimans et al. 2016) and G stays unconditional: the labels shape what D looks at, never what G is asked.
    d_classes: int = 0
    aux_weight: float = 1.0  # weight of the class losses beside the real/fake ones


def config_for(name: str, prof: cfg.Profile, **overrides) -> GANConfig:
    """The named run (``collapse``, ``stable``, ``recipe`` or ``conditional``) sized by a profile (``own_steps``).
    Build its networks with ``profile_for(name, prof)``, which holds the recipes' D."""
    if name not in CONFIGS:
        raise ValueError(f"unknown config {name!r}: choose one of {', '.join(CONFIGS)}")
    return GANConfig(name=name, **{"steps": own_steps(name, prof), **CONFIGS[name], **overrides})


def own_steps(name: str, prof: cfg.Profile) -> int:
    """How long a run of configuration ``name`` trains in profile ``prof`` unless told otherwise: the story's
    length, or a recipe's own (the profile's ``recipe_steps`` and ``conditional_steps``)."""
    return {"recipe": prof.recipe_steps, "conditional": prof.conditional_steps}.get(name, prof.gan_steps)


def profile_for(name: str, prof: cfg.Profile, **overrides) -> cfg.Profile:
    """``prof`` with what configuration ``name`` changes in the networks (``PROFILE_CHANGES``), then ``overrides``."""
    return dataclasses.replace(prof, **{**PROFILE_CHANGES.get(name, {}), **overrides})


def build_models(prof: cfg.Profile, config: GANConfig, classifier: nn.Module | None = None):
    """The profile's Generator and ResNet-9 Discriminator, initialised from ``config.seed`` without touching
    torch's global random stream. ``warm_start`` copies the trunk of ``classifier`` (notebook 03's)."""
    if config.warm_start:
        if classifier is None:
            raise ValueError("warm_start needs the trained digit classifier (notebook 03)")
        if classifier.config != resnet9_config(prof):
            raise ValueError(
                f"warm_start copies a ResNet-9 with {classifier.config}, but the {prof.name} "
                f"profile asks for {resnet9_config(prof)}: train the classifier with the same profile"
            )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        G = generator_for(prof, config.classes)
        # A fresh D draws its weights after a throw-away ResNet-9: the order every measured run was made in.
        base = classifier if config.warm_start else resnet9_for(prof)
        D = as_discriminator(base, warm_start=config.warm_start, classes=config.classes or config.d_classes).cpu()
        if config.spectral_norm:
            spectral_normalize(D)  # its power iteration starts from random vectors: seeded here too
    return G, D


def adam(model: nn.Module, lr: float, config: GANConfig) -> torch.optim.Adam:
    """Adam with the run's betas and epsilon: DCGAN's optimizer."""
    return torch.optim.Adam(model.parameters(), lr, betas=config.betas, eps=config.adam_eps)


def spectral_normalize(d: nn.Module) -> nn.Module:
    """Every conv and linear weight of ``d`` divided by its largest singular value (one power iteration a
    step), so D is roughly 1-Lipschitz layer by layer (Miyato et al. 2018); BatchNorm is left as it is."""
    for module in list(d.modules()):
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.utils.parametrizations.spectral_norm(module)
    return d


def run_dir(prof: cfg.Profile, name: str, seed: int, steps: int | None = None) -> Path:
    """Where a notebook run lives: ``runs/gan_<profile>_<config>_seed<seed>``, plus ``_<steps>`` when
    ``steps`` differs from the configuration's length in this profile."""
    folder = cfg.runs_dir() / f"gan_{prof.name}_{name}_seed{seed}"
    return folder if steps in (None, own_steps(name, prof)) else longer_dir(folder, steps)


def longer_dir(out: Path, steps: int) -> Path:
    """Where a run continued to ``steps`` lives, beside the run in ``out``: ``<out>_<steps>``."""
    return Path(out).with_name(f"{Path(out).name}_{steps}")


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite: training stops rather than filling the history with garbage."""


class GANRun:
    """Models, optimizers, random streams and history of one run, saved to and resumed from ``out``.

    G, D and their optimizers are built from the profile and config unless passed in (a notebook can build
    them in its own cells); a resume loads the saved state into whichever are used."""

    def __init__(
        self,
        prof: cfg.Profile,
        config: GANConfig,
        images: torch.Tensor,
        out: Path | None = None,
        device: torch.device | None = None,
        classifier: nn.Module | None = None,
        G: nn.Module | None = None,
        D: nn.Module | None = None,
        opt_g: torch.optim.Optimizer | None = None,
        opt_d: torch.optim.Optimizer | None = None,
        labels: torch.Tensor | None = None,
        world: World = ONE,
    ):
        self.prof, self.config, self.device, self.world = prof, config, device or cfg.device(), world
        self.out = Path(out) if out else run_dir(prof, config.name, config.seed)
        self.labels = None
        if config.classes or config.d_classes:  # a run that uses digits learns from the labelled clips only
            if labels is None:
                raise ValueError(f"{config.name} uses the digits: pass the clips' labels (dataset.labels)")
            images, self.labels = images[labels >= 0], labels[labels >= 0].to(self.device)
        self.images = images.to(self.device)  # [N, n_mels, frames], normalized to [-1, 1]
        if G is None or D is None:
            built = build_models(prof, config, classifier)
            G, D = G if G is not None else built[0], D if D is not None else built[1]
        G, D = G.to(self.device), D.to(self.device)
        self.G_ema = Averaged(G, decay_for(prof.batch_size, config.ema_images))  # plain BatchNorm: samples alone
        if world.size > 1:  # every BatchNorm sees the global batch, as in one process
            if opt_g or opt_d or config.r1_gamma:
                raise ValueError("a run over several processes builds its own optimizers and has no R1 penalty")
            G, D = synchronize_batchnorm(G), synchronize_batchnorm(D)
        self.opt_g = opt_g or adam(G, config.g_lr, config)
        self.opt_d = opt_d or adam(D, config.d_lr, config)
        self.G, self.D = wrap(G, world), wrap(D, world)
        self.rng = torch.Generator().manual_seed(config.seed)  # batches and noise: one stream, saved
        self.fixed_noise = torch.randn(config.n_fixed, prof.latent_size, generator=self.rng)
        self.fixed_labels = torch.arange(config.n_fixed) % config.classes if config.classes else None
        self.noise_rng = torch.Generator().manual_seed(config.seed + 1)  # instance noise only: batches unchanged
        self.augment_rng = torch.Generator().manual_seed(config.seed + 2)  # D's augmentations only
        self.ada = AdaptiveP(config.ada_target, config.augment_p) if config.ada_target else None
        self.step, self.history, self.snapshots, self.channel_gaps = 0, [], {}, {}
        self._measured_at = None  # the step whose weights the average's BatchNorm statistics were measured for

    # --- one iteration ---------------------------------------------------------------------------------
    def train_step(self) -> dict:
        """(1) D on a real and a fake batch, then (2) G; returns this step's row of the history."""
        start = time.perf_counter()
        real, z, y_real, y_fake = self.batch()
        fake = self.G(z, y_fake)
        real = self.augment(real)  # the real batch as D sees it this step (also beside the fakes in a joint batch)
        d_loss, d_real, d_fake = self.d_step(real, fake.detach(), y_real)
        g_loss = self.g_step(fake, real, y_fake)
        self.G_ema.update(unwrap(self.G))
        self.step += 1
        numbers = torch.stack([d_loss, g_loss, torch.sigmoid(d_real).mean(), torch.sigmoid(d_fake).mean()])
        numbers = mean(numbers.detach(), self.world).tolist()  # of the global batch, over every process
        row = {"step": self.step, **dict(zip(COLUMNS[1:5], numbers)), "seconds": time.perf_counter() - start}
        self.check(row)
        self.history.append(row)
        return row

    def d_step(self, real: torch.Tensor, fake: torch.Tensor, y_real: torch.Tensor | None = None):
        """(1) Update D: its verdict on real clips towards 1 ("real"), on fakes towards 0 ("fake"); a
        conditional D also learns to name the real clips' digits (``y_real``).

        Returns D_loss and D's logits on both batches; they are recorded even on steps D sits out (d_every)."""
        learn = self.step % self.config.d_every == 0
        with torch.enable_grad() if learn else torch.no_grad():
            real = real.requires_grad_(learn and self.config.r1_gamma > 0)
            (d_real, class_real), (d_fake, _) = map(heads, self.discriminate(real, self.augment(fake)))
            d_loss = bce(d_real, torch.ones_like(d_real)) + bce(d_fake, torch.zeros_like(d_fake))
            if learn:
                objective = self.d_objective(d_loss, d_real, d_fake, real)
                if class_real is not None:
                    objective = objective + self.config.aux_weight * cross_entropy(class_real, y_real)
                self.opt_d.zero_grad(set_to_none=True)
                objective.backward()
                self.opt_d.step()
        if self.ada:
            self.ada.update(d_real, len(d_real))
        return d_loss, d_real, d_fake

    def g_step(self, fake: torch.Tensor, real: torch.Tensor, y_fake: torch.Tensor | None = None) -> torch.Tensor:
        """(2) Update G: make D say "real" (1) on its fakes, and for a conditional G, name the asked digit
        ``y_fake``. D judges them but does not learn here."""
        fake = self.augment(fake)
        # beside the real batch when D's BatchNorm sees both together, or G would fool a different function
        out = self.D(torch.cat([real.detach(), fake]))[len(real) :] if self.config.joint_batch else self.D(fake)
        d_on_fake, class_fake = heads(out)
        g_loss = bce(d_on_fake, torch.ones_like(d_on_fake))  # -log D(G(z)): non-saturating
        objective = -bce(d_on_fake, torch.zeros_like(d_on_fake)) if self.config.minimax else g_loss
        if y_fake is not None:
            objective = objective + self.config.aux_weight * cross_entropy(class_fake, y_fake)
        self.opt_g.zero_grad(set_to_none=True)
        objective.backward()
        self.opt_g.step()
        return g_loss

    # --- the pieces the two steps share ------------------------------------------------------------------
    def batch(self):
        """A random batch of real images [B, 3, H, W] and of latent vectors [B, latent_size], both from the
        run's own random stream (saved with it, so a resumed run draws the same batches); for a conditional
        run also the real clips' labels and the digits G is asked for (else None, None; a semi-supervised D's
        run gets the labels and None)."""
        # Under torchrun every process draws the whole global batch from the same stream and keeps its share.
        b, mine = self.prof.batch_size, self.world.shard(self.prof.batch_size)
        idx = torch.randint(len(self.images), (b,), generator=self.rng)[mine].to(self.device)
        z = torch.randn(b, self.prof.latent_size, generator=self.rng)[mine].to(self.device)
        real = self.images[idx].unsqueeze(1).expand(-1, self.prof.features.shape[0], -1, -1)
        if not self.config.classes:
            return real, z, None if self.labels is None else self.labels[idx], None
        asked = torch.randint(self.config.classes, (b,), generator=self.rng)[mine].to(self.device)
        return real, z, self.labels[idx], asked

    def augment(self, x: torch.Tensor) -> torch.Tensor:
        """What D sees of a batch: ``x`` plus instance noise (none when its sigma is 0), then shifted and
        masked with probability ``augment_p`` (``helpers.augment``; adaptive with ``ada_target``)."""
        sigma = self.noise_sigma()
        if sigma:
            x = x + (sigma * torch.randn(x.shape, generator=self.noise_rng)).to(self.device)
        p = self.ada.p if self.ada else self.config.augment_p
        return augment(x, p, self.augment_rng) if p else x

    def noise_sigma(self) -> float:
        """Instance noise's standard deviation at this step: annealed linearly from ``instance_noise`` to 0."""
        return self.config.instance_noise * max(0.0, 1 - self.step / self.config.steps)

    def discriminate(self, real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """D's logits on the real and the fake batch: two batches, as in the DCGAN tutorial, or one."""
        if self.config.joint_batch:
            return self.D(torch.cat([real, fake])).split(len(real))
        return self.D(real), self.D(fake)

    def d_objective(self, d_loss, d_real, d_fake, real) -> torch.Tensor:
        """What D minimizes: D_loss, with one-sided label smoothing and the R1 penalty when they are on."""
        c = self.config
        objective = (
            d_loss
            if c.real_label == 1
            else bce(d_real, torch.full_like(d_real, c.real_label)) + bce(d_fake, torch.zeros_like(d_fake))
        )
        if c.r1_gamma:
            (grad,) = torch.autograd.grad(d_real.sum(), real, create_graph=True)
            objective = objective + c.r1_gamma / 2 * grad.pow(2).sum(dim=(1, 2, 3)).mean()
        return objective

    def check(self, row: dict) -> None:
        """Stop with a message when a loss is no longer a number."""
        if not (math.isfinite(row["D_loss"]) and math.isfinite(row["G_loss"])):
            raise TrainingDiverged(
                f"{self.config.name}: at step {self.step} D_loss={row['D_loss']} and G_loss={row['G_loss']}; "
                f"the last checkpoint is in {cfg.relative(self.out)}. Try smaller learning rates "
                f"(g_lr {self.config.g_lr:g}, d_lr {self.config.d_lr:g}) or another seed."
            )

    # --- the loop ----------------------------------------------------------------------------------------
    def train(self, steps: int | None = None, on_log=None, progress: bool = True) -> pd.DataFrame:
        """Train up to ``steps`` in total (default: the config's), checkpointing and logging on the way; an
        ``on_log`` callback that returns True stops the run there (checkpointed)."""
        total = steps or self.config.steps
        progress = progress and self.world.main
        with tqdm(total=total, initial=self.step, desc=self.config.name, unit="step", disable=not progress) as bar:
            while self.step < total:
                row = self.train_step()
                bar.update()
                if not self.world.main:  # one process writes: histories, snapshots and checkpoints
                    continue
                done = False
                if self.step % self.prof.log_every == 0 or self.step == total:
                    self.snapshot()
                    bar.set_postfix(D_loss=f"{row['D_loss']:.3f}", G_loss=f"{row['G_loss']:.3f}")
                    done = bool(on_log and on_log(self))  # a learning curve that stopped improving ends the run
                if self.step % self.prof.checkpoint_every == 0 or self.step == total or done:
                    self.save()
                if done:
                    break
        return self.frame()

    @torch.no_grad()
    def sample(self, z: torch.Tensor, y: torch.Tensor | None = None, average: bool = True) -> torch.Tensor:
        """Images for latent vectors ``z`` (and asked classes ``y``, for a conditional G) from G's weight
        average (``average=False``: the live G), in eval mode (BatchNorm running statistics; the average's are
        measured afresh)."""
        z, y = z.to(self.device), (None if y is None else y.to(self.device))
        if average:
            return self.averaged()(z, y).cpu()
        G = unwrap(self.G)
        G.eval()
        x = G(z, y).cpu()
        G.train()
        return x

    def averaged(self) -> nn.Module:
        """G's weight average in eval mode, its BatchNorm statistics measured for this step's weights."""
        if self._measured_at != self.step:
            standing_statistics(self.G_ema.module, self.prof.latent_size, classes=self.config.classes)
            self._measured_at = self.step
        return self.G_ema.module

    def snapshot(self) -> None:
        """Keep the live G's fixed-noise samples of this step (channel 0) for the grid over time, and how far
        its three channels differ (real images' are identical copies)."""
        x = self.sample(self.fixed_noise, self.fixed_labels, average=False)
        self.snapshots[self.step] = x[:, 0].clone()
        self.channel_gaps[self.step] = channel_gap(x)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.history, columns=COLUMNS)

    # --- saving and resuming -------------------------------------------------------------------------------
    @property
    def checkpoint(self) -> Path:
        return self.out / "checkpoint.pt"

    def state(self) -> dict:
        """Everything a resume needs, as plain tensors and numbers (``weights_only`` loading accepts them)."""
        self.averaged()  # saved with its own BatchNorm statistics, ready to sample
        return {
            "G": unwrap(self.G).state_dict(),
            "G_ema": self.G_ema.module.state_dict(),
            "D": unwrap(self.D).state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "rng": self.rng.get_state(),
            "noise_rng": self.noise_rng.get_state(),
            "augment_rng": self.augment_rng.get_state(),
            "ada": self.ada.state_dict() if self.ada else {},
            "step": self.step,
            "fixed_noise": self.fixed_noise,
            "config": dataclasses.asdict(self.config),
            "profile": dataclasses.asdict(self.prof),
            "history": {c: [r[c] for r in self.history] for c in COLUMNS},
            "snapshot_steps": list(self.snapshots),
            "channel_gaps": list(self.channel_gaps.values()),
            "snapshots": torch.stack(list(self.snapshots.values())) if self.snapshots else torch.empty(0),
        }

    def save(self) -> Path:
        """The run's state to ``out/checkpoint.pt`` (atomically), and its history to ``out/history.csv``."""
        checkpoints.save(self.state(), self.checkpoint)
        self.frame().to_csv(self.out / "history.csv", index=False)
        return self.checkpoint

    def load(self) -> bool:
        """Continue from ``out/checkpoint.pt`` if there is one; True when something was loaded."""
        if not self.checkpoint.is_file():
            return False
        state = checkpoints.read(self.checkpoint, "gan")
        try:
            if not same_config(state, self.config, ignore=("steps",)):  # a longer run may resume a shorter one
                raise ValueError(f"it was made with another configuration, {state['config']}")
            if model_fields(state["profile"]) != model_fields(dataclasses.asdict(self.prof)):
                raise ValueError(f"it was made with another profile, {state['profile']}")
            unwrap(self.G).load_state_dict(state["G"])
            self.G_ema.module.load_state_dict(state.get("G_ema", state["G"]))  # older runs: start from G
            unwrap(self.D).load_state_dict(state["D"])
            self.opt_g.load_state_dict(state["opt_g"])
            self.opt_d.load_state_dict(state["opt_d"])
        except Exception as e:
            raise checkpoints.CheckpointError(
                f"cannot resume from {self.checkpoint}: {e}. Delete the folder to start over, or pass another --out."
            ) from None
        self.rng.set_state(state["rng"])
        if "noise_rng" in state:
            self.noise_rng.set_state(state["noise_rng"])
        if "augment_rng" in state:
            self.augment_rng.set_state(state["augment_rng"])
        if self.ada and state.get("ada"):
            self.ada.load_state_dict(state["ada"])
        self.fixed_noise, self.step = state["fixed_noise"].cpu(), state["step"]
        self._measured_at = None  # measured again on the first sample: older runs saved none
        h = state["history"]
        self.history = [dict(zip(COLUMNS, values)) for values in zip(*(h[c] for c in COLUMNS))]
        self.snapshots = dict(zip(state["snapshot_steps"], state["snapshots"].cpu()))
        self.channel_gaps = dict(zip(state["snapshot_steps"], state.get("channel_gaps", [])))
        return True


def heads(out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
    """D's output split into the real/fake logit [B] and, for a conditional D, the class logits [B, classes]."""
    return (out[:, 0], out[:, 1:]) if out.dim() == 2 else (out, None)


def resume_or_start(
    prof: cfg.Profile,
    config: GANConfig,
    images: torch.Tensor,
    device=None,
    classifier=None,
    out: Path | None = None,
    **models,
) -> GANRun:
    """A run ready to train: continued from its checkpoint when one exists (an interrupted notebook resumes)."""
    run = GANRun(prof, config, images, out=out, device=device, classifier=classifier, **models)
    if run.load():
        print(f"resuming {cfg.relative(run.out)} from step {run.step}")
    return run


def same_config(state: dict, config: GANConfig, ignore=()) -> bool:
    """Whether a checkpoint was made with ``config`` (fields in ``ignore`` aside); fields added since it was
    saved count as their defaults, which is how the older code ran."""
    theirs = saved_config(state)
    return all(getattr(theirs, k) == v for k, v in dataclasses.asdict(config).items() if k not in ignore)


def saved_config(state: dict) -> GANConfig:
    """The ``GANConfig`` of a checkpoint; fields it predates take their defaults."""
    known = {f.name for f in dataclasses.fields(GANConfig)}
    fields = {k: v for k, v in state["config"].items() if k in known}
    return GANConfig(**{**fields, "betas": tuple(fields.get("betas", GANConfig.betas))})


# The profile fields that only set budgets and logging: a run may resume under other values of these.
BUDGET_FIELDS = (
    "name",
    "gan_steps",
    "recipe_steps",
    "conditional_steps",
    "sweep_steps",
    "log_every",
    "checkpoint_every",
    "classifier_epochs",
)


def model_fields(prof: dict) -> dict:
    """The profile fields that shape models and data (not budgets or logging intervals); fields added since a
    checkpoint was saved count as their defaults, which is how the older code ran."""
    prof = {**dataclasses.asdict(cfg.Profile("defaults")), **prof}
    return {k: v for k, v in prof.items() if k not in BUDGET_FIELDS}
