"""What the story claims, as tests on a run's history and on its fixed-z samples.

Act one, equal learning rates: **D wins at once.** Over steps 101-300 (the window the original project's logs
match) the median D_loss is below 0.05 and the median G_loss above 4, and at step 300 the Generator's
samples of 16 fixed latent vectors are nearly one image. Medians, so that a single wild step (a "jolt") does
not decide.

Act two, D learning 10x slower: **the game is balanced.** Over the last 20% of the steps the mean D_loss lies
in 0.3-0.8 and the mean G_loss in 0.8-2.5.

Whether D's win lasts is reported beside them (``reign``, and ``balance``'s "D won" over the last 20%): a
beaten Generator can still escape later, by chance.
"""

from __future__ import annotations

import pandas as pd

EARLY = (100, 300)  # steps 101-300
QUICK_WIN = {"D_loss": 0.05, "G_loss": 4.0}  # medians over EARLY: D_loss below, G_loss above
BANDS = {"D_loss": (0.3, 0.8), "G_loss": (0.8, 2.5)}  # means over the last 20%: the balanced game
COLLAPSE = {"D_loss": 0.05, "G_loss": 4.0}  # means over the last 20%: D still winning at the end
SPREAD_LINE = 0.1  # pixel std across fixed-z samples: about 0.01 for one image, 0.23 for real clips
REIGN = ("D won at", "G back at")  # the two turns of an equal-LR fight (see reign)
SPREAD = "G spread out at"  # when the fixed-z samples stopped being one image (see spread_out_at)
LOSSES = ["D_loss", "G_loss", "D(x)", "D(G(z))"]


def phase(history: pd.DataFrame, start: int, stop: int, how: str = "mean") -> dict:
    """D_loss, G_loss, D(x) and D(G(z)) over the steps ``start`` < step <= ``stop``, by ``how`` ("mean" or
    "median"): one phase of a run."""
    part = history[(history.step > start) & (history.step <= stop)]
    return {c: float(getattr(part[c], how)()) for c in LOSSES}


def last_fifth(history: pd.DataFrame) -> dict:
    """Means over the last 20% of the steps: where the run settled."""
    steps = int(history.step.max()) if len(history) else 0
    return phase(history, int(steps * 0.8), steps)


def quick_win(history: pd.DataFrame, snapshots: dict) -> dict:
    """Act one's test: medians over steps 101-300, the fixed-z spread at step 300, and whether D won at once."""
    early = phase(history, *EARLY, how="median")
    spread = spread_at(snapshots, EARLY[1])
    won = early["D_loss"] < QUICK_WIN["D_loss"] and early["G_loss"] > QUICK_WIN["G_loss"] and spread < SPREAD_LINE
    return {
        "early D_loss": early["D_loss"],
        "early G_loss": early["G_loss"],
        "spread at 300": spread,
        "D won at once": won,
    }


def balance(history: pd.DataFrame) -> dict:
    """Act two's test, over the last 20% of the steps: the mean losses, whether they sit in the balanced
    bands, and whether D was still winning at the end instead."""
    m = last_fifth(history)
    return {
        "D_loss": m["D_loss"],
        "G_loss": m["G_loss"],
        "balanced": all(lo <= m[k] <= hi for k, (lo, hi) in BANDS.items()),
        "D won": m["D_loss"] < COLLAPSE["D_loss"] and m["G_loss"] > COLLAPSE["G_loss"],
    }


def reign(history: pd.DataFrame, span: int = 100, line: float = COLLAPSE["D_loss"]) -> dict:
    """When D's win began and when the Generator broke it, as steps (None: never).

    D is winning while the median D_loss of the last ``span`` steps is below the line: most of those steps are
    clear wins. A median, not a mean, so that one wild step (D_loss 5 or more happens) is a jolt rather than a
    comeback. Whether D won back the lead by the end is ``balance``'s "D won"."""
    winning = history.D_loss.rolling(span).median() < line
    flips = history.step[winning != winning.shift(fill_value=False)].tolist()  # steps where the state changed
    return {key: (int(flips[i]) if i < len(flips) else None) for i, key in enumerate(REIGN)}


def sample_spread(snapshots: dict) -> pd.Series:
    """Pixel std across the fixed-z samples at each kept step: near 0 while every z gives the same image."""
    return pd.Series(
        {step: float(x.reshape(len(x), -1).std(0).mean()) for step, x in sorted(snapshots.items())}, dtype=float
    )


def spread_at(snapshots: dict, step: int) -> float:
    """``sample_spread`` at the last kept step at or before ``step`` (NaN if none was kept by then)."""
    spread = sample_spread(snapshots)
    spread = spread[spread.index <= step]
    return float(spread.iloc[-1]) if len(spread) else float("nan")


def spread_out_at(snapshots: dict, line: float = SPREAD_LINE) -> int | None:
    """The first kept step at which the fixed-z samples spread out (std across them strictly above ``line``)
    after having been below it; None if they never did. Only a rise from below counts, so a Generator whose
    samples differ from the start is not mistaken for one that broke out of a collapse."""
    return breakout(sample_spread(snapshots), line)


def breakout(spread: pd.Series, line: float = SPREAD_LINE) -> int | None:
    """``spread_out_at`` for a spread already measured: the first step strictly above ``line`` after one
    strictly below it."""
    collapsed = spread[spread < line]
    if collapsed.empty:
        return None
    later = spread[(spread.index > collapsed.index[0]) & (spread > line)]
    return int(later.index[0]) if len(later) else None
