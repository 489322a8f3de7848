import dataclasses
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf
import torch

from conftest import write
from helpers import config as cfg
from helpers.dataset import AudioDataset
from helpers.sample import write_samples
from helpers.train import GANRun, config_for

PROF = dataclasses.replace(cfg.profile("smoke"), batch_size=8)
F = PROF.features


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A few FSDD-named tones: the data a run was trained on, whose statistics undo the normalization."""
    root = tmp_path_factory.mktemp("data")
    for digit in range(3):
        for take in range(2):
            write(root / f"{digit}_x_{take}.wav", freq=200 + 100 * digit + 10 * take)
    return root


@pytest.fixture(scope="module")
def run_dir(data, tmp_path_factory):
    """A two-step smoke run, checkpointed where the CLI finds it."""
    ds = AudioDataset(data, F, cache_dir=tmp_path_factory.mktemp("cache"), progress=False)
    out = tmp_path_factory.mktemp("runs") / "run"
    GANRun(PROF, config_for("stable", PROF, steps=2), ds.images, out=out, device=torch.device("cpu")).train(progress=False)
    return out


def test_write_samples_writes_readable_wavs_and_their_spectrograms(run_dir, data, tmp_path):
    paths = write_samples(run_dir / "checkpoint.pt", 3, tmp_path / "out", n_iter=4, data=data)
    assert [p.name for p in paths] == ["sample_000.wav", "sample_001.wav", "sample_002.wav"]
    for p in paths:
        info = sf.info(p)
        assert (info.samplerate, info.frames, info.channels, info.subtype) == (8000, F.window, 1, "PCM_16")
    db = np.load(tmp_path / "out" / "spectrograms.npy")
    assert db.shape == (3, 32, 32) and db.dtype == np.float32 and np.all(np.isfinite(db))


def test_the_seed_decides_the_samples(run_dir, data, tmp_path):
    images = [write_samples(run_dir, 2, tmp_path / str(s), seed=s, n_iter=2, data=data) and
              np.load(tmp_path / str(s) / "spectrograms.npy") for s in (0, 0, 1)]
    assert np.array_equal(images[0], images[1]) and not np.array_equal(images[0], images[2])


def test_a_missing_checkpoint_names_the_path_and_how_to_train(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m helpers.train --config stable"):
        write_samples(tmp_path / "nowhere", 1, tmp_path / "out")


def test_cli_writes_samples_and_explains_a_missing_checkpoint(run_dir, data, tmp_path):
    cmd = [sys.executable, "-m", "helpers.sample", "--n", "2", "--n-iter", "2", "--data", str(data)]
    done = subprocess.run(cmd + ["--checkpoint", str(run_dir), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=cfg.REPO)
    assert done.returncode == 0, done.stderr
    assert "sample_001.wav" in done.stdout and (tmp_path / "out" / "sample_001.wav").is_file()
    missing = tmp_path / "nowhere" / "checkpoint.pt"
    failed = subprocess.run(cmd + ["--checkpoint", str(missing), "--out", str(tmp_path / "x")],
                            capture_output=True, text=True, cwd=cfg.REPO)
    assert failed.returncode != 0 and str(missing) in failed.stderr and "--config stable" in failed.stderr
    assert "Traceback" not in failed.stderr
