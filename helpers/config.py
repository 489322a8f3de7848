"""Run profiles, paths and device choice: the one place every notebook reads its settings from.

A profile is picked by ``AUDIOGAN_PROFILE`` (``smoke``, ``cpu`` or ``gpu``); without it every machine gets
``cpu``, the story's size, on whatever device it has (a CUDA GPU runs it too). ``gpu`` is the full-width
network by name: against it the 10x nerf is not enough (docs/experiments.md). Notebooks never need editing.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

import torch

PROFILE_ENV, DATA_ENV, RUNS_ENV, DEVICE_ENV = "AUDIOGAN_PROFILE", "AUDIOGAN_DATA", "AUDIOGAN_RUNS", "AUDIOGAN_DEVICE"
REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Features:
    """How a clip becomes a log-mel image; every field is explained in notebook 01."""

    sample_rate: int = 8000  # FSDD's own rate: speech below 4 kHz, nothing to gain from resampling up
    window: int = 4096  # samples (0.512 s): the median FSDD clip fills ~80% of it once centred
    n_fft: int = 512  # 64 ms frames: fine enough in frequency (15.6 Hz bins) for pitch harmonics
    hop: int = 128  # 16 ms: window / hop = 32 frames
    n_mels: int = 32
    fmin: float = 0.0
    fmax: float = 4000.0  # Nyquist at 8 kHz
    top_db: float = 80.0  # dB floor below the clip's loudest bin
    trim_db: float = 40.0  # silence threshold for trimming leading and trailing silence
    align: str = "centre"  # where a short clip sits in the window: "centre" or "left" (the original's way)

    @property
    def frames(self) -> int:
        return self.window // self.hop

    @property
    def shape(self) -> tuple[int, int, int]:
        """The tensor every model sees: 3 channels (copies of one log-mel image), mel bins, frames."""
        return (3, self.n_mels, self.frames)


@dataclass(frozen=True)
class Profile:
    """Sizes and budgets of one kind of run; the fields are the knobs the notebooks talk about."""

    name: str
    features: Features = Features()
    max_files: int | None = None  # a deterministic slice of the data (smoke runs)
    latent_size: int = 100
    g_width: int = 64  # DCGAN's ngf: channels of the Generator's last hidden layer
    d_width: int = 16  # ResNet-9 width; 64 is David Page's full network
    d_act: str = "relu"  # ResNet-9 activation: "relu" (Page) or "leaky" (DCGAN's D); docs/experiments.md
    d_prep_norm: bool = True  # BatchNorm on ResNet-9's input layer (Page: yes; DCGAN's D: no); docs/experiments.md
    d_norm: str = "batch"  # ResNet-9's normalization: "batch" (Page), "layer" (per image) or "none"
    g_repeat_channels: bool = False  # Generator makes 1 channel and copies it, like the dataset's 3 channels
    batch_size: int = 64
    classifier_epochs: int = 12
    gan_steps: int = 2400  # the story's runs: long enough for the nerf to balance every seed (docs, round 14)
    # Notebook 08's recipes (helpers.engine.CONFIGS). The unconditional one improves to about 10,000 steps, which
    # is also how far notebook 08's long learning curves go (digits.curve_steps); the conditional one is best
    # near 800 (docs/experiments.md, rounds 17 and 19; the gpu profile's lengths are scaled up, not measured).
    recipe_steps: int = 10_000
    conditional_steps: int = 800
    sweep_steps: int = 400  # per run of notebook 07's sweep (36 runs: about an hour on 2 cores)
    log_every: int = 50
    checkpoint_every: int = 200


PROFILES = {
    "smoke": Profile(
        "smoke",
        max_files=60,
        batch_size=16,
        classifier_epochs=1,
        gan_steps=4,
        recipe_steps=12,
        conditional_steps=4,
        sweep_steps=2,
        log_every=2,
        checkpoint_every=2,
    ),
    "cpu": Profile("cpu"),
    "gpu": Profile(
        "gpu",
        features=Features(hop=64, n_mels=64),
        d_width=64,
        classifier_epochs=20,
        gan_steps=4000,
        recipe_steps=16_000,
        conditional_steps=2000,
        sweep_steps=2000,
        log_every=100,
        checkpoint_every=500,
    ),
}


def device() -> torch.device:
    """CUDA, then Apple MPS, then CPU; ``AUDIOGAN_DEVICE`` overrides."""
    if os.environ.get(DEVICE_ENV):
        return torch.device(os.environ[DEVICE_ENV])
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def profile(name: str | None = None, **overrides) -> Profile:
    """The profile named, else ``$AUDIOGAN_PROFILE``, else ``cpu`` on every device (the story's size)."""
    name = name or os.environ.get(PROFILE_ENV) or "cpu"
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}: set {PROFILE_ENV} to one of {', '.join(PROFILES)}")
    return dataclasses.replace(PROFILES[name], **overrides)


def runs_dir() -> Path:
    """Where checkpoints, logs, caches and samples go (git-ignored)."""
    return Path(os.environ.get(RUNS_ENV) or REPO / "runs")


def data_dir(prof: Profile | None = None) -> Path:
    """The audio folder a run reads: ``$AUDIOGAN_DATA`` or ``data/``; smoke runs use a tiny built-in set."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV])
    if (prof or profile()).name == "smoke":
        return runs_dir() / "smoke_data"
    return REPO / "data"


def relative(path: Path) -> str:
    """A path as a reader should see it in notebook outputs: relative to the repo when inside it."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


def profile_from_dict(d: dict) -> Profile:
    """The profile saved in a checkpoint (``dataclasses.asdict`` of it) rebuilt, overrides included."""
    return Profile(**{**d, "features": Features(**d["features"])})
