"""Price the rows of one MAC-array design point: energy per action and area per instance.

A design point's bill of materials (the classifier's datapath for its body layers and for its
first/last layers) plus the array's fixed parts (PE registers, global buffer, DRAM, element-wise
units) become :class:`~hwcost.arch.shared.pricing.PricedRow` records. Each row's energy is a sum
of terms ``energy per action x actions``, where the actions come from
:func:`hwcost.arch.mac_array.counts.count_actions` summed over the body and the first/last
layers (``docs/cost-model.md`` §3-4). Pinned costs replace the library's where the arch file
gives them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from hwcost.arch.mac_array.config import MacArrayConfig, MacRow, PeStyle, PinnedCost
from hwcost.arch.mac_array.counts import MacCount
from hwcost.arch.shared.adder_tree import adder_tree, tree_cost
from hwcost.arch.shared.bom import BodyEdge, PricedUnit, count_key, priced_units, table_word_bits
from hwcost.arch.shared.memory import buffer_rows
from hwcost.arch.shared.pricing import Count, PricedRow, Pricer, SharedRow, Term
from hwcost.arch.shared.tables import WorkloadTables
from hwcost.classify import Datapath, Placement, Unit, UnitKind
from hwcost.report import Category
from hwcost.schemes import QuantScheme
from hwcost.techlib.flavour import describe_flavour

__all__ = ["MacPlan", "plan_mac_array"]

PE_KINDS = (UnitKind.MAC_MULTIPLIER, UnitKind.ACCUMULATOR)
_GATED = (UnitKind.MAC_MULTIPLIER, UnitKind.ACCUMULATOR, MacRow.PE_REGISTERS, MacRow.SHIFT_ADD)  # the PE grid

# Power gating's residual leakage, from "The design and implementation of a low-overhead
# supply-gated SRAM" (IBM Research, IEEE 2006, abstract): "over 260x and 3x leakage reduction is
# observed in 65nm-technology hardware for hard and soft gating, respectively, including the
# leakage of control and drive circuits" (the CIM macro's gating uses the same figures). The PE
# grid's combinational units lose nothing when hard-gated: 1/260 remains. Its registers hold the
# stationary weights and the partial sums across idle cycles, so they are soft-gated (retentive):
# 1/3 remains.
HARD_GATED_RESIDUAL = 1.0 / 260.0
RETENTIVE_GATED_RESIDUAL = 1.0 / 3.0


@dataclass(frozen=True)
class MacPlan:
    """Everything about a design point the vectorised counts need, plus its priced rows."""

    body: Datapath
    edge: Datapath
    hw_weight_bits: int
    hw_act_bits: int
    acc_bits: int  # the accumulator register's width: the widest accumulation the PEs run
    body_acc_bits: int  # the accumulation of the body layers (their longest reduction)
    edge_acc_bits: int  # the accumulation of the first/last layers
    fp_edge: bool  # first/last layers run on FP32 MACs beside the array
    edge_weight_bits: int
    edge_act_bits: int
    table_word_bits: int  # bits per output channel of per-channel tables loaded from DRAM
    group_size: int
    acc_port_bits: int  # bits per accumulator-buffer access
    ibuf_port_bits: int  # bits per input-buffer access
    rows: tuple[PricedRow, ...]
    unused_pins: tuple[str, ...]  # pinned units this point's bill of materials does not have
    device_flavour: str = ""  # the library's flavour and what the clock rule would pick (report settings)


def _instances(unit: Unit, arch: MacArrayConfig) -> int:
    p = unit.placement
    if p is Placement.PER_MAC:
        return arch.num_pes
    if p is Placement.PER_INPUT:
        return arch.pe_rows
    if p is Placement.PER_OUTPUT_PIXEL:
        # A window sum: an adder tree over the R activations entering the array per cycle (R - 1
        # adders) plus the adder accumulating it across reduction tiles.
        return arch.pe_rows if unit.kind is UnitKind.ZERO_POINT_WINDOW_SUM else 1
    if p is Placement.OFFLINE:
        return 0
    return arch.post_lanes


def _leakage_mw(unit: Unit | None, pricer: Pricer) -> float:
    """Static power of one instance of a logic unit (0 where absent or the library gives none)."""
    return 0.0 if unit is None else pricer.leakage_mw(str(unit.component), **unit.widths)


def _bom_row(priced: PricedUnit, fp_edge: bool, arch: MacArrayConfig, pricer: Pricer) -> tuple[PricedRow, int]:
    """The row of one priced unit, and its instance count (a per-channel table is one memory)."""
    unit = priced.unit
    eb, ee = priced.energy_body_pj, priced.energy_edge_pj
    n = 1 if priced.is_memory else _instances(unit, arch)
    area = n * max(priced.area_body_um2, priced.area_edge_um2)
    leak_b = leak_e = 0.0
    if not priced.is_memory:
        b, e = priced.body, priced.edge
        leak_b = _leakage_mw(b, pricer)
        same = b is not None and e is not None and e.component is b.component and e.widths == b.widths
        leak_e = leak_b if same else _leakage_mw(e, pricer)
    leakage = priced.leakage_mw if priced.is_memory else n * max(leak_b, leak_e)
    count = count_key(unit)
    if unit.kind in PE_KINDS:
        # Integer first/last layers run as PE-wide slices on the same PEs (their multiplies at
        # the PE's width; their accumulations, once per MAC, at their own accumulator width);
        # FP32 ones on a row of C FP units beside the array.
        if not fp_edge and unit.kind is UnitKind.MAC_MULTIPLIER or priced.edge is None:
            ee = eb
        area = n * priced.area_body_um2 + (arch.pe_cols * priced.area_edge_um2 if fp_edge else 0.0)
        leakage = n * leak_b + (arch.pe_cols * leak_e if fp_edge else 0.0)
        if not fp_edge and unit.kind is UnitKind.ACCUMULATOR:
            area = n * max(priced.area_body_um2, priced.area_edge_um2)
            leakage = n * max(leak_b, leak_e)
        if unit.kind is UnitKind.ACCUMULATOR:
            count = MacCount.ACCUMULATIONS
    category = Category.COMPUTE if unit.kind in PE_KINDS else Category.QUANT_OVERHEAD
    row = PricedRow(unit.kind, category, (Term(count, eb, ee),), area, qualifier=priced.qualifier,
                    leakage_mw=leakage)
    return row, n


def _pe_register_row(arch: MacArrayConfig, pricer: Pricer, hw_w: int, hw_a: int, acc: int, acc_body: int,
                     acc_edge: int) -> PricedRow:
    """Per PE operation (every bit-slice pass): the input pipeline register; per accumulation
    (once per MAC, at the layer's accumulator width): the accumulator register (per-PE
    accumulation); with an adder tree, one input register per row serves the C columns and one
    accumulator register per column the R rows. Per weight load: the weight register. Area and
    leakage at the widest accumulator."""
    reg = lambda bits: pricer.energy_pj("register", bits=bits)  # noqa: E731
    e_in, e_w = reg(hw_a), reg(hw_w)
    e_acc_b, e_acc_e = reg(acc_body), reg(acc_edge)
    a_in, a_acc, a_w = (pricer.area_um2("register", bits=b) for b in (hw_a, acc, hw_w))
    l_in, l_acc, l_w = (pricer.leakage_mw("register", bits=b) for b in (hw_a, acc, hw_w))
    if arch.pe_style is PeStyle.ADDER_TREE:
        e_in, e_acc_b, e_acc_e = e_in / arch.pe_cols, e_acc_b / arch.pe_rows, e_acc_e / arch.pe_rows
        area = arch.pe_rows * a_in + arch.pe_cols * a_acc + arch.num_pes * a_w
        leakage = arch.pe_rows * l_in + arch.pe_cols * l_acc + arch.num_pes * l_w
    else:
        area = arch.num_pes * pricer.area_um2("register", bits=hw_a + acc + hw_w)
        leakage = arch.num_pes * pricer.leakage_mw("register", bits=hw_a + acc + hw_w)
    return PricedRow(
        MacRow.PE_REGISTERS,
        Category.COMPUTE,
        (Term(Count.PER_MAC, e_in, e_in), Term(MacCount.ACCUMULATIONS, e_acc_b, e_acc_e),
         Term(MacCount.WEIGHT_LOADS, e_w, e_w)),
        area,
        leakage_mw=leakage,
    )


def _shift_add_row(arch: MacArrayConfig, pricer: Pricer, product_bits: int) -> PricedRow:
    """Bit-slice passes combined as shift-add: the P partial products of one MAC of a layer wider
    than the PE meet in P - 1 additions at the full product width, each into a product-width
    register, before the accumulator adds their sum once (Bit Fusion's fusion unit, Sharma et al.
    ISCA 2018). One shift-adder and its register per PE; with an adder tree, one per column after
    the tree, as wide as the tree's sum (ceil(log2 R) more bits), acting once per R MACs."""
    bits, per, units = product_bits, 1, arch.num_pes
    if arch.pe_style is PeStyle.ADDER_TREE:
        bits, per, units = product_bits + max(arch.pe_rows - 1, 0).bit_length(), arch.pe_rows, arch.pe_cols
    e = (pricer.energy_pj("int_adder", bits=bits) + pricer.energy_pj("register", bits=bits)) / per
    area = pricer.area_um2("int_adder", bits=bits) + pricer.area_um2("register", bits=bits)
    leak = pricer.leakage_mw("int_adder", bits=bits) + pricer.leakage_mw("register", bits=bits)
    return PricedRow(MacRow.SHIFT_ADD, Category.COMPUTE, (Term(MacCount.SHIFT_ADDS, e, e),), units * area,
                     leakage_mw=units * leak)


