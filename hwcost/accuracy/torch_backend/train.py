"""The torch training loop: the numpy loop of :mod:`hwcost.accuracy.train`, step for step.

Mini-batch SGD, momentum 0.9, L2 weight decay 5e-4 on the parameters the numpy side decays
(weights and PACT's alpha), cosine learning-rate decay per step (LSQ's schedule); batches from a
permutation drawn by the numpy ``Generator``, which also drives SQ's channel draws and CIM noise,
so a run is a pure function of its seed. ``device`` is a GPU when one is present, else the CPU.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import numpy as np
import torch
import torch.nn.functional as F

from hwcost.accuracy.nn.optim import cosine_lr
from hwcost.accuracy.nn.params import EVAL, StepContext
from hwcost.accuracy.train import TrainSettings, progress_bar
from hwcost.accuracy.torch_backend.layers import QLayer
from hwcost.accuracy.torch_backend.models import TorchNetwork

__all__ = ["THREADS_ENV", "default_device", "torch_threads", "train_torch", "torch_accuracy", "optimiser_for"]

THREADS_ENV = "HWCOST_TORCH_THREADS"


def default_device() -> torch.device:
    """A CUDA GPU when present (never needed), else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@contextlib.contextmanager
def torch_threads(threads: int | None = None) -> Iterator[int]:
    """Intra-op threads for a measurement: ``threads``, else ``$HWCOST_TORCH_THREADS``, else 1
    (study workers run in parallel, one per core; a benchmark on an idle machine may pass 2)."""
    n = threads or int(os.environ.get(THREADS_ENV) or 1)
    before = torch.get_num_threads()
    torch.set_num_threads(max(1, n))
    try:
        yield n
    finally:
        torch.set_num_threads(before)


def optimiser_for(net: TorchNetwork, settings: TrainSettings) -> torch.optim.SGD:
    """SGD over the trained parameters: decay on weights and PACT alpha, as the numpy Params say."""
    decay: list[torch.nn.Parameter] = []
    plain: list[torch.nn.Parameter] = []
    for layer in net.dense_layers:
        decay.append(layer.weight)
        plain += [layer.bias] if layer.has_bias else []
        plain += [layer.bn.gamma, layer.bn.beta] if layer.bn is not None else []
        if layer.quantized:
            for q in (layer.w_quant, layer.a_quant):
                if q is not None:
                    for p in q.trained():
                        (decay if p is getattr(q, "alpha", None) else plain).append(p)
    groups = [{"params": decay, "weight_decay": settings.weight_decay}, {"params": plain, "weight_decay": 0.0}]
    return torch.optim.SGD(groups, lr=settings.lr, momentum=settings.momentum)


def train_torch(net: TorchNetwork, x: np.ndarray, y: np.ndarray, settings: TrainSettings, rng: np.random.Generator,
                device: torch.device, desc: str = "train") -> float:
    """Train ``net`` in place; returns the mean loss of the last epoch."""
    optimiser = optimiser_for(net, settings)
    dtype = next(net.parameters()).dtype
    per_epoch = max(len(x) // settings.batch_size, 1)
    total = settings.epochs * per_epoch
    labels = torch.from_numpy(y.astype(np.int64))
    last: list[float] = []
    net.train()
    bar = progress_bar(settings, per_epoch, desc)
    for epoch in range(settings.epochs):
        bar.set_description(f"{desc} epoch {epoch + 1}/{settings.epochs}")  # drawn at once
        order = rng.permutation(len(x))
        last = []
        for b in range(per_epoch):
            idx = order[b * settings.batch_size : (b + 1) * settings.batch_size]
            t = epoch * per_epoch + b
            ctx = StepContext(training=True, progress=t / total, rng=rng)
            xb = torch.from_numpy(x[idx]).to(device=device, dtype=dtype)
            loss = F.cross_entropy(net(xb, ctx), labels[idx].to(device))
            optimiser.zero_grad(set_to_none=False)
            loss.backward()
            for group in optimiser.param_groups:
                group["lr"] = cosine_lr(settings.lr, t, total)
            optimiser.step()
            last.append(float(loss.detach()))
            bar.update()
    bar.close()
    net.eval()
    return float(np.mean(last)) if last else float("nan")


def torch_accuracy(net: TorchNetwork, x: np.ndarray, y: np.ndarray, device: torch.device, ctx: StepContext = EVAL) -> float:
    """Fraction of ``x`` classified correctly (evaluation mode, hard rounding)."""
    return float(np.mean(net.predict(x, ctx, device) == y))


def layers_of(net: TorchNetwork) -> list[QLayer]:
    return net.dense_layers
