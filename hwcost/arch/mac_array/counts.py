"""Analytical action counts of the MAC array, vectorised over design points x layers.

Every array has shape ``(points, layers)`` (inputs broadcast: layer shapes are ``(layers,)``,
design-point parameters ``(points, 1)``). The formulas are documented in ``docs/cost-model.md``;
the symbols there are used here: N reduction length per group, K_g output channels per group,
G groups, P output pixels, R x C PE rows x columns, W weights, I input and O output elements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, NamedTuple

import numpy as np

from hwcost.arch.shared.tables import LayerShapes

__all__ = ["MacCount", "ArrayParams", "LayerActions", "count_actions", "gather_actions", "pick_actions", "WS", "OS", "IS", "RS",
           "FLOW_CODES", "AUTO_CODES", "pe_interleave", "WEIGHTS_FROM_DRAM_EACH_FOLD", "FITS", "BLOCKED", "FROM_DRAM_EACH_PASS", "REFETCHED"]

# Dataflow codes of ``ArrayParams.flow`` (the members of ``config.Dataflow`` that map layers; SCALE-Sim's
# three, Samajdar et al. ISPASS 2020): rows x columns of the PE grid, and what streams through it.
WS = 0  # weight stationary: rows = reduction N, columns = output channels K_g; P pixels stream
OS = 1  # output stationary: rows = output pixels P, columns = K_g; the N-long reduction streams
IS = 2  # input stationary: rows = N, columns = output pixels P; K_g output channels' weights stream
# row stationary (Eyeriss, Chen et al. ISCA 2016): rows = filter rows R_k, columns = output rows E;
# each PE convolves one filter row with one input row out of its scratchpads
RS = 3
FLOW_CODES = {"weight_stationary": WS, "output_stationary": OS, "input_stationary": IS, "row_stationary": RS}
AUTO_CODES = (WS, OS, IS)  # what ``dataflow: auto`` chooses among: the dataflows of one PE (registers, no scratchpads)

# How a layer's operands meet the GLB's capacity (LayerActions.memory_order; docs/cost-model.md §2,
# "What stays in the GLB" and "Re-fetch when neither operand fits"):
FITS = 0  # what the dataflow sends again stays in the GLB (or the reduction tiles go outermost)
BLOCKED = 1  # the re-sent operand blocked beside the other (WS: pixel blocks; IS: output-channel blocks)
FROM_DRAM_EACH_PASS = 2  # the re-sent operand read from DRAM on every pass
REFETCHED = 3  # neither input nor weights fit: one read from DRAM again per GLB-sized chunk of the other
WEIGHTS_FROM_DRAM_EACH_FOLD = 4  # row stationary: the weights exceed the GLB, read from DRAM every output-row fold


class MacCount(StrEnum):
    """Count keys of the MAC array besides the shared ones (:class:`~hwcost.arch.shared.pricing.Count`)."""

    WEIGHT_LOADS = "weight_loads"  # PE-wide weight slices loaded into PE registers
    INPUT_LOADS = "input_loads"  # PE-wide activation slices latched by PE input registers
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
    flow: int  # WS, OS or IS: one dataflow for every point and layer (count_actions)
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
    glb_pj_per_bit: np.ndarray  # a GLB read's dynamic energy per bit (the plan's): choosing a blocking
    dram_pj_per_bit: np.ndarray  # a DRAM read's energy per bit (the plan's)
    # words of each PE scratchpad -- weights, inputs, partial sums -- (points, 1): row stationary only
    spad_weight_words: Any = None
    spad_input_words: Any = None
    spad_psum_words: Any = None


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
    input_loads: np.ndarray  # PE-wide activation slices latched by PE input registers
    acc_read_accesses: np.ndarray  # partial sums read back from the accumulator buffer
    acc_write_accesses: np.ndarray
    ibuf_read_accesses: np.ndarray  # activations read from the input buffer into the array
    ibuf_write_accesses: np.ndarray  # activations written into the input buffer from the GLB
    noc_bits: np.ndarray  # bits carried between the GLB and the array, both ways
    compute_cycles: np.ndarray  # MAC cycles plus the array's fill and drain per fold
    glb_cycles: np.ndarray  # global-buffer traffic / its bits per cycle
    memory_cycles: np.ndarray  # DRAM traffic / its bits per cycle
    latency_cycles: np.ndarray
    # How the layer's operands meet the GLB's capacity (docs/cost-model.md §2): one of the codes
    # FITS, BLOCKED, FROM_DRAM_EACH_PASS, REFETCHED, and the blocks of the BLOCKED order (1 otherwise)
    memory_order: np.ndarray
    glb_blocks: np.ndarray
    # row stationary: the filters p and input channels q each PE interleaves (1 under the others)
    pe_filters: Any = 1.0
    pe_channels: Any = 1.0


def _ceil_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.ceil(a / b)


def count_actions(shapes: LayerShapes, p: ArrayParams) -> LayerActions:
    """Action counts of every layer at every design point (formulas: docs/cost-model.md §2) under
    one dataflow, ``p.flow`` (WS, OS or IS) for every point and layer: a template with points of
    several dataflows counts each apart (:func:`gather_actions` and :func:`pick_actions` combine
    them)."""
    R, C, flow = p.pe_rows, p.pe_cols, p.flow
    if flow == RS:
        return _count_row_stationary(shapes, p)
    if flow not in (WS, OS, IS):
        raise ValueError(f"count_actions takes one dataflow (WS, OS, IS or RS), got {flow!r}")
    os_, is_ = flow == OS, flow == IS
    N, Kg, G, P = shapes.reduction_length, shapes.out_channels_per_group, shapes.groups, shapes.output_pixels
    W, I, O = shapes.weights, shapes.input_elements, shapes.output_elements
    bw, ba, bo = p.layer_weight_bits, p.layer_act_bits, p.layer_out_bits

    # Operands wider than the PE are split into PE-wide slices; each slice pair is one pass
    # (Bit Fusion, Sharma et al. ISCA 2018). The stationary operand's slice stays put while the
    # streamed operand's slices pass (a weight slice in WS, an activation slice in IS).
    w_slices = _ceil_div(bw, p.hw_weight_bits)
    a_slices = _ceil_div(ba, p.hw_act_bits)
    passes = w_slices * a_slices
    mac_ops = shapes.macs * passes
    # The passes' partial products of one MAC are combined by passes - 1 shift-adds, and the
    # accumulator adds their sum once (Bit Fusion's fusion unit).
    accumulations = shapes.macs * np.ones_like(passes)
    shift_adds = shapes.macs * (passes - 1)

    # The grid's two axes (SCALE-Sim's S_R x S_C) and the streamed dimension T of each dataflow:
    # WS N x K_g, T = P; OS P x K_g, T = N; IS N x P, T = K_g.
    on_rows, on_cols, streamed = (P, Kg, N) if os_ else (N, P, Kg) if is_ else (N, Kg, P)
    row_tiles = _ceil_div(on_rows, R)
    col_tiles = _ceil_div(on_cols, C)
    # A fold (one tile of the stationary operand) streams T values through the array and takes
    # T + 2R + C - 2 cycles with its fill and drain (SCALE-Sim, Samajdar et al. ISPASS 2020).
    folds = passes * G * col_tiles * row_tiles
    compute_cycles = folds * (streamed + 2 * R + C - 2)

    # WS and IS split the reduction on the rows: partial sums of reduction tiles after the first
    # are read and written back at the accumulator width. They stay in the accumulator buffer when
    # the accumulators of one streamed value across the columns fit (WS: one pixel's min(C, K_g)
    # output channels; IS: one output channel's min(C, P) pixels); the streamed values then run
    # in chunks of what fits, and every chunk reloads the stationary tile. Otherwise they go to
    # the GLB. OS accumulates in place.
    if os_:
        chunks, acc_bits_moved, glb_psum_bits = 1.0, 0.0, 0.0
    else:
        red_tiles = row_tiles
        psum_bits = 2 * O * (red_tiles - 1) * p.acc_bits
        c_used = np.minimum(C, on_cols)
        acc_words = np.floor(p.acc_buffer_bits / p.acc_bits)
        in_acc = (red_tiles > 1) & (acc_words >= c_used)
        chunks = np.where(in_acc, _ceil_div(streamed, np.maximum(np.floor(acc_words / c_used), 1.0)), 1.0)
        acc_bits_moved = np.where(in_acc, psum_bits, 0.0)
        glb_psum_bits = psum_bits - acc_bits_moved

    # What must stay in the GLB (docs/cost-model.md §2, "What stays in the GLB"). WS sends the
    # array every input once per column tile and weight slice, IS every weight once per pixel tile
    # and activation slice: the operand sent again must stay in the GLB between its passes. When
    # it cannot (it alone overflows the GLB) but the other operand can, either every pass after
    # the first reads it from DRAM again, or the other operand stays whole while this one is
    # blocked into GLB-sized pieces beside it -- WS: the pixels in blocks of the inputs that fit,
    # each block loading the weight tiles again; IS: the output channels in blocks of the weights
    # that fit, each block latching the stationary inputs again (as the accumulator buffer's
    # chunks do). The cheaper in dynamic energy is taken (DRAM bits x its energy per bit against
    # the GLB bits the blocks add x the GLB's). Neither is needed when the reduction tiles can go
    # outermost: with every output's partial sum in the GLB (where they go already when no
    # accumulator buffer holds them), only one reduction tile's share of the operand is sent
    # again. OS needs either operand to stay: its loops put the one that fits outside (when
    # neither does, see the re-fetch below).
    dram_again, memory_order, glb_blocks = 0.0, FITS, 1.0
    glb_bits, used = p.glb_bits, shapes.used_inputs
    in_bits, w_bits = used * ba, W * bw
    if not os_ and np.any((w_bits if is_ else in_bits) > glb_bits):  # (else nothing overflows: skip the arrays)
        free = True if shapes.stays_on_chip is None else ~shapes.stays_on_chip  # the peak's ideal layer stays
        if is_:
            resent, kept = w_bits, in_bits
            blocks = _ceil_div(w_bits, np.maximum(glb_bits - in_bits, 1.0))
            again = w_bits * (col_tiles * a_slices - 1)
            added = (np.maximum(chunks, blocks) - chunks) * G * P * N * ba
        else:
            resent, kept = in_bits, w_bits
            blocks = _ceil_div(in_bits, np.maximum(glb_bits - w_bits, 1.0))
            again = in_bits * (col_tiles * w_slices - 1)
            added = (np.maximum(chunks, blocks) - chunks) * w_bits
        reduction_outer = (red_tiles > 1) & ~in_acc & (resent / red_tiles + O * p.acc_bits <= glb_bits)
        short = free & (resent > glb_bits) & (kept < glb_bits) & ~reduction_outer
        blocked = short & (added * p.glb_pj_per_bit <= again * p.dram_pj_per_bit)
        chunks = np.where(blocked, np.maximum(chunks, blocks), chunks)
        dram_again = np.where(short & ~blocked, again, 0.0)
        memory_order = np.where(blocked, BLOCKED, np.where(short, FROM_DRAM_EACH_PASS, FITS))
        glb_blocks = np.where(blocked, blocks, 1.0)

    # Weights. WS loads each weight once per chunk; OS streams them from the GLB once per
    # output-pixel tile and activation slice, IS once per pixel tile and activation slice; both
    # pass them down their column, every PE latching the weight it multiplies.
    if os_ or is_:
        weight_reuse_passes = (row_tiles if os_ else col_tiles) * a_slices
        weight_loads = mac_ops
    else:
        weight_reuse_passes = chunks
        weight_loads = W * w_slices * weight_reuse_passes

    # Activations. WS and OS stream them through the array once per output-channel tile and
    # weight slice (im2col order), every PE latching the activation it multiplies; IS latches each
    # (im2col) activation slice once per chunk of output channels and keeps it while the weights
    # stream.
    act_repeats = chunks if is_ else col_tiles * w_slices
    array_input_reads = G * P * N * act_repeats
    input_loads = array_input_reads * a_slices if is_ else mac_ops

    # An input (line) buffer that holds R_k input rows of the channels a fold needs (WS and IS:
    # the channels of one reduction tile, OS: all of the group's) hands the array every window
    # while the GLB sends each input it holds once per repeat of the activations: min(I, P N G)
    # elements each time (a strided 1x1 layer reads only the pixels it uses). Otherwise every
    # activation fed to the array is a GLB read.
    window = 1.0 if shapes.kernel_rows is None else shapes.kernel_rows**2  # R_k x S_k, square kernels
    c_group = np.maximum(N / window, 1.0)  # input channels per group
    channels = c_group if os_ else np.minimum(np.maximum(np.floor(R / window), 1.0), c_group)
    fits = (p.ibuf_bits > 0) & (shapes.line_buffer_bits(channels, ba) <= p.ibuf_bits)
    unique_inputs = G * act_repeats * np.minimum(I / G, P * N)
    return _with_memory(
        shapes, p, fits, unique_inputs, array_input_reads, weight_reuse_passes, glb_psum_bits, acc_bits_moved,
        dram_again, memory_order, compute_cycles,
        PeCounts(passes, mac_ops, accumulations, shift_adds, weight_loads, input_loads), glb_blocks=glb_blocks)


def pe_interleave(weight_words: Any, input_words: Any, psum_words: Any, kernel_cols: Any) -> tuple[Any, Any]:
    """Row stationary: the input channels q and filters p one PE interleaves as its scratchpads
    allow (before any layer's bound): q sliding windows of S_k inputs in the input scratchpad
    (and q filter rows in the weight one), then p x q filter rows of S_k weights in the weight
    scratchpad and p partial sums in the psum one; at least one of each (Eyeriss's p and q,
    Chen et al. ISCA 2016, §V-B).

    >>> pe_interleave(224, 12, 24, 3)  # Eyeriss's spads, a 3 x 3 kernel: 4 channels, 18 filters
    (4, 18)
    """
    q = np.maximum(np.floor(np.minimum(input_words, weight_words) / kernel_cols), 1.0)
    p = np.maximum(np.minimum(psum_words, np.floor(weight_words / (q * kernel_cols))), 1.0)
    return (int(q), int(p)) if np.ndim(q) == 0 else (q, p)


def _count_row_stationary(shapes: LayerShapes, p: ArrayParams) -> LayerActions:
    """Row-stationary counts (Eyeriss: Chen, Emer and Sze, ISCA 2016, §V; Chen et al., JSSC 2017,
    §III; formulas and symbols in docs/cost-model.md §2, "Row stationary").

    A PE set of R_k PE rows x e = min(E, C) PE columns computes e output rows of one filter and
    input channel: PE (i, j) convolves filter row i with input row i + j s into the partial sums
    of output row j (F values), which add up the column. The filter row stays in the PE's weight
    scratchpad, the input row slides through its input scratchpad, the partial sums stay in its
    psum scratchpad. v = floor(R / R_k) sets stacked in the rows take different input channels
    (their sums continue up the column), h = floor(C / e) sets side by side take different
    filters (the same input rows, multicast). Each PE interleaves p filters and q channels: q
    sliding windows of S_k inputs fill its input scratchpad, p x q filter rows its weight
    scratchpad, p partial sums its psum scratchpad. Kernels are square (S_k = R_k), as the line
    buffer's rule assumes; a layer without kernel rows (the peak's ideal layer) is a 1 x 1
    convolution with each output pixel a row of its own.
    """
    R, C = p.pe_rows, p.pe_cols
    N, Kg, G, P = shapes.reduction_length, shapes.out_channels_per_group, shapes.groups, shapes.output_pixels
    W, O = shapes.weights, shapes.output_elements
    bw, ba, bo = p.layer_weight_bits, p.layer_act_bits, p.layer_out_bits
    Rk = 1.0 if shapes.kernel_rows is None else shapes.kernel_rows
    Sk = Rk
    E = P if shapes.output_rows is None else shapes.output_rows
    F = P / E
    s = 1.0 if shapes.stride_rows is None else shapes.stride_rows
    Cg = N / (Rk * Sk)  # input channels per group

    w_slices = _ceil_div(bw, p.hw_weight_bits)
    a_slices = _ceil_div(ba, p.hw_act_bits)
    passes = w_slices * a_slices
    mac_ops = shapes.macs * passes

    # The array: filter rows folded when the kernel is taller than the array, output rows folded
    # when more than the columns; the sets that fit side by side and stacked.
    r_used = np.minimum(Rk, R)
    row_folds = _ceil_div(Rk, R)
    e = np.minimum(E, C)
    e_folds = _ceil_div(E, e)
    stacked = np.floor(R / r_used)  # v
    beside = np.floor(C / e)  # h
    # What each PE interleaves, bounded by its scratchpads and by the layer.
    q = pe_interleave(p.spad_weight_words, p.spad_input_words, p.spad_psum_words, Sk)[0]
    q = np.minimum(q, _ceil_div(Cg, stacked))
    pf = np.maximum(np.minimum(p.spad_psum_words, np.floor(p.spad_weight_words / (q * Sk))), 1.0)
    pf = np.minimum(pf, _ceil_div(Kg, beside))
    filter_passes = _ceil_div(Kg, pf * beside)  # each pass: p x h filters
    channel_passes = _ceil_div(Cg, q * stacked)  # each: q x v channels, summed up the columns
    # The same passes with the filters and channels spread evenly over them (32 filters in two
    # passes of 16, not 24 and 8): no pass runs longer than the work needs.
    pf = _ceil_div(Kg, beside * filter_passes)
    q = _ceil_div(Cg, stacked * channel_passes)
    # A pass keeps every PE busy for p q S_k F MACs; the column's sum then drains up its
    # r_used v PEs (the fill and drain of a fold, as the other dataflows' SCALE-Sim term).
    pass_cycles = pf * q * Sk * F + r_used * stacked - 1
    compute_cycles = passes * G * e_folds * row_folds * filter_passes * channel_passes * pass_cycles

    # Accumulations: one per MAC into the psum scratchpad, as in the other dataflows. A PE adds
    # the partial sum arriving from below into its own (or starts from it): n products and the
    # sum from below take n additions, so the column's chain adds nothing per MAC (an output's
    # first product, which starts a chain, is counted as an addition as everywhere).
    chains = channel_passes * row_folds
    accumulations = shapes.macs * np.ones_like(passes)
    shift_adds = shapes.macs * (passes - 1)

    # Scratchpad fills. Each weight is written once into each PE that computes an output row
    # with it (E of them); each input row, once per group of p filters, into each PE that
    # convolves it: the W_row pixels its windows touch, for each of the C_g x R_k x E PE jobs. A
    # filter row longer than the scratchpad (S_k > words) is written again for every use.
    W_row = np.minimum(F * Sk, (F - 1) * s + Sk)
    weight_loads = np.where(Sk <= p.spad_weight_words, W * E * w_slices, mac_ops)
    input_writes = G * _ceil_div(Kg, pf) * Cg * Rk * E * W_row * a_slices
    input_loads = np.where(Sk <= p.spad_input_words, input_writes, mac_ops)

    # The GLB sends each weight once per output-row fold (multicast along its PE row), and the
    # input rows of a fold -- min(r_used x, (x - 1) s + r_used) distinct rows for a fold of x
    # output rows, on the diagonals -- once per filter pass (multicast to the h sets beside each
    # other). The folds are E_f - 1 of e rows and a last one of the E - (E_f - 1) e left.
    def fold_rows(x: Any) -> Any:
        return np.minimum(r_used * x, (x - 1) * s + r_used)
    rows_per_fold = fold_rows(e)  # the largest fold's
    fold_rows_total = (e_folds - 1) * rows_per_fold + fold_rows(E - (e_folds - 1) * e)
    unique_inputs = G * Cg * row_folds * fold_rows_total * W_row
    array_input_reads = unique_inputs * filter_passes
    # An input (line) buffer that holds a fold's input rows of every channel of the group hands
    # the array the filter passes' re-reads; the GLB then sends each once.
    fold_input_bits = row_folds * rows_per_fold * W_row * Cg * ba
    fits = (p.ibuf_bits > 0) & (fold_input_bits <= p.ibuf_bits)

    # Partial sums leave the columns after each channel pass and filter-row fold; those of one
    # fold and filter pass (p h filters x e rows x F) stay in the accumulator buffer when they
    # fit, else go to the GLB, at the accumulator width.
    psum_bits = 2 * O * (chains - 1) * p.acc_bits
    in_flight = np.minimum(pf * beside, Kg) * e * F
    in_acc = (chains > 1) & (np.floor(p.acc_buffer_bits / p.acc_bits) >= in_flight)
    acc_bits_moved = np.where(in_acc, psum_bits, 0.0)
    glb_psum_bits = psum_bits - acc_bits_moved

    # What stays in the GLB. The inputs are sent again every filter pass (unless the line buffer
    # holds a fold's rows), the weights every output-row fold. Nothing is read from DRAM twice
    # when, group by group, the output-row folds go outermost and a fold's input rows stay beside
    # all the weights (or sit in the line buffer while the weights stay), or the filter passes go
    # outermost and the whole input stays beside one pass's weights; the GLB-to-array counts hold
    # in either order. Otherwise one operand is read from DRAM again, the cheaper of: the input
    # every filter pass after the first, or the weights every fold after the first -- each
    # possible when a fold's rows and one pass's weights fit together (the one re-read streams
    # past them), or when the other operand fits whole. When neither is possible the re-fetch of
    # _with_memory applies (both operands over the GLB). The peak's ideal layer stays on chip.
    glb_bits = p.glb_bits
    in_bits, w_bits = shapes.used_inputs * ba, W * bw
    w_pass = w_bits / G * np.minimum(pf * beside / Kg, 1.0)
    stays = ((fold_input_bits + w_bits / G <= glb_bits) | (fits & (w_bits / G <= glb_bits))
             | (in_bits / G + w_pass <= glb_bits))
    streams = fold_input_bits + w_pass <= glb_bits
    free = True if shapes.stays_on_chip is None else ~shapes.stays_on_chip
    free = free & ~stays
    input_again = np.where(free & (streams | (w_bits < glb_bits)) & ~fits, in_bits * (filter_passes - 1), np.inf)
    weights_again = np.where(free & (streams | (in_bits < glb_bits)), w_bits * (e_folds - 1), np.inf)
    dram_again = np.minimum(input_again, weights_again)
    dram_again = np.where(np.isfinite(dram_again), dram_again, 0.0)
    memory_order = np.where(dram_again == 0, FITS,
                            np.where(input_again <= weights_again, FROM_DRAM_EACH_PASS, WEIGHTS_FROM_DRAM_EACH_FOLD))
    ordered = stays | streams  # (then no re-fetch beyond these: the order says what DRAM sends again)

    return _with_memory(
        shapes, p, fits, unique_inputs, array_input_reads, e_folds, glb_psum_bits, acc_bits_moved,
        dram_again, memory_order, compute_cycles,
        PeCounts(passes, mac_ops, accumulations, shift_adds, weight_loads, input_loads),
        ordered=ordered, glb_blocks=1.0, pe_filters=pf, pe_channels=q)


class PeCounts(NamedTuple):
    """What a dataflow counts in the PE grid (the :class:`LayerActions` fields of the same names)."""

    passes: Any
    mac_ops: Any
    accumulations: Any
    shift_adds: Any
    weight_loads: Any
    input_loads: Any


def _with_memory(shapes: LayerShapes, p: ArrayParams, fits: Any, unique_inputs: np.ndarray, array_input_reads: np.ndarray,
                 weight_passes: Any, glb_psum_bits: Any, acc_bits_moved: Any, dram_again: Any, memory_order: Any,
                 compute_cycles: np.ndarray, pe: "PeCounts", ordered: Any = False, **counts: Any) -> LayerActions:
    """A dataflow's counts completed with what every dataflow shares, from what it sends: the
    input buffer when it ``fits`` (written with the ``unique_inputs``, read for every activation
    fed, ``array_input_reads``; else the GLB sends every one), the GLB's traffic (the weights
    ``weight_passes`` times, the partial sums it holds), the accumulator buffer's accesses, the
    on-chip network, DRAM (weights once, activations at the network's ends or when they spill,
    the re-fetch when neither operand fits -- but where ``ordered``, whose loop order already says
    what DRAM sends again --, ``dram_again`` a re-sent operand read from DRAM again), the GLB's
    traffic to and from DRAM, and the cycles of the slowest of compute, GLB and DRAM."""
    W, O = shapes.weights, shapes.output_elements
    bw, ba, bo = p.layer_weight_bits, p.layer_act_bits, p.layer_out_bits
    glb_bits, in_bits, w_bits = p.glb_bits, shapes.used_inputs * ba, W * bw
    glb_act_reads = np.where(fits, unique_inputs, array_input_reads)
    ibuf_reads = np.where(fits, array_input_reads * ba / p.ibuf_port_bits, 0.0)
    ibuf_writes = np.where(fits, unique_inputs * ba / p.ibuf_port_bits, 0.0)
    glb_read_bits = glb_act_reads * ba + W * bw * weight_passes + glb_psum_bits / 2
    glb_write_bits = W * bw + O * bo + glb_psum_bits / 2
    # Every bit the GLB sends the array (or its input buffer) or receives from it crosses the
    # on-chip network: all of its traffic but the weights and activations DRAM brings and takes.
    noc_bits = glb_read_bits + glb_write_bits - W * bw

    # DRAM: weights once per inference; activations only at the network's ends or when a
    # layer's input and output do not both fit in the GLB (then both spill once). When neither
    # the layer's input nor its weights fit the GLB, one of them is read again for every
    # GLB-sized chunk of the other (blocked matrix product; the cheaper order).
    spills = shapes.spills(ba, bo, p.glb_bits)
    from_dram = shapes.is_network_input | spills  # (not the peak's ideal layer, held on chip by definition)
    act_in = np.where(from_dram, in_bits, 0.0)  # a strided 1x1: what it uses
    act_out = np.where(shapes.is_network_output | spills, O * bo, 0.0)
    both_over = np.any(in_bits > glb_bits) and np.any(w_bits > glb_bits)  # (else no re-fetch: skip the arrays)
    refetch = np.where(from_dram, _refetch_bits(in_bits, w_bits, glb_bits), 0.0) if both_over else 0.0
    if both_over and ordered is not False:
        refetch = np.where(ordered, 0.0, refetch)
    dram_read_bits = W * bw + act_in + p.extra_dram_bits_per_layer + refetch + dram_again
    dram_write_bits = act_out + 0 * dram_read_bits
    # What comes from DRAM is written into the GLB; what goes to DRAM is read out of it.
    glb_write_bits = glb_write_bits + act_in + refetch + dram_again
    glb_read_bits = glb_read_bits + act_out

    memory_cycles = (dram_read_bits + dram_write_bits) / p.dram_bits_per_cycle
    glb_cycles = (glb_read_bits + glb_write_bits) / p.glb_bits_per_cycle
    # Compute, buffer transfers and DRAM transfers overlap (double buffering): the slowest wins.
    latency_cycles = np.maximum(np.maximum(compute_cycles, memory_cycles), glb_cycles)
    return LayerActions(
        glb_read_bits=glb_read_bits,
        glb_write_bits=glb_write_bits,
        dram_read_bits=dram_read_bits,
        dram_write_bits=dram_write_bits,
        noc_bits=noc_bits,
        compute_cycles=compute_cycles,
        glb_cycles=glb_cycles,
        memory_cycles=memory_cycles,
        latency_cycles=latency_cycles,
        memory_order=np.where(refetch > 0, REFETCHED, memory_order) if both_over else memory_order,
        array_input_reads=array_input_reads,
        acc_read_accesses=acc_bits_moved / 2 / p.acc_port_bits,
        acc_write_accesses=acc_bits_moved / 2 / p.acc_port_bits,
        ibuf_read_accesses=ibuf_reads,
        ibuf_write_accesses=ibuf_writes,
        **pe._asdict(),
        **counts,
    )


def _refetch_bits(input_bits: np.ndarray, weight_bits: np.ndarray, glb_bits: np.ndarray) -> np.ndarray:
    """DRAM bits read again when neither a layer's input nor its weights fit the GLB: the GLB holds
    one operand in ceil(operand / GLB) chunks and the other is read once per chunk, so the other
    is read ceil(operand / GLB) - 1 more times; the cheaper of the two orders (a blocked matrix
    product, docs/cost-model.md §2). A lower bound: the resident chunk is given the whole GLB. 0
    when either fits.

    >>> float(_refetch_bits(np.array(300.0), np.array(250.0), np.array(100.0)))  # weights twice more
    500.0
    >>> float(_refetch_bits(np.array(300.0), np.array(50.0), np.array(100.0)))
    0.0
    """
    again_weights = weight_bits * (np.ceil(input_bits / glb_bits) - 1)
    again_inputs = input_bits * (np.ceil(weight_bits / glb_bits) - 1)
    return np.where((input_bits > glb_bits) & (weight_bits > glb_bits), np.minimum(again_weights, again_inputs), 0.0)


def gather_actions(parts: Sequence[tuple[np.ndarray, LayerActions]], points: int, layers: int) -> LayerActions:
    """One (points, layers) array per count from the counts of groups of points (each the rows it
    holds and their counts, under one dataflow or chosen per layer): every element as its group
    counted it."""
    shape = (points, layers)
    if len(parts) == 1 and len(parts[0][0]) == points:  # one group: its rows are every point, in order
        acts = parts[0][1]
        return LayerActions(**{f.name: v if np.shape(v := getattr(acts, f.name)) == shape else np.broadcast_to(v, shape)
                               for f in fields(acts)})
    out = {}
    for f in fields(LayerActions):
        full = np.empty((points, layers))
        for rows, acts in parts:
            value = np.asarray(getattr(acts, f.name))
            full[rows] = value if value.ndim < 2 or value.shape[0] == len(rows) else value[0]
        out[f.name] = full
    return LayerActions(**out)


def pick_actions(candidates: Sequence[LayerActions], choice: np.ndarray) -> LayerActions:
    """Each (point, layer) element from the candidate ``choice`` names there (an index into
    ``candidates``: the counts of the same points under each dataflow)."""
    shape = choice.shape
    return LayerActions(**{f.name: np.choose(choice, [np.broadcast_to(getattr(c, f.name), shape) for c in candidates])
                           for f in fields(LayerActions)})
