"""The spoken-digit classifier: train, evaluate, save and load the ResNet-9 that notebook 03 later turns into
the GAN's Discriminator.

Batches are ``(x, y)``: x [B, 3, H, W] in [-1, 1], y int64 digit labels, where -1 marks an unlabelled clip.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn
from tqdm.auto import tqdm

from . import config
from .models import ResNet9

MAKE_IT = "run notebooks/03_resnet9_discriminator.ipynb (or `python -m helpers.classifier`) to train and save one"


def _labelled(x: torch.Tensor, y: torch.Tensor, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """The batch on ``device``, without its unlabelled (-1) samples."""
    keep = y >= 0
    return x[keep].to(device, non_blocking=True), y[keep].to(device, non_blocking=True)


def train_classifier(model: ResNet9, train_loader, test_loader=None, epochs: int = 10, lr: float = 0.2,
                     device: torch.device | str | None = None, progress: bool = True) -> pd.DataFrame:
    """Page's ResNet-9 recipe, shortened: SGD with Nesterov momentum 0.9, weight decay 5e-4, a linear one-cycle
    learning rate (Smith & Topin 2018) peaking at ``lr``, label smoothing 0.1. One row per epoch."""
    device = torch.device(device) if device else config.device()
    model.to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, lr, total_steps=epochs * len(train_loader),
                                                   pct_start=0.25, anneal_strategy="linear", cycle_momentum=False)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    rows = []
    with tqdm(total=epochs * len(train_loader), desc="classifier", unit="batch", disable=not progress) as bar:
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            train_loss, train_acc = _train_epoch(model, train_loader, optimizer, schedule, loss_fn, device, bar)
            test_acc = evaluate(model, test_loader, device)[0] if test_loader is not None else float("nan")
            rows.append(dict(epoch=epoch, train_loss=train_loss, train_acc=train_acc, test_acc=test_acc,
                             seconds=time.perf_counter() - start))
            bar.set_postfix(dict(epoch=epoch, loss=f"{train_loss:.3f}", train_acc=f"{train_acc:.3f}",
                                 test_acc=f"{test_acc:.3f}"))
    model.eval()
    return pd.DataFrame(rows)


def _train_epoch(model: nn.Module, loader, optimizer: torch.optim.Optimizer, schedule, loss_fn: nn.Module,
                 device: torch.device, bar) -> tuple[float, float]:
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
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        torch.save({"state_dict": model.state_dict(), "config": model.config, "meta": meta}, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def load_classifier(path: str | Path, device: torch.device | str | None = None) -> ResNet9:
    """The ResNet-9 saved at ``path``, in eval mode on ``device`` (default ``config.device()``); its saved
    ``meta`` is on ``model.meta``. A missing or unusable file raises one sentence saying what to do."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no classifier checkpoint at {path}: {MAKE_IT}")
    device = torch.device(device) if device else config.device()
    try:
        checkpoint = torch.load(path, map_location=device, weights_only=True)
        model = ResNet9(**checkpoint["config"])
        model.load_state_dict(checkpoint["state_dict"])
    except Exception:
        # The chained error (a pickling error, a missing key, a page of shape mismatches) stays on __context__.
        raise ValueError(f"{path} is not a classifier checkpoint that fits this code (corrupt, from another "
                         f"version, or not made by save_checkpoint): delete it and {MAKE_IT}") from None
    model.meta = checkpoint.get("meta", {})
    return model.to(device).eval()
