"""Figures the notebooks share: spectrogram grids, waveforms, histograms, training curves."""

from __future__ import annotations

import librosa.display
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from .config import Features


def specshow(ax, db: np.ndarray, f: Features, title: str = "", colorbar: bool = False, **kw):
    """One log-mel image on a mel-frequency axis (Hz) against time (s)."""
    kw.setdefault("cmap", "magma")
    img = librosa.display.specshow(
        db, sr=f.sample_rate, hop_length=f.hop, x_axis="s", y_axis="mel", fmin=f.fmin, fmax=f.fmax, ax=ax, **kw
    )
    ax.xaxis.set_major_locator(MaxNLocator(3))
    ax.set(title=title, xlabel="time (s)", ylabel="Hz (mel scale)")
    ax.title.set_fontsize(9)
    if colorbar:
        plt.colorbar(img, ax=ax, format="%+.0f dB" if np.min(db) < -1.5 else "%+.1f")
    return img


def spectrogram_grid(
    dbs, f: Features, titles=None, cols: int = 5, suptitle: str = "", vmin=None, vmax=None, size: float = 1.9
):
    """A grid of log-mel images with shared colour limits; axes labelled only on the outer edge."""
    dbs = np.asarray(dbs)
    rows = int(np.ceil(len(dbs) / cols))
    fig, axes = plt.subplots(
        rows, cols, figsize=(size * cols, size * 0.9 * rows + 0.4), squeeze=False, sharex=True, sharey=True
    )
    vmin = np.min(dbs) if vmin is None else vmin
    vmax = np.max(dbs) if vmax is None else vmax
    for i, ax in enumerate(axes.flat):
        if i >= len(dbs):
            ax.axis("off")
            continue
        specshow(ax, dbs[i], f, titles[i] if titles is not None else "", vmin=vmin, vmax=vmax)
        if i % cols:
            ax.set_ylabel("")
        if i < len(dbs) - cols:
            ax.set_xlabel("")
    fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def waveform(ax, y: np.ndarray, sample_rate: int, title: str = ""):
    """Amplitude against time in seconds."""
    ax.plot(np.arange(y.size) / sample_rate, y, lw=0.6)
    ax.set(xlabel="time (s)", ylabel="amplitude", title=title)
    ax.title.set_fontsize(9)


def histogram(ax, values, bins=40, title="", xlabel="", marks: dict | None = None):
    """A histogram with labelled vertical marks (medians, thresholds)."""
    ax.hist(values, bins=bins, color="tab:blue", alpha=0.8)
    for label, x in (marks or {}).items():
        ax.axvline(x, color="tab:red", ls="--", lw=1)
        ax.text(x, ax.get_ylim()[1] * 0.95, f" {label}", color="tab:red", va="top", fontsize=8)
    ax.set(title=title, xlabel=xlabel, ylabel="clips")


def confusion(ax, matrix: np.ndarray, classes, title: str = "confusion matrix"):
    """Counts of true (rows) against predicted (columns) classes, with the count written in each cell."""
    ax.imshow(matrix, cmap="Blues")
    for (i, j), n in np.ndenumerate(matrix):
        if n:
            ax.text(
                j, i, str(n), ha="center", va="center", fontsize=7, color="white" if n > matrix.max() / 2 else "black"
            )
    ax.set(
        xticks=range(len(classes)),
        yticks=range(len(classes)),
        xticklabels=classes,
        yticklabels=classes,
        xlabel="predicted digit",
        ylabel="true digit",
        title=title,
    )


