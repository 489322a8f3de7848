"""Turn a percent-format script (``# %%`` code cells, ``# %% [markdown]`` text cells) into an .ipynb.

    python tools/build_notebook.py notebooks/src/01_data_exploration.py   # writes notebooks/01_data_exploration.ipynb
    python tools/build_notebook.py --text notebooks/src/05_nerfed_stable_run.py  # only the prose, outputs kept

The .py files under notebooks/src are the reviewable source; the .ipynb files are what readers open, committed
with the outputs of a real run (``make run``).
"""
import sys
from pathlib import Path

import nbformat


def cells(text: str):
    blocks = text.split("# %%")[1:]
    for block in blocks:
        head, _, body = block.partition("\n")
        body = body.strip("\n")
        if head.strip() == "[markdown]":
            yield nbformat.v4.new_markdown_cell("\n".join(l[2:] if l.startswith("# ") else l.lstrip("#")
                                                          for l in body.splitlines()))
        else:
            yield nbformat.v4.new_code_cell(body)


def build(src: Path) -> Path:
    nb = nbformat.v4.new_notebook(cells=list(cells(src.read_text())))
    nb.metadata.update(kernelspec={"name": "python3", "display_name": "Python 3", "language": "python"},
                       language_info={"name": "python"})
    out = src.parent.parent / (src.stem + ".ipynb")
    nbformat.write(nb, out)
    return out


def update_text(src: Path) -> Path:
    """Copy the markdown cells of ``src`` into its executed notebook, keeping every code cell and output.

    For prose written after a long run: refuses if the code cells differ, since then the outputs would not be
    the code's."""
    out = src.parent.parent / (src.stem + ".ipynb")
    nb, new = nbformat.read(out, as_version=4), list(cells(src.read_text()))
    kinds = lambda cs: [(c.cell_type, c.source if c.cell_type == "code" else "") for c in cs]
    if kinds(nb.cells) != kinds(new):
        raise SystemExit(f"{out}: its code cells differ from {src}; rebuild and re-execute it instead")
    for old, cell in zip(nb.cells, new):
        if cell.cell_type == "markdown":
            old.source = cell.source
    nbformat.write(nb, out)
    return out


if __name__ == "__main__":
    text_only = "--text" in sys.argv
    for arg in (a for a in sys.argv[1:] if a != "--text"):
        print((update_text if text_only else build)(Path(arg)))
