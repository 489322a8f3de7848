"""The command lines: each answers a bad checkpoint with one line and exit status 1, never a traceback."""

import subprocess
import sys

import pandas as pd
import pytest
import torch

from helpers import config as cfg


def cli(module, *args):
    return subprocess.run([sys.executable, "-m", module, *map(str, args)], capture_output=True, text=True, cwd=cfg.REPO)


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

    assert parse_overrides(["d_act=relu", "d_prep_norm=true", "d_width=32", "g_repeat_channels=0"]) == (
        dict(d_act="relu", d_prep_norm=True, d_width=32, g_repeat_channels=False),
        {},
    )
    assert parse_overrides(
        ["joint_batch=true", "r1_gamma=1", "d_every=2", "d_lr=5e-5", "betas=0.5,0.9", "adam_eps=1e-4"]
    ) == ({}, dict(joint_batch=True, r1_gamma=1.0, d_every=2, d_lr=5e-5, betas=(0.5, 0.9), adam_eps=1e-4))
    with pytest.raises(ValueError, match="2 comma-separated numbers"):
        parse_overrides(["betas=0.9"])
    with pytest.raises(ValueError, match="not a profile or run field"):
        parse_overrides(["widht=3"])


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "run"
    done = cli("helpers.train", "--config", "stable", "--profile", "smoke", "--steps", 2, "--out", out)
    assert done.returncode == 0, done.stderr
    return out


def bad_checkpoints(tmp_path, good):
    """A missing file, a truncated copy of a good checkpoint, a text file, and a torch file of another kind."""
    data = (good / "checkpoint.pt").read_bytes()
    (tmp_path / "truncated").mkdir()
    (tmp_path / "truncated" / "checkpoint.pt").write_bytes(data[: len(data) // 2])
    (tmp_path / "text.pt").write_text("not a checkpoint")
    torch.save({"state_dict": {}, "config": {}}, tmp_path / "classifier.pt")
    return {
        "missing": tmp_path / "nowhere" / "checkpoint.pt",
        "truncated": tmp_path / "truncated",
        "text": tmp_path / "text.pt",
        "foreign": tmp_path / "classifier.pt",
    }


@pytest.mark.parametrize("kind", ["missing", "truncated", "text", "foreign"])
def test_sample_cli_answers_a_bad_checkpoint_in_one_line(smoke_run, tmp_path, kind):
    path = bad_checkpoints(tmp_path, smoke_run)[kind]
    done = cli("helpers.sample", "--checkpoint", path, "--n", 1, "--out", tmp_path / "out")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "python -m helpers.train" in lines[0]


def test_resume_from_a_truncated_checkpoint_is_one_line(smoke_run, tmp_path):
    bad = bad_checkpoints(tmp_path, smoke_run)["truncated"]
    done = cli("helpers.train", "--config", "stable", "--profile", "smoke", "--steps", 4, "--out", bad, "--resume")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("error: ") and "truncated" in done.stderr


def test_summarize_prints_both_acts_for_a_folder_and_refuses_a_missing_one(smoke_run, tmp_path):
    done = cli("helpers.train", "--summarize", smoke_run.parent)
    assert done.returncode == 0, done.stderr
    assert "balanced" in done.stdout and "stable" in done.stdout
    missing = cli("helpers.train", "--summarize", tmp_path / "nowhere")
    assert missing.returncode == 1 and missing.stderr.startswith("error: ") and "Traceback" not in missing.stderr


def test_a_variant_gets_its_own_folder_name():
    from helpers.engine import config_for
    from helpers.train import default_out

    prof = cfg.profile("cpu")
    plain = default_out(prof, config_for("stable", prof), [])
    assert plain.name == "gan_cpu_stable_seed0"
    assert default_out(prof, config_for("stable", prof), ["d_norm=layer"]).name == "gan_cpu_stable_seed0_d_norm=layer"


def test_a_warm_started_run_copies_the_classifier_from_the_command_line(tmp_path):
    out = tmp_path / "warm"
    done = cli(
        "helpers.train",
        "--config",
        "collapse",
        "--profile",
        "smoke",
        "--steps",
        1,
        "--out",
        out,
        "--set",
        "warm_start=true",
    )
    assert done.returncode == 0, done.stderr
    assert torch.load(out / "checkpoint.pt", weights_only=True)["config"]["warm_start"] is True


@pytest.mark.parametrize("name", ["recipe", "conditional"])
def test_the_recipes_train_from_a_terminal_with_their_own_d_and_resume(name, tmp_path):
    """``--config recipe|conditional`` trains notebook 08's recipes: a per-image D, augmentation, equal rates;
    the conditional one also names digits. An interrupted run resumes."""
    from helpers import trained
    from helpers.engine import own_steps

    out = tmp_path / name
    args = ("helpers.train", "--config", name, "--profile", "smoke", "--out", out)
    first = cli(*args, "--steps", 2)
    assert first.returncode == 0, first.stderr
    resumed = cli(*args, "--resume")
    assert resumed.returncode == 0 and "resuming" in resumed.stdout, resumed.stderr
    run = trained.load(out)
    assert run.step == own_steps(name, cfg.PROFILES["smoke"]) and run.prof.d_norm == "layer"
    assert run.config.augment_p > 0 and run.config.g_lr == run.config.d_lr
    assert run.config.classes == (10 if name == "conditional" else 0) and (run.config.classes or run.config.d_classes)
    assert trained.differences(run, cfg.PROFILES["smoke"]) == {}  # the recipe itself, nothing changed


def test_a_learning_curve_goes_on_from_another_run_until_it_stops_improving(tmp_path):
    """``--from DIR`` continues a finished run in a folder of its own; ``--patience P`` ends it once P judgements
    in a row brought no new best Inception Score or Fréchet distance, and a rerun trains nothing more."""
    from helpers.curves import read_curve, stopped_at

    short, long = tmp_path / "short", tmp_path / "long"
    base = ("helpers.train", "--config", "collapse", "--profile", "smoke", "--curve", 2)
    assert cli(*base, "--steps", 4, "--out", short).returncode == 0
    assert "needs --curve" in cli("helpers.train", "--config", "collapse", "--patience", 2, "--out", long).stderr
    more = (*base, "--steps", 60, "--out", long, "--from", short, "--patience", 1)
    first = cli(*more)
    assert first.returncode == 0, first.stderr
    curve, stop = read_curve(long), stopped_at(long)
    assert curve.step.tolist()[:2] == [2, 4] and stop == curve.step.max() < 60
    again = cli(*more)
    assert again.returncode == 0 and "stopped improving" in again.stdout and read_curve(long).equals(curve)
