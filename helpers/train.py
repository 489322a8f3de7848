"""The GAN training engine: one clear loop in the spirit of pytorch/examples ``dcgan/main.py``.

Each step: D learns from a real batch (label 1) and a fake batch (label 0), then G learns to make D say 1 on
its fakes (the non-saturating loss of Goodfellow et al. 2014). Every step's D_loss, G_loss, D(x) and D(G(z))
go into a history; checkpoints are atomic, and a resumed run equals an uninterrupted one on the CPU.

    python -m helpers.train --config collapse|stable [--profile P] [--steps N] [--seed S] [--out DIR] [--resume]
    python -m helpers.train --summarize runs/    # a table of finished runs and their balance
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import torch
from torch import nn

from . import config as cfg
from .ema import HALFLIFE_IMAGES, Averaged, decay_for, standing_statistics
from .metrics import channel_gap
from .models import as_discriminator, generator_for, resnet9_config, resnet9_for
from .progress import tqdm

# The two runs of the story differ only in D's learning rate.
CONFIGS = {"collapse": dict(g_lr=2e-4, d_lr=2e-4), "stable": dict(g_lr=2e-4, d_lr=2e-5)}
# What the story claims, as tests on the last 20% of a run: the nerfed game stays in these bands, and with
# equal learning rates D wins (D_loss below 0.05, G_loss above 4).
BANDS = {"D_loss": (0.3, 0.8), "G_loss": (0.8, 2.5)}
COLLAPSE = {"D_loss": 0.05, "G_loss": 4.0}
REIGN = ("D won at", "G back at")   # the two turns of an equal-LR fight (see reign)
SPREAD = "G spread out at"            # when the fixed-z samples stopped being one image (see spread_out_at)
SPREAD_LINE = 0.1                     # pixel std across samples: about 0.01 for one image, 0.23 for real clips
COLUMNS = ["step", "D_loss", "G_loss", "D(x)", "D(G(z))", "seconds"]


@dataclass(frozen=True)
class GANConfig:
    """What defines a run besides the profile; ``d_lr = g_lr / 10`` is the original project's "nerf"."""

    name: str = "stable"
    g_lr: float = 2e-4
    d_lr: float = 2e-5
    betas: tuple[float, float] = (0.5, 0.999)   # DCGAN's Adam settings (Radford et al. 2016)
    adam_eps: float = 1e-8                      # Adam's denominator floor: large values stop steps on tiny gradients
    seed: int = 0
    steps: int = 1200
    warm_start: bool = False                    # D's trunk from the digit classifier of notebook 03
    n_fixed: int = 16                           # fixed latent vectors whose samples are kept over time
    # The stabilizers of notebook 07, all off by default; each changes one thing in D's step.
    real_label: float = 1.0      # 0.9: one-sided label smoothing (Salimans et al. 2016)
    instance_noise: float = 0.0  # sigma of Gaussian noise on D's inputs, annealed to 0 (Sonderby et al. 2017)
    spectral_norm: bool = False  # spectral normalization of D's conv and linear weights (Miyato et al. 2018)
    r1_gamma: float = 0.0        # R1 gradient penalty on real images (Mescheder, Geiger & Nowozin 2018)
    d_every: int = 1             # D learns on every k-th step only: fewer D updates per G update
    joint_batch: bool = False    # real and fake through D as one batch (both steps): D's BatchNorm mixes them
    # G's objective. The non-saturating -log D(G(z)) keeps a full gradient when D wins; the minimax
    # log(1 - D(G(z))) of Goodfellow et al. (2014) loses it. G_loss is logged as -log D(G(z)) either way.
    minimax: bool = False
    # G's weight average, the Generator sampled and scored (helpers.ema): its half-life in images seen.
    ema_images: int = HALFLIFE_IMAGES


