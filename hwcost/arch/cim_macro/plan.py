"""Price the units of one CIM design point: energy per action and area, as :class:`PricedRow`s.

The rows are those of ``docs/cim-model.md`` §4: the cell array, word-line drivers (DACs), ADCs,
shift-and-add, row-group accumulation, the signed-weight correction, the post-processing units of
the classifier's bill of materials (priced exactly as on the MAC array), the global buffer, DRAM
and the element-wise layers. Areas that scale with the macro count use the number of macros the
point needs (or the fixed count of the arch file).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from hwcost.arch.cim_macro.cells import CellCost, cell_cost, write_cycles_per_row
from hwcost.arch.cim_macro.config import (GATED_LEAKAGE_FRACTION, HARD_GATED_LEAKAGE_FRACTION, CimMacroConfig,
                                          InputEncoding, PairSubtraction, SignedWeights, WeightAccumulation)
from hwcost.arch.cim_macro.leakage import macro_leakage
from hwcost.arch.cim_macro.counts import AdcBitsCount, CimCount, CimGeometry, CimLayerParams, Encoding, cim_geometry
from hwcost.arch.shared.bom import (ClassDatapaths, PricedUnit, check_integer_layers, count_key, priced_units,
                                    table_word_bits)
from hwcost.arch.shared.memory import buffer_rows
from hwcost.arch.shared.pricing import PricedRow, Pricer, Term
from hwcost.arch.shared.tables import WorkloadTables, by_class, column
from hwcost.classify import Datapath, Placement, UnitKind
from hwcost.classify.widths import window_sum_bits
from hwcost.errors import HwcostError
from hwcost.report import Category
from hwcost.schemes import QuantScheme

__all__ = ["CimRow", "CimOperands", "CimPlan", "plan_cim_macro", "layer_params", "operands"]


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
    macros: int  # macros the design has (fixed, or as many as the weights need)
    macros_needed: int
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


def layer_params(archs: Sequence[CimMacroConfig], ops: Sequence[CimOperands], t: WorkloadTables) -> CimLayerParams:
    """Stack design points into (points, 1) / (points, layers) arrays."""

    col = column

    def per_layer(pick: str) -> np.ndarray:
        return by_class(t.layer_class, [getattr(o, pick) for o in ops])

    out_channels = t.shapes.out_channels_per_group * t.shapes.groups
    return CimLayerParams(
        rows=col([a.rows for a in archs]),
        cols=col([a.cols for a in archs]),
        adc_share=col([a.adc_share for a in archs]),
        cell_bits=col([a.cell_bits for a in archs]),
        pulse_bits=col([a.input_bits_per_pulse for a in archs]),
        adc_bits=col([a.adc_bits for a in archs]),
        encoding=col([_ENCODING_CODE[a.signed_weights] for a in archs]),
        weight_analog=col([a.weight_accumulation is WeightAccumulation.ANALOG for a in archs]).astype(bool),
        pair_analog=col([a.pair_subtraction is PairSubtraction.ANALOG for a in archs]).astype(bool),
        pwm=col([a.input_mode is InputEncoding.PWM for a in archs]).astype(bool),
        active_rows=col([a.rows_per_conversion for a in archs]),
        macros_fixed=col([np.nan if a.macros is None else a.macros for a in archs]),
        glb_bits_per_cycle=col([a.glb_bits_per_cycle for a in archs]),
        write_cycles_per_row=col([write_cycles_per_row(a) for a in archs]),
        post_lanes=col([a.post_lanes for a in archs]),
        acc_bits=col([o.acc_bits for o in ops]),
        glb_bits=col([a.glb_bits for a in archs]),
        dram_bits_per_cycle=col([a.dram_bits_per_cycle for a in archs]),
        weight_bits=per_layer("weight_bits"),
        weight_signed=per_layer("weight_signed").astype(bool),
        weight_narrow=per_layer("weight_narrow").astype(bool),
        act_bits=per_layer("act_bits"),
        input_bits=per_layer("input_bits"),
        act_signed=per_layer("input_signed").astype(bool),
        out_bits=per_layer("out_bits"),
        extra_dram_bits_per_layer=col([o.table_word_bits for o in ops]) * out_channels[None, :],
    )


def _shift_add_bits(g: CimGeometry, p: CimLayerParams, t: WorkloadTables) -> tuple[int, ...]:
    """Width of the shift-and-add accumulator: ADC code shifted by its weight and input slice,
    plus a sign bit and the bits of summing a macro's sequential row activations:
    B_adc + (S_conv - 1) c + (S_a - 1) p + 1 + ceil(log2 ceil(min(N, R) / A)) (widest body and
    layer of each precision class; S_conv = 1 when the weight bits are combined in analog)."""
    bits = (p.adc_bits + (g.conv_slices - 1) * p.cell_bits + (g.input_slices - 1) * p.pulse_bits + 1
            + np.ceil(np.log2(g.activations_per_tile)))
    bits = bits[0]
    masks = [t.in_class(k) for k in range(t.n_classes)]
    body = int(bits[masks[0]].max()) if masks[0].any() else int(bits.max())
    return (body, *(int(bits[m].max()) if m.any() else body for m in masks[1:]))



def _adc_terms(arch: CimMacroConfig, pricer: Pricer, priced_bits: np.ndarray) -> tuple[Term, ...]:
    """One term per resolution the point's conversions need, min(adc_bits, lossless bits of the
    layer's converted sum): a conversion resolves only the levels its sum has (docs/cim-model.md §6)."""
    rate = arch.clock_mhz * 1e6  # one conversion per ADC per clock cycle
    terms = []
    for b in sorted({int(v) for v in np.unique(priced_bits)}):
        e = pricer.energy_pj("column_adc", readout=arch.adc_readout.value, bits=b, sample_rate_hz=rate)
        terms.append(Term(AdcBitsCount.of(b), e, e))
    return tuple(terms)


