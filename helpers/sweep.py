"""The balance map: many runs that differ in one knob, trained side by side, cached, then scored (notebook 07).

Each point is a ``GANConfig`` (and optionally a profile) change from the stable run; each finished run keeps
its folder under ``runs/sweep_<profile>`` with a ``done`` marker, so an interrupted sweep resumes where it
stopped and the notebook re-plots without retraining.

    python -m helpers.sweep [--profile cpu] [--steps N] [--seeds 0 1 2] [--workers 2] [--only ratio|stabilizer]
                            [--confirm K]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import torch

from . import checkpoints, trained
from . import config as cfg
from .analysis import balance, last_fifth
from .engine import GANRun, config_for, model_fields, same_config

G_LR = 2e-4
# g_lr / d_lr: 1 is the fair fight, 10 the original project's nerf; 0.25 is the other direction, D learning
# 4x faster than G, as TTUR (Heusel et al. 2017) and SAGAN / BigGAN (Zhang et al. 2019; Brock et al. 2019) do.
RATIOS = (0.25, 1, 2, 5, 10, 20, 50)
# The literature's other fixes, each applied alone at equal learning rates.
STABILIZERS = {
    "label smoothing 0.9": dict(real_label=0.9),  # Salimans et al. 2016, "Improved Techniques for Training GANs"
    "instance noise 0.2": dict(instance_noise=0.2),  # Sonderby et al. 2017; Arjovsky & Bottou 2017
    "spectral norm": dict(spectral_norm=True),  # Miyato et al. 2018, "Spectral Normalization for GANs"
    "R1 penalty 1": dict(r1_gamma=1.0),  # Mescheder, Geiger & Nowozin 2018
    "D every 2nd step": dict(d_every=2),  # fewer D updates per G update
}
DONE = "done"
SCORES = ("IS", "FD", "C2ST", "classes", "largest share", "sample std")  # metrics.brief's columns


@dataclass(frozen=True)
class Point:
    """One run of the sweep: a group ("ratio" or "stabilizer"), a label, a seed, and what it changes."""

    group: str
    label: str
    seed: int
    changes: dict = field(default_factory=dict)  # GANConfig fields
    profile: dict = field(default_factory=dict)  # Profile overrides (d_act, d_width, ...)

    @property
    def name(self) -> str:
        """The run's folder name: readable, and unique within a sweep."""
        slug = "".join(ch if ch.isalnum() or ch in ".-" else "_" for ch in self.label)
        return f"{self.group}_{slug}_s{self.seed}"


def ratio_points(seeds=(0, 1, 2), ratios=RATIOS) -> list[Point]:
    """The learning-rate ratio sweep: G's rate fixed at 0.0002, D's at ``g_lr / ratio``."""
    return [Point("ratio", f"{r:g}", s, dict(g_lr=G_LR, d_lr=G_LR / r)) for r in ratios for s in seeds]


def stabilizer_points(seeds=(0, 1, 2), stabilizers=STABILIZERS) -> list[Point]:
    """Each stabilizer alone, at equal learning rates (the fight the nerf was meant to fix)."""
    return [
        Point("stabilizer", label, s, dict(g_lr=G_LR, d_lr=G_LR, **changes))
        for label, changes in stabilizers.items()
        for s in seeds
    ]


def points_for(prof: cfg.Profile, seeds=(0, 1, 2)) -> list[Point]:
    """The whole sweep; a smoke profile gets two tiny points (equal rates and the nerf, one seed) to stay fast."""
    if prof.name == "smoke":
        return ratio_points(seeds[:1], (1, 10))
    return ratio_points(seeds) + stabilizer_points(seeds)


def best_points(table: pd.DataFrame, points: list[Point], k: int = 2, by: str = "IS") -> list[Point]:
    """Every seed of the ``k`` points with the highest mean ``by`` (sample quality), best first."""
    means = table.groupby(["group", "label"], sort=False)[by].mean().nlargest(k)
    return [p for key in means.index for p in points if (p.group, p.label) == key]


