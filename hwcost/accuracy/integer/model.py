"""The integer model: stages that run on integer codes, and the function that runs them.

A dense stage computes, per output channel c and output position k (Jacob et al. 2018 eq. 7):

    acc = sum_j W[c, j] P[k, j]  -  Z_w[c] * sum_j P[k, j]  +  bias[c]

with ``P`` the patches of the operand codes (padded with the input zero-point, or 0 once it is
pre-subtracted), ``W`` the stored weight operands, the window-sum term only for a runtime weight
offset, and every constant term folded into the int32 ``bias``. Then an unfused batch norm
(``gamma' * acc + beta'``) when it is a stage of its own, the rescale (per channel, with an
unfused BN's gamma' inside it and M*beta' added to the product, when BN is merged), ``+ Z_out`` and the clamp to the output grid, where ReLU
is the lower bound ``Z_out``. A float stage is an edge layer the scheme leaves in FP32.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import numpy as np

from hwcost.accuracy.integer.requant import Rescale, rounding_shift
from hwcost.accuracy.nn.im2col import conv_output_size, im2col
from hwcost.accuracy.nn.layers import ConvShape

__all__ = ["OutputGrid", "OperandPrep", "IntDense", "FloatDense", "IntPool", "IntFlatten", "IntegerModel"]


@dataclass(frozen=True)
class OutputGrid:
    """Codes of the next layer's input: real = step * (code - zero_point), code in [lo, hi]."""

    step: float
    zero_point: int
    lo: int
    hi: int


@dataclass(frozen=True)
class OperandPrep:
    """Input codes -> multiplier operands: subtract ``zero`` and, for operand-side scaling,
    multiply by the fixed-point ``m0 * 2^-shift`` (a pure shift when ``m0`` is 1)."""

    zero: int
    m0: int = 1
    shift: int = 0

    def apply(self, q: np.ndarray) -> np.ndarray:
        x = q.astype(np.int64) - self.zero
        return x if (self.m0, self.shift) == (1, 0) else rounding_shift(x * self.m0, np.int64(self.shift))


@dataclass(frozen=True)
class IntDense:
    conv: ConvShape | None
    prep: OperandPrep
    pad_value: int  # operand value of a real zero input
    weights: np.ndarray  # int64 (C_out, K)
    weight_zero: np.ndarray  # int64 (C_out,): runtime window-sum correction (0 when none)
    bias: np.ndarray  # int64 (C_out,), constants folded in
    bn_scale: Rescale | None  # unfused BN gamma' at the accumulator scale
    bn_shift: np.ndarray | None  # beta' at the accumulator scale
    rescale: Rescale | None  # None: last layer, logits dequantized with ``logit_step``
    output: OutputGrid | None
    relu: bool
    logit_step: np.ndarray | None = None  # per channel, S_w * S_x of the last layer (* gamma' if BN is merged)
    logit_offset: np.ndarray | None = None  # per channel, a merged unfused BN's beta' of the last layer


@dataclass(frozen=True)
class FloatDense:
    """An edge layer in FP32: input dequantized (or the raw image), float weights and bias."""

    conv: ConvShape | None
    input_grid: OutputGrid | None  # None: the input is the float image
    weights: np.ndarray
    bias: np.ndarray
    output: OutputGrid | None
    relu: bool


@dataclass(frozen=True)
class IntPool:
    size: int


@dataclass(frozen=True)
class IntFlatten:
    pass


Stage = Union[IntDense, FloatDense, IntPool, IntFlatten]


def _patches(conv: ConvShape | None, x: np.ndarray, pad_value: float | int) -> np.ndarray:
    return x.reshape(x.shape[0], -1) if conv is None else im2col(x, conv.kernel, conv.padding, pad_value)


def _unpatch(conv: ConvShape | None, y: np.ndarray, x_shape: tuple[int, ...]) -> np.ndarray:
    if conv is None:
        return y
    n, _, h, w = x_shape
    oh, ow = conv_output_size(h, conv.kernel, conv.padding), conv_output_size(w, conv.kernel, conv.padding)
    return y.reshape(n, oh, ow, -1).transpose(0, 3, 1, 2)


def _int_matmul(p: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Exact integer product; through float64 BLAS when every partial sum is below 2^53."""
    bound = float(np.abs(p).max(initial=0)) * float(np.abs(w).max(initial=0)) * p.shape[1]
    if bound < 2.0**53:
        return np.rint(p.astype(np.float64) @ w.T.astype(np.float64)).astype(np.int64)
    return p @ w.T


def _quantize_output(values: np.ndarray, grid: OutputGrid, relu: bool) -> np.ndarray:
    lo = max(grid.lo, grid.zero_point) if relu else grid.lo
    return np.clip(values + grid.zero_point, lo, grid.hi)


def run_dense(stage: IntDense, q: np.ndarray) -> np.ndarray:
    operands = stage.prep.apply(q)
    p = _patches(stage.conv, operands, stage.pad_value)
    acc = _int_matmul(p, stage.weights) + stage.bias
    if np.any(stage.weight_zero):
        acc = acc - np.outer(p.sum(axis=1), stage.weight_zero)
    if stage.bn_scale is not None:
        acc = stage.bn_scale.apply(acc) + stage.bn_shift
    if stage.rescale is None:
        logits = acc * stage.logit_step + (0.0 if stage.logit_offset is None else stage.logit_offset)
        return _unpatch(stage.conv, logits, q.shape)
    out = _quantize_output(stage.rescale.apply(acc), stage.output, stage.relu)
    return _unpatch(stage.conv, out, q.shape)


def run_float(stage: FloatDense, x: np.ndarray) -> np.ndarray:
    if stage.input_grid is not None:
        x = (x - stage.input_grid.zero_point).astype(np.float32) * np.float32(stage.input_grid.step)
    p = _patches(stage.conv, x.astype(np.float32), 0.0)
    y = p @ stage.weights.T.astype(np.float32) + stage.bias.astype(np.float32)
    if stage.output is None:
        return _unpatch(stage.conv, y, x.shape)
    codes = np.floor(y / np.float32(stage.output.step) + np.float32(0.5)).astype(np.int64)
    return _unpatch(stage.conv, _quantize_output(codes, stage.output, stage.relu), x.shape)


def run_pool(size: int, q: np.ndarray) -> np.ndarray:
    n, c, h, w = q.shape
    return q.reshape(n, c, h // size, size, w // size, size).max(axis=(3, 5))


@dataclass(frozen=True)
class IntegerModel:
    """Input codes (or the float image for an FP32 first layer) -> logits."""

    input_grid: OutputGrid | None
    stages: tuple[Stage, ...]

    def input_codes(self, x: np.ndarray) -> np.ndarray:
        if self.input_grid is None:
            return x
        g = self.input_grid
        return np.clip(np.floor(x / g.step + 0.5).astype(np.int64) + g.zero_point, g.lo, g.hi)

    def logits(self, x: np.ndarray) -> np.ndarray:
        q = self.input_codes(x)
        for stage in self.stages:
            if isinstance(stage, IntDense):
                q = run_dense(stage, q)
            elif isinstance(stage, FloatDense):
                q = run_float(stage, q)
            elif isinstance(stage, IntPool):
                q = run_pool(stage.size, q)
            else:
                q = q.reshape(q.shape[0], -1)
        return q

    def predict(self, x: np.ndarray, batch_size: int = 512) -> np.ndarray:
        return np.concatenate([self.logits(x[i : i + batch_size]).argmax(axis=1) for i in range(0, len(x), batch_size)])
