"""Notebook 08's study: every run of the ladder and both recipes, trained, judged and checked against the goals."""

import dataclasses
from types import SimpleNamespace

import torch

from helpers import config as cfg

PROF = dataclasses.replace(
    cfg.profile("smoke"),
    batch_size=8,
    log_every=2,
    checkpoint_every=2,
    g_width=8,
    d_width=4,
    latent_size=16,
    gan_steps=2,
    recipe_steps=6,
    conditional_steps=2,
)


def dataset(n=60):
    torch.manual_seed(1)
    images = torch.rand(n, *PROF.features.shape[1:]) * 2 - 1
    idx = torch.arange(n)
    return SimpleNamespace(images=images, labels=idx % 10, split=lambda: (idx[idx % 5 != 0], idx[idx % 5 == 0]))


def test_the_digits_study_trains_judges_and_checks_every_goal(tmp_path, monkeypatch):
    from helpers import digits
    from helpers.models import ResNet9
    from helpers.readme import digits_rows
    from helpers.results import unpack

    monkeypatch.setenv("AUDIOGAN_RUNS", str(tmp_path))
    judge = ResNet9(width=4)
    tables = digits.study(PROF, dataset(), judge)
    runs = tables["runs"]
    # the conditional recipe's seed 0 is on the ladder; the unconditional recipe is there at the story's length
    assert len(runs) == len(digits.LADDER) + 2 * len(digits.RECIPE_SEEDS) - 1
    assert set(runs.run) == set(digits.LADDER) | {""}
    steps = runs.set_index("run").steps
    assert steps["nerfed D (the story's)"] == 2 * PROF.gan_steps and steps["+ augmentation"] == PROF.gan_steps
    assert steps[digits.RECIPE] == PROF.gan_steps and steps["+ G asked for a digit (conditional)"] == 2
    assert (digits.recipe_runs(runs, "recipe").steps == PROF.recipe_steps).all()
    cond = runs[runs.config == "conditional"]
    assert cond["as asked"].notna().all() and runs[runs.config == "recipe"]["as asked"].isna().all()
    assert {"IS", "FD", "C2ST", "near copies"} <= set(runs.columns)
    curves = tables["curves"]
    nerfed = set(curves.step[curves.run == "nerfed D (the story's)"])  # its long curve: beyond its ladder run
    assert {2, 4} < nerfed and max(nerfed) <= digits.curve_steps(PROF) == PROF.recipe_steps
    own = digits.at_own_length(curves, runs)  # the long curves' runs judged where their ladder runs end
    assert list(own.index) == list(digits.LADDER) and (own.step == steps.loc[list(digits.LADDER)]).all()
    ends = tables["curve ends"].set_index("run")
    assert (
        list(ends.index) == list(digits.LONG)
        and ((ends.steps == digits.curve_steps(PROF)) | ends["stopped improving"]).all()
    )
    assert ends.steps[digits.RECIPE] == PROF.recipe_steps and not ends["stopped improving"][digits.RECIPE]
    seed0 = digits.recipe_runs(runs, "recipe").set_index("seed").loc[0]  # the recipe's long curve is its seed 0
    assert seed0.IS == curves[curves.run == digits.RECIPE].set_index("step").IS[PROF.recipe_steps]
    assert (ends["best IS at"] <= ends.steps).all() and {"last IS", "last FD", "last C2ST"} <= set(ends.columns)
    times = tables["times"].set_index("folder")  # each run's own steps, once: a long curve counts what it added
    assert times.index.is_unique and (times.minutes > 0).all()
    recipe_own = cfg.relative(digits.long_specs(PROF)[digits.RECIPE][1])
    assert times.loc[recipe_own, "from step"] == PROF.gan_steps and times.loc[recipe_own, "steps"] == PROF.recipe_steps
    goals = tables["goals"]
    assert goals.goal.iloc[0] == digits.STORY_GOAL
    assert (goals.recipe == "recipe").sum() == len(digits.GOALS["recipe"]) * len(digits.RECIPE_SEEDS)
    counts = digits.seeds_meeting(goals)
    assert (counts["of"] == [1] + [len(digits.RECIPE_SEEDS)] * (len(counts) - 1)).all()
    samples = tables["samples"]
    said = samples[samples.run == "+ G asked for a digit (conditional)"].digit.tolist()
    assert said == list(range(10)) and unpack(samples.image.iloc[0]).shape == PROF.features.shape[1:]
    heard = list(dict.fromkeys(samples.run))  # the ladder in its order, the recipe at its own length after its run
    assert heard == [*list(digits.LADDER)[:-1], digits.recipe_label(PROF), list(digits.LADDER)[-1]]
    rows = digits_rows(tables, PROF)  # the README's lines, from the same tables
    assert len(rows) == 4 and "of 3 |" in rows[2] and "worst digit read as asked" in rows[3]
    again = digits.study(PROF, dataset(), judge)  # trained once: the second call only loads and judges
    assert again["runs"].drop(columns="minutes").equals(runs.drop(columns="minutes"))


def test_the_lane_lines_make_the_runs_the_study_reads(tmp_path, monkeypatch):
    """What ``tools/lane.sh`` trains from a terminal is what the study loads: same folders, same settings."""
    from helpers import digits
    from helpers.train import parse_overrides

    monkeypatch.setenv("AUDIOGAN_RUNS", str(tmp_path))
    lines = digits.lane_lines(PROF)
    folders = [line.split()[0] for line in lines]
    longs = digits.long_specs(PROF).values()
    assert sorted(folders) == sorted(
        {*(cfg.relative(out) for _, out in digits.all_runs(PROF)), *(cfg.relative(out) for _, out, _, _ in longs)}
    )
    for line, (_, out, start, patience) in zip(lines[-len(digits.LONG) :], longs):
        words = line.split()  # a long curve goes on from its run, which an earlier line trains
        assert words[0] == cfg.relative(out) and ("--patience" in words) == (patience > 0)
        if start is None:  # instance noise anneals over the run's length: a longer run starts afresh
            assert "--from" not in words and "instance_noise=0.2" in words
            continue
        assert words[words.index("--from") + 1] == cfg.relative(start)
        assert folders.index(cfg.relative(start)) < folders.index(words[0])
        assert words[words.index("--steps") + 1] == str(digits.curve_steps(PROF))
    recipe_own = digits.long_specs(PROF)[digits.RECIPE][1]  # the recipe's seed 0 is its long curve's line
    assert recipe_own == digits.recipe_specs(PROF)["recipe", 0][1] and folders.count(cfg.relative(recipe_own)) == 1
    words = lines[folders.index(cfg.relative(recipe_own))].split()  # the recipe itself, to its end
    assert words[words.index("--config") + 1 : words.index("--config") + 6] == [
        "recipe",
        "--profile",
        PROF.name,
        "--seed",
        "0",
    ]
    assert (
        words[words.index("--steps") + 1] == str(PROF.recipe_steps)
        and "--set" not in words
        and "--patience" not in words
    )
    for line, (spec, out) in zip(lines, [(spec, out) for spec, out in digits.all_runs(PROF) if out != recipe_own]):
        words = line.split()
        assert words[0] == cfg.relative(out) and words[words.index("--config") + 1] == spec["config"]
        changes = words[words.index("--set") + 1 :] if "--set" in words else []
        expected = {k: v for k, v in spec.items() if k not in ("config", "seed", "steps")}
        assert {**parse_overrides(changes)[0], **parse_overrides(changes)[1]} == expected
