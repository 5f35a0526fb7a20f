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
from hwcost.arch.shared.bom import BodyEdge, PricedUnit, count_key, priced_units, table_word_bits
from hwcost.arch.shared.memory import buffer_rows
from hwcost.arch.shared.pricing import Count, PricedRow, Pricer, SharedRow, Term
from hwcost.arch.shared.tables import WorkloadTables
from hwcost.classify import Datapath, Placement, Unit, UnitKind
from hwcost.report import Category
from hwcost.schemes import QuantScheme

__all__ = ["MacPlan", "plan_mac_array"]

PE_KINDS = (UnitKind.MAC_MULTIPLIER, UnitKind.ACCUMULATOR)


@dataclass(frozen=True)
class MacPlan:
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
    acc_port_bits: int  # bits per accumulator-buffer access
    ibuf_port_bits: int  # bits per input-buffer access
    rows: tuple[PricedRow, ...]
    unused_pins: tuple[str, ...]  # pinned units this point's bill of materials does not have


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


def _bom_row(priced: PricedUnit, fp_edge: bool, arch: MacArrayConfig) -> tuple[PricedRow, int]:
    """The row of one priced unit, and its instance count (a per-channel table is one memory)."""
    unit = priced.unit
    eb, ee = priced.energy_body_pj, priced.energy_edge_pj
    n = 1 if priced.is_memory else _instances(unit, arch)
    area = n * max(priced.area_body_um2, priced.area_edge_um2)
    if unit.kind in PE_KINDS:
        # Integer first/last layers run as PE-wide slices on the same PEs; FP32 ones on a row of
        # C FP units beside the array.
        ee = ee if fp_edge else eb
        area = n * priced.area_body_um2 + (arch.pe_cols * priced.area_edge_um2 if fp_edge else 0.0)
    category = Category.COMPUTE if unit.kind in PE_KINDS else Category.QUANT_OVERHEAD
    row = PricedRow(unit.kind, category, (Term(count_key(unit), eb, ee),), area, qualifier=priced.qualifier,
                    leakage_mw=priced.leakage_mw)
    return row, n


def _pe_register_row(arch: MacArrayConfig, pricer: Pricer, hw_w: int, hw_a: int, acc: int) -> PricedRow:
    """Per MAC: the input pipeline register and the accumulator register of the PE (per-PE
    accumulation); with an adder tree, one input register per row serves the C columns and one
    accumulator register per column the R rows. Per weight load: the weight register."""
    e_in, e_acc = pricer.energy_pj("register", bits=hw_a), pricer.energy_pj("register", bits=acc)
    e_reg_w = pricer.energy_pj("register", bits=hw_w)
    a_in, a_acc, a_w = (pricer.area_um2("register", bits=b) for b in (hw_a, acc, hw_w))
    if arch.pe_style is PeStyle.ADDER_TREE:
        e_reg_mac = e_in / arch.pe_cols + e_acc / arch.pe_rows
        area = arch.pe_rows * a_in + arch.pe_cols * a_acc + arch.num_pes * a_w
    else:
        e_reg_mac = e_in + e_acc
        area = arch.num_pes * pricer.area_um2("register", bits=hw_a + acc + hw_w)
    return PricedRow(
        MacRow.PE_REGISTERS,
        Category.COMPUTE,
        (Term(Count.PER_MAC, e_reg_mac, e_reg_mac), Term(MacCount.WEIGHT_LOADS, e_reg_w, e_reg_w)),
        area,
    )


def adder_tree(inputs: int, product_bits: int) -> list[tuple[int, int]]:
    """(adders, width) per level of a tree summing ``inputs`` products of ``product_bits``: each
    level halves the operands (an odd one passes on) and widens the sum by one bit.

    >>> adder_tree(16, 8)
    [(8, 9), (4, 10), (2, 11), (1, 12)]
    >>> sum(n for n, _ in adder_tree(12, 8))  # an n-input tree has n - 1 adders
    11
    """
    levels, n, width = [], inputs, product_bits
    while n > 1:
        width += 1
        levels.append((n // 2, width))
        n = (n + 1) // 2
    return levels


def _tree_accumulator_row(row: PricedRow, arch: MacArrayConfig, pricer: Pricer, product_bits: int, acc: int,
                          fp_edge: bool) -> PricedRow:
    """The ``accumulator`` row of an adder-tree array: per column and cycle the tree's adders and
    one accumulating adder, i.e. per MAC that sum / R; per column the same adders' area."""
    tree = adder_tree(arch.pe_rows, product_bits)
    e_column = sum(n * pricer.energy_pj("int_adder", bits=w) for n, w in tree) + pricer.energy_pj("int_adder", bits=acc)
    a_column = sum(n * pricer.area_um2("int_adder", bits=w) for n, w in tree) + pricer.area_um2("int_adder", bits=acc)
    e_mac = e_column / arch.pe_rows
    (term,) = row.terms
    edge = term.energy_edge_pj if fp_edge else e_mac  # FP32 first/last layers keep their FP accumulators
    fp_area = row.area_um2 - arch.num_pes * pricer.area_um2("int_adder", bits=acc) if fp_edge else 0.0
    return replace(row, terms=(Term(term.count, e_mac, edge),), area_um2=arch.pe_cols * a_column + fp_area)


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
    per operation, adds and compares alike.
    """
    first, *rest = row.terms
    terms = (Term(first.count, pinned.energy_pj, pinned.energy_pj),)
    if row.unit in (SharedRow.GLB, SharedRow.DRAM, SharedRow.ELEMENTWISE, MacRow.ACC_BUFFER, MacRow.INPUT_BUFFER):
        terms += tuple(Term(t.count, pinned.energy_pj, pinned.energy_pj) for t in rest)
    return replace(row, terms=terms, area_um2=pinned.area_um2 * instances, source=pinned.source)


def plan_mac_array(scheme: QuantScheme, arch: MacArrayConfig, pricer: Pricer, tables: WorkloadTables,
                   datapaths: BodyEdge) -> MacPlan:
    """Size the PEs for the body and first/last layers and price every row."""
    body, edge, fp_edge = datapaths.body, datapaths.edge, datapaths.fp_edge
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
    rows: list[tuple[PricedRow, int]] = [
        _bom_row(p, fp_edge, arch) for p in priced_units(body_sized, edge, pricer, tables, group_size)
    ]
    if arch.pe_style is PeStyle.ADDER_TREE:
        rows = [(_tree_accumulator_row(r, arch, pricer, hw_w + hw_a, acc, fp_edge), arch.pe_cols)
                if r.unit is UnitKind.ACCUMULATOR else (r, n) for r, n in rows]
    rows.append((_pe_register_row(arch, pricer, hw_w, hw_a, acc), arch.num_pes))
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
        body=body_sized,
        edge=edge,
        hw_weight_bits=hw_w,
        hw_act_bits=hw_a,
        acc_bits=acc,
        fp_edge=fp_edge,
        edge_weight_bits=edge.weight_operand_bits,
        edge_act_bits=32 if fp_edge else (scheme.first_last_bits or 32),
        table_word_bits=table_word_bits(body),
        group_size=group_size,
        acc_port_bits=acc_port_bits(arch, acc, pricer),
        ibuf_port_bits=ibuf_port_bits(arch, scheme.activations.bits, pricer),
        rows=priced,
        unused_pins=tuple(u.value for u in pinned if u not in present),
    )
