"""Train a GAN run from a terminal, or summarize a folder of runs.

    python -m helpers.train --config collapse|stable|recipe|conditional [--profile P] [--steps N] [--seed S]
                            [--out DIR] [--resume] [--set FIELD=VALUE ...]
    python -m helpers.train --summarize runs/    # both acts' tests for every run under a folder

With no other flags, ``--config C --profile P --seed S`` makes exactly the run the notebooks show for that
configuration and seed (in ``runs/gan_<P>_<C>_seed<S>``).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from . import config as cfg
from . import distributed
from .analysis import last_fifth
from .checkpoints import CheckpointError
from .curves import continued_from, stopped_at
from .engine import CONFIGS, GANConfig, GANRun, config_for, profile_for, run_dir

# Fields ``--set`` may change: the profile's (models, data, batch) and the run's (rates, stabilizers);
# the run's name, seed and length have flags of their own.
PROFILE_FIELDS = [f.name for f in dataclasses.fields(cfg.Profile) if f.name not in ("name", "features")]
RUN_FIELDS = [f.name for f in dataclasses.fields(GANConfig) if f.name not in ("name", "seed", "steps")]


def parse_overrides(pairs: list[str]) -> tuple[dict, dict]:
    """``["d_width=32", "joint_batch=true"]`` -> typed (profile, run config) overrides, checked by name."""
    prof, run = {}, {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        if key in PROFILE_FIELDS:
            out, default = prof, getattr(cfg.PROFILES["cpu"], key)
        elif key in RUN_FIELDS:
            out, default = run, getattr(GANConfig(), key)
        else:
            raise ValueError(
                f"--set {pair}: {key!r} is not a profile or run field; choose from "
                f"{', '.join(PROFILE_FIELDS + RUN_FIELDS)}"
            )
        out[key] = typed(pair, value, default)
    return prof, run


def typed(pair: str, value: str, default):
    """``value`` as the type of the field's ``default``."""
    if isinstance(default, bool):
        return value.lower() in ("1", "true", "yes")
    if isinstance(default, tuple):
        numbers = tuple(float(v) for v in value.split(","))
        if len(numbers) != len(default):
            raise ValueError(f"--set {pair}: takes {len(default)} comma-separated numbers")
        return numbers
    if default is None or isinstance(default, int):
        return int(value)
    return type(default)(value)


def log_line(row: dict) -> str:
    """One step's four numbers, as the terminal and the notebooks print them."""
    return (
        f"[{row['step']:5d}] D_loss {row['D_loss']:.4f}  G_loss {row['G_loss']:.4f}  "
        f"D(x) {row['D(x)']:.3f}  D(G(z)) {row['D(G(z))']:.3f}"
    )


def default_out(prof: cfg.Profile, config: GANConfig, changes: list[str]) -> Path:
    """The notebooks' folder for a plain run; a variant (``--set``) gets its changes in the name, so that it
    never lands in the folder of the run the notebooks show."""
    out = run_dir(prof, config.name, config.seed, config.steps)
    suffix = "_".join("".join(ch if ch.isalnum() or ch in ".-=_" else "-" for ch in pair) for pair in changes)
    return out.with_name(f"{out.name}_{suffix}") if suffix else out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m helpers.train", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", choices=list(CONFIGS))
    parser.add_argument("--summarize", type=Path, metavar="DIR", help="print both tests for the runs under DIR")
    parser.add_argument("--profile", choices=list(cfg.PROFILES))
    parser.add_argument("--steps", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")
    parser.add_argument(
        "--curve",
        type=int,
        metavar="K",
        default=0,
        help="judge 1,000 samples every K steps into <out>/curve.csv (the learning curve)",
    )
    parser.add_argument(
        "--patience",
        type=int,
        metavar="P",
        default=0,
        help="with --curve: stop once P judgements in a row improved neither the Inception Score nor the FD",
    )
    parser.add_argument(
        "--from",
        dest="start",
        type=Path,
        metavar="DIR",
        help="continue the run in DIR in --out (its checkpoint and curve copied there; DIR is left as it is)",
    )
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="FIELD=VALUE",
        help="profile or run overrides, e.g. d_width=32 d_act=leaky r1_gamma=1 joint_batch=true",
    )
    args = parser.parse_args(argv)
    try:
        if args.summarize:
            summarize(args.summarize)
        elif not args.config:
            parser.error(f"--config is required ({' or '.join(CONFIGS)})")
        else:
            train(parser, args)
    except CheckpointError as e:
        sys.exit(f"error: {e}")


