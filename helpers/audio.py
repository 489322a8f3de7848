"""Audio files to log-mel images: finding, loading, trimming, windowing and the mel transform.

Everything here works on one clip at a time and on plain numpy arrays, so the dataset can run it in worker
processes and the notebooks can show each step on its own.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import librosa
import numpy as np
import soundfile

from .config import Features

AUDIO_EXTENSIONS = (".wav", ".mp3", ".flac", ".ogg")
AMIN = 1e-10  # power floor before the log, as librosa.power_to_db uses


def find_audio(root: Path) -> list[Path]:
    """Audio files under ``root``, recursively, sorted; extensions are case-insensitive and hidden files
    (macOS ``._*`` resource forks, ``.cache`` folders) are ignored."""
    root = Path(root)
    found = (p for p in root.rglob("*") if p.suffix.lower() in AUDIO_EXTENSIONS and p.is_file())
    return sorted(p for p in found if not any(part.startswith(".") for part in p.relative_to(root).parts))


def load(path: Path, sample_rate: int) -> np.ndarray:
    """Mono float32 samples at ``sample_rate``, whatever the file's own rate and channel count.

    libsndfile reads WAV, FLAC, OGG and MP3 directly (librosa.load costs ~5 ms more per file even when no
    resampling is needed); formats it cannot read fall back to librosa's audioread path."""
    try:
        y, rate = soundfile.read(path, dtype="float32", always_2d=True)
        y = y.mean(axis=1)
    except soundfile.LibsndfileError:
        with warnings.catch_warnings():  # librosa warns about its own fallback; a failure still raises
            warnings.simplefilter("ignore")
            y, rate = librosa.load(path, sr=None, mono=True)
    if y.size and not np.all(np.isfinite(y)):
        raise ValueError("decoded samples are not finite")
    if rate != sample_rate and y.size:
        y = librosa.resample(y, orig_sr=rate, target_sr=sample_rate, res_type="soxr_hq")
    return np.ascontiguousarray(y, dtype=np.float32)


def trim(y: np.ndarray, top_db: float) -> np.ndarray:
    """Drop leading and trailing silence (quieter than ``top_db`` below the peak); silence stays empty."""
    if y.size == 0 or not np.any(y):
        return y[:0]
    return librosa.effects.trim(y, top_db=top_db)[0]


def fit(y: np.ndarray, window: int, align: str = "centre") -> np.ndarray:
    """Fit the clip into a ``window``-sample frame: zero-pad a short clip, keep the middle of a long one.

    ``centre`` puts padding on both edges in similar amounts, so its position is no easy tell for a
    discriminator; ``left`` (speech at the start, silence after) is the original project's way."""
    if y.size >= window:
        start = (y.size - window) // 2
        return y[start : start + window]
    if align not in ("centre", "left"):
        raise ValueError(f"align must be 'centre' or 'left', not {align!r}")
    left = (window - y.size) // 2 if align == "centre" else 0
    return np.pad(y, (left, window - y.size - left))


def logmel_db(y: np.ndarray, f: Features) -> np.ndarray:
    """Log-mel power in dB relative to the clip's loudest bin, floored at ``-f.top_db``: [n_mels, frames].

    Referencing each clip to its own maximum removes recording level, which says nothing about the digit."""
    mel = librosa.feature.melspectrogram(
        y=y, sr=f.sample_rate, n_fft=f.n_fft, hop_length=f.hop, n_mels=f.n_mels, fmin=f.fmin, fmax=f.fmax, power=2.0
    )[:, : f.frames]
    peak = mel.max(initial=0.0)
    if peak <= AMIN:  # digital silence: all at the floor, not at 0 dB
        return np.full((f.n_mels, f.frames), -f.top_db, dtype=np.float32)
    db = 10.0 * np.log10(np.maximum(mel, AMIN) / peak)
    return np.maximum(db, -f.top_db).astype(np.float32)


def featurize(path: Path, f: Features) -> tuple[np.ndarray, float, float]:
    """One file to its log-mel image in dB, its trimmed duration in seconds and the fraction of the window it fills."""
    y = trim(load(path, f.sample_rate), f.trim_db)
    return logmel_db(fit(y, f.window, f.align), f), y.size / f.sample_rate, min(1.0, y.size / f.window)


def warm_up(f: Features) -> None:
    """Run the pipeline once on a synthetic tone: librosa compiles its numba kernels on first use (~2 s)."""
    t = np.arange(f.window // 2) / f.sample_rate
    logmel_db(fit(trim(np.sin(2 * np.pi * 220 * t).astype(np.float32), f.trim_db), f.window), f)
