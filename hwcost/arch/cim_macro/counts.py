"""Analytical action counts of the CIM macro, vectorised over design points x layers.

Arrays have shape ``(points, layers)``; layer shapes are ``(layers,)`` and design-point
parameters ``(points, 1)``. Symbols follow ``docs/cim-model.md``: N reduction length per group,
K_g output channels per group, G groups, P output pixels, R x C macro rows x columns, c cell
bits, p input bits per pulse, S_w weight slices, S_a input slices, RG row groups, A rows summed
per conversion, AG row activations, S_conv / pol_conv the weight slices / polarities converted apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

import numpy as np

from hwcost.arch.cim_macro.config import ceil_div, lossless_adc_bits
from hwcost.arch.shared.tables import LayerShapes

__all__ = ["CimCount", "AdcBitsCount", "ADC_BITS_MAX", "Encoding", "CimLayerParams", "CimGeometry", "CimLayerActions",
           "Residency", "cim_geometry", "resident_layers", "count_cim_actions"]


class CimCount(StrEnum):
    """Count keys of the CIM macro besides the shared ones (:class:`~hwcost.arch.shared.pricing.Count`)."""

    CELL_OPS = "cell_ops"  # cell x input-pulse products
    ROW_DRIVES = "row_drives"  # word-line (DAC) drives
    CONVERSIONS = "conversions"  # ADC conversions (= shift-add operations)
    ROW_GROUP_ADDS = "row_group_adds"  # digital accumulation of row-group partial sums
    OFFSET_SUBTRACTS = "offset_subtracts"  # reference-column correction, one per output
    WINDOW_SUM_ADDS = "cim_window_sum_adds"  # digital correction: sum(x) per output pixel
    DIGITAL_SUBTRACTS = "digital_subtracts"  # digital correction, one per output
    WEIGHT_WRITE_BITS = "weight_write_bits"  # cells rewritten when the weights are not resident
    ACTIVE_MACRO_CYCLES = "active_macro_cycles"  # macros in use x cycles (leakage of powered macros)


ADC_BITS_MAX = 16  # the config's adc_bits range


class AdcBitsCount(StrEnum):
    """ADC conversions by the resolution they are priced at: min(adc_bits, lossless bits of the
    layer's converted sum) (docs/cim-model.md §6). Members adc_conversions_1b .. _16b."""

    _ignore_ = ["b"]
    for b in range(1, ADC_BITS_MAX + 1):
        locals()[f"B{b}"] = f"adc_conversions_{b}b"

    @classmethod
    def of(cls, bits: int) -> "AdcBitsCount":
        return cls[f"B{bits}"]


class Encoding(IntEnum):
    """Integer codes of :class:`~hwcost.arch.cim_macro.SignedWeights` inside numpy arrays."""

    DIFFERENTIAL = 0
    OFFSET = 1
    DIGITAL = 2


@dataclass(frozen=True)
class CimLayerParams:
    """Design-point parameters: (points, 1) for the macro, (points, layers) per layer."""

    rows: np.ndarray
    cols: np.ndarray
    adc_share: np.ndarray
    cell_bits: np.ndarray
    pulse_bits: np.ndarray
    adc_bits: np.ndarray
    encoding: np.ndarray  # Encoding code
    macros_fixed: np.ndarray  # NaN: as many as the weights need
    post_lanes: np.ndarray
    acc_bits: np.ndarray
    glb_bits: np.ndarray
    dram_bits_per_cycle: np.ndarray
    weight_bits: np.ndarray  # (points, layers): the classifier's weight operand bits
    weight_signed: np.ndarray  # (points, layers) bool
    weight_narrow: np.ndarray  # (points, layers) bool: |w| <= 2^(b-1) - 1
    act_bits: np.ndarray  # (points, layers): stored activation bits (buffer traffic)
    input_bits: np.ndarray  # (points, layers): the array's input operand bits (sliced into pulses)
    act_signed: np.ndarray  # (points, layers) bool: the input operand is signed
    out_bits: np.ndarray  # (points, layers): requantized output bits
    extra_dram_bits_per_layer: np.ndarray  # (points, layers): per-channel tables
    # Accumulation options, (points, 1); the defaults are the per-bit, bit-serial, all-rows readout.
    weight_analog: np.ndarray = field(default_factory=lambda: np.zeros((1, 1), dtype=bool))  # weight bits combined in analog
    pair_analog: np.ndarray = field(default_factory=lambda: np.zeros((1, 1), dtype=bool))  # pairs subtracted in analog
    pwm: np.ndarray = field(default_factory=lambda: np.zeros((1, 1), dtype=bool))  # a slice is 2^p - 1 unit pulses
    active_rows: np.ndarray = field(default_factory=lambda: np.full((1, 1), np.nan))  # A; NaN: all rows
    # Weight reloads (docs/cim-model.md §2), (points, 1): the GLB's port bits per cycle, clock cycles to
    # write one row of cells.
    glb_bits_per_cycle: np.ndarray = field(default_factory=lambda: np.full((1, 1), 256.0))
    write_cycles_per_row: np.ndarray = field(default_factory=lambda: np.ones((1, 1)))


@dataclass(frozen=True)
class CimGeometry:
    """How each layer maps onto macros; every field (points, layers)."""

    magnitude_bits: np.ndarray  # bits stored per weight per polarity
    weight_slices: np.ndarray  # S_w = ceil(m / c)
    polarity: np.ndarray  # 2 for differential pairs, else 1
    input_slices: np.ndarray  # S_a
    row_groups: np.ndarray  # RG = ceil(N / R)
    cols_per_group: np.ndarray  # K_g * S_w * polarity (+1 reference column)
    col_tiles: np.ndarray  # CT = ceil(cols_per_group / C)
    groups_per_tile: np.ndarray  # block-diagonal packing of small groups (depthwise)
    tiles: np.ndarray  # macros the layer occupies
    lossless_bits: np.ndarray  # ADC bits that resolve every level of a converted sum
    row_activations: np.ndarray  # AG: activations of A rows per input slice over the reduction
    activations_per_tile: np.ndarray  # ceil(min(N, R) / A): sequential activations in one macro
    conv_slices: np.ndarray  # S_conv: weight slices converted apart (1 when combined in analog)
    conv_polarity: np.ndarray  # pol_conv: polarities converted apart (1 when subtracted in analog)
    conv_per_group: np.ndarray  # conversions per group and activation: K_g S_conv pol_conv (+1 reference)
    unit_pulses: np.ndarray  # word-line pulses per input slice: 2^p_eff - 1 for pwm, else 1
    adc_priced_bits: np.ndarray  # min(adc_bits, lossless_bits): the resolution a conversion needs
    signed_diff: np.ndarray  # bool: signed weights as differential pairs
    signed_offset: np.ndarray  # bool: offset storage + reference column
    signed_digital: np.ndarray  # bool: offset storage + digital window-sum correction


def cim_geometry(s: LayerShapes, p: CimLayerParams) -> CimGeometry:
    """Slices, row groups, columns and macros of every layer (docs/cim-model.md §2)."""
    N, Kg, G = s.reduction_length, s.out_channels_per_group, s.groups
    R, C, c, pb = p.rows, p.cols, p.cell_bits, p.pulse_bits
    signed = p.weight_signed
    diff = signed & (p.encoding == Encoding.DIFFERENTIAL)
    offset = signed & (p.encoding == Encoding.OFFSET)
    digital = signed & (p.encoding == Encoding.DIGITAL)
    # Differential pairs hold |w|: b - 1 bits on a narrow (symmetric) grid, b bits when the
    # grid reaches -2^(b-1). Offset storage holds w + 2^(b-1) unsigned in b bits.
    m = np.where(diff & p.weight_narrow, p.weight_bits - 1, p.weight_bits)
    m = np.maximum(m, 1)
    s_w = ceil_div(m, c)
    polarity = np.where(diff, 2.0, 1.0)
    # Signed inputs: two's-complement slices with the sign bit alone in the last slice, whose
    # shift-add weight is negative; unsigned inputs: plain p-bit slices.
    b_a = p.input_bits
    s_a = np.where(p.act_signed, 1 + ceil_div(np.maximum(b_a - 1, 0), pb), ceil_div(b_a, pb))
    rg = ceil_div(N, R)
    cols_per_group = Kg * s_w * polarity + np.where(offset, 1.0, 0.0)
    ct = ceil_div(cols_per_group, C)
    fits = (N <= R) & (cols_per_group <= C)
    gpt = np.where(fits, np.minimum(np.floor(R / N), np.floor(C / cols_per_group)), 1.0)
    gpt = np.maximum(gpt, 1.0)
    tiles = ceil_div(G, gpt) * rg * ct
    c_eff = np.minimum(c, m)
    p_eff = np.where(p.act_signed, np.minimum(pb, np.maximum(b_a - 1, 1)), np.minimum(pb, b_a))
    # Rows summed per conversion: A of the R rows at a time. A reduction of N rows spans
    # floor(N / R) full macros of ceil(R / A) activations and one of ceil((N mod R) / A).
    A = np.where(np.isnan(p.active_rows), R, np.minimum(p.active_rows, R))
    ag = np.floor(N / R) * ceil_div(R, A) + ceil_div(np.mod(N, R), A)
    per_tile = ceil_div(np.minimum(N, R), A)
    # What one conversion sums: whole weights (m bits) when combined in analog, one c-bit
    # slice otherwise; a signed pair difference when subtracted in analog.
    s_conv = np.where(p.weight_analog, 1.0, s_w)
    pol_conv = np.where(diff & p.pair_analog, 1.0, polarity)
    conv_per_group = Kg * s_conv * pol_conv + np.where(offset, 1.0, 0.0)
    w_conv = np.where(p.weight_analog, m, c_eff)
    lossless = lossless_adc_bits(np.minimum(N, A), w_conv, p_eff, diff & p.pair_analog)
    pulses = np.where(p.pwm, 2.0**p_eff - 1, 1.0)
    priced = np.minimum(p.adc_bits, lossless)
    return CimGeometry(m, s_w, polarity, s_a, rg, cols_per_group, ct, gpt, tiles, lossless, ag, per_tile, s_conv,
                       pol_conv, conv_per_group, pulses, priced, diff, offset, digital)


@dataclass(frozen=True)
class Residency:
    """Which layers keep their weights in the macros (docs/cim-model.md §2); (points, layers) unless noted."""

    macros: np.ndarray  # (points, 1): the macros the design has
    resident: np.ndarray  # bool: the layer's weights stay in their macros across inferences
    free_macros: np.ndarray  # (points, 1): macros left to the streamed layers (M when none is resident)
    rounds: np.ndarray  # passes of the layer over the macros it runs on
    reload_from_glb: np.ndarray  # (points, 1) bool: the streamed weights are held in the GLB, not DRAM


def resident_layers(tiles: np.ndarray, macros: np.ndarray) -> np.ndarray:
    """The longest prefix of layers (network order) whose macros fit beside the largest layer after
    it: prefix k is kept when  sum_{l<=k} tiles_l + min(max_{l>k} tiles_l, M) <= M, so every streamed
    layer still runs in as few rounds as it can. Feasibility is monotone in k, so the resident
    layers are exactly the feasible prefix lengths.

    >>> resident_layers(np.array([[1.0, 1.0, 2.0]]), np.array([[3.0]])).tolist()   # 1 resident, 2 streamed
    [[True, False, False]]
    >>> resident_layers(np.array([[1.0, 2.0]]), np.array([[2.0]])).tolist()   # 3 tiles on 2 macros
    [[False, False]]
    >>> resident_layers(np.array([[1.0, 2.0]]), np.array([[3.0]])).tolist()   # everything fits
    [[True, True]]
    """
    used = np.cumsum(tiles, axis=1)  # prefix of length l + 1
    after = np.concatenate([np.maximum.accumulate(tiles[:, ::-1], axis=1)[:, ::-1][:, 1:],
                            np.zeros((tiles.shape[0], 1))], axis=1)  # largest layer after l
    return used + np.minimum(after, macros) <= macros + 1e-9


def residency(tiles: np.ndarray, macros_fixed: np.ndarray, weight_bits: np.ndarray, activation_bits: np.ndarray,
              glb_bits: np.ndarray) -> Residency:
    """Which layers keep their weights on ``macros_fixed`` macros (NaN: as many as they need), the
    macros left to the others and their rounds, and where the streamed weights reload from; shared
    by both CIM templates. ``weight_bits`` / ``activation_bits``: each layer's weights and its input
    plus output activations, in bits (points, layers)."""
    needed = tiles.sum(axis=1, keepdims=True)
    macros = np.where(np.isnan(macros_fixed), needed, macros_fixed)
    resident = resident_layers(tiles, macros)
    free = macros - (tiles * resident).sum(axis=1, keepdims=True)
    free = np.where(resident.all(axis=1, keepdims=True), macros, np.maximum(free, 1.0))
    rounds = np.where(resident, 1.0, ceil_div(tiles, free))
    # The streamed weights are held in the GLB when they fit beside the largest layer's activations
    # (their one load from DRAM is amortised over inferences); otherwise they come from DRAM.
    streamed_bits = np.where(resident, 0.0, weight_bits).sum(axis=1, keepdims=True)
    footprint = activation_bits.max(axis=1, keepdims=True)
    from_glb = (streamed_bits > 0) & (streamed_bits + footprint <= glb_bits)
    return Residency(macros, resident, free, rounds, from_glb)


def _residency(s: LayerShapes, p: CimLayerParams, g: CimGeometry) -> Residency:
    return residency(g.tiles, p.macros_fixed, s.weights * p.weight_bits,
                     s.input_elements * p.act_bits + s.output_elements * p.out_bits, p.glb_bits)


@dataclass(frozen=True)
class CimLayerActions:
    """Counts per (point, layer); traffic in bits, time in clock cycles."""

    cell_ops: np.ndarray  # cell x input-pulse products
    row_drives: np.ndarray  # word-line (DAC) drives
    conversions: np.ndarray  # ADC conversions (= shift-add operations)
    conversions_by_bits: dict  # AdcBitsCount -> (points, layers): conversions priced at that resolution (the resolutions converted at)
    split_conversions: np.ndarray  # the part of ``conversions`` caused by row-group splitting
    row_group_adds: np.ndarray  # digital accumulation of row-group partial sums
    offset_subtracts: np.ndarray  # reference-column correction, one per output
    window_sum_adds: np.ndarray  # digital correction: sum(x) per output pixel
    digital_subtracts: np.ndarray  # digital correction, one per output
    array_inputs: np.ndarray  # activation elements fed to the macros
    quantized: np.ndarray  # bool: the ADC is below the layer's lossless bits
    rounds: np.ndarray  # passes over the available macros
    weight_write_bits: np.ndarray  # cells rewritten per inference when weights are not resident
    weight_reload_bits: np.ndarray  # weight bits read from the GLB or DRAM to rewrite them
    resident: np.ndarray  # bool: the layer's weights stay in the macros
    reload_from_glb: np.ndarray  # bool: streamed weights are read from the GLB (else DRAM)
    active_macro_cycles: np.ndarray  # macros in use x the layer's cycles
    glb_read_bits: np.ndarray
    glb_write_bits: np.ndarray
    noc_bits: np.ndarray  # bits between the GLB and the macros, both ways (docs/cost-model.md §2, "On-chip network")
    dram_read_bits: np.ndarray
    dram_write_bits: np.ndarray
    compute_cycles: np.ndarray
    memory_cycles: np.ndarray
    latency_cycles: np.ndarray


def _traffic(s: LayerShapes, p: CimLayerParams, g: CimGeometry, rounds: np.ndarray,
             resident: np.ndarray, from_glb: np.ndarray) -> dict[str, np.ndarray]:
    I, O, W = s.input_elements, s.output_elements, s.weights
    N, G, P = s.reduction_length, s.groups, s.output_pixels
    # Inputs are read once per column-tile round (column tiles in parallel share one read).
    array_inputs = P * N * G * np.minimum(g.col_tiles, rounds)
    psum_bits = np.where(rounds > 1, 2 * O * (g.row_groups - 1) * p.acc_bits, 0.0)
    spills = s.spills(p.act_bits, p.out_bits, p.glb_bits)  # never for the peak's ideal layer (stays on chip)
    act_in = np.where(s.is_network_input | spills, s.used_inputs * p.act_bits, 0.0)  # a strided 1x1: what it uses
    act_out = np.where(s.is_network_output | spills, O * p.out_bits, 0.0)
    weights = np.where(resident, 0.0, W * p.weight_bits)
    glb_weights = np.where(from_glb, weights, 0.0)
    return {
        "array_inputs": array_inputs,
        "weights": weights,
        "glb_weights": glb_weights,
        "glb_read_bits": array_inputs * p.act_bits + psum_bits / 2 + glb_weights,
        "glb_write_bits": O * p.out_bits + psum_bits / 2 + act_in,
        # every GLB bit but the activations DRAM brings: inputs, partial sums, reloaded weights, outputs
        "noc_bits": array_inputs * p.act_bits + psum_bits + glb_weights + O * p.out_bits,
        "dram_read_bits": weights - glb_weights + act_in + p.extra_dram_bits_per_layer,
        "dram_write_bits": act_out + 0 * weights,
    }


def _conversions_by_bits(priced_bits: np.ndarray, conversions: np.ndarray, zero: np.ndarray) -> dict:
    """The conversions at each resolution some point converts at in some layer; a resolution none
    converts at is left out (its count would be 0 everywhere, and no point's rows price it)."""
    out = {}
    for b, key in enumerate(AdcBitsCount, start=1):
        at_b = priced_bits == b
        if at_b.any():
            out[key] = np.where(at_b, conversions, zero)
    return out


def count_cim_actions(s: LayerShapes, p: CimLayerParams, g: CimGeometry) -> CimLayerActions:
    """Action counts of every layer at every point (docs/cim-model.md §3-5)."""
    N, G, P, O = s.reduction_length, s.groups, s.output_pixels, s.output_elements
    res = _residency(s, p, g)
    resident, rounds = res.resident, res.rounds
    pulses = P * G * g.input_slices  # input slices applied per group
    conversions = pulses * g.row_activations * g.conv_per_group
    used = np.minimum(p.cols, g.groups_per_tile * g.cols_per_group)
    converted = ceil_div(used * g.conv_per_group, g.cols_per_group)  # sums one activation of a macro converts
    step_cycles = ceil_div(converted, p.cols / p.adc_share)  # conversions per ADC per activation
    # A streamed layer's macros are rewritten row by row before each round (no double buffering).
    write_cycles = np.where(resident, 0.0, rounds * p.rows * p.write_cycles_per_row)
    compute_cycles = rounds * P * g.input_slices * g.activations_per_tile * step_cycles + write_cycles
    t = _traffic(s, p, g, rounds, resident, res.reload_from_glb)
    # DRAM and the GLB's reload reads use separate ports: the slower one bounds the layer.
    memory_cycles = np.maximum((t["dram_read_bits"] + t["dram_write_bits"]) / p.dram_bits_per_cycle,
                               t["glb_weights"] / p.glb_bits_per_cycle)
    post_cycles = O / p.post_lanes
    latency = np.maximum(np.maximum(compute_cycles, memory_cycles), post_cycles)
    zero = 0.0 * conversions
    return CimLayerActions(
        cell_ops=pulses * g.unit_pulses * N * g.cols_per_group,
        row_drives=pulses * g.unit_pulses * N * g.col_tiles,
        conversions=conversions,
        conversions_by_bits=_conversions_by_bits(g.adc_priced_bits, conversions, zero),
        split_conversions=pulses * (g.row_activations - 1) * g.conv_per_group,
        row_group_adds=O * (g.row_groups - 1),
        offset_subtracts=np.where(g.signed_offset, O, zero),
        window_sum_adds=np.where(g.signed_digital, (N - 1) * P * G, zero),
        digital_subtracts=np.where(g.signed_digital, O, zero),
        array_inputs=t["array_inputs"] + zero,
        quantized=p.adc_bits < g.lossless_bits,
        rounds=rounds + zero,
        weight_write_bits=np.where(resident, zero, G * N * g.cols_per_group * p.cell_bits),
        weight_reload_bits=t["weights"] + zero,
        resident=resident + (zero > 0),
        reload_from_glb=res.reload_from_glb & ~resident,
        active_macro_cycles=g.tiles / rounds * latency,
        glb_read_bits=t["glb_read_bits"] + zero,
        glb_write_bits=t["glb_write_bits"] + zero,
        noc_bits=t["noc_bits"] + zero,
        dram_read_bits=t["dram_read_bits"] + zero,
        dram_write_bits=t["dram_write_bits"] + zero,
        compute_cycles=compute_cycles,
        memory_cycles=memory_cycles,
        latency_cycles=latency,
    )
