"""DoReFa-Net weight normalisation (Zhou et al., arXiv:1606.06160, eq. 9).

DoReFa maps weights to ``[-1, 1]`` with ``t = tanh(w) / max|tanh(w)|`` and quantizes ``t`` on
the odd grid ``2 round((2^k - 1)(t + 1) / 2) / (2^k - 1) - 1``: a centred grid with step
``2 / (2^k - 1)`` whose top level is 1, i.e. max-calibration of ``t``. The maximum is taken per
scale group and treated as a constant in the backward, ``dt/dw = (1 - tanh(w)^2) / max``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["dorefa_transform", "dorefa_transform_grad"]


def _group_max(t: np.ndarray, group_of_row: np.ndarray, n_groups: int) -> np.ndarray:
    row_max = np.max(np.abs(t.reshape(t.shape[0], -1)), axis=1)
    group_max = np.zeros(n_groups)
    np.maximum.at(group_max, group_of_row, row_max)
    return np.maximum(group_max[group_of_row], 1e-12).reshape((-1,) + (1,) * (t.ndim - 1))


def dorefa_transform(w: np.ndarray, group_of_row: np.ndarray, n_groups: int) -> np.ndarray:
    """``tanh(w) / max|tanh(w)|`` with the maximum per group of output rows.

    >>> dorefa_transform(np.array([[0.5, -1.0], [2.0, 0.1]]), np.array([0, 0]), 1).round(3)
    array([[ 0.479, -0.79 ],
           [ 1.   ,  0.103]])
    """
    t = np.tanh(w)
    return t / _group_max(t, group_of_row, n_groups)


def dorefa_transform_grad(
    w: np.ndarray, group_of_row: np.ndarray, n_groups: int, grad_out: np.ndarray
) -> np.ndarray:
    """Backward of :func:`dorefa_transform` with the group maximum held constant."""
    t = np.tanh(w)
    return grad_out * (1.0 - t**2) / _group_max(t, group_of_row, n_groups)
