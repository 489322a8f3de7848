"""The spoken-digit classifier: train, evaluate, save and load the ResNet-9 that notebook 03 later turns into
the GAN's Discriminator.

Batches are ``(x, y)``: x [B, 3, H, W] in [-1, 1], y int64 digit labels, where -1 marks an unlabelled clip.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from . import checkpoints, config
from .models import ResNet9, resnet9_config, resnet9_for
from .progress import tqdm

MAKE_IT = "run notebooks/03_resnet9_discriminator.ipynb (or `python -m helpers.classifier`) to train and save one"


def _labelled(x: torch.Tensor, y: torch.Tensor, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """The batch on ``device``, without its unlabelled (-1) samples."""
    keep = y >= 0
    return x[keep].to(device, non_blocking=True), y[keep].to(device, non_blocking=True)


def train_classifier(
    model: ResNet9,
    train_loader,
    test_loader=None,
    epochs: int = 10,
    lr: float = 0.2,
    device: torch.device | str | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Page's ResNet-9 recipe, shortened: SGD with Nesterov momentum 0.9, weight decay 5e-4, a linear one-cycle
    learning rate (Smith & Topin 2018) peaking at ``lr``, label smoothing 0.1. One row per epoch."""
    device = torch.device(device) if device else config.device()
    model.to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer,
        lr,
        total_steps=epochs * len(train_loader),
        pct_start=0.25,
        anneal_strategy="linear",
        cycle_momentum=False,
    )
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    rows = []
    with tqdm(total=epochs * len(train_loader), desc="classifier", unit="batch", disable=not progress) as bar:
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            train_loss, train_acc = _train_epoch(model, train_loader, optimizer, schedule, loss_fn, device, bar)
            test_acc = evaluate(model, test_loader, device)[0] if test_loader is not None else float("nan")
            rows.append(
                dict(
                    epoch=epoch,
                    train_loss=train_loss,
                    train_acc=train_acc,
                    test_acc=test_acc,
                    seconds=time.perf_counter() - start,
                )
            )
            bar.set_postfix(
                dict(epoch=epoch, loss=f"{train_loss:.3f}", train_acc=f"{train_acc:.3f}", test_acc=f"{test_acc:.3f}")
            )
    model.eval()
    return pd.DataFrame(rows)


