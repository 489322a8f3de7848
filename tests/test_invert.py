import numpy as np
import pytest
from conftest import tone

from helpers import audio
from helpers.config import Features
from helpers.invert import BOUND, N_ITER, round_trip, spectral_convergence, to_audio

F = Features()


@pytest.fixture(scope="module")
def image():
    """The dB image of a 0.4 s harmonic tone, made as the dataset makes its images."""
    return audio.logmel_db(audio.fit(audio.trim(tone(0.4, F.sample_rate), F.trim_db), F.window, F.align), F)


def test_a_tone_survives_the_round_trip_within_the_stated_bound():
    scores = round_trip(tone(0.4, F.sample_rate), F, N_ITER)
    assert scores["spectral_convergence"] < BOUND["spectral_convergence"]
    assert scores["log_mel_mae_db"] < BOUND["log_mel_mae_db"]


def test_audio_is_one_window_of_float32_peaking_at_0_9(image):
    y = to_audio(image, F, n_iter=8)
    assert y.shape == (F.window,) and y.dtype == np.float32 and np.all(np.isfinite(y))
    assert np.abs(y).max() == pytest.approx(0.9, abs=1e-6)


def test_the_same_seed_gives_the_same_audio_and_another_seed_other_audio(image):
    a, b, c = (to_audio(image, F, n_iter=8, seed=s) for s in (3, 3, 4))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_an_image_at_the_floor_is_silence_not_noise():
    y = to_audio(np.full((F.n_mels, F.frames), -F.top_db, np.float32), F, n_iter=8)
    assert y.shape == (F.window,) and np.all(np.isfinite(y)) and not np.any(y)


def test_spectral_convergence_is_zero_for_a_match_and_one_against_silence(image):
    silence = np.full_like(image, -300.0)
    assert spectral_convergence(image, image) == 0.0
    assert spectral_convergence(image, silence) == pytest.approx(1.0, abs=1e-6)
