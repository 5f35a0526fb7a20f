"""Action counts of the MAC array against hand-computed values (docs/cost-model.md §2)."""

from dataclasses import replace

import numpy as np
import pytest

from hwcost.arch.mac_array.counts import ArrayParams, count_actions
from hwcost.arch.shared.tables import LayerShapes


def _layer(n: int, k: int, p: int, groups: int = 1, edge: bool = False) -> LayerShapes:
    one = lambda v: np.array([float(v)])  # noqa: E731
    w = groups * k * n
    return LayerShapes(
        macs=one(p * k * n * groups),
        reduction_length=one(n),
        out_channels_per_group=one(k),
        groups=one(groups),
        output_pixels=one(p),
        weights=one(w),
        input_elements=one(p * n * groups),  # a 1x1 convolution: inputs = pixels x channels
        output_elements=one(p * k * groups),
        is_first_or_last=np.array([edge]),
        is_network_input=np.array([False]),
        is_network_output=np.array([False]),
    )


def _params(os_: bool, bits: tuple[int, int, int] = (4, 4, 4), hw: tuple[int, int] = (4, 4), glb_bits: float = 1e9,
            acc_buffer_bits: float = 0.0, glb_bits_per_cycle: float = 256.0, ibuf_bits: float = 0.0) -> ArrayParams:
    col = lambda v: np.array([[float(v)]])  # noqa: E731
    return ArrayParams(
        pe_rows=col(16),
        pe_cols=col(16),
        flow=int(os_),
        glb_bits=col(glb_bits),
        glb_bits_per_cycle=col(glb_bits_per_cycle),
        dram_bits_per_cycle=col(102.4),
        acc_buffer_bits=col(acc_buffer_bits),
        acc_port_bits=col(256),
        ibuf_bits=col(ibuf_bits),
        ibuf_port_bits=col(64),
        hw_weight_bits=col(hw[0]),
        hw_act_bits=col(hw[1]),
        acc_bits=col(18),
        layer_weight_bits=col(bits[0]),
        layer_act_bits=col(bits[1]),
        layer_out_bits=col(bits[2]),
        extra_dram_bits_per_layer=col(0),
        glb_pj_per_bit=col(0.5),  # the order of a 45 nm GLB read (~32 pJ per 64 bits)
        dram_pj_per_bit=col(8.0),  # LPDDR4
    )


def test_weight_stationary_counts() -> None:
    # N = 576 = 36 row tiles, K = 64 = 4 column tiles, P = 64 pixels.
    a = count_actions(_layer(576, 64, 64), _params(os_=False))
    # 36 x 4 folds, each streaming P = 64 pixels plus fill and drain 2R + C - 2 = 46 (SCALE-Sim).
    assert a.compute_cycles[0, 0] == 36 * 4 * (64 + 46)
    assert a.mac_ops[0, 0] == 64 * 64 * 576
    assert a.array_input_reads[0, 0] == 4 * 64 * 576
    assert a.weight_loads[0, 0] == 576 * 64
    psum_bits = 2 * (64 * 64) * 35 * 18
    assert a.glb_read_bits[0, 0] == 4 * 64 * 576 * 4 + 576 * 64 * 4 + psum_bits / 2
    assert a.glb_write_bits[0, 0] == 576 * 64 * 4 + 64 * 64 * 4 + psum_bits / 2
    # Every PE busy in every streaming cycle; the fill and drain are the only idle cycles.
    assert a.mac_ops[0, 0] / (a.compute_cycles[0, 0] * 256) == pytest.approx(64 / (64 + 46))
    assert a.acc_read_accesses[0, 0] == 0  # no accumulator buffer: partial sums go to the GLB
    # The GLB moves 256 bits per cycle; the layer is bound by the slowest of compute and GLB.
    glb_cycles = (a.glb_read_bits[0, 0] + a.glb_write_bits[0, 0]) / 256
    assert a.glb_cycles[0, 0] == glb_cycles
    assert a.latency_cycles[0, 0] == max(glb_cycles, 36 * 4 * 110, a.memory_cycles[0, 0])


