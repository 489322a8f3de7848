"""Every checkpoint and cache this project saves goes through here: one atomic writer, one reader.

The reader answers a missing, truncated or foreign file with one sentence that names the file and says what
to do (``CheckpointError``); the command lines print that sentence and exit with status 1.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

# What each kind of checkpoint must hold, so that a file of another kind is refused by name, not by a KeyError.
KINDS = {
    "gan": ("G", "D", "opt_g", "opt_d", "config", "profile", "step", "history"),
    "classifier": ("state_dict", "config"),
}
HINTS = {
    "gan": "train one with `python -m helpers.train --config stable`",
    "classifier": "run notebooks/03_resnet9_discriminator.ipynb (or `python -m helpers.classifier`) to train "
    "and save one",
}


class CheckpointError(ValueError):
    """A checkpoint that is missing, unreadable, or not of the kind asked for; the message says what to do."""


def atomic_write(path: str | Path, write) -> Path:
    """``write(file)`` into a temporary file beside ``path``, then rename it to ``path``: a reader never sees
    half a file, a crash never leaves one, and of two writers one whole file wins."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            write(f)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def save(state: dict, path: str | Path) -> Path:
    """``torch.save(state)`` to ``path``, atomically."""
    return atomic_write(path, lambda f: torch.save(state, f))


def gan_file(path: str | Path) -> Path:
    """The GAN checkpoint a path names: the file itself, or ``checkpoint.pt`` in a run folder."""
    path = Path(path)
    return path / "checkpoint.pt" if path.is_dir() else path


def read(path: str | Path, kind: str, device: torch.device | str = "cpu") -> dict:
    """The checkpoint at ``path``, checked to be of ``kind`` ("gan" or "classifier"); tensors on ``device``.

    Loads with ``weights_only=True``, which refuses to run code hidden in a file."""
    path = gan_file(path) if kind == "gan" else Path(path)
    if not path.is_file():
        raise CheckpointError(f"no {kind} checkpoint at {path}: {HINTS[kind]}")
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except Exception as e:
        first = str(e).splitlines()[0] if str(e).strip() else ""
        reason = f" ({first})" if len(first) > 8 else ""  # not a bare code such as "101"
        raise CheckpointError(
            f"{path} cannot be read as a checkpoint{reason}: it is truncated, corrupt or "
            f"not a torch file: delete it and {HINTS[kind]}"
        ) from None
    missing = [k for k in KINDS[kind] if not isinstance(state, dict) or k not in state]
    if missing:
        raise CheckpointError(
            f"{path} is not a {kind} checkpoint (it lacks {', '.join(missing)}): point at a "
            f"file this project saved, or delete it and {HINTS[kind]}"
        )
    return state
