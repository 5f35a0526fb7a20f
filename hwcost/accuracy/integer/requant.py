"""Rescaling an integer accumulator by a real factor M, three ways (Jacob et al. 2018 §2.2):

- :class:`ShiftRescale`: M = 2^-n exactly, a rounding right shift ``(x + 2^(n-1)) >> n``;
- :class:`DyadicRescale`: M = M0 * 2^-n with M0 an ``m0_bits`` signed fixed-point integer
  (TFLite ``QuantizeMultiplier``; HAWQ-V3 eq. 5), one product then one rounding shift;
- :class:`FloatRescale`: M kept in FP32 (LSQ Fig. 1), the accumulator converted to FP32.

Every rounding is round-half-up, the rounding of the fake-quant kernel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from hwcost.errors import HwcostError

__all__ = ["Rescale", "ShiftRescale", "DyadicRescale", "FloatRescale", "quantize_multiplier", "rounding_shift"]


class Rescale(Protocol):
    def apply(self, acc: np.ndarray) -> np.ndarray:
        """``round(acc * M)`` per output channel (last axis), as int64."""
        ...


def rounding_shift(x: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """``round(x * 2^-shift)``, half up; a negative shift is a left shift.

    >>> rounding_shift(np.array([5, 6, -5, 3]), np.array([1, 1, 1, -1]))
    array([ 3,  3, -2,  6])
    """
    x, shift = np.asarray(x, dtype=np.int64), np.asarray(shift, dtype=np.int64)
    right = np.maximum(shift, 0)
    half = np.where(right > 0, np.left_shift(np.int64(1), np.maximum(right - 1, 0)), 0)
    return np.where(shift > 0, np.right_shift(x + half, right), np.left_shift(x, np.maximum(-shift, 0)))


def quantize_multiplier(m: np.ndarray, m0_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """``M ~= M0 * 2^-shift`` with ``|M0|`` in ``[2^(m0_bits-2), 2^(m0_bits-1)]`` (Jacob eq. 6).

    >>> quantize_multiplier(np.array([0.75, 0.1]), 8)
    (array([ 96, 102]), array([ 7, 10]))
    """
    fraction, exponent = np.frexp(np.asarray(m, dtype=np.float64))
    m0 = np.floor(fraction * 2.0 ** (m0_bits - 1) + 0.5).astype(np.int64)
    shift = (m0_bits - 1) - exponent.astype(np.int64)
    full = np.abs(m0) == 2 ** (m0_bits - 1)  # rounded up to 1.0: renormalise (TFLite)
    return np.where(full, m0 // 2, m0), np.where(full, shift - 1, shift)


def _check_range(acc: np.ndarray, m0: np.ndarray) -> None:
    bound = float(np.max(np.abs(acc), initial=0)) * float(np.max(np.abs(m0), initial=0))
    if bound >= 2.0**62:
        raise HwcostError.single(
            f"accumulator x M0 needs {int(np.log2(bound)) + 2} bits, more than the int64 emulation holds",
            key="m0_bits",
        )


@dataclass(frozen=True)
class ShiftRescale:
    shift: np.ndarray  # per output channel

    def apply(self, acc: np.ndarray) -> np.ndarray:
        return rounding_shift(acc, self.shift)


@dataclass(frozen=True)
class DyadicRescale:
    """``round((acc * M0 + offset) * 2^-shift)``: ``offset`` (per channel, in units of 2^-shift
    output steps) is an unfused BN's M*beta' merged into the rescale (0 otherwise)."""

    m0: np.ndarray
    shift: np.ndarray
    offset: np.ndarray | int = 0

    @classmethod
    def of(cls, m: np.ndarray, m0_bits: int, offset_steps: np.ndarray | None = None) -> "DyadicRescale":
        """``offset_steps``: a real offset in output steps, added as round(offset * 2^shift)."""
        m0, shift = quantize_multiplier(m, m0_bits)
        if offset_steps is None:
            return cls(m0, shift)
        return cls(m0, shift, np.floor(offset_steps * 2.0 ** shift.astype(np.float64) + 0.5).astype(np.int64))

    def apply(self, acc: np.ndarray) -> np.ndarray:
        _check_range(acc, self.m0)
        return rounding_shift(np.asarray(acc, dtype=np.int64) * self.m0 + self.offset, self.shift)


@dataclass(frozen=True)
class FloatRescale:
    m: np.ndarray  # FP32 factors
    offset: np.ndarray | float = 0.0  # FP32, in output steps (a merged unfused BN's M*beta')

    def apply(self, acc: np.ndarray) -> np.ndarray:
        y = np.asarray(acc).astype(np.float32) * self.m.astype(np.float32) + np.asarray(self.offset, dtype=np.float32)
        return np.floor(y + np.float32(0.5)).astype(np.int64)


def shift_of(m: np.ndarray) -> ShiftRescale:
    """The shift realising a power-of-two factor; anything else is an error (a classifier bug)."""
    fraction, exponent = np.frexp(np.asarray(m, dtype=np.float64))
    if not np.all(fraction == 0.5):
        raise HwcostError.single("a power-of-two rescale needs S_w*S_x/S_out = 2^-n", key="scale_type")
    return ShiftRescale(1 - exponent.astype(np.int64))
