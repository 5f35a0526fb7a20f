"""Sliding-window geometry shared by the readers: a framework's padding (asymmetric, ``SAME``,
``ceil_mode``, dilation) as the symmetric padding of a workload layer with the same output size.

A workload layer has one padding per axis on both sides and no dilation
(``H_out = floor((H + 2p - R)/s) + 1``, ``docs/workloads.md``). MACs depend on the output size and
the kernel only, so a layer read with the output size the framework computes has the framework's
MACs exactly; a dilated R x R kernel keeps its R x R weights (its MACs), and its padding becomes
``p - (d - 1)(R - 1)/2`` so that the output size is kept.
"""

from __future__ import annotations

__all__ = ["symmetric_padding"]


def symmetric_padding(size: int, kernel: int, stride: int, out: int, preferred: float) -> int | None:
    """The padding p >= 0 closest to ``preferred`` with floor((size + 2p - kernel)/stride) + 1 == out,
    or None when there is none.

    >>> symmetric_padding(224, 3, 2, 112, 0.5)   # pads (0, 1), TensorFlow 'SAME'
    1
    >>> symmetric_padding(32, 3, 1, 32, -1.0)    # a dilation-2 3x3 kernel, pads (2, 2)
    1
    >>> symmetric_padding(8, 3, 1, 9, 0) is None
    True
    """
    if out < 1 or stride < 1:
        return None
    low = stride * (out - 1) - size + kernel  # 2p >= low
    high = low + stride - 1  # 2p <= high
    candidates = [p for p in range(max(0, (low + 1) // 2), high // 2 + 1) if size + 2 * p >= kernel]
    return min(candidates, key=lambda p: (abs(p - preferred), p)) if candidates else None
