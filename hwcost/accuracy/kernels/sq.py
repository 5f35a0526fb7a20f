"""Stochastic quantization, SQ (Dong et al., BMVC 2017, arXiv:1708.01001).

Per output channel n the relative quantization error is ``e_n = ||W_n - Q_n||_1 / ||W_n||_1``.
At SQ ratio r, ``round((1 - r) N)`` channels are drawn without replacement, with probability
proportional to ``e_n``, to stay full precision; the others are quantized (the official Caffe
code, ``dongyp13/Stochastic-Quantization``): low-error channels are the likelier to be quantized.
The ratio is stepped 50 -> 75 -> 87.5 -> 100 % over four equal stages of training.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SQ_RATIOS", "channel_errors", "select_quantized_channels", "sq_ratio"]

SQ_RATIOS: tuple[float, ...] = (0.5, 0.75, 0.875, 1.0)


def channel_errors(w: np.ndarray, w_hat: np.ndarray) -> np.ndarray:
    """``||W_n - Q_n||_1 / ||W_n||_1`` per output row.

    >>> channel_errors(np.array([[1.0, -1.0], [2.0, 2.0]]), np.array([[1.0, -0.5], [2.0, 2.0]]))
    array([0.25, 0.  ])
    """
    rows = w.shape[0]
    diff = np.abs(w - w_hat).reshape(rows, -1).sum(axis=1)
    return diff / np.maximum(np.abs(w).reshape(rows, -1).sum(axis=1), 1e-12)


def select_quantized_channels(errors: np.ndarray, ratio: float, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask of the channels to quantize at SQ ratio ``ratio``.

    >>> mask = select_quantized_channels(np.array([0.1, 0.2, 0.3, 0.4]), 0.5, np.random.default_rng(0))
    >>> int(mask.sum())
    2
    """
    n = errors.shape[0]
    n_full_precision = int(np.floor((1.0 - ratio) * n + 0.5))
    mask = np.ones(n, dtype=bool)
    if n_full_precision <= 0:
        return mask
    weights = errors + 1e-12
    keep = rng.choice(n, size=n_full_precision, replace=False, p=weights / weights.sum())
    mask[keep] = False
    return mask


def sq_ratio(progress: float, ratios: tuple[float, ...] = SQ_RATIOS) -> float:
    """The SQ ratio of the stage that ``progress`` (0..1 of QAT) falls in.

    >>> [sq_ratio(p) for p in (0.0, 0.3, 0.6, 0.9, 1.0)]
    [0.5, 0.75, 0.875, 1.0, 1.0]
    """
    stage = min(int(progress * len(ratios)), len(ratios) - 1)
    return ratios[stage]
