"""Row stationary (Eyeriss) against hand counts (docs/cost-model.md §2, "Row stationary")."""

from dataclasses import replace

import numpy as np
import pytest

import hwcost
from hwcost.arch.mac_array.config import Dataflow, MacArrayConfig, MacRow
from hwcost.arch.mac_array.counts import (FITS, FROM_DRAM_EACH_PASS, RS, WEIGHTS_FROM_DRAM_EACH_FOLD, ArrayParams,
                                          count_actions, pe_interleave)
from hwcost.arch.mac_array.plan import spad_prices
from hwcost.arch.registry import with_overrides
from hwcost.arch.shared.pricing import Pricer
from hwcost.arch.shared.tables import LayerShapes
from hwcost.errors import HwcostError


def _conv(channels: int, k: int, out_hw: int, kernel: int = 3, stride: int = 1) -> LayerShapes:
    """A square convolution with 'same' padding: E = F = out_hw output rows and columns."""
    one = lambda v: np.array([float(v)])  # noqa: E731
    n, p, in_hw = channels * kernel * kernel, out_hw * out_hw, out_hw * stride
    return LayerShapes(
        macs=one(p * k * n), reduction_length=one(n), out_channels_per_group=one(k), groups=one(1),
        output_pixels=one(p), weights=one(k * n), input_elements=one(channels * in_hw * in_hw),
        output_elements=one(p * k), is_first_or_last=np.array([False]), is_network_input=np.array([False]),
        is_network_output=np.array([False]), kernel_rows=one(kernel), input_width=one(in_hw),
        output_rows=one(out_hw), stride_rows=one(stride),
    )


def _params(rows: int, cols: int, glb_bits: float = 1e9, acc_buffer_bits: float = 0.0, ibuf_bits: float = 0.0,
            spads: tuple[int, int, int] = (224, 12, 24), bits: int = 8) -> ArrayParams:
    col = lambda v: np.array([[float(v)]])  # noqa: E731
    return ArrayParams(
        pe_rows=col(rows), pe_cols=col(cols), flow=RS, glb_bits=col(glb_bits), glb_bits_per_cycle=col(256),
        dram_bits_per_cycle=col(128), acc_buffer_bits=col(acc_buffer_bits), acc_port_bits=col(256),
        ibuf_bits=col(ibuf_bits), ibuf_port_bits=col(64), hw_weight_bits=col(bits), hw_act_bits=col(bits),
        acc_bits=col(24), layer_weight_bits=col(bits), layer_act_bits=col(bits), layer_out_bits=col(bits),
        extra_dram_bits_per_layer=col(0), glb_pj_per_bit=col(0.5), dram_pj_per_bit=col(8.0),
        spad_weight_words=col(spads[0]), spad_input_words=col(spads[1]), spad_psum_words=col(spads[2]),
    )


def test_eyeriss_spads_interleave_four_channels_and_eighteen_filters_of_a_3x3_kernel() -> None:
    # 12 input words / 3 = 4 channel windows; 224 weight words / (4 x 3) = 18 filters (< 24 psums)
    assert pe_interleave(224, 12, 24, 3) == (4, 18)
    # an 11 x 11 kernel (AlexNet's first layer): one channel; 224 / 11 = 20 filters
    assert pe_interleave(224, 12, 24, 11) == (1, 20)
    # a 1 x 1 kernel: 12 channels; 224 / 12 = 18 filters
    assert pe_interleave(224, 12, 24, 1) == (12, 18)


def test_a_small_convolution_counted_by_hand() -> None:
    # 3x3, 8 -> 4 channels, 8 x 8 outputs, on 6 x 4 PEs: a PE set is 3 filter rows x 4 output rows,
    # two sets stacked (v = 2, different channels), one beside (h = 1); two folds of 4 output rows.
    # q = min(4, ceil(8 / 2)) = 4 channels, p = min(18, 4 filters) = 4: one filter pass, one channel pass.
    a = count_actions(_conv(8, 4, 8), _params(6, 4))
    macs = 4 * 8 * 9 * 64
    assert a.mac_ops[0, 0] == macs
    # each fold: every PE runs p q S F = 4 x 4 x 3 x 8 = 384 MACs, then the column's 6 PEs drain (5)
    assert a.compute_cycles[0, 0] == 2 * (384 + 5)
    assert 2 * 384 * 6 * 4 == macs  # the 24 PEs busy in every MAC cycle
    # one addition per MAC: a PE adds the sum arriving from below into its own (n products and
    # the arriving sum are n additions), so the 6 PEs of a column's chain add none
    assert a.accumulations[0, 0] == macs
    # each weight written into the 8 PEs of its filter row that make an output row
    assert a.weight_loads[0, 0] == 288 * 8
    # each PE job (8 channels x 3 filter rows x 8 output rows, one filter group) writes the 10
    # pixels its windows touch (8 outputs + 2 of padding)
    assert a.input_loads[0, 0] == 8 * 3 * 8 * 10
    # a fold of 4 output rows reads (4 - 1) + 3 = 6 input rows of each channel once
    assert a.array_input_reads[0, 0] == 8 * 2 * 6 * 10
    # one channel pass: no partial sum leaves the array before it is complete
    assert a.acc_read_accesses[0, 0] == 0
    assert a.glb_read_bits[0, 0] == (8 * 2 * 6 * 10) * 8 + 288 * 8 * 2  # inputs, and the weights once per fold
    assert a.memory_order[0, 0] == FITS and a.pe_filters[0, 0] == 4 and a.pe_channels[0, 0] == 4


