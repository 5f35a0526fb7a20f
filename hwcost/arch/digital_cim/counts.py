"""Analytical action counts of the digital-CIM macro, vectorised over design points x layers.

Arrays have shape ``(points, layers)``; layer shapes are ``(layers,)`` and design-point parameters
``(points, 1)``. Symbols follow ``docs/digital-cim.md``: N reduction length per group, K_g output
channels per group, G groups, P output pixels, O outputs, R x C macro rows x columns, g weight-group
bits, S_w weight groups per weight, S_a input bits (cycles), RG row groups, CT column tiles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from hwcost.arch.cim_macro.counts import residency
from hwcost.arch.shared.tables import LayerShapes

__all__ = ["DcimCount", "DcimLayerParams", "DcimGeometry", "DcimLayerActions", "dcim_geometry", "count_dcim_actions",
           "ceil_div"]


class DcimCount(StrEnum):
    """Count keys of the digital-CIM macro besides the shared ones (values unique across templates)."""

    GATE_OPS = "dcim_gate_ops"  # bitwise products: one gate evaluation per cell per input bit
    TREE_ADDS = "dcim_tree_adds"  # adder-tree additions
    SHIFT_ACCUMULATES = "dcim_shift_accumulates"  # one per tree output per input bit
    GROUP_COMBINES = "dcim_group_combines"  # shift-adds joining the weight groups of a weight
    ROW_GROUP_ADDS = "dcim_row_group_adds"  # digital accumulation of row-group partial sums
    INPUT_REGISTER_BITS = "dcim_input_register_bits"  # bits loaded into the row input registers
    WEIGHT_WRITE_BITS = "dcim_weight_write_bits"  # cells rewritten when the weights are not resident
    ACTIVE_MACRO_CYCLES = "dcim_active_macro_cycles"  # macros in use x cycles (leakage of powered macros)


def ceil_div(a: object, b: object) -> np.ndarray:
    """Elementwise ceil(a / b) for arrays, exact for whole numbers."""
    return np.ceil(np.asarray(a, dtype=float) / np.asarray(b, dtype=float))


@dataclass(frozen=True)
class DcimLayerParams:
    """Design-point parameters: (points, 1) for the macro, (points, layers) per layer."""

    rows: np.ndarray
    cols: np.ndarray
    group_bits: np.ndarray  # g
    macros_fixed: np.ndarray  # NaN: as many as the weights need
    post_lanes: np.ndarray
    acc_bits: np.ndarray
    glb_bits: np.ndarray
    dram_bits_per_cycle: np.ndarray
    weight_bits: np.ndarray  # (points, layers): the classifier's weight operand bits
    input_bits: np.ndarray  # (points, layers): the array's input operand bits (one per cycle)
    act_bits: np.ndarray  # (points, layers): stored activation bits (buffer traffic)
    out_bits: np.ndarray  # (points, layers)
    extra_dram_bits_per_layer: np.ndarray  # (points, layers): per-channel tables
    glb_bits_per_cycle: np.ndarray = field(default_factory=lambda: np.full((1, 1), 256.0))  # (points, 1)


@dataclass(frozen=True)
class DcimGeometry:
    """How each layer maps onto macros; every field (points, layers)."""

    weight_groups: np.ndarray  # S_w = ceil(b_w / g)
    input_cycles: np.ndarray  # S_a = b_a
    trees_per_group: np.ndarray  # K_g * S_w cell groups (adder trees) per convolution group
    cols_per_group: np.ndarray  # K_g * S_w * g bit columns
    row_groups: np.ndarray  # RG = ceil(N / R)
    col_tiles: np.ndarray  # CT = ceil(cols_g / C)
    groups_per_tile: np.ndarray  # block-diagonal packing of small groups (depthwise)
    tiles: np.ndarray  # macros the layer occupies


def dcim_geometry(s: LayerShapes, p: DcimLayerParams) -> DcimGeometry:
    """Weight groups, row groups, columns and macros of every layer (docs/digital-cim.md §2)."""
    N, Kg, G = s.reduction_length, s.out_channels_per_group, s.groups
    s_w = ceil_div(p.weight_bits, p.group_bits)
    s_a = p.input_bits + 0.0 * s_w
    trees = Kg * s_w
    cols_g = trees * p.group_bits
    rg = ceil_div(N, p.rows)
    ct = ceil_div(cols_g, p.cols)
    fits = (N <= p.rows) & (cols_g <= p.cols)
    gpt = np.where(fits, np.minimum(np.floor(p.rows / N), np.floor(p.cols / cols_g)), 1.0)
    gpt = np.maximum(gpt, 1.0)
    tiles = ceil_div(G, gpt) * rg * ct
    return DcimGeometry(s_w, s_a, trees, cols_g, rg, ct, gpt, tiles)


@dataclass(frozen=True)
class DcimLayerActions:
    """Counts per (point, layer); traffic in bits, time in clock cycles."""

    gate_ops: np.ndarray
    tree_adds: np.ndarray
    shift_accumulates: np.ndarray
    group_combines: np.ndarray
    row_group_adds: np.ndarray
    array_inputs: np.ndarray
    input_register_bits: np.ndarray
    weight_write_bits: np.ndarray
    resident: np.ndarray  # bool: the layer's weights stay in the macros
    reload_from_glb: np.ndarray  # bool: streamed weights are read from the GLB (else DRAM)
    active_macro_cycles: np.ndarray  # macros in use x the layer's cycles
    rounds: np.ndarray
    glb_read_bits: np.ndarray
    glb_write_bits: np.ndarray
    noc_bits: np.ndarray  # bits between the GLB and the macros, both ways (docs/cost-model.md §2, "On-chip network")
    dram_read_bits: np.ndarray
    dram_write_bits: np.ndarray
    compute_cycles: np.ndarray
    memory_cycles: np.ndarray
    latency_cycles: np.ndarray


def count_dcim_actions(s: LayerShapes, p: DcimLayerParams, g: DcimGeometry) -> DcimLayerActions:
    """Action counts of every layer at every point (docs/digital-cim.md §3-4)."""
    N, G, P, O = s.reduction_length, s.groups, s.output_pixels, s.output_elements
    I, W = s.input_elements, s.weights
    # Which layers keep their weights and where the others reload from: as cim_macro
    # (docs/cim-model.md §2; resident_layers).
    res = residency(g.tiles, p.macros_fixed, W * p.weight_bits, I * p.act_bits + O * p.out_bits, p.glb_bits)
    resident, rounds, from_glb = res.resident, res.rounds, res.reload_from_glb
    evaluations = P * G * g.input_cycles * g.trees_per_group  # tree evaluations per row group
    zero = 0.0 * evaluations
    # Inputs are read once per column-tile round (column tiles in parallel share one read).
    array_inputs = P * N * G * np.minimum(g.col_tiles, rounds)
    psum_bits = np.where(rounds > 1, 2 * O * (g.row_groups - 1) * p.acc_bits, 0.0)
    spills = s.spills(p.act_bits, p.out_bits, p.glb_bits)
    act_in = np.where(s.is_network_input | spills, s.used_inputs * p.act_bits, 0.0)  # a strided 1x1: what it uses
    act_out = np.where(s.is_network_output | spills, O * p.out_bits, 0.0)
    weights = np.where(resident, 0.0, W * p.weight_bits)
    glb_weights = np.where(from_glb, weights, 0.0)
    dram_read = weights - glb_weights + act_in + p.extra_dram_bits_per_layer
    dram_write = act_out + zero
    write_cycles = np.where(resident, 0.0, rounds * p.rows)
    compute_cycles = rounds * P * g.input_cycles + write_cycles
    memory_cycles = np.maximum((dram_read + dram_write) / p.dram_bits_per_cycle, glb_weights / p.glb_bits_per_cycle)
    post_cycles = O / p.post_lanes
    latency = np.maximum(np.maximum(compute_cycles, memory_cycles), post_cycles)
    return DcimLayerActions(
        gate_ops=P * G * g.input_cycles * N * g.cols_per_group,
        tree_adds=evaluations * (N - g.row_groups),  # each row group's tree: (rows used - 1) additions
        shift_accumulates=evaluations * g.row_groups,
        group_combines=O * g.row_groups * (g.weight_groups - 1),
        row_group_adds=O * (g.row_groups - 1) + zero,
        array_inputs=array_inputs + zero,
        input_register_bits=array_inputs * p.input_bits,
        weight_write_bits=np.where(resident, zero, G * N * g.cols_per_group),
        resident=resident + (zero > 0),
        reload_from_glb=from_glb & ~resident,
        active_macro_cycles=g.tiles / rounds * latency,
        rounds=rounds + zero,
        glb_read_bits=array_inputs * p.act_bits + psum_bits / 2 + glb_weights,
        glb_write_bits=O * p.out_bits + psum_bits / 2 + act_in,
        noc_bits=array_inputs * p.act_bits + psum_bits + glb_weights + O * p.out_bits,
        dram_read_bits=dram_read + zero,
        dram_write_bits=dram_write,
        compute_cycles=compute_cycles,
        memory_cycles=memory_cycles,
        latency_cycles=latency,
    )
