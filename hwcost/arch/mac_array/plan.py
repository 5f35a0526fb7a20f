"""Price the units of one MAC-array design point: energy per action and area per instance.

A design point's bill of materials (the classifier's datapath for its body layers and for its
first/last layers) plus the array's fixed parts (PE registers, global buffer, DRAM, element-wise
adders) become :class:`PricedRow` records. Each row's energy is a sum of terms
``energy per action x actions``, where the actions come from
:func:`hwcost.arch.dataflow.count_actions` summed over the body and the first/last layers
(``docs/cost-model.md`` §3-4). Pricing is pure and cached per distinct point.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from hwcost.arch.common import (
    PlanCache,
    PricedRow,
    Term,
    buffer_rows,
    classify_body_edge,
    count_key,
    price,
    price_unit_pair,
    row_name,
)
from hwcost.arch.mac_array import MacArrayConfig, PinnedCost
from hwcost.arch.tables import WorkloadTables
from hwcost.classify import Datapath, Placement, Unit, UnitKind
from hwcost.classify.datapath import Component
from hwcost.report import Category
from hwcost.schemes import QuantScheme
from hwcost.techlib import TechLib

__all__ = ["PointPlan", "plan_point"]

PE_KINDS = (UnitKind.MAC_MULTIPLIER, UnitKind.ACCUMULATOR)


@dataclass(frozen=True)
class PointPlan:
    """Everything about a design point the vectorised counts need, plus its priced rows."""

    body: Datapath
    edge: Datapath
    hw_weight_bits: int
    hw_act_bits: int
    acc_bits: int
    fp_edge: bool  # first/last layers run on FP32 MACs beside the array
    edge_weight_bits: int
    edge_act_bits: int
    table_word_bits: int  # bits per output channel of per-channel tables loaded from DRAM
    group_size: int
    rows: tuple[PricedRow, ...]


def _instances(unit: Unit, arch: MacArrayConfig) -> int:
    p = unit.placement
    if p is Placement.PER_MAC:
        return arch.num_pes
    if p is Placement.PER_INPUT:
        return arch.pe_rows
    if p is Placement.PER_OUTPUT_PIXEL:
        # A window sum is an adder tree over the R activations entering the array per cycle.
        return arch.pe_rows if unit.kind is UnitKind.ZERO_POINT_WINDOW_SUM else 1
    if p is Placement.OFFLINE:
        return 0
    return arch.pe_cols  # post-processing lanes, one per column


def _bom_rows(plan_body: Datapath, plan_edge: Datapath, fp_edge: bool, arch: MacArrayConfig,
              lib: TechLib, tables: WorkloadTables, group_size: int) -> list[PricedRow]:
    def live(dp: Datapath) -> dict[tuple[UnitKind, Placement], Unit]:
        return {(u.kind, u.placement): u for u in dp.units if u.placement is not Placement.OFFLINE}

    body, edge = live(plan_body), live(plan_edge)
    keys = list(body) + [k for k in edge if k not in body]
    rows = []
    for key in keys:
        ub, ue = body.get(key), edge.get(key)
        unit = ub or ue
        assert unit is not None
        eb, ab, ee, ae, memory = price_unit_pair(ub, ue, lib, tables, group_size)
        n = 1 if memory else _instances(unit, arch)
        area = n * max(ab, ae)
        if unit.kind in PE_KINDS:
            # Integer first/last layers run as PE-wide slices on the same PEs; FP32 ones on a
            # row of C FP units beside the array.
            ee = ee if fp_edge else eb
            area = n * ab + (arch.pe_cols * ae if fp_edge else 0.0)
        category = Category.COMPUTE if unit.kind in PE_KINDS else Category.QUANT_OVERHEAD
        rows.append(PricedRow(row_name(unit, keys), category, (Term(count_key(unit), eb, ee),), area))
    return rows


def _pe_register_row(arch: MacArrayConfig, lib: TechLib, hw_w: int, hw_a: int, acc: int) -> PricedRow:
    reg = lambda bits: price(lib, "energy", "register", bits=bits)  # noqa: E731
    e_reg_mac = reg(hw_a) + reg(acc)  # input pipeline register + accumulator register per MAC
    return PricedRow(
        "pe_registers",
        Category.COMPUTE,
        (Term("per_mac", e_reg_mac, e_reg_mac), Term("weight_loads", reg(hw_w), reg(hw_w))),
        arch.num_pes * price(lib, "area", "register", bits=hw_a + acc + hw_w),
    )


def _pin(row: PricedRow, pinned: PinnedCost, instances: float) -> PricedRow:
    first, *rest = row.terms
    terms = (Term(first.count, pinned.energy_pj, pinned.energy_pj),)
    if row.name in ("glb", "dram"):  # per access (read or write) / per bit
        terms += tuple(Term(t.count, pinned.energy_pj, pinned.energy_pj) for t in rest)
    return PricedRow(row.name, row.category, terms, pinned.area_um2 * instances, pinned.source)


def _instances_of_row(name: str, arch: MacArrayConfig, body: Datapath) -> float:
    if name in ("mac_multiplier", "accumulator", "pe_registers"):
        return arch.num_pes
    if name in ("glb", "dram"):
        return 1
    for unit in body.units:
        if unit.kind.value == name:
            # A per-channel table (scale, BN parameters, bias) is one memory, not one per lane.
            return 1 if unit.component is Component.SRAM else _instances(unit, arch)
    return arch.pe_cols


_PLANS = PlanCache()


def plan_point(scheme: QuantScheme, arch: MacArrayConfig, lib: TechLib, tables: WorkloadTables) -> PointPlan:
    """Classify a scheme for the body and the first/last layers and price every unit (cached)."""
    return _PLANS.get(scheme, arch, lib, tables, _plan_point)


def _plan_point(scheme: QuantScheme, arch: MacArrayConfig, lib: TechLib, tables: WorkloadTables) -> PointPlan:
    body, edge, fp_edge = classify_body_edge(scheme, tables)
    acc = body.accumulator_bits if fp_edge else max(body.accumulator_bits, edge.accumulator_bits)
    hw_w, hw_a = body.weight_operand_bits, body.act_operand_bits
    group_size = body.weight_group_size or 1
    # The accumulator is sized for every layer the PEs run: price it at the widest accumulation.
    body_units = tuple(
        Unit(u.kind, u.placement, u.component, type(u.widths).of(bits=acc), u.reason, u.ops_per_action)
        if u.kind is UnitKind.ACCUMULATOR else u
        for u in body.units
    )
    body_sized = replace(body, units=body_units, accumulator_bits=acc)
    rows = _bom_rows(body_sized, edge, fp_edge, arch, lib, tables, group_size)
    rows.append(_pe_register_row(arch, lib, hw_w, hw_a, acc))
    rows += buffer_rows(arch.glb_kib, arch.glb_width_bits, arch.pe_cols, lib, scheme.activations.bits)
    pinned = dict(arch.pinned)
    rows = [_pin(r, pinned[r.name], _instances_of_row(r.name, arch, body)) if r.name in pinned else r for r in rows]
    table_word_bits = sum(
        u.widths["width_bits"] for u in body.units if u.component is Component.SRAM and u.placement is not Placement.OFFLINE
    )
    return PointPlan(
        body=body_sized,
        edge=edge,
        hw_weight_bits=hw_w,
        hw_act_bits=hw_a,
        acc_bits=acc,
        fp_edge=fp_edge,
        edge_weight_bits=edge.weight_operand_bits,
        edge_act_bits=32 if fp_edge else (scheme.first_last_bits or 32),
        table_word_bits=table_word_bits,
        group_size=group_size,
        rows=tuple(rows),
    )
