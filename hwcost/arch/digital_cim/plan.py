"""Price the units of one digital-CIM design point: energy per action and area, as :class:`PricedRow`s.

The rows are those of ``docs/digital-cim.md`` §4: the bit cells, the bitwise gates, the adder
trees, the shift-accumulators, the row input registers, row-group accumulation, the post-processing
units of the classifier's bill of materials (priced as on the other templates), weight rewrites,
the global buffer, DRAM and the element-wise layers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from operator import attrgetter
from enum import StrEnum
from typing import Any

import numpy as np

from hwcost.arch.cim_macro.config import GATED_LEAKAGE_FRACTION, HARD_GATED_LEAKAGE_FRACTION, PowerGating
from hwcost.arch.cim_macro.leakage import macro_leakage, sram_leakage_mw_per_bit
from hwcost.arch.cim_macro.plan import BlockMemo, BlockPrices, _each, structures, sub_block_rows
from hwcost.arch.digital_cim.config import DigitalCimConfig
from hwcost.arch.digital_cim.counts import DcimCount, DcimLayerParams, dcim_geometry
from hwcost.arch.shared.adder_tree import AdderTree, adder_tree, tree_cost  # one tree law for every template
from hwcost.arch.shared.bom import (ClassDatapaths, PricedUnit, check_integer_layers, count_key, priced_units,
                                    table_word_bits)
from hwcost.arch.shared.memory import buffer_rows
from hwcost.arch.shared.params import ParamLayout
from hwcost.arch.shared.pricing import PricedRow, Pricer, Term, point_rows
from hwcost.arch.shared.tables import WorkloadTables
from hwcost.classify import Datapath, Placement, UnitKind
from hwcost.errors import HwcostError
from hwcost.report import Category
from hwcost.schemes import QuantScheme

__all__ = ["DcimRow", "DcimOperands", "DcimPlan", "plan_digital_cim", "plan_dcim_block", "block_key", "operands", "layer_params", "adder_tree",
           "AdderTree", "BITWISE_GATE", "CELL"]

class DcimRow(StrEnum):
    """Breakdown rows of the digital-CIM macro besides the classifier's units and the memory system."""

    CELLS = "dcim_cells"
    GATES = "bitwise_gates"
    ADDER_TREES = "adder_trees"
    SHIFT_ACCUMULATORS = "shift_accumulators"
    INPUT_REGISTERS = "input_registers"
    ROW_GROUP_ACCUMULATOR = "dcim_row_group_accumulator"
    WEIGHT_WRITES = "dcim_weight_writes"


# A NOR2 on the complementary operands (inverted input bit, the cell's complementary node) is the
# bitwise AND: a AND b = NOR(not a, not b). Priced as the library's logic_gate nor2.
BITWISE_GATE = "nor2"
CELL = "sram_6t"
_ARRAY_KINDS = (UnitKind.MAC_MULTIPLIER, UnitKind.ACCUMULATOR)  # realised by the gates and the trees
_WRITE_WIDTH_MAX_BITS = 256  # the CACTI sweep behind the SRAM law has ports of 32..256 bits


@dataclass(frozen=True)
class DcimOperands:
    """Operand widths of each precision class, from the classifier (index 0 body, 1 first/last,
    2... a layer's own precision)."""

    weight_bits: tuple[int, ...]
    input_bits: tuple[int, ...]  # the array's input operand, fed one bit per cycle
    act_bits: tuple[int, ...]  # stored activation bits (GLB / DRAM traffic)
    out_bits: tuple[int, ...]
    acc_bits: int  # the widest class's accumulation
    table_word_bits: int
    group_size: int


@dataclass(frozen=True)
class DcimPlan:
    body: Datapath
    edge: Datapath
    operands: DcimOperands
    macros: Any  # an array over the points in a block
    macros_needed: Any
    rows: tuple[PricedRow, ...]

    @property
    def group_size(self) -> int:
        return self.operands.group_size


def operands(scheme: QuantScheme, body: Datapath, edge: Datapath, *own: Datapath) -> DcimOperands:
    """The operands of the body, the first/last layers and each class of layers with a precision
    of their own (``own``)."""
    edge_bits = scheme.first_last_bits or scheme.activations.bits
    dps = (body, edge, *own)
    return DcimOperands(
        weight_bits=tuple(d.weight_operand_bits for d in dps),
        input_bits=tuple(d.act_operand_bits for d in dps),
        act_bits=(scheme.activations.bits, edge_bits, *(d.scheme.activations.bits for d in own)),
        out_bits=(scheme.outputs.bits, edge_bits, *(d.scheme.outputs.bits for d in own)),
        acc_bits=max(d.accumulator_bits for d in dps),
        table_word_bits=table_word_bits(body),
        group_size=body.weight_group_size or 1,
    )


