"""The latent explorer: walk between two latent vectors and see and hear the Generator's output change."""

from __future__ import annotations

import numpy as np
import torch
from IPython.display import Audio, display

from . import plots
from .config import Features
from .invert import to_audio


def slerp(z0: torch.Tensor, z1: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation: stays at the typical radius of a Gaussian latent, unlike a straight line
    through the low-density middle (White 2016, "Sampling Generative Networks")."""
    omega = torch.arccos(torch.clamp((z0 / z0.norm()) @ (z1 / z1.norm()), -1, 1))
    if omega.abs() < 1e-6:
        return (1 - t) * z0 + t * z1
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)


def path(run, z0: torch.Tensor, z1: torch.Tensor, n: int = 8, digit: int | None = None) -> torch.Tensor:
    """G's images [n, H, W] at n evenly spaced points from z0 to z1 (a conditional G: all of ``digit``)."""
    zs = torch.stack([slerp(z0, z1, t) for t in np.linspace(0, 1, n)])
    return run.sample(zs, asked(run, digit, n))[:, 0]


def asked(run, digit: int | None, n: int = 1) -> torch.Tensor | None:
    """The classes to ask a conditional Generator for (``digit``, n times); None for an unconditional one."""
    if not getattr(run.config, "classes", 0):
        return None
    return torch.full((n,), 0 if digit is None else int(digit))


def static_strip(run, denormalize, f: Features, z0, z1, n: int = 8, title: str = "", digit: int | None = None):
    """The same walk as a figure: what readers see where widgets do not render."""
    dbs = denormalize(path(run, z0, z1, n, digit))
    return plots.spectrogram_grid(
        dbs,
        f,
        titles=[f"t = {t:.2f}" for t in np.linspace(0, 1, n)],
        cols=n,
        suptitle=title,
        vmin=-80,
        vmax=0,
        size=1.7,
    )


def explorer(run, denormalize, f: Features, z0, z1, digit: int = 7):
    """A slider from z0 (t = 0) to z1 (t = 1): the spectrogram and a player for each point; for a conditional
    Generator also a digit picker, to ask for any digit at the same point of the latent space."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    def show(t: float = 0.0, digit: int | None = None):
        db = denormalize(run.sample(slerp(z0, z1, t)[None], asked(run, digit))[0, 0])
        fig, ax = plt.subplots(figsize=(3.5, 2.6))
        said = "" if digit is None else f", digit {digit}"
        plots.specshow(ax, db, f, f"G(slerp(z0, z1, {t:.2f}){said})", vmin=-80, vmax=0)
        plt.show()
        display(Audio(to_audio(db, f), rate=f.sample_rate))

    controls = {"t": widgets.FloatSlider(0.0, min=0.0, max=1.0, step=0.05, description="t", continuous_update=False)}
    if getattr(run.config, "classes", 0):
        controls["digit"] = widgets.Dropdown(options=list(range(run.config.classes)), value=digit, description="digit")
    else:
        controls["digit"] = widgets.fixed(None)
    return widgets.interactive(show, **controls)
