"""Price the units of one CIM design point: energy per action and area, as :class:`PricedRow`s.

The rows are those of ``docs/cim-model.md`` §4: the cell array, word-line drivers (DACs), ADCs,
shift-and-add, row-group accumulation, the signed-weight correction, the post-processing units of
the classifier's bill of materials (priced exactly as on the MAC array), the global buffer, DRAM
and the element-wise layers. Areas that scale with the macro count use the number of macros the
point needs (or the fixed count of the arch file).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from operator import attrgetter
from enum import StrEnum
from typing import Any

import numpy as np

from hwcost.arch.cim_macro.cells import cell_cost, write_cycles_per_row
from hwcost.arch.cim_macro.config import (GATED_LEAKAGE_FRACTION, HARD_GATED_LEAKAGE_FRACTION, CimMacroConfig,
                                          InputEncoding, PairSubtraction, PowerGating, SignedWeights, WeightAccumulation)
from hwcost.arch.cim_macro.leakage import macro_leakage
from hwcost.arch.cim_macro.counts import (ADC_BITS_MAX, AdcBitsCount, CimCount, CimGeometry, CimLayerParams, Encoding,
                                          cim_geometry)
from hwcost.arch.shared.bom import (ClassDatapaths, PricedUnit, check_integer_layers, count_key, priced_units,
                                    table_word_bits)
from hwcost.arch.shared.memory import buffer_rows
from hwcost.arch.shared.noc import noc_row
from hwcost.arch.shared.params import ParamLayout
from hwcost.arch.shared.pricing import PricedRow, Pricer, Term, point_rows, take_rows
from hwcost.arch.shared.tables import WorkloadTables
from hwcost.classify import Datapath, Placement, UnitKind
from hwcost.classify.widths import window_sum_bits
from hwcost.errors import HwcostError
from hwcost.report import Category
from hwcost.schemes import QuantScheme

__all__ = ["CimRow", "CimOperands", "CimPlan", "plan_cim_macro", "plan_cim_block", "block_key", "structures", "layer_params", "operands"]

# The array the on-chip network reaches: the macros, cells and periphery (hwcost/arch/shared/noc.py).
MACROS = frozenset({Category.CIM_ARRAY, Category.CIM_PERIPHERY})


class CimRow(StrEnum):
    """Breakdown rows of the CIM macro besides the classifier's units and the memory system."""

    CELLS = "cim_cells"
    DAC = "dac"
    ADC = "adc"
    SHIFT_ADD = "shift_add"
    ROW_GROUP_ACCUMULATOR = "row_group_accumulator"
    SIGNED_WEIGHT_CORRECTION = "signed_weight_correction"
    WEIGHT_WRITES = "weight_writes"


_ENCODING_CODE = {
    SignedWeights.DIFFERENTIAL: Encoding.DIFFERENTIAL,
    SignedWeights.OFFSET: Encoding.OFFSET,
    SignedWeights.DIGITAL: Encoding.DIGITAL,
}
_ARRAY_KINDS = (UnitKind.MAC_MULTIPLIER, UnitKind.ACCUMULATOR)  # realised by the analog array


@dataclass(frozen=True)
class CimOperands:
    """Operand widths of each precision class, from the classifier (index 0 body, 1 first/last,
    2... a layer's own precision)."""

    weight_bits: tuple[int, ...]
    weight_signed: tuple[bool, ...]
    weight_narrow: tuple[bool, ...]
    input_bits: tuple[int, ...]  # the array's input operand (after any pre-subtract widening)
    input_signed: tuple[bool, ...]
    act_bits: tuple[int, ...]  # stored activation bits (GLB / DRAM traffic)
    out_bits: tuple[int, ...]
    acc_bits: int  # the widest class's accumulation: the post-processing accumulators' width
    table_word_bits: int
    group_size: int


@dataclass(frozen=True)
class CimPlan:
    body: Datapath
    edge: Datapath
    operands: CimOperands
    macros: Any  # macros the design has (fixed, or as many as the weights need); an array in a block
    macros_needed: Any
    rows: tuple[PricedRow, ...]

    @property
    def group_size(self) -> int:
        return self.operands.group_size