# The design-point columns of DcimLayerParams, in the order _varying_values + _shared_values give
# them: the first four (rows .. dram_bits_per_cycle) those a block of points may vary in
# (plan_dcim_block), the rest those its block_key fixes.
_POINT_FIELDS = ("rows", "cols", "macros_fixed", "dram_bits_per_cycle", "group_bits", "glb_bits_per_cycle",
                 "post_lanes", "glb_bits")


def _varying_values(a: DigitalCimConfig) -> tuple[float, ...]:
    return (a.rows, a.cols, np.nan if a.macros is None else a.macros, a.dram_bits_per_cycle)


def _shared_values(a: DigitalCimConfig) -> tuple[float, ...]:
    return (a.weight_group_bits, a.glb_bits_per_cycle, a.post_lanes, a.glb_bits)


def count_settings(a: DigitalCimConfig) -> tuple[float, ...]:
    """Every number of a configuration its counts read (its row of :func:`layer_params`):
    configurations equal in these count alike."""
    return _varying_values(a) + _shared_values(a)


_LAYOUT = ParamLayout(DcimLayerParams, _POINT_FIELDS, _varying_values, _shared_values,
                      (("weight_bits", "weight_bits", False), ("input_bits", "input_bits", False),
                       ("act_bits", "act_bits", False), ("out_bits", "out_bits", False)))


def layer_params(archs: Sequence[DigitalCimConfig], ops: Sequence[DcimOperands], t: WorkloadTables) -> DcimLayerParams:
    """Stack design points into (points, 1) / (points, layers) arrays: each distinct configuration
    and operands object read once (:meth:`~hwcost.arch.shared.params.ParamLayout.stack`)."""
    return _LAYOUT.stack(archs, ops, t)


def block_params(configs: Sequence[DigitalCimConfig], ops: DcimOperands, t: WorkloadTables) -> DcimLayerParams:
    """:func:`layer_params` of a block (configurations sharing :func:`block_key`, one operands),
    the numbers the block shares given once (:meth:`~hwcost.arch.shared.params.ParamLayout.block`)."""
    return _LAYOUT.block(configs, ops, t)


def _check_hostable(dp: Datapath) -> None:
    """The gates and trees realise the MACs; a per-MAC post-processing unit has nowhere to sit."""
    for u in dp.units:
        if u.placement is Placement.PER_MAC and u.kind not in _ARRAY_KINDS:
            raise HwcostError.single(
                f"scheme '{dp.scheme.name}' needs a per-MAC {u.kind.value}, which the digital-CIM array "
                "cannot host; use the mac_array template", key="arch")


def accumulator_bits(arch: DigitalCimConfig, weight_bits: int, input_bits: int) -> tuple[int, int]:
    """(shift-accumulator, weight-group combiner) widths: the tree's sum of g + ceil(log2 R) bits,
    shifted over S_a input bits (+ S_a bits), and the weight groups joined (+ (S_w - 1) g bits)."""
    tree = adder_tree(arch.rows, arch.weight_group_bits)
    sa = tree.output_bits + input_bits
    s_w = math.ceil(weight_bits / arch.weight_group_bits)
    return sa, sa + (s_w - 1) * arch.weight_group_bits