def test_partial_sums_leave_the_columns_after_each_channel_pass() -> None:
    # 3x3, 64 -> 64 on 8 x 8, a 16 x 16 array: v = 5 sets stacked, q = 4 channels -> 20 channels a
    # pass, ceil(64 / 20) = 4 channel passes; e = 8 output rows, h = 2 sets beside, p = 18
    # (64 filters / 2 = 32 >= 18): ceil(64 / 36) = 2 filter passes, of 16 filters a PE when spread
    # evenly (32 filters a pass).
    layer = _conv(64, 64, 8)
    a = count_actions(layer, _params(16, 16))
    outputs = 64 * 64
    assert a.pe_channels[0, 0] == 4 and a.pe_filters[0, 0] == 16
    assert a.compute_cycles[0, 0] == 2 * 4 * (16 * 4 * 3 * 8 + 15 - 1)  # filter x channel passes
    psum_bits = 2 * outputs * (4 - 1) * 24  # read and written back at 24 bits after passes 2-4
    w_bits, in_bits = 64 * 576 * 8, (64 * 1 * 1 * 10 * 10) * 8 * 2  # weights once; inputs per filter pass
    assert a.glb_read_bits[0, 0] == in_bits + w_bits + psum_bits / 2
    assert a.glb_write_bits[0, 0] == w_bits + outputs * 8 + psum_bits / 2
    # an accumulator buffer holding one pass's 32 filters x 8 x 8 partial sums takes them instead
    held = count_actions(layer, _params(16, 16, acc_buffer_bits=32 * 64 * 24))
    assert held.acc_read_accesses[0, 0] == psum_bits / 2 / 256
    assert held.glb_read_bits[0, 0] == in_bits + w_bits
    short = count_actions(layer, _params(16, 16, acc_buffer_bits=32 * 64 * 24 - 1))
    assert short.acc_read_accesses[0, 0] == 0


def test_a_line_buffer_holding_a_folds_rows_serves_the_filter_passes() -> None:
    # the layer above: a fold's 10 input rows x 10 pixels x 64 channels x 8 bits = 51,200 bits
    layer = _conv(64, 64, 8)
    fits = count_actions(layer, _params(16, 16, ibuf_bits=51_200))
    misses = count_actions(layer, _params(16, 16, ibuf_bits=51_199))
    once = 64 * 10 * 10
    assert fits.array_input_reads[0, 0] == misses.array_input_reads[0, 0] == 2 * once
    assert fits.ibuf_write_accesses[0, 0] == once * 8 / 64 and misses.ibuf_write_accesses[0, 0] == 0
    assert misses.glb_read_bits[0, 0] - fits.glb_read_bits[0, 0] == once * 8


def test_the_last_output_row_fold_reads_only_the_rows_it_needs() -> None:
    # 3x3, 8 -> 4 on 7 x 7 outputs, 4 columns: folds of 4 and 3 output rows read (4 - 1) + 3 = 6
    # and (3 - 1) + 3 = 5 input rows of each channel (not 6 twice), 9 pixels each (7 + 2 padding)
    a = count_actions(_conv(8, 4, 7), _params(6, 4))
    assert a.array_input_reads[0, 0] == 8 * (6 + 5) * 9


def test_an_input_over_the_glb_is_read_once_when_a_folds_rows_stay_beside_the_weights() -> None:
    # 3x3, 16 -> 64 on 64 x 64: the input (524,288 b) overflows a 300,000-bit GLB, but with the
    # output-row folds outermost a fold's 18 input rows x 66 pixels x 16 channels x 8 b =
    # 152,064 b stay beside the 73,728 b of weights: the input comes from DRAM once (it spills)
    layer = _conv(16, 64, 64)
    in_bits, w_bits = 16 * 64 * 64 * 8, 64 * 144 * 8
    a = count_actions(layer, _params(16, 16, glb_bits=300_000))
    assert a.memory_order[0, 0] == FITS
    assert a.dram_read_bits[0, 0] == w_bits + in_bits
    # a GLB of 160,000 bits holds neither a fold beside the weights nor the input, nor a fold
    # beside one pass's 18,432 b of weights; the weights alone fit, so the input streams past
    # them once per filter pass (4 passes of 16 filters): three more reads from DRAM
    b = count_actions(layer, _params(16, 16, glb_bits=160_000))
    assert b.memory_order[0, 0] == FROM_DRAM_EACH_PASS
    assert b.dram_read_bits[0, 0] == w_bits + in_bits + 3 * in_bits


def test_strided_rows_are_read_only_where_the_windows_fall() -> None:
    # a 1x1 stride-2 layer with 4 output rows in one fold: the PEs read rows 0, 2, 4, 6 -- four of
    # the eight -- and 4 pixels of each
    a = count_actions(_conv(16, 16, 4, kernel=1, stride=2), _params(16, 16))
    assert a.array_input_reads[0, 0] == 16 * 4 * 4


