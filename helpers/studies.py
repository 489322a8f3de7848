"""Many runs at once: seed studies, runs side by side, and a folder of runs in one table.

Each row applies the story's tests (``helpers.analysis``) and, given the digit classifier and real held-out
images, the judge's scores (``helpers.metrics``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
from pathlib import Path

import pandas as pd
import torch
from torch import nn

from . import config as cfg
from . import trained
from .analysis import EARLY, REIGN, SPREAD, balance, quick_win, reign, sample_spread, spread_out_at
from .engine import GANRun, config_for, longer_dir, profile_for, resume_or_start, run_dir

QUICK_WIN_COLUMNS = ("early D_loss", "early G_loss", "spread at 300", "D won at once")  # None: too short
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
    early = quick_win(history, run.snapshots) if run.step >= EARLY[1] else dict.fromkeys(QUICK_WIN_COLUMNS)
    row = {"steps": run.step, **early, **balance(history), **reign(history), SPREAD: spread_out_at(run.snapshots)}
    if "seconds" in history:
        row["minutes"] = history.seconds.sum() / 60  # of training, as recorded step by step
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
            counts[column] = study[column].astype("boolean").fillna(False).groupby(study.config).sum().astype(int)
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


# --- studies the notebooks show, made from runs/ or read from the committed results/ ------------------------

SEEDS = (0, 2, 3)  # the notebooks' seeds: the first three of 0-5 whose act one held with 1 and 2 threads
SCREENED = (0, 1, 2, 3)  # seeds run with one thread: the notebooks' and seed 1, which failed there
TELL_SEEDS = (0, 1, 2)  # the channel-tell study ran before the notebooks' seeds were chosen
STORY = ("collapse", "stable")


def shown(study: str, prof: cfg.Profile, make, present) -> dict:
    """A study's tables for a notebook: made from ``runs/`` when its runs are there (``present()``), read from
    the committed ``results/`` when they are not, and made (training what is missing) when neither is."""
    from . import results

    if prof.name != "smoke" and not present() and results.committed(study, prof.name):
        print(results.describe(study, prof.name))
        return results.read(study, prof.name)
    return make()


def trained_all(folders) -> bool:
    """Whether every run folder holds a finished run: its ``history.csv`` reaches its config's steps, or its
    learning curve stopped improving there (``curves.stopped_at``)."""
    from .curves import stopped_at

    for out in folders:
        try:
            run = trained.load(out)
        except Exception:
            return False
        if run.step < run.config.steps and stopped_at(out) != run.step:
            return False
    return True


def story(prof: cfg.Profile, images: torch.Tensor, classifier=None, reference=None, seeds=SEEDS, device=None) -> dict:
    """The story's runs, both configurations for each seed (trained once, then loaded): a ``report`` row per
    run, and per step their histories and the spread and channel gap of their fixed-z samples."""
    rows, histories, spreads, snapshots = [], [], [], []
    for name in STORY:
        for seed in seeds:
            run = resume_or_start(prof, config_for(name, prof, seed=seed), images, device=device)
            run.train(progress=False)
            key = {"config": name, "seed": seed}
            rows.append({**key, **report(run, classifier, reference)})
            histories.append(run.frame().drop(columns="seconds").assign(**key))
            spreads.append(sample_table(run).assign(**key))
            parts = 4 if seed == seeds[0] else 1  # over training for the first seed, the end for the others
            snapshots.append(snapshot_table(run, parts).assign(**key))
    return {
        "runs": step_columns(pd.DataFrame(rows)),
        "histories": pd.concat(histories),
        "spreads": pd.concat(spreads),
        "snapshots": pd.concat(snapshots),
    }


def snapshot_table(run, parts: int = 4, n: int = 4) -> pd.DataFrame:
    """A few of a run's fixed-z samples at ``parts`` kept steps spread over training (one part: the last step),
    packed one image per row (``results.pack``): enough to look at and listen to how a Generator learned."""
    from .results import pack

    kept, last = sorted(run.snapshots), len(run.snapshots) - 1
    picks = [last] if parts == 1 else [round(i * last / (parts - 1)) for i in range(parts)]
    chosen = sorted({kept[i] for i in picks}) if kept else []
    return pd.DataFrame(
        [
            {"step": step, "sample": i, "image": pack(run.snapshots[step][i])}
            for step in chosen
            for i in range(min(n, len(run.snapshots[step])))
        ]
    )


def per_run(table: pd.DataFrame, config: str, column: str | None = None) -> dict:
    """A long per-step table (``histories`` or ``spreads`` of a study) split into one frame per seed of one
    configuration, labelled "<config>, seed <s>"; with ``column``, that column as a series by step."""
    runs = {f"{config}, seed {k}": t for k, t in table[table.config == config].groupby("seed")}
    return {k: t.set_index("step")[column] for k, t in runs.items()} if column else runs


def sample_table(run) -> pd.DataFrame:
    """Per kept step: the spread of the fixed-z samples and the gap between their channels."""
    spread = sample_spread(run.snapshots)
    return pd.DataFrame(
        {
            "step": spread.index,
            "spread": spread.values,
            "channel gap": [run.channel_gaps.get(s, float("nan")) for s in spread.index],
        }
    )


def story_present(prof: cfg.Profile, seeds=SEEDS) -> bool:
    return trained_all(run_dir(prof, name, seed) for name in STORY for seed in seeds)


@contextlib.contextmanager
def threads(n: int | None):
    """torch's CPU threads set to ``n`` for the runs inside (None: as they are); the arithmetic, and so a GAN's
    fate, depends on it (docs/experiments.md)."""
    before = torch.get_num_threads()
    torch.set_num_threads(n or before)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def variants(
    prof: cfg.Profile,
    images: torch.Tensor,
    specs: list[dict],
    root: Path,
    n_threads: int | None = None,
    classifier=None,
    reference=None,
) -> pd.DataFrame:
    """Train (or load) one run per spec, ``{"config", "seed", "steps", **changes}`` with changes to the profile or
    the run, in ``root/<config>_s<seed>``, with ``n_threads`` CPU threads; a ``report`` row each."""
    from .train import parse_overrides

    rows = []
    for spec in specs:
        spec = dict(spec)
        name, seed, steps = spec.pop("config"), spec.pop("seed"), spec.pop("steps")
        prof_changes, run_changes = parse_overrides([f"{k}={v}" for k, v in spec.items()])
        p = profile_for(name, prof, **prof_changes)
        run = resume_or_start(
            p, config_for(name, p, seed=seed, steps=steps, **run_changes), images, out=Path(root) / f"{name}_s{seed}"
        )
        with threads(n_threads):
            run.train(progress=False)
        rows.append({"config": name, "seed": seed, **spec, **report(run, classifier, reference)})
    return step_columns(pd.DataFrame(rows))


def act_one_steps(prof: cfg.Profile) -> int:
    """The length of an equal-LR run that only act one needs: its window's end (a smoke run is shorter)."""
    return min(EARLY[1], prof.gan_steps)


