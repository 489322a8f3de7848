"""Pair each lesson source ``notebooks/src/NAME.py`` (jupytext's percent format) with ``notebooks/NAME.ipynb``.

    python tools/sync_notebooks.py [NAME ...]     # bring notebooks up to date with their sources
    python tools/sync_notebooks.py --check        # exit 1 if any source and its notebook disagree

The sources are what is reviewed and edited; the notebooks are what readers open, committed with the outputs
of a real run. A notebook whose code cells still equal its source's keeps every output, with the prose
updated; one whose code changed is rewritten without outputs, to be executed again (``make run``): outputs
are never kept beside code that did not make them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "notebooks" / "src"


def cells(nb, kind: str) -> list[str]:
    return [c.source.strip() for c in nb.cells if c.cell_type == kind]


def read_source(src: Path):
    return jupytext.read(src, fmt="py:percent")


def notebook_of(src: Path) -> Path:
    """``notebooks/src/NAME.py`` -> ``notebooks/NAME.ipynb``."""
    return src.parent.parent / f"{src.stem}.ipynb"


def differences(src: Path) -> list[str]:
    """What differs between a source and its notebook (empty when they agree)."""
    target = notebook_of(src)
    if not target.is_file():
        return [f"{target.name} does not exist"]
    new, old = read_source(src), nbformat.read(target, as_version=4)
    return [
        f"{target.name}: its {kind} cells differ from src/{src.name}"
        for kind in ("code", "markdown")
        if cells(new, kind) != cells(old, kind)
    ]


def sync(src: Path) -> str:
    """Update one notebook from its source; returns what was done."""
    target = notebook_of(src)
    new = read_source(src)
    new.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    if target.is_file():
        old = nbformat.read(target, as_version=4)
        if cells(old, "code") == cells(new, "code"):
            code = iter(c for c in old.cells if c.cell_type == "code")
            new.cells = [next(code) if c.cell_type == "code" else c for c in new.cells]  # outputs kept
            new.metadata = old.metadata
            nbformat.write(new, target)
            return "prose updated, outputs kept"
    nbformat.write(new, target)
    return "code changed: written without outputs, execute it again (make run)"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    names = [a for a in argv if not a.startswith("--")]
    sources = [SOURCES / f"{Path(n).stem}.py" for n in names] or sorted(SOURCES.glob("*.py"))
    if check:
        problems = [p for src in sources for p in differences(src)]
        print("\n".join(problems) or f"{len(sources)} notebooks agree with their sources")
        return 1 if problems else 0
    for src in sources:
        print(f"{src.stem}: {sync(src)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
