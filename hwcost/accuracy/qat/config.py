"""Quantizer settings derived from ``QuantScheme`` fields (never from preset names).

``weight_config`` / ``activation_config`` read the orthogonal axes of a scheme and return a
frozen :class:`QuantizerConfig`:

| scheme field                                   | quantizer setting                          |
|------------------------------------------------|--------------------------------------------|
| ``TensorQuant.signed / narrow_range / centred`` | the grid (:func:`hwcost.accuracy.kernels.grid.grid_for`) |
| ``TensorQuant.scale_type is POT``               | step rounded to ``2^round(log2 s)``         |
| ``TensorQuant.granularity / group_size``        | one step per tensor / channel / group       |
| ``TensorQuant.learned_scale``                   | learned step (LSQ gradient, scale g)        |
| ``TensorQuant.zero_point``                      | no / calibrated / learned (LSQ+) offset     |
| ``clipping is PACT`` (activations)              | learned clipping level alpha                |
| ``training is LSQ_PLUS``                        | LSQ+ initialisation                         |
| ``training is DOREFA``                          | tanh weight normalisation; [0, 1] activations |
| ``training is SSR``                             | sigmoid soft rounding, temperature annealed |
| ``training is SQ``                              | stochastic per-channel weight quantization  |
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from hwcost.schemes import (
    Clipping,
    Granularity,
    QuantScheme,
    ScaleType,
    TensorQuant,
    TrainingMethod,
    ZeroPoint,
)
from hwcost.accuracy.kernels.grid import IntGrid, grid_for

__all__ = [
    "StepSource",
    "OffsetSource",
    "InitMethod",
    "QuantizerConfig",
    "weight_config",
    "activation_config",
    "SSR_TEMPERATURES",
]

SSR_TEMPERATURES: tuple[float, float] = (4.0, 64.0)  # geometric annealing start, end


class StepSource(Enum):
    CALIBRATED = "calibrated"  # max |x| (or min/max) of the tensor; running average for activations
    LEARNED = "learned"  # a trained parameter (LSQ)
    PACT = "pact"  # alpha / top, alpha learned (PACT)
    UNIT_RANGE = "unit-range"  # fixed range [0, 1] (DoReFa activations)


class OffsetSource(Enum):
    NONE = "none"
    CALIBRATED = "calibrated"  # min of the tensor (asymmetric min/max quantization)
    LEARNED = "learned"  # a trained parameter (LSQ+)


class InitMethod(Enum):
    LSQ = "lsq"  # 2 mean|v| / sqrt(Q_P)
    LSQ_PLUS = "lsq+"  # weights mu +- 3 sigma; activations MSE search


@dataclass(frozen=True)
class QuantizerConfig:
    """How one tensor of one layer is quantized during training."""

    bits: int
    grid: IntGrid
    granularity: Granularity
    group_size: int | None
    pot: bool
    step_source: StepSource
    offset_source: OffsetSource
    init: InitMethod
    soft_round: bool  # SSR during training; hard rounding at evaluation
    dorefa: bool = False
    stochastic: bool = False

    @property
    def ssr_temperatures(self) -> tuple[float, float]:
        return SSR_TEMPERATURES


def _offset_source(tq: TensorQuant) -> OffsetSource:
    return {
        ZeroPoint.NONE: OffsetSource.NONE,
        ZeroPoint.STATIC: OffsetSource.CALIBRATED,
        ZeroPoint.LEARNED: OffsetSource.LEARNED,
    }[tq.zero_point]


def _init(scheme: QuantScheme) -> InitMethod:
    return InitMethod.LSQ_PLUS if scheme.training is TrainingMethod.LSQ_PLUS else InitMethod.LSQ


def weight_config(scheme: QuantScheme, bits: int) -> QuantizerConfig:
    """Weight quantizer of a layer whose weights have ``bits`` bits.

    >>> from hwcost.schemes import QuantScheme, TensorQuant
    >>> act = TensorQuant(bits=4, signed=False)
    >>> s = QuantScheme("x", TensorQuant(bits=4, signed=True, learned_scale=True), act, act)
    >>> c = weight_config(s, 4)
    >>> c.step_source.value, c.grid.lo, c.grid.hi
    ('learned', -8, 7)
    """
    tq = scheme.weights
    learned = tq.learned_scale
    return QuantizerConfig(
        bits=bits,
        grid=grid_for(tq, bits, "weights"),
        granularity=tq.granularity,
        group_size=tq.group_size,
        pot=tq.scale_type is ScaleType.POT,
        step_source=StepSource.LEARNED if learned else StepSource.CALIBRATED,
        offset_source=_offset_source(tq),
        init=_init(scheme),
        soft_round=scheme.training is TrainingMethod.SSR,
        dorefa=scheme.training is TrainingMethod.DOREFA,
        stochastic=scheme.training is TrainingMethod.SQ,
    )


def activation_config(scheme: QuantScheme, bits: int) -> QuantizerConfig:
    """Quantizer of a layer's input activations at ``bits`` bits (always one step per tensor)."""
    tq = scheme.activations
    if scheme.clipping is Clipping.PACT:
        source = StepSource.PACT
    elif tq.learned_scale:
        source = StepSource.LEARNED
    elif scheme.training is TrainingMethod.DOREFA and not tq.signed and tq.zero_point is ZeroPoint.NONE:
        source = StepSource.UNIT_RANGE
    else:
        source = StepSource.CALIBRATED
    return QuantizerConfig(
        bits=bits,
        grid=grid_for(tq, bits, "activations"),
        granularity=Granularity.TENSOR,
        group_size=None,
        pot=tq.scale_type is ScaleType.POT,
        step_source=source,
        offset_source=OffsetSource.NONE if source is StepSource.PACT else _offset_source(tq),
        init=_init(scheme),
        soft_round=scheme.training is TrainingMethod.SSR,
    )