def config_for(name: str, prof: cfg.Profile, **overrides) -> GANConfig:
    """The named run (``collapse`` or ``stable``) sized by a profile."""
    if name not in CONFIGS:
        raise ValueError(f"unknown config {name!r}: choose one of {', '.join(CONFIGS)}")
    return GANConfig(name=name, **{"steps": prof.gan_steps, **CONFIGS[name], **overrides})


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite: training stops rather than filling the history with garbage."""


class GANRun:
    """Models, optimizers, random streams and history of one run, saved to and resumed from ``out``."""

    def __init__(self, prof: cfg.Profile, config: GANConfig, images: torch.Tensor, out: Path | None = None,
                 device: torch.device | None = None, classifier: nn.Module | None = None):
        self.prof, self.config, self.device = prof, config, device or cfg.device()
        self.out = Path(out) if out else run_dir(prof, config.name, config.seed)
        self.images = images.to(self.device)               # [N, n_mels, frames], normalized to [-1, 1]
        torch.manual_seed(config.seed)
        self.G = generator_for(prof).to(self.device)
        self.G_ema = Averaged(self.G, decay_for(prof.batch_size, config.ema_images))
        if config.warm_start:
            if classifier is None:
                raise ValueError("warm_start needs the trained digit classifier (notebook 03)")
            if classifier.config != resnet9_config(prof):
                raise ValueError(f"warm_start copies a ResNet-9 with {classifier.config}, but the {prof.name} "
                                 f"profile asks for {resnet9_config(prof)}: train the classifier with the same profile")
        base = classifier if config.warm_start else resnet9_for(prof)
        self.D = as_discriminator(base.to(self.device), warm_start=config.warm_start)
        if config.spectral_norm:
            spectral_normalize(self.D)
        self.opt_g = torch.optim.Adam(self.G.parameters(), config.g_lr, betas=config.betas, eps=config.adam_eps)
        self.opt_d = torch.optim.Adam(self.D.parameters(), config.d_lr, betas=config.betas, eps=config.adam_eps)
        self.loss = nn.BCEWithLogitsLoss()
        self.rng = torch.Generator().manual_seed(config.seed)   # batches and noise: one stream, saved
        self.fixed_noise = torch.randn(config.n_fixed, prof.latent_size, generator=self.rng)
        self.noise_rng = torch.Generator().manual_seed(config.seed + 1)   # instance noise only: batches unchanged
        self.step, self.history, self.snapshots, self.channel_gaps = 0, [], {}, {}

    # --- one iteration ---------------------------------------------------------------------------------
    def train_step(self) -> dict:
        """D on a real and a fake batch, then G; returns this step's row of the history."""
        start = time.perf_counter()
        c, b = self.config, self.prof.batch_size
        idx = torch.randint(len(self.images), (b,), generator=self.rng)
        z = torch.randn(b, self.prof.latent_size, generator=self.rng).to(self.device)
        real = self.images[idx.to(self.device)].unsqueeze(1).expand(-1, 3, -1, -1)
        ones, zeros = torch.ones(b, device=self.device), torch.zeros(b, device=self.device)
        sigma = c.instance_noise * max(0.0, 1 - self.step / c.steps)   # annealed linearly to 0

        learn_d = self.step % c.d_every == 0
        fake = self.G(z)
        self.D.zero_grad(set_to_none=True)
        with torch.enable_grad() if learn_d else torch.no_grad():   # D's losses are recorded either way
            real_in = self._noisy(real, sigma).requires_grad_(learn_d and c.r1_gamma > 0)
            fake_in = self._noisy(fake.detach(), sigma)
            if c.joint_batch:
                d_real, d_fake = self.D(torch.cat([real_in, fake_in])).split(b)
            else:
                d_real, d_fake = self.D(real_in), self.D(fake_in)
            d_loss = self.loss(d_real, ones) + self.loss(d_fake, zeros)   # summed, as in the DCGAN tutorial
        if learn_d:
            objective = d_loss if c.real_label == 1 else \
                self.loss(d_real, ones * c.real_label) + self.loss(d_fake, zeros)
            if c.r1_gamma:
                grad, = torch.autograd.grad(d_real.sum(), real_in, create_graph=True)
                objective = objective + c.r1_gamma / 2 * grad.pow(2).sum(dim=(1, 2, 3)).mean()
            objective.backward()
            self.opt_d.step()

        self.G.zero_grad(set_to_none=True)
        fake_in = self._noisy(fake, sigma)
        if c.joint_batch:   # D judges fakes beside real images here too, or G would fool a different function
            d_on_fake = self.D(torch.cat([real_in.detach(), fake_in]))[b:]
        else:
            d_on_fake = self.D(fake_in)
        g_loss = self.loss(d_on_fake, ones)                                # non-saturating: make D say "real"
        (-self.loss(d_on_fake, zeros) if c.minimax else g_loss).backward()   # minimax: make D say "fake" less
        self.opt_g.step()
        self.G_ema.update(self.G)

        self.step += 1
        row = {"step": self.step, "D_loss": d_loss.item(), "G_loss": g_loss.item(),
               "D(x)": torch.sigmoid(d_real).mean().item(), "D(G(z))": torch.sigmoid(d_fake).mean().item(),
               "seconds": time.perf_counter() - start}
        if not (math.isfinite(row["D_loss"]) and math.isfinite(row["G_loss"])):
            raise TrainingDiverged(
                f"{self.config.name}: at step {self.step} D_loss={row['D_loss']} and G_loss={row['G_loss']}; "
                f"the last checkpoint is in {cfg.relative(self.out)}. Try smaller learning rates "
                f"(g_lr {self.config.g_lr:g}, d_lr {self.config.d_lr:g}) or another seed.")
        self.history.append(row)
        return row

    # --- the loop ----------------------------------------------------------------------------------------
    def train(self, steps: int | None = None, on_log=None, progress: bool = True) -> pd.DataFrame:
        """Train up to ``steps`` in total (default: the config's), checkpointing and logging on the way."""
        total = steps or self.config.steps
        every = self.prof.log_every
        with tqdm(total=total, initial=self.step, desc=self.config.name, unit="step", disable=not progress) as bar:
            while self.step < total:
                row = self.train_step()
                bar.update()
                if self.step % every == 0 or self.step == total:
                    self.snapshot()
                    bar.set_postfix(D_loss=f"{row['D_loss']:.3f}", G_loss=f"{row['G_loss']:.3f}")
                    if on_log:
                        on_log(self)
                if self.step % self.prof.checkpoint_every == 0 or self.step == total:
                    self.save()
        return self.frame()

    def _noisy(self, x: torch.Tensor, sigma: float) -> torch.Tensor:
        """``x`` plus instance noise of standard deviation ``sigma`` (none when it is 0)."""
        return x + (sigma * torch.randn(x.shape, generator=self.noise_rng)).to(self.device) if sigma else x

    @torch.no_grad()
    def sample(self, z: torch.Tensor, average: bool = True) -> torch.Tensor:
        """Images for latent vectors ``z`` from G's weight average (``average=False``: the live G), in eval
        mode (BatchNorm running statistics; the average's are measured afresh)."""
        if average:
            return standing_statistics(self.G_ema.module, self.prof.latent_size)(z.to(self.device)).cpu()
        self.G.eval()
        x = self.G(z.to(self.device)).cpu()
        self.G.train()
        return x

    def snapshot(self) -> None:
        """Keep the live G's fixed-noise samples of this step (channel 0) for the grid over time, and how far
        its three channels differ (real images' are identical copies)."""
        x = self.sample(self.fixed_noise, average=False)
        self.snapshots[self.step] = x[:, 0].clone()
        self.channel_gaps[self.step] = channel_gap(x)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.history, columns=COLUMNS)

    # --- checkpoints ---------------------------------------------------------------------------------------
    @property
    def checkpoint(self) -> Path:
        return self.out / "checkpoint.pt"

    def save(self) -> Path:
        """Everything a resume needs, written atomically (temporary file, then rename), plus history.csv."""
        self.out.mkdir(parents=True, exist_ok=True)
        state = {"G": self.G.state_dict(), "G_ema": self.G_ema.module.state_dict(), "D": self.D.state_dict(), "opt_g": self.opt_g.state_dict(),
                 "opt_d": self.opt_d.state_dict(), "rng": self.rng.get_state(),
                 "noise_rng": self.noise_rng.get_state(), "step": self.step,
                 "fixed_noise": self.fixed_noise, "config": dataclasses.asdict(self.config),
                 "profile": dataclasses.asdict(self.prof), "history": {c: [r[c] for r in self.history] for c in COLUMNS},
                 "snapshot_steps": list(self.snapshots), "channel_gaps": list(self.channel_gaps.values()),
                 "snapshots": torch.stack(list(self.snapshots.values())) if self.snapshots else torch.empty(0)}
        tmp = self.checkpoint.with_name(f".checkpoint.{os.getpid()}.tmp")
        torch.save(state, tmp)
        os.replace(tmp, self.checkpoint)
        self.frame().to_csv(self.out / "history.csv", index=False)
        return self.checkpoint

    def load(self) -> bool:
        """Continue from ``out/checkpoint.pt`` if there is one; True when something was loaded."""
        if not self.checkpoint.is_file():
            return False
        try:
            # on the CPU: the RNG states must stay there; load_state_dict moves weights and Adam moments to the model
            state = torch.load(self.checkpoint, map_location="cpu", weights_only=True)
            if not same_config(state, self.config, ignore=("steps",)):   # a longer run may resume a shorter one
                raise ValueError(f"it was made with another configuration, {state['config']}")
            if model_fields(state["profile"]) != model_fields(dataclasses.asdict(self.prof)):
                raise ValueError(f"it was made with another profile, {state['profile']}")
            self.G.load_state_dict(state["G"])
            self.G_ema.module.load_state_dict(state.get("G_ema", state["G"]))   # older runs: start from G
            self.D.load_state_dict(state["D"])
            self.opt_g.load_state_dict(state["opt_g"])
            self.opt_d.load_state_dict(state["opt_d"])
        except Exception as e:
            raise ValueError(f"cannot resume from {self.checkpoint}: {e}. Delete the folder to start over, "
                             f"or pass another --out.") from None
        self.rng.set_state(state["rng"])
        if "noise_rng" in state:
            self.noise_rng.set_state(state["noise_rng"])
        self.fixed_noise, self.step = state["fixed_noise"].cpu(), state["step"]
        h = state["history"]
        self.history = [dict(zip(COLUMNS, values)) for values in zip(*(h[c] for c in COLUMNS))]
        self.snapshots = dict(zip(state["snapshot_steps"], state["snapshots"].cpu()))
        self.channel_gaps = dict(zip(state["snapshot_steps"], state.get("channel_gaps", [])))
        return True