def one_thread(prof, images, classifier=None, reference=None, seeds=SCREENED) -> dict:
    """The story's runs again with one CPU thread instead of this machine's default: act one's window for the
    equal-LR runs (300 steps), the whole nerfed runs."""
    early = act_one_steps(prof)
    specs = [{"config": "collapse", "seed": s, "steps": early} for s in seeds] + [
        {"config": "stable", "seed": s, "steps": prof.gan_steps} for s in seeds
    ]
    return {"runs": variants(prof, images, specs, cfg.runs_dir() / f"one_thread_{prof.name}", 1, classifier, reference)}


def seed_screen(prof, images, classifier=None, reference=None, seeds=tuple(range(6))) -> dict:
    """Act one (the equal-LR run over its 300-step window) for seeds 0-5 with one and with two CPU threads: the
    screen that chose the notebooks' seeds (``SEEDS``). Losses and spreads only, no judge."""
    early = act_one_steps(prof)
    specs = [{"config": "collapse", "seed": s, "steps": early} for s in seeds]
    root = cfg.runs_dir() / f"seed_screen_{prof.name}"
    tables = [variants(prof, images, specs, root / f"t{n}", n).assign(threads=n) for n in (1, 2)]
    return {"runs": pd.concat(tables, ignore_index=True)}


