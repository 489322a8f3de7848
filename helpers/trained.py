"""A finished run, read from its checkpoint: its Generator to sample from, its history and kept snapshots.

A run in training (``engine.GANRun``) needs data, D and optimizers; sampling, scoring and the analyses need
none of them, so they read a ``Trained`` instead.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import torch
from torch import nn

from . import checkpoints
from . import config as cfg
from .ema import standing_statistics
from .engine import COLUMNS, GANConfig, saved_config
from .models import generator_for


@dataclass
class Trained:
    """A trained run's Generator (its weight average by default), and what it recorded while training."""

    G: nn.Module
    prof: cfg.Profile
    config: GANConfig
    step: int
    history: pd.DataFrame
    snapshots: dict
    channel_gaps: dict
    out: Path

    @torch.no_grad()
    def sample(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Images [N, 3, H, W] for latent vectors ``z`` (and asked classes ``y``, for a conditional G), in eval
        mode on the CPU."""
        return self.G.eval()(z.cpu(), None if y is None else y.cpu())

    def frame(self) -> pd.DataFrame:
        return self.history


def load(path: str | Path, average: bool = True) -> Trained:
    """The run saved at ``path`` (a run folder or its ``checkpoint.pt``), on the CPU; ``average=False`` gives
    the live Generator of the last step instead of its weight average. Raises ``CheckpointError``."""
    file = checkpoints.gan_file(path)
    state = checkpoints.read(file, "gan")
    prof, config = cfg.profile_from_dict(state["profile"]), saved_config(state)
    G = generator_for(prof, config.classes)
    G.load_state_dict(state["G_ema" if average and "G_ema" in state else "G"])
    if average:  # the average's own BatchNorm statistics, measured as GANRun.sample measures them
        standing_statistics(G, prof.latent_size, classes=config.classes)
    history = pd.DataFrame(state["history"], columns=COLUMNS)
    steps = state["snapshot_steps"]
    return Trained(
        G.eval(),
        prof,
        config,
        state["step"],
        history,
        dict(zip(steps, state["snapshots"])),
        dict(zip(steps, state.get("channel_gaps", []))),
        file.parent,
    )


def profile_of(path: str | Path) -> cfg.Profile:
    """The profile a saved run was trained with."""
    return cfg.profile_from_dict(checkpoints.read(path, "gan")["profile"])


def differences(t: Trained, base: cfg.Profile) -> dict:
    """What a trained run changed from ``base`` (a profile) and from its named configuration: field -> value."""
    from .engine import CONFIGS, model_fields, profile_for

    mine = model_fields(dataclasses.asdict(t.prof))
    theirs = model_fields(dataclasses.asdict(profile_for(t.config.name, base)))
    changed = {k: v for k, v in mine.items() if theirs.get(k) != v}
    named = GANConfig(name=t.config.name, **CONFIGS.get(t.config.name, {}))
    for f in dataclasses.fields(GANConfig):
        if f.name not in ("name", "seed", "steps") and getattr(t.config, f.name) != getattr(named, f.name):
            changed[f.name] = getattr(t.config, f.name)
    return changed