def test_partial_sums_stay_in_the_accumulator_buffer() -> None:
    layer = _layer(576, 64, 64)
    psum_bits = 2 * (64 * 64) * 35 * 18
    # Room for all 64 pixels x 16 columns of 18-bit partial sums: nothing goes to the GLB.
    big = count_actions(layer, _params(os_=False, acc_buffer_bits=64 * 16 * 18))
    assert big.acc_read_accesses[0, 0] == big.acc_write_accesses[0, 0] == psum_bits / 2 / 256
    assert big.glb_read_bits[0, 0] == 4 * 64 * 576 * 4 + 576 * 64 * 4
    assert big.weight_loads[0, 0] == 576 * 64
    # Room for 20 pixels: 4 chunks of pixels, each reloading the weight tile.
    small = count_actions(layer, _params(os_=False, acc_buffer_bits=20 * 16 * 18))
    assert small.weight_loads[0, 0] == 576 * 64 * 4
    assert small.glb_read_bits[0, 0] == 4 * 64 * 576 * 4 + 576 * 64 * 4 * 4
    # Room for less than one pixel row of the column tile: partial sums go to the GLB as without.
    tiny = count_actions(layer, _params(os_=False, acc_buffer_bits=15 * 18))
    assert tiny.acc_read_accesses[0, 0] == 0 and tiny.glb_read_bits[0, 0] == 4 * 64 * 576 * 4 + 576 * 64 * 4 + psum_bits / 2


def test_output_stationary_counts() -> None:
    a = count_actions(_layer(576, 64, 64), _params(os_=True))
    assert a.compute_cycles[0, 0] == 4 * 4 * (576 + 46)  # K tiles x P tiles folds of N, plus fill/drain
    # Streamed from the GLB once per pixel tile (below), latched by every PE it passes: one
    # weight-register load per MAC.
    assert a.weight_loads[0, 0] == 64 * 64 * 576
    assert a.glb_read_bits[0, 0] == 4 * 64 * 576 * 4 + 576 * 64 * 4 * 4  # no partial sums


def test_depthwise_uses_one_column_per_group() -> None:
    a = count_actions(_layer(9, 1, 100, groups=32), _params(os_=False))
    assert a.compute_cycles[0, 0] == 32 * 1 * 1 * (100 + 46)


def test_wide_layers_run_in_pe_wide_slices() -> None:
    # An 8-bit layer on a 4-bit PE: 2 weight slices x 2 activation slices.
    a = count_actions(_layer(64, 16, 16, edge=True), _params(os_=False, bits=(8, 8, 8)))
    assert a.passes[0, 0] == 4
    assert a.mac_ops[0, 0] == 4 * 16 * 16 * 64
    assert a.compute_cycles[0, 0] == 4 * 4 * (16 + 46)  # 4 passes x 4 row tiles


def test_spill_to_dram_when_activations_do_not_fit() -> None:
    layer = _layer(64, 64, 1024)
    fits = count_actions(layer, _params(os_=False, glb_bits=1e9))
    # 10^5 bits: the 16,384 bits of weights fit, the 262,144 bits of inputs (and outputs) do not.
    spills = count_actions(layer, _params(os_=False, glb_bits=1e5))
    weights_bits = 64 * 64 * 4
    assert fits.dram_read_bits[0, 0] == weights_bits
    assert spills.dram_read_bits[0, 0] == weights_bits + 1024 * 64 * 4
    assert spills.dram_write_bits[0, 0] == 1024 * 64 * 4
    assert spills.memory_cycles[0, 0] == pytest.approx((weights_bits + 2 * 1024 * 64 * 4) / 102.4)