def test_an_operand_over_the_glb_is_read_again_in_the_cheaper_order() -> None:
    # 3x3, 128 -> 32 on 16 x 16, 4 columns: folds of e = 4 output rows (E_f = 4), two filter
    # passes of 16 filters. A 260,000-bit GLB holds neither the input (262,144 b) nor a fold's
    # rows (6 rows x 18 pixels x 128 channels x 8 b = 110,592 b) beside all the weights
    # (294,912 b), but a fold's rows beside one pass's weights (147,456 b): the input again for
    # the second filter pass (262,144 b) is cheaper than the weights again for folds 2-4 (3 x W)
    layer = _conv(128, 32, 16)
    in_bits, w_bits = 128 * 16 * 16 * 8, 32 * 1152 * 8
    a = count_actions(layer, _params(16, 4, glb_bits=260_000))
    assert a.memory_order[0, 0] == FROM_DRAM_EACH_PASS
    assert a.dram_read_bits[0, 0] == w_bits + in_bits + in_bits  # (the input spills with the output)
    # 3x3, 16 -> 64 on 32 x 32, 16 columns: two folds of 16 rows, four filter passes; in 100,000
    # bits a fold's rows (78,336 b) fit beside one pass's weights (18,432 b): the weights again
    # for the second fold (73,728 b) are cheaper than the input again three times (3 x 131,072 b)
    layer = _conv(16, 64, 32)
    in_bits, w_bits = 16 * 32 * 32 * 8, 64 * 144 * 8
    b = count_actions(layer, _params(16, 16, glb_bits=100_000))
    assert b.memory_order[0, 0] == WEIGHTS_FROM_DRAM_EACH_FOLD
    assert b.dram_read_bits[0, 0] == w_bits + in_bits + w_bits


def test_a_filter_row_longer_than_the_weight_spad_is_written_for_every_use() -> None:
    a = count_actions(_conv(8, 4, 8, kernel=5), _params(16, 16, spads=(4, 12, 24)))
    assert a.weight_loads[0, 0] == a.mac_ops[0, 0]


def test_spads_below_64_words_are_flip_flops_and_above_the_cacti_register_file() -> None:
    pricer = Pricer(hwcost.load_techlib("45nm"))
    reg, mux = pricer.energy_pj("register", bits=16), pricer.energy_pj("mux", bits=16)
    read, write, area, _ = spad_prices(24, 16, pricer)
    assert (read, write) == (pytest.approx(5 * mux), pytest.approx(reg))  # ceil(log2 24) = 5 mux levels
    assert area == pytest.approx(24 * pricer.area_um2("register", bits=16) + 23 * pricer.area_um2("mux", bits=16))
    read, write, _, _ = spad_prices(224, 4, pricer)  # a 4-bit word occupies an 8-bit one
    assert read == pytest.approx(pricer.energy_pj("regfile", "read", words=224, bits=8))
    assert write == pytest.approx(pricer.energy_pj("regfile", "write", words=224, bits=8))


def test_a_row_stationary_array_prices_spads_not_registers() -> None:
    point = hwcost.design_point("lsq", 8, workload="resnet20", arch=MacArrayConfig(dataflow=Dataflow.ROW_STATIONARY))
    report = hwcost.report_of(point)
    units = {row.unit for row in report.breakdown}
    assert MacRow.PE_SPADS.value in units and MacRow.PE_REGISTERS.value not in units
    assert all(layer.mapping.startswith("row_stationary (") for layer in report.layers)
    # the peak (a 1x1 layer on a 32 x 32 map): every PE busy but for each pass's drain up the
    # column of 16 PEs (15 cycles) after p q F = 18 x 12 x 32 MACs
    peak = hwcost.report_of(hwcost.design_point("lsq", 8, workload=None,
                                                arch=MacArrayConfig(dataflow=Dataflow.ROW_STATIONARY)))
    assert peak.utilisation == pytest.approx(6912 / (6912 + 15))


def test_spad_sizes_are_refused_where_the_pes_have_registers() -> None:
    with pytest.raises(HwcostError, match="spad_psum_words.*weight_stationary"):
        with_overrides(MacArrayConfig(), {"spad_psum_words": 16})
    rs = with_overrides(MacArrayConfig(), {"dataflow": "row_stationary", "spad_psum_words": 16})
    assert rs.spad_psum_words == 16
    with pytest.raises(HwcostError, match="spad_weight_words"):
        with_overrides(MacArrayConfig(), {"dataflow": "row_stationary", "spad_weight_words": 513})


def test_auto_does_not_choose_row_stationary() -> None:
    point = hwcost.design_point("lsq", 4, workload="mobilenetv2", arch=MacArrayConfig(dataflow=Dataflow.AUTO))
    assert not any(layer.mapping.startswith("row") for layer in hwcost.report_of(point).layers)
    assert replace(MacArrayConfig(), dataflow=Dataflow.ROW_STATIONARY).describe()["spad_weight_words"] == 224
