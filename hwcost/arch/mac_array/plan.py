"""Price the rows of one MAC-array design point: energy per action and area per instance.

A design point's bill of materials (the classifier's datapath for each precision class: its body
layers, its first/last layers, and the layers a workload gives a precision of their own) plus the array's fixed parts (PE registers, global buffer, DRAM, element-wise
units) become :class:`~hwcost.arch.shared.pricing.PricedRow` records. Each row's energy is a sum
of terms ``energy per action x actions``, where the actions come from
:func:`hwcost.arch.mac_array.counts.count_actions` summed over the body and the first/last
layers and over each other class (``docs/cost-model.md`` §3-4). The PEs' multipliers are sized
for the body (the point's own bits); a class with wider operands runs in bit-slice passes on
them, and the accumulator, its register and its buffer are sized for the widest accumulation of
any class. Pinned costs replace the library's where the arch file
gives them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import Enum
from operator import attrgetter
from typing import Any, NamedTuple

import numpy as np

from hwcost.arch.mac_array.config import Dataflow, MacArrayConfig, MacRow, PeStyle, PinnedCost
from hwcost.arch.mac_array.counts import MacCount
from hwcost.arch.shared.adder_tree import adder_tree, popcount_cost, tree_cost
from hwcost.arch.shared.bom import ClassDatapaths, PricedUnit, count_key, priced_units, table_word_bits, unit_leakage_mw
from hwcost.arch.shared.memo import read_only, settings_memo
from hwcost.arch.shared.memory import elementwise_row, glb_dram_rows
from hwcost.arch.shared.noc import noc_row
from hwcost.arch.shared.pricing import Count, PricedRow, Pricer, SharedRow, Term
from hwcost.arch.shared.tables import BODY, EDGE, WorkloadTables
from hwcost.classify import Datapath, Placement, Unit, UnitKind
from hwcost.classify.datapath import Component
from hwcost.report import Category
from hwcost.schemes import QuantScheme
from hwcost.techlib.flavour import describe_flavour

__all__ = ["MacPlan", "plan_mac_array", "PE_GRID"]

PE_KINDS = (UnitKind.MAC_MULTIPLIER, UnitKind.ACCUMULATOR)
_GATED = (UnitKind.MAC_MULTIPLIER, UnitKind.ACCUMULATOR, MacRow.PE_REGISTERS, MacRow.PE_SPADS, MacRow.SHIFT_ADD)  # the PE grid
_STATEFUL = (MacRow.PE_REGISTERS, MacRow.PE_SPADS)  # PE rows that keep their state when gated (retentive)
PE_GRID = frozenset(_GATED)  # the array the on-chip network reaches (with the FP32 units beside it)

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
    glb_pj_per_bit: float  # a GLB read's energy per bit, and a DRAM read's (choosing a blocking: counts.py)
    dram_pj_per_bit: float
    unused_pins: tuple[str, ...]  # pinned units this point's bill of materials does not have
    device_flavour: str = ""  # the library's flavour and what the clock rule would pick (report settings)
    # per precision class (0 body, 1 first/last, 2... a layer's own precision; docs/cost-model.md §3)
    class_acc_bits: tuple[int, ...] = ()  # each class's accumulation (its longest reduction)
    class_weight_bits: tuple[int, ...] = ()  # bits its weights are stored and multiplied at
    class_act_bits: tuple[int, ...] = ()  # bits of its input activations
    class_out_bits: tuple[int, ...] = ()  # bits of its requantized outputs
    class_passes: tuple[int, ...] = ()  # bit-slice passes per MAC on the PEs (1: FP32 first/last layers)
    class_fp: tuple[bool, ...] = ()  # runs on the FP32 MACs beside the array


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


@dataclass(frozen=True)
class _UnitRow:
    """What a priced unit's row is on every MAC array: its unit, category and term (count key and
    energies per action per class), and the area and leakage of one instance (the instance count
    is the array's) -- a PE unit's of the integer classes, with each FP32 class's on its row of
    C FP units beside the array -- or, for a per-channel table, of the one memory."""

    unit: Unit
    category: Category
    term: Term
    area_um2: float  # per instance
    leakage_mw: float  # per instance (a table: the memory's)
    is_memory: bool
    fp_areas_um2: tuple[float, ...] = ()  # per FP unit of each FP32 class (a PE unit's)
    fp_leaks_mw: tuple[float, ...] = ()


def _unit_row(priced: PricedUnit, fp: tuple[bool, ...], pricer: Pricer) -> _UnitRow:
    unit = priced.unit
    es = list(priced.energies_pj)
    leaks = [0.0] * len(es)
    if not priced.is_memory:
        b = priced.body
        leaks[0] = unit_leakage_mw(b, pricer)
        for k, u in enumerate(priced.units[1:], 1):
            same = b is not None and u is not None and u.component is b.component and u.widths == b.widths
            leaks[k] = leaks[0] if same else unit_leakage_mw(u, pricer)
    count = count_key(unit)
    if unit.kind not in PE_KINDS:
        leakage = priced.leakage_mw if priced.is_memory else max(leaks)
        return _UnitRow(unit, Category.QUANT_OVERHEAD, Term(count, *es), priced.area_um2, leakage, priced.is_memory)
    # Integer layers of every class run as PE-wide slices on the same PEs (their multiplies at
    # the PE's width; their accumulations, once per MAC, at their own accumulator width);
    # FP32 first/last layers on a row of C FP units beside the array.
    for k in range(1, len(es)):
        if not fp[k] and unit.kind is UnitKind.MAC_MULTIPLIER or priced.units[k] is None:
            es[k] = es[0]
    area, leakage = priced.area_body_um2, leaks[0]
    if unit.kind is UnitKind.ACCUMULATOR:
        count = MacCount.ACCUMULATIONS
        area = max(a for a, f in zip(priced.areas_um2, fp) if not f)
        leakage = max(v for v, f in zip(leaks, fp) if not f)
    return _UnitRow(unit, Category.COMPUTE, Term(count, *es), area, leakage, priced.is_memory,
                    tuple(a for a, f in zip(priced.areas_um2, fp) if f), tuple(v for v, f in zip(leaks, fp) if f))


def _bom_row(priced: PricedUnit, fp: tuple[bool, ...], arch: MacArrayConfig, pricer: Pricer) -> tuple[PricedRow, int]:
    """The row of one priced unit, and its instance count (a per-channel table is one memory)."""
    shared = pricer.derived(("mac_unit_row", id(priced), fp), lambda: _unit_row(priced, fp, pricer), keep=(priced,))
    unit = shared.unit
    if shared.is_memory:
        n, area, leakage = 1, 1 * shared.area_um2, shared.leakage_mw
    else:
        n = _instances(unit, arch)
        area, leakage = n * shared.area_um2, n * shared.leakage_mw
    if shared.fp_areas_um2:  # FP32 classes' units beside the array, one per column
        area = area + sum(arch.pe_cols * a for a in shared.fp_areas_um2)
        leakage = leakage + sum(arch.pe_cols * v for v in shared.fp_leaks_mw)
    row = PricedRow(unit.kind, shared.category, (shared.term,), area, qualifier=priced.qualifier, leakage_mw=leakage)
    return row, n


def _pe_register_row(arch: MacArrayConfig, pricer: Pricer, hw_w: int, hw_a: int, acc: int,
                     class_acc: tuple[int, ...]) -> PricedRow:
    """Per input load (a PE-wide activation slice latched: every PE operation when activations
    stream, once per stationary tile in input stationary): the input register; per accumulation
    (once per MAC, at the layer's accumulator width): the accumulator register (per-PE
    accumulation); with an adder tree, one input register per row serves the C columns and one
    accumulator register per column the R rows. Per weight load (every PE operation when weights
    stream): the weight register. Area and leakage at the widest accumulator."""
    reg = lambda bits: pricer.energy_pj("register", bits=bits)  # noqa: E731
    e_in, e_w = reg(hw_a), reg(hw_w)
    e_accs = [reg(bits) for bits in class_acc]
    a_in, a_acc, a_w = (pricer.area_um2("register", bits=b) for b in (hw_a, acc, hw_w))
    l_in, l_acc, l_w = (pricer.leakage_mw("register", bits=b) for b in (hw_a, acc, hw_w))
    if arch.pe_style is PeStyle.ADDER_TREE:
        e_in, e_accs = e_in / arch.pe_cols, [e / arch.pe_rows for e in e_accs]
        area = arch.pe_rows * a_in + arch.pe_cols * a_acc + arch.num_pes * a_w
        leakage = arch.pe_rows * l_in + arch.pe_cols * l_acc + arch.num_pes * l_w
    else:
        area = arch.num_pes * pricer.area_um2("register", bits=hw_a + acc + hw_w)
        leakage = arch.num_pes * pricer.leakage_mw("register", bits=hw_a + acc + hw_w)
    return PricedRow(
        MacRow.PE_REGISTERS,
        Category.COMPUTE,
        (Term(MacCount.INPUT_LOADS, e_in), Term(MacCount.ACCUMULATIONS, *e_accs), Term(MacCount.WEIGHT_LOADS, e_w)),
        area,
        leakage_mw=leakage,
    )


# A register file this small is flip-flops, not an SRAM array: CACTI finds no organisation below
# 64 bytes or 32 words, and Eyeriss built its 12- and 24-word spads from registers (Chen et al.,
# JSSC 2017). The library's CACTI register-file law covers 64-512 words of 8-64 bits.
FLIP_FLOP_SPAD_WORDS = 64


def spad_prices(words: int, bits: int, pricer: Pricer) -> tuple[float, float, float, float]:
    """A PE scratchpad of ``words`` words of ``bits`` bits: energy per read and per write of one
    word, area and leakage.

    Below 64 words, flip-flops [D]: a write clocks one word's register (the library's
    ``register``), a read passes the word through the path of a words:1 multiplexer tree,
    ceil(log2 words) 2:1 muxes per bit (``mux``); the area and leakage are words registers and
    words - 1 muxes per bit. From 64 words, the library's CACTI ``regfile`` law, its words at
    least 8 bits wide (narrower operands occupy the narrowest word it covers, as SRAM ports do).

    >>> from hwcost.arch.shared.pricing import Pricer
    >>> from hwcost.techlib import load_techlib
    >>> read, write, _, _ = spad_prices(12, 16, Pricer(load_techlib("45nm")))
    >>> round(read, 4), round(write, 4)  # 4 mux levels x 16 bits x 2.606 fJ; 16 bits x 3.198 fJ
    (0.1668, 0.0512)
    """
    if words < FLIP_FLOP_SPAD_WORDS:
        levels = max(int(words) - 1, 0).bit_length()  # ceil(log2 words)
        read = levels * pricer.energy_pj("mux", bits=bits)
        write = pricer.energy_pj("register", bits=bits)
        area = words * pricer.area_um2("register", bits=bits) + (words - 1) * pricer.area_um2("mux", bits=bits)
        leakage = words * pricer.leakage_mw("register", bits=bits) + (words - 1) * pricer.leakage_mw("mux", bits=bits)
        return read, write, area, leakage
    args = dict(words=words, bits=min(max(bits, 8), 64))
    return (pricer.energy_pj("regfile", "read", **args), pricer.energy_pj("regfile", "write", **args),
            pricer.area_um2("regfile", **args), pricer.leakage_mw("regfile", **args))


def _pe_spad_row(arch: MacArrayConfig, pricer: Pricer, hw_w: int, hw_a: int, acc: int,
                 class_acc: tuple[int, ...]) -> PricedRow:
    """Row stationary's PE storage (``docs/cost-model.md`` §2, "Row stationary"): per PE
    operation one weight-scratchpad read and one input-scratchpad read; per accumulation (at the
    layer's accumulator width) one psum-scratchpad read and one write; per weight load and input
    load (a word written into a PE's scratchpad) one write. Area and leakage: the three
    scratchpads of every PE, the psum one at the widest accumulator."""
    w_rd, w_wr, w_area, w_leak = spad_prices(arch.spad_weight_words, hw_w, pricer)
    i_rd, i_wr, i_area, i_leak = spad_prices(arch.spad_input_words, hw_a, pricer)
    _, _, p_area, p_leak = spad_prices(arch.spad_psum_words, acc, pricer)
    e_psum = [sum(spad_prices(arch.spad_psum_words, bits, pricer)[:2]) for bits in class_acc]
    return PricedRow(
        MacRow.PE_SPADS,
        Category.COMPUTE,
        (Term(Count.PER_MAC, w_rd + i_rd), Term(MacCount.ACCUMULATIONS, *e_psum),
         Term(MacCount.WEIGHT_LOADS, w_wr), Term(MacCount.INPUT_LOADS, i_wr)),
        arch.num_pes * (w_area + i_area + p_area),
        leakage_mw=arch.num_pes * (w_leak + i_leak + p_leak),
    )


def _shift_add_row(arch: MacArrayConfig, pricer: Pricer, class_product_bits: tuple[int | None, ...]) -> PricedRow:
    """Bit-slice passes combined as shift-add: the P partial products of one MAC of a layer wider
    than the PE meet in P - 1 additions at the full product width, each into a product-width
    register, before the accumulator adds their sum once (Bit Fusion's fusion unit, Sharma et al.
    ISCA 2018). One shift-adder and its register per PE; with an adder tree, one per column after
    the tree, as wide as the tree's sum (ceil(log2 R) more bits), acting once per R MACs.
    ``class_product_bits``: each sliced class's product width (None: a class not sliced); area
    and leakage at the widest, each class's additions at its own width."""
    widest = max(b for b in class_product_bits if b is not None)
    extra, per, units = 0, 1, arch.num_pes
    if arch.pe_style is PeStyle.ADDER_TREE:
        extra, per, units = max(arch.pe_rows - 1, 0).bit_length(), arch.pe_rows, arch.pe_cols

    def energy(product_bits: int) -> float:
        bits = product_bits + extra
        return (pricer.energy_pj("int_adder", bits=bits) + pricer.energy_pj("register", bits=bits)) / per

    bits = widest + extra
    es = [energy(widest if b is None else b) for b in class_product_bits]
    area = pricer.area_um2("int_adder", bits=bits) + pricer.area_um2("register", bits=bits)
    leak = pricer.leakage_mw("int_adder", bits=bits) + pricer.leakage_mw("register", bits=bits)
    return PricedRow(MacRow.SHIFT_ADD, Category.COMPUTE, (Term(MacCount.SHIFT_ADDS, *es),), units * area,
                     leakage_mw=units * leak)


def _tree_accumulator_row(row: PricedRow, arch: MacArrayConfig, pricer: Pricer, product_bits: int, acc: int,
                          class_acc: tuple[int, ...], fp: tuple[bool, ...], binary: bool = False) -> PricedRow:
    """The ``accumulator`` row of an adder-tree array: per column and cycle (every bit-slice pass)
    the tree's adders (``hwcost/arch/shared/adder_tree.py``), i.e. per PE operation the tree / R;
    per accumulation (once per MAC) one accumulating adder at the layer's width / R. Per column the
    same adders' area and leakage (the accumulating adder at the widest).

    ``binary``: the PEs are XNOR gates (``mac_realisation: xnor-popcount``) whose R 1-bit
    products per column are counted by a carry-save popcount of full adders
    (:func:`~hwcost.arch.shared.adder_tree.popcount_cost`, R full adders' worth) instead of a
    binary tree of (1 + 1 + l)-bit adders; bit-slice passes of wider classes feed it 1-bit
    partial products too."""
    tree = popcount_cost(arch.pe_rows, pricer) if binary else tree_cost(adder_tree(arch.pe_rows, product_bits), pricer)
    e_tree = tree.energy_pj / arch.pe_rows

    def per_acc(bits: int) -> float:
        return pricer.energy_pj("int_adder", bits=bits) / arch.pe_rows

    (term,) = row.terms
    classes = len(class_acc)
    # FP32 first/last layers keep their FP accumulators (and use no tree)
    tree_e = [0.0 if f else e_tree for f in fp]
    acc_e = [term.energy_pj(k, classes) if f else per_acc(bits) for k, (bits, f) in enumerate(zip(class_acc, fp))]
    fp_edge = any(fp)
    fp_area = row.area_um2 - arch.num_pes * pricer.area_um2("int_adder", bits=acc) if fp_edge else 0.0
    fp_leak = row.leakage_mw - arch.num_pes * pricer.leakage_mw("int_adder", bits=acc) if fp_edge else 0.0
    column_area = tree.area_um2 + pricer.area_um2("int_adder", bits=acc)
    column_leak = tree.leakage_mw + pricer.leakage_mw("int_adder", bits=acc)
    terms = (Term(Count.PER_MAC, *tree_e), Term(term.count, *acc_e))
    return replace(row, terms=terms, area_um2=arch.pe_cols * column_area + fp_area,
                   leakage_mw=arch.pe_cols * column_leak + fp_leak)


def _port_bits(wanted: int, pricer: Pricer) -> int:
    """A port of ``wanted`` bits within the ports the library's SRAM law covers (32-256 bits in the
    CACTI 7 sweep): narrower words occupy the narrowest port, wider rows take several accesses."""
    sram = pricer.sram_range()
    if isinstance(wanted, np.ndarray):  # a block of design points (plan_mac_block)
        return np.clip(wanted, sram.min_port_bits, sram.max_port_bits).astype(int)
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
    if not np.any(kib):  # none (a block's buffers are all absent or all present)
        return []
    e_rd, e_wr, area, leakage = _sram_prices(kib, port, pricer)
    return [PricedRow(unit, Category.ON_CHIP_MEMORY, (Term(reads, e_rd), Term(writes, e_wr)), area, leakage_mw=leakage)]


def _sram_prices(kib: Any, port: Any, pricer: Pricer) -> tuple[Any, Any, Any, Any]:
    """Read and write energy, area and leakage of a ``kib`` KiB SRAM with a ``port``-bit port; over
    a block of design points (arrays), each distinct pair priced once."""
    if isinstance(kib, np.ndarray) or isinstance(port, np.ndarray):
        pairs = list(zip(*(v.tolist() for v in np.broadcast_arrays(kib, port))))
        priced = {pair: _sram_prices(*pair, pricer) for pair in set(pairs)}
        return tuple(np.array([priced[pair][j] for pair in pairs]) for j in range(4))  # type: ignore[return-value]
    args = dict(capacity_bytes=kib * 1024, width_bits=port)
    return (pricer.energy_pj("sram", "read", **args), pricer.energy_pj("sram", "write", **args),
            pricer.area_um2("sram", **args), pricer.leakage_mw("sram", **args))


def _pin(row: PricedRow, pinned: PinnedCost, instances: float) -> PricedRow:
    """``row`` at the pinned energy per action and area per instance.

    PE units are pinned per MAC (the weight-register loads of ``pe_registers`` are then part of
    the pinned figure); memories per access or bit, reads and writes alike; the element-wise row
    per operation, adds and compares alike. Its leakage is the pinned ``leakage_mw`` per instance
    (0 unless given): the library's is not added to a figure that replaces the library's.
    """
    first, *rest = row.terms
    # PE registers and scratchpads are pinned per MAC whatever their loads (which count depends on
    # the dataflow).
    terms = (Term(Count.PER_MAC if row.unit in _STATEFUL else first.count, pinned.energy_pj),)
    if row.unit in (SharedRow.GLB, SharedRow.DRAM, SharedRow.ELEMENTWISE, MacRow.ACC_BUFFER, MacRow.INPUT_BUFFER):
        terms += tuple(Term(t.count, pinned.energy_pj) for t in rest)
    return replace(row, terms=terms, area_um2=pinned.area_um2 * instances, source=pinned.source,
                   leakage_mw=pinned.leakage_mw * instances)


def _slice_passes(hw_bits: int, layer_bits: int) -> int:
    return -(-layer_bits // hw_bits)


def _gated(row: PricedRow, arch: MacArrayConfig, passes: tuple[int, ...]) -> PricedRow:
    """A PE row under power gating (``docs/cost-model.md`` §6): its units leak fully only in the
    cycles they compute -- (1 - r) x leakage x one clock period, charged to each PE operation
    (static energy; a shift-adder computes only on the classes sliced into several passes) --
    and the residual fraction r in every cycle (the row's static power): r = 1/260 for the
    combinational units, 1/3 for the registers, which keep their state."""
    r = RETENTIVE_GATED_RESIDUAL if row.unit in _STATEFUL else HARD_GATED_RESIDUAL
    per_op_pj = (1.0 - r) * row.leakage_mw / arch.num_pes * 1e9 / (arch.clock_mhz * 1e6)  # mW x s -> pJ
    awake = [p > 1 if row.unit is MacRow.SHIFT_ADD else True for p in passes]
    active = Term(Count.PER_MAC, *(per_op_pj if a else 0.0 * per_op_pj for a in awake), static=True)
    return replace(row, terms=(*row.terms, active), leakage_mw=r * row.leakage_mw)


def _term_energy(rows: Sequence[PricedRow], unit: Enum, count: Enum) -> Any:
    """The energy per action of ``unit``'s ``count`` term (its body class's)."""
    row = next(r for r in rows if r.unit is unit)
    return next(t for t in row.terms if t.count is count).energies_pj[0]


def _memory_rows(arch: "_Block", pricer: Pricer, scheme: QuantScheme) -> list[tuple[PricedRow, Any]]:
    """The GLB, DRAM and element-wise rows with their instance counts. The element-wise units are
    priced per lane (one lane per column) and times the lanes here: ``lanes x (one lane's area)``,
    as :func:`~hwcost.arch.shared.memory.elementwise_row` computes it, for a block whose columns
    vary. The GLB and DRAM rows of a block's sizes are kept in the library's settings memo."""
    memory = arch.memory
    key = ("glb_dram", arch.glb_sizes, memory.glb_banks, memory.glb_width_bits, id(memory.dram_standard))
    glb, dram = settings_memo(pricer, "mac_array").get(key, lambda: _glb_dram_rows_of(arch, pricer), arch.points)
    lanes = arch.post_lanes
    ew = elementwise_row(1, pricer, scheme)
    return [(glb, 1), (dram, 1), (replace(ew, area_um2=lanes * ew.area_um2, leakage_mw=lanes * ew.leakage_mw), lanes)]


def _glb_dram_rows_of(arch: "_Block", pricer: Pricer) -> tuple[PricedRow, ...]:
    """:func:`~hwcost.arch.shared.memory.glb_dram_rows` of a block's memory systems, priced once per
    distinct GLB size (in the order the configurations give them), each number that differs
    between them an array over the block's points (read-only: the memo shares them)."""
    sizes = arch.glb_kib
    if not isinstance(sizes, np.ndarray):
        return glb_dram_rows(arch.memory, pricer)
    first: dict[float, int] = {}  # each size's first configuration
    for i, kib in enumerate(sizes.tolist()):
        first.setdefault(kib, i)
    priced = [glb_dram_rows(arch.configs[i], pricer) for i in first.values()]
    position = {kib: j for j, kib in enumerate(first)}
    where = np.asarray([position[kib] for kib in sizes.tolist()])
    rows = tuple(_stacked(rows, where) for rows in zip(*priced))
    read_only(rows)
    return rows


def _stacked(rows: Sequence[PricedRow], where: np.ndarray) -> PricedRow:
    """One row of the same structure priced several ways, as a block row: each number the rows
    share as it is, each that differs an array over the points (point i's is ``rows[where[i]]``'s)."""

    def over(values: Sequence[float]) -> Any:
        return values[0] if values.count(values[0]) == len(values) else np.asarray(values)[where]

    first = rows[0]
    terms = tuple(Term(t.count, *(over(e) for e in zip(*(r.terms[j].energies_pj for r in rows))), static=t.static)
                  for j, t in enumerate(first.terms))
    return replace(first, terms=terms, area_um2=over([r.area_um2 for r in rows]),
                   leakage_mw=over([r.leakage_mw for r in rows]))


def _class_bits(scheme: QuantScheme, datapaths: ClassDatapaths) -> tuple[tuple[int, ...], ...]:
    """Per class: (accumulator, weight, activation, output) bits. FP32 first/last layers keep the
    body's accumulator width for the count of their partial sums and move 32-bit words."""
    body, fp_edge = datapaths.body, datapaths.fp_edge
    out = [(body.accumulator_bits, body.weight_operand_bits, body.scheme.activations.bits, body.scheme.outputs.bits)]
    edge_a = 32 if fp_edge else (scheme.first_last_bits or 32)
    edge = datapaths.edge
    out.append((body.accumulator_bits if fp_edge else edge.accumulator_bits, edge.weight_operand_bits, edge_a, edge_a))
    for dp in datapaths.datapaths[2:]:
        out.append((dp.accumulator_bits, dp.weight_operand_bits, dp.scheme.activations.bits, dp.scheme.outputs.bits))
    acc, w, a, o = zip(*out)
    return acc, w, a, o


def plan_mac_array(scheme: QuantScheme, arch: MacArrayConfig, pricer: Pricer, tables: WorkloadTables,
                   datapaths: ClassDatapaths) -> MacPlan:
    """Size the PEs for the body layers (the point's own bits) and price every row on every
    precision class: a class with wider operands runs in bit-slice passes, the accumulator is as
    wide as the widest class's accumulation (``docs/cost-model.md`` §3)."""
    return plan_mac_block(scheme, (arch,), pricer, tables, datapaths)


def block_key(arch: MacArrayConfig) -> tuple[object, ...]:
    """What the design points of one block share (:func:`plan_mac_block`): every setting a plan
    branches on or prices as a whole. The PE grid's shape and the local buffers' and the global
    buffer's sizes may vary within a block (an adder tree's rows may not: its tree is built per
    row count)."""
    # Enum members are singletons: their ids stand for them (hashing an enum calls Python code).
    return (id(arch.pe_style), id(arch.power_gating), arch.pinned, arch.clock_mhz, arch.glb_width_bits,
            arch.glb_banks, id(arch.dram_standard), arch.acc_buffer_kib == 0, arch.input_buffer_kib == 0,
            arch.pe_rows if arch.pe_style is PeStyle.ADDER_TREE else None,
            # row stationary's PEs hold scratchpads, not registers
            (arch.spad_weight_words, arch.spad_input_words, arch.spad_psum_words)
            if arch.dataflow is Dataflow.ROW_STATIONARY else None)


_VARYING = ("pe_rows", "pe_cols", "acc_buffer_kib", "input_buffer_kib", "glb_kib")  # what block_key leaves free
_varying = attrgetter(*_VARYING)


class _Block:
    """The configurations of a block as one (:func:`plan_mac_block`): the PE grid's rows and
    columns and the local and global buffers' sizes are each one number when every configuration
    has the same, else an array over the configurations; every other setting is the block's.
    ``checked``: the caller grouped the configurations by :func:`block_key` already.

    ``settings``: every setting of the block's configurations, point by point (its key and the
    varying settings' values): what a value priced from the configurations alone is kept under
    (:func:`grid_and_buffers`)."""

    def __init__(self, configs: Sequence[MacArrayConfig], checked: bool = False) -> None:
        first = configs[0]
        key = block_key(first)
        if not checked and any(block_key(c) != key for c in configs[1:]):
            raise ValueError("the configurations of a block must share its key (block_key)")
        self.configs = configs
        self.points = len(configs)
        self.memory = first
        columns = tuple(zip(*map(_varying, configs)))  # each varying setting's values, point by point
        self.settings = (key, *columns)
        self.glb_sizes = columns[-1]
        for name, values in zip(_VARYING, columns):
            same = values.count(values[0]) == len(values)
            setattr(self, name, values[0] if same else np.asarray(values))
        self.num_pes = self.pe_rows * self.pe_cols
        self.post_lanes = self.pe_cols  # one post-processing lane per column
        self.pe_style, self.power_gating, self.pinned, self.clock_mhz = (first.pe_style, first.power_gating,
                                                                          first.pinned, first.clock_mhz)
        self.dataflow = first.dataflow if first.dataflow is Dataflow.ROW_STATIONARY else None
        self.spad_weight_words, self.spad_input_words, self.spad_psum_words = (
            first.spad_weight_words, first.spad_input_words, first.spad_psum_words)


class Widths(NamedTuple):
    """The widths the PE grid's storage and shift-adders and the local buffers are priced at
    (:func:`grid_and_buffers`): every one it reads, and so the key it is kept under."""

    hw_weight_bits: int  # the PEs' operands (the body's)
    hw_act_bits: int
    acc_bits: int  # the accumulator register: the widest accumulation
    class_acc_bits: tuple[int, ...]  # each precision class's accumulation
    class_passes: tuple[int, ...]  # each class's bit-slice passes per MAC
    class_product_bits: tuple[int | None, ...]  # each sliced class's product width (None: not sliced)
    act_bits: int  # the activations the input buffer holds


@dataclass(frozen=True)
class GridAndBuffers:
    """What a block prices from its configurations and :class:`Widths` alone: the PE grid's
    registers or scratchpads and its shift-adders (gated when the design gates), the local
    buffers' rows, each with its instance count, and the buffers' port widths."""

    grid: tuple[tuple[PricedRow, Any], ...]
    buffers: tuple[tuple[PricedRow, Any], ...]
    acc_port_bits: Any
    ibuf_port_bits: Any


def grid_and_buffers(arch: _Block, pricer: Pricer, widths: Widths) -> GridAndBuffers:
    """:func:`_grid_and_buffers`, kept in the library's settings memo under every setting it reads:
    the block's configurations (``arch.settings``) and ``widths`` (a sweep's schemes of equal
    widths over the same configurations share it)."""
    return settings_memo(pricer, "mac_array").get(("grid_and_buffers", arch.settings, widths),
                                                  lambda: _grid_and_buffers(arch, pricer, widths), arch.points)


def _grid_and_buffers(arch: _Block, pricer: Pricer, widths: Widths) -> GridAndBuffers:
    """The PE grid's storage and shift-adder rows and the local buffers' rows (:class:`GridAndBuffers`),
    their arrays read-only (the memo shares them between blocks)."""
    hw_w, hw_a, acc, class_acc, passes, product, act_bits = widths
    grid = [(_pe_spad_row(arch, pricer, hw_w, hw_a, acc, class_acc) if arch.dataflow is Dataflow.ROW_STATIONARY
             else _pe_register_row(arch, pricer, hw_w, hw_a, acc, class_acc), arch.num_pes)]
    if max(passes) > 1:
        grid.append((_shift_add_row(arch, pricer, product), arch.num_pes))
    if arch.power_gating:
        grid = [(_gated(r, arch, passes), n) for r, n in grid]
    acc_port, ibuf_port = acc_port_bits(arch, acc, pricer), ibuf_port_bits(arch, act_bits, pricer)
    buffers = [(r, 1) for r in _buffer_row(MacRow.ACC_BUFFER, arch.acc_buffer_kib, acc_port,
                                           MacCount.ACC_READ_ACCESSES, MacCount.ACC_WRITE_ACCESSES, pricer)]
    buffers += [(r, 1) for r in _buffer_row(MacRow.INPUT_BUFFER, arch.input_buffer_kib, ibuf_port,
                                            MacCount.IBUF_READ_ACCESSES, MacCount.IBUF_WRITE_ACCESSES, pricer)]
    read_only(r for r, _ in grid + buffers)
    for port in (acc_port, ibuf_port):
        if isinstance(port, np.ndarray):
            port.flags.writeable = False
    return GridAndBuffers(tuple(grid), tuple(buffers), acc_port, ibuf_port)


def plan_mac_block(scheme: QuantScheme, configs: Sequence[MacArrayConfig], pricer: Pricer, tables: WorkloadTables,
                   datapaths: ClassDatapaths, checked: bool = False) -> MacPlan:
    """:func:`plan_mac_array` of several design points at once: configurations sharing
    :func:`block_key`, one scheme, library and workload. The plan's numbers (each row's energies,
    area and leakage; the buffers' port widths) are arrays over ``configs`` where they differ, and
    each is what the point's own plan gives: the same arithmetic, element by element.
    ``checked``: the caller grouped ``configs`` by :func:`block_key` (else they are checked)."""
    arch = _Block(configs, checked)
    body, edge, fp_edge = datapaths.body, datapaths.edge, datapaths.fp_edge
    class_acc, class_w, class_a, class_o = _class_bits(scheme, datapaths)
    fp = tuple(k == EDGE and fp_edge for k in range(len(class_acc)))
    # The accumulator register holds every layer's accumulation: its area and leakage are the
    # widest one's; each layer's additions and register loads are priced at its own width.
    acc = max(class_acc)
    hw_w, hw_a = body.weight_operand_bits, body.act_operand_bits
    passes = tuple(1 if f else _slice_passes(hw_w, w) * _slice_passes(hw_a, a) for f, w, a in zip(fp, class_w, class_a))
    group_size = body.weight_group_size or 1
    rows: list[tuple[PricedRow, Any]] = [
        _bom_row(p, fp, arch, pricer) for p in priced_units(datapaths.datapaths, pricer, tables, group_size)
    ]
    if arch.pe_style is PeStyle.ADDER_TREE:
        binary = any(u.component is Component.XNOR_GATE for u in body.of_kind(UnitKind.MAC_MULTIPLIER))
        rows = [(_tree_accumulator_row(r, arch, pricer, hw_w + hw_a, acc, class_acc, fp, binary), arch.pe_cols)
                if r.unit is UnitKind.ACCUMULATOR else (r, n) for r, n in rows]
    if arch.power_gating:
        rows = [(_gated(r, arch, passes), n) if r.unit in _GATED else (r, n) for r, n in rows]
    product = tuple(w + a if p > 1 else None for p, w, a in zip(passes, class_w, class_a))
    part = grid_and_buffers(arch, pricer, Widths(hw_w, hw_a, acc, class_acc, passes, product, scheme.activations.bits))
    rows += part.grid
    rows += part.buffers
    acc_port, ibuf_port = part.acc_port_bits, part.ibuf_port_bits
    rows += _memory_rows(arch, pricer, scheme)
    pinned: dict[Enum, PinnedCost] = dict(arch.pinned)
    priced = tuple(_pin(r, pinned[r.unit], n) if r.unit in pinned else r for r, n in rows)
    noc = noc_row(priced, pricer, PE_GRID)
    if noc is not None:
        priced += (_pin(noc, pinned[SharedRow.NOC], 1) if SharedRow.NOC in pinned else noc,)
    present = {r.unit for r in priced}
    return MacPlan(
        body=body,
        edge=edge,
        hw_weight_bits=hw_w,
        hw_act_bits=hw_a,
        acc_bits=acc,
        body_acc_bits=class_acc[BODY],
        edge_acc_bits=class_acc[EDGE],
        fp_edge=fp_edge,
        edge_weight_bits=class_w[EDGE],
        edge_act_bits=class_a[EDGE],
        table_word_bits=table_word_bits(body),
        group_size=group_size,
        acc_port_bits=acc_port,
        ibuf_port_bits=ibuf_port,
        rows=priced,
        glb_pj_per_bit=_term_energy(priced, SharedRow.GLB, Count.GLB_READ_ACCESSES) / arch.memory.glb_width_bits,
        dram_pj_per_bit=_term_energy(priced, SharedRow.DRAM, Count.DRAM_READ_BITS),
        unused_pins=tuple(u.value for u in pinned if u not in present),
        device_flavour=pricer.derived(("flavour", arch.clock_mhz), lambda: describe_flavour(pricer.lib, arch.clock_mhz)),
        class_acc_bits=class_acc,
        class_weight_bits=class_w,
        class_act_bits=class_a,
        class_out_bits=class_o,
        class_passes=passes,
        class_fp=fp,
    )
