"""Augmenting what D sees: with 2,700 training clips, D can memorise the real set; showing it shifted and
masked versions of real and fake alike takes that away without teaching G to make shifted, masked speech.

Three operations in the spirit of SpecAugment (Park et al. 2019) and DiffAugment (Zhao et al. 2020): a time
shift, a time mask and a frequency mask, each applied to a sample with probability ``p``. All are
differentiable in the image, so G's gradient passes through them, which is what makes it safe to augment
the fakes of G's own step (Zhao et al. 2020; Karras et al. 2020, ADA). ``AdaptiveP`` raises ``p`` while D
is too sure of the real clips and lowers it otherwise (ADA's heuristic r_t = E[sign(D(x))]).
"""

from __future__ import annotations

import torch

MAX_SHIFT = 1 / 8  # of the frames, either way: DiffAugment's translation ratio
MAX_MASK = 1 / 4  # of the frames (time mask) or mel bins (frequency mask), at most


def time_shift(x: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Each image [B, C, mels, frames] moved ``shift[b]`` frames later (negative: earlier); the edge frames
    repeat into the gap (clips are centred, so the edges are near-silence)."""
    frames = x.shape[-1]
    index = (torch.arange(frames, device=x.device)[None] - shift[:, None]).clamp(0, frames - 1)  # [B, frames]
    return torch.gather(x, -1, index[:, None, None, :].expand_as(x))


def mask(x: torch.Tensor, start: torch.Tensor, width: torch.Tensor, dim: int) -> torch.Tensor:
    """Each image with ``width[b]`` rows (``dim=-2``, mel bins) or columns (``dim=-1``, frames) from
    ``start[b]`` set to 0: the mean level of every bin after normalization, as SpecAugment fills its masks."""
    n = x.shape[dim]
    pos = torch.arange(n, device=x.device)[None]
    keep = ~((pos >= start[:, None]) & (pos < (start + width)[:, None]))  # [B, n]
    shape = [len(x), 1, n, 1] if dim == -2 else [len(x), 1, 1, n]
    return x * keep.reshape(shape).to(x.dtype)


def augment(x: torch.Tensor, p: float, rng: torch.Generator) -> torch.Tensor:
    """``x`` [B, C, mels, frames] with each of the three operations applied to each sample with probability
    ``p``; every random draw comes from ``rng`` (the same draws for the same state)."""
    if p <= 0:
        return x
    b, _, mels, frames = x.shape

    def draw(high: int) -> torch.Tensor:  # per sample: on with probability p, and a uniform integer
        on = torch.rand(b, generator=rng) < p
        return on, torch.randint(0, high + 1, (b,), generator=rng)

    on, amount = draw(2 * int(frames * MAX_SHIFT))
    x = time_shift(x, ((amount - int(frames * MAX_SHIFT)) * on).to(x.device))
    for dim, size in ((-1, frames), (-2, mels)):
        on, width = draw(int(size * MAX_MASK))
        start = (torch.rand(b, generator=rng) * size).long()
        x = mask(x, start.to(x.device), (width * on).to(x.device), dim)
    return x


class AdaptiveP:
    """ADA's controller (Karras et al. 2020): every ``interval`` steps, move ``p`` by ``batch * interval /
    speed_images`` up when r_t = E[sign(D(x))] over real batches is above ``target`` (D too sure of the real
    clips: overfitting), down when below; p stays in [0, 1)."""

    def __init__(self, target: float = 0.6, p: float = 0.0, interval: int = 4, speed_images: int = 100_000):
        self.target, self.p, self.interval, self.speed_images = target, p, interval, speed_images
        self.signs: list[float] = []

    def update(self, d_real: torch.Tensor, batch_size: int) -> float:
        self.signs.append(torch.sign(d_real.detach()).mean().item())
        if len(self.signs) >= self.interval:
            r_t = sum(self.signs) / len(self.signs)
            step = batch_size * self.interval / self.speed_images
            self.p = min(max(self.p + (step if r_t > self.target else -step), 0.0), 0.99)
            self.signs = []
        return self.p

    def state_dict(self) -> dict:
        return {"p": self.p, "signs": list(self.signs)}

    def load_state_dict(self, state: dict) -> None:
        self.p, self.signs = state["p"], list(state["signs"])
