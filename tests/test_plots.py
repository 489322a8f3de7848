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
    dots = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert len(dots) == 1 and dots[0].get_xdata()[0] == 400 and dots[0].get_color() == ax.get_lines()[1].get_color()


def test_reign_curves_sets_the_sample_spread_beside_the_losses():
    from helpers.plots import reign_curves

    steps = range(1, 451)
    broken = pd.DataFrame({"step": steps, "D_loss": [1.0] * 50 + [0.001] * 300 + [0.3] * 100})
    spread = pd.Series({100: 0.05, 200: 0.02, 300: 0.02, 400: 0.3})
    fig = reign_curves({"seed 1": broken}, spreads={"seed 1": spread})
    top, low = fig.axes
    curve, dot = low.get_lines()[:2]  # the run's curve, then its dot
    assert list(curve.get_xdata()) == [100, 200, 300, 400] and dot.get_xdata()[0] == 400
    assert curve.get_color() == top.get_lines()[0].get_color()  # one colour per run in both panels
    assert len(reign_curves({"seed 1": broken}).axes) == 1  # no spreads, no second panel


def test_learning_curves_draw_each_run_against_the_real_line():
    import pandas as pd

    from helpers.plots import learning_curves

    curves = pd.DataFrame(
        {
            "run": ["a", "a", "b", "b"],
            "step": [1, 2, 1, 2],
            "IS": [1, 2, 1, 3],
            "FD": [9, 5, 9, 4],
            "C2ST": [1, 0.9, 1, 0.8],
        }
    )
    fig = learning_curves(curves, {"IS": 5.2, "FD": 7.0, "C2ST": 0.5})
    lines = fig.axes[0].get_lines()
    assert len(lines) == 3 and list(lines[1].get_ydata()) == [1, 3]  # two runs and the real line
