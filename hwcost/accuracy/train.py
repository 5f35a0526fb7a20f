"""The training loop shared by full-precision training and QAT fine-tuning.

Mini-batch SGD with momentum 0.9, L2 weight decay and cosine learning-rate decay (the schedule
LSQ uses); batches are drawn from a permutation made by the given numpy ``Generator``, so a run is
a pure function of its seed. ``progress`` (0..1 over the run) drives SSR annealing and the SQ
ratio schedule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from hwcost.accuracy.nn.loss import softmax_cross_entropy
from hwcost.accuracy.nn.network import Network
from hwcost.accuracy.nn.optim import SGD, cosine_lr
from hwcost.accuracy.nn.params import EVAL, StepContext

__all__ = ["TrainSettings", "train", "accuracy", "progress_bar"]


@dataclass(frozen=True)
class TrainSettings:
    epochs: int
    lr: float
    batch_size: int = 64
    momentum: float = 0.9
    weight_decay: float = 5e-4


def progress_bar(settings: TrainSettings, per_epoch: int, desc: str) -> tqdm:
    """A bar over every batch of a run, its description naming the epoch (``QAT lsq epoch 2/3``);
    drawn on stderr when it is a terminal, silent otherwise (tqdm's ``disable=None``)."""
    return tqdm(total=settings.epochs * per_epoch, desc=desc, unit="batch", disable=None, leave=False, mininterval=0.5)


def train(
    net: Network,
    x: np.ndarray,
    y: np.ndarray,
    settings: TrainSettings,
    rng: np.random.Generator,
    desc: str = "train",
) -> float:
    """Train ``net`` in place; returns the mean loss of the last epoch."""
    optimiser = SGD(net.params, settings.momentum, settings.weight_decay)
    per_epoch = max(len(x) // settings.batch_size, 1)
    total = settings.epochs * per_epoch
    last_losses: list[float] = []
    bar = progress_bar(settings, per_epoch, desc)
    for epoch in range(settings.epochs):
        bar.set_description(f"{desc} epoch {epoch + 1}/{settings.epochs}")  # drawn at once
        order = rng.permutation(len(x))
        last_losses = []
        for b in range(per_epoch):
            idx = order[b * settings.batch_size : (b + 1) * settings.batch_size]
            t = epoch * per_epoch + b
            ctx = StepContext(training=True, progress=t / total, rng=rng)
            loss, grad = softmax_cross_entropy(net.forward(x[idx], ctx), y[idx])
            optimiser.zero_grad()
            net.backward(grad)
            optimiser.step(cosine_lr(settings.lr, t, total))
            last_losses.append(loss)
            bar.update()
    bar.close()
    return float(np.mean(last_losses)) if last_losses else float("nan")


def accuracy(net: Network, x: np.ndarray, y: np.ndarray) -> float:
    """Fraction of ``x`` classified correctly (evaluation mode, hard rounding)."""
    return float(np.mean(net.predict(x, EVAL) == y))
