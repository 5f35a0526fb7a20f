"""What one element of an integer residual add costs: the two inputs live on different grids.

A residual add y = x1 + x2 of two quantized tensors with scales S1, S2 (and zero-points Z1, Z2)
onto an output grid S3 (Z3) is, per element,

    q3 = clamp(round(M1 (q1 - Z1) + M2 (q2 - Z2)) + Z3),   M1 = S1/S3, M2 = S2/S3

so each input is rescaled before the sum (Jacob et al. 2018 App. A.2: the two inputs "must be
rescaled" to a common scale; TFLite's reference ``Add`` kernel rescales each input by its own
fixed-point multiplier after a left shift of 20 guard bits, sums, and rescales the sum). A design
merges the output multiplier into M1 and M2 offline, so the datapath per element is:

- ``pot`` (every scale a power of two): each input shifted onto the output grid, one add;
- ``dyadic``: each input multiplied by its M_i (``(b + 1)``-bit input x ``m0_bits``), the two
  products added at ``b + 1 + 20`` bits (TFLite's 20 guard bits, so the sum rounds once), then a
  rounding right shift;
- ``float`` (or a fake-quant graph run in floating point): each input converted, multiplied by its
  scale and added in floating point, the sum converted back;
- with zero-points, the two subtractions (q_i - Z_i) and the + Z3;
- a saturating cast to the output grid (two comparisons), as after every rescale (Jacob §2.4).

Each post-processing lane holds one of each unit; ``docs/cost-model.md`` §3 gives the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from hwcost.arch.shared.pricing import Pricer
from hwcost.classify.rules import FP32_BITS, Offset, offset_of
from hwcost.schemes import QuantScheme
from hwcost.schemes.scheme import ScaleType

__all__ = ["GUARD_BITS", "ResidualAdd", "residual_add"]

GUARD_BITS = 20  # TFLite reference Add: left_shift = 20 bits below the inputs before rescaling


@dataclass(frozen=True)
class ResidualAdd:
    """One element's energy, and one lane's area and leakage, of a residual add under a scheme."""

    energy_pj: float
    area_um2: float
    leakage_mw: float
    realisation: str  # 'pot', 'dyadic' or 'float' (the rescale the two inputs need)


def _rescale_type(scheme: QuantScheme) -> ScaleType:
    types = {scheme.activations.scale_type, scheme.outputs.scale_type}
    if ScaleType.FLOAT in types or scheme.scale_realisation.fake_quant_bits is not None:
        return ScaleType.FLOAT
    return ScaleType.POT if types == {ScaleType.POT} else ScaleType.DYADIC


def residual_add(scheme: QuantScheme, pricer: Pricer) -> ResidualAdd:
    """The per-element cost of a residual add of two ``scheme.activations`` tensors (module doc)."""
    b = scheme.activations.bits
    kind = _rescale_type(scheme)
    # (component, parameters, operations per element); one instance of each per lane
    units: list[tuple[str, dict[str, int], int]] = []
    if offset_of(scheme.activations) is not Offset.NONE:
        units.append(("int_adder", {"bits": b + 1}, 3))  # q1 - Z1, q2 - Z2, + Z3
    if kind is ScaleType.POT:
        units += [("shifter", {"bits": b + 1}, 2), ("int_adder", {"bits": b + 2}, 1)]
    elif kind is ScaleType.DYADIC:
        wide = b + 1 + GUARD_BITS
        units += [("int_multiplier", {"a_bits": b + 1, "b_bits": scheme.m0_bits}, 2),
                  ("int_adder", {"bits": wide}, 1), ("shifter", {"bits": wide}, 1)]
    else:
        fp = scheme.scale_realisation.fake_quant_bits or FP32_BITS
        units += [("shifter", {"bits": fp}, 3),  # two int-to-FP conversions and one back [A]
                  ("fp_multiplier", {"bits": fp}, 2), ("fp_adder", {"bits": fp}, 1)]
    units.append(("comparator", {"bits": b + 1}, 2))  # saturating cast to the output grid
    return ResidualAdd(
        energy_pj=sum(ops * pricer.energy_pj(c, **p) for c, p, ops in units),
        area_um2=sum(pricer.area_um2(c, **p) for c, p, _ in units),
        leakage_mw=sum(pricer.leakage_mw(c, **p) for c, p, _ in units),
        realisation=kind.value,
    )
