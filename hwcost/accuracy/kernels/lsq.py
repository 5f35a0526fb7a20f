"""Step-size (and offset) initialisation and gradient scaling for learned quantizers.

- LSQ (Esser et al., ICLR 2020, §2.1-2.2): step initialised to ``2 <|v|> / sqrt(Q_P)``; its
  gradient is multiplied by ``g = 1 / sqrt(N * Q_P)``, N the number of elements sharing the step.
- LSQ+ (Bhalgat et al., CVPRW 2020, §3.3): weight step ``max(|mu - 3 sigma|, |mu + 3 sigma|) /
  2^(b-1)``; activation step and offset by minimising the quantization MSE on a first batch (here a
  deterministic search over clipping ranges between quantiles).
"""

from __future__ import annotations

import numpy as np

from hwcost.accuracy.kernels.grid import IntGrid
from hwcost.accuracy.kernels.rounding import HardRound
from hwcost.accuracy.kernels.uniform import fake_quant

__all__ = ["lsq_grad_scale", "lsq_init_step", "lsq_plus_weight_step", "mse_step_offset"]


def lsq_grad_scale(n_elements: int, q_p: float) -> float:
    """``g = 1 / sqrt(N * Q_P)`` (LSQ eq. 4's gradient scale).

    >>> lsq_grad_scale(100, 4.0)
    0.05
    """
    return float(1.0 / np.sqrt(n_elements * q_p))


def lsq_init_step(values: np.ndarray, q_p: float) -> float:
    """LSQ initial step ``2 mean|v| / sqrt(Q_P)``.

    >>> lsq_init_step(np.array([-1.0, 1.0]), 4.0)
    1.0
    """
    return float(max(2.0 * np.mean(np.abs(values)) / np.sqrt(q_p), 1e-8))


def lsq_plus_weight_step(values: np.ndarray, bits: int) -> float:
    """LSQ+ initial weight step ``max(|mu - 3 sigma|, |mu + 3 sigma|) / 2^(b-1)``.

    >>> lsq_plus_weight_step(np.array([-1.0, 1.0]), 2)
    1.5
    """
    mu, sigma = float(np.mean(values)), float(np.std(values))
    return max(abs(mu - 3 * sigma), abs(mu + 3 * sigma), 1e-8) / 2 ** (bits - 1)


def mse_step_offset(values: np.ndarray, grid: IntGrid, n_candidates: int = 16) -> tuple[float, float]:
    """Step and offset minimising ``||x - Q(x)||^2`` over ranges between quantiles of ``x``.

    The lower end runs over the 0-10 % quantiles, the upper over the 90-100 % ones; the offset is
    the lower end (the value of code ``lo``), as in LSQ+'s asymmetric activation quantizer.

    >>> step, offset = mse_step_offset(np.repeat([0.2, 0.5, 0.8, 1.1], 10), IntGrid(0, 3))
    >>> round(step, 3), round(offset, 3)
    (0.3, 0.2)
    """
    flat = np.ravel(values)
    lows = np.quantile(flat, np.linspace(0.0, 0.1, n_candidates))
    highs = np.quantile(flat, np.linspace(0.9, 1.0, n_candidates))
    best = (np.inf, 1.0, 0.0)
    for low in lows:
        for high in highs:
            step = max((high - low) / (grid.hi - grid.lo), 1e-8)
            offset = low - grid.lo * step
            err = float(np.mean((flat - fake_quant(flat, step, offset, grid, HardRound())) ** 2))
            if err < best[0] - 1e-15:
                best = (err, float(step), float(offset))
    return best[1], best[2]
