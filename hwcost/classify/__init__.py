"""The classifier: quantization scheme -> ``Datapath`` (the bill of materials of integer inference).

See :mod:`hwcost.classify.rules` for the rule tables and ``docs/schemes.md`` for the equations.
"""

from hwcost.classify.classifier import DEFAULT_REDUCTION_LENGTH, classify
from hwcost.classify.datapath import COMPONENT_PARAMETERS, Component, Datapath, Placement, Unit, UnitKind, Widths
from hwcost.classify.widths import accumulator_bits

__all__ = [
    "COMPONENT_PARAMETERS",
    "DEFAULT_REDUCTION_LENGTH",
    "Component",
    "Datapath",
    "Placement",
    "Unit",
    "UnitKind",
    "Widths",
    "accumulator_bits",
    "classify",
]