ANCHORS = {"1": "collapse", "10": "stable"}  # the ratio points that are the story's runs (notebooks 04, 05)


def anchors(points: list[Point]) -> list[Point]:
    """The ratio points that are notebooks 04 and 05's runs: equal rates (1) and the nerf (10)."""
    return [p for p in points if p.group == "ratio" and p.label in ANCHORS]


def longer_check(
    table: pd.DataFrame,
    points: list[Point],
    prof: cfg.Profile,
    images: torch.Tensor,
    root: Path,
    k: int = 2,
    workers: int = 2,
    log=print,
) -> list[Point]:
    """The ``k`` best points other than the anchors, trained for the profile's full ``gan_steps`` in
    ``<root>_long``; a run trained elsewhere with the same configuration (notebook 08's R1 and instance-noise
    runs, say) is adopted instead of trained again. The anchors at full length are the story's own runs, read
    by ``story_anchors``."""
    others = [p for p in points if p not in anchors(points)]
    contenders = table[~((table.group == "ratio") & table.label.astype(str).isin(ANCHORS))]
    chosen = best_points(contenders, others, k) if len(contenders) else []
    long_root = Path(root).with_name(f"{Path(root).name}_long")
    for p in chosen:
        any(adopt(p, prof, prof.gan_steps, source, long_root) for source in trained_elsewhere(prof))
    sweep(chosen, prof, prof.gan_steps, images, long_root, workers=workers, log=log)
    return chosen


def trained_elsewhere(prof: cfg.Profile) -> list[Path]:
    """Run folders of other studies that a longer-check point may match: notebook 08's ladder."""
    return sorted(p for p in (cfg.runs_dir() / f"digits_{prof.name}").glob("*") if (p / "checkpoint.pt").is_file())


def story_anchors(prof: cfg.Profile, images: torch.Tensor, classifier=None, reference=None) -> pd.DataFrame:
    """Ratios 1 and 10 at the full length, in ``collect``'s columns: they *are* the story's runs (``collapse``
    and ``stable``, its seeds), so their rows come from the story study, from ``runs/`` or its committed
    results, instead of six more runs of training."""
    from .studies import shown, story, story_present

    tables = shown("story", prof, lambda: story(prof, images, classifier, reference), lambda: story_present(prof))
    label = {config: ratio for ratio, config in ANCHORS.items()}
    rows = []
    for _, r in tables["runs"].iterrows():
        h = tables["histories"].query("config == @r.config and seed == @r.seed")
        scores = {c: r[c] for c in SCORES if c in r}
        row = {"group": "ratio", "label": label[r.config], "seed": int(r.seed), "steps": int(r.steps)}
        rows.append({**row, **last_fifth(h), "balanced": bool(r.balanced), "D won": bool(r["D won"]), **scores})
    return pd.DataFrame(rows)


def finished(out: Path, steps: int) -> bool:
    """Whether the run in ``out`` is marked done at exactly ``steps``: a shorter one resumes to the new length,
    a longer one is an error (it cannot be un-trained)."""
    marker = Path(out) / DONE
    if not marker.is_file():
        return False
    done = json.loads(marker.read_text())["steps"]
    if done > steps:
        raise ValueError(
            f"{cfg.relative(out)} was trained for {done} steps, more than the {steps} asked: "
            f"use another folder (--out) or the same --steps"
        )
    return done == steps


