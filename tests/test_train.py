import dataclasses
import subprocess
import sys

import pandas as pd
import pytest
import torch
from torch import nn

from helpers import config as cfg
from helpers.train import COLUMNS, GANRun, TrainingDiverged, config_for, summarize

PROF = dataclasses.replace(cfg.profile("smoke"), batch_size=8, log_every=2, checkpoint_every=3, g_width=8,
                           d_width=4, latent_size=16)


def images(n=40):
    torch.manual_seed(1)
    return torch.rand(n, *PROF.features.shape[1:]) * 2 - 1


def run(tmp_path, name="stable", **kw):
    return GANRun(PROF, config_for(name, PROF, **kw), images(), out=tmp_path / name, device=torch.device("cpu"))


def test_a_step_changes_both_networks_and_records_the_four_numbers(tmp_path):
    r = run(tmp_path)
    g0 = [p.clone() for p in r.G.parameters()]
    d0 = [p.clone() for p in r.D.parameters()]
    row = r.train_step()
    assert all(not torch.equal(a, b) for a, b in zip(g0, r.G.parameters()))
    assert all(not torch.equal(a, b) for a, b in zip(d0, r.D.parameters()))
    assert list(row) == COLUMNS and row["step"] == 1
    assert 0 < row["D(x)"] < 1 and 0 < row["D(G(z))"] < 1 and row["D_loss"] > 0 and row["G_loss"] > 0


def test_the_two_configs_differ_only_in_d_lr():
    a, b = (dataclasses.asdict(config_for(n, PROF)) for n in ("collapse", "stable"))
    assert {k for k in a if a[k] != b[k]} == {"name", "d_lr"}
    assert a["d_lr"] == a["g_lr"] == b["g_lr"] == 10 * b["d_lr"] == 2e-4


def test_history_csv_checkpoints_and_snapshots(tmp_path):
    r = run(tmp_path, steps=5)
    history = r.train(progress=False)
    assert list(history.columns) == COLUMNS and history.step.tolist() == [1, 2, 3, 4, 5]
    saved = pd.read_csv(tmp_path / "stable" / "history.csv")
    assert saved.step.tolist() == [1, 2, 3, 4, 5]
    assert sorted(r.snapshots) == [2, 4, 5] and r.snapshots[2].shape == (16, 32, 32)
    assert set(summarize(history)) == {"D_loss", "G_loss", "D(x)", "D(G(z))"}


def test_resume_equals_an_uninterrupted_run_bit_for_bit(tmp_path):
    straight = run(tmp_path / "a", steps=7)
    straight.train(progress=False)
    first = run(tmp_path / "b", steps=4)
    first.train(progress=False)          # "interrupted" after step 4 (checkpointed at 3 and 4)
    resumed = run(tmp_path / "b", steps=7)
    assert resumed.load() and resumed.step == 4
    resumed.train(progress=False)
    assert resumed.frame().drop(columns="seconds").equals(straight.frame().drop(columns="seconds"))
    for a, b in zip(straight.G.state_dict().values(), resumed.G.state_dict().values()):
        assert torch.equal(a, b)
    for a, b in zip(straight.D.state_dict().values(), resumed.D.state_dict().values()):
        assert torch.equal(a, b)


def test_resume_refuses_another_configuration(tmp_path):
    run(tmp_path, steps=3).train(progress=False)
    other = GANRun(PROF, config_for("stable", PROF, steps=3, seed=5), images(), out=tmp_path / "stable")
    with pytest.raises(ValueError, match="cannot resume.*another configuration"):
        other.load()


def test_a_nan_loss_stops_the_run_and_says_where(tmp_path):
    r = run(tmp_path, steps=5)
    r.train(steps=2, progress=False)
    r.images[:] = float("nan")
    with pytest.raises(TrainingDiverged, match="at step 3 .*Try smaller learning rates"):
        r.train(progress=False)
    assert len(r.history) == 2


def test_warm_start_needs_the_classifier(tmp_path):
    with pytest.raises(ValueError, match="warm_start needs"):
        run(tmp_path, warm_start=True)


