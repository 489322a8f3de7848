"""The README's results table and its notebook times, written from the committed results (``results/``),
never typed by hand.

python -m helpers.readme          # rewrite what lies between the markers in README.md
python -m helpers.readme --check  # exit 1 if README.md and results/ disagree (tests/test_readme.py)
"""

from __future__ import annotations

import sys

import pandas as pd

from . import results
from .config import PROFILES, REPO
from .studies import SEEDS

START, END = "<!-- results: written by `python -m helpers.readme` from results/ -->", "<!-- results: end -->"
TIMES_START = "<!-- times: written by `python -m helpers.readme` from results/cpu/make_run -->"
TIMES_END = "<!-- times: end -->"
ORIGINAL = {"collapse": "D_loss 0.0024, G_loss 6.68 (when, not said)", "stable": "D_loss 0.46, G_loss 1.30"}


def span(values, digits: int = 2) -> str:
    """``a-b`` over a column (one value when they agree at that precision)."""
    lo, hi = f"{min(values):.{digits}f}", f"{max(values):.{digits}f}"
    return lo if lo == hi else f"{lo}-{hi}"


def count(flags) -> str:
    flags = list(flags)
    return f"{sum(bool(f) for f in flags)} of {len(flags)}"


def seeds_of(runs: pd.DataFrame) -> str:
    return "seeds " + ", ".join(str(s) for s in sorted(runs.seed.unique()))


def act_one(runs: pd.DataFrame) -> tuple[str, str]:
    """Seed 0 and all seeds of the equal-LR runs, over steps 101-300."""
    eq = runs[runs.config == "collapse"].sort_values("seed")
    first = eq.iloc[0]
    return (
        f"D_loss {first['early D_loss']:.4f}, G_loss {first['early G_loss']:.2f}, spread {first['spread at 300']:.3f}",
        f"{seeds_of(eq)}: D won at once in {count(eq['D won at once'])} (D_loss {span(eq['early D_loss'], 4)}, "
        f"G_loss {span(eq['early G_loss'])})",
    )


def last_fifth(runs: pd.DataFrame, config: str) -> tuple[str, str]:
    """Seed 0 and all seeds of one configuration, over the last 20% of the steps."""
    r = runs[runs.config == config].sort_values("seed")
    first = r.iloc[0]
    score = f"; IS {first['IS']:.2f}" if "IS" in r else ""
    seed0 = f"D_loss {first['D_loss']:.3f}, G_loss {first['G_loss']:.2f}{score}"
    verdict = f"balanced in {count(r.balanced)}" if config == "stable" else f"D still winning in {count(r['D won'])}"
    scores = f"; IS {span(r['IS'])}" if "IS" in r else ""
    return seed0, f"{seeds_of(r)}: {verdict} (D_loss {span(r.D_loss, 3)}, G_loss {span(r.G_loss)}){scores}"


def table(profile: str = "cpu") -> str:
    """The markdown table: the story's two acts beside the original report, then the other studies."""
    rows = ["| | original report | this project, seed 0 | over seeds |", "|---|---|---|---|"]
    if results.committed("story", profile):
        runs = results.read("story", profile)["runs"]
        seed0, seeds = act_one(runs)
        rows.append(f"| equal LR, steps 101-300 (medians) | {ORIGINAL['collapse']} | {seed0} | {seeds} |")
        seed0, seeds = last_fifth(runs, "collapse")
        rows.append(f'| equal LR, last 20% (means) | "G learned nothing" | {seed0} | {seeds} |')
        seed0, seeds = last_fifth(runs, "stable")
        rows.append(f"| nerfed D, last 20% (means) | {ORIGINAL['stable']} | {seed0} | {seeds} |")
    if results.committed("seed_screen", profile):
        screen = results.read("seed_screen", profile)["runs"]
        won = " / ".join(
            f"{count(t['D won at once'])} with {n} thread{'s' * (n > 1)}" for n, t in screen.groupby("threads")
        )
        rows.append(
            f"| the screen that chose the notebooks' seeds: equal LR, steps 101-300 | | | "
            f"{seeds_of(screen)}: D won at once in {won} |"
        )
    if results.committed("one_thread", profile):
        runs = results.read("one_thread", profile)["runs"]
        runs = runs[runs.seed.isin(SEEDS)]  # the notebooks' seeds; the screen above has seed 1
        seed0, seeds = act_one(runs)
        rows.append(f"| one CPU thread: equal LR, steps 101-300 | | {seed0} | {seeds} |")
        seed0, seeds = last_fifth(runs, "stable")
        rows.append(f"| one CPU thread: nerfed D, last 20% | | {seed0} | {seeds} |")
    if results.committed("channel_tell", profile):
        tell = results.read("channel_tell", profile)
        seed0, seeds = act_one(tell["runs"])
        rows.append(f"| G copies one channel (no tell), one thread: equal LR, steps 101-300 | | {seed0} | {seeds} |")
        seed0, seeds = last_fifth(tell["runs"], "stable")
        rows.append(f"| G copies one channel, one thread: nerfed D, last 20% | | {seed0} | {seeds} |")
        probe = tell["probe"]
        at = ", ".join(
            f"step {s}: {span(probe[probe.step == s]['probe accuracy'])}" for s in sorted(probe.step.unique())
        )
        rows.append(f"| a classifier that sees only G's channel differences, accuracy against real clips | | | {at} |")
    if results.committed("per_image", profile):
        seed0, seeds = act_one(results.read("per_image", profile)["runs"])
        rows.append(
            "| D with a per-image layer norm instead of BatchNorm, one thread: equal LR, steps 101-300 | "
            f"| {seed0} | {seeds} |"
        )
    if results.committed("sweep", profile):
        rows += sweep_rows(results.read("sweep", profile))
    if results.committed("digits", profile):
        rows += digits_rows(results.read("digits", profile), PROFILES[profile])
    return "\n".join(rows)


