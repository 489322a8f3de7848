import dataclasses
import os
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf
import torch
from conftest import write

from helpers import config as cfg
from helpers.checkpoints import CheckpointError
from helpers.dataset import AudioDataset
from helpers.engine import GANRun, config_for
from helpers.sample import main, write_samples

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


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Tiny models gain nothing from threads, and lose 50x to oversubscription when the cores are busy."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def run_dir(data, tmp_path_factory):
    """A two-step smoke run, checkpointed where the CLI finds it."""
    ds = AudioDataset(data, F, cache_dir=tmp_path_factory.mktemp("cache"), progress=False)
    out = tmp_path_factory.mktemp("runs") / "run"
    run = GANRun(PROF, config_for("stable", PROF, steps=2), ds.images, out=out, device=torch.device("cpu"))
    run.train(progress=False)
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
    def spectrograms(seed, out):
        write_samples(run_dir, 2, tmp_path / out, seed=seed, n_iter=2, data=data)
        return np.load(tmp_path / out / "spectrograms.npy")

    a, b, c = spectrograms(0, "a"), spectrograms(0, "b"), spectrograms(1, "c")
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_a_missing_checkpoint_names_the_path_and_how_to_train(tmp_path):
    with pytest.raises(CheckpointError, match="python -m helpers.train --config stable"):
        write_samples(tmp_path / "nowhere", 1, tmp_path / "out")


def test_cli_writes_samples(run_dir, data, tmp_path):
    cmd = [
        sys.executable,
        "-m",
        "helpers.sample",
        "--checkpoint",
        str(run_dir),
        "--n",
        "2",
        "--n-iter",
        "2",
        "--out",
        str(tmp_path / "out"),
        "--data",
        str(data),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=cfg.REPO, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr
    assert "sample_001.wav" in done.stdout and (tmp_path / "out" / "sample_001.wav").is_file()


def test_cli_explains_a_missing_checkpoint(tmp_path):
    missing = tmp_path / "nowhere" / "checkpoint.pt"
    with pytest.raises(SystemExit) as stop:
        main(["--checkpoint", str(missing), "--n", "1", "--out", str(tmp_path / "out")])
    message = str(stop.value.code)  # sys.exit(text) prints it to stderr and exits with status 1
    assert str(missing) in message and "python -m helpers.train --config stable" in message


@pytest.fixture(scope="module")
def conditional_dir(data, tmp_path_factory):
    ds = AudioDataset(data, F, cache_dir=tmp_path_factory.mktemp("cache"), progress=False)
    out = tmp_path_factory.mktemp("runs") / "cond"
    config = config_for("stable", PROF, steps=2, classes=3)
    GANRun(PROF, config, ds.images, out=out, device=torch.device("cpu"), labels=ds.labels).train(progress=False)
    return out


def test_digit_asks_a_conditional_generator_for_that_digit(conditional_dir, data, tmp_path):
    def spectrograms(out, **kw):
        write_samples(conditional_dir, 2, tmp_path / out, n_iter=2, data=data, **kw)
        return np.load(tmp_path / out / "spectrograms.npy")

    twos, again, zeros = spectrograms("a", digit=2), spectrograms("b", digit=2), spectrograms("c", digit=0)
    assert np.array_equal(twos, again) and not np.array_equal(twos, zeros)
    with pytest.raises(ValueError, match="one of 0-2"):
        write_samples(conditional_dir, 1, tmp_path / "d", data=data, digit=7)


def test_cli_digit_writes_that_digit_and_refuses_an_unconditional_generator(conditional_dir, run_dir, data, tmp_path):
    cmd = [sys.executable, "-m", "helpers.sample", "--n", "2", "--n-iter", "2", "--data", str(data), "--digit", "1"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        cmd + ["--checkpoint", str(conditional_dir), "--out", str(tmp_path / "ones")],
        capture_output=True,
        text=True,
        cwd=cfg.REPO,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "ones" / "sample_001.wav").is_file()
    refused = subprocess.run(
        cmd + ["--checkpoint", str(run_dir), "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        cwd=cfg.REPO,
        env=env,
    )
    assert refused.returncode == 1 and "unconditional" in refused.stderr and "Traceback" not in refused.stderr