def _macro_prices(arch: DigitalCimConfig, pricer: Pricer, ops: DcimOperands) -> tuple[float, ...]:
    """What one macro of ``arch``'s shape costs, besides the macro count: (mean tree addition,
    one tree's area, the shift-accumulator and combiner area per tree, the leakage per macro of
    cells, gates, trees, shift-accumulators and input registers, then the shift-accumulate and the
    combine energies per class)."""
    tree = adder_tree(arch.rows, arch.weight_group_bits)
    cost = tree_cost(tree, pricer)
    e_add = cost.energy_pj / tree.adders  # the mean addition of a full tree
    widths = [accumulator_bits(arch, w, a) for w, a in zip(ops.weight_bits, ops.input_bits)]
    e_sa = [_add_reg(pricer, sa) for sa, _ in widths]
    e_gc = [_add_reg(pricer, gc) for _, gc in widths]
    sa_max, gc_max = max(w[0] for w in widths), max(w[1] for w in widths)
    in_max = max(ops.input_bits)
    # Static power per macro (docs/digital-cim.md §4): the cells by the library's SRAM law per bit,
    # gates, trees, accumulators and input registers by the library's leakage of each component
    # (0 where it gives none, which the report names).
    cells = arch.rows * arch.cols
    leak_cells = cells * sram_leakage_mw_per_bit(arch.rows, arch.cols, pricer)
    leak_gates = cells * pricer.leakage_mw("logic_gate", gate=BITWISE_GATE)
    leak_trees = arch.trees_per_macro * sum(n * pricer.leakage_mw("int_adder", bits=b) for n, b in tree.levels)
    leak_sa = arch.trees_per_macro * (pricer.leakage_mw("int_adder", bits=sa_max) + pricer.leakage_mw("register", bits=sa_max)
                                      + pricer.leakage_mw("int_adder", bits=gc_max))
    leak_in = arch.rows * pricer.leakage_mw("register", bits=in_max)
    a_sa = _add_reg_area(pricer, sa_max) + pricer.area_um2("int_adder", bits=gc_max)
    return (e_add, cost.area_um2, a_sa, leak_cells, leak_gates, leak_trees, leak_sa, leak_in, *e_sa, *e_gc)


def _add_reg(pricer: Pricer, bits: int) -> float:
    return pricer.energy_pj("int_adder", bits=bits) + pricer.energy_pj("register", bits=bits)


def _add_reg_area(pricer: Pricer, bits: int) -> float:
    return pricer.area_um2("int_adder", bits=bits) + pricer.area_um2("register", bits=bits)


