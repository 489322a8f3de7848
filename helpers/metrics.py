"""Sample quality judged by the digit classifier, as WaveGAN's authors did on SC09 with theirs (Donahue et al. 2019).

Every score is reported with the number of samples it used; real held-out clips give the ceiling."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def inception_score(probs: np.ndarray, splits: int = 10) -> tuple[float, float]:
    """exp(mean KL(p(y|x) || p(y))) over ``splits`` equal parts, and its spread (Salimans et al. 2016).

    1 when every sample gets the same prediction; the number of classes when predictions are confident and
    spread evenly over them."""
    probs = np.asarray(probs, dtype=np.float64)
    probs = probs[np.random.default_rng(0).permutation(len(probs))]  # splits must not follow a sorted order
    scores = []
    for part in np.array_split(probs, splits):
        marginal = part.mean(axis=0, keepdims=True)
        kl = (part * (np.log(part + 1e-12) - np.log(marginal + 1e-12))).sum(axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets [N, D] (the FID recipe, Heusel et al. 2017)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # tr(sqrt(cov_a cov_b)) from the eigenvalues of the product, which are real and >= 0 up to rounding
    root_trace = np.sqrt(np.clip(np.linalg.eigvals(cov_a @ cov_b).real, 0, None)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * root_trace)


@torch.no_grad()
def classify(classifier: nn.Module, images: torch.Tensor, batch: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """Class probabilities [N, classes] and penultimate features [N, D] for images [N, 3, H, W] or [N, H, W]."""
    classifier.eval()
    device = next(classifier.parameters()).device
    if images.dim() == 3:
        images = images.unsqueeze(1).expand(-1, 3, -1, -1)
    probs, feats = [], []
    for x in images.split(batch):
        f = classifier.features(x.to(device))
        probs.append(torch.softmax(classifier.head(f), 1).cpu())
        feats.append(f.cpu())
    return torch.cat(probs).numpy(), torch.cat(feats).numpy()


def judge(
    classifier: nn.Module, images: torch.Tensor, reference: torch.Tensor, asked: torch.Tensor | None = None
) -> dict:
    """Inception Score, Fréchet distance and two-sample test against ``reference`` images (real, held out),
    class spread and mean top-class confidence; given the classes the images were ``asked`` to be, the share
    the judge reads as asked, overall and for the worst class."""
    probs, feats = classify(classifier, images)
    _, ref_feats = classify(classifier, reference)
    score, spread = inception_score(probs)
    counts = np.bincount(probs.argmax(1), minlength=probs.shape[1])
    report = {
        "samples": len(images),
        "inception score": score,
        "IS spread": spread,
        "Frechet distance": frechet_distance(feats, ref_feats),
        "two-sample test": two_sample_test(feats, ref_feats),
        "classes used": int((counts > 0).sum()),
        "largest class share": float(counts.max() / counts.sum()),
        "mean confidence": float(probs.max(1).mean()),
        "pixel std across samples": float(images.reshape(len(images), -1).std(0).mean()),
    }
    if asked is not None:
        hits = probs.argmax(1) == asked.numpy()
        per_class = [hits[asked.numpy() == k].mean() for k in np.unique(asked.numpy())]
        report |= {"read as asked": float(hits.mean()), "worst class read as asked": float(min(per_class))}
    return report


SAMPLES = 1000  # judged per Generator; a smoke run, which checks only that everything runs, judges 100


def samples_for(prof) -> int:
    return 100 if prof.name == "smoke" else SAMPLES


def judge_run(run, classifier: nn.Module, reference: torch.Tensor, n: int | None = None, seed: int = 123, **how):
    """``judge`` on ``n`` samples (``samples_for`` the run's profile) of a GAN run's Generator, from latent
    vectors fixed by ``seed``; a
    conditional Generator is asked for every class in turn (n / classes each). ``how`` goes to ``run.sample``
    (``average=False``: a run in training's live Generator instead of its weight average)."""
    n = n or samples_for(run.prof)
    z = torch.randn(n, run.prof.latent_size, generator=torch.Generator().manual_seed(seed))
    classes = getattr(run.config, "classes", 0)
    asked = torch.arange(n) % classes if classes else None
    return judge(classifier, run.sample(z, asked, **how), reference, asked)


def brief(report: dict) -> dict:
    """The scores of a ``judge`` report that fit in one table row: one set of column names everywhere."""
    row = {
        "IS": report["inception score"],
        "FD": report["Frechet distance"],
        "C2ST": report["two-sample test"],
        "classes": report["classes used"],
        "largest share": report["largest class share"],
        "sample std": report["pixel std across samples"],
    }
    if "read as asked" in report:
        row |= {"as asked": report["read as asked"], "worst class": report["worst class read as asked"]}
    return row


def two_sample_test(a: np.ndarray, b: np.ndarray, folds: int = 5, steps: int = 300, seed: int = 0) -> float:
    """The classifier two-sample test (Lopez-Paz & Oquab 2017): the cross-validated accuracy of a logistic
    regression telling feature set ``a`` [N, D] from ``b`` [M, D]. 0.5 when they cannot be told apart, 1.0
    when every sample gives itself away. The larger set is subsampled so both count equally."""
    rng = np.random.default_rng(seed)
    n = min(len(a), len(b))
    x = np.concatenate([a[rng.permutation(len(a))[:n]], b[rng.permutation(len(b))[:n]]]).astype(np.float32)
    y = np.concatenate([np.ones(n), np.zeros(n)]).astype(np.float32)
    fold = rng.permutation(2 * n) % folds
    correct = 0
    for k in range(folds):
        train, test = fold != k, fold == k
        mean, std = x[train].mean(0), x[train].std(0) + 1e-6
        w = _logistic_regression(torch.from_numpy((x[train] - mean) / std), torch.from_numpy(y[train]), steps)
        logits = torch.from_numpy((x[test] - mean) / std) @ w[:-1] + w[-1]
        correct += int(((logits > 0).float() == torch.from_numpy(y[test])).sum())
    return correct / (2 * n)


def _logistic_regression(x: torch.Tensor, y: torch.Tensor, steps: int, l2: float = 1e-3) -> torch.Tensor:
    """Weights and bias [D + 1] of an L2-regularized logistic regression, fitted by full-batch L-BFGS."""
    w = torch.zeros(x.shape[1] + 1, requires_grad=True)
    opt = torch.optim.LBFGS([w], max_iter=steps, line_search_fn="strong_wolfe")

    def loss():
        opt.zero_grad()
        value = nn.functional.binary_cross_entropy_with_logits(x @ w[:-1] + w[-1], y) + l2 * w[:-1].pow(2).sum()
        value.backward()
        return value

    opt.step(loss)
    return w.detach()


def channel_gap(images: torch.Tensor) -> float:
    """Mean absolute difference between channel 0 and each other channel of images [N, C, H, W].

    Exactly 0 for real images, whose channels are copies of one log-mel image: anything else is a tell that
    gives a fake away without a look at what it says."""
    x = images.float()
    return float((x[:, 1:] - x[:, :1]).abs().mean()) if x.shape[1] > 1 else 0.0


def channel_probe(real: torch.Tensor, fake: torch.Tensor) -> float:
    """How well a tiny classifier that sees nothing but an image's channel differences tells ``fake`` from
    ``real`` images [N, 3, H, W]: the two-sample test on |channel k - channel 0| pooled to 8 x 8 per channel.
    0.5: the channels say nothing; 1.0: they give every fake away."""

    def differences(x: torch.Tensor) -> np.ndarray:
        gap = (x[:, 1:] - x[:, :1]).abs().float()
        return nn.functional.adaptive_avg_pool2d(gap, 8).flatten(1).numpy()

    return two_sample_test(differences(fake), differences(real))


def nearest_distances(samples: torch.Tensor, train: torch.Tensor, batch: int = 500) -> np.ndarray:
    """Each sample's RMS pixel distance to its nearest training image: a memorisation check.

    A Generator that copies its training set has generated-to-train distances far below those of real
    held-out clips, which are new recordings of the same digits."""
    train = train.reshape(len(train), -1).float()
    out = [torch.cdist(x.reshape(len(x), -1).float(), train).min(1).values for x in samples.split(batch)]
    return (torch.cat(out) / train.shape[1] ** 0.5).numpy()


def near_copies(samples: torch.Tensor, train: torch.Tensor, heldout: torch.Tensor) -> dict:
    """The memorisation check in numbers: a sample is a near-copy when it lies closer to a training clip than
    any real held-out clip does (new takes of the same digits by the same speakers are the closest honest
    neighbours a clip can have)."""
    generated, real = nearest_distances(samples, train), nearest_distances(heldout, train)
    return {
        "median distance to train": float(np.median(generated)),
        "real held-out median": float(np.median(real)),
        "real held-out closest": float(real.min()),
        "near copies": int((generated < real.min()).sum()),
        "of samples": len(generated),
    }
