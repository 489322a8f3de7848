import dataclasses

import pandas as pd
import torch
from conftest import TINY as PROF
from conftest import tiny_images as images
from conftest import tiny_run as run

from helpers.engine import GANRun, config_for


def test_extended_run_equals_a_longer_run_and_keeps_the_original(tmp_path):
    from helpers.studies import extended

    short = run(tmp_path / "a", steps=3)
    short.train(progress=False)
    longer = extended(short, 6, progress=False)
    straight = run(tmp_path / "b", steps=6)
    straight.train(progress=False)
    assert longer.step == 6 and short.step == 3 and longer.out != short.out
    assert longer.frame().drop(columns="seconds").equals(straight.frame().drop(columns="seconds"))


def test_seed_study_reports_each_band(tmp_path, monkeypatch):
    from helpers.studies import seed_study

    monkeypatch.setenv("AUDIOGAN_RUNS", str(tmp_path))
    table = seed_study(dataclasses.replace(PROF, gan_steps=2), [0, 1], images(), device=torch.device("cpu"))
    assert table[["config", "seed"]].values.tolist() == [["collapse", 0], ["collapse", 1], ["stable", 0], ["stable", 1]]
    assert {"balanced", "D won", "D_loss", "G_loss", "D won at", "G back at", "G spread out at"} <= set(table.columns)
    assert str(table["G spread out at"].dtype) == "Int64"
    assert set(table.steps) == {2}


def test_compare_puts_runs_side_by_side_with_steps_as_integers(tmp_path):
    from helpers.analysis import phase
    from helpers.studies import compare

    a, b = run(tmp_path / "a", steps=3), run(tmp_path / "b", name="collapse", steps=4)
    for r in (a, b):
        r.train(progress=False)
    table = compare({"nerfed": a, "equal": b})
    assert table.index.tolist() == ["nerfed", "equal"] and table.steps.tolist() == [3, 4]
    assert table["D won at once"].isna().all()  # too short for act one's window
    assert table.loc["equal", "D_loss"] == phase(b.frame(), 3, 4)["D_loss"]  # last 20% of 4 steps
    assert str(table["D won at"].dtype) == "Int64" and str(table["G spread out at"].dtype) == "Int64"
    assert "IS" not in table  # no judge given, no scores


def test_seed_study_twice_as_long_continues_each_run_and_judges_it(tmp_path, monkeypatch):
    from helpers.studies import seed_study

    monkeypatch.setenv("AUDIOGAN_RUNS", str(tmp_path))
    prof = dataclasses.replace(PROF, gan_steps=2)
    from helpers.models import ResNet9

    judge = ResNet9(width=4)  # any 10-class judge
    table = seed_study(
        prof,
        [0],
        images(),
        device=torch.device("cpu"),
        steps=4,
        classifier=judge,
        reference=images(20).unsqueeze(1).expand(-1, 3, -1, -1),
    )
    assert table.steps.tolist() == [4, 4] and {"IS", "classes", "largest share", "learned"} <= set(table.columns)
    assert (tmp_path / "gan_smoke_stable_seed0" / "checkpoint.pt").is_file()  # the originals stay
    assert (tmp_path / "gan_smoke_stable_seed0_4").is_dir()
    again = seed_study(prof, [0], images(), device=torch.device("cpu"))  # loaded, not retrained
    assert again.steps.tolist() == [2, 2]
    from helpers.studies import seed_runs

    longer = seed_runs(prof, [0], "stable", steps=4)[0]
    assert longer.frame().step.tolist() == [1, 2, 3, 4] and longer.step == 4 and sorted(longer.snapshots) == [2, 4]
    assert seed_runs(prof, [0], "collapse")[0].frame().step.tolist() == [1, 2]


