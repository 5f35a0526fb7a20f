"""The uniform fake-quantization kernel and its exact chain-rule backward.

Forward (affine quantization, Jacob et al. 2018 eq. 1; LSQ+ Bhalgat et al. 2020 eq. 2):

    u = (x - offset) / step - half,   k = R(clip(u, lo, hi)),   x_hat = step * (k + half) + offset

with ``R`` an injected rounding policy (:mod:`hwcost.accuracy.kernels.rounding`). The backward is the chain
rule through ``R``'s derivative ``R'``; inside the clipping range

    d x_hat / d x      = R'(u)
    d x_hat / d step   = (R(u) + half) - R'(u) * (u + half)     (LSQ, Esser et al. 2020 eq. 3,
                                                                 with R' = 1: round(v/s) - v/s)
    d x_hat / d offset = 1 - R'(u)                              (LSQ+ eq. 5: 0 inside)

and outside it ``0``, ``R(lo or hi) + half`` (LSQ's -Q_N / Q_P) and ``1``. Power-of-two scales
round the step to ``2^round(log2 step)`` before the kernel (straight-through for the step).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwcost.accuracy.kernels.grid import IntGrid
from hwcost.accuracy.kernels.rounding import RoundingPolicy

__all__ = ["FakeQuantGrads", "fake_quant", "fake_quant_grads", "pot_step", "snap_offset"]


def fake_quant(
    x: np.ndarray,
    step: np.ndarray | float,
    offset: np.ndarray | float,
    grid: IntGrid,
    rounding: RoundingPolicy,
) -> np.ndarray:
    """Quantize-dequantize ``x``; ``step`` and ``offset`` broadcast against ``x``.

    >>> from hwcost.accuracy.kernels.rounding import HardRound
    >>> fake_quant(np.array([0.26, -1.0, 3.0]), 0.5, 0.0, IntGrid(-2, 1), HardRound())
    array([ 0.5, -1. ,  0.5])
    """
    u = (x - offset) / step - grid.half
    k = rounding.round(np.clip(u, grid.lo, grid.hi))
    return step * (k + grid.half) + offset


@dataclass(frozen=True)
class FakeQuantGrads:
    """Upstream gradient times each partial derivative, elementwise (not yet reduced)."""

    x: np.ndarray
    step: np.ndarray
    offset: np.ndarray


def fake_quant_grads(
    x: np.ndarray,
    step: np.ndarray | float,
    offset: np.ndarray | float,
    grid: IntGrid,
    rounding: RoundingPolicy,
    grad_out: np.ndarray,
) -> FakeQuantGrads:
    """Backward of :func:`fake_quant`; callers sum ``step``/``offset`` over shared elements.

    >>> from hwcost.accuracy.kernels.rounding import HardRound
    >>> g = fake_quant_grads(np.array([0.3, 3.0]), 0.5, 0.0, IntGrid(-2, 1), HardRound(), np.ones(2))
    >>> g.x, g.step, g.offset
    (array([1., 0.]), array([0.4, 1. ]), array([0., 1.]))
    """
    u = (x - offset) / step - grid.half
    inside = (u > grid.lo) & (u < grid.hi)
    clipped = np.clip(u, grid.lo, grid.hi)
    k = rounding.round(clipped)
    slope = rounding.derivative(clipped)
    d_x = np.where(inside, slope, 0.0)
    d_step = np.where(inside, (k + grid.half) - slope * (u + grid.half), k + grid.half)
    d_offset = np.where(inside, 1.0 - slope, 1.0)
    return FakeQuantGrads(x=grad_out * d_x, step=grad_out * d_step, offset=grad_out * d_offset)


def pot_step(step: np.ndarray) -> np.ndarray:
    """The nearest power of two in the log domain, ``2^round(log2 step)``.

    >>> pot_step(np.array([0.3, 0.36, 5.0]))
    array([0.25, 0.5 , 4.  ])
    """
    return np.exp2(np.floor(np.log2(step) + 0.5))


def snap_offset(offset: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Nudge a real offset to an integer zero-point, ``offset = -step * z`` (Jacob et al. 2018 §3).

    >>> snap_offset(np.array([-0.26]), np.array([0.1]))
    array([-0.3])
    """
    return step * np.floor(offset / step + 0.5)
