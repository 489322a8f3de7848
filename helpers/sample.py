"""Write a trained GAN's samples as audio: latent vectors -> G -> dB log-mel images -> Griffin-Lim -> WAV files.

    python -m helpers.sample --checkpoint PATH --n N --out DIR [--seed S] [--n-iter K] [--data DIR]

PATH is a run's ``checkpoint.pt`` or its folder.  The checkpoint holds G but not the per-mel-bin mean and std
that mapped dB onto [-1, 1]: they are recomputed (from the feature cache, so quickly) from the data the run's
profile reads, as training did.  A run trained on another folder (``AUDIOGAN_DATA``) needs ``--data DIR``:
other statistics would put every mel band at the wrong level.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import soundfile
import torch

from . import config as cfg
from . import trained
from .checkpoints import CheckpointError
from .data import ensure_data
from .dataset import AudioDataset
from .invert import N_ITER, to_audio


def load_run(checkpoint: Path, data: Path | None = None) -> tuple[trained.Trained, AudioDataset]:
    """The trained run (its averaged Generator, on the CPU) and the data set whose statistics undo its
    normalization."""
    run = trained.load(checkpoint)
    prof = run.prof
    ds = AudioDataset(data or ensure_data(prof), prof.features, max_files=prof.max_files, progress=False)
    return run, ds


def write_samples(
    checkpoint: Path,
    n: int,
    out: Path,
    seed: int = 0,
    n_iter: int = N_ITER,
    data: Path | None = None,
    digit: int | None = None,
) -> list[Path]:
    """``n`` generated clips as 16-bit WAVs ``out/sample_000.wav`` ..., each ``window`` samples long, and their
    dB images (G's output, denormalized) as float32 ``out/spectrograms.npy`` [n, n_mels, frames].

    A conditional Generator makes ``digit`` (default: every digit in turn); an unconditional one cannot be
    asked for one."""
    run, ds = load_run(checkpoint, data)
    f, classes = run.prof.features, run.config.classes
    if digit is not None and not 0 <= digit < max(classes, 1):
        raise ValueError(
            f"{checkpoint} holds an unconditional Generator: it cannot be asked for a digit"
            if not classes
            else f"--digit must be one of 0-{classes - 1}, not {digit}"
        )
    z = torch.randn(n, run.prof.latent_size, generator=torch.Generator().manual_seed(seed))
    asked = None if not classes else torch.full((n,), digit) if digit is not None else torch.arange(n) % classes
    db = ds.denormalize(run.sample(z, asked)).astype(np.float32)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"sample_{i:03d}.wav" for i in range(n)]
    for path, image in zip(paths, db):
        soundfile.write(path, to_audio(image, f, n_iter, seed), f.sample_rate, subtype="PCM_16")
    np.save(out / "spectrograms.npy", db)
    return paths


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m helpers.sample", description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", type=Path, required=True, help="a run's checkpoint.pt or its folder")
    parser.add_argument("--n", type=int, required=True, help="how many clips")
    parser.add_argument("--out", type=Path, required=True, help="folder for the WAVs and spectrograms.npy")
    parser.add_argument("--seed", type=int, default=0, help="for the latent vectors and Griffin-Lim's phases")
    parser.add_argument("--n-iter", type=int, default=N_ITER, help="Griffin-Lim iterations")
    parser.add_argument("--digit", type=int, help="the digit a conditional Generator says (default: each in turn)")
    parser.add_argument(
        "--data",
        type=Path,
        help="the folder the run was trained on, for its normalization statistics "
        "(default: the run's profile's data folder)",
    )
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")
    try:
        paths = write_samples(args.checkpoint, args.n, args.out, args.seed, args.n_iter, args.data, args.digit)
    except (CheckpointError, ValueError) as e:
        sys.exit(f"error: {e}")
    info, shape = soundfile.info(paths[0]), np.load(args.out / "spectrograms.npy", mmap_mode="r").shape
    print(
        f"wrote {len(paths)} clips ({info.frames} samples at {info.samplerate} Hz, {info.subtype_info}) to "
        f"{cfg.relative(args.out)}: {paths[0].name} ... {paths[-1].name}, and spectrograms.npy {list(shape)} in dB"
    )


if __name__ == "__main__":
    main()