def test_seed_counts_counts_each_band_per_config():
    from helpers.studies import seed_counts

    study = pd.DataFrame(
        {
            "config": ["collapse"] * 3 + ["stable"] * 3,
            "balanced": [0, 0, 0, 1, 1, 0],
            "D won": [1, 0, 0, 0, 0, 0],
            "IS": [1.0, 1.5, 1.0, 1.2, 1.4, 1.0],
        }
    ).astype({"balanced": bool, "D won": bool})
    counts = seed_counts(study)
    assert counts.columns.tolist() == ["of seeds", "balanced", "D won", "mean IS"]
    assert counts.loc["stable"].tolist() == [3, 2, 0, 1.2] and counts.loc["collapse"].tolist() == [3, 0, 1, 1.17]
    study["D won at once"] = [True, True, False, False, False, False]
    study["G back at"] = pd.array([None, 300, 1000, None, None, None], dtype="Int64")  # as seed_study gives it
    counts = seed_counts(study)
    assert counts.loc["collapse", ["D won at once", "G came back"]].tolist() == [2, 2]
    assert counts.loc["stable", ["D won at once", "G came back"]].tolist() == [0, 0]


def test_summarize_folder_reads_story_sweep_and_other_runs_alike(tmp_path):
    """Story runs, a sweep's runs (configured by changes to the nerf) and a run of a configuration this code
    does not name are one table, each with what it changed; nothing is looked up by a name it lacks."""
    from helpers import sweep
    from helpers.studies import summarize_folder

    GANRun(
        dataclasses.replace(PROF, d_act="leaky"),
        config_for("collapse", PROF, steps=2),
        images(),
        out=tmp_path / "story" / "leaky",
    ).train(progress=False)
    GANRun(
        PROF, config_for("stable", PROF, steps=2, joint_batch=True), images(), out=tmp_path / "story" / "joint"
    ).train(progress=False)
    point = sweep.stabilizer_points([0], {"R1 penalty 1": dict(r1_gamma=1.0)})[0]
    sweep.run_point(point, PROF, 2, images(), tmp_path / "sweep_smoke")
    other = dataclasses.replace(config_for("stable", PROF, steps=2), name="someone_elses_recipe", g_lr=1e-3)
    GANRun(PROF, other, images(), out=tmp_path / "other").train(progress=False)
    table = summarize_folder(tmp_path).set_index("run")
    names = [f"{tmp_path}/{n}" for n in ("other", "story/joint", "story/leaky", "sweep_smoke/" + point.name)]
    assert table.index.tolist() == names
    changed = table.changed.tolist()
    assert "g_lr=0.001" in changed[0] and table.config.iloc[0] == "someone_elses_recipe"
    assert "joint_batch=True" in changed[1] and "d_act" not in changed[1]
    assert "d_act=leaky" in changed[2] and "joint_batch" not in changed[2]
    assert "r1_gamma=1.0" in changed[3] and "d_lr=0.0002" in changed[3] and table.config.iloc[3] == "stable"
    assert table.steps.tolist() == [2, 2, 2, 2] and {"balanced", "D won", "G back at"} <= set(table.columns)


def test_a_judged_run_keeps_its_learning_curve_and_resumes_it(tmp_path):
    from helpers.curves import read_curve
    from helpers.models import ResNet9
    from helpers.studies import judged

    judge = ResNet9(width=4)
    reference = images(20).unsqueeze(1).expand(-1, 3, -1, -1)
    spec = {"config": "collapse", "seed": 0, "steps": 4, "d_norm": "layer"}
    run = judged(PROF, images(), spec, tmp_path / "r", judge, reference, every=2)
    assert run.step == 4 and run.prof.d_norm == "layer"
    curve = read_curve(tmp_path / "r")
    assert curve.step.tolist() == [2, 4] and {"IS", "FD", "C2ST", "classes"} <= set(curve.columns)
    assert {"IS (live G)", "FD (live G)", "C2ST (live G)"} <= set(curve.columns)  # the average and the live G
    assert not curve["FD"].equals(curve["FD (live G)"])
    longer = judged(PROF, images(), {**spec, "steps": 6}, tmp_path / "r", judge, reference, every=2)
    assert longer.step == 6 and read_curve(tmp_path / "r").step.tolist() == [2, 4, 6]


