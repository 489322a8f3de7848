"""Committed results: written and read back, and what a notebook falls back to when runs/ lacks a study."""

import json

import pandas as pd
import pytest

from helpers import config as cfg
from helpers import results, studies


@pytest.fixture
def results_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "RESULTS", tmp_path / "results")
    return tmp_path / "results"


def test_a_study_is_written_compactly_with_how_it_was_made_and_read_back(results_dir):
    table = pd.DataFrame({"seed": [0, 1], "D_loss": [0.123456789, 0.5]})
    out = results.write("story", "cpu", {"runs": table}, command="python -m helpers.studies make story", seconds=90)
    assert out == results_dir / "cpu" / "story" and results.committed("story", "cpu")
    made = json.loads((out / "made.json").read_text())
    assert made["command"] == "python -m helpers.studies make story" and made["training minutes"] == 1.5
    assert made["tables"] == ["runs"] and len(made["commit"]) >= 7
    back = results.read("story", "cpu")["runs"]
    assert back.seed.tolist() == [0, 1] and back.D_loss.tolist() == [0.12346, 0.5]  # 5 significant digits
    assert "made by `python -m helpers.studies make story`" in results.describe("story", "cpu")


def test_a_notebook_reads_the_committed_study_when_runs_lack_it(results_dir, capsys):
    results.write("story", "cpu", {"runs": pd.DataFrame({"seed": [0]})}, command="make studies")
    cpu = cfg.profile("cpu")

    def make():
        raise AssertionError("trained although the committed results were there")

    shown = studies.shown("story", cpu, make, present=lambda: False)
    assert shown["runs"].seed.tolist() == [0] and "read from" in capsys.readouterr().out


def test_runs_of_ones_own_come_first_and_smoke_never_reads_cpu_results(results_dir):
    results.write("story", "cpu", {"runs": pd.DataFrame({"seed": [0]})}, command="make studies")
    mine = {"runs": pd.DataFrame({"seed": [7]})}
    assert studies.shown("story", cfg.profile("cpu"), lambda: mine, present=lambda: True) is mine
    assert studies.shown("story", cfg.profile("smoke"), lambda: mine, present=lambda: False) is mine
    assert studies.shown("other", cfg.profile("cpu"), lambda: mine, present=lambda: False) is mine  # none committed


def test_every_committed_study_loads():
    found = sorted(p.parent for p in results.RESULTS.glob("*/*/made.json"))
    for folder in found:
        made = json.loads((folder / "made.json").read_text())
        tables = results.read(made["study"], made["profile"])
        assert sorted(tables) == made["tables"] and all(len(t) for t in tables.values()), folder
        assert made["command"].startswith(("python -m helpers.", "make run")) and made["commit"] != "unknown"


def test_an_image_packs_into_one_cell_and_back():
    import numpy as np

    image = np.linspace(-1, 1, 32 * 16, dtype=np.float32).reshape(32, 16)
    cell = results.pack(image)
    assert cell.startswith("32x16:") and np.allclose(results.unpack(cell), image, atol=5e-4)


def test_packed_cells_come_back_as_decibels_one_image_at_a_time():
    import numpy as np

    images = [np.full((4, 2), v, dtype=np.float32) for v in (-1.0, 0.0, 1.0)]  # three: not mistaken for channels
    dbs = results.decibels([results.pack(x) for x in images], lambda x: x * 10 - 50)
    assert dbs.shape == (3, 4, 2) and np.allclose(dbs[:, 0, 0], [-60, -50, -40])
