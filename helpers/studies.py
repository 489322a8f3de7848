"""Many runs at once: seed studies, runs side by side, and a folder of runs in one table.

Each row applies the story's tests (``helpers.analysis``) and, given the digit classifier and real held-out
images, the judge's scores (``helpers.metrics``).
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pandas as pd
import torch
from torch import nn

from . import config as cfg
from . import trained
from .analysis import EARLY, REIGN, SPREAD, balance, quick_win, reign, spread_out_at
from .engine import GANRun, config_for, longer_dir, resume_or_start, run_dir

LEARNED = 9  # a Generator "learned" when the judge spreads its samples over at least 9 of the 10 digits


def extended(run: GANRun, steps: int, progress: bool = True) -> GANRun:
    """The same run continued to ``steps`` in its own folder (``longer_dir``), leaving the original
    intact. Resuming is exact, so this equals a run trained for ``steps`` from the start."""
    longer = GANRun(
        run.prof,
        dataclasses.replace(run.config, steps=steps),
        run.images,
        device=run.device,
        out=longer_dir(run.out, steps),
    )
    if not longer.load():
        longer.out.mkdir(parents=True, exist_ok=True)
        shutil.copy2(run.checkpoint, longer.checkpoint)
        longer.load()
    longer.train(progress=progress)
    return longer


def report(run, classifier: nn.Module | None = None, reference: torch.Tensor | None = None) -> dict:
    """One run (in training or ``trained``) in one row: both acts' tests, D's reign, when its samples spread
    out, and, given the digit classifier and real ``reference`` images, what the judge makes of 1,000 samples."""
    history = run.frame()
    early = quick_win(history, run.snapshots) if run.step >= EARLY[1] else {}
    row = {"steps": run.step, **early, **balance(history), **reign(history), SPREAD: spread_out_at(run.snapshots)}
    if classifier is not None:
        from .metrics import brief, judge_run

        row |= brief(judge_run(run, classifier, reference))
        row["learned"] = row["classes"] >= LEARNED
    return row


def compare(runs: dict, classifier: nn.Module | None = None, reference: torch.Tensor | None = None) -> pd.DataFrame:
    """``report`` of several runs side by side, one row per label."""
    rows = {label: report(run, classifier, reference) for label, run in runs.items()}
    return step_columns(pd.DataFrame.from_dict(rows, orient="index"))


def seed_study(
    prof: cfg.Profile,
    seeds,
    images: torch.Tensor,
    device=None,
    names=("collapse", "stable"),
    steps: int | None = None,
    classifier: nn.Module | None = None,
    reference: torch.Tensor | None = None,
) -> pd.DataFrame:
    """Both configurations for several seeds (each trained once, then loaded): one ``report`` row per run."""
    rows = []
    for name in names:
        for seed in seeds:
            run = resume_or_start(prof, config_for(name, prof, seed=seed), images, device=device)
            run.train(progress=False)
            if steps and steps != run.step:
                run = extended(run, steps, progress=False)
            rows.append({"config": name, "seed": seed, **report(run, classifier, reference)})
    return step_columns(pd.DataFrame(rows))


def seed_runs(prof: cfg.Profile, seeds, name: str, steps: int | None = None) -> dict:
    """A seed study's runs as trained (read from their checkpoints), by seed."""
    return {seed: trained.load(run_dir(prof, name, seed, steps)) for seed in seeds}


def seed_counts(study: pd.DataFrame) -> pd.DataFrame:
    """Per configuration, out of how many seeds: D won at once, the game ended balanced, D still won at the end,
    D's win was broken; and, given the judge's scores, how many Generators learned and their mean IS."""
    g = study.groupby("config")
    counts = pd.DataFrame({"of seeds": g.size()})
    for column in ("D won at once", "balanced", "D won", "learned"):
        if column in study:
            counts[column] = g[column].sum().astype(int)
    if REIGN[1] in study:
        counts["G came back"] = g[REIGN[1]].count()
    if "IS" in study:
        counts["mean IS"] = g.IS.mean().round(2)
    return counts


def step_columns(table: pd.DataFrame) -> pd.DataFrame:
    """The reign and spread columns as nullable integers: a step, or <NA> for never."""
    return table.astype({k: "Int64" for k in (*REIGN, SPREAD) if k in table})


def summarize_folder(root: Path) -> pd.DataFrame:
    """One row per run under ``root`` (any depth): what it changed from the cpu profile and its configuration,
    and both acts' tests. Runs of any configuration (the story's, a sweep's, a recipe's) are read alike."""
    rows = []
    for ckpt in sorted(Path(root).rglob("checkpoint.pt")):
        run = trained.load(ckpt.parent)
        changed = trained.differences(run, cfg.PROFILES["cpu"])
        row = {
            "run": cfg.relative(ckpt.parent),
            "config": run.config.name,
            "seed": run.config.seed,
            "changed": ", ".join(f"{k}={v}" for k, v in changed.items()) or "-",
        }
        rows.append(row | report(run))
    return step_columns(pd.DataFrame(rows))
