"""The BOM contract with the technology library: every unit prices as ``energy_pj(component, **widths)``."""

from dataclasses import replace

import pytest

from hwcost.classify import Component, classify
from hwcost.schemes import PRESET_NAMES, ScaleRealisation, ZeroPointRealisation, get_scheme
from hwcost.techlib import load_techlib


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_every_unit_prices_in_45nm(name: str) -> None:
    lib = load_techlib("45nm")
    scheme = get_scheme(name)
    variants = [scheme, replace(scheme, scale_realisation=ScaleRealisation.OPERAND,
                                zero_point_realisation=ZeroPointRealisation.PRE_SUBTRACT)]
    for variant in variants:
        for bits in (2, 8):
            for n, edge in ((27, True), (4608, False)):
                for unit in classify(variant.with_bits(bits, bits), n, edge_layer=edge).units:
                    if unit.component is Component.SRAM:  # the cost model adds the layer's capacity
                        energy = lib.energy_pj(unit.component, action="read", capacity_bytes=1024,
                                               width_bits=max(32, unit.widths["width_bits"]))
                    else:
                        energy = lib.energy_pj(unit.component, **unit.widths)
                    assert energy > 0, unit
