"""Offline spoken digits in the style of the Free Spoken Digit Dataset (FSDD), synthesised with eSpeak NG.

The ``espeakng-loader`` wheel ships eSpeak NG's shared library and voice data, driven here through ctypes,
so nothing has to be installed on the system and no internet is needed.  Speakers are eSpeak's English
accents combined with its voice variants at different speaking rates and pitches.

eSpeak keeps hidden state from one utterance to the next (the phase of its pitch flutter, its gain
control), so the same request can sound slightly different depending on what was said before.  To make
the audio reproducible, this process only initialises eSpeak and never speaks: every batch of speech is
synthesised in a child forked from it, which always starts from that same untouched state.  Forking needs
a POSIX system (Linux, macOS).
"""

from __future__ import annotations

import ctypes
import os
import pickle
import re
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import espeakng_loader
import librosa
import numpy as np
import soundfile as sf

from .progress import tqdm  # tqdm.auto, or plain text in headless notebook runs

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

# English voices in espeak-ng-data/lang/gmw, as espeak_SetVoiceByName knows them: "en" is British English
# ("en-gb" is only a language tag and is refused); en-Shaw is left out, it reads the Shavian alphabet.
ACCENTS = ("en-us", "en", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-us-nyc")
# Variants from espeak-ng-data/voices/!v: eSpeak's own male and female presets, a creaky voice and the
# Klatt glottal-source models; the novelty ones (robots, whispers, cartoon voices) are left out.
VARIANTS = (
    "m1",
    "m2",
    "m3",
    "m4",
    "m5",
    "m6",
    "m7",
    "m8",
    "f1",
    "f2",
    "f3",
    "f4",
    "f5",
    "croak",
    "klatt",
    "klatt2",
    "klatt3",
)
RATES = (120, 220)  # words per minute, inclusive
PITCHES = (25, 75)  # on eSpeak's 0-99 scale, inclusive

# eSpeak NG C API constants (speak_lib.h)
_SYNCHRONOUS = 2  # AUDIO_OUTPUT_SYNCHRONOUS: espeak_Synth returns once all audio went to the callback
_DONT_EXIT = 0x8000  # espeakINITIALIZE_DONT_EXIT: otherwise a bad data path makes eSpeak call exit(1)
_RATE, _PITCH = 1, 3  # espeak_PARAMETER
_POS_CHARACTER = 1
_CHARS_AUTO = 0  # UTF-8, falling back to 8-bit text
_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
_SIGNATURES = {
    "espeak_Initialize": [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int],
    "espeak_SetSynthCallback": [_CALLBACK],
    "espeak_SetVoiceByName": [ctypes.c_char_p],
    "espeak_SetParameter": [ctypes.c_int, ctypes.c_int, ctypes.c_int],
    "espeak_Synth": [
        ctypes.c_char_p,
        ctypes.c_size_t,
        ctypes.c_uint,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.c_uint,
        ctypes.POINTER(ctypes.c_uint),
        ctypes.c_void_p,
    ],
    "espeak_Synchronize": [],
    "espeak_ng_SetRandSeed": [ctypes.c_long],
}

_lock = threading.Lock()
_engine_state: tuple[ctypes.CDLL, int] | None = None  # the initialised library and its sample rate
_chunks: list[np.ndarray] = []  # audio handed over by the callback


@_CALLBACK
def _collect(wav: Any, numsamples: int, events: int | None) -> int:
    """Keep a copy of each buffer eSpeak hands over (it reuses the memory); 0 tells it to carry on."""
    if numsamples > 0:
        _chunks.append(np.ctypeslib.as_array(wav, (numsamples,)).copy())
    return 0


def _engine() -> tuple[ctypes.CDLL, int]:
    """Load and initialise eSpeak NG once per process; returns the library and its sample rate (22050)."""
    global _engine_state
    with _lock:
        if _engine_state is None:
            path = espeakng_loader.get_library_path()
            try:
                lib = ctypes.CDLL(path)
            except OSError as error:
                raise RuntimeError(f"cannot load the eSpeak NG library {path}: {error}") from error
            for name, argtypes in _SIGNATURES.items():
                getattr(lib, name).argtypes = argtypes
            data_parent = str(Path(espeakng_loader.get_data_path()).parent)  # the folder holding espeak-ng-data
            rate = lib.espeak_Initialize(_SYNCHRONOUS, 0, data_parent.encode(), _DONT_EXIT)
            if rate <= 0:
                raise RuntimeError(f"eSpeak NG library {path} failed to initialise with data in {data_parent}")
            lib.espeak_SetSynthCallback(_collect)
            _engine_state = (lib, rate)
    return _engine_state


def _renew_lock() -> None:
    """A fork taken while another thread held the lock would leave the child's copy locked for ever."""
    global _lock
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_renew_lock)


