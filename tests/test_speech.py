"""helpers.speech: eSpeak NG digits in the style of FSDD (fast: a few seconds)."""

from __future__ import annotations

import multiprocessing
import re
import time

import numpy as np
import pytest
import soundfile as sf

from helpers import speech


def test_synthesize_speaks_a_digit_at_espeaks_rate():
    wave, rate = speech.synthesize("seven")
    assert rate == 22050
    assert wave.dtype == np.float32 and wave.ndim == 1
    assert np.isfinite(wave).all() and np.abs(wave).max() <= 1
    assert 0.2 <= len(wave) / rate <= 1.5
    assert np.sqrt(np.mean(wave**2)) > 0.01


def test_synthesize_is_deterministic_and_voices_differ():
    wave, _ = speech.synthesize("three", "en-us+f2", 150, 60)
    assert np.array_equal(wave, speech.synthesize("three", "en-us+f2", 150, 60)[0])
    for other in [
        ("three", "en-us+m3", 150, 60),
        ("three", "en-gb-x-rp+f2", 150, 60),
        ("three", "en-us+f2", 210, 60),
        ("three", "en-us+f2", 150, 30),
        ("two", "en-us+f2", 150, 60),
    ]:
        assert not np.array_equal(wave, speech.synthesize(*other)[0]), other
    # a faster rate gives a shorter word
    assert len(speech.synthesize("three", "en-us", 220)[0]) < len(speech.synthesize("three", "en-us", 120)[0])


def test_unknown_voice_is_a_clear_error():
    with pytest.raises(ValueError, match="no voice 'en-gb'"):  # a language tag, not a voice name
        speech.synthesize("one", "en-gb")


def test_missing_library_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(speech, "_engine_state", None)
    monkeypatch.setattr(speech.espeakng_loader, "get_library_path", lambda: "/nowhere/libespeak-ng.so")
    with pytest.raises(RuntimeError, match="/nowhere/libespeak-ng.so"):
        speech.synthesize("one")


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_same_audio_in_forked_and_fresh_processes(method):
    wave, _ = speech.synthesize("eight", "en-029+f5", 140, 40)  # f5 is breathy: noise
    if method == "spawn":
        time.sleep(1.1)  # eSpeak seeds its noise from the clock, in seconds, unless told a seed
    with multiprocessing.get_context(method).Pool(1) as pool:
        other, rate = pool.apply(speech.synthesize, ("eight", "en-029+f5", 140, 40))
    assert rate == 22050 and np.array_equal(wave, other)


def test_every_accent_and_variant_speaks():
    requests = [
        (word, f"{accent}+{variant}", rate, pitch)
        for accent in speech.ACCENTS
        for variant in speech.VARIANTS
        for word, rate, pitch in [
            ("six", speech.RATES[1], speech.PITCHES[0]),
            ("zero", speech.RATES[0], speech.PITCHES[1]),
        ]
    ]
    waves = speech._join(speech._fork(speech._speak_all, requests))  # one child for all: quicker
    for request, wave in zip(requests, waves):
        assert 0.2 <= len(wave) / 22050 <= 1.5 and np.abs(wave).max() > 0.05, request


def test_voices_are_distinct_valid_and_deterministic():
    speakers = speech.voices(150, seed=3)
    assert len(speakers) == 150
    names = [s["name"] for s in speakers]
    assert len(set(names)) == 150
    assert all(re.fullmatch(r"[a-z0-9]+", name) for name in names)  # no '_', safe in file names
    assert speakers == speech.voices(150, seed=3)
    assert speakers[:10] == speech.voices(10, seed=3)
    assert names != [s["name"] for s in speech.voices(150, seed=4)]
    for s in speakers:
        accent, variant = s["voice"].split("+")
        assert accent in speech.ACCENTS and variant in speech.VARIANTS
        assert speech.RATES[0] <= s["rate"] <= speech.RATES[1] and speech.PITCHES[0] <= s["pitch"] <= speech.PITCHES[1]
    assert len({s["voice"] for s in speakers[:136]}) == 136  # every accent and variant pair before repeats


def test_make_digits_writes_fsdd_style_files_reproducibly(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    (first / "notes.txt").write_text("not ours")
    paths = speech.make_digits(first, n_speakers=2, takes=2, seed=1, progress=False)

    assert len(paths) == 40 and paths == sorted(paths) and set(paths) == set(first.glob("*.wav"))
    names = {s["name"] for s in speech.voices(2, seed=1)}
    for path in paths:
        digit, speaker, take = path.stem.split("_")
        assert digit in "0123456789" and speaker in names and take in "01"
        info = sf.info(path)
        assert (info.samplerate, info.channels, info.subtype) == (8000, 1, "PCM_16")
        assert 0.15 <= info.duration <= 1.5
    assert (first / "notes.txt").read_text() == "not ours"

    wave, _ = sf.read(paths[0])
    assert 0.85 <= np.abs(wave).max() <= 0.95
    speaker = paths[0].stem.split("_")[1]
    take0, take1 = (p for p in paths if p.name.startswith(f"0_{speaker}_"))
    assert take0.read_bytes() != take1.read_bytes()  # takes differ

    again = speech.make_digits(second, n_speakers=2, takes=2, seed=1, progress=False)
    assert [p.name for p in again] == [p.name for p in paths]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(paths, again))
    assert speech.make_digits(first, n_speakers=2, takes=2, seed=1, progress=False) == paths  # rerun in place
