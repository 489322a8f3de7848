"""Diagnostic for docs/experiments.md, round 12: do D's updates on its "jolt" steps let the Generator escape?

At equal learning rates the Generator's escape from collapse is preceded, 50-220 steps earlier, by single steps
in which D gives the real and the fake batch the same verdict (D_loss above 1 while it is otherwise about 0.001).
This run is the default equal-LR run except that, from ``--after`` on, D skips its optimizer step whenever its
loss on the step's two batches is above ``--skip-above``: if the jolts' updates are what set G free, the
Generator should stay collapsed. Not a training recipe (under the nerf D's loss is often above 1).

What it showed (round 12): once a jolt came, D's loss stayed above 1, so D never learned again, and the run
says instead where the first jolt came from: with seed 1, from the Generator (its samples kept fooling the
frozen D: D(G(z)) 0.999); with seed 4, from D's own last update (the frozen D called real batches fake).

    python tools/jolt_experiment.py --seed 1 --steps 1000 --out runs/exp/NJ_collapse_s1
"""

import argparse

import torch
import torch.nn.functional as F

from helpers import config as cfg
from helpers.analysis import reign, spread_out_at
from helpers.data import ensure_data
from helpers.dataset import AudioDataset
from helpers.engine import GANRun, config_for


class NoJoltRun(GANRun):
    """A GANRun whose D does not learn on the steps where its loss jumps above ``skip_above``."""

    def __init__(self, *args, skip_above: float = 1.0, after: int = 300, **kwargs):
        super().__init__(*args, **kwargs)
        self.skip_above, self.after, self.skipped = skip_above, after, []

    def d_step(self, real, fake, y_real=None):
        """The default run's D step, skipped on a jolt (its stabilizers are off: only D_loss is minimized)."""
        d_real, d_fake = self.discriminate(real, fake)
        d_loss = F.binary_cross_entropy_with_logits(
            d_real, torch.ones_like(d_real)
        ) + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))
        if self.step >= self.after and d_loss.item() > self.skip_above:
            self.skipped.append(self.step + 1)
        else:
            self.opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            self.opt_d.step()
        return d_loss, d_real, d_fake


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--skip-above", type=float, default=1.0)
    p.add_argument("--after", type=int, default=300)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    prof = cfg.profile("cpu")
    ds = AudioDataset(ensure_data(prof), prof.features, max_files=prof.max_files, progress=False)
    run = NoJoltRun(
        prof,
        config_for("collapse", prof, seed=a.seed, steps=a.steps),
        ds.images,
        out=a.out,
        device=torch.device("cpu"),
        skip_above=a.skip_above,
        after=a.after,
    )
    history = run.train(progress=False)
    print(
        f"seed {a.seed}: D skipped {len(run.skipped)} steps {run.skipped[:20]}; {reign(history)}; "
        f"samples spread out at {spread_out_at(run.snapshots)}"
    )


if __name__ == "__main__":
    main()