def summarize(root: Path) -> None:
    import pandas as pd

    from .studies import summarize_folder

    if not Path(root).is_dir():
        raise CheckpointError(f"{root} is not a folder of runs")
    table = summarize_folder(root)
    if table.empty:
        print(f"no runs (checkpoint.pt files) under {root}")
        return
    with pd.option_context("display.width", 250, "display.max_columns", None, "display.max_colwidth", 60):
        print(table.round(4).to_string(index=False))


def train(parser: argparse.ArgumentParser, args) -> None:
    from .data import ensure_data
    from .dataset import AudioDataset

    try:
        prof_changes, run_changes = parse_overrides(args.set)
        prof = profile_for(args.config, cfg.profile(args.profile), **prof_changes)
    except ValueError as e:
        parser.error(str(e))
    if args.curve % prof.log_every:
        parser.error(f"--curve {args.curve}: judge at multiples of the profile's log_every ({prof.log_every})")
    if args.patience and not args.curve:
        parser.error("--patience needs --curve K: it reads the learning curve")
    steps = {"steps": args.steps} if args.steps else {}
    config = config_for(args.config, prof, seed=args.seed, **steps, **run_changes)
    out = args.out or default_out(prof, config, args.set)
    if args.start:
        continued_from(args.start, out)
        args.resume = True
    if (out / "checkpoint.pt").exists() and not args.resume:
        parser.error(f"{cfg.relative(out / 'checkpoint.pt')} exists: pass --resume to continue it, or another --out")
    world = distributed.setup()  # one process, or one of torchrun's
    if args.patience and world.size > 1:
        parser.error("--patience stops one process early: train a learning curve in one process, not torchrun")
    say = print if world.main else (lambda *a, **k: None)
    ds = first_on_main(
        world, lambda: AudioDataset(ensure_data(prof), prof.features, max_files=prof.max_files, progress=world.main)
    )
    classifier = warm_start_source(prof, ds) if config.warm_start else None
    run = GANRun(
        prof,
        config,
        ds.images,
        out,
        labels=ds.labels,
        world=world,
        device=distributed.device_for(world),
        classifier=classifier,
    )
    if args.resume and run.load():
        say(
            f"resuming {cfg.relative(run.out)} at step {run.step}"
            + (f" on {world.size} processes" if world.size > 1 else "")
        )
    if stopped_at(out) == run.step:
        say(f"{cfg.relative(run.out)} stopped improving at step {run.step}: nothing to train")
        return
    judge = curve_judge(prof, ds, args.curve, args.patience) if args.curve and world.main else None

    def on_log(r: GANRun) -> bool:
        print(log_line(r.history[-1]), flush=True)
        return bool(judge and judge(r))

    history = run.train(on_log=on_log)
    say("last 20%:", {k: round(v, 4) for k, v in last_fifth(history).items()}, "| saved", cfg.relative(run.out))
    distributed.finish(world)


def first_on_main(world, make):
    """``make()`` on rank 0 first (it fills the feature cache), then on the others (they read it)."""
    if world.main:
        made = make()
    distributed.barrier(world)
    return made if world.main else make()


def warm_start_source(prof: cfg.Profile, ds):
    """The digit classifier a warm-started D copies its trunk from (notebook 03's; trained now if missing)."""
    from .classifier import classifier_for

    return classifier_for(prof, ds, device="cpu")


def curve_judge(prof: cfg.Profile, ds, every: int, patience: int = 0):
    """The learning-curve callback, judged by notebook 03's classifier against real held-out clips."""
    from .classifier import judge_for
    from .curves import judge_every

    _, test = ds.split()
    return judge_every(every, judge_for(prof, ds), ds.images[test], patience=patience)


if __name__ == "__main__":
    main()