def _train_epoch(
    model: nn.Module, loader, optimizer: torch.optim.Optimizer, schedule, loss_fn: nn.Module, device: torch.device, bar
) -> tuple[float, float]:
    """One pass over ``loader``; returns mean loss and accuracy, summed on the device to avoid a sync per batch."""
    model.train()
    loss_sum = torch.zeros((), device=device)
    correct = torch.zeros((), dtype=torch.long, device=device)
    seen = 0
    for x, y in loader:
        bar.update()
        x, y = _labelled(x, y, device)
        if not len(y):
            continue
        logits = model(x)
        loss = loss_fn(logits, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        loss_sum += loss.detach() * len(y)
        correct += (logits.argmax(1) == y).sum()
        seen += len(y)
    if not seen:
        raise ValueError("the training loader gave no labelled samples (every label was -1)")
    return loss_sum.item() / seen, correct.item() / seen


@torch.no_grad()
def evaluate(model: ResNet9, loader, device: torch.device | str | None = None) -> tuple[float, np.ndarray]:
    """Accuracy and confusion matrix (rows true digit, columns predicted) over the labelled samples, in eval
    mode; ``device`` defaults to where the model already is, and the model's train/eval mode is restored."""
    device = torch.device(device) if device else next(model.parameters()).device
    model.to(device)
    n = model.num_classes
    counts = torch.zeros(n * n, dtype=torch.long, device=device)
    was_training = model.training
    model.eval()
    for x, y in loader:
        x, y = _labelled(x, y, device)
        if len(y):
            counts += torch.bincount(y * n + model(x).argmax(1), minlength=n * n)
    model.train(was_training)
    confusion = counts.view(n, n).cpu().numpy()
    total = confusion.sum()
    return (float(np.trace(confusion) / total) if total else float("nan")), confusion


def save_checkpoint(model: ResNet9, path: str | Path, **meta) -> Path:
    """Saves a classifier's weights, the constructor arguments that rebuild it, and ``meta`` (plain numbers,
    strings, lists, dicts, which ``weights_only`` loading accepts); atomic, so a crash never leaves half a file."""
    return checkpoints.save({"state_dict": model.state_dict(), "config": model.config, "meta": meta}, path)


def load_classifier(path: str | Path, device: torch.device | str | None = None) -> ResNet9:
    """The ResNet-9 saved at ``path``, in eval mode on ``device`` (default ``config.device()``); its saved
    ``meta`` is on ``model.meta``. A missing or unusable file raises one sentence saying what to do."""
    device = torch.device(device) if device else config.device()
    checkpoint = checkpoints.read(path, "classifier", device)
    try:
        model = ResNet9(**checkpoint["config"])
        model.load_state_dict(checkpoint["state_dict"])
    except Exception:
        # The chained error (a missing argument, a page of shape mismatches) stays on __context__.
        raise checkpoints.CheckpointError(
            f"{path} is not a classifier checkpoint that fits this code (from another version): delete it and {MAKE_IT}"
        ) from None
    model.meta = checkpoint.get("meta", {})
    return model.to(device).eval()


# --- the "previous task": a spoken-digit classifier on the data folder, and how D judges before training ---


def checkpoint_path(prof) -> Path:
    """Where the classifier of a profile is kept: the later notebooks load it as D's warm start and as judge.
    A profile whose ResNet-9 was changed (``--set d_norm=layer``) gets a file of its own, named for the change,
    so that warm-starting such a D never overwrites the judge."""
    base = config.PROFILES.get(prof.name, prof)
    changed = {k: v for k, v in resnet9_config(prof).items() if v != resnet9_config(base)[k]}
    suffix = "".join(f"_{k}={v}" for k, v in changed.items())
    return config.runs_dir() / f"classifier_{prof.name}{suffix}.pt"


def judge_for(prof, ds, device="cpu") -> ResNet9:
    """The judge of every run in a profile: notebook 03's classifier, whatever architecture a run gave its D."""
    base = config.PROFILES.get(prof.name, prof)
    same_net = {f: getattr(base, f) for f in ("d_width", "d_act", "d_prep_norm", "d_norm")}
    return classifier_for(dataclasses.replace(prof, **same_net), ds, device=device)


def loaders(ds, batch_size: int, test_fraction: float = 0.1, seed: int = 0):
    """Train and test loaders over ``ds.split`` (whole takes held out), the train one shuffled with a fixed seed."""
    from torch.utils.data import DataLoader, Subset

    train, test = ds.split(test_fraction)
    g = torch.Generator().manual_seed(seed)
    return (
        DataLoader(Subset(ds, train), batch_size, shuffle=True, generator=g, drop_last=len(train) > batch_size),
        DataLoader(Subset(ds, test), 256),
    )


def train_digit_classifier(prof, ds, device=None, epochs: int | None = None, seed: int = 0, progress: bool = True):
    """Train the profile's ResNet-9 on ``ds``, save it, and return (model, per-epoch history, confusion matrix)."""
    from .models import resnet9_for

    torch.manual_seed(seed)
    train, test = loaders(ds, prof.batch_size, seed=seed)
    model = resnet9_for(prof, num_classes=len(ds.classes))
    history = train_classifier(model, train, test, epochs or prof.classifier_epochs, device=device, progress=progress)
    accuracy, confusion = evaluate(model, test)
    save_checkpoint(
        model,
        checkpoint_path(prof),
        classes=list(ds.classes),
        test_accuracy=accuracy,
        train_seconds=float(history.seconds.sum()),
        test_clips=len(test.dataset),
        mean=ds.mean.tolist(),
        std=ds.std.tolist(),
        history=history.to_dict("list"),
        confusion=confusion.tolist(),
    )
    return model, history, confusion


def digit_classifier(prof, ds, device=None, progress: bool = True):
    """Notebook 03's classifier with its training record, as ``train_digit_classifier`` returns them: the saved
    one when it was trained on these classes with this profile's network, else trained now. Every later notebook
    and committed result is judged by the saved one, so a rerun of notebook 03 shows it rather than replacing it
    (training is deterministic on a CPU, so a retrained one would match it anyway)."""
    try:
        model = load_classifier(checkpoint_path(prof), device=device)
        meta = model.meta
        if model.config == resnet9_for(prof).config and meta.get("classes") == list(ds.classes) and "history" in meta:
            print(f"loaded {config.relative(checkpoint_path(prof))} (python -m helpers.classifier trains it again)")
            return model, pd.DataFrame(meta["history"]), np.array(meta["confusion"])
    except checkpoints.CheckpointError:
        pass
    return train_digit_classifier(prof, ds, device=device, progress=progress)


@torch.no_grad()
def real_vs_fake(d: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> dict:
    """D's mean probability "real" on real and on fake images, and its accuracy at the 0.5 threshold."""
    d.eval()
    p_real, p_fake = torch.sigmoid(d(real)), torch.sigmoid(d(fake))
    return {
        "D(x) on real": p_real.mean().item(),
        "D(G(z)) on fake": p_fake.mean().item(),
        "accuracy at 0.5": ((p_real > 0.5).float().mean().item() + (p_fake <= 0.5).float().mean().item()) / 2,
    }


def linear_probe(d: nn.Module, real: torch.Tensor, fake: torch.Tensor, steps: int = 200, seed: int = 0) -> float:
    """How separable real and fake are in D's frozen trunk features: held-out accuracy of a logistic
    regression trained on half of each set. High means a D starting from this trunk can win almost at once."""
    torch.manual_seed(seed)
    d.eval()
    with torch.no_grad():
        feats = torch.cat([d.trunk(real), d.trunk(fake)])
    labels = torch.cat([torch.ones(len(real)), torch.zeros(len(fake))])
    order = torch.randperm(len(labels))
    feats, labels = feats[order], labels[order]
    feats = (feats - feats.mean(0)) / (feats.std(0) + 1e-6)
    half = len(labels) // 2
    probe = nn.Linear(feats.shape[1], 1)
    opt = torch.optim.Adam(probe.parameters(), lr=0.01)
    for _ in range(steps):
        loss = nn.functional.binary_cross_entropy_with_logits(probe(feats[:half]).squeeze(1), labels[:half])
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        return ((probe(feats[half:]).squeeze(1) > 0).float() == labels[half:]).float().mean().item()


def main(argv=None) -> None:
    """python -m helpers.classifier [--profile P] [--epochs N]: train and save the digit classifier."""
    import argparse

    from .dataset import AudioDataset

    parser = argparse.ArgumentParser(prog="python -m helpers.classifier", description=main.__doc__)
    parser.add_argument("--profile", choices=list(config.PROFILES))
    parser.add_argument("--epochs", type=int)
    args = parser.parse_args(argv)
    prof = config.profile(args.profile)
    from .data import ensure_data

    ds = AudioDataset(ensure_data(prof), prof.features, max_files=prof.max_files)
    model, history, _ = train_digit_classifier(prof, ds, epochs=args.epochs)
    print(history.round(4).to_string(index=False))
    print(f"test accuracy {history.test_acc.iloc[-1]:.4f}; saved {config.relative(checkpoint_path(prof))}")


def classifier_for(prof, ds, device=None) -> ResNet9:
    """The digit classifier notebook 03 saved, or, if there is none yet, one trained now (same recipe)."""
    try:
        model = load_classifier(checkpoint_path(prof), device=device)
        wanted = resnet9_for(prof).config
        if model.config != wanted:
            raise checkpoints.CheckpointError(
                f"{config.relative(checkpoint_path(prof))} holds a ResNet-9 with "
                f"{model.config}, but the {prof.name} profile now asks for {wanted}"
            )
        return model
    except checkpoints.CheckpointError as e:
        print(f"{e}\n-> training it now")
        return train_digit_classifier(prof, ds, device=device)[0]


if __name__ == "__main__":
    main()