def sweep_rows(t: dict) -> list[str]:
    """Notebook 07's longer check: the best points of the short sweep (other than the story's two ratios) at
    the full length, seed 0 and over their seeds."""
    from .sweep import ANCHORS

    long = t["long"].astype({"label": str})
    rows = []
    for (group, label), r in long[~((long.group == "ratio") & long.label.isin(ANCHORS))].groupby(
        ["group", "label"], sort=False
    ):
        r, name = r.sort_values("seed"), f"ratio {label}" if group == "ratio" else f"{label} at equal rates"
        first = r.iloc[0]
        rows.append(
            f"| {name}, {int(first.steps):,} steps (notebook 07) | | IS {first.IS:.2f}, FD {first.FD:.0f} | "
            f"{seeds_of(r)}: IS {span(r.IS)}, FD {span(r.FD, 0)}; balanced in {count(r.balanced)}, "
            f"D still winning in {count(r['D won'])} |"
        )
    return rows


def digits_rows(t: dict, prof) -> list[str]:
    """Notebook 08's lines: the story's nerfed run through G's average at its own length, then both recipes for
    seed 0 and over their seeds, as a share of the real clips' Inception Score, with how many seeds meet every
    goal."""
    from .digits import recipe_runs, story_at_its_length

    real, runs, goals = t["real"].iloc[0], t["runs"], t["goals"]
    story = story_at_its_length(t["curves"], prof)
    rows = [
        f"| real held-out clips, by the same judge | | IS {real['IS']:.2f} | |",
        f"| nerfed D at {int(story.step):,} steps, sampled through G's weight average (notebook 08) | | "
        f"IS {story['IS']:.2f} (live G {story['IS (live G)']:.2f}), FD {story['FD']:.0f} | |",
    ]
    titles = {
        "recipe": "the unconditional recipe: per-image D, augmentation, D names the real digits",
        "conditional": "the conditional recipe: the same, and G asked for a digit",
    }
    for name, title in titles.items():
        r = recipe_runs(runs, name).sort_values("seed")
        first, share = r.iloc[0], 100 * r.IS / real["IS"]
        read = name == "conditional"
        met = goals[goals.recipe == name].groupby("seed").met.all()
        rows.append(
            f"| {title}, {int(first.steps):,} steps (notebook 08) | | IS {first.IS:.2f} ({share.iloc[0]:.0f}% of "
            f"real), FD {first.FD:.0f}, two-sample test {first.C2ST:.2f}{as_asked(first['worst class'], read)} | "
            f"{seeds_of(r)}: IS {span(r.IS)} ({span(share, 0)}% of real), two-sample test {span(r.C2ST)}"
            f"{as_asked(r['worst class'].min(), read)}; every goal met in {count(met)} |"
        )
    return rows


def as_asked(share: float, conditional: bool) -> str:
    return f", worst digit read as asked {share:.0%}" if conditional else ""


def times(profile: str = "cpu") -> str:
    """How long each notebook took in a timed ``make run`` from a fresh clone (``results/<profile>/make_run``,
    from ``tools/run_notebooks.py``'s ``runs/make_run_times.csv``)."""
    if not results.committed("make_run", profile):
        return "Not measured yet."
    t, m = results.read("make_run", profile)["times"], results.made("make_run", profile)
    notebooks, total = t[t.notebook != "total"], t[t.notebook == "total"].minutes.iloc[0]
    rows = ["| notebook | minutes |", "|---|---|"]
    rows += [f"| `{r.notebook}` | {r.minutes:.1f} |" for r in notebooks.itertuples()]
    rows.append(f"| all of them | {total:.1f} |")
    return (
        f"`{m['command']}`, from a fresh clone at commit {m['commit'][:8]} on {m['date']}, {m['machine']}: "
        f"{total:.0f} minutes for the notebooks, {m['wall minutes']:.0f} in all with creating `.venv` and "
        f"copying the recordings.\n\n" + "\n".join(rows)
    )


def between(text: str, start: str, end: str, body: str) -> str:
    """``text`` with what lies between ``start`` and ``end`` replaced by ``body``."""
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    return f"{head}{start}\n{body}\n{end}{tail}"


def render(text: str, profile: str = "cpu") -> str:
    """``text`` (the README) with the results table, and the notebook times where it has their markers, written
    afresh."""
    text = between(text, START, END, table(profile))
    return between(text, TIMES_START, TIMES_END, times(profile)) if TIMES_START in text else text


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path = REPO / "README.md"
    text = path.read_text()
    if START not in text or END not in text:
        print(f"README.md has no results markers ({START} ... {END})", file=sys.stderr)
        return 1
    new = render(text)
    if "--check" in argv:
        if new != text:
            print("README.md's results table differs from results/: run `python -m helpers.readme`", file=sys.stderr)
            return 1
        return 0
    path.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