def _tree_accumulator_row(row: PricedRow, arch: MacArrayConfig, pricer: Pricer, product_bits: int, acc: int,
                          acc_body: int, acc_edge: int, fp_edge: bool) -> PricedRow:
    """The ``accumulator`` row of an adder-tree array: per column and cycle (every bit-slice pass)
    the tree's adders (``hwcost/arch/shared/adder_tree.py``), i.e. per PE operation the tree / R;
    per accumulation (once per MAC) one accumulating adder at the layer's width / R. Per column the
    same adders' area and leakage (the accumulating adder at the widest)."""
    tree = tree_cost(adder_tree(arch.pe_rows, product_bits), pricer)
    e_tree = tree.energy_pj / arch.pe_rows

    def per_acc(bits: int) -> float:
        return pricer.energy_pj("int_adder", bits=bits) / arch.pe_rows

    (term,) = row.terms
    # FP32 first/last layers keep their FP accumulators (and use no tree)
    tree_edge, acc_e = (0.0, term.energy_edge_pj) if fp_edge else (e_tree, per_acc(acc_edge))
    fp_area = row.area_um2 - arch.num_pes * pricer.area_um2("int_adder", bits=acc) if fp_edge else 0.0
    fp_leak = row.leakage_mw - arch.num_pes * pricer.leakage_mw("int_adder", bits=acc) if fp_edge else 0.0
    column_area = tree.area_um2 + pricer.area_um2("int_adder", bits=acc)
    column_leak = tree.leakage_mw + pricer.leakage_mw("int_adder", bits=acc)
    terms = (Term(Count.PER_MAC, e_tree, tree_edge), Term(term.count, per_acc(acc_body), acc_e))
    return replace(row, terms=terms, area_um2=arch.pe_cols * column_area + fp_area,
                   leakage_mw=arch.pe_cols * column_leak + fp_leak)


