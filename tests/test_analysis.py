import numpy as np
import pandas as pd
import pytest
import torch

from helpers.analysis import (
    balance,
    breakout,
    last_fifth,
    phase,
    quick_win,
    reign,
    sample_spread,
    spread_at,
    spread_out_at,
)


def history(steps=400, d_loss=0.5, g_loss=1.5, **at):
    """A synthetic history: constant losses, with ``at={step: (d_loss, g_loss)}`` overriding single steps."""
    rows = {
        "step": np.arange(1, steps + 1),
        "D_loss": np.full(steps, d_loss),
        "G_loss": np.full(steps, g_loss),
        "D(x)": np.full(steps, 0.7),
        "D(G(z))": np.full(steps, 0.3),
    }
    h = pd.DataFrame(rows)
    for step, (d, g) in at.get("points", {}).items():
        h.loc[h.step == step, ["D_loss", "G_loss"]] = d, g
    return h


def snapshots(std_at_300, n=16):
    """Fixed-z samples whose pixel std across the 16 samples is about ``std_at_300`` at step 300."""
    torch.manual_seed(0)
    base = torch.rand(1, 8, 8)
    return {
        250: base + 0.3 * torch.randn(n, 8, 8),
        300: base + std_at_300 * torch.randn(n, 8, 8),
        350: base + 0.3 * torch.randn(n, 8, 8),
    }


def test_quick_win_needs_all_three_conditions():
    won = history(d_loss=0.004, g_loss=6.5)
    assert quick_win(won, snapshots(0.02))["D won at once"]
    assert not quick_win(history(d_loss=0.06, g_loss=6.5), snapshots(0.02))["D won at once"]  # D_loss too high
    assert not quick_win(history(d_loss=0.004, g_loss=3.9), snapshots(0.02))["D won at once"]  # G_loss too low
    assert not quick_win(won, snapshots(0.2))["D won at once"]  # samples differ
    r = quick_win(won, snapshots(0.02))
    assert r["early D_loss"] == pytest.approx(0.004) and r["spread at 300"] == pytest.approx(0.02, rel=0.3)


def test_quick_win_judges_steps_101_to_300_by_medians():
    jolts = {s: (5.0, 0.5) for s in range(110, 190, 10)}  # 8 wild steps out of 200: jolts, not a comeback
    assert quick_win(history(d_loss=0.004, g_loss=6.5, points=jolts), snapshots(0.02))["D won at once"]
    late = {s: (0.7, 1.5) for s in range(301, 401)}  # after step 300: not act one's business
    assert quick_win(history(d_loss=0.004, g_loss=6.5, points=late), snapshots(0.02))["D won at once"]
    early = {s: (0.004, 6.5) for s in range(1, 101)}  # a win before step 101 alone does not count
    assert not quick_win(history(d_loss=0.7, g_loss=1.5, points=early), snapshots(0.02))["D won at once"]
    assert phase(history(d_loss=0.004, points=jolts), 100, 300, how="median")["D_loss"] == pytest.approx(0.004)


def test_balance_needs_both_bands_over_the_last_fifth():
    assert balance(history(1000, 0.5, 1.5))["balanced"]
    assert not balance(history(1000, 0.29, 1.5))["balanced"]  # D too strong
    assert not balance(history(1000, 0.81, 1.5))["balanced"]  # D too weak
    assert not balance(history(1000, 0.5, 2.6))["balanced"]  # G_loss too high
    assert not balance(history(1000, 0.5, 0.7))["balanced"]  # G_loss too low
    early_chaos = {s: (0.001, 9.0) for s in range(1, 801)}  # only steps 801-1000 count
    assert balance(history(1000, 0.5, 1.5, points=early_chaos))["balanced"]
    late = {s: (0.001, 9.0) for s in range(801, 1001)}
    b = balance(history(1000, 0.5, 1.5, points=late))
    assert not b["balanced"] and b["D won"] and b["D_loss"] == pytest.approx(0.001)
    assert last_fifth(history(1000, 0.5, 1.5, points=late))["G_loss"] == pytest.approx(9.0)


def test_spread_at_takes_the_last_kept_step_by_then():
    snaps = snapshots(0.02)
    assert spread_at(snaps, 300) == pytest.approx(sample_spread(snaps)[300])
    assert spread_at(snaps, 349) == pytest.approx(sample_spread(snaps)[300])
    assert np.isnan(spread_at(snaps, 100))


def test_spread_out_at_finds_when_the_samples_stop_being_one_image():
    torch.manual_seed(0)
    base = torch.rand(1, 3, 8, 8)

    def run_of(stds):  # 16 samples around one image, spread by each std
        return {step: base + std * torch.randn(16, 3, 8, 8) for step, std in stds.items()}

    snaps = run_of({50: 0.3, 100: 0.05, 150: 0.01, 200: 0.01, 250: 0.3, 300: 0.02})
    assert sample_spread(snaps).tolist() == pytest.approx([0.3, 0.05, 0.01, 0.01, 0.3, 0.02], rel=0.15)
    assert spread_out_at(snaps) == 250  # diverse at 50, collapsed from 100, out again at 250
    assert spread_out_at(run_of({50: 0.3, 100: 0.01, 150: 0.3})) == 150
    assert spread_out_at({k: v for k, v in snaps.items() if k < 250}) is None  # stayed one image
    assert spread_out_at(run_of({50: 0.3, 100: 0.3})) is None  # never collapsed
    assert spread_out_at({}) is None
    assert breakout(pd.Series({50: 0.3, 100: 0.1, 150: 0.2})) is None  # exactly at the line is not below it


def test_reign_finds_when_d_won_and_when_g_broke_the_win():
    def history(d_loss):
        return pd.DataFrame({"step": range(1, len(d_loss) + 1), "D_loss": d_loss})

    won, broken = [1.0] * 50 + [0.001] * 300, [0.3] * 100  # the median of 100 flips at the 51st step
    assert reign(history(won + broken), span=100) == {"D won at": 101, "G back at": 400}
    assert reign(history(won + broken + [0.001] * 200), span=100) == {"D won at": 101, "G back at": 400}
    assert reign(history(won), span=100) == {"D won at": 101, "G back at": None}
    assert reign(history([0.5] * 400), span=100)["D won at"] is None
    jolt = [0.001] * 200 + [6.0] + [0.001] * 200  # one wild step is not a comeback
    assert reign(history(jolt), span=100) == {"D won at": 100, "G back at": None}
