"""Rounding policies injected into the fake-quant kernel: hard rounding (STE) and SSR.

A policy maps the continuous code ``u`` to a (possibly soft) integer and gives the derivative
the backward pass uses. Hard rounding is round-half-up, ``floor(u + 0.5)``, the same rounding as
the integer requantizer's rounding right shift ``(x + 2^(n-1)) >> n`` (Jacob et al. 2018 App. B),
so fake-quant and integer-only execution agree on ties; its derivative is the straight-through
estimator's 1. SSR (sigmoid soft round, Chen 2021, NTHU thesis) is
``floor(u) + sigmoid(T * (frac(u) - 0.5))``, differentiable, tending to hard rounding as T grows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

__all__ = ["RoundingPolicy", "HardRound", "SigmoidSoftRound", "ssr_temperature"]


class RoundingPolicy(Protocol):
    """Rounding with the derivative its backward pass uses."""

    def round(self, u: np.ndarray) -> np.ndarray: ...

    def derivative(self, u: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class HardRound:
    """Round half up with the straight-through derivative 1.

    >>> HardRound().round(np.array([0.5, 1.49, -0.5, -1.5]))
    array([ 1.,  1.,  0., -1.])
    """

    def round(self, u: np.ndarray) -> np.ndarray:
        return np.floor(u + 0.5)

    def derivative(self, u: np.ndarray) -> np.ndarray:
        return np.ones_like(u)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free logistic function


@dataclass(frozen=True)
class SigmoidSoftRound:
    """SSR: ``floor(u) + sigmoid(T * (frac(u) - 0.5))``; derivative ``T * s * (1 - s)``.

    >>> np.round(SigmoidSoftRound(temperature=50.0).round(np.array([0.2, 0.8, 2.4])), 4)
    array([0.    , 1.    , 2.0067])
    """

    temperature: float

    def round(self, u: np.ndarray) -> np.ndarray:
        floor = np.floor(u)
        return floor + _sigmoid(self.temperature * (u - floor - 0.5))

    def derivative(self, u: np.ndarray) -> np.ndarray:
        s = _sigmoid(self.temperature * (u - np.floor(u) - 0.5))
        return self.temperature * s * (1.0 - s)


def ssr_temperature(progress: float, start: float, end: float) -> float:
    """Geometric annealing of the SSR temperature from ``start`` (progress 0) to ``end`` (1).

    >>> ssr_temperature(0.5, 4.0, 64.0)
    16.0
    """
    progress = min(max(progress, 0.0), 1.0)
    return float(start * (end / start) ** progress)
