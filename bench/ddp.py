"""Wall time of one training run on one process against the same run on N torchrun processes (gloo on a CPU).

    python -m bench.ddp [--profile cpu] [--steps 100] [--procs 2] [--out runs/bench_ddp]

Both runs train the same configuration, seed and global batch from scratch; the table reports each run's wall
time (process start to exit, so start-up and the rendezvous count) and its training seconds as its history
recorded them. On a 2-core CPU the single process uses both cores (2 threads), each of the N processes one
(torchrun's default OMP_NUM_THREADS=1), so this measures what the learner would see, not a scaling law.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd


def timed(command: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--config", default="stable")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("runs/bench_ddp"))
    args = parser.parse_args(argv)
    train = ["-m", "helpers.train", "--config", args.config, "--profile", args.profile, "--steps", str(args.steps)]
    runs = {
        "1 process": [sys.executable, *train],
        f"{args.procs} processes (torchrun)": [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node",
            str(args.procs),
            *train,
        ],
    }
    env = {**os.environ, "AUDIOGAN_PLAIN_PROGRESS": "1"}
    rows = []
    for name, command in runs.items():
        out = args.out / name.split()[0]
        shutil.rmtree(out, ignore_errors=True)
        wall = timed([*command, "--out", str(out)], env)
        seconds = pd.read_csv(out / "history.csv")["seconds"].sum()
        rows.append(
            {
                "run": name,
                "steps": args.steps,
                "wall s": round(wall, 1),
                "training s": round(seconds, 1),
                "s per step": round(seconds / args.steps, 3),
            }
        )
    table = pd.DataFrame(rows)
    print(f"{args.profile} profile, {args.config}, {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}")
    print(table.to_string(index=False))
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "times.csv", index=False)


if __name__ == "__main__":
    main()
