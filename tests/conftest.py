import dataclasses

import numpy as np
import pytest
import soundfile as sf
import torch

from helpers import config as cfg
from helpers.engine import GANRun, config_for


@pytest.fixture(autouse=True)
def _isolated_runs(tmp_path, monkeypatch):
    """No test writes into the repo's runs/ (caches, checkpoints) or reads the user's data/."""
    monkeypatch.setenv("AUDIOGAN_RUNS", str(tmp_path / "runs"))


def tone(seconds=0.4, rate=8000, freq=300.0, channels=1, silence=0.1):
    """A harmonic tone with silence before and after: something to trim, window and transform."""
    t = np.arange(int(seconds * rate)) / rate
    y = sum(np.sin(2 * np.pi * freq * k * t) / k for k in (1, 2, 3)) * 0.3 * np.hanning(t.size)
    pad = np.zeros(int(silence * rate))
    y = np.concatenate([pad, y, pad]).astype(np.float32)
    return np.stack([y] * channels, axis=1) if channels > 1 else y


def write(path, seconds=0.4, rate=8000, freq=300.0, channels=1, silence=0.1, **kw):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, tone(seconds, rate, freq, channels, silence), rate, **kw)
    return path


# A GAN small enough to train a few steps in a test: the smoke profile, narrower still.
TINY = dataclasses.replace(
    cfg.profile("smoke"), batch_size=8, log_every=2, checkpoint_every=3, g_width=8, d_width=4, latent_size=16
)


def tiny_images(n=40):
    """Random images in [-1, 1] of the smoke profile's shape, the same every call."""
    torch.manual_seed(1)
    return torch.rand(n, *TINY.features.shape[1:]) * 2 - 1


def tiny_run(tmp_path, name="stable", **kw):
    """A ``TINY`` run of configuration ``name`` (``kw``: its changes) in ``tmp_path / name``, on the CPU."""
    return GANRun(TINY, config_for(name, TINY, **kw), tiny_images(), out=tmp_path / name, device=torch.device("cpu"))
