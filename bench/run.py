"""Benchmark the data pipeline and one GAN iteration on this machine; prints one markdown table.

    python -m bench.run [--data DIR] [--quick] [--profiles cpu,gpu,smoke] [--channels-last] [--threads N]
                        [--device cpu|cuda] [--csv PATH]

1 featurize: build the dataset cold (fresh cache, all cores), cold with 1 worker, and warm (same cache again)
2 epoch: one shuffled epoch of batches from the cached dataset against the same epoch recomputed per item
3 GAN step: GANRun.train_step per profile, median seconds and samples/s
4 FLOPs: the model FLOPs of one step against a float32 matmul and the model's own conv layers, timed here
5 memory: peak RSS (CPU) or peak allocated memory (CUDA) after each stage
``--quick`` only checks that the script works (tiny counts, a 256-file slice, the cpu profile only).
bench/README.md says how to read the numbers.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from torch.utils.flop_counter import FlopCounterMode

from helpers import audio
from helpers import config as cfg
from helpers.dataset import AudioDataset
from helpers.engine import GANRun, config_for

BATCH = 64  # the epoch's batch size (the GAN step uses each profile's own)
GAN_CONFIG = "collapse"  # equal learning rates; the config does not change a step's cost
RANDOM_IMAGES = 1024  # images for a profile whose features differ from the featurized data's


@dataclass(frozen=True)
class Repeats:
    """How often each measurement runs.  ``QUICK`` checks that the script works; its numbers mean little."""

    builds: int  # dataset builds of each kind (every cold build gets a fresh cache)
    max_files: int | None  # files featurized (None: all of them)
    epochs: int  # cached epochs timed
    naive_items: int  # items recomputed with featurize for the naive epoch
    steps: dict  # profile -> (warm-up steps, timed steps); the FLOP-counted step is one more warm-up
    peak: int  # timed matmuls and conv forward+backward passes
    matmul: int  # side of the square float32 matmul
    profiles: str  # default --profiles


FULL = Repeats(
    builds=3,
    max_files=None,
    epochs=20,
    naive_items=256,
    steps={"smoke": (3, 50), "cpu": (3, 40), "gpu": (1, 10)},
    peak=10,
    matmul=2048,
    profiles="cpu,gpu",
)
QUICK = Repeats(
    builds=1,
    max_files=256,
    epochs=3,
    naive_items=32,
    steps={"smoke": (0, 3), "cpu": (0, 3), "gpu": (0, 1)},
    peak=3,
    matmul=2048,
    profiles="cpu",
)


# --- small tools ---------------------------------------------------------------------------------------------


def row(stage, measurement, value, unit="", spread="", n=None, note="") -> dict:
    return dict(stage=stage, measurement=measurement, value=value, unit=unit, spread=spread, n=n, note=note)


def median(xs) -> float:
    return float(np.median(xs))


def timed_row(stage, measurement, seconds, note="") -> dict:
    """Median seconds with the interquartile range: one slow repeat on a busy machine moves neither."""
    q1, med, q3 = np.percentile(seconds, [25, 50, 75])
    return row(stage, measurement, med, "s", f"IQR {q1:.3g}-{q3:.3g}", len(seconds), note)


def rate_row(stage, measurement, work, seconds, unit, note="") -> dict:
    """``work`` per second at the median time; the spread is the rate at the quartile times."""
    q1, med, q3 = np.percentile(seconds, [25, 50, 75])
    return row(stage, measurement, work / med, unit, f"IQR {work / q3:.3g}-{work / q1:.3g}", len(seconds), note)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_calls(fn, n: int, device: torch.device = torch.device("cpu")) -> list[float]:
    """Wall seconds of ``n`` calls of ``fn``, each on its own (CUDA work included)."""
    seconds = []
    for _ in range(n):
        sync(device)
        start = time.perf_counter()
        fn()
        sync(device)
        seconds.append(time.perf_counter() - start)
    return seconds


def peak_rss_mib(who=resource.RUSAGE_SELF) -> float:
    """Peak resident memory so far (of this process, or of its largest reaped child)."""
    peak = resource.getrusage(who).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux


def cpu_seconds() -> float:
    """User + system CPU time of this process and of its children that have been waited for."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def memory_row(stage: str, device: torch.device, rss_before: float) -> dict:
    """The process's peak RSS after a stage and how much the stage raised it; on CUDA, the stage's peak allocation
    (``reset_memory`` must have been called when the stage began)."""
    if device.type == "cuda":
        return row(
            "5 memory",
            f"{stage}: peak CUDA memory allocated",
            torch.cuda.max_memory_allocated(device) / 2**20,
            "MiB",
            note="torch.cuda.max_memory_allocated over this stage",
        )
    after = peak_rss_mib()
    return row(
        "5 memory",
        f"{stage}: process peak RSS after it",
        after,
        "MiB",
        note=f"raised the peak by {after - rss_before:.0f} MiB (0: below an earlier stage's peak)",
    )