def operands(scheme: QuantScheme, body: Datapath, edge: Datapath, *own: Datapath) -> CimOperands:
    """The operands of the body, the first/last layers and each class of layers with a precision
    of their own (``own``)."""
    edge_bits = scheme.first_last_bits or scheme.activations.bits
    narrow = scheme.weights.narrow_range
    dps = (body, edge, *own)
    return CimOperands(
        weight_bits=tuple(d.weight_operand_bits for d in dps),
        weight_signed=tuple(d.weight_operand_signed for d in dps),
        weight_narrow=(
            narrow and body.weight_operand_bits == scheme.weights.bits,
            narrow and edge.weight_operand_bits == edge_bits,
            *(d.scheme.weights.narrow_range and d.weight_operand_bits == d.scheme.weights.bits for d in own),
        ),
        input_bits=tuple(d.act_operand_bits for d in dps),
        input_signed=tuple(d.act_operand_signed for d in dps),
        act_bits=(scheme.activations.bits, edge_bits, *(d.scheme.activations.bits for d in own)),
        out_bits=(scheme.outputs.bits, edge_bits, *(d.scheme.outputs.bits for d in own)),
        acc_bits=max(d.accumulator_bits for d in dps),
        table_word_bits=table_word_bits(body),
        group_size=body.weight_group_size or 1,
    )


# The design-point columns of CimLayerParams, in the order _varying_values + _shared_values give
# them: the first seven (rows .. dram_bits_per_cycle) those a block of points may vary in
# (plan_cim_block), the rest those its block_key fixes.
_POINT_FIELDS = ("rows", "cols", "adc_share", "adc_bits", "active_rows", "macros_fixed", "dram_bits_per_cycle",
                 "cell_bits", "pulse_bits", "encoding", "weight_analog", "pair_analog", "pwm", "glb_bits_per_cycle",
                 "write_cycles_per_row", "post_lanes", "glb_bits")
_BOOL_FIELDS = ("weight_analog", "pair_analog", "pwm")


def _varying_values(a: CimMacroConfig) -> tuple[float, ...]:
    return (a.rows, a.cols, a.adc_share, a.adc_bits, a.rows_per_conversion, np.nan if a.macros is None else a.macros,
            a.dram_bits_per_cycle)


def _shared_values(a: CimMacroConfig) -> tuple[float, ...]:
    return (a.cell_bits, a.input_bits_per_pulse, _ENCODING_CODE[a.signed_weights],
            a.weight_accumulation is WeightAccumulation.ANALOG, a.pair_subtraction is PairSubtraction.ANALOG,
            a.input_mode is InputEncoding.PWM, a.glb_bits_per_cycle, write_cycles_per_row(a), a.post_lanes, a.glb_bits)


def count_settings(a: CimMacroConfig) -> tuple[float, ...]:
    """Every number of a configuration its counts read (its row of :func:`layer_params`, and the
    ADCs per macro of its peak): configurations equal in these count alike."""
    return _varying_values(a) + _shared_values(a) + (a.adcs_per_macro,)


_LAYOUT = ParamLayout(CimLayerParams, _POINT_FIELDS, _varying_values, _shared_values,
                      (("weight_bits", "weight_bits", False), ("weight_signed", "weight_signed", True),
                       ("weight_narrow", "weight_narrow", True), ("act_bits", "act_bits", False),
                       ("input_bits", "input_bits", False), ("act_signed", "input_signed", True),
                       ("out_bits", "out_bits", False)), _BOOL_FIELDS)


def layer_params(archs: Sequence[CimMacroConfig], ops: Sequence[CimOperands], t: WorkloadTables) -> CimLayerParams:
    """Stack design points into (points, 1) / (points, layers) arrays: each distinct configuration
    and operands object read once (:meth:`~hwcost.arch.shared.params.ParamLayout.stack`)."""
    return _LAYOUT.stack(archs, ops, t)


def block_params(configs: Sequence[CimMacroConfig], ops: CimOperands, t: WorkloadTables) -> CimLayerParams:
    """:func:`layer_params` of a block (configurations sharing :func:`block_key`, one operands),
    the numbers the block shares given once (:meth:`~hwcost.arch.shared.params.ParamLayout.block`)."""
    return _LAYOUT.block(configs, ops, t)