def training_curves(history, title: str = "", smooth: int = 25, bands: dict | None = None):
    """D_loss and G_loss (left), D(x) and D(G(z)) (right) per step: faint raw values, bold running means.

    ``bands`` (e.g. {"D_loss": (0.3, 0.8)}) are shaded: where a balanced game's losses should settle."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.4))
    for ax, cols in ((left, ["D_loss", "G_loss"]), (right, ["D(x)", "D(G(z))"])):
        for col, color in zip(cols, ["tab:blue", "tab:orange"]):
            ax.plot(history.step, history[col], color=color, alpha=0.2, lw=0.6)
            ax.plot(history.step, history[col].rolling(smooth, min_periods=1).mean(), color=color, label=col)
            if bands and col in bands:
                ax.axhspan(*bands[col], color=color, alpha=0.08)
        ax.set(xlabel="step (iteration)", xlim=(0, max(1, history.step.max())))
        ax.legend(loc="upper right", fontsize=8)
    left.set(ylabel="BCE loss (nats)", title="losses")
    right.set(ylabel="mean probability 'real'", ylim=(0, 1), title="D(x) on real, D(G(z)) on fake")
    right.axhline(0.5, color="grey", ls=":", lw=1)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def samples_over_time(snapshots: dict, denormalize, f: Features, n: int = 6, rows: int = 5, title: str = ""):
    """The same fixed latent vectors decoded at a few steps of training: rows are steps, columns samples."""
    steps = sorted(snapshots)
    picks = [steps[round(i)] for i in np.linspace(0, len(steps) - 1, min(rows, len(steps)))]
    dbs = np.concatenate([denormalize(snapshots[s][:n]) for s in picks])
    titles = [f"step {s}" if j == 0 else "" for s in picks for j in range(n)]
    return spectrogram_grid(dbs, f, titles=titles, cols=n, suptitle=title, vmin=-80, vmax=0, size=1.6)


def balance_map(table, bands: dict, best: float | None = None, title: str = ""):
    """The sweep over ``g_lr / d_lr``: last-20% losses (left) and Inception Score (right) against the ratio.

    Dots are seeds, lines their means; shaded bands are the balanced zone; ``best`` is marked on both panels."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    ratios = table.ratio.astype(float)
    means = table.assign(ratio=ratios).groupby("ratio")[["D_loss", "G_loss", "IS"]].mean()
    for col, color in (("D_loss", "tab:blue"), ("G_loss", "tab:orange")):
        left.scatter(ratios, table[col], color=color, alpha=0.45, s=18)
        left.plot(means.index, means[col], color=color, marker="o", label=f"{col} (mean of seeds)")
        left.axhspan(*bands[col], color=color, alpha=0.08)
    left.set(xscale="log", yscale="log", ylabel="mean over the last 20% of steps", title="the balance")
    right.scatter(ratios, table.IS, color="tab:green", alpha=0.45, s=18)
    right.plot(means.index, means.IS, color="tab:green", marker="o", label="mean of seeds")
    right.set(xscale="log", ylabel="Inception Score (1 = one class; real clips ~5)", title="what G learned")
    for ax in (left, right):
        ax.set_xlabel("g_lr / d_lr   (<1: D faster, 1: equal, >1: D nerfed)")
        ax.set_xticks(sorted(set(ratios)), [f"{r:g}" for r in sorted(set(ratios))])
        ax.minorticks_off()
        if best is not None:
            ax.axvline(best, color="grey", ls="--", lw=1)
        ax.legend(fontsize=8, loc="best")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def reign_curves(histories: dict, line: float = 0.05, span: int = 100, title: str = "", spreads: dict | None = None):
    """Median D_loss of the last ``span`` steps, one curve per run (log scale), with the "D won" line.

    Below the line D is winning; a dot marks where the Generator broke the win (``train.reign``). With
    ``spreads`` (``train.sample_spread`` of the same runs, same keys) a second panel follows the pixel std
    across the fixed-z samples, a dot where they spread out (``train.spread_out_at``), so that the break in
    D's win can be set beside the moment the Generator stopped making one image."""
    from .analysis import SPREAD_LINE, breakout, reign

    fig, axes = plt.subplots(2 if spreads else 1, 1, figsize=(9.5, 6.2 if spreads else 3.4), sharex=True, squeeze=False)
    ax, colors = axes[0, 0], {}
    for label, history in histories.items():
        median = history.D_loss.rolling(span).median()
        (curve,) = ax.plot(history.step, median, label=label)
        colors[label] = curve.get_color()
        back = reign(history, span, line)["G back at"]
        if back is not None:
            ax.plot(back, median[history.step == back].iloc[0], "o", color=curve.get_color())
    ax.axhline(line, color="grey", ls="--", lw=1)
    ax.text(0.01, line, f" D won: D_loss < {line:g}", transform=ax.get_yaxis_transform(), va="top", fontsize=8)
    ax.set(yscale="log", ylabel=f"D_loss, median of the last {span} steps", title=title)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    if spreads:
        low = axes[1, 0]
        for label, spread in spreads.items():
            low.plot(spread.index, spread.values, color=colors.get(label))
            step = breakout(spread)
            if step is not None:
                low.plot(step, spread[step], "o", color=colors.get(label))
        low.axhline(SPREAD_LINE, color="grey", ls="--", lw=1)
        low.text(
            0.01,
            SPREAD_LINE,
            f" spread out: std > {SPREAD_LINE:g}",
            transform=low.get_yaxis_transform(),
            va="bottom",
            fontsize=8,
        )
        low.set(ylabel="pixel std across fixed-z samples")
    axes[-1, 0].set(xlabel="step (iteration)")
    fig.tight_layout()
    return fig


def channel_curves(tables: dict, title: str = ""):
    """The fixed-z samples over training, one line per run: how far their three channels differ (left; real
    clips: exactly 0) and how different the samples are from each other (right; the spread line marks nearly
    one image). ``tables``: label -> a frame with step, channel gap and spread (``studies.sample_table``)."""
    from .analysis import SPREAD_LINE

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.4), sharex=True)
    for label, t in tables.items():
        left.plot(t.step, t["channel gap"], label=label)
        right.plot(t.step, t.spread, label=label)
    left.axhline(0, color="grey", lw=1)
    left.set(xlabel="step (iteration)", ylabel="mean |channel k - channel 0|", title="the tell: channels disagree")
    right.axhline(SPREAD_LINE, color="grey", ls="--", lw=1)
    right.set(xlabel="step (iteration)", ylabel="pixel std across fixed-z samples", title="one image, or many")
    right.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def learning_curves(curves, real: dict, title: str = ""):
    """The judge's scores over training, one line per run (``curves``: the long table of ``helpers.digits``,
    with a ``run`` label per row): Inception Score, Fréchet distance and two-sample test of G's weight
    average, with the real clips' values (``real``: a ``metrics.brief`` row) as grey lines."""
    panels = (
        ("IS", "Inception Score (higher: more digit-like)"),
        ("FD", "Fréchet distance (lower: closer to real)"),
        ("C2ST", "two-sample test (0.5: indistinguishable)"),
    )
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), sharex=True)
    for ax, (column, label) in zip(axes, panels):
        for run, t in curves.groupby("run", sort=False):
            ax.plot(t.step, t[column], marker="o", ms=3, label=run)
        ax.axhline(real[column], color="grey", ls="--", lw=1)
        ax.set(xlabel="step (iteration)", title=label)
        ax.title.set_fontsize(9)
    axes[1].set_yscale("log")
    axes[-1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.suptitle(title)
    fig.tight_layout()
    return fig