def test_a_curve_that_stops_improving_ends_its_run_which_then_counts_as_finished(tmp_path):
    from helpers.curves import read_curve, stalled, stopped_at
    from helpers.models import ResNet9
    from helpers.studies import judged, trained_all

    flat = pd.DataFrame({"IS": [1.0, 2.0, 1.9, 1.8], "FD": [90.0, 50.0, 60.0, 55.0]})
    assert stalled(flat, 2) and not stalled(flat, 3)  # two judgements without a new best; three would reach it
    assert not stalled(flat.assign(FD=[90.0, 50.0, 60.0, 49.0]), 2)  # a new best FD by 2% is progress,
    assert stalled(flat.assign(FD=[90.0, 50.0, 60.0, 49.9]), 2)  # by 0.2% it is not
    judge, reference = ResNet9(width=4), images(20).unsqueeze(1).expand(-1, 3, -1, -1)
    spec = {"config": "collapse", "seed": 0, "steps": 4}
    first = judged(PROF, images(), spec, tmp_path / "short", judge, reference, every=2)
    run = judged(
        PROF, images(), {**spec, "steps": 40}, tmp_path / "long", judge, reference, 2, patience=1, start=first.out
    )
    curve = read_curve(run.out)
    assert curve.step.tolist()[:2] == [2, 4] and run.step == curve.step.max() < 40  # went on from step 4, then gave up
    assert stalled(curve, 1) and stopped_at(run.out) == run.step and trained_all([run.out])
    assert read_curve(first.out).step.tolist() == [2, 4]  # the run it continued is left as it was
    again = judged(PROF, images(), {**spec, "steps": 40}, tmp_path / "long", judge, reference, 2, patience=1)
    assert again.step == run.step  # a stopped run is not trained again


def test_the_story_study_reports_both_configs_with_their_steps_and_a_few_samples(tmp_path, monkeypatch):
    from helpers import results
    from helpers.studies import story

    monkeypatch.setenv("AUDIOGAN_RUNS", str(tmp_path))
    prof = dataclasses.replace(PROF, gan_steps=4)
    tables = story(prof, images(), seeds=(0, 1), device=torch.device("cpu"))
    assert set(tables) == {"runs", "histories", "spreads", "snapshots"}
    assert tables["runs"][["config", "seed"]].values.tolist() == [
        ["collapse", 0],
        ["collapse", 1],
        ["stable", 0],
        ["stable", 1],
    ]
    assert len(tables["histories"]) == 4 * 4 and set(tables["spreads"].columns) >= {"spread", "channel gap"}
    snaps = tables["snapshots"]
    assert set(snaps.config) == {"collapse", "stable"} and set(snaps.seed) == {0, 1}
    assert snaps[snaps.seed == 1].step.nunique() == 1  # the other seeds: their last step only
    assert results.unpack(snaps.image.iloc[0]).shape == (32, 32)


def test_snapshot_table_keeps_first_and_last_steps_or_only_the_last():
    from types import SimpleNamespace

    from helpers.results import unpack
    from helpers.studies import snapshot_table

    kept = SimpleNamespace(snapshots={s: torch.full((5, 4, 4), s / 1000) for s in range(50, 451, 50)})
    over = snapshot_table(kept, parts=4, n=2)
    assert sorted(set(over.step)) == [50, 200, 300, 450] and len(over) == 8
    end = snapshot_table(kept, parts=1, n=3)
    assert set(end.step) == {450} and list(end["sample"]) == [0, 1, 2]
    assert abs(unpack(end.image[0]).mean() - 0.45) < 1e-6
    assert snapshot_table(SimpleNamespace(snapshots={}), parts=1).empty


def test_a_studys_training_time_counts_each_runs_own_steps_once():
    from helpers.studies import training_minutes

    runs = pd.DataFrame({"minutes": [10.0, 40.0]})  # the second run went on from the first: 10 of its 40 are shared
    assert training_minutes({"runs": runs}) == 50.0
    assert training_minutes({"runs": runs, "times": pd.DataFrame({"minutes": [10.0, 30.0]})}) == 40.0
    assert training_minutes({"points": runs.drop(columns="minutes")}) is None
