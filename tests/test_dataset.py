import os
import warnings

import numpy as np
import pytest
import soundfile as sf
import torch
from conftest import tone, write

from helpers import audio
from helpers.config import Features
from helpers.dataset import AudioDataset

F = Features()


def make(tmp_path, **kw):
    return AudioDataset(tmp_path / "data", cache_dir=tmp_path / "cache", progress=False, workers=1, **kw)


def fsdd_like(tmp_path, n=4):
    for d in range(3):
        for take in range(n):
            write(tmp_path / "data" / f"{d}_alice_{take}.wav", freq=200 + 100 * d + 7 * take)


def test_tensor_shape_range_and_labels(tmp_path):
    fsdd_like(tmp_path)
    ds = make(tmp_path)
    x, y = ds[0]
    assert x.shape == F.shape and x.dtype == torch.float32
    assert torch.equal(x[0], x[1]) and torch.equal(x[1], x[2])
    assert ds.images.min() >= -1 and ds.images.max() <= 1
    assert ds.classes == ["0", "1", "2"] and sorted(set(ds.labels.tolist())) == [0, 1, 2]
    assert set(ds.files.speaker) == {"alice"} and ds.files["take"].max() == 3
    assert (ds.images == -1).float().mean() < 0.05  # padding is not a wall of identical -1 pixels


def test_every_format_rate_and_channel_count(tmp_path):
    root = tmp_path / "data"
    write(root / "a" / "stereo.wav", channels=2)
    write(root / "a" / "cd.WAV", rate=44100)
    write(root / "b" / "x.flac", rate=16000, format="FLAC")
    write(root / "b" / "y.ogg", format="OGG", subtype="VORBIS", rate=22050)
    write(root / "b" / "z.mp3", format="MP3", subtype="MPEG_LAYER_III", rate=16000)
    ds = make(tmp_path)
    assert len(ds) == 5 and not ds.skipped
    assert ds.classes == ["a", "b"]
    assert np.isfinite(ds.db).all()
    # the same tone gives nearly the same image whatever the container, rate or channels
    a = ds.files.path.tolist().index("a/stereo.wav")
    b = ds.files.path.tolist().index("a/cd.WAV")
    assert np.abs(ds.db[a] - ds.db[b]).mean() < 3.0  # dB


def test_resampled_and_stereo_audio_loads_as_mono_at_the_rate(tmp_path):
    p = write(tmp_path / "s.wav", seconds=1.0, rate=44100, channels=2, silence=0)
    y = audio.load(p, 8000)
    assert y.ndim == 1 and y.dtype == np.float32 and abs(y.size - 8000) <= 1


def test_hidden_and_non_audio_files_are_ignored_and_nested_unicode_paths_load(tmp_path):
    root = tmp_path / "data"
    write(root / "ünï" / "deep" / "çlip.wav")
    write(root / "._resource_fork.wav")
    write(root / ".cache" / "hidden.wav")
    (root / "notes.txt").write_text("not audio")
    ds = make(tmp_path)
    assert ds.files.path.tolist() == ["ünï/deep/çlip.wav"]
    assert ds.classes == ["deep"]


def test_unlabeled_files_get_minus_one(tmp_path):
    write(tmp_path / "data" / "loose.wav")
    write(tmp_path / "data" / "3_bob_0.wav")
    ds = make(tmp_path)
    assert dict(zip(ds.files.path, ds.labels.tolist())) == {"3_bob_0.wav": 0, "loose.wav": -1}


@pytest.mark.parametrize("content", [b"", b"RIFF\x24\x00\x00\x00WAVEfmt ", b"just some text, renamed"])
def test_bad_files_are_skipped_reported_and_the_rest_load(tmp_path, content):
    fsdd_like(tmp_path, n=2)
    bad = tmp_path / "data" / "9_bad_0.wav"
    bad.write_bytes(content)
    before = {p: p.read_bytes() for p in (tmp_path / "data").iterdir()}
    with pytest.warns(UserWarning, match="skipped 1 of 7"):
        ds = make(tmp_path)
    assert len(ds) == 6 and [p for p, _ in ds.skipped] == [bad] and ds.skipped[0][1]
    assert before == {p: p.read_bytes() for p in (tmp_path / "data").iterdir()}  # data/ untouched


def test_truncated_wav_is_skipped_or_loads_finite(tmp_path):
    p = write(tmp_path / "data" / "1_t_0.wav", seconds=0.5)
    p.write_bytes(p.read_bytes()[:60])  # header plus a few samples
    write(tmp_path / "data" / "2_t_0.wav")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = make(tmp_path)
    assert len(ds) + len(ds.skipped) == 2 and np.isfinite(ds.db).all()