@pytest.mark.parametrize("flow", [0, 1, 2])
def test_refetch_from_dram_when_neither_inputs_nor_weights_fit(flow: int) -> None:
    # N = 256, K = 256, P = 1024 at 4 bits: weights 262,144 bits, inputs 1,048,576 bits. A GLB of
    # 100,000 bits holds neither: blocked by inputs (11 chunks) the weights are read 10 more
    # times (2,621,440 bits); blocked by weights (3 chunks) the inputs 2 more times (2,097,152
    # bits): the cheaper order is taken, under every dataflow.
    layer = _layer(256, 256, 1024)
    a = count_actions(layer, replace(_params(os_=False, glb_bits=1e5), flow=flow))
    weights_bits, input_bits = 256 * 256 * 4, 1024 * 256 * 4
    assert a.dram_read_bits[0, 0] == weights_bits + input_bits + 2 * input_bits
    # What DRAM sends again is written into the GLB again.
    roomy = count_actions(layer, replace(_params(os_=False, glb_bits=1e5), flow=flow,
                                         glb_bits=np.array([[3e5]])))  # the weights fit: nothing again
    assert roomy.dram_read_bits[0, 0] == weights_bits + input_bits
    assert a.glb_write_bits[0, 0] - roomy.glb_write_bits[0, 0] == 2 * input_bits


def test_input_stationary_counts() -> None:
    # SCALE-Sim's IS: rows = N = 576 (36 tiles), columns = P = 64 pixels (4 tiles), the K = 64
    # output channels' weights stream through every fold.
    p = replace(_params(os_=False), flow=2)
    a = count_actions(_layer(576, 64, 64), p)
    assert a.compute_cycles[0, 0] == 36 * 4 * (64 + 46)
    assert a.mac_ops[0, 0] == 64 * 64 * 576
    # Every (im2col) activation is latched once and stays while the weights stream; every PE
    # latches each weight it multiplies.
    assert a.input_loads[0, 0] == a.array_input_reads[0, 0] == 64 * 576
    assert a.weight_loads[0, 0] == 64 * 64 * 576
    # Weights stream from the GLB once per pixel tile; partial sums of 35 reduction tiles go to
    # the GLB as in WS.
    psum_bits = 2 * (64 * 64) * 35 * 18
    assert a.glb_read_bits[0, 0] == 64 * 576 * 4 + 576 * 64 * 4 * 4 + psum_bits / 2
    assert a.glb_write_bits[0, 0] == 576 * 64 * 4 + 64 * 64 * 4 + psum_bits / 2


def test_input_stationary_chunks_output_channels_in_the_accumulator_buffer() -> None:
    # Room for 16 pixels x 20 output channels of 18-bit partial sums: the K = 64 channels run in
    # 4 chunks, each latching the stationary inputs again.
    p = replace(_params(os_=False, acc_buffer_bits=16 * 20 * 18), flow=2)
    a = count_actions(_layer(576, 64, 64), p)
    psum_bits = 2 * (64 * 64) * 35 * 18
    assert a.acc_read_accesses[0, 0] == psum_bits / 2 / 256
    assert a.input_loads[0, 0] == 4 * 64 * 576
    assert a.glb_read_bits[0, 0] == 4 * 64 * 576 * 4 + 576 * 64 * 4 * 4


def test_a_depthwise_layer_under_each_dataflow() -> None:
    # A 3x3 depthwise layer (G = 32 groups, N = 9, K_g = 1, P = 256). WS: one fold per group
    # streaming 256 pixels; OS: 16 pixel tiles streaming N = 9; IS: 16 pixel tiles streaming
    # K_g = 1 -- IS keeps 9 x 16 PEs busy, but its one-value streams are all fill and drain, so
    # WS, with 9 x 1 PEs busy, takes the fewest cycles.
    one = lambda v: np.array([float(v)])  # noqa: E731
    layer = LayerShapes(
        macs=one(256 * 9 * 32), reduction_length=one(9), out_channels_per_group=one(1), groups=one(32),
        output_pixels=one(256), weights=one(9 * 32), input_elements=one(256 * 32), output_elements=one(256 * 32),
        is_first_or_last=np.array([False]), is_network_input=np.array([False]), is_network_output=np.array([False]))
    cycles = [count_actions(layer, replace(_params(os_=False), flow=f)).compute_cycles[0, 0]
              for f in (0, 1, 2)]
    assert cycles == [32 * (256 + 46), 32 * 16 * (9 + 46), 32 * 16 * (1 + 46)]
    assert min(cycles) == cycles[0]


