"""The README's results table is written from results/ by a command, and a test catches drift."""

import pandas as pd

from helpers import readme, results


def story_runs(early_d=(0.004, 0.006), balanced=(True, False)):
    rows = []
    for seed, d, ok in zip((0, 2), early_d, balanced):
        base = {"seed": seed, "early D_loss": d, "early G_loss": 6.0, "spread at 300": 0.02, "IS": 1.5}
        rows.append(
            {
                **base,
                "config": "collapse",
                "D won at once": True,
                "D_loss": 0.01,
                "G_loss": 6.5,
                "balanced": False,
                "D won": True,
            }
        )
        rows.append(
            {
                **base,
                "config": "stable",
                "D won at once": False,
                "D_loss": 0.5 if ok else 0.1,
                "G_loss": 1.6,
                "balanced": ok,
                "D won": False,
            }
        )
    return pd.DataFrame(rows)


def test_the_table_is_made_from_the_committed_results(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "RESULTS", tmp_path)
    results.write("story", "cpu", {"runs": story_runs()}, command="test")
    table = readme.table("cpu")
    assert "seeds 0, 2: D won at once in 2 of 2 (D_loss 0.0040-0.0060" in table
    assert "seeds 0, 2: balanced in 1 of 2" in table
    results.write("story", "cpu", {"runs": story_runs(balanced=(True, True))}, command="test")
    assert "balanced in 2 of 2" in readme.table("cpu")


def test_the_sweeps_lines_are_its_best_points_at_full_length_over_their_seeds(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "RESULTS", tmp_path)
    rows = [("ratio", "1", s, 1.6) for s in (0, 2, 3)] + [
        ("stabilizer", "R1 penalty 1", s, 1.7 + s / 10) for s in (0, 1)
    ]
    long = pd.DataFrame(
        [
            {
                "group": g,
                "label": lab,
                "seed": s,
                "steps": 2400,
                "IS": i,
                "FD": 150.0,
                "balanced": False,
                "D won": False,
            }
            for g, lab, s, i in rows
        ]
    )
    results.write("sweep", "cpu", {"long": long}, command="test")
    table = readme.table("cpu")
    assert (
        "| R1 penalty 1 at equal rates, 2,400 steps (notebook 07) | | IS 1.70, FD 150 | seeds 0, 1: IS 1.70-1.80"
        in table
    )
    assert "ratio 1," not in table  # the story's own runs have their lines above


def test_render_replaces_only_what_lies_between_the_markers(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "RESULTS", tmp_path)
    results.write("story", "cpu", {"runs": story_runs()}, command="test")
    text = f"intro\n{readme.START}\nold table\n{readme.END}\noutro\n"
    new = readme.render(text)
    assert new.startswith("intro\n") and new.endswith(f"{readme.END}\noutro\n") and "old table" not in new
    assert readme.render(new) == new


def test_the_readme_agrees_with_the_committed_results():
    assert readme.main(["--check"]) == 0, "run `python -m helpers.readme` and commit README.md"


def test_the_notebook_times_are_those_make_run_recorded(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "RESULTS", tmp_path)
    text = f"intro\n{readme.TIMES_START}\nold\n{readme.TIMES_END}\n{readme.START}\n{readme.END}\n"
    assert "Not measured yet." in readme.render(text)
    times = pd.DataFrame(
        {"notebook": ["01_data_exploration", "04_equal_lr_collapse", "total"], "minutes": [0.4, 9.6, 10.0]}
    )
    results.write("make_run", "cpu", {"times": times}, command="make run", machine="2 cores", **{"wall minutes": 13.2})
    new = readme.render(text)
    assert "| `04_equal_lr_collapse` | 9.6 |" in new and "| all of them | 10.0 |" in new
    assert "2 cores: 10 minutes for the notebooks, 13 in all" in new and "old" not in new
    assert readme.render(new) == new
