"""The on-chip network every template has: the wires between the global buffer and the array (the
MAC array's PE grid, the CIM macros), priced per bit at the technology library's wire law over a
floorplan distance (``docs/cost-model.md`` §2, "On-chip network")."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from enum import Enum
from typing import Any

import numpy as np

from hwcost.arch.shared.pricing import Count, PricedRow, Pricer, SharedRow, Term
from hwcost.report import Category

__all__ = ["noc_distance_mm", "noc_row", "noc_setting"]


def noc_distance_mm(rows: Sequence[PricedRow], array_units: Collection[Enum]) -> Any:
    """How far a bit travels between the GLB and the part of the array it feeds (or leaves), in
    mm: the GLB and the array (the rows whose unit or category is in ``array_units``; areas from
    the priced rows) as
    abutting squares, the bit going from the GLB's centre to the array's edge and along that edge
    to its row, column or macro, half a side on average: (sqrt(A_glb) + sqrt(A_array)) / 2. A
    floorplan derivation, not a measurement; wires inside the SRAM (CACTI's H-tree) and inside
    the array (the registers' load, the macros' own lines) are not in it.

    >>> row = lambda unit, um2: PricedRow(unit, Category.COMPUTE, (), um2)
    >>> rows = [row(SharedRow.GLB, 250_000.0), row(SharedRow.ELEMENTWISE, 90_000.0)]
    >>> float(noc_distance_mm(rows, {SharedRow.ELEMENTWISE}))  # (500 + 300) / 2 um
    0.4
    """
    array_um2 = sum((r.area_um2 for r in rows if r.unit in array_units or r.category in array_units), 0.0)
    glb_um2 = sum((r.area_um2 for r in rows if r.unit is SharedRow.GLB), 0.0)
    return (np.sqrt(glb_um2) + np.sqrt(array_um2)) / 2 / 1000


def noc_row(rows: Sequence[PricedRow], pricer: Pricer, array_units: Collection[Enum]) -> PricedRow | None:
    """The on-chip network: per bit carried between the GLB and the array (``Count.NOC_BITS``),
    the library's wire energy per bit per mm (``techlib`` component ``wire``) over
    :func:`noc_distance_mm`. No area (the wires run over the logic in the metal stack) and no
    leakage (the wire model has none). None for a library without a wire model (the report's
    ``noc`` setting says so)."""
    if "wire" not in pricer.lib.components:
        return None
    mm = noc_distance_mm(rows, array_units)
    e_bit = pricer.energy_pj("wire", bits=1, length_mm=1.0) * mm  # the law is linear in length
    return PricedRow(SharedRow.NOC, Category.ON_CHIP_MEMORY, (Term(Count.NOC_BITS, e_bit),), 0.0 * mm)


def noc_setting(rows: Sequence[PricedRow], array_units: Collection[Enum], to: str) -> tuple[str, str]:
    """The report's ``noc`` setting: the distance, or why the network is not priced."""
    if any(r.unit is SharedRow.NOC for r in rows):
        return ("noc", f"{noc_distance_mm(rows, array_units):.3f} mm from the GLB to the {to} per bit (floorplan: "
                       "abutting squares)")
    return ("noc", "not priced: the technology library has no wire component")
