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
from .data import STAND_IN_NOTE, ensure_data, is_stand_in


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
    print(
        f"profile: {prof.name} | device: {dev} | data: {relative(root)} ({len(find_audio(root))} audio files)"
        f" | seed: {seed} | torch {torch.__version__}"
    )
    if prof.name != "smoke" and is_stand_in(root):
        print(STAND_IN_NOTE)
    return Session(prof, dev, root, seed)


def live_log(title: str = "", bands: dict | None = None):
    """A training callback for notebooks: prints D_loss, G_loss, D(x), D(G(z)) and redraws one live figure."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    from .plots import training_curves
    from .train import log_line

    handle = display(display_id=True)

    def on_log(run) -> None:
        print(log_line(run.history[-1]))
        fig = training_curves(run.frame(), title, bands=bands)
        handle.update(fig)
        plt.close(fig)

    return on_log


def show_source(function):
    """The source of a function of the package, shown as code in the notebook: the cell and the package agree
    because the package is what runs."""
    import inspect

    from IPython.display import Code

    return Code(inspect.getsource(function), language="python")
