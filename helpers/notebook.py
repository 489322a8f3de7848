"""What the first cell of every notebook does: pick the profile and device, fix the seeds, make sure there is data."""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import torch

from .audio import find_audio
from .config import Profile, device, profile, relative
from .data import ensure_data


@dataclass
class Session:
    profile: Profile
    device: torch.device
    data: Path
    seed: int


def seed_everything(seed: int) -> None:
    """One seed for Python, numpy and torch, so a notebook rerun draws the same numbers."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def start(seed: int = 0) -> Session:
    """Profile, device and data folder, printed so every notebook says what it ran on."""
    prof, dev = profile(), device()
    root = ensure_data(prof)
    seed_everything(seed)
    matplotlib.rcParams.update({"figure.dpi": 80, "savefig.dpi": 80, "figure.figsize": (8, 3.5)})
    print(f"profile: {prof.name} | device: {dev} | data: {relative(root)} ({len(find_audio(root))} audio files)"
          f" | seed: {seed} | torch {torch.__version__}")
    return Session(prof, dev, root, seed)
