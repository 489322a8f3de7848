"""A moving average of the Generator's weights, the Generator this project samples from.

Averaging G's weights over recent steps smooths out the last few updates' wobble at no cost to the game,
since D never sees the average (Yazıcı et al. 2019, "The Unusual Effectiveness of Averaging in GAN
Training"; Karras et al. 2018, ProGAN). The averaged weights never met the BatchNorm statistics of any live
Generator, so their own are measured afresh ("standing statistics", Brock et al. 2019, BigGAN).
"""

from __future__ import annotations

import copy

import torch
from torch import nn

HALFLIFE_IMAGES = 10_000  # StyleGAN2-ADA's ema_kimg = 10 (Karras et al. 2020): 156 steps at batch 64


def decay_for(batch_size: int, halflife_images: float = HALFLIFE_IMAGES) -> float:
    """The per-step decay whose weight on old steps halves every ``halflife_images`` images seen."""
    return 0.5 ** (batch_size / halflife_images)


class Averaged(nn.Module):
    """``model``'s weights averaged with ``decay`` per ``update``; buffers (BatchNorm statistics) are measured
    by ``standing_statistics`` rather than averaged."""

    def __init__(self, model: nn.Module, decay: float):
        super().__init__()
        self.module = copy.deepcopy(model).eval().requires_grad_(False)
        self.decay = decay

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        for mine, theirs in zip(self.module.parameters(), model.parameters()):
            mine.lerp_(theirs, 1 - self.decay)

    def forward(self, *args):
        return self.module(*args)


@torch.no_grad()
def standing_statistics(
    generator: nn.Module, latent_size: int, batches: int = 16, batch_size: int = 64, seed: int = 0, classes: int = 0
) -> nn.Module:
    """Re-measure every BatchNorm's running mean and variance as the plain average over ``batches`` batches
    of fresh noise (and, for a conditional G, of asked classes in turn), so eval-mode samples see the
    statistics of these very weights. Uses its own random stream (``seed``): no other stream moves. Returns
    ``generator`` in eval mode."""
    norms = [m for m in generator.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return generator.eval()
    device = next(generator.parameters()).device
    saved = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # a cumulative average over the batches below
    generator.train()
    rng = torch.Generator().manual_seed(seed)
    for _ in range(batches):
        z = torch.randn(batch_size, latent_size, generator=rng).to(device)
        generator(z, torch.arange(batch_size, device=device) % classes) if classes else generator(z)
    for m, momentum in zip(norms, saved):
        m.momentum = momentum
    return generator.eval()