def _port_bits(wanted: int, pricer: Pricer) -> int:
    """A port of ``wanted`` bits within the ports the library's SRAM law covers (32-256 bits in the
    CACTI 7 sweep): narrower words occupy the narrowest port, wider rows take several accesses."""
    sram = pricer.sram_range()
    return int(min(max(wanted, sram.min_port_bits), sram.max_port_bits))


def acc_port_bits(arch: MacArrayConfig, acc_bits: int, pricer: Pricer) -> int:
    """One accumulator-buffer access moves a row of C partial sums."""
    return _port_bits(arch.pe_cols * acc_bits, pricer)


def ibuf_port_bits(arch: MacArrayConfig, act_bits: int, pricer: Pricer) -> int:
    """One input-buffer read hands the R rows one activation each."""
    return _port_bits(arch.pe_rows * act_bits, pricer)


def _buffer_row(unit: MacRow, kib: float, port: int, reads: MacCount, writes: MacCount, pricer: Pricer) -> list[PricedRow]:
    """A local SRAM buffer of ``kib`` KiB (none at 0): energy per read and per write access of
    ``port`` bits, its area and its leakage."""
    if kib == 0:
        return []
    args = dict(capacity_bytes=kib * 1024, width_bits=port)
    e_rd, e_wr = pricer.energy_pj("sram", "read", **args), pricer.energy_pj("sram", "write", **args)
    return [PricedRow(unit, Category.ON_CHIP_MEMORY, (Term(reads, e_rd, e_rd), Term(writes, e_wr, e_wr)),
                      pricer.area_um2("sram", **args), leakage_mw=pricer.leakage_mw("sram", **args))]


