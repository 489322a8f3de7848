"""Run under torchrun by test_distributed.py: one step of a 2-process run and, on rank 0, of a 1-process run from
the same seed; prints the largest relative difference of D's step gradients and of G's step gradients."""

import json
import tempfile
from pathlib import Path

import torch

from helpers import config as cfg
from helpers import distributed
from helpers.distributed import unwrap
from helpers.engine import GANRun, config_for


def step_gradients(run: GANRun) -> dict:
    """The gradients each optimizer steps with, during one train_step."""
    seen = {}
    for name, opt, net in (("D", run.opt_d, run.D), ("G", run.opt_g, run.G)):
        step = opt.step

        def patched(*a, _name=name, _net=net, _step=step, **k):
            seen[_name] = {n: p.grad.clone() for n, p in unwrap(_net).named_parameters()}
            return _step(*a, **k)

        opt.step = patched
    run.train_step()
    return seen


def worst(a: dict, b: dict) -> float:
    return max(((a[n] - b[n]).abs().max() / (a[n].abs().max() + 1e-12)).item() for n in a)


def main() -> None:
    world = distributed.setup()
    prof = cfg.profile("smoke")
    images = torch.rand(60, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1
    # D's step changes nothing (d_lr 0), so that G's gradient meets the same D in both runs: Adam's first step
    # on a weight whose gradient is 0 up to rounding is +-lr by chance, and would make the two Ds differ.
    config = config_for("collapse", prof, steps=2, d_lr=0.0)
    with tempfile.TemporaryDirectory() as out:
        many = step_gradients(GANRun(prof, config, images, out=Path(out), world=world, device=torch.device("cpu")))
        if world.main:
            one = step_gradients(GANRun(prof, config, images, out=Path(out) / "one", device=torch.device("cpu")))
            print(json.dumps({k: worst(one[k], many[k]) for k in ("D", "G")}))
    distributed.finish(world)


if __name__ == "__main__":
    main()
