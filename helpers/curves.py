"""Learning curves: the judge's scores of a run's samples every few hundred steps, kept beside the run.

A run's ``curve.csv`` gets one row per judged step (Inception Score, Fréchet distance, two-sample test, ...
from ``helpers.metrics``); a resumed run appends to it, so the curve of a long run survives interruptions.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import torch
from torch import nn

from .metrics import brief, judge_run

CURVE = "curve.csv"


LIVE = " (live G)"  # the suffix of the live Generator's columns beside its weight average's


def judge_every(every: int, classifier: nn.Module, reference: torch.Tensor, n: int | None = None):
    """An ``on_log`` callback for ``GANRun.train`` that judges ``n`` samples (default: ``metrics.samples_for``
    the run's profile) of the run's Generator at every multiple of ``every`` steps and appends the scores to
    ``<run>/curve.csv``: its weight average's (what is sampled), and the live G's Inception Score, Fréchet
    distance and two-sample test beside them."""

    def on_log(run) -> None:
        if run.step % every == 0 and run.step not in read_curve(run.out).get("step", pd.Series(dtype=int)).values:
            live = brief(judge_run(run, classifier, reference, n=n, average=False))
            row = {"step": run.step, **brief(judge_run(run, classifier, reference, n=n))}
            add_row(run.out, row | {k + LIVE: live[k] for k in ("IS", "FD", "C2ST")})

    return on_log


def add_row(out: Path, row: dict) -> None:
    """Append one judged step to ``<out>/curve.csv`` (written whole each time: the file stays small)."""
    curve = pd.concat([read_curve(out), pd.DataFrame([row])], ignore_index=True)
    Path(out).mkdir(parents=True, exist_ok=True)
    curve.to_csv(Path(out) / CURVE, index=False)


def read_curve(out: Path) -> pd.DataFrame:
    """A run's learning curve so far (empty when it has none)."""
    path = Path(out) / CURVE
    return pd.read_csv(path) if path.is_file() else pd.DataFrame()
