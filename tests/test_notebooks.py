"""The notebooks' sources (notebooks/src, jupytext percent format) and the committed notebooks agree."""

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import sync_notebooks  # noqa: E402

SOURCE = """# %% [markdown]
# # A lesson
# Some prose.

# %%
x = 1 + 1
x

# %% [markdown]
# More prose.

# %%
print(x)
"""


def test_every_notebook_agrees_with_its_source():
    sources = sorted((ROOT / "notebooks" / "src").glob("*.py"))
    assert sources and [p for src in sources for p in sync_notebooks.differences(src)] == []


def test_prose_edits_keep_outputs_and_code_edits_drop_them(tmp_path):
    src = tmp_path / "notebooks" / "src" / "lesson.py"
    src.parent.mkdir(parents=True)
    src.write_text(SOURCE)
    assert "without outputs" in sync_notebooks.sync(src)
    target = tmp_path / "notebooks" / "lesson.ipynb"
    nb = nbformat.read(target, as_version=4)
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "markdown", "code"]
    nb.cells[3].outputs = [nbformat.v4.new_output("stream", name="stdout", text="2\n")]  # as if executed
    nbformat.write(nb, target)

    src.write_text(SOURCE.replace("More prose.", "Better prose."))
    assert sync_notebooks.differences(src) == ["lesson.ipynb: its markdown cells differ from src/lesson.py"]
    assert "outputs kept" in sync_notebooks.sync(src)
    nb = nbformat.read(target, as_version=4)
    assert nb.cells[2].source == "Better prose." and nb.cells[3].outputs[0].text == "2\n"
    assert sync_notebooks.differences(src) == []

    src.write_text(SOURCE.replace("More prose.", "Better prose.").replace("print(x)", "print(x + 1)"))
    assert sync_notebooks.differences(src) == ["lesson.ipynb: its code cells differ from src/lesson.py"]
    assert "without outputs" in sync_notebooks.sync(src)
    nb = nbformat.read(target, as_version=4)
    assert nb.cells[3].source == "print(x + 1)" and nb.cells[3].outputs == []