def _array_rows(arch: DigitalCimConfig, pricer: Pricer, macros: Any, ops: DcimOperands, rows: Any, cols: Any,
                prices: Sequence[Any]) -> list[PricedRow]:
    """The array's rows on ``macros`` macros of ``rows`` x ``cols`` (arrays over a block's points,
    each part leaking at every point or at none), priced per macro by :func:`_macro_prices`."""
    e_add, a_tree, a_sa, leak_cells, leak_gates, leak_trees, leak_sa, leak_in = prices[:8]
    classes = len(ops.weight_bits)
    e_sa, e_gc = prices[8:8 + classes], prices[8 + classes:]
    trees = macros * (cols // arch.weight_group_bits)
    e_gate = pricer.energy_pj("logic_gate", gate=BITWISE_GATE)
    e_reg_bit = pricer.energy_pj("register", bits=1)
    in_max = max(ops.input_bits)
    e_acc = _add_reg(pricer, ops.acc_bits)
    cells = rows * cols

    def row(unit: DcimRow, category: Category, terms: tuple[Term, ...], area: Any, leak: Any) -> PricedRow:
        # Gated cells keep their weights (soft, 1/3 remains); gates, trees and registers hold
        # nothing across an idle layer (hard, 1/260).
        residual = GATED_LEAKAGE_FRACTION if unit is DcimRow.CELLS else HARD_GATED_LEAKAGE_FRACTION
        leakage, static = macro_leakage(arch.power_gating, arch.clock_mhz, macros, leak, DcimCount.ACTIVE_MACRO_CYCLES,
                                        residual)
        return PricedRow(unit, category, terms + static, area, leakage_mw=leakage)

    return [
        row(DcimRow.CELLS, Category.CIM_ARRAY, (),  # the stored bit drives its gate statically
            cells * macros * pricer.area_um2("cim_cell", cell=CELL), leak_cells),
        row(DcimRow.GATES, Category.CIM_ARRAY, (Term(DcimCount.GATE_OPS, e_gate, e_gate),),
            cells * macros * pricer.area_um2("logic_gate", gate=BITWISE_GATE), leak_gates),
        row(DcimRow.ADDER_TREES, Category.CIM_PERIPHERY, (Term(DcimCount.TREE_ADDS, e_add, e_add),), trees * a_tree,
            leak_trees),
        row(DcimRow.SHIFT_ACCUMULATORS, Category.CIM_PERIPHERY,
            (Term(DcimCount.SHIFT_ACCUMULATES, *e_sa), Term(DcimCount.GROUP_COMBINES, *e_gc)), trees * a_sa, leak_sa),
        row(DcimRow.INPUT_REGISTERS, Category.CIM_PERIPHERY,
            (Term(DcimCount.INPUT_REGISTER_BITS, e_reg_bit, e_reg_bit),),
            macros * rows * pricer.area_um2("register", bits=in_max), leak_in),
        PricedRow(DcimRow.ROW_GROUP_ACCUMULATOR, Category.COMPUTE, (Term(DcimCount.ROW_GROUP_ADDS, e_acc, e_acc),),
                  arch.post_lanes * _add_reg_area(pricer, ops.acc_bits)),
    ]


def _write_energy_pj(arch: DigitalCimConfig, pricer: Pricer, macros: int, needed: int) -> float:
    """Energy per bit rewritten, when the weights do not all fit in the macros."""
    args = dict(capacity_bytes=arch.rows * arch.cols / 8, width_bits=min(arch.cols, _WRITE_WIDTH_MAX_BITS))
    if args["capacity_bytes"] < 1024 or args["width_bits"] < 32:
        raise HwcostError.single(
            f"the network needs {needed} macros but only {macros} are given, and rewriting a {arch.rows} x "
            f"{arch.cols} macro is below the smallest SRAM the library prices (1 KiB, 32-bit port): "
            f"set macros >= {needed} or 'auto'", key="macros")
    return pricer.energy_pj("sram", "write", **args) / args["width_bits"]


def _bom_instances(priced: PricedUnit, arch: DigitalCimConfig, rows: Any) -> Any:
    unit = priced.unit
    if priced.is_memory:
        return 1
    if unit.placement is Placement.PER_INPUT or unit.kind is UnitKind.ZERO_POINT_WINDOW_SUM:
        return rows  # at the row inputs / an adder tree over the R inputs
    if unit.placement is Placement.PER_OUTPUT_PIXEL:
        return 1
    return arch.post_lanes


def _bom_rows(dps: ClassDatapaths, arch: DigitalCimConfig, pricer: Pricer, t: WorkloadTables,
              group_size: int, rows: Any) -> list[PricedRow]:
    """Post-processing units of the bill of materials; ``rows``: the macro's rows (an array over a
    block's points)."""
    def terms() -> tuple[tuple[PricedUnit, Term], ...]:
        for dp in dps.datapaths:
            _check_hostable(dp)
        return tuple((p, Term(count_key(p.unit), *p.energies_pj))
                     for p in priced_units(dps.datapaths, pricer, t, group_size, exclude=_ARRAY_KINDS))

    # Once per library, datapaths, workload and group size (a scheme's blocks share them).
    units = pricer.derived(("dcim_bom_terms", *map(id, dps.datapaths), id(t), group_size), terms, keep=(*dps.datapaths, t))
    return [
        PricedRow(p.unit.kind, Category.QUANT_OVERHEAD, (term,), _bom_instances(p, arch, rows) * p.area_um2,
                  qualifier=p.qualifier, leakage_mw=p.leakage_mw)
        for p, term in units
    ]


def plan_digital_cim(scheme: QuantScheme, arch: DigitalCimConfig, pricer: Pricer, t: WorkloadTables,
                     datapaths: ClassDatapaths) -> DcimPlan:
    """Map the network onto macros and price every row: the block of one point (:func:`plan_dcim_block`)."""
    ((_, block),) = plan_dcim_block(scheme, (arch,), pricer, t, datapaths)
    return replace(block, macros=int(block.macros[0]), macros_needed=int(block.macros_needed[0]),
                   rows=point_rows(block.rows, 0))


def block_key(arch: DigitalCimConfig) -> tuple[object, ...]:
    """What the design points of one block share (:func:`plan_dcim_block`): every setting the plan
    branches on or prices as a whole. The macro's rows and columns and the macro count (fixed or
    auto) may vary within a block."""
    return (arch.weight_group_bits, id(arch.power_gating), arch.post_lanes, arch.clock_mhz, arch.glb_kib,
            arch.glb_width_bits, arch.glb_banks, id(arch.dram_standard))


def _macro_prices_once(arch: DigitalCimConfig, pricer: Pricer, ops: DcimOperands) -> tuple[float, ...]:
    """:func:`_macro_prices`, kept per library, macro shape and operand widths."""
    key = ("dcim_macro", arch.rows, arch.cols, arch.weight_group_bits, ops.weight_bits, ops.input_bits)
    return pricer.derived(key, lambda: _macro_prices(arch, pricer, ops))


_BLOCK_VARYING = attrgetter("rows", "cols", "macros", "dram_bandwidth_gbps")  # what block_key leaves free


def _priced_operands(ops: DcimOperands) -> tuple[object, ...]:
    """The operands :func:`_block_prices` reads (the weight and input widths of the geometry and the
    macro's prices, the accumulation's width): schemes equal in these share a block's prices. A
    change that reads another operand there must add it here."""
    return ops.weight_bits, ops.input_bits, ops.acc_bits


def _block_prices(configs: Sequence[DigitalCimConfig], ops: DcimOperands, pricer: Pricer,
                  t: WorkloadTables) -> BlockPrices:
    """The macro count and the array's rows of each point of a block, as arrays over them
    (:func:`plan_dcim_block`)."""
    arch = configs[0]
    n = len(configs)
    params = block_params(configs, ops, t)
    g = dcim_geometry(t.shapes, params)
    needed = g.tiles.sum(axis=1).astype(np.int64)
    fixed = params.macros_fixed[:, 0]
    macros = np.where(np.isnan(fixed), needed, fixed).astype(np.int64)
    rows = params.rows[:, 0].astype(np.int64)
    cols = params.cols[:, 0].astype(np.int64)
    shape = rows * (1 << 32) + cols
    prices = _each(shape, lambda i: _macro_prices_once(configs[i], pricer, ops)).T
    writes = needed > macros
    write_bit = np.zeros(n)
    if writes.any():
        small = (rows * cols / 8 < 1024) | (np.minimum(cols, _WRITE_WIDTH_MAX_BITS) < 32)
        if (writes & small).any():  # the first such point's problem, as it alone has
            i = int(np.flatnonzero(writes & small)[0])
            _write_energy_pj(configs[i], pricer, int(macros[i]), int(needed[i]))
        at = np.flatnonzero(writes)
        write_bit[at] = _each(shape[at], lambda j: (_write_energy_pj(configs[at[j]], pricer, int(macros[at[j]]),
                                                                     int(needed[at[j]])),))[:, 0]
    # The structure of each point's rows: whether its weights fit and (gated) which parts leak nothing.
    columns = [writes[:, None]]
    if arch.power_gating is not PowerGating.NONE:
        columns.append((prices[3:8] == 0).T)

    def array_parts() -> list[tuple[np.ndarray, tuple[PricedRow, ...]]]:
        parts = []
        for kind, sel in structures(np.concatenate(columns, axis=1)):
            rows_here = _array_rows(arch, pricer, macros[sel], ops, rows[sel], cols[sel], [p[sel] for p in prices])
            if kind[0]:
                e_bit = write_bit[sel]
                rows_here.append(PricedRow(DcimRow.WEIGHT_WRITES, Category.CIM_ARRAY,
                                           (Term(DcimCount.WEIGHT_WRITE_BITS, e_bit, e_bit),), 0.0))
            parts.append((sel, tuple(rows_here)))
        return parts

    return BlockPrices(needed, macros, rows, array_parts)


def plan_dcim_block(scheme: QuantScheme, configs: Sequence[DigitalCimConfig], pricer: Pricer, t: WorkloadTables,
                    datapaths: ClassDatapaths) -> list[tuple[np.ndarray, DcimPlan]]:
    """:func:`plan_digital_cim` of several design points at once: configurations sharing
    :func:`block_key`, one scheme, library and workload. The geometry of every point is computed at
    once, each distinct macro shape priced once; the points are split by the structure of their
    rows (whether the weights fit, which parts leak nothing when gated) into sub-blocks, each
    returned with its points' positions in ``configs``, its numbers arrays over its points: the
    arithmetic of one point, element by element. What the configurations and the operands alone
    decide (:class:`BlockPrices`, and the array's rows of each sub-block) is kept per pricer,
    workload, the operands it reads and the configurations' settings
    (:class:`~hwcost.arch.cim_macro.plan.BlockMemo`)."""
    arch = configs[0]
    n = len(configs)
    check_integer_layers(datapaths, scheme, "digital_cim")
    ops = operands(scheme, *datapaths.datapaths)
    # Keyed by value: the configurations' settings (block_key and what may vary within a block) and
    # the operands the prices read; the workload's tables are held with the value, so its id stays its.
    memo = pricer.derived(("dcim_block_memo",), BlockMemo)
    key = (id(t), _priced_operands(ops), block_key(arch), *map(_BLOCK_VARYING, configs))
    keep = (t,)
    prices = memo.get(("prices",) + key, lambda: _block_prices(configs, ops, pricer, t), keep, n)
    tail = _bom_rows(datapaths, arch, pricer, t, ops.group_size, prices.rows)
    tail += buffer_rows(arch, arch.post_lanes, pricer, scheme)
    array_parts = memo.get(("rows",) + key, prices.array_parts, keep, n)
    return [(sel, DcimPlan(datapaths.body, datapaths.edge, ops, prices.macros[sel], prices.needed[sel], rows))
            for sel, rows in sub_block_rows(array_parts, tail, n, pricer)]
