"""Turn a percent-format script (``# %%`` code cells, ``# %% [markdown]`` text cells) into an .ipynb.

    python tools/build_notebook.py notebooks/src/01_data_exploration.py   # writes notebooks/01_data_exploration.ipynb

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


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(build(Path(arg)))