def _conv3x3(channels: int, k: int, hw: int, stride: int = 1) -> LayerShapes:
    """A 3x3 convolution, padding 1: N = 9 C, P = (hw / stride)^2, I = C hw^2."""
    one = lambda v: np.array([float(v)])  # noqa: E731
    p = (hw // stride) ** 2
    n = 9 * channels
    return LayerShapes(
        macs=one(p * k * n), reduction_length=one(n), out_channels_per_group=one(k), groups=one(1),
        output_pixels=one(p), weights=one(k * n), input_elements=one(channels * hw * hw),
        output_elements=one(p * k), is_first_or_last=np.array([False]), is_network_input=np.array([False]),
        is_network_output=np.array([False]), kernel_rows=one(3), input_width=one(hw),
    )


def test_an_input_buffer_reads_each_input_once_per_column_tile() -> None:
    # 3x3, 16 -> 16 channels on 32x32: N = 144 (9 reduction tiles of 16 rows, one channel each
    # after rounding 16/9 down), one column tile; the line buffer needs 3 rows x 32 pixels x 1
    # channel x 4 bits = 384 bits.
    layer = _conv3x3(16, 16, 32)
    without = count_actions(layer, _params(os_=False))
    fits = count_actions(layer, _params(os_=False, ibuf_bits=384))
    too_small = count_actions(layer, _params(os_=False, ibuf_bits=383))
    fed = 1 * 1024 * 144  # col tiles x P x N: every activation the array takes
    weights, psums = 144 * 16 * 4, 1024 * 16 * 8 * 18  # W b_w, and O (9 - 1) partial sums read at 18 bits
    assert without.glb_read_bits[0, 0] - weights - psums == fed * 4
    assert fits.glb_read_bits[0, 0] - weights - psums == 16 * 32 * 32 * 4  # each input once
    assert fits.ibuf_read_accesses[0, 0] == fed * 4 / 64 and fits.ibuf_write_accesses[0, 0] == 16 * 1024 * 4 / 64
    assert too_small.glb_read_bits[0, 0] == without.glb_read_bits[0, 0] and too_small.ibuf_read_accesses[0, 0] == 0


def test_a_strided_layer_reads_only_the_inputs_it_uses() -> None:
    # A 1x1 stride-2 layer over 32x32: 256 output pixels use a quarter of the 1024 input pixels.
    one = lambda v: np.array([float(v)])  # noqa: E731
    layer = LayerShapes(
        macs=one(256 * 16 * 16), reduction_length=one(16), out_channels_per_group=one(16), groups=one(1),
        output_pixels=one(256), weights=one(256), input_elements=one(16 * 1024), output_elements=one(256 * 16),
        is_first_or_last=np.array([False]), is_network_input=np.array([False]), is_network_output=np.array([False]),
        kernel_rows=one(1), input_width=one(32),
    )
    a = count_actions(layer, _params(os_=False, ibuf_bits=16 * 1024))
    assert a.glb_read_bits[0, 0] - 256 * 4 == 256 * 16 * 4


def test_what_goes_to_dram_is_read_out_of_the_buffer() -> None:
    # The network's output (O = 64 x 64 at 4 bits) is read from the GLB on its way to DRAM.
    shapes = _layer(576, 64, 64)
    last = LayerShapes(**{**shapes.__dict__, "is_network_output": np.array([True])})
    inner = count_actions(shapes, _params(os_=True))
    out = count_actions(last, _params(os_=True))
    assert out.glb_read_bits[0, 0] - inner.glb_read_bits[0, 0] == 64 * 64 * 4 == out.dram_write_bits[0, 0]


def test_a_sweep_mixing_dataflows_gives_each_point_its_own_counts() -> None:
    # The template counts the points of each dataflow together and gathers them back in order
    # (auto points keep the counts of the candidate they chose): every point of an interleaved
    # sweep must price as it does alone.
    import hwcost
    from hwcost.arch.mac_array.config import Dataflow

    lib, net = hwcost.load_techlib("45nm"), hwcost.load_workload("mobilenetv2")
    points = [hwcost.DesignPoint(hwcost.get_scheme("lsq", bits), hwcost.MacArrayConfig(pe_rows=rows, dataflow=flow),
                                 lib, net)
              for bits in (4, 8) for rows in (8, 16) for flow in Dataflow]
    together = hwcost.sweep(points)
    alone = [hwcost.sweep([p]).iloc[0] for p in points]
    for i, row in enumerate(alone):
        for column in ("energy_pj", "latency_cycles", "energy_pj.glb", "energy_pj.pe_registers", "energy_pj.pe_spads",
                       "energy_pj.noc"):
            if column not in row.index:  # registers or scratchpads: the row the point's PEs lack
                assert not together[column].iloc[i] > 0, (i, column)  # 0 (or NaN) beside the others' rows
                continue
            assert together[column].iloc[i] == pytest.approx(row[column], rel=1e-12), (i, column)


def test_input_stationary_blocks_output_channels_when_its_weights_cannot_stay_in_the_glb() -> None:
    # ResNet-18's layer3.0.conv2 at 8 bits (3x3, 256 -> 256 on 14 x 14): IS sends the 589,824
    # weights (4,718,592 bits) once per pixel tile (13 tiles of 16 pixels), but a 128 KiB GLB
    # (1,048,576 bits) cannot keep them. Beside the 401,408 bits of input it holds 647,168 bits of
    # weights: 8 blocks of output channels, each latching the 451,584 stationary inputs again
    # (7 x 451,584 x 8 = 25.3 Mbit more from the GLB) -- cheaper at 0.5 pJ per GLB bit than
    # reading the weights from DRAM 12 more times (56.6 Mbit at 8 pJ). The reduction tiles cannot
    # go outermost either: the 50,176 outputs' 28-bit partial sums (8 + 8 + ceil(log2 2304)) are
    # 1.40 Mbit. The case ZigZag's deeper search finds (docs/validation-peer.md).
    layer = _conv3x3(256, 256, 14)
    glb = 128 * 1024 * 8.0
    p = replace(_params(os_=False, bits=(8, 8, 8), hw=(8, 8), glb_bits=glb), flow=2, acc_bits=np.array([[28.0]]))
    a = count_actions(layer, p)
    assert a.dram_read_bits[0, 0] == 589_824 * 8  # the weights once
    assert a.array_input_reads[0, 0] == 8 * 196 * 2304
    assert a.input_loads[0, 0] == 8 * 196 * 2304
    # With DRAM as cheap as the GLB's the other order wins: the weights from DRAM on every pass.
    cheap = count_actions(layer, replace(p, dram_pj_per_bit=np.array([[0.01]])))
    assert cheap.dram_read_bits[0, 0] == 589_824 * 8 * 13
    assert cheap.array_input_reads[0, 0] == 196 * 2304
    # A GLB that keeps the weights sends them again from itself.
    roomy = count_actions(layer, replace(p, glb_bits=np.array([[8e6]])))
    assert roomy.dram_read_bits[0, 0] == 589_824 * 8 and roomy.array_input_reads[0, 0] == 196 * 2304


def test_weight_stationary_blocks_pixels_when_its_input_cannot_stay_in_the_glb() -> None:
    # ResNet-18's layer1 3x3 conv at 8 bits (64 -> 64 on 56 x 56): WS sends the 200,704 inputs
    # (1,605,632 bits) once per column tile (4 tiles of 16 output channels); a 128 KiB GLB cannot
    # keep them (they and the output spill to DRAM). Beside the 294,912 bits of weights it holds
    # 753,664 bits of input: 3 blocks of pixels, each loading the weight tiles again (2 x 294,912
    # bits more from the GLB) rather than the input from DRAM 3 more times.
    layer = _conv3x3(64, 64, 56)
    glb = 128 * 1024 * 8.0
    p = replace(_params(os_=False, bits=(8, 8, 8), hw=(8, 8), glb_bits=glb), flow=0)
    a = count_actions(layer, p)
    weights, inputs = 36_864 * 8, 200_704 * 8
    assert a.dram_read_bits[0, 0] == weights + inputs  # the spilled input once
    assert a.weight_loads[0, 0] == 36_864 * 3
    cheap = count_actions(layer, replace(p, dram_pj_per_bit=np.array([[0.01]])))
    assert cheap.dram_read_bits[0, 0] == weights + inputs * 4
    assert cheap.weight_loads[0, 0] == 36_864


def test_reduction_tiles_outermost_need_no_blocks_when_the_partial_sums_fit() -> None:
    # The same layer at 4 bits: 2,359,296 bits of weights still overflow the GLB, but the 50,176
    # outputs' 20-bit partial sums (1,003,520 bits) and one reduction tile's weights (2,359,296 /
    # 144 = 16,384 bits) fit: with the reduction tiles outermost every weight is read once from
    # DRAM and nothing is re-sent beyond what the counts already hold (ZigZag's mapping at 4 b).
    layer = _conv3x3(256, 256, 14)
    p = replace(_params(os_=False, bits=(4, 4, 4), hw=(4, 4), glb_bits=128 * 1024 * 8.0), flow=2,
                acc_bits=np.array([[20.0]]))
    a = count_actions(layer, p)
    assert a.dram_read_bits[0, 0] == 589_824 * 4
    assert a.array_input_reads[0, 0] == 196 * 2304


def test_each_layers_mapping_names_its_dataflow_and_how_it_meets_the_glb() -> None:
    # ResNet-18 at 8 bits, IS, no accumulator buffer: layer3.0.conv2's weights (4,718,592 bits)
    # exceed the 128 KiB GLB and its 28-bit partial sums (1.40 Mbit) cannot take the reduction
    # outermost: 8 output-channel blocks (test above); layer4.0.conv2's partial sums (0.73 Mbit)
    # can, so it needs none; layer1.0.conv1's weights (36,864 x 8 bits) fit.
    import hwcost
    from hwcost.arch.mac_array.config import Dataflow

    report = hwcost.evaluate("lsq", 8, workload="resnet18",
                             arch=hwcost.MacArrayConfig(dataflow=Dataflow.INPUT_STATIONARY, acc_buffer_kib=0.0))
    mapping = {layer.name: layer.mapping for layer in report.layers}
    assert mapping["layer3.0.conv2"] == "input_stationary, 8 output-channel blocks (the weights exceed the GLB)"
    assert mapping["layer4.0.conv2"] == mapping["layer1.0.conv1"] == "input_stationary"


def test_the_mapping_text_of_every_memory_order() -> None:
    from hwcost.arch.mac_array.counts import BLOCKED, FITS, FROM_DRAM_EACH_PASS, REFETCHED
    from hwcost.arch.mac_array.template import LayerMappings

    assert LayerMappings.text(1, FITS, 1.0) == "output_stationary"
    assert LayerMappings.text(0, BLOCKED, 3.0) == "weight_stationary, 3 pixel blocks (the input exceeds the GLB)"
    assert (LayerMappings.text(2, FROM_DRAM_EACH_PASS, 1.0)
            == "input_stationary, weights from DRAM every pixel tile (the weights exceed the GLB)")
    assert LayerMappings.text(1, REFETCHED, 1.0) == "output_stationary, re-fetch from DRAM (input and weights exceed the GLB)"
