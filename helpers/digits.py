"""Notebook 08, from blobs to digits: one change at a time from the story's nerfed run to the two recipes, each
run with its learning curve (the judge's scores every ``EVERY`` steps), and three seeds of each recipe.

    python -m helpers.studies make digits    # trains what runs/ lacks, then rewrites results/cpu/digits

The same runs from a terminal, two at a time with one thread each: ``tools/lane.sh`` with the lines that
``lane_lines`` prints (that is how the committed results were trained).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from . import config as cfg
from .curves import read_curve
from .engine import longer_dir, own_steps, run_dir
from .metrics import classify, near_copies, samples_for
from .results import pack

EVERY = 400  # steps between two judgements of a learning curve (cpu profile)
RECIPES = ("recipe", "conditional")
RECIPE_SEEDS = (0, 1, 2)
REAL_IS = "real held-out clips"

# One change at a time, from the story's nerfed run to the recipes (seed 0 each), each for the story's length
# (``length`` times it: the story's run goes on twice as long, to see whether time alone would do it); the
# conditional recipe for its own length.
LADDER = {
    "nerfed D (the story's)": {"config": "stable", "length": 2, "folder": "nerfed"},
    "R1 penalty, equal rates": {"config": "collapse", "r1_gamma": 1.0, "folder": "r1"},
    "instance noise, equal rates": {"config": "collapse", "instance_noise": 0.2, "folder": "instance_noise"},
    "per-image D, equal rates": {"config": "collapse", "d_norm": "layer", "folder": "per_image"},
    "+ augmentation": {"config": "collapse", "d_norm": "layer", "augment_p": 0.3, "folder": "augmented"},
    "+ D names the real digits (the recipe)": {"config": "recipe"},
    "+ G asked for a digit (conditional)": {"config": "conditional", "length": "own"},
}

# "Is it a matter of time?": these runs go on from their ladder run in a folder of their own up to the
# unconditional recipe's length (``curve_steps``), or until PATIENCE judgements in a row (2,000 steps) improve
# neither the Inception Score nor the Fréchet distance. The recipe's long curve is its own run, seed 0 at its
# own length, which trains to the end whatever its curve does.
PATIENCE = 5
RECIPE = "+ D names the real digits (the recipe)"
LONG = (
    "nerfed D (the story's)",
    "R1 penalty, equal rates",
    "instance noise, equal rates",
    "per-image D, equal rates",
    "+ D names the real digits (the recipe)",
)

# The goals of the digits issue, as fractions of the real clips' scores or as plain bounds.
STORY_GOAL = "IS >= 2.5 through G's average, at the story's length"
GOALS = {
    "recipe": {
        "IS >= 70% of real": lambda r, real, story: r["IS"] >= 0.7 * real["IS"],
        "FD <= 1/4 of the story's nerfed run": lambda r, real, story: r["FD"] <= story["FD"] / 4,
        "all ten digits used": lambda r, real, story: r["classes"] == 10,
        "no near-copy of a training clip": lambda r, real, story: r["near copies"] == 0,
        "two-sample test <= 0.85": lambda r, real, story: r["C2ST"] <= 0.85,
    },
    "conditional": {
        ">= 90% read as asked, every digit": lambda r, real, story: r["worst class"] >= 0.9,
        "IS >= 80% of real": lambda r, real, story: r["IS"] >= 0.8 * real["IS"],
    },
}


def every(prof: cfg.Profile) -> int:
    return EVERY if prof.name != "smoke" else prof.log_every


def ladder_specs(prof: cfg.Profile) -> dict:
    """Each ladder run as ``studies.judged`` takes it: config, seed 0, steps, changes; and its folder."""
    specs = {}
    for label, spec in LADDER.items():
        spec = dict(spec)
        name, folder, length = spec.pop("config"), spec.pop("folder", None), spec.pop("length", 1)
        steps = own_steps(name, prof) if length == "own" else int(length * prof.gan_steps)
        out = run_dir(prof, name, 0, steps) if folder is None else cfg.runs_dir() / f"digits_{prof.name}" / folder
        specs[label] = ({"config": name, "seed": 0, "steps": steps, **spec}, out)
    return specs


def curve_steps(prof: cfg.Profile) -> int:
    """How far the long learning curves go: as far as the unconditional recipe trains."""
    return prof.recipe_steps


def long_specs(prof: cfg.Profile) -> dict:
    """Each of ``LONG`` to ``curve_steps``: label -> (spec, folder, the folder it continues, patience). The
    recipe's is its own run, to the end (patience 0). A run whose noise anneals over its length (instance
    noise) cannot go on from its shorter self, so it starts afresh (None)."""
    ladder, steps, specs = ladder_specs(prof), curve_steps(prof), {}
    for label in LONG:
        spec, folder = ladder[label]
        own = label == RECIPE
        specs[label] = (
            {**spec, "steps": steps},
            run_dir(prof, spec["config"], 0, steps) if own else longer_dir(folder, steps),
            None if "instance_noise" in spec else folder,
            0 if own else PATIENCE,
        )
    return specs


def recipe_specs(prof: cfg.Profile) -> dict:
    """Both recipes for each of ``RECIPE_SEEDS``: (config, seed) -> (spec, folder)."""
    return {
        (name, seed): ({"config": name, "seed": seed, "steps": own_steps(name, prof)}, run_dir(prof, name, seed))
        for name in RECIPES
        for seed in RECIPE_SEEDS
    }


def all_runs(prof: cfg.Profile) -> list:
    """Every (spec, folder) of the study, each once."""
    runs = {out: spec for spec, out in [*ladder_specs(prof).values(), *recipe_specs(prof).values()]}
    return [(spec, out) for out, spec in runs.items()]


def lane_lines(prof: cfg.Profile) -> list[str]:
    """The study's runs as ``tools/lane.sh`` lines: ``OUT --config C --profile P --seed S --steps N --curve K``;
    the long curves last (``--from`` the run each continues, ``--patience``), each after the run it needs. A run
    that a long curve makes (the recipe's seed 0) has only the long curve's line."""
    longs = long_specs(prof).values()
    made_long = {out for _, out, _, _ in longs}
    lines = [_lane_line(prof, spec, out) for spec, out in all_runs(prof) if out not in made_long]
    for spec, out, start, patience in longs:
        since = f" --from {cfg.relative(start)}" if start else ""
        stop = f" --patience {patience}" if patience else ""
        lines.append(_lane_line(prof, spec, out, since + stop))
    return lines


def _lane_line(prof: cfg.Profile, spec: dict, out, extra: str = "") -> str:
    spec = dict(spec)
    name, seed, steps = spec.pop("config"), spec.pop("seed"), spec.pop("steps")
    changes = f" --set {' '.join(f'{k}={v}' for k, v in spec.items())}" if spec else ""
    return (
        f"{cfg.relative(out)} --config {name} --profile {prof.name} --seed {seed} --steps {steps} "
        f"--curve {every(prof)}{extra}{changes}"
    )


def present(prof: cfg.Profile) -> bool:
    from .studies import trained_all

    return trained_all([*(out for _, out in all_runs(prof)), *(out for _, out, _, _ in long_specs(prof).values())])


def study(prof: cfg.Profile, ds, classifier) -> dict:
    """Every run of the study trained (what is missing) and judged: a row per run, the learning curves, the
    goals per recipe seed, and a few samples of each ladder run (every digit in turn for a conditional G)."""
    from .studies import judged, report

    train_idx, test_idx = ds.split()
    reference, train = ds.images[test_idx], ds.images[train_idx]
    real = brief_real(classifier, reference, ds.images[train_idx])
    rows, curves, samples, ends, since = [], [], [], [], {}
    labels = {out: label for label, (_, out) in ladder_specs(prof).items()}
    seed_runs = {out for _, out in recipe_specs(prof).values()}
    longs = long_specs(prof)
    for spec, out in all_runs(prof):
        run = judged(prof, ds.images, spec, out, classifier, reference, every(prof), labels=ds.labels)
        key = {"run": labels.get(out, ""), "config": spec["config"], "seed": spec["seed"]}
        key["recipe seed"] = out in seed_runs  # one of the recipes' three seeds, at the recipe's own length
        row = {**key, **report(run, classifier, reference)}
        row |= memorisation(run, train, reference)
        rows.append(row)
        if key["run"] in longs:  # its curve goes on in a folder of its own: the curve shown is the long one
            long_spec, long_out, start, patience = longs[key["run"]]
            more = dict(every=every(prof), labels=ds.labels, patience=patience, start=start)
            long_run = judged(prof, ds.images, long_spec, long_out, classifier, reference, **more)
            ends.append({"run": key["run"], **curve_end(long_run)})
            since[long_out] = spec["steps"] if start else 0
            out = long_out
        curves.append(read_curve(out).assign(**key))
        if key["run"] or (spec["config"] == "recipe" and spec["seed"] == 0):
            samples.append(sample_table(run).assign(run=key["run"] or recipe_label(prof)))
    runs, curves = pd.DataFrame(rows), pd.concat(curves, ignore_index=True)
    story = story_at_its_length(curves, prof)
    return {
        "runs": runs,
        "real": pd.DataFrame([real]),
        "curves": curves,
        "curve ends": pd.DataFrame(ends),
        "goals": goals(runs, real, story),
        "samples": heard_in_order(pd.concat(samples, ignore_index=True), prof),
        "times": training_times([out for _, out in all_runs(prof)], since),
    }


def recipe_label(prof: cfg.Profile) -> str:
    """The unconditional recipe at its own length (its seed 0), as notebook 08 names it beside the ladder's runs."""
    return f"the recipe, {prof.recipe_steps:,} steps"


def heard_in_order(samples: pd.DataFrame, prof: cfg.Profile) -> pd.DataFrame:
    """The ladder's samples in its order, the recipe at its own length right after its ladder run."""
    order = list(LADDER)
    order.insert(order.index(RECIPE) + 1, recipe_label(prof))
    return samples.sort_values("run", key=lambda r: r.map(order.index), kind="stable", ignore_index=True)


def training_times(outs: list, since: dict) -> pd.DataFrame:
    """Each run folder's own training, once: the minutes its history records after the step it went on from
    (``since``: folder -> step; a long curve continued from a ladder run), so that no step counts twice."""
    rows = []
    for out in dict.fromkeys([*outs, *since]):
        h = pd.read_csv(Path(out) / "history.csv")
        start = since.get(out, 0)
        rows.append(
            {
                "folder": cfg.relative(out),
                "from step": start,
                "steps": int(h.step.max()),
                "minutes": h.seconds[h.step > start].sum() / 60,
            }
        )
    return pd.DataFrame(rows)


def curve_end(run) -> dict:
    """Where a long learning curve ended and why, and its best points: is it a matter of time? (Only the steps
    for a run trained without ``--curve``.)"""
    from .curves import stopped_at

    c = read_curve(run.out)
    if c.empty:
        return {"steps": run.step, "stopped improving": False}
    best_is, best_fd = c.loc[c.IS.idxmax()], c.loc[c.FD.idxmin()]
    return {
        "steps": run.step,
        "stopped improving": stopped_at(run.out) is not None,
        "best IS": best_is.IS,
        "best IS at": int(best_is.step),
        "best FD": best_fd.FD,
        "best FD at": int(best_fd.step),
        **{f"last {k}": c[k].iloc[-1] for k in ("IS", "FD", "C2ST")},
    }


def at_own_length(curves: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Each ladder run's curve point at the run's own length (a long curve goes on beyond it), by label."""
    steps = runs[runs.run.isin(list(LADDER))].set_index("run").steps
    points = curves[curves.run.isin(list(LADDER))]
    points = points[points.step == points.run.map(steps)]
    return points.set_index("run").loc[list(LADDER)]


def story_at_its_length(curves: pd.DataFrame, prof: cfg.Profile) -> pd.Series:
    """The story's nerfed run judged at the story's own length (``gan_steps``), from its learning curve."""
    nerfed = curves[curves.run == "nerfed D (the story's)"]
    return nerfed[nerfed.step == prof.gan_steps].iloc[0]


def brief_real(classifier, reference: torch.Tensor, train: torch.Tensor) -> dict:
    """The ceiling: the judge's Inception Score of the real held-out clips, and the Fréchet distance and
    two-sample test of real training clips against them (the floor of both)."""
    from .metrics import brief, judge

    pick = torch.randperm(len(train), generator=torch.Generator().manual_seed(0))[: len(reference)]
    return {"run": REAL_IS, **brief(judge(classifier, train[pick], reference)), "IS": real_is(classifier, reference)}


def real_is(classifier, reference: torch.Tensor) -> float:
    from .metrics import inception_score

    return inception_score(classify(classifier, reference)[0])[0]


def memorisation(run, train: torch.Tensor, reference: torch.Tensor) -> dict:
    """``metrics.near_copies`` of the judged number of samples of the run's Generator (every digit in turn when
    conditional)."""
    n = samples_for(run.prof)
    z = torch.randn(n, run.prof.latent_size, generator=torch.Generator().manual_seed(123))
    asked = torch.arange(n) % run.config.classes if run.config.classes else None
    copies = near_copies(run.sample(z, asked)[:, 0], train, reference)
    return {"near copies": copies["near copies"], "median distance to train": copies["median distance to train"]}


def sample_table(run, n: int = 10) -> pd.DataFrame:
    """``n`` samples of the run's Generator (its weight average; a conditional one says 0, 1, ..., 9), packed one
    image per row (``results.pack``): what notebook 08 shows and plays of each ladder run."""
    z = torch.randn(n, run.prof.latent_size, generator=torch.Generator().manual_seed(7))
    asked = torch.arange(n) % run.config.classes if run.config.classes else None
    images = run.sample(z, asked)[:, 0]
    digits = asked.tolist() if asked is not None else [-1] * n
    return pd.DataFrame({"sample": range(n), "digit": digits, "image": [pack(x) for x in images]})


def goals(runs: pd.DataFrame, real: dict, story: pd.Series) -> pd.DataFrame:
    """Each goal, met or not: the story's nerfed run at its own length (``story``, a learning-curve row), then
    each recipe seed's."""
    rows = [{"recipe": "stable", "seed": 0, "goal": STORY_GOAL, "met": bool(story["IS"] >= 2.5)}]
    for name, checks in GOALS.items():
        for _, r in recipe_runs(runs, name).iterrows():
            for goal, check in checks.items():
                rows.append({"recipe": name, "seed": r.seed, "goal": goal, "met": bool(check(r, real, story))})
    return pd.DataFrame(rows)


def recipe_runs(runs: pd.DataFrame, name: str | None = None) -> pd.DataFrame:
    """The rows of the recipes' seeds (of recipe ``name``, or both), each at its recipe's own length."""
    mine = runs[runs["recipe seed"].astype(bool)]
    return mine if name is None else mine[mine.config == name]


def seeds_meeting(goal_table: pd.DataFrame) -> pd.DataFrame:
    """Per recipe and goal: how many seeds meet it, of how many."""
    g = goal_table.groupby(["recipe", "goal"], sort=False).met
    return pd.DataFrame({"seeds meeting it": g.sum().astype(int), "of": g.size()}).reset_index()


def read_as(classifier, images: torch.Tensor) -> np.ndarray:
    """The digit the judge reads in each image [N, H, W]."""
    return classify(classifier, images)[0].argmax(1)
