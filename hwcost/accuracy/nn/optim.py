"""SGD with momentum and decoupled-from-nothing L2 weight decay; cosine learning-rate decay."""

from __future__ import annotations

import math

import numpy as np

from hwcost.accuracy.nn.params import Param

__all__ = ["SGD", "cosine_lr"]


def cosine_lr(base_lr: float, step: int, total_steps: int) -> float:
    """``base_lr * (1 + cos(pi t / T)) / 2`` (the schedule LSQ trains with).

    >>> cosine_lr(0.1, 5, 10)
    0.05
    """
    return 0.5 * base_lr * (1.0 + math.cos(math.pi * min(step, total_steps) / max(total_steps, 1)))


class SGD:
    """``v <- mu v + (g + wd * w)``; ``w <- w - lr v``."""

    def __init__(self, params: list[Param], momentum: float = 0.9, weight_decay: float = 5e-4):
        self.params = params
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.velocity = [np.zeros_like(p.value) for p in params]

    def step(self, lr: float) -> None:
        for param, velocity in zip(self.params, self.velocity):
            grad = param.grad + (self.weight_decay * param.value if param.decay else 0.0)
            velocity *= self.momentum
            velocity += grad
            param.value -= lr * velocity

    def zero_grad(self) -> None:
        for param in self.params:
            param.zero_grad()