def _row(unit: CimRow, category: Category, terms: tuple[Term, ...], area_um2: Any, arch: CimMacroConfig,
         macros: Any, leak_per_macro_mw: Any) -> PricedRow:
    """A row whose part leaks ``leak_per_macro_mw`` in every macro (leakage.py: power gating; the
    cells keep their weights when gated, the periphery holds nothing). Over a block's points the
    numbers are arrays, the part leaking at every point or at none."""
    residual = GATED_LEAKAGE_FRACTION if unit is CimRow.CELLS else HARD_GATED_LEAKAGE_FRACTION
    leakage, static = macro_leakage(arch.power_gating, arch.clock_mhz, macros, leak_per_macro_mw,
                                    CimCount.ACTIVE_MACRO_CYCLES, residual)
    return PricedRow(unit, category, terms + static, area_um2, leakage_mw=leakage)


def _correction_row(arch: CimMacroConfig, pricer: Pricer, ops: CimOperands, t: WorkloadTables,
                    rows: Any) -> list[PricedRow]:
    """The signed-weight correction of offset and digital encodings (none for differential);
    ``rows``: the macro's rows (an array over a block's points)."""
    if not any(ops.weight_signed) or arch.signed_weights is SignedWeights.DIFFERENTIAL:
        return []
    e_sub = pricer.energy_pj("int_adder", bits=ops.acc_bits)
    area = arch.post_lanes * pricer.area_um2("int_adder", bits=ops.acc_bits)
    if arch.signed_weights is SignedWeights.OFFSET:
        return [PricedRow(CimRow.SIGNED_WEIGHT_CORRECTION, Category.QUANT_OVERHEAD,
                          (Term(CimCount.OFFSET_SUBTRACTS, e_sub, e_sub),), area)]
    ws = [window_sum_bits(b, n) for b, n in zip(ops.input_bits, t.max_reduction)]
    e_ws = [pricer.energy_pj("int_adder", bits=b) for b in ws]
    area += rows * max(pricer.area_um2("int_adder", bits=b) for b in ws)  # adder tree over R inputs
    terms = (Term(CimCount.WINDOW_SUM_ADDS, *e_ws), Term(CimCount.DIGITAL_SUBTRACTS, e_sub, e_sub))
    return [PricedRow(CimRow.SIGNED_WEIGHT_CORRECTION, Category.QUANT_OVERHEAD, terms, area)]


def _bom_instances(priced: PricedUnit, arch: CimMacroConfig, rows: Any) -> Any:
    unit = priced.unit
    if priced.is_memory:
        return 1  # a per-channel table is one memory
    if unit.placement is Placement.PER_INPUT or unit.kind is UnitKind.ZERO_POINT_WINDOW_SUM:
        return rows  # at the word-line inputs / an adder tree over the R inputs
    if unit.placement is Placement.PER_OUTPUT_PIXEL:
        return 1
    return arch.post_lanes


def _check_hostable(dp: Datapath) -> None:
    """The analog array realises the MACs; a per-MAC post-processing unit has nowhere to sit."""
    for u in dp.units:
        if u.placement is Placement.PER_MAC and u.kind not in _ARRAY_KINDS:
            raise HwcostError.single(
                f"scheme '{dp.scheme.name}' needs a per-MAC {u.kind.value}, which the analog array "
                "cannot host; use the mac_array template", key="arch")


def _bom_rows(dps: ClassDatapaths, arch: CimMacroConfig, pricer: Pricer, t: WorkloadTables,
              group_size: int, rows: Any) -> list[PricedRow]:
    """Post-processing units of the bill of materials, priced as on the MAC array; ``rows``: the
    macro's rows (an array over a block's points)."""
    def terms() -> tuple[tuple[PricedUnit, Term], ...]:
        for dp in dps.datapaths:
            _check_hostable(dp)
        return tuple((p, Term(count_key(p.unit), *p.energies_pj))
                     for p in priced_units(dps.datapaths, pricer, t, group_size, exclude=_ARRAY_KINDS))

    # Once per library, datapaths, workload and group size (a scheme's blocks share them).
    units = pricer.derived(("cim_bom_terms", *map(id, dps.datapaths), id(t), group_size), terms, keep=(*dps.datapaths, t))
    return [
        PricedRow(p.unit.kind, Category.QUANT_OVERHEAD, (term,), _bom_instances(p, arch, rows) * p.area_um2,
                  qualifier=p.qualifier, leakage_mw=p.leakage_mw)
        for p, term in units
    ]


def plan_cim_macro(scheme: QuantScheme, arch: CimMacroConfig, pricer: Pricer, t: WorkloadTables,
                   datapaths: ClassDatapaths) -> CimPlan:
    """Map the network onto macros and price every CIM row: the block of one point
    (:func:`plan_cim_block`)."""
    ((_, block),) = plan_cim_block(scheme, (arch,), pricer, t, datapaths)
    return replace(block, macros=int(block.macros[0]), macros_needed=int(block.macros_needed[0]),
                   rows=point_rows(block.rows, 0))


