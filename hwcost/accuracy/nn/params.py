"""Trainable parameters and the per-step training context."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Param", "StepContext", "EVAL"]


@dataclass(eq=False)
class Param:
    """A trainable array with its gradient; ``decay`` marks it for weight decay."""

    name: str
    value: np.ndarray
    decay: bool = True
    grad: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.value = np.asarray(self.value, dtype=np.float64)
        self.grad = np.zeros_like(self.value)

    def zero_grad(self) -> None:
        self.grad = np.zeros_like(self.value)


@dataclass(frozen=True)
class StepContext:
    """What a forward pass needs to know: training or not, progress through QAT (0..1), and the
    random generator of stochastic quantizers (SQ)."""

    training: bool
    progress: float = 1.0
    rng: np.random.Generator | None = None


EVAL = StepContext(training=False)
