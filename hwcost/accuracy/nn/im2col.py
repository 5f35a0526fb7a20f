"""Convolution as a matrix product: im2col and its adjoint col2im (stride 1, square padding).

Columns are ordered ``(n, oh, ow)`` by rows and ``(c, kh, kw)`` by columns, matching weights
stored as ``(out_channels, in_channels * kh * kw)``. ``pad_value`` lets integer inference pad
with the activation zero-point (the code of real 0).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["im2col", "col2im", "conv_output_size"]


def conv_output_size(size: int, kernel: int, padding: int) -> int:
    return size + 2 * padding - kernel + 1


def im2col(x: np.ndarray, kernel: int, padding: int, pad_value: float | int = 0) -> np.ndarray:
    """``(N, C, H, W)`` -> ``(N * OH * OW, C * kernel * kernel)``.

    >>> im2col(np.arange(4.0).reshape(1, 1, 2, 2), kernel=2, padding=0)
    array([[0., 1., 2., 3.]])
    """
    p = padding
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=pad_value) if p else x
    windows = sliding_window_view(xp, (kernel, kernel), axis=(2, 3))  # N, C, OH, OW, k, k
    n, c, oh, ow = windows.shape[:4]
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * kernel * kernel)


def col2im(cols: np.ndarray, x_shape: tuple[int, ...], kernel: int, padding: int) -> np.ndarray:
    """Adjoint of :func:`im2col`: sums column gradients back onto the input."""
    n, c, h, w = x_shape
    oh, ow = conv_output_size(h, kernel, padding), conv_output_size(w, kernel, padding)
    blocks = cols.reshape(n, oh, ow, c, kernel, kernel).transpose(0, 3, 4, 5, 1, 2)
    out = np.zeros((n, c, h + 2 * padding, w + 2 * padding), dtype=cols.dtype)
    for i in range(kernel):
        for j in range(kernel):
            out[:, :, i : i + oh, j : j + ow] += blocks[:, :, i, j]
    return out[:, :, padding : padding + h, padding : padding + w]
