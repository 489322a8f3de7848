import io
import subprocess
import sys
import tarfile
import zipfile

import pytest
from conftest import write

from helpers import data
from helpers.audio import find_audio

NAMES = ["0_ann_0.wav", "1_ann_0.wav", "2_bob_1.wav"]


@pytest.fixture
def recordings(tmp_path):
    src = tmp_path / "fsdd-1.0" / "recordings"
    for i, name in enumerate(NAMES):
        write(src / name, freq=200 + 50 * i)
    (src.parent / "README.md").write_text("not a recording")
    return src


def digest_of(folder):
    return data._digest(folder)


def test_fsdd_from_a_folder_verifies_and_is_idempotent(tmp_path, recordings, capsys):
    out = tmp_path / "out"
    data.fetch_fsdd(out, recordings.parent, digest=digest_of(recordings), progress=False)
    assert sorted(p.name for p in out.iterdir()) == NAMES
    mtimes = {p: p.stat().st_mtime_ns for p in out.iterdir()}
    data.fetch_fsdd(out, recordings.parent, digest=digest_of(recordings), progress=False)
    assert "already holds" in capsys.readouterr().out
    assert mtimes == {p: p.stat().st_mtime_ns for p in out.iterdir()}


def test_fsdd_from_archives_extracts_only_recordings_and_nothing_escapes(tmp_path, recordings):
    tgz, zp = tmp_path / "fsdd.tar.gz", tmp_path / "fsdd.zip"
    with tarfile.open(tgz, "w:gz") as tar:
        tar.add(recordings.parent, arcname="free-spoken-digit-dataset-1.0")
        evil = tarfile.TarInfo("../../3_evil_0.wav")
        evil.size = 4
        tar.addfile(evil, io.BytesIO(b"RIFF"))
    with zipfile.ZipFile(zp, "w") as z:
        for name in NAMES:
            z.write(recordings / name, f"top/recordings/{name}")
        z.writestr("/etc/9_abs_0.txt", "no")
    want = digest_of(recordings)
    for archive in (zp,):
        out = tmp_path / f"out-{archive.suffix}"
        data.fetch_fsdd(out, archive, digest=want, progress=False)
        assert sorted(p.name for p in out.iterdir()) == NAMES
    with pytest.raises(ValueError, match="do not match the pinned FSDD release"):
        data.fetch_fsdd(tmp_path / "t", tgz, digest=want, progress=False)  # the extra member changes the content
    assert not (tmp_path / "t").exists() and not (tmp_path.parent / "3_evil_0.wav").exists()
    data.fetch_fsdd(tmp_path / "t", tgz, digest=None, progress=False)
    assert (tmp_path / "t" / "3_evil_0.wav").exists()  # taken by its base name, inside the target


def test_fsdd_mismatch_writes_nothing_and_bad_sources_say_why(tmp_path, recordings):
    with pytest.raises(ValueError, match="nothing was written"):
        data.fetch_fsdd(tmp_path / "out", recordings, progress=False)  # the real release's digest
    assert not (tmp_path / "out").exists()
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00" * 10)
    with pytest.raises(FileNotFoundError, match="neither a folder"):
        data.fetch_fsdd(tmp_path / "out", junk, progress=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no recordings named like"):
        data.fetch_fsdd(tmp_path / "out", tmp_path / "empty", progress=False)


def test_fsdd_cli(tmp_path, recordings, monkeypatch):
    monkeypatch.setattr(data, "FSDD_DIGEST", digest_of(recordings))
    code = (
        "import sys, helpers.data as d; d.FSDD_DIGEST = sys.argv[1]; "
        "d.fetch_fsdd.__defaults__ = (None, None, sys.argv[1], True); d.main(sys.argv[2:])"
    )
    out = tmp_path / "cli"
    run = subprocess.run(
        [sys.executable, "-c", code, digest_of(recordings), "fsdd", "--out", str(out), "--source", str(recordings)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert "3 FSDD recordings" in run.stdout and len(find_audio(out)) == 3


def test_digits_cli_makes_a_labelled_set(tmp_path):
    out = tmp_path / "digits"
    run = subprocess.run(
        [sys.executable, "-m", "helpers.data", "digits", "--out", str(out), "--speakers", "2", "--takes", "1"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    files = find_audio(out)
    assert len(files) == 20 and sorted({f.name.split("_")[0] for f in files}) == [str(d) for d in range(10)]
    assert "20 synthesized clips" in run.stdout


def test_ensure_data_makes_the_smoke_set_once(tmp_path, monkeypatch):
    from helpers.config import profile

    root = data.ensure_data(profile("smoke"))
    assert root == tmp_path / "runs" / "smoke_data" and len(find_audio(root)) == 60
    stamp = {p: p.stat().st_mtime_ns for p in find_audio(root)}
    data.ensure_data(profile("smoke"))
    assert stamp == {p: p.stat().st_mtime_ns for p in find_audio(root)}


@pytest.fixture
def empty_repo(tmp_path, monkeypatch):
    """A repository whose data/ holds only its README, with a quick built-in set."""
    from helpers import config

    monkeypatch.setattr(config, "REPO", tmp_path)
    monkeypatch.setattr(data, "REPO", tmp_path)
    monkeypatch.delenv("AUDIOGAN_DATA", raising=False)
    monkeypatch.delenv("FSDD_SOURCE", raising=False)
    real_fetch = data.fetch_digits
    monkeypatch.setattr(data, "fetch_digits", lambda out: real_fetch(out, speakers=2, takes=1, progress=False))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "README.md").write_text("tracked")
    return tmp_path


def test_an_empty_data_folder_gets_fsdd_when_it_can_be_fetched(empty_repo, recordings, monkeypatch):
    from helpers.config import profile

    monkeypatch.setenv("FSDD_SOURCE", str(recordings))
    real, pinned = data.fetch_fsdd, digest_of(recordings)  # these three files stand for the pinned release
    monkeypatch.setattr(data, "fetch_fsdd", lambda out, source: real(out, source, digest=pinned, progress=False))
    root = data.ensure_data(profile("cpu"))
    assert sorted(f.name for f in find_audio(root)) == NAMES and not data.is_stand_in(root)
    assert not (root / "spoken_digits").exists()


def test_an_empty_data_folder_falls_back_to_the_stand_in_and_says_so(empty_repo, monkeypatch, capsys):
    from helpers.config import profile

    def offline(out, source=None):
        raise OSError("no network")

    monkeypatch.setattr(data, "fetch_fsdd", offline)
    root = data.ensure_data(profile("cpu"))
    out = capsys.readouterr().out
    assert "could not fetch FSDD (OSError: no network)" in out and "BUILT-IN STAND-IN" in out
    assert len(find_audio(root / "spoken_digits")) == 20 and data.is_stand_in(root)


def test_the_first_cell_says_when_the_data_is_the_stand_in(empty_repo, monkeypatch, capsys):
    from helpers import notebook

    monkeypatch.setenv("AUDIOGAN_PROFILE", "cpu")
    data.fetch_digits(empty_repo / "data" / "spoken_digits")
    notebook.start()
    assert "BUILT-IN STAND-IN" in capsys.readouterr().out
    (empty_repo / "data" / "spoken_digits").rename(empty_repo / "data" / "mine")  # the user's own clips now
    notebook.start()
    assert "STAND-IN" not in capsys.readouterr().out