def block_key(arch: CimMacroConfig) -> tuple[object, ...]:
    """What the design points of one block share (:func:`plan_cim_block`): every setting the plan
    branches on or prices as a whole. The macro's rows and columns, the ADC's bits and sharing,
    the active rows and the macro count (fixed or auto) may vary within a block."""
    # Enum members are singletons: their ids stand for them (hashing an enum calls Python code).
    return (*map(id, _KEY_ENUMS(arch)), id(arch.input_mode), *_KEY_NUMBERS(arch))


_KEY_ENUMS = attrgetter("cell", "adc_readout", "power_gating", "signed_weights", "weight_accumulation",
                        "pair_subtraction", "dram_standard")
_KEY_NUMBERS = attrgetter("cell_bits", "rram_read_v", "rram_read_pulse_ns", "input_bits_per_pulse", "post_lanes",
                          "clock_mhz", "glb_kib", "glb_width_bits", "glb_banks")


def _each(keys: np.ndarray, price: Any) -> np.ndarray:
    """``price(i)`` (a number or a tuple of numbers) of the first point ``i`` with each distinct
    key, gathered over the block: each distinct value priced once, in ascending order of key (so
    that of several values the library refuses, the smallest is the one named)."""
    values = keys.tolist()
    distinct = sorted(set(values))
    if len(distinct) == 1:
        return np.asarray([price(0)], dtype=float)[np.zeros(len(values), dtype=np.intp)]
    position = {k: j for j, k in enumerate(distinct)}
    where = np.fromiter(map(position.__getitem__, values), dtype=np.intp, count=len(values))
    return np.asarray([price(values.index(k)) for k in distinct], dtype=float)[where]


def _cell_prices(arch: CimMacroConfig, pricer: Pricer) -> tuple[float, float, float, float]:
    """(energy per cell operation, area, leakage per bit, write energy per bit) of ``arch``'s cell
    (:func:`~hwcost.arch.cim_macro.cells.cell_cost`), priced once per library and cell."""
    def price() -> tuple[float, float, float, float]:
        c = cell_cost(arch, pricer)
        return c.energy_pj, c.area_um2, c.leakage_mw_per_bit, c.write_pj_per_bit

    return pricer.derived(("cim_cell", arch.cell.value, arch.cell_bits, arch.rram_read_v, arch.rram_read_pulse_ns,
                           arch.clock_mhz, arch.rows, arch.cols), price)


