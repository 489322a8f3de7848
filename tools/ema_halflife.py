"""Choose the weight average's half-life (docs/experiments.md): one run, several averages kept side by side.

The run is the story's nerfed run (or any ``--config``) trained as usual; beside its own average (the default
half-life) it keeps averages of other half-lives, which D never sees either, so the run itself is unchanged.
Every ``--every`` steps each average and the live Generator are judged on 1,000 samples by notebook 03's
classifier; the table goes to ``--out``/ema_halflives.csv.

    python tools/ema_halflife.py --config stable --seed 0 --steps 2400 --out runs/ema_halflife
"""

import argparse
from pathlib import Path

import pandas as pd
import torch

from helpers import config as cfg
from helpers.classifier import classifier_for
from helpers.data import ensure_data
from helpers.dataset import AudioDataset
from helpers.ema import Averaged, decay_for, standing_statistics
from helpers.engine import GANRun, config_for
from helpers.metrics import brief, judge

HALFLIVES = (2_500, 5_000, 10_000, 20_000, 40_000)  # images seen; 10,000 is StyleGAN2-ADA's and the default


class ManyAverages(GANRun):
    """A run that also keeps a weight average for every half-life in ``halflives``."""

    def __init__(self, *args, halflives=HALFLIVES, **kwargs):
        super().__init__(*args, **kwargs)
        self.averages = {h: Averaged(self.G, decay_for(self.prof.batch_size, h)) for h in halflives}

    def train_step(self) -> dict:
        row = super().train_step()
        for average in self.averages.values():
            average.update(self.G)
        return row


def scores(run: ManyAverages, classifier, reference, z) -> list[dict]:
    rows = [
        {"step": run.step, "generator": "live", **brief(judge(classifier, run.sample(z, average=False), reference))}
    ]
    for h, average in run.averages.items():
        G = standing_statistics(average.module, run.prof.latent_size)
        with torch.no_grad():
            x = G(z)
        rows.append(
            {
                "step": run.step,
                "generator": f"average, half-life {h:,} images",
                **brief(judge(classifier, x, reference)),
            }
        )
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", default="stable")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=2400)
    p.add_argument("--every", type=int, default=600)
    p.add_argument("--out", type=Path, default=cfg.runs_dir() / "ema_halflife")
    a = p.parse_args()
    prof = cfg.profile("cpu")
    ds = AudioDataset(ensure_data(prof), prof.features, progress=False)
    _, test = ds.split()
    clf = classifier_for(prof, ds, device="cpu")
    run = ManyAverages(prof, config_for(a.config, prof, seed=a.seed, steps=a.steps), ds.images, out=a.out)
    z = torch.randn(1000, prof.latent_size, generator=torch.Generator().manual_seed(123))
    rows = []
    while run.step < a.steps:
        run.train(steps=min(run.step + a.every, a.steps), progress=False)
        rows += scores(run, clf, ds.images[test], z)
        table = pd.DataFrame(rows)
        table.to_csv(a.out / "ema_halflives.csv", index=False)
        print(table[table.step == run.step].round(3).to_string(index=False), flush=True)


if __name__ == "__main__":
    main()