def adopt(point: Point, prof: cfg.Profile, steps: int, source: Path, root: Path) -> bool:
    """Reuse a finished run trained elsewhere with exactly this point's configuration (its name aside) as the
    point's run: copied into ``root`` and marked done. False, and nothing copied, when it does not match."""
    out = Path(root) / point.name
    if finished(out, steps) or not (Path(source) / "checkpoint.pt").is_file():
        return finished(out, steps)
    state = checkpoints.read(source, "gan")
    prof = dataclasses.replace(prof, **point.profile)
    mine = config_for("stable", prof, seed=point.seed, steps=steps, **point.changes)
    same = (
        same_config(state, mine, ignore=("name",))
        and state["step"] == steps
        and model_fields(state["profile"]) == model_fields(dataclasses.asdict(prof))
    )
    if not same:
        return False
    out.mkdir(parents=True, exist_ok=True)
    for f in ("checkpoint.pt", "history.csv"):
        shutil.copy2(Path(source) / f, out / f)
    (out / DONE).write_text(json.dumps({"steps": steps, "trained now": 0, "adopted from": cfg.relative(source)}))
    return True


def run_point(
    point: Point, prof: cfg.Profile, steps: int, images: torch.Tensor, root: Path, device: str | None = None
) -> Path:
    """Train one point to ``steps`` (resuming its checkpoint if any) and mark it done; returns its folder."""
    out = Path(root) / point.name
    if finished(out, steps):
        return out
    prof = dataclasses.replace(prof, **point.profile)
    config = config_for("stable", prof, seed=point.seed, steps=steps, **point.changes)
    run = GANRun(prof, config, images, out=out, device=torch.device(device) if device else None)
    run.load()
    start, done_before = time.perf_counter(), run.step
    run.train(progress=False)
    (out / DONE).write_text(
        json.dumps(
            {"steps": run.step, "trained now": run.step - done_before, "seconds": round(time.perf_counter() - start, 1)}
        )
    )
    return out


def _worker_init(threads: int) -> None:
    torch.set_num_threads(threads)


def _run(args) -> tuple[str, str]:
    point, prof, steps, images, root, device = args
    try:
        run_point(point, prof, steps, images, root, device)
        return point.name, "ok"
    except Exception as e:  # one failed point must not stop the others; it is reported and rerun next time
        return point.name, f"{type(e).__name__}: {e}"


def sweep(
    points: list[Point],
    prof: cfg.Profile,
    steps: int,
    images: torch.Tensor,
    root: Path,
    workers: int = 2,
    device: str | None = None,
    threads: int | None = None,
    log=print,
) -> dict:
    """Train every point not yet done, ``workers`` at a time, each with ``threads`` CPU threads (default: an
    equal share of the cores; one worker trains in this process, with its threads as they are).

    Returns ``{name: "ok" or the error}``. On CUDA the workers are spawned (CUDA cannot be forked)."""
    root = Path(root)
    todo = [p for p in points if not finished(root / p.name, steps)]
    log(f"{len(points) - len(todo)} of {len(points)} runs already done; training {len(todo)} with {workers} worker(s)")
    if not todo:
        return {}
    device = device or str(cfg.device())
    threads = threads or max(1, (os.cpu_count() or 1) // workers)
    jobs = [(p, prof, steps, images.cpu(), root, device) for p in todo]
    results, start = {}, time.perf_counter()
    if workers == 1:
        outcomes = map(_run, jobs)
    else:
        method = (
            "spawn" if device.startswith("cuda") or "fork" not in multiprocessing.get_all_start_methods() else "fork"
        )
        pool = multiprocessing.get_context(method).Pool(workers, _worker_init, (threads,))
        outcomes = pool.imap_unordered(_run, jobs)
    for i, (name, status) in enumerate(outcomes, 1):
        results[name] = status
        log(f"[{i}/{len(todo)}] {name}: {status} ({time.perf_counter() - start:.0f} s)")
    if workers != 1:
        pool.close()
        pool.join()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "sweep_log.jsonl", "a") as f:  # what each invocation trained, and how long it took
        f.write(
            json.dumps(
                {
                    "trained": len(todo),
                    "steps": steps,
                    "workers": workers,
                    "threads": threads,
                    "device": device,
                    "seconds": round(time.perf_counter() - start, 1),
                    "failed": sum(v != "ok" for v in results.values()),
                }
            )
            + "\n"
        )
    return results