def structures(flags: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each distinct row of a (points, flags) bool array -- the structure of a point's rows -- with
    the points that have it (ascending)."""
    code = flags.astype(np.int64) @ (np.int64(1) << np.arange(flags.shape[1], dtype=np.int64))
    _, first, which = np.unique(code, return_index=True, return_inverse=True)
    which = which.reshape(-1)
    return [(flags[f], np.flatnonzero(which == k)) for k, f in enumerate(first.tolist())]


def _take(value: Any, sel: np.ndarray) -> Any:
    return value[sel] if isinstance(value, np.ndarray) else value


def _shift_add_block(g: CimGeometry, p: CimLayerParams, t: WorkloadTables) -> tuple[np.ndarray, ...]:
    """:func:`_shift_add_bits` of every point of a block: per class, an integer array over them."""
    bits = (p.adc_bits + (g.conv_slices - 1) * p.cell_bits + (g.input_slices - 1) * p.pulse_bits + 1
            + np.ceil(np.log2(g.activations_per_tile)))
    masks = [t.in_class(k) for k in range(t.n_classes)]
    body = bits[:, masks[0]].max(axis=1) if masks[0].any() else bits.max(axis=1)
    return tuple(b.astype(np.int64) for b in (body, *(bits[:, m].max(axis=1) if m.any() else body for m in masks[1:])))


def _has_array(row: PricedRow) -> bool:
    """Whether any number of a block's row is an array over its points (else it is the same row
    at every point, and a sub-block takes it as it is)."""
    return (isinstance(row.area_um2, np.ndarray) or isinstance(row.leakage_mw, np.ndarray)
            or any(isinstance(e, np.ndarray) for t in row.terms for e in t.energies_pj))


def _adc_energies(pricer: Pricer, readout: str, rate: float, present: np.ndarray,
                  columns: Sequence[np.ndarray]) -> dict[int, float]:
    """The ADC's energy per conversion at each resolution some point of the block converts at
    (``present``: (points, ADC_BITS_MAX)). A resolution the library cannot price raises the
    problem the points' own plans raise first: each structure of (resolutions, ``columns``), in
    the order of :func:`structures`, priced from its lowest resolution up."""
    bits = np.flatnonzero(present.any(axis=0)) + 1
    try:
        return {b: pricer.energy_pj("column_adc", readout=readout, bits=b, sample_rate_hz=rate) for b in bits.tolist()}
    except Exception:
        for kind, _ in structures(np.concatenate([present, *columns], axis=1)):
            for b in (np.flatnonzero(kind[:ADC_BITS_MAX]) + 1).tolist():
                pricer.energy_pj("column_adc", readout=readout, bits=b, sample_rate_hz=rate)
        raise


def _adc_terms(energy: Mapping[int, float], present: np.ndarray) -> tuple[Term, ...]:
    """The ADC row's terms over a sub-block's points: the conversions at each resolution some of
    them convert at, priced at its energy where a point converts at it and 0 where it does not (its
    conversions there are 0: the sum and its actions are those of the point's own terms)."""
    terms = []
    for b, e in energy.items():
        has = present[:, b - 1]
        if has.all():
            terms.append(Term(AdcBitsCount.of(b), e, e))
        elif has.any():
            per_point = np.where(has, e, 0.0)
            terms.append(Term(AdcBitsCount.of(b), per_point, per_point))
    return tuple(terms)


class BlockMemo:
    """What blocks of design points price from their configurations alone (and their operands and
    workload), kept per pricer for the blocks that follow: a sweep of schemes x designs has one
    block per scheme over the same configurations. First in, first out, up to ``max_points``
    points in all, so that a stream of chunks keeps a bounded amount (``keep``: objects whose ids
    a key holds, held as long as the entry)."""

    def __init__(self, max_points: int = 100_000) -> None:
        self.max_points = max_points
        self.points = 0
        self._entries: dict[tuple[object, ...], tuple[tuple[object, ...], Any, int]] = {}

    def get(self, key: tuple[object, ...], make: Any, keep: tuple[object, ...], points: int) -> Any:
        hit = self._entries.get(key)
        if hit is None:
            hit = self._entries[key] = (keep, make(), points)
            self.points += points
            while self.points > self.max_points and len(self._entries) > 1:
                self.points -= self._entries.pop(next(iter(self._entries)))[2]
        return hit[1]


@dataclass(frozen=True)
class BlockPrices:
    """What a block's plan prices from its configurations, its operands and the workload alone
    (not the scheme's post-processing units or buffers): the same for every scheme of equal
    operands on the same configurations, so a sweep of schemes x designs prices it once. (Both
    CIM templates: the digital one's array rows are its own.)"""

    needed: np.ndarray  # macros the weights need, per point
    macros: np.ndarray  # macros the design has
    rows: np.ndarray  # the macro's rows
    # () -> [(points, the array's rows over them: here CimRow.CELLS .. WEIGHT_WRITES)], one per
    # structure of the points' rows (whether the weights fit; when gated, which parts leak nothing)
    array_parts: Any


_BLOCK_VARYING = attrgetter("rows", "cols", "adc_share", "adc_bits", "active_rows", "macros", "dram_bandwidth_gbps")  # what block_key leaves free


def _priced_operands(ops: CimOperands) -> tuple[object, ...]:
    """The operands :func:`_block_prices` reads (the geometry's weight and input widths and signs,
    the accumulation's width): schemes equal in these share a block's prices. A change that reads
    another operand there must add it here."""
    return ops.weight_bits, ops.weight_signed, ops.weight_narrow, ops.input_bits, ops.input_signed, ops.acc_bits


def _block_prices(configs: Sequence[CimMacroConfig], ops: CimOperands, pricer: Pricer, t: WorkloadTables) -> BlockPrices:
    """The macro count and the array's rows of each point of a block, as arrays over them
    (:func:`plan_cim_block`)."""
    arch = configs[0]
    n = len(configs)
    params = block_params(configs, ops, t)
    g = cim_geometry(t.shapes, params)
    needed = g.tiles.sum(axis=1).astype(np.int64)
    fixed = params.macros_fixed[:, 0]
    macros = np.where(np.isnan(fixed), needed, fixed).astype(np.int64)
    rows = params.rows[:, 0].astype(np.int64)
    cols = params.cols[:, 0].astype(np.int64)
    adcs_per_macro = np.asarray([c.adcs_per_macro for c in configs], dtype=np.int64)
    adc_bits = params.adc_bits[:, 0].astype(np.int64)
    # The cell: priced once per distinct macro shape.
    cells = _each(rows * (1 << 32) + cols, lambda i: _cell_prices(configs[i], pricer))
    e_cell, a_cell, leak_bit, write_bit = cells.T
    # A bit-serial or PWM input drives its word line with a 1-bit driver; a DAC with p bits.
    dac_bits = arch.input_bits_per_pulse if arch.input_mode is InputEncoding.DAC else 1
    e_dac = pricer.energy_pj("dac", bits=dac_bits)
    rate = arch.clock_mhz * 1e6
    readout = arch.adc_readout.value

    def adc(i: int) -> tuple[float, float]:
        args = dict(readout=readout, bits=configs[i].adc_bits, sample_rate_hz=rate)
        return pricer.area_um2("column_adc", **args), pricer.leakage_mw("column_adc", **args)

    a_adc, l_adc = _each(adc_bits, adc).T
    sa_bits = _shift_add_block(g, params, t)
    e_sa, a_sa_k = [], []
    for b in sa_bits:
        priced = _each(b, lambda i, b=b: (pricer.energy_pj("int_adder", bits=int(b[i])) + pricer.energy_pj("register", bits=int(b[i])),
                                          pricer.area_um2("int_adder", bits=int(b[i])) + pricer.area_um2("register", bits=int(b[i]))))
        e_sa.append(priced[:, 0])
        a_sa_k.append(priced[:, 1])
    a_sa = np.maximum.reduce(a_sa_k)
    acc = ops.acc_bits
    e_acc = pricer.energy_pj("int_adder", bits=acc) + pricer.energy_pj("register", bits=acc)
    a_acc = pricer.area_um2("int_adder", bits=acc) + pricer.area_um2("register", bits=acc)
    adcs = macros * adcs_per_macro
    sa = np.maximum.reduce(sa_bits)
    leak_sa = adcs_per_macro * _each(sa, lambda i: pricer.leakage_mw("int_adder", bits=int(sa[i]))
                                     + pricer.leakage_mw("register", bits=int(sa[i])))
    leak_cells = rows * cols * leak_bit
    leak_dac = rows * pricer.leakage_mw("dac", bits=dac_bits)
    leak_adc = adcs_per_macro * l_adc
    area_cells = macros * rows * cols * a_cell
    area_dac = macros * rows * pricer.area_um2("dac", bits=dac_bits)
    # The structure of each point's rows: the ADC resolutions its conversions need, whether its
    # weights fit, and (gated) which parts leak nothing.
    priced_bits = g.adc_priced_bits
    resolutions = np.arange(1, ADC_BITS_MAX + 1)
    present = (priced_bits[:, :, None] == resolutions).any(axis=1)
    missing = ~np.isin(priced_bits, resolutions)
    writes = needed > macros
    columns = [writes[:, None]]
    if arch.power_gating is not PowerGating.NONE:
        columns.append(np.stack([leak_cells == 0, np.broadcast_to(leak_dac == 0, (n,)), leak_adc == 0, leak_sa == 0],
                                axis=1))

    def array_parts() -> list[tuple[np.ndarray, tuple[PricedRow, ...]]]:
        """Each structure's points and the array's rows over them; raises, as the points' own
        plans do, for a resolution the library cannot price."""
        if missing.any():
            AdcBitsCount.of(int(priced_bits[missing][0]))  # raises, as the point alone does
        adc_energy = _adc_energies(pricer, readout, rate, present, columns)
        parts = []
        for kind, sel in structures(np.concatenate(columns, axis=1)):
            at = lambda v: _take(v, sel)  # noqa: E731
            m = macros[sel]
            rows_here = [
                _row(CimRow.CELLS, Category.CIM_ARRAY, (Term(CimCount.CELL_OPS, at(e_cell), at(e_cell)),),
                     at(area_cells), arch, m, at(leak_cells)),
                _row(CimRow.DAC, Category.CIM_PERIPHERY, (Term(CimCount.ROW_DRIVES, e_dac, e_dac),),
                     at(area_dac), arch, m, at(leak_dac)),
                _row(CimRow.ADC, Category.CIM_PERIPHERY, _adc_terms(adc_energy, present[sel]), at(adcs) * at(a_adc), arch,
                     m, at(leak_adc)),
                _row(CimRow.SHIFT_ADD, Category.CIM_PERIPHERY, (Term(CimCount.CONVERSIONS, *(at(e) for e in e_sa)),),
                     at(adcs) * at(a_sa), arch, m, at(leak_sa)),
                PricedRow(CimRow.ROW_GROUP_ACCUMULATOR, Category.COMPUTE, (Term(CimCount.ROW_GROUP_ADDS, e_acc, e_acc),),
                          arch.post_lanes * a_acc),
            ]
            if kind[0]:
                e_bit = at(write_bit)
                rows_here.append(PricedRow(CimRow.WEIGHT_WRITES, Category.CIM_ARRAY,
                                           (Term(CimCount.WEIGHT_WRITE_BITS, e_bit, e_bit),), 0.0))
            parts.append((sel, tuple(rows_here)))
        return parts

    return BlockPrices(needed, macros, rows, array_parts)


def plan_cim_block(scheme: QuantScheme, configs: Sequence[CimMacroConfig], pricer: Pricer, t: WorkloadTables,
                   datapaths: ClassDatapaths) -> list[tuple[np.ndarray, CimPlan]]:
    """:func:`plan_cim_macro` of several design points at once: configurations sharing
    :func:`block_key`, one scheme, library and workload. The geometry of every point is computed at
    once; the points are then split by the structure of their rows (whether the weights fit,
    which parts leak when gated) into sub-blocks, each returned with its points' positions in
    ``configs``. A sub-block's plan holds arrays over its points where they differ (each row's
    energies, area and leakage; the macros), each what the point's own plan gives: the same
    arithmetic, element by element. What the configurations and the operands alone decide
    (:class:`BlockPrices`, and the array's rows of each sub-block) is kept in the pricer
    (:class:`BlockMemo`) per workload, the operands it reads and the configurations' settings: a
    sweep's schemes of equal operand widths over equal designs share it."""
    arch = configs[0]
    n = len(configs)
    body, edge = datapaths.body, datapaths.edge
    check_integer_layers(datapaths, scheme, "cim_macro")
    ops = operands(scheme, *datapaths.datapaths)
    # Keyed by value: the configurations' settings (block_key and what may vary within a block) and
    # the operands the prices read; the workload's tables are held with the value, so its id stays its.
    memo = pricer.derived(("cim_block_memo",), BlockMemo)
    key = (id(t), _priced_operands(ops), block_key(arch), *map(_BLOCK_VARYING, configs))
    keep = (t,)
    prices = memo.get(("prices",) + key, lambda: _block_prices(configs, ops, pricer, t), keep, n)
    rows = prices.rows
    # Every row after the write row is the same for every structure: priced for the whole block.
    tail = _correction_row(arch, pricer, ops, t, rows)
    tail += _bom_rows(datapaths, arch, pricer, t, ops.group_size, rows)
    tail += buffer_rows(arch, arch.post_lanes, pricer, scheme)
    array_parts = memo.get(("rows",) + key, prices.array_parts, keep, n)
    return [(sel, CimPlan(body, edge, ops, prices.macros[sel], prices.needed[sel], rows))
            for sel, rows in sub_block_rows(array_parts, tail, n, pricer)]


def sub_block_rows(array_parts: Sequence[tuple[np.ndarray, tuple[PricedRow, ...]]], tail: Sequence[PricedRow], n: int,
                   pricer: Pricer) -> list[tuple[np.ndarray, tuple[PricedRow, ...]]]:
    """Each sub-block's rows (both CIM templates): its array's rows, the block's other rows
    (``tail``, priced for all ``n`` points) taken at its points, and the on-chip network to its
    macros (:data:`MACROS`)."""
    tail_arrays = [_has_array(r) for r in tail]
    out = []
    for sel, array_rows in array_parts:
        if len(sel) == n:
            block_rows = array_rows + tuple(tail)
        else:
            block_rows = array_rows + tuple(take_rows((r,), sel)[0] if arrays else r for r, arrays in zip(tail, tail_arrays))
        noc = noc_row(block_rows, pricer, MACROS)
        out.append((sel, block_rows + (() if noc is None else (noc,))))
    return out