def same_config(state: dict, config: GANConfig, ignore=()) -> bool:
    """Whether a checkpoint was made with ``config`` (fields in ``ignore`` aside); fields added since it was
    saved count as their defaults, which is how the older code ran."""
    theirs = {**dataclasses.asdict(GANConfig()), **state["config"]}
    theirs["betas"] = tuple(theirs["betas"])
    return all(theirs[k] == v for k, v in dataclasses.asdict(config).items() if k not in ignore)


def spectral_normalize(d: nn.Module) -> nn.Module:
    """Every conv and linear weight of ``d`` divided by its largest singular value (one power iteration a
    step), so D is roughly 1-Lipschitz layer by layer (Miyato et al. 2018); BatchNorm is left as it is."""
    for module in list(d.modules()):
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.utils.parametrizations.spectral_norm(module)
    return d


def run_dir(prof: cfg.Profile, name: str, seed: int, steps: int | None = None) -> Path:
    """Where a notebook run lives: ``runs/gan_<profile>_<config>_seed<seed>``, plus ``_<steps>`` when ``extended``."""
    folder = cfg.runs_dir() / f"gan_{prof.name}_{name}_seed{seed}"
    return folder if steps in (None, prof.gan_steps) else folder.with_name(f"{folder.name}_{steps}")