def collect(
    points: list[Point], root: Path, classifier=None, reference: torch.Tensor | None = None, n: int = 1000
) -> pd.DataFrame:
    """One row per finished run: its settled balance (last 20% of steps) and, given the digit classifier and
    real reference images, its sample scores. Scores are cached in the run folder beside its checkpoint."""
    rows = []
    for p in points:
        out = Path(root) / p.name
        if not (out / DONE).is_file():
            continue
        history = pd.read_csv(out / "history.csv")
        row = {
            "group": p.group,
            "label": p.label,
            "seed": p.seed,
            "steps": int(history.step.max()),
            **last_fifth(history),
            **{k: v for k, v in balance(history).items() if k in ("balanced", "D won")},
        }
        if classifier is not None:
            row.update(_scores(out, classifier, reference, n))
        rows.append(row)
    return pd.DataFrame(rows)


def _scores(out: Path, classifier, reference: torch.Tensor, n: int) -> dict:
    """Inception Score, Fréchet distance and class spread of a run's samples, computed once and cached."""
    from .metrics import brief, judge_run

    cache = out / "scores.json"
    key = {
        "checkpoint mtime": (out / "checkpoint.pt").stat().st_mtime,
        "samples": n,
        "judge": fingerprint(classifier),
        "reference": fingerprint(reference),
    }
    if cache.is_file():
        saved = json.loads(cache.read_text())
        if all(saved.get(k) == v for k, v in key.items()):
            return saved["scores"]
    scores = brief(judge_run(trained.load(out), classifier, reference, n=n))
    cache.write_text(json.dumps({**key, "scores": scores}))
    return scores