def test_d_norm_reaches_the_discriminator_and_a_warm_start_must_match_it(tmp_path):
    from helpers.models import resnet9_for
    from helpers.train import parse_overrides

    assert parse_overrides(["d_norm=layer"]) == (dict(d_norm="layer"), {})
    layer = dataclasses.replace(PROF, d_norm="layer")
    d = GANRun(layer, config_for("collapse", layer, steps=1), images(), out=tmp_path / "a").D
    assert any(isinstance(m, nn.GroupNorm) for m in d.modules())
    assert not any(isinstance(m, nn.BatchNorm2d) for m in d.modules())
    with pytest.raises(ValueError, match="warm_start copies a ResNet-9 with .*'norm': 'batch'"):
        GANRun(layer, config_for("collapse", layer, warm_start=True), images(), out=tmp_path / "b",
               classifier=resnet9_for(PROF))
    clf = resnet9_for(layer)
    warm = GANRun(layer, config_for("collapse", layer, warm_start=True), images(), out=tmp_path / "c",
                  classifier=clf).D
    assert all(torch.equal(a, b) for a, b in zip(warm.trunk.state_dict().values(), clf.trunk.state_dict().values()))


def test_cli_smoke_profile_trains_and_resumes(tmp_path):
    out = tmp_path / "cli"
    cmd = [sys.executable, "-m", "helpers.train", "--config", "collapse", "--profile", "smoke", "--out", str(out)]
    first = subprocess.run(cmd + ["--steps", "2"], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "last 20%" in first.stdout and (out / "checkpoint.pt").exists()
    again = subprocess.run(cmd + ["--steps", "4"], capture_output=True, text=True)
    assert again.returncode != 0 and "pass --resume" in again.stderr
    resumed = subprocess.run(cmd + ["--steps", "4", "--resume"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming" in resumed.stdout and pd.read_csv(out / "history.csv").step.tolist() == [1, 2, 3, 4]


def test_overrides_are_typed_and_checked():
    from helpers.train import parse_overrides

    assert parse_overrides(["d_act=relu", "d_prep_norm=true", "d_width=32", "g_repeat_channels=0"]) == \
        (dict(d_act="relu", d_prep_norm=True, d_width=32, g_repeat_channels=False), {})
    assert parse_overrides(["joint_batch=true", "r1_gamma=1", "d_every=2", "d_lr=5e-5", "betas=0.5,0.9",
                            "adam_eps=1e-4"]) == \
        ({}, dict(joint_batch=True, r1_gamma=1.0, d_every=2, d_lr=5e-5, betas=(0.5, 0.9), adam_eps=1e-4))
    with pytest.raises(ValueError, match="2 comma-separated numbers"):
        parse_overrides(["betas=0.9"])
    with pytest.raises(ValueError, match="not a profile or run field"):
        parse_overrides(["widht=3"])


def test_a_large_adam_eps_shrinks_the_steps_of_both_networks(tmp_path):
    def moved(r):
        before = [torch.cat([p.detach().flatten().clone() for p in m.parameters()]) for m in (r.G, r.D)]
        r.train_step()
        after = [torch.cat([p.detach().flatten() for p in m.parameters()]) for m in (r.G, r.D)]
        return [(a - b).abs().mean().item() for a, b in zip(after, before)]

    plain = moved(run(tmp_path / "plain"))
    floored = run(tmp_path / "floored", adam_eps=10.0)
    assert [o.param_groups[0]["eps"] for o in (floored.opt_g, floored.opt_d)] == [10.0, 10.0]
    # Adam's first step is lr * sign(g) whatever the gradient; an eps far above |g| makes it lr * g / eps instead
    assert all(f < p / 100 for f, p in zip(moved(floored), plain))


def test_resume_refuses_another_profile(tmp_path):
    run(tmp_path, steps=3).train(progress=False)
    other_prof = dataclasses.replace(PROF, d_act="leaky" if PROF.d_act == "relu" else "relu")
    other = GANRun(other_prof, config_for("stable", PROF, steps=3), images(), out=tmp_path / "stable")
    with pytest.raises(ValueError, match="another profile"):
        other.load()


def test_a_checkpoint_older_than_a_profile_field_resumes_as_its_default(tmp_path):
    r = run(tmp_path, steps=3)
    r.train(progress=False)
    state = torch.load(r.checkpoint, weights_only=True)
    del state["profile"]["d_norm"]                      # saved before the field existed
    torch.save(state, r.checkpoint)
    assert run(tmp_path, steps=3).load()
    other = GANRun(dataclasses.replace(PROF, d_norm="layer"), config_for("stable", PROF, steps=3), images(),
                   out=tmp_path / "stable")
    with pytest.raises(ValueError, match="another profile"):
        other.load()


def test_extended_run_equals_a_longer_run_and_keeps_the_original(tmp_path):
    from helpers.train import extended

    short = run(tmp_path / "a", steps=3)
    short.train(progress=False)
    longer = extended(short, 6, progress=False)
    straight = run(tmp_path / "b", steps=6)
    straight.train(progress=False)
    assert longer.step == 6 and short.step == 3 and longer.out != short.out
    assert longer.frame().drop(columns="seconds").equals(straight.frame().drop(columns="seconds"))


def test_seed_study_reports_each_band(tmp_path, monkeypatch):
    from helpers.train import seed_study

    monkeypatch.setenv("AUDIOGAN_RUNS", str(tmp_path))
    table = seed_study(dataclasses.replace(PROF, gan_steps=2), [0, 1], images(), device=torch.device("cpu"))
    assert table[["config", "seed"]].values.tolist() == [["collapse", 0], ["collapse", 1], ["stable", 0], ["stable", 1]]
    assert {"balanced", "D won", "D_loss", "G_loss", "D won at", "G back at", "G spread out at"} <= set(table.columns)
    assert str(table["G spread out at"].dtype) == "Int64"
    assert set(table.steps) == {2}


def test_compare_runs_puts_runs_side_by_side_with_steps_as_integers(tmp_path):
    from helpers.train import compare_runs, window

    a, b = run(tmp_path / "a", steps=3), run(tmp_path / "b", name="collapse", steps=4)
    for r in (a, b):
        r.train(progress=False)
    table = compare_runs({"nerfed": a, "equal": b})
    assert table.index.tolist() == ["nerfed", "equal"] and table.steps.tolist() == [3, 4]
    assert table.columns[0] == "steps 101-300: D_loss" and table.isna().iloc[:, 0].all()   # too short for it
    assert table.loc["equal", "D_loss"] == round(window(b.frame(), 3, 4)["D_loss"], 4)      # last 20% of 4 steps
    assert str(table["D won at"].dtype) == "Int64" and str(table["G spread out at"].dtype) == "Int64"
    assert "IS" not in table                                                    # no judge given, no scores


def test_seed_study_twice_as_long_continues_each_run_and_judges_it(tmp_path, monkeypatch):
    from helpers.train import seed_study

    monkeypatch.setenv("AUDIOGAN_RUNS", str(tmp_path))
    prof = dataclasses.replace(PROF, gan_steps=2)
    from helpers.models import ResNet9

    judge = ResNet9(width=4)                                                          # any 10-class judge
    table = seed_study(prof, [0], images(), device=torch.device("cpu"), steps=4, classifier=judge,
                       reference=images(20).unsqueeze(1).expand(-1, 3, -1, -1))
    assert table.steps.tolist() == [4, 4] and {"IS", "classes", "largest share"} <= set(table.columns)
    assert (tmp_path / "gan_smoke_stable_seed0" / "checkpoint.pt").is_file()          # the originals stay
    assert (tmp_path / "gan_smoke_stable_seed0_4").is_dir()
    again = seed_study(prof, [0], images(), device=torch.device("cpu"))               # loaded, not retrained
    assert again.steps.tolist() == [2, 2]
    from helpers.train import seed_histories

    assert seed_histories(prof, [0], "stable", steps=4)[0].step.tolist() == [1, 2, 3, 4]
    assert seed_histories(prof, [0], "collapse")[0].step.tolist() == [1, 2]
    from helpers.train import sample_spread, seed_spreads

    longer = torch.load(tmp_path / "gan_smoke_stable_seed0_4" / "checkpoint.pt", weights_only=True)
    expected = sample_spread(dict(zip(longer["snapshot_steps"], longer["snapshots"])))
    assert seed_spreads(prof, [0], "stable", steps=4)[0].equals(expected) and len(expected) >= 2


def test_seed_counts_counts_each_band_per_config():
    from helpers.train import seed_counts

    study = pd.DataFrame({"config": ["collapse"] * 3 + ["stable"] * 3, "balanced": [0, 0, 0, 1, 1, 0],
                          "D won": [1, 0, 0, 0, 0, 0], "IS": [1.0, 1.5, 1.0, 1.2, 1.4, 1.0]}).astype({"balanced": bool, "D won": bool})
    counts = seed_counts(study)
    assert counts.loc["stable"].tolist() == [2, 0, 3, 1.2] and counts.loc["collapse"].tolist() == [0, 1, 3, 1.17]
    study["D won at"] = pd.array([40, 35, 50, None, None, 900], dtype="Int64")   # as seed_study gives them
    study["G back at"] = pd.array([None, 300, 1000, None, None, None], dtype="Int64")
    counts = seed_counts(study)
    assert counts.loc["collapse", ["D ever won", "G came back"]].tolist() == [3, 2]
    assert counts.loc["stable", ["D ever won", "G came back"]].tolist() == [1, 0]


def test_spread_out_at_finds_when_the_samples_stop_being_one_image():
    from helpers.train import breakout, sample_spread, spread_out_at

    torch.manual_seed(0)
    base = torch.rand(1, 3, 8, 8)

    def run_of(stds):                                   # 16 samples around one image, spread by each std
        return {step: base + std * torch.randn(16, 3, 8, 8) for step, std in stds.items()}

    snaps = run_of({50: 0.3, 100: 0.05, 150: 0.01, 200: 0.01, 250: 0.3, 300: 0.02})
    assert sample_spread(snaps).tolist() == pytest.approx([0.3, 0.05, 0.01, 0.01, 0.3, 0.02], rel=0.15)
    assert spread_out_at(snaps) == 250                  # diverse at 50, collapsed from 100, out again at 250
    assert spread_out_at(run_of({50: 0.3, 100: 0.01, 150: 0.3})) == 150
    assert spread_out_at({k: v for k, v in snaps.items() if k < 250}) is None     # stayed one image
    assert spread_out_at(run_of({50: 0.3, 100: 0.3})) is None                     # never collapsed
    assert spread_out_at({}) is None
    assert breakout(pd.Series({50: 0.3, 100: 0.1, 150: 0.2})) is None     # exactly at the line is not below it


def test_reign_finds_when_d_won_and_when_g_broke_the_win():
    from helpers.train import reign

    def history(d_loss):
        return pd.DataFrame({"step": range(1, len(d_loss) + 1), "D_loss": d_loss})

    won, broken = [1.0] * 50 + [0.001] * 300, [0.3] * 100          # the median of 100 flips at the 51st step
    assert reign(history(won + broken), span=100) == {"D won at": 101, "G back at": 400}
    assert reign(history(won + broken + [0.001] * 200), span=100) == {"D won at": 101, "G back at": 400}
    assert reign(history(won), span=100) == {"D won at": 101, "G back at": None}
    assert reign(history([0.5] * 400), span=100)["D won at"] is None
    jolt = [0.001] * 200 + [6.0] + [0.001] * 200                       # one wild step is not a comeback
    assert reign(history(jolt), span=100) == {"D won at": 100, "G back at": None}


def test_summarize_runs_lists_each_run_with_what_it_changed(tmp_path):
    from helpers.train import summarize_runs

    GANRun(dataclasses.replace(PROF, d_act="leaky"), config_for("collapse", PROF, steps=2), images(),
           out=tmp_path / "leaky").train(progress=False)
    GANRun(PROF, config_for("stable", PROF, steps=2, joint_batch=True), images(),
           out=tmp_path / "joint").train(progress=False)
    table = summarize_runs(tmp_path)
    assert table.run.tolist() == ["joint", "leaky"]
    assert "joint_batch=True" in table.changed[0] and "d_act" not in table.changed[0]
    assert "d_act=leaky" in table.changed[1] and "joint_batch" not in table.changed[1]
    assert table.steps.tolist() == [2, 2] and table.config.tolist() == ["stable", "collapse"]
