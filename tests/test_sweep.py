"""The sweep trains each point once, caches it, resumes an interrupted one, and tabulates the map."""

import dataclasses
import json

import pandas as pd
import pytest
import torch

from helpers import config as cfg
from helpers import sweep as sw
from helpers import trained
from helpers.analysis import last_fifth
from helpers.engine import GANRun, config_for, run_dir

PROF = dataclasses.replace(
    cfg.profile("smoke"), batch_size=8, g_width=8, d_width=4, latent_size=16, log_every=1, checkpoint_every=1
)


def images(n=40):
    torch.manual_seed(1)
    return torch.rand(n, *PROF.features.shape[1:]) * 2 - 1


def test_points_cover_the_ratios_and_stabilizers_with_unique_folders():
    ratios, stabs = sw.ratio_points((0, 1, 2)), sw.stabilizer_points((0, 1, 2))
    assert len(ratios) == 3 * len(sw.RATIOS) and len(stabs) == 3 * len(sw.STABILIZERS)
    assert len({p.name for p in ratios + stabs}) == len(ratios + stabs)
    ten = [p for p in ratios if p.label == "10"][0]
    assert ten.changes == dict(g_lr=2e-4, d_lr=2e-5)  # the original project's nerf
    assert all(p.changes["g_lr"] == p.changes["d_lr"] for p in stabs)  # stabilizers fight at equal rates
    assert {k for p in stabs for k in p.changes} - {"g_lr", "d_lr"} == {
        "real_label",
        "instance_noise",
        "spectral_norm",
        "r1_gamma",
        "d_every",
    }


def test_a_finished_sweep_trains_nothing_the_second_time(tmp_path):
    points = sw.ratio_points((0,), (1, 10))
    logs = []
    assert sw.sweep(points, PROF, 3, images(), tmp_path, workers=1, device="cpu", log=logs.append) == {
        p.name: "ok" for p in points
    }
    assert sw.sweep(points, PROF, 3, images(), tmp_path, workers=1, device="cpu", log=logs.append) == {}
    assert logs[-1].startswith("2 of 2 runs already done")
    table = sw.collect(points, tmp_path)
    assert table.label.tolist() == ["1", "10"] and table.steps.tolist() == [3, 3]
    assert {"D_loss", "G_loss", "D(x)", "D(G(z))", "balanced", "D won"} <= set(table.columns)


def test_an_interrupted_point_resumes_from_its_checkpoint(tmp_path):
    point = sw.ratio_points((0,), (10,))[0]
    config = config_for("stable", PROF, seed=0, steps=3, **point.changes)
    interrupted = GANRun(PROF, config, images(), out=tmp_path / point.name, device=torch.device("cpu"))
    interrupted.train(steps=2, progress=False)  # killed after step 2: no done marker
    sw.sweep([point], PROF, 3, images(), tmp_path, workers=1, device="cpu", log=lambda *_: None)
    done = json.loads((tmp_path / point.name / sw.DONE).read_text())
    assert done["steps"] == 3 and done["trained now"] == 1
    assert sw.collect([point], tmp_path).steps.tolist() == [3]


def test_a_longer_sweep_continues_finished_runs_and_refuses_a_shorter_one(tmp_path):
    point, quiet = sw.ratio_points((0,), (10,))[0], dict(workers=1, device="cpu", log=lambda *_: None)
    sw.sweep([point], PROF, 2, images(), tmp_path, **quiet)
    sw.sweep([point], PROF, 4, images(), tmp_path, **quiet)  # done at 2 steps is not done at 4
    done = json.loads((tmp_path / point.name / sw.DONE).read_text())
    assert done["steps"] == 4 and done["trained now"] == 2
    assert pd.read_csv(tmp_path / point.name / "history.csv").step.tolist() == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="trained for 4 steps, more than the 3 asked"):
        sw.sweep([point], PROF, 3, images(), tmp_path, **quiet)


def test_parallel_workers_give_the_same_runs_as_one(tmp_path, monkeypatch):
    points = sw.stabilizer_points((0,), {"smoothing": dict(real_label=0.9), "every 2nd": dict(d_every=2)})
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the same arithmetic in this process as in each worker
    try:
        sw.sweep(points, PROF, 2, images(), tmp_path / "one", workers=1, device="cpu", log=lambda *_: None)
    finally:
        torch.set_num_threads(threads)
    sw.sweep(points, PROF, 2, images(), tmp_path / "two", workers=2, device="cpu", threads=1, log=lambda *_: None)
    one, two = sw.collect(points, tmp_path / "one"), sw.collect(points, tmp_path / "two")
    assert one[["D_loss", "G_loss"]].equals(two[["D_loss", "G_loss"]])