def fingerprint(x) -> str:
    """A short hash of a model's weights or a tensor: cached scores are reused only with the same judge."""
    import hashlib

    tensors = x.state_dict().values() if isinstance(x, torch.nn.Module) else [x]
    h = hashlib.sha1()
    for t in tensors:
        h.update(t.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def wall_time(root: Path) -> dict:
    """The sweep's recorded invocations summed: how many runs were trained, and in how many seconds."""
    log = Path(root) / "sweep_log.jsonl"
    rows = [json.loads(line) for line in log.read_text().splitlines()] if log.is_file() else []
    return {
        "invocations": len(rows),
        "runs trained": sum(r["trained"] for r in rows),
        "minutes": round(sum(r["seconds"] for r in rows) / 60, 1),
        "workers": sorted({r["workers"] for r in rows}),
        "devices": sorted({r["device"] for r in rows}),
    }


def by_point(table: pd.DataFrame) -> pd.DataFrame:
    """Mean and spread over seeds per point, with how many seeds were balanced and how many D won."""
    numbers = [c for c in ["D_loss", "G_loss", "D(x)", "D(G(z))", "IS", "FD", "classes"] if c in table]
    grouped = table.groupby(["group", "label"], sort=False)
    out = grouped[numbers].agg(["mean", "std"])
    out.columns = [f"{a} {b}" if b == "std" else a for a, b in out.columns]
    out["balanced"] = grouped["balanced"].sum().astype(int).astype(str) + "/" + grouped.size().astype(str)
    out["D won"] = grouped["D won"].sum().astype(int).astype(str) + "/" + grouped.size().astype(str)
    return out


def study(
    prof: cfg.Profile,
    images: torch.Tensor,
    classifier=None,
    reference=None,
    seeds=(0, 1, 2),
    k: int = 2,
    workers: int = 2,
) -> dict:
    """Notebook 07's study: every point for ``prof.sweep_steps`` steps, then the ``k`` best at the full
    ``gan_steps`` beside the story's runs (the anchors); one row per run of each, with the training time."""
    points, root = points_for(prof, seeds), cfg.runs_dir() / f"sweep_{prof.name}"
    sweep(points, prof, prof.sweep_steps, images, root, workers=workers)
    table = collect(points, root, classifier, reference)
    chosen = longer_check(table, points, prof, images, root, k, workers)
    long_root = root.with_name(f"{root.name}_long")
    times = pd.DataFrame([{"part": "sweep", **wall_time(root)}, {"part": "longer check", **wall_time(long_root)}])
    long = pd.concat(
        [story_anchors(prof, images, classifier, reference), collect(chosen, long_root, classifier, reference)],
        ignore_index=True,
    )
    return {"points": table, "long": long, "times": times.astype(str)}


def present(prof: cfg.Profile, seeds=(0, 1, 2)) -> bool:
    """Whether ``runs/`` holds the whole sweep (its longer check included)."""
    root = cfg.runs_dir() / f"sweep_{prof.name}"
    long_root = root.with_name(f"{root.name}_long")
    points = points_for(prof, seeds)
    return (
        all(finished(root / p.name, prof.sweep_steps) for p in points)
        and long_root.is_dir()
        and all(finished(d, prof.gan_steps) for d in long_root.iterdir() if d.is_dir())
    )


def main(argv=None) -> None:
    from .data import ensure_data
    from .dataset import AudioDataset

    parser = argparse.ArgumentParser(prog="python -m helpers.sweep", description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=list(cfg.PROFILES))
    parser.add_argument("--steps", type=int, help="steps per run (default: the profile's sweep_steps)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--workers", type=int, default=2, help="runs trained side by side")
    parser.add_argument("--only", choices=["ratio", "stabilizer"], help="one half of the sweep")
    parser.add_argument("--out", type=Path, help="default: runs/sweep_<profile>")
    parser.add_argument("--list", action="store_true", help="print the points' names and exit")
    parser.add_argument(
        "--points",
        nargs="+",
        metavar="NAME",
        help="train only these points, then stop (one machine's share; see README)",
    )
    parser.add_argument(
        "--confirm",
        type=int,
        default=2,
        metavar="K",
        help="then train the K best points (by Inception Score) at the profile's full GAN steps, beside "
        "ratios 1 and 10 read from the story's runs (0: skip)",
    )
    args = parser.parse_args(argv)
    prof = cfg.profile(args.profile)
    steps = args.steps or prof.sweep_steps
    root = args.out or cfg.runs_dir() / f"sweep_{prof.name}"
    points = (ratio_points(args.seeds) if args.only != "stabilizer" else []) + (
        stabilizer_points(args.seeds) if args.only != "ratio" else []
    )
    if prof.name == "smoke" and not args.only:
        points = points_for(prof, args.seeds)
    if args.list:
        print("\n".join(p.name for p in points))
        return
    if args.points:
        unknown = set(args.points) - {p.name for p in points}
        if unknown:
            parser.error(f"unknown points {sorted(unknown)}: see --list")
    ds = AudioDataset(ensure_data(prof), prof.features, max_files=prof.max_files)
    start = time.perf_counter()
    mine = [p for p in points if p.name in args.points] if args.points else points
    results = sweep(mine, prof, steps, ds.images, root, workers=args.workers)
    failed = {k: v for k, v in results.items() if v != "ok"}
    print(
        f"sweep of {len(mine)} runs x {steps} steps finished in {time.perf_counter() - start:.0f} s"
        + (f"; {len(failed)} failed: {failed}" if failed else "")
    )
    if args.points:  # a share of the sweep: scoring waits for all of them, in one folder
        return
    from .classifier import classifier_for

    train, test = ds.split()
    judge = classifier_for(prof, ds, device="cpu")
    table = collect(points, root, judge, ds.images[test])
    print(by_point(table).round(3).to_string())
    if args.confirm:
        chosen = longer_check(table, points, prof, ds.images, root, args.confirm, args.workers)
        long_root = root.with_name(f"{root.name}_long")
        story_rows = story_anchors(prof, ds.images, judge, ds.images[test])
        long = pd.concat([story_rows, collect(chosen, long_root, judge, ds.images[test])], ignore_index=True)
        print(by_point(long).round(3).to_string())


if __name__ == "__main__":
    main()
