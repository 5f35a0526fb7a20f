"""PACT activation clipping with a learned level alpha (Choi et al., arXiv:1805.06085, eq. 1-3).

``y = clip(x, 0, alpha)``; the quantizer then rounds ``y`` on the grid of step
``alpha / (2^k - 1)`` with the straight-through estimator, so (PACT eq. 3)
``d y_q / d alpha = 1`` where ``x >= alpha`` and ``0`` elsewhere.
"""

from __future__ import annotations

import numpy as np

__all__ = ["pact_clip", "pact_clip_grads"]


def pact_clip(x: np.ndarray, alpha: float) -> np.ndarray:
    """``clip(x, 0, alpha)``.

    >>> pact_clip(np.array([-1.0, 0.5, 3.0]), 2.0)
    array([0. , 0.5, 2. ])
    """
    return np.clip(x, 0.0, alpha)


def pact_clip_grads(x: np.ndarray, alpha: float, grad_out: np.ndarray) -> tuple[np.ndarray, float]:
    """Gradients of :func:`pact_clip` with respect to ``x`` (elementwise) and ``alpha`` (summed).

    >>> gx, ga = pact_clip_grads(np.array([-1.0, 0.5, 3.0]), 2.0, np.array([1.0, 1.0, 2.0]))
    >>> gx, ga
    (array([0., 1., 0.]), 2.0)
    """
    above = x >= alpha
    grad_x = np.where((x > 0.0) & ~above, grad_out, 0.0)
    return grad_x, float(np.sum(np.where(above, grad_out, 0.0)))
