"""Analytical action counts of the MAC array, vectorised over design points x layers.

Every array has shape ``(points, layers)`` (inputs broadcast: layer shapes are ``(layers,)``,
design-point parameters ``(points, 1)``). The formulas are documented in ``docs/cost-model.md``;
the symbols there are used here: N reduction length per group, K_g output channels per group,
G groups, P output pixels, R x C PE rows x columns, W weights, I input and O output elements.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from hwcost.arch.shared.tables import LayerShapes

__all__ = ["MacCount", "ArrayParams", "LayerActions", "count_actions"]


class MacCount(StrEnum):
    """Count keys of the MAC array besides the shared ones (:class:`~hwcost.arch.shared.pricing.Count`)."""

    WEIGHT_LOADS = "weight_loads"  # PE-wide weight slices loaded into PE registers
    ACCUMULATIONS = "accumulations"  # accumulator additions: one per MAC, whatever its bit-slice passes
    SHIFT_ADDS = "shift_adds"  # additions combining the partial products of bit-slice passes: P - 1 per MAC
    ACC_READ_ACCESSES = "acc_read_accesses"  # accumulator-buffer reads of partial sums
    ACC_WRITE_ACCESSES = "acc_write_accesses"  # accumulator-buffer writes of partial sums
    IBUF_READ_ACCESSES = "ibuf_read_accesses"  # input-buffer reads: the activations fed to the array
    IBUF_WRITE_ACCESSES = "ibuf_write_accesses"  # input-buffer fills from the GLB


@dataclass(frozen=True)
class ArrayParams:
    """Design-point parameters, each an array broadcastable to (points, 1)."""

    pe_rows: np.ndarray
    pe_cols: np.ndarray
    output_stationary: np.ndarray  # bool
    glb_bits: np.ndarray
    glb_bits_per_cycle: np.ndarray  # port width x banks
    dram_bits_per_cycle: np.ndarray
    acc_buffer_bits: np.ndarray  # capacity of the accumulator buffer (0: none)
    acc_port_bits: np.ndarray  # bits per accumulator-buffer access
    ibuf_bits: np.ndarray  # capacity of the input (line) buffer (0: none)
    ibuf_port_bits: np.ndarray  # bits per input-buffer access
    hw_weight_bits: np.ndarray  # multiplier operand widths of the PE
    hw_act_bits: np.ndarray
    acc_bits: np.ndarray  # (points, layers): each layer's accumulator width (body or first/last)
    layer_weight_bits: np.ndarray  # (points, layers): bits each layer's weights are stored at
    layer_act_bits: np.ndarray  # (points, layers): bits of each layer's input activations
    layer_out_bits: np.ndarray  # (points, layers): bits of each layer's requantized outputs
    extra_dram_bits_per_layer: np.ndarray  # (points, layers): e.g. per-channel scale tables


@dataclass(frozen=True)
class LayerActions:
    """Counts per (point, layer); traffic in bits, cycles in clock cycles."""

    passes: np.ndarray  # bit-slice passes when a layer is wider than the PE (Bit Fusion style)
    mac_ops: np.ndarray  # PE multiply-accumulates actually executed = MACs * passes
    accumulations: np.ndarray  # accumulator additions = MACs (passes are combined by shift-adds first)
    shift_adds: np.ndarray  # MACs * (passes - 1)
    array_input_reads: np.ndarray  # activation elements fed into the array
    glb_read_bits: np.ndarray
    glb_write_bits: np.ndarray
    dram_read_bits: np.ndarray
    dram_write_bits: np.ndarray
    weight_loads: np.ndarray  # PE-wide weight slices loaded into PE registers
    acc_read_accesses: np.ndarray  # partial sums read back from the accumulator buffer
    acc_write_accesses: np.ndarray
    ibuf_read_accesses: np.ndarray  # activations read from the input buffer into the array
    ibuf_write_accesses: np.ndarray  # activations written into the input buffer from the GLB
    compute_cycles: np.ndarray  # MAC cycles plus the array's fill and drain per fold
    glb_cycles: np.ndarray  # global-buffer traffic / its bits per cycle
    memory_cycles: np.ndarray  # DRAM traffic / its bits per cycle
    latency_cycles: np.ndarray


def _ceil_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.ceil(a / b)


def count_actions(shapes: LayerShapes, p: ArrayParams) -> LayerActions:
    """Action counts of every layer at every design point (formulas: docs/cost-model.md §2)."""
    R, C, os_ = p.pe_rows, p.pe_cols, p.output_stationary
    N, Kg, G, P = shapes.reduction_length, shapes.out_channels_per_group, shapes.groups, shapes.output_pixels
    W, I, O = shapes.weights, shapes.input_elements, shapes.output_elements
    bw, ba, bo = p.layer_weight_bits, p.layer_act_bits, p.layer_out_bits

    # Operands wider than the PE are split into PE-wide slices; each slice pair is one pass
    # (Bit Fusion, Sharma et al. ISCA 2018). A weight slice stays put while activation slices stream.
    w_slices = _ceil_div(bw, p.hw_weight_bits)
    a_slices = _ceil_div(ba, p.hw_act_bits)
    passes = w_slices * a_slices
    mac_ops = shapes.macs * passes
    # The passes' partial products of one MAC are combined by passes - 1 shift-adds, and the
    # accumulator adds their sum once (Bit Fusion's fusion unit).
    accumulations = shapes.macs * np.ones_like(passes)
    shift_adds = shapes.macs * (passes - 1)

    col_tiles = _ceil_div(Kg, C)  # output-channel tiles (both dataflows map K_g to columns)
    red_tiles = _ceil_div(N, R)  # WS: reduction tiles on the rows
    pix_tiles = _ceil_div(P, R)  # OS: output-pixel tiles on the rows
    # A fold (one weight tile in WS, one pixel tile in OS) streams T values through the array and
    # takes T + 2R + C - 2 cycles with its fill and drain (SCALE-Sim, Samajdar et al. ISPASS 2020):
    # T = P in WS, N in OS.
    folds = passes * G * col_tiles * np.where(os_, pix_tiles, red_tiles)
    compute_cycles = folds * (np.where(os_, N, P) + 2 * R + C - 2)

    # Activations stream through the array once per output-channel tile (im2col order), and
    # again for every weight slice.
    array_input_reads = G * col_tiles * P * N * w_slices

    # WS: partial sums of reduction tiles after the first are read and written back at the
    # accumulator width. They stay in the accumulator buffer when the accumulators of one pixel
    # row of a column tile (min(C, K_g) of them) fit; the pixels then run in chunks of what fits,
    # and every chunk reloads the weight tile. Otherwise they go to the GLB.
    psum_bits = np.where(os_, 0.0, 2 * O * (red_tiles - 1) * p.acc_bits)
    c_used = np.minimum(C, Kg)
    acc_words = np.floor(p.acc_buffer_bits / p.acc_bits)
    in_acc = ~os_ & (red_tiles > 1) & (acc_words >= c_used)
    chunks = np.where(in_acc, _ceil_div(P, np.maximum(np.floor(acc_words / c_used), 1.0)), 1.0)
    acc_bits_moved = np.where(in_acc, psum_bits, 0.0)
    glb_psum_bits = psum_bits - acc_bits_moved

    # WS loads each weight once per pixel chunk; OS streams the weights from the GLB once per
    # output-pixel tile and activation slice, down the R rows of their column: every PE latches the
    # weight it multiplies, one weight-register load per PE operation.
    weight_reuse_passes = np.where(os_, pix_tiles * a_slices, chunks)
    weight_loads = np.where(os_, mac_ops, W * w_slices * weight_reuse_passes)

    # An input (line) buffer that holds R_k input rows of the channels a fold needs (WS: the
    # channels of one reduction tile, OS: all of the group's) hands the array every window while
    # the GLB sends each input it holds once per column tile and weight slice: min(I, P N G)
    # elements (a strided 1x1 layer reads only the pixels it uses). Otherwise every activation
    # fed to the array is a GLB read.
    window = 1.0 if shapes.kernel_rows is None else shapes.kernel_rows**2  # R_k x S_k, square kernels
    c_group = np.maximum(N / window, 1.0)  # input channels per group
    channels = np.where(os_, c_group, np.minimum(np.maximum(np.floor(R / window), 1.0), c_group))
    fits = (p.ibuf_bits > 0) & (shapes.line_buffer_bits(channels, ba) <= p.ibuf_bits)
    unique_inputs = G * col_tiles * w_slices * np.minimum(I / G, P * N)
    glb_act_reads = np.where(fits, unique_inputs, array_input_reads)
    ibuf_reads = np.where(fits, array_input_reads * ba / p.ibuf_port_bits, 0.0)
    ibuf_writes = np.where(fits, unique_inputs * ba / p.ibuf_port_bits, 0.0)

    glb_read_bits = glb_act_reads * ba + W * bw * weight_reuse_passes + glb_psum_bits / 2
    glb_write_bits = W * bw + O * bo + glb_psum_bits / 2

    # DRAM: weights once per inference; activations only at the network's ends or when a
    # layer's input and output do not both fit in the GLB (then both spill once).
    spills = shapes.spills(ba, bo, p.glb_bits)
    act_in = np.where(shapes.is_network_input | spills, shapes.used_inputs * ba, 0.0)  # a strided 1x1: what it uses
    act_out = np.where(shapes.is_network_output | spills, O * bo, 0.0)
    dram_read_bits = W * bw + act_in + p.extra_dram_bits_per_layer
    dram_write_bits = act_out + 0 * dram_read_bits
    # What comes from DRAM is written into the GLB; what goes to DRAM is read out of it.
    glb_write_bits = glb_write_bits + act_in
    glb_read_bits = glb_read_bits + act_out

    memory_cycles = (dram_read_bits + dram_write_bits) / p.dram_bits_per_cycle
    glb_cycles = (glb_read_bits + glb_write_bits) / p.glb_bits_per_cycle
    # Compute, buffer transfers and DRAM transfers overlap (double buffering): the slowest wins.
    latency_cycles = np.maximum(np.maximum(compute_cycles, memory_cycles), glb_cycles)
    return LayerActions(
        passes=passes,
        mac_ops=mac_ops,
        accumulations=accumulations,
        shift_adds=shift_adds,
        array_input_reads=array_input_reads,
        glb_read_bits=glb_read_bits,
        glb_write_bits=glb_write_bits,
        dram_read_bits=dram_read_bits,
        dram_write_bits=dram_write_bits,
        weight_loads=weight_loads,
        acc_read_accesses=acc_bits_moved / 2 / p.acc_port_bits,
        acc_write_accesses=acc_bits_moved / 2 / p.acc_port_bits,
        ibuf_read_accesses=ibuf_reads,
        ibuf_write_accesses=ibuf_writes,
        compute_cycles=compute_cycles,
        glb_cycles=glb_cycles,
        memory_cycles=memory_cycles,
        latency_cycles=latency_cycles,
    )
