"""Quantization schemes: the ``QuantScheme`` dataclass, its axes, the named presets and YAML loading."""

from hwcost.schemes.loader import load_scheme, scheme_from_mapping
from hwcost.schemes.presets import FIXED_WIDTH_PRESETS, PRESET_NAMES, PRESETS, TRAINING_BASES, get_scheme
from hwcost.schemes.scheme import (
    M0_GUARD_BITS,
    MAX_BITS,
    MIN_BITS,
    BNHandling,
    BNRealisation,
    Clipping,
    Granularity,
    MacRealisation,
    QuantScheme,
    ScaleRealisation,
    ScaleType,
    TensorQuant,
    TrainingMethod,
    ZeroPoint,
    ZeroPointRealisation,
    auto_m0_bits,
)

__all__ = [
    "M0_GUARD_BITS",
    "MAX_BITS",
    "MIN_BITS",
    "PRESETS",
    "FIXED_WIDTH_PRESETS",
    "PRESET_NAMES",
    "TRAINING_BASES",
    "BNHandling",
    "BNRealisation",
    "Clipping",
    "Granularity",
    "MacRealisation",
    "QuantScheme",
    "ScaleRealisation",
    "ScaleType",
    "TensorQuant",
    "TrainingMethod",
    "ZeroPoint",
    "ZeroPointRealisation",
    "auto_m0_bits",
    "get_scheme",
    "load_scheme",
    "scheme_from_mapping",
]
