"""Committed results: the compact tables the project's own commands wrote, so that a notebook can show a study
that took hours to train without training it again (a fresh clone has no ``runs/``).

    results/<profile>/<study>/<table>.csv   one table each: a row per run, per step, per sample, ...
    results/<profile>/<study>/made.json     how: the command, the commit, the date, the training time

``python -m helpers.results make [STUDY ...]`` (``make studies``) trains what is missing under ``runs/`` and
rewrites the files; the studies themselves are defined in ``helpers.studies``.
"""

from __future__ import annotations

import datetime
import json
import subprocess
from pathlib import Path

import pandas as pd

from .config import REPO, relative

RESULTS = REPO / "results"
DIGITS = 5  # significant digits kept in committed tables: far below any difference the prose discusses


def folder(study: str, profile: str) -> Path:
    return RESULTS / profile / study


def committed(study: str, profile: str) -> bool:
    """Whether ``results/`` holds this study for this profile."""
    return (folder(study, profile) / "made.json").is_file()


def write(
    study: str, profile: str, tables: dict[str, pd.DataFrame], command: str, seconds: float | None = None, **facts
) -> Path:
    """Each table as ``<table>.csv`` (floats to ``DIGITS`` significant digits) and ``made.json``."""
    out = folder(study, profile)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.csv"):
        old.unlink()
    for name, table in tables.items():
        table.to_csv(out / f"{name}.csv", index=False, float_format=f"%.{DIGITS}g")
    made = {
        "study": study,
        "profile": profile,
        "command": command,
        "commit": commit(),
        "date": datetime.date.today().isoformat(),
        "tables": sorted(tables),
        "training minutes": None if seconds is None else round(seconds / 60, 1),
        **facts,
    }
    (out / "made.json").write_text(json.dumps(made, indent=1) + "\n")
    return out


def read(study: str, profile: str) -> dict[str, pd.DataFrame]:
    """The committed tables of a study, by name."""
    out = folder(study, profile)
    return {p.stem: pd.read_csv(p) for p in sorted(out.glob("*.csv"))}


def made(study: str, profile: str) -> dict:
    """How a committed study was made (``made.json``)."""
    return json.loads((folder(study, profile) / "made.json").read_text())


def describe(study: str, profile: str) -> str:
    """One line for a notebook: where the shown numbers come from."""
    m = made(study, profile)
    return (
        f"{study}: read from {relative(folder(study, profile))}, made by `{m['command']}` at commit "
        f"{m['commit'][:8]} on {m['date']}"
    )


def commit() -> str:
    """The commit the working tree is at (with "+changes" when it has uncommitted ones)."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "helpers"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        return head + ("+changes" if dirty else "") if head else "unknown"
    except OSError:
        return "unknown"


def pack(image) -> str:
    """An image [H, W] (normalized, in [-1, 1]) as one CSV cell: its values to 3 decimals, row by row."""
    import numpy as np

    values = np.asarray(image, dtype=np.float32)
    return f"{values.shape[0]}x{values.shape[1]}:" + " ".join(f"{v:.3f}" for v in values.ravel())


def unpack(cell: str):
    """The image a ``pack`` cell holds, as a float32 array [H, W]."""
    import numpy as np

    shape, _, values = cell.partition(":")
    h, w = map(int, shape.split("x"))
    return np.array(values.split(), dtype=np.float32).reshape(h, w)


def decibels(cells, denormalize):
    """``pack`` cells back to log-mel images in dB [N, H, W], each through ``denormalize`` (AudioDataset's)."""
    import numpy as np

    return np.stack([denormalize(unpack(cell)[None])[0] for cell in cells])
