"""Quantization schemes: the ``QuantScheme`` dataclass, its axes, and the named presets."""

from hwcost.schemes.scheme import (
    MAX_BITS,
    MIN_BITS,
    BNHandling,
    Clipping,
    Granularity,
    QuantScheme,
    ScaleRealisation,
    ScaleType,
    TensorQuant,
    TrainingMethod,
    ZeroPoint,
    ZeroPointRealisation,
)

__all__ = [
    "MAX_BITS",
    "MIN_BITS",
    "BNHandling",
    "Clipping",
    "Granularity",
    "QuantScheme",
    "ScaleRealisation",
    "ScaleType",
    "TensorQuant",
    "TrainingMethod",
    "ZeroPoint",
    "ZeroPointRealisation",
]