def test_silent_and_tiny_clips_give_finite_tensors(tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    sf.write(root / "silent.wav", np.zeros(4000, np.float32), 8000)
    sf.write(root / "tiny.wav", tone(0.01, silence=0), 8000)  # 10 ms
    write(root / "normal.wav")
    ds = make(tmp_path)
    assert len(ds) == 3 and torch.isfinite(ds.images).all()
    silent = ds.files.path.tolist().index("silent.wav")
    assert (ds.db[silent] == -F.top_db).all()


def test_long_clips_are_centre_cropped_and_short_ones_centred():
    y = np.arange(10, dtype=np.float32)
    assert audio.fit(y, 4).tolist() == [3, 4, 5, 6]
    assert audio.fit(np.ones(2, np.float32), 6).tolist() == [0, 0, 1, 1, 0, 0]


def test_missing_and_empty_folders_say_how_to_get_data(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist.*helpers.data digits"):
        make(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "readme.txt").write_text("x")
    with pytest.raises(FileNotFoundError, match="no audio files.*helpers.data fsdd"):
        make(tmp_path)


def test_all_files_bad_raises(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.wav").write_bytes(b"nope")
    with pytest.raises(RuntimeError, match="none of the 1 audio files"), pytest.warns(UserWarning):
        make(tmp_path)


def test_cache_hit_and_exact_invalidation(tmp_path, monkeypatch):
    fsdd_like(tmp_path, n=2)
    first = make(tmp_path)
    calls = []
    real = audio.featurize
    monkeypatch.setattr(audio, "featurize", lambda p, f: calls.append(p.name) or real(p, f))
    again = make(tmp_path)
    assert calls == [] and np.array_equal(first.db, again.db)
    changed = tmp_path / "data" / "1_alice_0.wav"
    write(changed, freq=555)
    os.utime(changed, ns=(1, 1))
    make(tmp_path)
    assert calls == ["1_alice_0.wav"]  # only the changed file
    calls.clear()
    AudioDataset(
        tmp_path / "data", features=Features(n_mels=16), cache_dir=tmp_path / "cache", progress=False, workers=1
    )
    assert len(calls) == 6  # a changed parameter recomputes everything


def test_parallel_workers_match_serial(tmp_path):
    fsdd_like(tmp_path, n=50)
    serial = make(tmp_path)
    parallel = AudioDataset(tmp_path / "data", cache_dir=tmp_path / "cache2", progress=False, workers=2)
    assert np.array_equal(serial.db, parallel.db)


def test_normalization_round_trips_and_split_holds_out_takes(tmp_path):
    fsdd_like(tmp_path, n=10)
    ds = make(tmp_path)
    back = ds.denormalize(ds.images)
    inside = np.abs((ds.db - ds.mean[:, None]) / ds.std[:, None]) < 3
    assert np.allclose(back[inside], ds.db[inside], atol=1e-3)
    train, test = ds.split()
    assert sorted(train + test) == list(range(len(ds)))
    assert set(ds.files["take"].iloc[test]) == {0}
    assert ds.split() == (train, test)


def test_max_files_is_a_deterministic_spread(tmp_path):
    fsdd_like(tmp_path, n=4)
    a, b = make(tmp_path, max_files=4), make(tmp_path, max_files=4)
    assert len(a) == 4 and a.files.path.tolist() == b.files.path.tolist()
    assert a.files.label_name.nunique() == 3


def test_left_alignment_and_minmax_reproduce_the_original_pipeline(tmp_path):
    fsdd_like(tmp_path, n=2)
    f = Features(window=8000, hop=250, align="left")
    ds = AudioDataset(
        tmp_path / "data", features=f, cache_dir=tmp_path / "c", progress=False, workers=1, normalization="minmax"
    )
    assert ds[0][0].shape == (3, 32, 32)
    expected = np.clip(ds.db / (f.top_db / 2) + 1, -1, 1)
    assert np.allclose(ds.images.numpy(), expected, atol=1e-5)
    assert (ds.images[:, :, -8:] == -1).all()  # left-aligned: the tail of every window is padding at -1
    assert audio.fit(np.ones(2, np.float32), 5, "left").tolist() == [1, 1, 0, 0, 0]


def test_a_digit_named_set_is_labelled_by_names_and_stray_folders_stay_unlabelled(tmp_path):
    """The layouts a person's own recordings come in: FSDD names, a leading digit with free text after it, a
    sub-folder named after a speaker, and a folder of odds and ends. Ten classes, not eleven or twelve."""
    root = tmp_path / "data"
    write(root / "7_jackson_32.wav")
    write(root / "jane" / "7_jane 3.wav", freq=330)
    write(root / "jane" / "2-take two.wav", freq=340)
    write(root / "0.wav", freq=350)
    write(root / "misc" / "door slam.wav", freq=360)
    write(root / "misc" / "hello.wav", freq=370)
    ds = make(tmp_path)
    labels = dict(zip(ds.files.path, [n if isinstance(n, str) else None for n in ds.files.label_name]))
    assert labels == {
        "0.wav": "0",
        "7_jackson_32.wav": "7",
        "jane/2-take two.wav": "2",
        "jane/7_jane 3.wav": "7",
        "misc/door slam.wav": None,
        "misc/hello.wav": None,
    }
    assert ds.classes == ["0", "2", "7"]
    assert ds.files.label_from.value_counts().to_dict() == {"name": 4, "none": 2}
    assert ds.labels[ds.files.path.tolist().index("misc/hello.wav")] == -1


def test_a_set_without_digit_names_is_labelled_by_folders(tmp_path):
    root = tmp_path / "data"
    write(root / "dog" / "bark1.wav")
    write(root / "dog" / "2019 bark.wav", freq=320)  # a number, not a leading digit and a separator
    write(root / "cat" / "1_meow.wav", freq=340)  # one digit-named file in a folder-labelled set
    write(root / "cat" / "purr.wav", freq=360)
    write(root / "loose.wav", freq=380)
    ds = make(tmp_path)
    assert dict(zip(ds.files.path, [n if isinstance(n, str) else None for n in ds.files.label_name])) == {
        "cat/1_meow.wav": "cat",
        "cat/purr.wav": "cat",
        "dog/2019 bark.wav": "dog",
        "dog/bark1.wav": "dog",
        "loose.wav": None,
    }
    assert ds.files.label_from.value_counts().to_dict() == {"folder": 4, "none": 1}
