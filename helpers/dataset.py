"""AudioDataset: a folder of audio files as normalized 3-channel log-mel tensors, computed once and cached.

The spectrograms are computed in parallel on first use and kept on disk under ``runs/cache``, keyed by each
file's (path, size, mtime) and by the feature parameters, so later runs and epochs only read memory.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import multiprocessing
import os
import re
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from threadpoolctl import threadpool_limits

from . import audio
from .checkpoints import atomic_write
from .config import Features, relative, runs_dir
from .progress import tqdm

FSDD_NAME = re.compile(r"^(?P<digit>\d+)_(?P<speaker>[^_]+)_(?P<take>\d+)$")  # 7_jackson_32
LEADING_DIGIT = re.compile(r"^(\d)(?:[_\-\s.]|$)")  # 7_jackson_32, "7_jane 3", "7-take2", "7": the digit 7
CACHE_VERSION = 1
CLIP_SIGMAS = 3.0
FETCH_HINT = (
    "Put audio files there, or fetch a data set: `python -m helpers.data digits` (built in, offline) "
    "or `python -m helpers.data fsdd` (real recordings)."
)


class AudioDataset(torch.utils.data.Dataset):
    """Every audio file under ``root`` as ``(x, label)``: x is ``[3, n_mels, frames]`` in [-1, 1].

    Labels follow one rule per data set (``files.label_from`` says which each file got). In a digit-named set (at
    least half the file names start with one digit and a separator: ``7_jackson_32.wav``, ``7_jane 3.wav``,
    ``7-b.mp3``) that digit is the class, and files without one are unlabelled (-1) wherever they are; in
    any other set the file's sub-folder is its class (``dog/bark1.wav`` is "dog"), and files directly in
    ``root`` are unlabelled.  Files that cannot be decoded
    are skipped and listed in ``skipped`` as (path, reason); nothing under ``root`` is ever written.
    The 3 channels are identical copies of one image: the ResNet-9 of the earlier task was built for RGB input.
    """

    def __init__(
        self,
        root,
        features: Features = Features(),
        max_files: int | None = None,
        cache_dir: Path | None = None,
        stats: tuple[np.ndarray, np.ndarray] | None = None,
        workers: int | None = None,
        progress: bool = True,
        normalization: str = "specgan",
    ):
        if normalization not in ("specgan", "minmax"):
            raise ValueError(f"normalization must be 'specgan' or 'minmax', not {normalization!r}")
        self.root, self.features, self.normalization = Path(root), features, normalization
        paths = _scan(self.root)
        if max_files is not None:
            paths = paths[:: max(1, len(paths) // max_files)][:max_files]
        results = load_features(paths, features, cache_dir or runs_dir() / "cache", workers, progress)
        good = [p for p in paths if not isinstance(results[p], str)]
        self.skipped = [(p, results[p]) for p in paths if isinstance(results[p], str)]
        if self.skipped:
            warnings.warn(
                f"skipped {len(self.skipped)} of {len(paths)} files that could not be decoded, e.g. "
                f"{relative(self.skipped[0][0])}: {self.skipped[0][1]} (see dataset.skipped)",
                stacklevel=2,
            )
        if not good:
            raise RuntimeError(f"none of the {len(paths)} audio files under {self.root} could be decoded. {FETCH_HINT}")
        self.db = np.stack([results[p][0] for p in good])
        self.files = _describe(self.root, good, [results[p][1] for p in good], [results[p][2] for p in good])
        self.classes = sorted(self.files.label_name.dropna().unique(), key=_class_order)
        index = {c: i for i, c in enumerate(self.classes)}
        self.files["label"] = [index.get(n, -1) for n in self.files.label_name]
        self.labels = torch.tensor(self.files.label.to_numpy(), dtype=torch.long)
        self.mean, self.std = stats if stats is not None else mel_stats(self.db, features, normalization)
        self.images = torch.from_numpy(self.normalize(self.db))

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i):
        return self.images[i].expand(3, -1, -1), self.labels[i]

    def normalize(self, db: np.ndarray) -> np.ndarray:
        """dB to [-1, 1]: SpecGAN's per-mel-bin standardization (Donahue et al. 2019), clipped at 3 sigma, / 3.

        ("minmax", the original's mapping, is the same formula with mean -top_db/2 and std top_db/6 in every
        bin: [-top_db, 0] dB onto [-1, 1], so every padded or silent pixel sits at exactly -1.)"""
        z = (db - self.mean[:, None]) / self.std[:, None]
        return (np.clip(z, -CLIP_SIGMAS, CLIP_SIGMAS) / CLIP_SIGMAS).astype(np.float32)

    def denormalize(self, x) -> np.ndarray:
        """[-1, 1] images (any leading dims, channels averaged if 3) back to dB, for plots and audio."""
        x = np.asarray(x.detach().cpu() if torch.is_tensor(x) else x, dtype=np.float32)
        if x.ndim >= 3 and x.shape[-3] == 3:
            x = x.mean(axis=-3)
        return x * CLIP_SIGMAS * self.std[:, None] + self.mean[:, None]

    def split(self, test_fraction: float = 0.1) -> tuple[list[int], list[int]]:
        """Train and test indices that hold out whole takes: FSDD's official test set is takes 0-4 of 50.

        Each (label, speaker) keeps its first ``ceil(test_fraction * takes)`` takes for testing; files without
        a take number are assigned by a stable hash of their name."""
        f = self.files
        takes = f.groupby(["label_name", "speaker"], dropna=False)["take"].transform("max") + 1
        held = np.where(
            f["take"].notna(),
            f["take"] < np.ceil(test_fraction * takes),
            [_stable_fraction(p) < test_fraction for p in f.path],
        )
        return np.flatnonzero(~held).tolist(), np.flatnonzero(held).tolist()

    def __repr__(self) -> str:
        return (
            f"AudioDataset({relative(self.root)}: {len(self)} clips, {len(self.classes)} classes, "
            f"{len(self.skipped)} skipped, tensors {tuple(self[0][0].shape)})"
        )


def _scan(root: Path) -> list[Path]:
    if not root.is_dir():
        raise FileNotFoundError(f"data folder {root} does not exist. {FETCH_HINT}")
    paths = audio.find_audio(root)
    if not paths:
        raise FileNotFoundError(f"no audio files ({', '.join(audio.AUDIO_EXTENSIONS)}) under {root}. {FETCH_HINT}")
    return paths


def _describe(root: Path, paths: list[Path], durations, fills) -> pd.DataFrame:
    """One row per file: relative path, class name and where it came from (``label_from``), speaker, take,
    trimmed duration and window fill."""
    rel = [p.relative_to(root) for p in paths]
    names = [LEADING_DIGIT.match(p.stem) for p in paths]
    by_name = sum(m is not None for m in names) * 2 >= len(paths)  # a digit-named set: names decide
    rows = []
    for r, p, digit in zip(rel, paths, names):
        m = FSDD_NAME.match(p.stem)
        folder = r.parts[:-1]
        if by_name:
            label, source = (digit[1], "name") if digit else (None, "none")
        else:
            label, source = (folder[-1], "folder") if folder else (None, "none")
        rows.append(
            dict(
                path=r.as_posix(),
                label_name=label,
                label_from=source,
                speaker=m["speaker"] if m else None,
                take=int(m["take"]) if m else None,
            )
        )
    table = pd.DataFrame(rows, columns=["path", "label_name", "label_from", "speaker", "take"])
    table["take"] = table["take"].astype("Int64")
    table["duration"], table["fill"] = np.asarray(durations, float), np.asarray(fills, float)
    return table


def _class_order(name: str):
    return (0, int(name), "") if name.isdigit() else (1, 0, name)


def _stable_fraction(name: str) -> float:
    return int(hashlib.sha1(name.encode()).hexdigest()[:8], 16) / 16**8


def mel_stats(db: np.ndarray, f: Features = Features(), normalization: str = "specgan"):
    """Per-mel-bin mean and standard deviation over all clips and frames (SpecGAN's normalization)."""
    if normalization == "minmax":
        n = db.shape[1]
        return np.full(n, -f.top_db / 2, np.float32), np.full(n, f.top_db / 2 / CLIP_SIGMAS, np.float32)
    mean = db.mean(axis=(0, 2))
    return mean.astype(np.float32), np.maximum(db.std(axis=(0, 2)), 1e-3).astype(np.float32)


# --- the feature cache -------------------------------------------------------------------------------------


def load_features(
    paths: list[Path], f: Features, cache_dir: Path, workers: int | None = None, progress: bool = True
) -> dict:
    """Each path's (dB image, duration, fill), or the reason it failed as a string; computed once, then cached.

    The cache file is keyed by the feature parameters; inside it each entry by (absolute path, size, mtime),
    so a changed parameter invalidates everything and a changed file only itself."""
    cache_file = Path(cache_dir) / f"features-{_params_key(f)}.npz"
    cached = _read_cache(cache_file)
    keys = {p: _file_key(p) for p in paths}
    todo = [p for p in paths if keys[p] not in cached]
    fresh = _compute(todo, f, workers, progress)
    good = {keys[p]: r for p, r in fresh.items() if not isinstance(r, str)}
    if good:
        _write_cache(cache_file, {**cached, **good})
    return {p: fresh[p] if p in fresh else cached[keys[p]] for p in paths}


def _params_key(f: Features) -> str:
    text = json.dumps({"version": CACHE_VERSION, **dataclasses.asdict(f)}, sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def _file_key(p: Path) -> str:
    st = p.stat()
    return f"{p.resolve()}|{st.st_size}|{st.st_mtime_ns}"


def _read_cache(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: (db, float(d), float(fl)) for k, db, d, fl in zip(z["keys"], z["db"], z["duration"], z["fill"])}
    except Exception as e:  # a damaged cache is only a slower start
        warnings.warn(f"ignoring unreadable feature cache {path} ({e}); recomputing", stacklevel=3)
        return {}


def _write_cache(path: Path, entries: dict) -> None:
    """Atomically: a reader never sees half a file, and two writers leave one whole file."""
    keys = list(entries)
    atomic_write(
        path,
        lambda f: np.savez(
            f,
            keys=np.array(keys),
            db=np.stack([entries[k][0] for k in keys]),
            duration=np.array([entries[k][1] for k in keys]),
            fill=np.array([entries[k][2] for k in keys]),
        ),
    )


def _featurize_or_reason(args):
    path, f = args
    try:
        return audio.featurize(path, f)
    except Exception as e:  # any decoder error: empty, truncated, not audio at all
        return f"{type(e).__name__}: {e}".strip().splitlines()[0][:200]


def _compute(paths: list[Path], f: Features, workers: int | None, progress: bool) -> dict:
    """Featurize in worker processes (one BLAS thread each: many small matrices gain nothing from threads)."""
    if not paths:
        return {}
    workers = min(workers or os.cpu_count() or 1, max(1, len(paths) // 64))
    jobs = [(p, f) for p in paths]
    bar = dict(total=len(paths), desc="spectrograms", disable=not progress, unit="file")
    with threadpool_limits(1):
        audio.warm_up(f)  # compile librosa's numba code once, before forking
        if workers == 1:
            return dict(zip(paths, tqdm(map(_featurize_or_reason, jobs), **bar)))
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context(method), initializer=threadpool_limits, initargs=(1,)
        ) as pool:
            return dict(zip(paths, tqdm(pool.map(_featurize_or_reason, jobs, chunksize=32), **bar)))


def image_stats(ds: AudioDataset) -> dict:
    """How much of each window is real sound, and how many pixels a discriminator could spot as padding."""
    f = ds.features
    return {
        "clips": len(ds),
        "median trimmed duration (s)": float(ds.files.duration.median()),
        "median window fill": float(ds.files.fill.median()),
        "clips longer than the window": float((ds.files.fill >= 1).mean()),
        "pixels at the dB floor": float((ds.db <= -f.top_db + 1e-6).mean()),
        "pixels at exactly -1": float((ds.images == -1).float().mean()),
        "pixels at exactly +1": float((ds.images == 1).float().mean()),
    }
