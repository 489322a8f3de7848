"""torchrun on the CPU (gloo): two processes train one run as one process would."""

import json
import subprocess
import sys

import pandas as pd
import pytest
import torch
from torch import nn

from helpers import config as cfg
from helpers.distributed import ONE, SyncBatchNorm2d, World, synchronize_batchnorm


def torchrun(*args, processes=2):
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=cfg.REPO, env={**__import__("os").environ})
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def train(out, steps, *extra, processes=2):
    args = ["-m", "helpers.train", "--config", "collapse", "--profile", "smoke", "--steps", str(steps)]
    if processes == 1:
        cmd = [sys.executable, *args, "--out", str(out), *extra]
        assert subprocess.run(cmd, capture_output=True, cwd=cfg.REPO).returncode == 0
    else:
        torchrun(*args, "--out", str(out), *extra, processes=processes)
    return pd.read_csv(out / "history.csv").drop(columns="seconds")


def test_each_process_keeps_its_share_of_the_global_batch():
    assert ONE.shard(64) == slice(0, 64) and ONE.main
    halves = [World(r, 2).shard(64) for r in range(2)]
    assert halves == [slice(0, 32), slice(32, 64)] and not World(1, 2).main
    with pytest.raises(ValueError, match="does not split evenly"):
        World(0, 3).shard(64)


def test_synchronized_batchnorm_is_plain_batchnorm_in_one_process():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Sequential(nn.BatchNorm2d(4)))
    net[1].weight.data.uniform_()
    x = torch.randn(8, 3, 10, 10)
    expected = net(x)
    synced = synchronize_batchnorm(net)
    assert isinstance(synced[1], SyncBatchNorm2d) and isinstance(synced[2][0], SyncBatchNorm2d)
    assert torch.allclose(synced(x), expected, atol=1e-6)


def test_two_processes_step_with_the_gradients_of_the_global_batch():
    """The precise check: one step's gradients, of D and of G, against one process on the same global batch.
    They differ only in the order floating-point sums are taken (relative 1e-5 at most)."""
    done = torchrun("tests/ddp_gradients.py")
    worst = json.loads(done.stdout.strip().splitlines()[-1])
    assert worst["D"] < 1e-4 and worst["G"] < 1e-4, worst


def test_a_two_process_history_matches_one_process(tmp_path):
    """Step 1 agrees to float rounding. Later steps drift apart: Adam's first steps are close to lr * sign(g),
    so a gradient that is zero up to rounding can move a weight by lr either way, and a GAN amplifies that
    (measured: 3e-4 in D_loss at step 3, 0.07 in G_loss at step 6 of this smoke run)."""
    one, two = train(tmp_path / "one", 6, processes=1), train(tmp_path / "two", 6)
    assert one.step.tolist() == two.step.tolist() == [1, 2, 3, 4, 5, 6]
    gap = (one - two).abs()
    assert gap.iloc[0].max() < 1e-5 and gap.iloc[:2].max().max() < 1e-3 and gap.max().max() < 0.5


def test_a_two_process_run_resumes_without_a_lost_or_repeated_step(tmp_path):
    straight = train(tmp_path / "straight", 6)
    train(tmp_path / "resumed", 4)
    resumed = train(tmp_path / "resumed", 6, "--resume")
    assert resumed.step.tolist() == [1, 2, 3, 4, 5, 6]
    assert resumed.equals(straight)  # bit for bit: every process resumes the same state and streams
