"""Getting audio into ``data/``: the built-in synthetic spoken digits, or the real Free Spoken Digit Dataset.

python -m helpers.data digits [--out DIR] [--seed S]           # offline, eSpeak NG voices
python -m helpers.data fsdd [--out DIR] [--source PATH_OR_URL]  # 3,000 real recordings, CC BY-SA 4.0
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import tarfile
import tempfile
import zipfile
from pathlib import Path

from .audio import find_audio
from .config import REPO, Profile, data_dir, relative

# Free Spoken Digit Dataset (Jakobovski et al., github.com/Jakobovski/free-spoken-digit-dataset), pinned.
FSDD_URL = "https://github.com/Jakobovski/free-spoken-digit-dataset/archive/refs/tags/v1.0.10.tar.gz"
FSDD_FILES = 3000
# sha256 over the sorted lines "name\0sha256(bytes)\n" of every recording: checks content, not archive bytes
# (GitHub's generated archives are not byte-stable, their files are).
FSDD_DIGEST = "99aa5e3a7c822ab55b2a3b47e0b05aeb9f011c54837a12e3831ad24108330829"
RECORDING = re.compile(r"^\d+_[^_/\\]+_\d+\.wav$")


def fetch_digits(
    out: Path | None = None, speakers: int = 30, takes: int = 10, seed: int = 0, progress: bool = True
) -> Path:
    """Synthesize the built-in spoken-digit set (10 digits x speakers x takes clips) into ``out``."""
    from .speech import make_digits  # eSpeak NG is only loaded when a set is made

    out = Path(out or REPO / "data" / "spoken_digits")
    make_digits(out, n_speakers=speakers, takes=takes, seed=seed, progress=progress)
    return out


def fetch_fsdd(
    out: Path | None = None, source: str | Path | None = None, digest: str | None = FSDD_DIGEST, progress: bool = True
) -> Path:
    """Put FSDD's recordings into ``out``, from the pinned release or a local folder, archive or URL.

    Idempotent: a complete, verified copy is left as it is.  Files are verified before they are moved in, and
    only ``<digit>_<speaker>_<take>.wav`` names are taken from an archive, so nothing escapes ``out``."""
    out = Path(out or REPO / "data" / "fsdd")
    if out.is_dir() and _digest(out) == digest:
        print(f"{relative(out)} already holds the verified recordings")
        return out
    source = str(source or FSDD_URL)
    if re.match(r"^https?://", source):
        source = _download(source, progress)
    with tempfile.TemporaryDirectory(dir=_parent(out)) as tmp:
        staged = Path(tmp)
        count = _stage(Path(source), staged)
        found = _digest(staged)
        if digest is not None and found != digest:
            raise ValueError(
                f"the {count} recordings from {source} do not match the pinned FSDD release "
                f"(content digest {found[:12]}..., expected {digest[:12]}...): nothing was written. "
                f"Fetch the original again, or pass a complete copy with --source."
            )
        out.mkdir(parents=True, exist_ok=True)
        for f in staged.iterdir():
            shutil.move(str(f), out / f.name)
    print(f"{relative(out)}: {count} FSDD recordings (CC BY-SA 4.0, Jakobovski et al.)")
    return out


def _parent(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    return out.parent


def _download(url: str, progress: bool) -> str:
    import pooch  # librosa's own download helper; caches under runs/downloads

    return pooch.retrieve(url, known_hash=None, path=REPO / "runs" / "downloads", progressbar=progress)


def _stage(source: Path, staged: Path) -> int:
    """Copy the recordings of a folder, .tar(.gz) or .zip into ``staged``; returns how many."""
    if source.is_dir():
        for p in source.rglob("*.wav"):
            if RECORDING.match(p.name) and not p.name.startswith("."):
                shutil.copy2(p, staged / p.name)
    elif tarfile.is_tarfile(source):
        with tarfile.open(source) as tar:
            for m in tar.getmembers():
                if m.isfile() and RECORDING.match(Path(m.name).name):
                    (staged / Path(m.name).name).write_bytes(tar.extractfile(m).read())
    elif zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as z:
            for name in z.namelist():
                if RECORDING.match(Path(name).name):
                    (staged / Path(name).name).write_bytes(z.read(name))
    else:
        raise FileNotFoundError(f"FSDD source {source} is neither a folder, a .tar(.gz) nor a .zip archive")
    count = len(list(staged.iterdir()))
    if not count:
        raise FileNotFoundError(f"no recordings named like 7_jackson_32.wav in {source}")
    return count


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(p for p in folder.glob("*.wav") if RECORDING.match(p.name)):
        h.update(p.name.encode() + b"\0" + hashlib.sha256(p.read_bytes()).hexdigest().encode() + b"\n")
    return h.hexdigest()


def ensure_data(prof: Profile, source: str | Path | None = None) -> Path:
    """The folder a run reads, made usable: smoke runs get a tiny built-in set; an empty ``data/`` gets FSDD
    (from ``source``, ``$FSDD_SOURCE`` or the pinned release), or the built-in set when that fails."""
    root = data_dir(prof)
    if root.is_dir() and find_audio(root):
        return root
    if prof.name == "smoke":
        return fetch_digits(root, speakers=3, takes=2, progress=False)
    if root == REPO / "data":
        fill(root, source or os.environ.get("FSDD_SOURCE"))
    return root


def fill(root: Path, source: str | Path | None = None) -> Path:
    """Put the real recordings into the empty folder ``root`` (``root/fsdd``), falling back to the built-in
    stand-in (``root/spoken_digits``) only when they cannot be had, and saying why."""
    try:
        return fetch_fsdd(root / "fsdd", source)
    except Exception as e:  # no network, a broken download, a copy that does not verify: all end here
        print(f"could not fetch FSDD ({type(e).__name__}: {e}).\n{STAND_IN_NOTE}")
        return fetch_digits(root / "spoken_digits")


STAND_IN_NOTE = (
    "USING THE BUILT-IN STAND-IN: synthetic eSpeak NG digits, not the FSDD recordings the notebooks' "
    "prose was measured on, so your numbers will differ from it. For the real data: "
    "`python -m helpers.data fsdd` (or `make fsdd FSDD_SOURCE=path/to/a/copy`), then run again."
)


def is_stand_in(root: Path) -> bool:
    """Whether every clip under ``root`` is the built-in synthetic set (``spoken_digits/``)."""
    files = find_audio(root) if Path(root).is_dir() else []
    return bool(files) and all("spoken_digits" in Path(f).relative_to(root).parts for f in files)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.data", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    digits = sub.add_parser("digits", help="synthesize the built-in spoken-digit set (offline)")
    digits.add_argument("--out", type=Path, help="default: data/spoken_digits")
    digits.add_argument("--speakers", type=int, default=30)
    digits.add_argument("--takes", type=int, default=10)
    digits.add_argument("--seed", type=int, default=0)
    fsdd = sub.add_parser("fsdd", help="fetch the Free Spoken Digit Dataset")
    fsdd.add_argument("--out", type=Path, help="default: data/fsdd")
    fsdd.add_argument("--source", help="a local folder, .tar.gz or .zip, or a URL (default: the pinned release)")
    args = parser.parse_args(argv)
    if args.command == "digits":
        out = fetch_digits(args.out, args.speakers, args.takes, args.seed)
        print(f"{relative(out)}: {len(find_audio(out))} synthesized clips")
    else:
        fetch_fsdd(args.out, args.source)


if __name__ == "__main__":
    main()