def channel_tell(prof, images, classifier=None, reference=None, seeds=TELL_SEEDS) -> dict:
    """A Generator that makes one channel and copies it (no tell) in both fights, one CPU thread as in
    ``one_thread``; and how well a classifier that sees only channel differences tells the default Generator's
    fakes from real clips at steps 0, 50 and 300 of the equal-LR runs."""
    early = act_one_steps(prof)
    specs = [{"config": "collapse", "seed": s, "steps": early, "g_repeat_channels": True} for s in seeds] + [
        {"config": "stable", "seed": s, "steps": prof.gan_steps, "g_repeat_channels": True} for s in seeds
    ]
    runs = variants(prof, images, specs, cfg.runs_dir() / f"channel_tell_{prof.name}", 1, classifier, reference)
    return {"runs": runs, "probe": channel_probes(prof, images, reference, seeds)}


def channel_probes(prof, images, reference, seeds=SEEDS, steps=(0, 50, 300), n: int = 256) -> pd.DataFrame:
    """The equal-LR run of each seed replayed to each of ``steps``: its live G's channel gap, pixel spreads and
    ``metrics.channel_probe`` accuracy on ``n`` fakes against the real ``reference`` clips."""
    import tempfile

    from .metrics import channel_gap, channel_probe

    real = reference.unsqueeze(1).expand(-1, 3, -1, -1)
    steps = sorted({min(step, prof.gan_steps) for step in steps})
    z = torch.randn(n, prof.latent_size, generator=torch.Generator().manual_seed(123))
    rows = []
    for seed in seeds:
        with tempfile.TemporaryDirectory() as out:  # a replay: its checkpoints are thrown away
            run = GANRun(prof, config_for("collapse", prof, seed=seed), images, out=Path(out))
            for step in steps:
                while run.step < step:
                    run.train_step()
                fake = run.sample(z, average=False)
                rows.append(
                    {
                        "seed": seed,
                        "step": step,
                        "channel gap": channel_gap(fake),
                        "pixel std": float(fake.std()),
                        "std across samples": float(fake[:, 0].reshape(n, -1).std(0).mean()),
                        "probe accuracy": channel_probe(real, fake),
                    }
                )
    return pd.DataFrame(rows)


def per_image(prof, images, classifier=None, reference=None, seeds=SEEDS) -> dict:
    """Act one against a D that judges each image alone: every BatchNorm of the ResNet-9 a per-image layer norm
    (``d_norm="layer"``), the equal-LR fight over act one's window (300 steps) for each seed, with one CPU thread
    as ``one_thread``; a ``report`` row per run and the same per-step tables as ``story``. (Longer runs and the
    nerfed fight against this D: docs/experiments.md, round 13.)"""
    early = act_one_steps(prof)
    specs = [{"config": "collapse", "seed": s, "steps": early, "d_norm": "layer"} for s in seeds]
    root = cfg.runs_dir() / f"per_image_{prof.name}"
    runs = variants(prof, images, specs, root, 1, classifier, reference)
    histories, spreads = [], []
    for spec in specs:
        run = trained.load(root / f"{spec['config']}_s{spec['seed']}")
        key = {"config": spec["config"], "seed": spec["seed"]}
        histories.append(run.frame().drop(columns="seconds").assign(**key))
        spreads.append(sample_table(run).assign(**key))
    return {"runs": runs, "histories": pd.concat(histories), "spreads": pd.concat(spreads)}


