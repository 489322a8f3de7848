"""Measure the channel tell (docs/experiments.md, round 14): how far apart G's three channels are, and how well a
classifier that sees only channel differences tells G's fakes from real clips, at steps 0, 50 and 300 of the
equal-LR run (replayed exactly from its seed), against the real clips' exactly identical channels.

    python tools/channel_tell.py [--seeds 0 1 2] [--n 256] [--out runs/story/channel_tell.csv]
"""

import argparse
import tempfile
from pathlib import Path

import pandas as pd
import torch

from helpers import config as cfg
from helpers.data import ensure_data
from helpers.dataset import AudioDataset
from helpers.engine import GANRun, config_for
from helpers.metrics import channel_gap, channel_probe


def measure(run: GANRun, real: torch.Tensor, z: torch.Tensor) -> dict:
    """The live G's fakes for ``z`` against ``real``: channel gap, pixel spreads, and the probe's accuracy."""
    fake = run.sample(z, average=False)
    return {
        "channel gap": channel_gap(fake),
        "pixel std (all values)": float(fake.std()),
        "pixel std across samples": float(fake[:, 0].reshape(len(fake), -1).std(0).mean()),
        "probe accuracy": channel_probe(real, fake),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--steps", type=int, nargs="+", default=[0, 50, 300])
    p.add_argument("--n", type=int, default=256)
    p.add_argument("--out", type=Path, default=cfg.runs_dir() / "story" / "channel_tell.csv")
    a = p.parse_args()
    prof = cfg.profile("cpu")
    ds = AudioDataset(ensure_data(prof), prof.features, max_files=prof.max_files, progress=False)
    _, test = ds.split()
    real = ds.images[test].unsqueeze(1).expand(-1, 3, -1, -1)
    z = torch.randn(a.n, prof.latent_size, generator=torch.Generator().manual_seed(123))
    rows = []
    for seed in a.seeds:
        with tempfile.TemporaryDirectory() as out:  # the replay's checkpoints are thrown away
            run = GANRun(
                prof, config_for("collapse", prof, seed=seed), ds.images, out=Path(out), device=torch.device("cpu")
            )
            for step in a.steps:
                while run.step < step:
                    run.train_step()
                rows.append({"seed": seed, "step": step, **measure(run, real, z)})
                print(rows[-1], flush=True)
    rows.append(
        {
            "seed": "real clips",
            "step": None,
            "channel gap": channel_gap(real),
            "pixel std (all values)": float(real.std()),
            "pixel std across samples": float(real[:, 0].reshape(len(real), -1).std(0).mean()),
            "probe accuracy": None,
        }
    )
    table = pd.DataFrame(rows)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(a.out, index=False)
    print(table.round(4).to_string(index=False))


if __name__ == "__main__":
    main()