def _row(unit: CimRow, category: Category, terms: tuple[Term, ...], area_um2: float, arch: CimMacroConfig,
         macros: int, leak_per_macro_mw: float) -> PricedRow:
    """A row whose part leaks ``leak_per_macro_mw`` in every macro (leakage.py: power gating; the
    cells keep their weights when gated, the periphery holds nothing)."""
    residual = GATED_LEAKAGE_FRACTION if unit is CimRow.CELLS else HARD_GATED_LEAKAGE_FRACTION
    leakage, static = macro_leakage(arch.power_gating, arch.clock_mhz, macros, leak_per_macro_mw,
                                    CimCount.ACTIVE_MACRO_CYCLES, residual)
    return PricedRow(unit, category, terms + static, area_um2, leakage_mw=leakage)


def _array_rows(arch: CimMacroConfig, pricer: Pricer, macros: int, sa_bits: tuple[int, ...],
                acc: int, priced_bits: np.ndarray, cell: CellCost) -> list[PricedRow]:
    e_cell = cell.energy_pj
    # A bit-serial or PWM input drives its word line with a 1-bit driver; a DAC with p bits.
    dac_bits = arch.input_bits_per_pulse if arch.input_mode is InputEncoding.DAC else 1
    e_dac = pricer.energy_pj("dac", bits=dac_bits)
    adc = dict(readout=arch.adc_readout.value, bits=arch.adc_bits, sample_rate_hz=arch.clock_mhz * 1e6)
    e_sa = [pricer.energy_pj("int_adder", bits=b) + pricer.energy_pj("register", bits=b) for b in sa_bits]
    a_sa = max(pricer.area_um2("int_adder", bits=b) + pricer.area_um2("register", bits=b) for b in sa_bits)
    e_acc = pricer.energy_pj("int_adder", bits=acc) + pricer.energy_pj("register", bits=acc)
    a_acc = pricer.area_um2("int_adder", bits=acc) + pricer.area_um2("register", bits=acc)
    adcs = macros * arch.adcs_per_macro
    # Static power per macro: the cells by the library's SRAM law (cells.py); the periphery by the
    # library's leakage of each component -- 0 where it gives none, which the report names.
    sa = max(sa_bits)
    leak_cells = arch.rows * arch.cols * cell.leakage_mw_per_bit
    leak_dac = arch.rows * pricer.leakage_mw("dac", bits=dac_bits)
    leak_adc = arch.adcs_per_macro * pricer.leakage_mw("column_adc", **adc)
    leak_sa = arch.adcs_per_macro * (pricer.leakage_mw("int_adder", bits=sa) + pricer.leakage_mw("register", bits=sa))
    return [
        _row(CimRow.CELLS, Category.CIM_ARRAY, (Term(CimCount.CELL_OPS, e_cell, e_cell),),
             macros * arch.rows * arch.cols * cell.area_um2, arch, macros, leak_cells),
        _row(CimRow.DAC, Category.CIM_PERIPHERY, (Term(CimCount.ROW_DRIVES, e_dac, e_dac),),
             macros * arch.rows * pricer.area_um2("dac", bits=dac_bits), arch, macros, leak_dac),
        _row(CimRow.ADC, Category.CIM_PERIPHERY, _adc_terms(arch, pricer, priced_bits),
             adcs * pricer.area_um2("column_adc", **adc), arch, macros, leak_adc),
        _row(CimRow.SHIFT_ADD, Category.CIM_PERIPHERY, (Term(CimCount.CONVERSIONS, *e_sa),), adcs * a_sa,
             arch, macros, leak_sa),
        PricedRow(CimRow.ROW_GROUP_ACCUMULATOR, Category.COMPUTE, (Term(CimCount.ROW_GROUP_ADDS, e_acc, e_acc),),
                  arch.post_lanes * a_acc),
    ]


