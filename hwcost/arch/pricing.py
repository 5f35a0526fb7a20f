"""Price the units of one MAC-array design point: energy per action and area per instance.

A design point's bill of materials (the classifier's datapath for its body layers and for its
first/last layers) plus the array's fixed parts (PE registers, global buffer, DRAM, element-wise
adders) become :class:`PricedRow` records. Each row's energy is a sum of terms
``energy per action x actions``, where the actions come from
:func:`hwcost.arch.dataflow.count_actions` summed over the body and the first/last layers
(``docs/cost-model.md`` §3-4). Pricing is pure and cached per distinct point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from hwcost.arch.mac_array import MacArrayConfig, PinnedCost
from hwcost.arch.tables import WorkloadTables
from hwcost.classify import Datapath, Placement, Unit, UnitKind, classify
from hwcost.classify.datapath import Component
from hwcost.report import Category
from hwcost.schemes import QuantScheme
from hwcost.techlib import TechLib

__all__ = ["Term", "PricedRow", "PointPlan", "plan_point", "SRAM_MIN_BYTES"]

# Tables smaller than the CACTI sweep's smallest macro (1 KiB, sram_cacti7_sweep.csv) are
# register files: priced per word from the library's flip-flop.
SRAM_MIN_BYTES = 1024

PE_KINDS = (UnitKind.MAC_MULTIPLIER, UnitKind.ACCUMULATOR)


@dataclass(frozen=True)
class Term:
    """``energy_body_pj`` per action on body layers, ``energy_edge_pj`` on first/last layers."""

    count: str  # key of the action counts (see hwcost.evaluate._COUNT_KEYS)
    energy_body_pj: float
    energy_edge_pj: float


@dataclass(frozen=True)
class PricedRow:
    name: str
    category: Category
    terms: tuple[Term, ...]
    area_um2: float
    source: str = "techlib"


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


_PRICES: dict[tuple[object, ...], float] = {}
_LIBS: dict[int, TechLib] = {}  # keeps every priced library alive, so its id stays unique


def _price(lib: TechLib, quantity: str, component: str, action: str | None = None, **params: float) -> float:
    """``lib.energy_pj`` (quantity "energy") or ``lib.area_um2`` ("area"), memoised: sweeps price
    the same few components thousands of times."""
    key = (id(lib), quantity, component, action, tuple(sorted(params.items())))
    value = _PRICES.get(key)
    if value is None or _LIBS.get(id(lib)) is not lib:
        _LIBS[id(lib)] = lib
        raw = lib.energy_pj(component, action, **params) if quantity == "energy" else lib.area_um2(component, **params)
        value = _PRICES[key] = float(raw)
    return value


def _count_key(unit: Unit) -> str:
    if unit.kind is UnitKind.ZERO_POINT_WINDOW_SUM:
        return "window_sum"  # N - 1 additions per output pixel, N per layer (not the max N)
    return unit.placement.value


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


def _table_entries(unit: Unit, tables: WorkloadTables, group_size: int) -> int:
    channels = tables.max_out_channels
    return channels if unit.placement is Placement.PER_OUTPUT_CHANNEL else math.ceil(channels / group_size)


def _price_memory(unit: Unit, lib: TechLib, entries: int) -> tuple[float, float]:
    """(energy per read+write of one word, area) of a per-channel table."""
    word = unit.widths["width_bits"]
    capacity = entries * word / 8
    if capacity >= SRAM_MIN_BYTES:
        e = _price(lib, "energy", "sram", "read", capacity_bytes=capacity, width_bits=word)
        e += _price(lib, "energy", "sram", "write", capacity_bytes=capacity, width_bits=word)
        return e, _price(lib, "area", "sram", capacity_bytes=capacity, width_bits=word)
    return 2 * _price(lib, "energy", "register", bits=word), entries * _price(lib, "area", "register", bits=word)


def _price_unit(unit: Unit, lib: TechLib) -> tuple[float, float]:
    # A window sum's N - 1 additions are counted per layer (key "window_sum"), not per action.
    ops = 1 if unit.kind is UnitKind.ZERO_POINT_WINDOW_SUM else unit.ops_per_action
    component = str(unit.component)
    return _price(lib, "energy", component, **unit.widths) * ops, _price(lib, "area", component, **unit.widths)


def _bom_rows(plan_body: Datapath, plan_edge: Datapath, fp_edge: bool, arch: MacArrayConfig,
              lib: TechLib, tables: WorkloadTables, group_size: int) -> list[PricedRow]:
    def live(dp: Datapath) -> dict[tuple[UnitKind, Placement], Unit]:
        return {(u.kind, u.placement): u for u in dp.units if u.placement is not Placement.OFFLINE}

    body, edge = live(plan_body), live(plan_edge)
    rows = []
    for key in list(body) + [k for k in edge if k not in body]:
        kind, placement = key
        ub, ue = body.get(key), edge.get(key)
        unit = ub or ue
        assert unit is not None
        if unit.component is Component.SRAM:
            entries = _table_entries(unit, tables, group_size)
            eb, ab = _price_memory(ub, lib, entries) if ub else (0.0, 0.0)
            ee, ae = _price_memory(ue, lib, entries) if ue else (0.0, 0.0)
            area = max(ab, ae)
        else:
            eb, ab = _price_unit(ub, lib) if ub else (0.0, 0.0)
            ee, ae = _price_unit(ue, lib) if ue else (0.0, 0.0)
            n = _instances(unit, arch)
            area = n * max(ab, ae)
            if kind in PE_KINDS:
                # Integer first/last layers run as PE-wide slices on the same PEs; FP32 ones on
                # a row of C FP units beside the array.
                ee = ee if fp_edge else eb
                area = n * ab + (arch.pe_cols * ae if fp_edge else 0.0)
        placements = {k[1] for k in list(body) + list(edge) if k[0] is kind}
        name = kind.value if len(placements) == 1 else f"{kind.value}@{placement.value}"
        category = Category.COMPUTE if kind in PE_KINDS else Category.QUANT_OVERHEAD
        rows.append(PricedRow(name, category, (Term(_count_key(unit), eb, ee),), area))
    return rows


def _fixed_rows(arch: MacArrayConfig, lib: TechLib, hw_w: int, hw_a: int, acc: int, act_bits: int) -> list[PricedRow]:
    reg = lambda bits: _price(lib, "energy", "register", bits=bits)  # noqa: E731
    e_reg_mac = reg(hw_a) + reg(acc)  # input pipeline register + accumulator register per MAC
    pe_regs = PricedRow(
        "pe_registers",
        Category.COMPUTE,
        (Term("per_mac", e_reg_mac, e_reg_mac), Term("weight_loads", reg(hw_w), reg(hw_w))),
        arch.num_pes * _price(lib, "area", "register", bits=hw_a + acc + hw_w),
    )
    glb_args = dict(capacity_bytes=arch.glb_kib * 1024, width_bits=arch.glb_width_bits)
    e_rd, e_wr = (_price(lib, "energy", "sram", a, **glb_args) for a in ("read", "write"))
    glb = PricedRow(
        "glb",
        Category.ON_CHIP_MEMORY,
        (Term("glb_read_accesses", e_rd, e_rd), Term("glb_write_accesses", e_wr, e_wr)),
        _price(lib, "area", "sram", **glb_args),
    )
    d_rd, d_wr = (_price(lib, "energy", "dram", a, bits=1) for a in ("read", "write"))
    dram = PricedRow(
        "dram",
        Category.DRAM,
        (Term("dram_read_bits", d_rd, d_rd), Term("dram_write_bits", d_wr, d_wr)),
        _price(lib, "area", "dram", bits=1),
    )
    add_bits = act_bits + 1  # sum of two act_bits operands
    pool_add_bits = act_bits + 6  # a 7x7 average-pool window sum needs ceil(log2 49) = 6 more bits
    e_add, e_cmp = _price(lib, "energy", "int_adder", bits=add_bits), _price(lib, "energy", "comparator", bits=act_bits)
    e_pool_add = _price(lib, "energy", "int_adder", bits=pool_add_bits)
    elementwise = PricedRow(
        "elementwise",
        Category.COMPUTE,
        (Term("residual_adds", e_add, e_add), Term("max_pool_compares", e_cmp, e_cmp), Term("avg_pool_adds", e_pool_add, e_pool_add)),
        arch.pe_cols * (_price(lib, "area", "int_adder", bits=pool_add_bits) + _price(lib, "area", "comparator", bits=act_bits)),
    )
    return [pe_regs, glb, dram, elementwise]


def _pin(row: PricedRow, pinned: PinnedCost, instances: float) -> PricedRow:
    first, *rest = row.terms
    terms = (Term(first.count, pinned.energy_pj, pinned.energy_pj),)
    if row.name in ("glb", "dram"):  # per access (read or write) / per bit
        terms += tuple(Term(t.count, pinned.energy_pj, pinned.energy_pj) for t in rest)
    return PricedRow(row.name, row.category, terms, pinned.area_um2 * instances, pinned.source)


def _instances_of_row(name: str, arch: MacArrayConfig, body: Datapath) -> float:
    if name in ("mac_multiplier", "accumulator", "pe_registers"):
        return arch.num_pes
    if name in ("glb", "dram", "scale_memory", "bn_parameter_memory"):
        return 1
    for unit in body.units:
        if unit.kind.value == name:
            return _instances(unit, arch)
    return arch.pe_cols


_PLANS: dict[tuple[object, ...], tuple[TechLib, WorkloadTables, PointPlan]] = {}


def plan_point(scheme: QuantScheme, arch: MacArrayConfig, lib: TechLib, tables: WorkloadTables) -> PointPlan:
    """Classify a scheme for the body and the first/last layers and price every unit (cached)."""
    key = (scheme, arch, id(lib), id(tables))
    hit = _PLANS.get(key)
    if hit is not None and hit[0] is lib and hit[1] is tables:
        return hit[2]
    if len(_PLANS) > 16384:
        _PLANS.clear()
    plan = _plan_point(scheme, arch, lib, tables)
    _PLANS[key] = (lib, tables, plan)  # kept alive, so their ids stay unique
    return plan


def _plan_point(scheme: QuantScheme, arch: MacArrayConfig, lib: TechLib, tables: WorkloadTables) -> PointPlan:
    body = classify(scheme, tables.max_reduction_body)
    edge = classify(scheme, tables.max_reduction_edge, edge_layer=True)
    fp_edge = edge.of_kind(UnitKind.MAC_MULTIPLIER)[0].component is Component.FP_MULTIPLIER
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
    rows += _fixed_rows(arch, lib, hw_w, hw_a, acc, scheme.activations.bits)
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