def reset_memory(device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    return peak_rss_mib()


# --- the machine ------------------------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine(args, device: torch.device) -> dict:
    gpu = f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else ""
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "CPU": f"{cpu_model()}, {os.cpu_count()} logical cores, {usable_cores()} usable by this process",
        "torch": f"{torch.__version__}, {torch.get_num_threads()} intra-op threads",
        "device": f"{device}{gpu}",
        "load average (1, 5, 15 min) at start": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        "settings": (
            f"quick={args.quick}, profiles={args.profiles}, channels_last={args.channels_last}, "
            f"threads={args.threads or 'default'}"
        ),
    }


# --- 1 featurizing ----------------------------------------------------------------------------------------------


def data_root(arg: str | None, quick: bool, scratch: Path) -> tuple[Path, str]:
    """--data, else data/ (or $AUDIOGAN_DATA) if it holds audio, else the built-in synthetic digits."""
    if arg:
        return Path(arg), "--data"
    default = cfg.data_dir(cfg.profile("cpu"))
    if default.is_dir() and audio.find_audio(default):
        return default, cfg.relative(default)
    from helpers.data import fetch_digits

    speakers = 3 if quick else 30
    return fetch_digits(scratch / "digits", speakers=speakers, progress=False), f"built-in digits, {speakers} speakers"


def build(root: Path, features, cache: Path, workers: int | None, max_files: int | None):
    """One AudioDataset build: the dataset, wall seconds, CPU seconds (this process + its reaped workers)."""
    cpu, start = cpu_seconds(), time.perf_counter()
    ds = AudioDataset(root, features, max_files=max_files, cache_dir=cache, workers=workers, progress=False)
    return ds, time.perf_counter() - start, cpu_seconds() - cpu