def _correction_row(arch: CimMacroConfig, pricer: Pricer, ops: CimOperands, t: WorkloadTables) -> list[PricedRow]:
    """The signed-weight correction of offset and digital encodings (none for differential)."""
    if not any(ops.weight_signed) or arch.signed_weights is SignedWeights.DIFFERENTIAL:
        return []
    e_sub = pricer.energy_pj("int_adder", bits=ops.acc_bits)
    area = arch.post_lanes * pricer.area_um2("int_adder", bits=ops.acc_bits)
    if arch.signed_weights is SignedWeights.OFFSET:
        return [PricedRow(CimRow.SIGNED_WEIGHT_CORRECTION, Category.QUANT_OVERHEAD,
                          (Term(CimCount.OFFSET_SUBTRACTS, e_sub, e_sub),), area)]
    ws = [window_sum_bits(b, n) for b, n in zip(ops.input_bits, t.max_reduction)]
    e_ws = [pricer.energy_pj("int_adder", bits=b) for b in ws]
    area += arch.rows * max(pricer.area_um2("int_adder", bits=b) for b in ws)  # adder tree over R inputs
    terms = (Term(CimCount.WINDOW_SUM_ADDS, *e_ws), Term(CimCount.DIGITAL_SUBTRACTS, e_sub, e_sub))
    return [PricedRow(CimRow.SIGNED_WEIGHT_CORRECTION, Category.QUANT_OVERHEAD, terms, area)]


def _write_row(cell: CellCost, macros: int, needed: int) -> list[PricedRow]:
    """Rewriting the cells of the streamed layers every inference when the weights do not all fit in
    the macros (their reads from the GLB or DRAM are in those rows)."""
    if needed <= macros:
        return []
    e_bit = cell.write_pj_per_bit
    return [PricedRow(CimRow.WEIGHT_WRITES, Category.CIM_ARRAY, (Term(CimCount.WEIGHT_WRITE_BITS, e_bit, e_bit),), 0.0)]


def _bom_instances(priced: PricedUnit, arch: CimMacroConfig) -> int:
    unit = priced.unit
    if priced.is_memory:
        return 1  # a per-channel table is one memory
    if unit.placement is Placement.PER_INPUT or unit.kind is UnitKind.ZERO_POINT_WINDOW_SUM:
        return arch.rows  # at the word-line inputs / an adder tree over the R inputs
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
              group_size: int) -> list[PricedRow]:
    """Post-processing units of the bill of materials, priced as on the MAC array."""
    for dp in dps.datapaths:
        _check_hostable(dp)
    return [
        PricedRow(p.unit.kind, Category.QUANT_OVERHEAD, (Term(count_key(p.unit), *p.energies_pj),),
                  _bom_instances(p, arch) * p.area_um2, qualifier=p.qualifier, leakage_mw=p.leakage_mw)
        for p in priced_units(dps.datapaths, pricer, t, group_size, exclude=_ARRAY_KINDS)
    ]


def plan_cim_macro(scheme: QuantScheme, arch: CimMacroConfig, pricer: Pricer, t: WorkloadTables,
                   datapaths: ClassDatapaths) -> CimPlan:
    """Map the network onto macros and price every CIM row."""
    body, edge = datapaths.body, datapaths.edge
    check_integer_layers(datapaths, scheme, "cim_macro")
    ops = operands(scheme, *datapaths.datapaths)
    params = layer_params([arch], [ops], t)
    g = cim_geometry(t.shapes, params)
    needed = int(g.tiles.sum())
    macros = needed if arch.macros is None else arch.macros
    cell = cell_cost(arch, pricer)
    rows = _array_rows(arch, pricer, macros, _shift_add_bits(g, params, t), ops.acc_bits, g.adc_priced_bits, cell)
    rows += _write_row(cell, macros, needed)
    rows += _correction_row(arch, pricer, ops, t)
    rows += _bom_rows(datapaths, arch, pricer, t, ops.group_size)
    rows += buffer_rows(arch, arch.post_lanes, pricer, scheme)
    return CimPlan(body, edge, ops, macros, needed, tuple(rows))