def _speak(lib: ctypes.CDLL, text: str, voice: str, rate: int, pitch: int) -> np.ndarray:
    """One utterance as float32 samples in [-1, 1]; meant to run in a child started by _fork."""
    if lib.espeak_SetVoiceByName(voice.encode()) != 0:
        raise ValueError(f"eSpeak NG has no voice {voice!r}")
    lib.espeak_SetParameter(_RATE, rate, 0)
    lib.espeak_SetParameter(_PITCH, pitch, 0)
    _chunks.clear()
    data = text.encode() + b"\0"
    status = lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_AUTO, None, None)
    if status != 0 or lib.espeak_Synchronize() != 0:
        raise RuntimeError(f"eSpeak NG failed to speak {text!r} with voice {voice!r} (status {status})")
    wave = np.concatenate(_chunks) if _chunks else np.zeros(0, np.int16)
    return wave.astype(np.float32) / 32768


def _speak_all(requests: list[tuple[str, str, int, int]]) -> list[np.ndarray]:
    """Speak (text, voice, rate, pitch) requests in order; the noise generator (breathy voices) gets a fixed
    seed, since eSpeak seeds it from the clock."""
    lib, _ = _engine()
    lib.espeak_ng_SetRandSeed(0)
    return [_speak(lib, *request) for request in requests]


def _fork(fn: Callable[..., Any], *args: Any) -> tuple[int, int]:
    """Start fn(*args) in a child forked from this process, whose eSpeak is initialised but never spoke (see
    the module docstring); returns (pid, pipe) for _join, which the child sends its pickled result through."""
    _engine()
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(reader)
            try:
                result = (True, fn(*args))
            except Exception as error:
                result = (False, error)
            with os.fdopen(writer, "wb") as pipe:
                pickle.dump(result, pipe)
        finally:
            os._exit(0)
    os.close(writer)
    return pid, reader


def _join(child: tuple[int, int]) -> Any:
    """Wait for a child started by _fork and return its result, or raise its exception here."""
    pid, reader = child
    with os.fdopen(reader, "rb") as pipe:
        try:
            ok, value = pickle.load(pipe)
        except EOFError:
            ok, value = False, RuntimeError("the process synthesising speech died")
    os.waitpid(pid, 0)
    if not ok:
        raise value
    return value


def synthesize(text: str, voice: str = "en-us", rate: int = 175, pitch: int = 50) -> tuple[np.ndarray, int]:
    """float32 mono waveform in [-1, 1] and its sample rate (eSpeak's native rate, 22050).

    voice is an eSpeak voice name, optionally with a variant ("en-us+f2"); rate is in words per minute,
    pitch on eSpeak's 0-99 scale.  The same arguments always give the same audio.
    """
    (wave,) = _join(_fork(_speak_all, [(text, voice, rate, pitch)]))
    return wave, _engine()[1]


