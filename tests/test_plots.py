import matplotlib

matplotlib.use("Agg")
import pandas as pd


def test_reign_curves_draws_each_run_and_marks_the_comeback():
    from helpers.plots import reign_curves

    steps = range(1, 451)
    held = pd.DataFrame({"step": steps, "D_loss": [1.0] * 50 + [0.001] * 400})
    broken = pd.DataFrame({"step": steps, "D_loss": [1.0] * 50 + [0.001] * 300 + [0.3] * 100})
    ax = reign_curves({"seed 0": held, "seed 1": broken}).axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["seed 0", "seed 1"]
    dots = [l for l in ax.get_lines() if l.get_marker() == "o"]
    assert len(dots) == 1 and dots[0].get_xdata()[0] == 400 and dots[0].get_color() == ax.get_lines()[1].get_color()