def resume_or_start(prof: cfg.Profile, config: GANConfig, images: torch.Tensor, device=None, classifier=None,
                    out: Path | None = None) -> GANRun:
    """A run ready to train: continued from its checkpoint when one exists (an interrupted notebook resumes)."""
    run = GANRun(prof, config, images, out=out, device=device, classifier=classifier)
    if run.load():
        print(f"resuming {cfg.relative(run.out)} from step {run.step}")
    return run


def model_fields(prof: dict) -> dict:
    """The profile fields that shape models and data (not budgets or logging intervals); fields added since a
    checkpoint was saved count as their defaults, which is how the older code ran."""
    prof = {**dataclasses.asdict(cfg.Profile("defaults")), **prof}
    return {k: v for k, v in prof.items() if k not in ("name", "gan_steps", "sweep_steps", "log_every",
                                                       "checkpoint_every", "classifier_epochs")}


# Fields ``--set`` may change: the profile's (models, data, batch) and the run's stabilizers and rates.
RUN_FIELDS = ("g_lr", "d_lr", "warm_start", "real_label", "instance_noise", "spectral_norm", "r1_gamma",
              "d_every", "joint_batch", "betas", "adam_eps", "minimax", "ema_images")


def parse_overrides(pairs: list[str]) -> tuple[dict, dict]:
    """``["d_width=32", "joint_batch=true"]`` -> typed (profile, run config) overrides, checked by name."""
    profile_fields = [f.name for f in dataclasses.fields(cfg.Profile) if f.name not in ("name", "features")]
    prof, run = {}, {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        if key in profile_fields:
            out, default = prof, getattr(cfg.PROFILES["cpu"], key)
        elif key in RUN_FIELDS:
            out, default = run, getattr(GANConfig(), key)
        else:
            raise ValueError(f"--set {pair}: {key!r} is not a profile or run field; choose from "
                             f"{', '.join(profile_fields + list(RUN_FIELDS))}")
        if isinstance(default, bool):
            out[key] = value.lower() in ("1", "true", "yes")
        elif isinstance(default, tuple):
            out[key] = tuple(float(v) for v in value.split(","))
            if len(out[key]) != len(default):
                raise ValueError(f"--set {pair}: {key} takes {len(default)} comma-separated numbers")
        elif default is None or isinstance(default, int):
            out[key] = int(value)
        else:
            out[key] = type(default)(value)
    return prof, run


def extended(run: GANRun, steps: int, progress: bool = True) -> GANRun:
    """The same run continued to ``steps`` in its own folder (``<out>_<steps>``), leaving the original intact.

    Resuming is exact, so this equals a run trained for ``steps`` from the start."""
    longer = GANRun(run.prof, dataclasses.replace(run.config, steps=steps), run.images, device=run.device,
                    out=run.out.with_name(f"{run.out.name}_{steps}"))
    if not longer.load():
        longer.out.mkdir(parents=True, exist_ok=True)
        shutil.copy2(run.checkpoint, longer.checkpoint)
        longer.load()
    longer.train(progress=progress)
    return longer


def seed_study(prof: cfg.Profile, seeds, images: torch.Tensor, device=None, names=("collapse", "stable"),
               steps: int | None = None, classifier: nn.Module | None = None,
               reference: torch.Tensor | None = None) -> pd.DataFrame:
    """Both configurations for several seeds (each trained once, then loaded): how often each band holds.

    ``steps`` beyond the profile's continues each run in its own folder (see ``extended``); with the digit
    classifier and real ``reference`` images, each row also says whether the Generator learned."""
    rows = []
    for name in names:
        for seed in seeds:
            run = resume_or_start(prof, config_for(name, prof, seed=seed), images, device=device)
            run.train(progress=False)
            if steps and steps != run.step:
                run = extended(run, steps, progress=False)
            rows.append({"config": name, "seed": seed, **run_report(run, classifier, reference)})
    return step_columns(pd.DataFrame(rows))


def compare_runs(runs: dict, classifier: nn.Module | None = None,
                 reference: torch.Tensor | None = None) -> pd.DataFrame:
    """``run_report`` of several runs side by side, one row per label, led by the early phase (steps
    101-300: the original report's window) so that a quick win and a lasting one can be told apart."""
    rows = {label: {"steps 101-300: D_loss": window(run.frame(), 100, 300)["D_loss"],
                    **run_report(run, classifier, reference)} for label, run in runs.items()}
    return step_columns(pd.DataFrame.from_dict(rows, orient="index"))


def step_columns(table: pd.DataFrame) -> pd.DataFrame:
    """The reign and spread columns as nullable integers: a step, or <NA> for never."""
    return table.astype({k: "Int64" for k in (*REIGN, SPREAD) if k in table})


def run_report(run: GANRun, classifier: nn.Module | None = None, reference: torch.Tensor | None = None) -> dict:
    """One run in one row: its steps, last-20% balance, D's reign, when its samples spread out, and, given the
    digit classifier and real ``reference`` images, what the judge makes of 1,000 samples."""
    from .metrics import brief, judge_run

    history = run.frame()
    row = {"steps": run.step, **balance_check(history), **reign(history), SPREAD: spread_out_at(run.snapshots)}
    if classifier is not None:
        row |= brief(judge_run(run, classifier, reference))
    return row


def seed_histories(prof: cfg.Profile, seeds, name: str = "collapse", steps: int | None = None) -> dict:
    """The step-by-step histories of a seed study's runs, by seed (``seed_study`` trains them; this only reads)."""
    return {seed: pd.read_csv(run_dir(prof, name, seed, steps) / "history.csv") for seed in seeds}


def seed_spreads(prof: cfg.Profile, seeds, name: str = "collapse", steps: int | None = None) -> dict:
    """``sample_spread`` of a seed study's runs over their kept steps, by seed (read from their checkpoints)."""
    spreads = {}
    for seed in seeds:
        state = torch.load(run_dir(prof, name, seed, steps) / "checkpoint.pt", map_location="cpu", weights_only=True)
        spreads[seed] = sample_spread(dict(zip(state["snapshot_steps"], state["snapshots"])))
    return spreads


def seed_counts(study: pd.DataFrame) -> pd.DataFrame:
    """Per configuration: in how many seeds the game was balanced or D won at the end, in how many D won at some
    point and the Generator broke that win (given ``reign``'s columns), and the mean Inception Score."""
    counts = study.groupby("config")[["balanced", "D won"]].sum().astype(int)
    if "D won at" in study:
        counts["D ever won"] = study.groupby("config")["D won at"].count()
        counts["G came back"] = study.groupby("config")["G back at"].count()
    counts["of seeds"] = study.groupby("config").size()
    if "IS" in study:
        counts["mean IS"] = study.groupby("config").IS.mean().round(2)
    return counts


def summarize(history: pd.DataFrame, last: float = 0.2) -> dict:
    """Mean D_loss, G_loss, D(x) and D(G(z)) over the last 20% of the steps: the run's settled balance."""
    steps = int(history.step.max()) if len(history) else 0
    return window(history, int(steps * (1 - last)), steps)


def window(history: pd.DataFrame, start: int, stop: int) -> dict:
    """Mean D_loss, G_loss, D(x) and D(G(z)) over steps ``start`` < step <= ``stop``: a snapshot of one phase."""
    part = history[(history.step > start) & (history.step <= stop)]
    return {c: float(part[c].mean()) for c in ["D_loss", "G_loss", "D(x)", "D(G(z))"]}


def balance_check(history: pd.DataFrame) -> dict:
    """Whether the last 20% of a run sits in the balanced bands, or shows D's win."""
    m = summarize(history)
    return {"D_loss": round(m["D_loss"], 4), "G_loss": round(m["G_loss"], 4),
            "balanced": all(lo <= m[k] <= hi for k, (lo, hi) in BANDS.items()),
            "D won": m["D_loss"] < COLLAPSE["D_loss"] and m["G_loss"] > COLLAPSE["G_loss"]}


def reign(history: pd.DataFrame, span: int = 100, line: float = COLLAPSE["D_loss"]) -> dict:
    """When D's win began and when the Generator broke it, as steps (None: never).

    D is winning while the median D_loss of the last ``span`` steps is below the "D won" line: most of those
    steps are clear wins. A median, not a mean, so that one wild step (D_loss 5 or more happens) is a jolt
    rather than a comeback. Whether D won back the lead by the end is ``balance_check``'s "D won"."""
    winning = history.D_loss.rolling(span).median() < line
    flips = history.step[winning != winning.shift(fill_value=False)].tolist()   # steps where the state changed
    return {key: (int(flips[i]) if i < len(flips) else None) for i, key in enumerate(REIGN)}


def sample_spread(snapshots: dict) -> pd.Series:
    """Pixel std across the fixed-z samples at each kept step: near 0 while every z gives the same image."""
    return pd.Series({step: float(x.reshape(len(x), -1).std(0).mean()) for step, x in sorted(snapshots.items())},
                     dtype=float)


def spread_out_at(snapshots: dict, line: float = SPREAD_LINE) -> int | None:
    """The first kept step at which the fixed-z samples spread out (std across them strictly above ``line``)
    after having been below it; None if they never did. Only a rise from below counts, so a Generator whose
    samples differ from the start is not mistaken for one that broke out of a collapse. Against the textbook
    (BatchNorm) D the first snapshot (step 50) is already below the line and the spread keeps falling until
    about step 200; against a per-image D (``d_norm="layer"``) it rises from there, so the step it reports is
    the Generator's first spreading out, not a break from a collapse."""
    return breakout(sample_spread(snapshots), line)


def breakout(spread: pd.Series, line: float = SPREAD_LINE) -> int | None:
    """``spread_out_at`` for a spread already measured (``sample_spread``): the first step strictly above
    ``line`` after one strictly below it."""
    collapsed = spread[spread < line]
    if collapsed.empty:
        return None
    later = spread[(spread.index > collapsed.index[0]) & (spread > line)]
    return int(later.index[0]) if len(later) else None


def summarize_runs(root: Path) -> pd.DataFrame:
    """One row per run folder under ``root``: what differs from the cpu profile, its config, and its balance."""
    base = model_fields(dataclasses.asdict(cfg.PROFILES["cpu"]))
    rows = []
    for ckpt in sorted(Path(root).glob("*/checkpoint.pt")):
        state = torch.load(ckpt, map_location="cpu", weights_only=True)
        changed = {k: v for k, v in model_fields(state["profile"]).items() if base.get(k) != v}
        named = dataclasses.asdict(GANConfig(name=state["config"]["name"], **CONFIGS[state["config"]["name"]]))
        changed |= {k: v for k, v in state["config"].items() if k in RUN_FIELDS and named[k] != v}
        history = pd.read_csv(ckpt.parent / "history.csv")
        rows.append({"run": ckpt.parent.name, "changed": ", ".join(f"{k}={v}" for k, v in changed.items()) or "-",
                     "config": state["config"]["name"], "seed": state["config"]["seed"], "steps": state["step"],
                     **balance_check(history)})
    return pd.DataFrame(rows)


def main(argv=None) -> None:
    from .data import ensure_data
    from .dataset import AudioDataset

    parser = argparse.ArgumentParser(prog="python -m helpers.train", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", choices=list(CONFIGS))
    parser.add_argument("--summarize", type=Path, metavar="DIR", help="print a table of the runs under DIR and exit")
    parser.add_argument("--profile", choices=list(cfg.PROFILES))
    parser.add_argument("--steps", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")
    parser.add_argument("--set", nargs="*", default=[], metavar="FIELD=VALUE",
                        help="profile or run overrides, e.g. d_width=32 d_act=leaky r1_gamma=1 joint_batch=true")
    args = parser.parse_args(argv)
    if args.summarize:
        print(summarize_runs(args.summarize).to_string(index=False))
        return
    if not args.config:
        parser.error("--config is required (collapse or stable)")
    try:
        prof_changes, run_changes = parse_overrides(args.set)
        prof = cfg.profile(args.profile, **prof_changes)
    except ValueError as e:
        parser.error(str(e))
    ds = AudioDataset(ensure_data(prof), prof.features, max_files=prof.max_files)
    steps = {"steps": args.steps} if args.steps else {}
    run = GANRun(prof, config_for(args.config, prof, seed=args.seed, **steps, **run_changes), ds.images, args.out)
    if run.checkpoint.exists() and not args.resume:
        parser.error(f"{cfg.relative(run.checkpoint)} exists: pass --resume to continue it, or another --out")
    if args.resume and run.load():
        print(f"resuming {cfg.relative(run.out)} at step {run.step}")
    history = run.train(on_log=lambda r: print(log_line(r.history[-1]), flush=True))
    print("last 20%:", {k: round(v, 4) for k, v in summarize(history).items()}, "| saved", cfg.relative(run.out))


def log_line(row: dict) -> str:
    """One step's four numbers, as the terminal and the notebooks print them."""
    return (f"[{row['step']:5d}] D_loss {row['D_loss']:.4f}  G_loss {row['G_loss']:.4f}  "
            f"D(x) {row['D(x)']:.3f}  D(G(z)) {row['D(G(z))']:.3f}")


if __name__ == "__main__":
    main()
