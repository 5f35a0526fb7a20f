"""Matmul policies: the one place where a layer multiplies patches by weights.

Layers call ``policy.forward(patches, weights, ctx, scales)`` and ``policy.backward(...)`` and
never ``@`` directly, so a compute-in-memory policy (row-group splitting of the fan-in, ADC
quantization of partial sums, read noise) can be injected without touching the layers. ``scales``
is ``None`` in full precision, else ``MatmulScales`` (activation code step, weight code step per
output row) so that a policy can work in integer code units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from hwcost.accuracy.nn.params import StepContext

__all__ = ["MatmulScales", "MatmulPolicy", "DenseMatmul"]


@dataclass(frozen=True)
class MatmulScales:
    """Real value = step * code: ``activation_step`` (scalar), ``weight_step`` (per output row)."""

    activation_step: float
    weight_step: np.ndarray


class MatmulPolicy(Protocol):
    def forward(
        self, patches: np.ndarray, weights: np.ndarray, ctx: StepContext, scales: MatmulScales | None
    ) -> np.ndarray:
        """``(M, K) x (C_out, K) -> (M, C_out)``."""
        ...

    def backward(
        self, patches: np.ndarray, weights: np.ndarray, grad_out: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Gradients with respect to ``patches`` and ``weights``."""
        ...


@dataclass(frozen=True)
class DenseMatmul:
    """The exact product ``patches @ weights.T``.

    >>> DenseMatmul().forward(np.ones((2, 3)), np.eye(3)[:2], None, None)
    array([[1., 1.],
           [1., 1.]])
    """

    def forward(
        self, patches: np.ndarray, weights: np.ndarray, ctx: StepContext | None, scales: MatmulScales | None
    ) -> np.ndarray:
        return patches @ weights.T

    def backward(
        self, patches: np.ndarray, weights: np.ndarray, grad_out: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        return grad_out @ weights, grad_out.T @ patches