def test_scores_are_cached_per_judge_and_the_map_counts_seeds(tmp_path):
    points = sw.ratio_points((0, 1), (1,))
    sw.sweep(points, PROF, 2, images(), tmp_path, workers=1, device="cpu", log=lambda *_: None)
    from helpers.models import resnet9_for

    torch.manual_seed(0)
    judge = resnet9_for(PROF).eval()
    first = sw.collect(points, tmp_path, judge, images(), n=20)
    cache = tmp_path / points[0].name / "scores.json"
    written = cache.stat().st_mtime_ns
    assert sw.collect(points, tmp_path, judge, images(), n=20)[["IS", "FD"]].equals(first[["IS", "FD"]])
    assert cache.stat().st_mtime_ns == written  # the same judge: read from the cache
    with torch.no_grad():
        judge.head.linear.weight.mul_(5)  # another judge: scored again
    assert not sw.collect(points, tmp_path, judge, images(), n=20).IS.equals(first.IS)
    m = sw.by_point(first)
    assert m.loc[("ratio", "1"), "balanced"].endswith("/2") and "IS std" in m.columns


def test_cli_smoke_profile_trains_scores_and_reads_the_anchors_from_the_story(tmp_path, capsys):
    root = tmp_path / "sweep"
    sw.main(["--profile", "smoke", "--seeds", "0", "--workers", "1", "--confirm", "1", "--out", str(root)])
    out = capsys.readouterr().out
    assert "sweep of 2 runs x 2 steps" in out and "IS" in out  # smoke: two tiny points, scored
    assert len(list(root.glob("*/done"))) == 2
    assert not list((tmp_path / "sweep_long").glob("*/done"))  # smoke's two points are the anchors: not retrained
    assert out.count("/3") >= 4  # ratios 1 and 10 at full length: the story's three seeds each, balanced and won


def test_the_anchors_at_full_length_are_the_story_runs_in_the_sweeps_columns():
    rows = sw.story_anchors(PROF, images())
    assert sorted(set(zip(rows.label, rows.seed))) == sorted((r, s) for r in ("1", "10") for s in (0, 2, 3))
    fair = trained.load(run_dir(PROF, "collapse", 0))  # the story's run, trained by story_anchors
    row = rows.query("label == '1' and seed == 0").iloc[0]
    assert row.D_loss == pytest.approx(last_fifth(fair.frame())["D_loss"]) and row.steps == PROF.gan_steps


def test_the_longer_check_trains_the_best_other_point_and_adopts_a_run_trained_elsewhere(tmp_path):
    points = sw.ratio_points((0,), (1, 10)) + sw.stabilizer_points((0,), {"R1 penalty 1": dict(r1_gamma=1.0)})
    table = pd.DataFrame([{"group": p.group, "label": p.label, "IS": i} for p, i in zip(points, (3.0, 2.0, 1.5))])
    ladder = cfg.runs_dir() / f"digits_{PROF.name}" / "r1"  # notebook 08's R1 run: the same configuration
    config = config_for("collapse", PROF, seed=0, steps=PROF.gan_steps, r1_gamma=1.0)
    GANRun(PROF, config, images(), out=ladder, device=torch.device("cpu")).train(progress=False)
    chosen = sw.longer_check(table, points, PROF, images(), tmp_path / "sweep", k=1, workers=1, log=lambda *_: None)
    assert [p.label for p in chosen] == ["R1 penalty 1"]  # ratio 1 scored higher, but it is an anchor
    done = json.loads((tmp_path / "sweep_long" / chosen[0].name / sw.DONE).read_text())
    assert done["trained now"] == 0 and done["adopted from"].endswith("r1")


def test_an_identical_run_trained_elsewhere_is_adopted_and_a_different_one_is_not(tmp_path):
    nerf, fair = sw.ratio_points((0,), (10,))[0], sw.ratio_points((0,), (1,))[0]
    source = GANRun(
        PROF, config_for("stable", PROF, seed=0, steps=2), images(), out=tmp_path / "stable", device=torch.device("cpu")
    )
    source.train(progress=False)  # notebook 05's run: g_lr / d_lr = 10
    assert not sw.adopt(fair, PROF, 2, tmp_path / "stable", tmp_path / "long")  # another d_lr
    assert not sw.adopt(nerf, PROF, 3, tmp_path / "stable", tmp_path / "long")  # another length
    assert sw.adopt(nerf, PROF, 2, tmp_path / "stable", tmp_path / "long")
    assert json.loads((tmp_path / "long" / nerf.name / sw.DONE).read_text())["trained now"] == 0
    assert sw.collect([nerf], tmp_path / "long").D_loss.item() == pytest.approx(last_fifth(source.frame())["D_loss"])


def test_cli_lists_the_points_and_trains_one_machines_share(tmp_path, capsys):
    sw.main(["--profile", "cpu", "--list"])
    names = capsys.readouterr().out.split()
    assert len(names) == 36 and names[0] == "ratio_0.25_s0" and "stabilizer_R1_penalty_1_s2" in names
    root = tmp_path / "share"
    sw.main(["--profile", "smoke", "--seeds", "0", "--workers", "1", "--out", str(root), "--points", "ratio_10_s0"])
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == ["ratio_10_s0"]
    assert (root / "ratio_10_s0" / sw.DONE).is_file()
    with pytest.raises(SystemExit):
        sw.main(["--profile", "smoke", "--points", "no_such_point"])
