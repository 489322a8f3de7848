"""Learning curves: the judge's scores of a run's samples every few hundred steps, kept beside the run.

A run's ``curve.csv`` gets one row per judged step (Inception Score, Fréchet distance, two-sample test, ...
from ``helpers.metrics``); a resumed run appends to it, so the curve of a long run survives interruptions.
Given a patience, a run stops once its curve stops improving, and says where in ``stopped.json``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import torch
from torch import nn

from .metrics import brief, judge_run

CURVE, STOPPED = "curve.csv", "stopped.json"
MARGIN = 0.01  # a new best counts as progress when it beats the old one by more than 1%


LIVE = " (live G)"  # the suffix of the live Generator's columns beside its weight average's


def judge_every(every: int, classifier: nn.Module, reference: torch.Tensor, n: int | None = None, patience: int = 0):
    """An ``on_log`` callback for ``GANRun.train`` that judges ``n`` samples (default: ``metrics.samples_for``
    the run's profile) of the run's Generator at every multiple of ``every`` steps and appends the scores to
    ``<run>/curve.csv``: its weight average's (what is sampled), and the live G's Inception Score, Fréchet
    distance and two-sample test beside them. With a ``patience``, it ends the run (returns True) once the
    curve has ``stalled``."""

    def on_log(run) -> bool:
        if run.step % every == 0 and run.step not in read_curve(run.out).get("step", pd.Series(dtype=int)).values:
            live = brief(judge_run(run, classifier, reference, n=n, average=False))
            row = {"step": run.step, **brief(judge_run(run, classifier, reference, n=n))}
            add_row(run.out, row | {k + LIVE: live[k] for k in ("IS", "FD", "C2ST")})
            if patience and stalled(read_curve(run.out), patience):
                (Path(run.out) / STOPPED).write_text(json.dumps({"step": run.step, "patience": patience}))
                return True
        return False

    return on_log


def stalled(curve: pd.DataFrame, patience: int, margin: float = MARGIN) -> bool:
    """Whether the last ``patience`` judgements improved on every judgement before them by less than ``margin``
    (relative), in both the Inception Score (up) and the Fréchet distance (down): the curve has stopped
    improving, or creeps too slowly to matter."""
    if len(curve) <= patience:
        return False
    before, recent = curve.iloc[:-patience], curve.iloc[-patience:]
    higher = recent.IS.max() > before.IS.max() * (1 + margin)
    lower = recent.FD.min() < before.FD.min() * (1 - margin)
    return not (higher or lower)


def stopped_at(out: Path) -> int | None:
    """The step at which a run's curve stopped improving (None: it did not stop early)."""
    path = Path(out) / STOPPED
    return json.loads(path.read_text())["step"] if path.is_file() else None


def add_row(out: Path, row: dict) -> None:
    """Append one judged step to ``<out>/curve.csv`` (written whole each time: the file stays small)."""
    curve = pd.concat([read_curve(out), pd.DataFrame([row])], ignore_index=True)
    Path(out).mkdir(parents=True, exist_ok=True)
    curve.to_csv(Path(out) / CURVE, index=False)


def read_curve(out: Path) -> pd.DataFrame:
    """A run's learning curve so far (empty when it has none)."""
    path = Path(out) / CURVE
    return pd.read_csv(path) if path.is_file() else pd.DataFrame()


def continued_from(source: Path, out: Path) -> None:
    """A run folder that starts where ``source`` stopped: its checkpoint, history and learning curve copied
    into ``out`` (nothing is copied when ``out`` already holds a run). Resuming is exact, so training on
    equals one longer run from the start, unless a schedule spans the run's length (instance noise does)."""
    if (Path(out) / "checkpoint.pt").is_file():
        return
    Path(out).mkdir(parents=True, exist_ok=True)
    for name in ("checkpoint.pt", "history.csv", CURVE):
        if (Path(source) / name).is_file():
            shutil.copy2(Path(source) / name, Path(out) / name)