def _pin(row: PricedRow, pinned: PinnedCost, instances: float) -> PricedRow:
    """``row`` at the pinned energy per action and area per instance.

    PE units are pinned per MAC (the weight-register loads of ``pe_registers`` are then part of
    the pinned figure); memories per access or bit, reads and writes alike; the element-wise row
    per operation, adds and compares alike. Its leakage is the pinned ``leakage_mw`` per instance
    (0 unless given): the library's is not added to a figure that replaces the library's.
    """
    first, *rest = row.terms
    terms = (Term(first.count, pinned.energy_pj, pinned.energy_pj),)
    if row.unit in (SharedRow.GLB, SharedRow.DRAM, SharedRow.ELEMENTWISE, MacRow.ACC_BUFFER, MacRow.INPUT_BUFFER):
        terms += tuple(Term(t.count, pinned.energy_pj, pinned.energy_pj) for t in rest)
    return replace(row, terms=terms, area_um2=pinned.area_um2 * instances, source=pinned.source,
                   leakage_mw=pinned.leakage_mw * instances)


def _slice_passes(hw_bits: int, layer_bits: int) -> int:
    return -(-layer_bits // hw_bits)


def _gated(row: PricedRow, arch: MacArrayConfig, edge_passes: int) -> PricedRow:
    """A PE row under power gating (``docs/cost-model.md`` §6): its units leak fully only in the
    cycles they compute -- (1 - r) x leakage x one clock period, charged to each PE operation --
    and the residual fraction r in every cycle (the row's static power): r = 1/260 for the
    combinational units, 1/3 for the registers, which keep their state."""
    r = RETENTIVE_GATED_RESIDUAL if row.unit is MacRow.PE_REGISTERS else HARD_GATED_RESIDUAL
    per_op_pj = (1.0 - r) * row.leakage_mw / arch.num_pes * 1e9 / (arch.clock_mhz * 1e6)  # mW x s -> pJ
    first, *rest = row.terms
    # The accumulator acts once per MAC; its PE computes edge_passes times per MAC on sliced layers.
    # A shift-add acts P - 1 times per MAC while its PE computes P times.
    edge_ops = {MacCount.ACCUMULATIONS: edge_passes,
                MacCount.SHIFT_ADDS: edge_passes / max(edge_passes - 1, 1)}.get(first.count, 1)
    first = Term(first.count, first.energy_body_pj + per_op_pj, first.energy_edge_pj + edge_ops * per_op_pj)
    return replace(row, terms=(first, *rest), leakage_mw=r * row.leakage_mw)


def plan_mac_array(scheme: QuantScheme, arch: MacArrayConfig, pricer: Pricer, tables: WorkloadTables,
                   datapaths: BodyEdge) -> MacPlan:
    """Size the PEs for the body and first/last layers and price every row."""
    body, edge, fp_edge = datapaths.body, datapaths.edge, datapaths.fp_edge
    acc_body = body.accumulator_bits
    acc_edge = body.accumulator_bits if fp_edge else edge.accumulator_bits
    # The accumulator register holds every layer's accumulation: its area and leakage are the
    # widest one's; each layer's additions and register loads are priced at its own width.
    acc = max(acc_body, acc_edge)
    hw_w, hw_a = body.weight_operand_bits, body.act_operand_bits
    edge_w, edge_a = edge.weight_operand_bits, (32 if fp_edge else (scheme.first_last_bits or 32))
    edge_passes = 1 if fp_edge else _slice_passes(hw_w, edge_w) * _slice_passes(hw_a, edge_a)
    group_size = body.weight_group_size or 1
    rows: list[tuple[PricedRow, int]] = [
        _bom_row(p, fp_edge, arch, pricer) for p in priced_units(body, edge, pricer, tables, group_size)
    ]
    if arch.pe_style is PeStyle.ADDER_TREE:
        rows = [(_tree_accumulator_row(r, arch, pricer, hw_w + hw_a, acc, acc_body, acc_edge, fp_edge), arch.pe_cols)
                if r.unit is UnitKind.ACCUMULATOR else (r, n) for r, n in rows]
    rows.append((_pe_register_row(arch, pricer, hw_w, hw_a, acc, acc_body, acc_edge), arch.num_pes))
    if edge_passes > 1:
        rows.append((_shift_add_row(arch, pricer, edge_w + edge_a), arch.num_pes))
    if arch.power_gating:
        rows = [(_gated(r, arch, edge_passes), n) if r.unit in _GATED else (r, n) for r, n in rows]
    rows += [(r, 1) for r in _buffer_row(MacRow.ACC_BUFFER, arch.acc_buffer_kib, acc_port_bits(arch, acc, pricer),
                                         MacCount.ACC_READ_ACCESSES, MacCount.ACC_WRITE_ACCESSES, pricer)]
    rows += [(r, 1) for r in _buffer_row(MacRow.INPUT_BUFFER, arch.input_buffer_kib,
                                         ibuf_port_bits(arch, scheme.activations.bits, pricer),
                                         MacCount.IBUF_READ_ACCESSES, MacCount.IBUF_WRITE_ACCESSES, pricer)]
    rows += [(r, 1 if r.unit in (SharedRow.GLB, SharedRow.DRAM) else arch.post_lanes)
             for r in buffer_rows(arch, arch.post_lanes, pricer, scheme.activations.bits)]
    pinned: dict[Enum, PinnedCost] = dict(arch.pinned)
    priced = tuple(_pin(r, pinned[r.unit], n) if r.unit in pinned else r for r, n in rows)
    present = {r.unit for r in priced}
    return MacPlan(
        body=body,
        edge=edge,
        hw_weight_bits=hw_w,
        hw_act_bits=hw_a,
        acc_bits=acc,
        body_acc_bits=acc_body,
        edge_acc_bits=acc_edge,
        fp_edge=fp_edge,
        edge_weight_bits=edge_w,
        edge_act_bits=edge_a,
        table_word_bits=table_word_bits(body),
        group_size=group_size,
        acc_port_bits=acc_port_bits(arch, acc, pricer),
        ibuf_port_bits=ibuf_port_bits(arch, scheme.activations.bits, pricer),
        rows=priced,
        unused_pins=tuple(u.value for u in pinned if u not in present),
        device_flavour=describe_flavour(pricer.lib, arch.clock_mhz),
    )