def workers_used(files: int, workers: int | None) -> int:
    """The worker count helpers.dataset._compute picks: at most one per 64 files."""
    return min(workers or os.cpu_count() or 1, max(1, files // 64))


def bench_featurize(root: Path, features, rep: Repeats):
    """Cold with all cores, cold with 1 worker (each in a fresh cache), warm (the first cache again)."""
    audio.warm_up(features)  # librosa's one-off numba compile (~2 s) is no part of any timing
    seconds = {"cold, all cores": [], "cold, 1 worker": [], "warm (cached)": []}
    busy = []
    for _ in range(rep.builds):
        with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as other:
            _, wall, cpu = build(root, features, Path(cache), None, rep.max_files)
            seconds["cold, all cores"].append(wall)
            busy.append(cpu / wall)
            seconds["cold, 1 worker"].append(build(root, features, Path(other), 1, rep.max_files)[1])
            ds, wall, _ = build(root, features, Path(cache), None, rep.max_files)
            seconds["warm (cached)"].append(wall)
    files = len(ds) + len(ds.skipped)
    stage = "1 featurize"
    rows = []
    for name, secs in seconds.items():
        rows.append(timed_row(stage, f"{name}: build time", secs, note=f"{files} files"))
        rows.append(rate_row(stage, f"{name}: files/s", files, secs, "files/s"))
    rows += [
        row(
            stage,
            "cold, all cores: worker processes",
            workers_used(files, None),
            "",
            n=None,
            note=f"{usable_cores()} usable cores; dataset's rule min(cores, files // 64)",
        ),
        row(
            stage,
            "cold, all cores: CPU time / wall time",
            median(busy),
            "x",
            n=len(busy),
            note="getrusage self + children; near the worker count when every worker is busy",
        ),
        row(
            stage,
            "in-memory dataset per item",
            (ds.images.nbytes + ds.db.nbytes) / len(ds) / 2**10,
            "KiB",
            note=f".images + .db, {len(ds)} items",
        ),
    ]
    return ds, rows


# --- 2 an epoch: cached against recomputed per item ----------------------------------------------------------------


class RecomputingDataset(Dataset):
    """The naive dataset: ``__getitem__`` loads and featurizes its file again, every epoch."""

    def __init__(self, ds: AudioDataset, indices):
        self.paths = [ds.root / ds.files.path.iloc[i] for i in indices]
        self.labels = ds.labels[indices]
        self.features, self.normalize = ds.features, ds.normalize

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i):
        db, _, _ = audio.featurize(self.paths[i], self.features)
        return torch.from_numpy(self.normalize(db)).expand(3, -1, -1), self.labels[i]


def cached_epochs(ds: AudioDataset, epochs: int) -> dict:
    """Seconds per shuffled epoch from memory: through a DataLoader, and by indexing ``.images`` directly
    (what GANRun.train_step does)."""
    loader = DataLoader(ds, batch_size=BATCH, shuffle=True)

    def through_loader():
        for _ in loader:
            pass

    def by_index():
        for idx in torch.randperm(len(ds)).split(BATCH):
            ds.images[idx].unsqueeze(1).expand(-1, 3, -1, -1), ds.labels[idx]

    return {"DataLoader": time_calls(through_loader, epochs), "direct .images indexing": time_calls(by_index, epochs)}


def recomputed_seconds_per_item(ds: AudioDataset, items: int) -> list[float]:
    """Seconds per item of each batch of a DataLoader over a random subset, each item featurized again."""
    subset = np.random.default_rng(0).choice(len(ds), size=min(items, len(ds)), replace=False)
    batches = iter(DataLoader(RecomputingDataset(ds, subset.tolist()), batch_size=BATCH, shuffle=True))
    seconds = []
    while True:
        start = time.perf_counter()
        batch = next(batches, None)
        if batch is None:
            return seconds
        seconds.append((time.perf_counter() - start) / len(batch[1]))


def bench_epoch(ds: AudioDataset, rep: Repeats) -> list[dict]:
    stage, n = "2 epoch", len(ds)
    cached = cached_epochs(ds, rep.epochs)
    per_item = recomputed_seconds_per_item(ds, rep.naive_items)
    naive = median(per_item) * n
    rows = [
        timed_row(stage, f"cached, {name}: one epoch", secs, note=f"{n} items, batch {BATCH}, shuffled")
        for name, secs in cached.items()
    ]
    rows.append(
        row(
            stage,
            "recomputed per item (featurize in __getitem__): one epoch",
            naive,
            "s",
            f"IQR {np.percentile(per_item, 25) * n:.3g}-{np.percentile(per_item, 75) * n:.3g}",
            len(per_item),
            f"median per-item time over batches of {min(rep.naive_items, n)} random items, x {n} items",
        )
    )
    rows += [
        row(
            stage,
            f"speed-up of cached ({name}) over recomputed",
            naive / median(secs),
            "x",
            note="target: at least 50x",
        )
        for name, secs in cached.items()
    ]
    return rows


# --- 4 the machine's attainable peak ----------------------------------------------------------------------------


def d_conv_shapes(prof) -> dict:
    """The Discriminator's largest convs: layer3's first (4w -> 8w channels at a quarter of the image's sides)
    and its residual convs (8w -> 8w at an eighth), w being the profile's ResNet-9 width."""
    _, h, w = prof.features.shape
    c = prof.d_width
    return {"layer3 conv": (4 * c, 8 * c, h // 4, w // 4), "layer3 residual conv": (8 * c, 8 * c, h // 8, w // 8)}


def bench_matmul(n: int, repeats: int, device: torch.device) -> tuple[float, dict]:
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    a @ b  # warm-up
    secs = time_calls(lambda: a @ b, repeats, device)
    flops = 2 * n**3
    return flops / median(secs), rate_row("4a peak", f"float32 matmul {n}x{n}", flops / 1e9, secs, "GFLOP/s")


def bench_conv(shape, batch: int, repeats: int, device: torch.device, channels_last: bool) -> tuple[float, list, float]:
    """FLOP/s of a 3x3 conv's forward + backward (input and weight gradients), FLOPs counted by FlopCounterMode."""
    c_in, c_out, h, w = shape
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    conv = nn.Conv2d(c_in, c_out, 3, padding=1, bias=False).to(device, memory_format=fmt)
    x = torch.randn(batch, c_in, h, w, device=device).contiguous(memory_format=fmt).requires_grad_()
    grad = torch.randn(batch, c_out, h, w, device=device).contiguous(memory_format=fmt)

    def forward_backward():
        conv.weight.grad, x.grad = None, None
        conv(x).backward(grad)

    with FlopCounterMode(display=False) as counter:
        forward_backward()  # also the warm-up
    secs = time_calls(forward_backward, repeats, device)
    return counter.get_total_flops() / median(secs), secs, counter.get_total_flops()


def bench_peaks(profiles, rep: Repeats, device: torch.device, channels_last: bool):
    """The matmul peak, and each profile's two conv shapes: {(profile, name): FLOP/s}, rows."""
    matmul, matmul_row = bench_matmul(rep.matmul, rep.peak, device)
    peaks, rows = {"matmul": matmul}, [matmul_row]
    for prof in profiles:
        for name, shape in d_conv_shapes(prof).items():
            rate, secs, flops = bench_conv(shape, prof.batch_size, rep.peak, device, channels_last)
            peaks[(prof.name, name)] = rate
            c_in, c_out, h, w = shape
            rows.append(
                rate_row(
                    "4a peak",
                    f"conv fwd+bwd, {prof.name} {name}: {c_in}->{c_out} at {h}x{w}",
                    flops / 1e9,
                    secs,
                    "GFLOP/s",
                    note=f"batch {prof.batch_size}, 3x3" + (", channels_last" if channels_last else ""),
                )
            )
    return peaks, rows


# --- 3 and 4: the GAN step and its FLOPs --------------------------------------------------------------------------


def images_for(prof, ds: AudioDataset) -> tuple[torch.Tensor, str]:
    """The featurized images when the profile uses the same features, else random ones of its shape."""
    if prof.features == ds.features:
        return ds.images, "dataset images"
    _, h, w = prof.features.shape
    return torch.rand(RANDOM_IMAGES, h, w) * 2 - 1, "random images: a step's cost does not depend on pixel values"


class ChannelsLastRun(GANRun):
    """A run whose models' 4-d weights and real batches are channels_last (the fakes follow G's weights)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for net in (self.G, self.D):
            net.to(memory_format=torch.channels_last)  # in place: the optimizers keep their parameters

    def batch(self):
        real, z = super().batch()
        return real.contiguous(memory_format=torch.channels_last), z


def count_step_flops(run: GANRun) -> tuple[int, dict]:
    """Model FLOPs of one train_step (D forward 3x and backward 2x, G forward once and backward once),
    as FlopCounterMode counts them, and its per-operator totals."""
    with FlopCounterMode(display=False) as counter:
        run.train_step()
    ops = {str(op).replace("aten.", ""): n for op, n in counter.get_flop_counts().get("Global", {}).items()}
    return counter.get_total_flops(), ops


def bench_gan(prof, images: torch.Tensor, device: torch.device, rep: Repeats, channels_last: bool) -> dict:
    warmup, steps = rep.steps.get(prof.name, rep.steps["cpu"])
    with tempfile.TemporaryDirectory() as out:  # train_step writes nothing, but a run wants a folder
        kind = ChannelsLastRun if channels_last else GANRun
        run = kind(prof, config_for(GAN_CONFIG, prof), images, out=Path(out), device=device)
        for _ in range(warmup):
            run.train_step()
        flops, ops = count_step_flops(run)  # one more warm-up step
        secs = time_calls(run.train_step, steps, device)
    return dict(secs=secs, flops=flops, ops=ops, warmup=warmup + 1)


def gan_rows(prof, result: dict, peaks: dict, source: str) -> list[dict]:
    secs, flops, p = result["secs"], result["flops"], prof.name
    med = median(secs)
    _, h, w = prof.features.shape
    shown = ", ".join(f"{op} {n / 1e9:.3g}" for op, n in sorted(result["ops"].items(), key=lambda kv: -kv[1]))
    rows = [
        timed_row(
            "3 GAN step",
            f"{p}: seconds per step",
            secs,
            note=f"batch {prof.batch_size}, {h}x{w}, G width {prof.g_width}, D width {prof.d_width}; "
            f"mean {np.mean(secs):.3g} s; after {result['warmup']} warm-up steps; {source}",
        ),
        rate_row("3 GAN step", f"{p}: samples/s", prof.batch_size, secs, "samples/s"),
        row(
            "4b achieved",
            f"{p}: model FLOPs per step",
            flops / 1e9,
            "GFLOP",
            note=f"FlopCounterMode, GFLOP by operator: {shown}",
        ),
        rate_row("4b achieved", f"{p}: achieved", flops / 1e9, secs, "GFLOP/s", note="model FLOPs / step time"),
        row("4b achieved", f"{p}: achieved / matmul peak", 100 * flops / med / peaks["matmul"], "%"),
    ]
    for name in d_conv_shapes(prof):
        rows.append(row("4b achieved", f"{p}: achieved / {name} peak", 100 * flops / med / peaks[(p, name)], "%"))
    return rows


# --- the table ----------------------------------------------------------------------------------------------------


def fmt(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    return str(value)


def markdown(table: pd.DataFrame) -> str:
    """The table in GitHub markdown (pandas' to_markdown needs tabulate, which the project does not install)."""
    lines = [
        "| " + " | ".join(table.columns) + " |",
        "|" + "|".join("---:" if c in ("value", "n") else "---" for c in table.columns) + "|",
    ]
    lines += ["| " + " | ".join(fmt(v).replace("|", "/") for v in r) + " |" for r in table.itertuples(index=False)]
    return "\n".join(lines)


def parse(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="audio folder (default: data/ if it holds audio, else the built-in digits)")
    parser.add_argument("--quick", action="store_true", help="tiny counts, to check the script works")
    parser.add_argument(
        "--profiles", help=f"comma-separated (default: {FULL.profiles}; with --quick: {QUICK.profiles})"
    )
    parser.add_argument("--channels-last", action="store_true", help="models and inputs in channels_last format")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads(N)")
    parser.add_argument("--device", help="device for the GAN step and peaks (default: helpers.config.device())")
    parser.add_argument("--csv", type=Path, help="also write the table here")
    args = parser.parse_args(argv)
    args.profiles = args.profiles or (QUICK if args.quick else FULL).profiles
    return args


def main(argv=None) -> pd.DataFrame:
    args = parse(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    rep = QUICK if args.quick else FULL
    device = torch.device(args.device) if args.device else cfg.device()
    profiles = [cfg.profile(name.strip()) for name in args.profiles.split(",")]
    info, start = machine(args, device), time.perf_counter()
    rows, memory = [], []

    with tempfile.TemporaryDirectory() as scratch:
        rss = reset_memory(torch.device("cpu"))
        root, origin = data_root(args.data, args.quick, Path(scratch))
        info["data"] = f"{root} ({origin}), features of the cpu profile"
        ds, featurize_rows = bench_featurize(root, cfg.profile("cpu").features, rep)
        rows += featurize_rows
        memory.append(memory_row("1 featurize", torch.device("cpu"), rss))
        memory.append(
            row(
                "5 memory",
                "1 featurize: largest worker's peak RSS",
                peak_rss_mib(resource.RUSAGE_CHILDREN),
                "MiB",
                note="getrusage RUSAGE_CHILDREN",
            )
        )

        rss = reset_memory(torch.device("cpu"))
        rows += bench_epoch(ds, rep)
        memory.append(memory_row("2 epoch", torch.device("cpu"), rss))

        rss = reset_memory(device)
        peaks, peak_rows = bench_peaks(profiles, rep, device, args.channels_last)
        memory.append(memory_row("4a peak", device, rss))

        for prof in profiles:
            images, source = images_for(prof, ds)
            rss = reset_memory(device)
            result = bench_gan(prof, images, device, rep, args.channels_last)
            rows += gan_rows(prof, result, peaks, source)
            memory.append(memory_row(f"3 GAN step, {prof.name}", device, rss))
        rows += peak_rows + memory

    table = pd.DataFrame(rows).sort_values("stage", kind="stable")
    info["load average (1, 5, 15 min) at end"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    info["total wall time"] = f"{time.perf_counter() - start:.0f} s"
    print("\n".join(f"- {k}: {v}" for k, v in info.items()))
    print()
    print(markdown(table))
    if args.csv:
        table.to_csv(args.csv, index=False)
    return table


if __name__ == "__main__":
    main()