def judged(
    prof,
    images,
    spec: dict,
    out: Path,
    classifier,
    reference,
    every=500,
    labels=None,
    n_threads=1,
    patience=0,
    start=None,
):
    """One run of ``spec`` (as in ``variants``) trained to its steps with its learning curve: the judge's
    scores every ``every`` steps in ``out/curve.csv`` (``helpers.curves``), stopping early once the curve has not
    improved for ``patience`` judgements (0: never). ``start``: a run folder to continue from (its checkpoint
    and curve copied into ``out`` first). One CPU thread by default: these runs are trained two at a time."""
    from .curves import continued_from, judge_every, stopped_at
    from .train import parse_overrides

    spec = dict(spec)
    name, seed, steps = spec.pop("config"), spec.pop("seed"), spec.pop("steps")
    prof_changes, run_changes = parse_overrides([f"{k}={v}" for k, v in spec.items()])
    p = profile_for(name, prof, **prof_changes)
    if start is not None:
        continued_from(start, out)
    run = resume_or_start(p, config_for(name, p, seed=seed, steps=steps, **run_changes), images, out=out, labels=labels)
    if stopped_at(out) != run.step:
        with threads(n_threads):
            run.train(on_log=judge_every(every, classifier, reference, patience=patience), progress=False)
    return run


def sweep_study(prof, images, classifier=None, reference=None) -> dict:
    from . import sweep

    return sweep.study(prof, images, classifier, reference)


def digits_study(prof, ds, classifier) -> dict:
    from . import digits

    return digits.study(prof, ds, classifier)


WHOLE_DATASET = {"digits"}  # studies that need the clips' labels and splits, not only the images
STUDIES = {
    "story": story,
    "one_thread": one_thread,
    "seed_screen": seed_screen,
    "channel_tell": channel_tell,
    "per_image": per_image,
    "digits": digits_study,
    "sweep": sweep_study,
}


def training_minutes(tables: dict) -> float | None:
    """A study's training time as its tables recorded it: per part (``times``, where a study counts each run's
    own steps once) or per run (``runs``)."""
    for name in ("times", "runs"):
        if "minutes" in tables.get(name, {}):
            return pd.to_numeric(tables[name]["minutes"]).sum()
    return None


def main(argv=None) -> None:
    """python -m helpers.studies make [STUDY ...] [--profile P]: train what is missing, rewrite results/."""
    import argparse
    import sys

    from . import results
    from .classifier import classifier_for
    from .data import ensure_data
    from .dataset import AudioDataset

    parser = argparse.ArgumentParser(prog="python -m helpers.studies", description=main.__doc__)
    parser.add_argument("action", choices=["make"])
    parser.add_argument("studies", nargs="*", metavar="STUDY", help=f"default: all of {', '.join(STUDIES)}")
    parser.add_argument("--profile", choices=list(cfg.PROFILES), default="cpu")
    args = parser.parse_args(argv)
    unknown = [n for n in args.studies if n not in STUDIES]
    if unknown:
        parser.error(f"unknown studies {unknown}: choose from {', '.join(STUDIES)}")
    prof = cfg.profile(args.profile)
    ds = AudioDataset(ensure_data(prof), prof.features, max_files=prof.max_files)
    _, test = ds.split()
    judge = classifier_for(prof, ds, device="cpu")
    for name in args.studies or list(STUDIES):
        make = STUDIES[name]
        tables = make(prof, ds, judge) if name in WHOLE_DATASET else make(prof, ds.images, judge, ds.images[test])
        minutes = training_minutes(tables)
        out = results.write(
            name,
            prof.name,
            tables,
            command=f"python -m helpers.studies make {name} --profile {prof.name}",
            seconds=None if minutes is None else minutes * 60,
            threads=torch.get_num_threads(),
        )
        print(f"{name}: wrote {cfg.relative(out)}", file=sys.stderr)


if __name__ == "__main__":
    main()