def voices(n: int, seed: int = 0) -> list[dict]:
    """n deterministic speaker variants: dict(name, voice, rate, pitch).

    Accent and variant pairs are drawn without repetition while they last, so the first 136 speakers all
    differ in timbre; name (e.g. "enusm3r150p40") is ascii without '_', fit for FSDD-style file names.
    voices(n, seed) is a prefix of voices(m, seed) for m > n.
    """
    rng = np.random.default_rng(seed)
    pairs = [(accent, variant) for accent in ACCENTS for variant in VARIANTS]
    order = rng.permutation(len(pairs))
    speakers: list[dict] = []
    names: set[str] = set()
    i = 0
    while len(speakers) < n:  # a name can repeat only once pairs are reused, and then rarely
        accent, variant = pairs[order[i % len(pairs)]]
        i += 1
        rate, pitch = int(rng.integers(RATES[0], RATES[1] + 1)), int(rng.integers(PITCHES[0], PITCHES[1] + 1))
        name = re.sub(r"[^a-z0-9]", "", f"{accent}{variant}r{rate}p{pitch}".lower())
        if name not in names:
            names.add(name)
            speakers.append(dict(name=name, voice=f"{accent}+{variant}", rate=rate, pitch=pitch))
    return speakers


def _take(speaker: dict, rng: np.random.Generator) -> tuple[int, int, float]:
    """Rate, pitch and peak level of one take: a speaker never says a word twice exactly alike."""
    rate = speaker["rate"] + int(rng.integers(-10, 11))
    pitch = int(np.clip(speaker["pitch"] + int(rng.integers(-4, 5)), 0, 99))
    return rate, pitch, 0.9 + float(rng.uniform(-0.03, 0.03))


def _to_clip(wave: np.ndarray, source_rate: int, sample_rate: int, peak: float) -> np.ndarray:
    """Resample, trim leading and trailing silence and peak-normalise, the way FSDD's recordings look."""
    y = librosa.resample(wave, orig_sr=source_rate, target_sr=sample_rate, res_type="soxr_hq")
    y, _ = librosa.effects.trim(y, top_db=40, frame_length=512, hop_length=128)
    return y * (peak / np.abs(y).max())


def _write_speaker(out: Path, index: int, speaker: dict, takes: int, sample_rate: int, seed: int) -> list[Path]:
    """Speak and write every digit take of one speaker; runs in a fresh fork, speaking in a fixed order."""
    rng = np.random.default_rng([seed, index])
    clips = [(digit, take, *_take(speaker, rng)) for digit in range(10) for take in range(takes)]
    waves = _speak_all([(DIGIT_WORDS[digit], speaker["voice"], rate, pitch) for digit, _, rate, pitch, _ in clips])
    paths = []
    for (digit, take, _, _, peak), wave in zip(clips, waves):
        paths.append(out / f"{digit}_{speaker['name']}_{take}.wav")
        sf.write(paths[-1], _to_clip(wave, _engine()[1], sample_rate, peak), sample_rate, subtype="PCM_16")
    return paths


def make_digits(
    out: Path, n_speakers: int = 60, takes: int = 5, sample_rate: int = 8000, seed: int = 0, progress: bool = True
) -> list[Path]:
    """Write 10 * n_speakers * takes FSDD-style clips, f"{digit}_{speaker}_{take}.wav" (16-bit PCM, mono),
    into out and return their paths, sorted.

    The same arguments give byte-identical files; other files in out are left alone.  Speakers are done in
    parallel, one fresh fork each, as many at a time as there are CPUs.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    # librosa imports (and numba loads) its modules on first use: do that once here, not in every child
    _to_clip(np.sin(np.arange(4096, dtype=np.float32)), _engine()[1], sample_rate, 0.9)
    paths: list[Path] = []
    running: deque[tuple[int, int]] = deque()
    with tqdm(total=10 * n_speakers * takes, desc="spoken digits", unit="file", disable=not progress) as bar:
        for index, speaker in enumerate(voices(n_speakers, seed)):
            running.append(_fork(_write_speaker, out, index, speaker, takes, sample_rate, seed))
            if len(running) >= (os.cpu_count() or 1):
                paths += _join(running.popleft())
                bar.update(10 * takes)
        while running:
            paths += _join(running.popleft())
            bar.update(10 * takes)
    return sorted(paths)
