"""A strided 1 x 1 convolution (a ResNet shortcut) uses one input in stride²: when its input comes
from DRAM, only those are fetched -- on every template -- while a layer whose windows touch every
input fetches all of them. Hand counts on ResNet-18's layer2.0.downsample (56 x 56 x 64 in, 28 x 28
x 128 out, 1 x 1, stride 2) and layer2.0.conv1 (3 x 3, stride 2)."""

from __future__ import annotations

import numpy as np
import pytest

import hwcost
from hwcost.arch.shared.bom import table_word_bits
from hwcost.arch.shared.pricing import Count
from hwcost.evaluate import CostCache, _evaluate_group

NET = hwcost.load_workload("resnet18")
NAMES = [layer.name for layer in NET.compute_layers]
LIB = hwcost.load_techlib("45nm")


def _dram_read_bits(arch: object, bits: int, layer: str) -> float:
    """The layer's DRAM reads less its per-channel tables (the classifier's table words x 128
    output channels, loaded with the weights)."""
    scheme = hwcost.get_scheme("lsq", bits)
    cache = CostCache()
    cost = _evaluate_group([hwcost.DesignPoint(scheme, arch, LIB, NET)], cache)
    tables = table_word_bits(cache.datapaths(scheme, cache.tables(NET)).body) * 128
    reads = np.broadcast_to(cost.per_layer[Count.DRAM_READ_BITS], cost.layer_latency_cycles.shape)
    return float(reads[0, NAMES.index(layer)]) - tables


@pytest.mark.parametrize("arch", [hwcost.MacArrayConfig(glb_kib=64.0), hwcost.CimMacroConfig(glb_kib=64.0)],
                         ids=["mac_array", "cim_macro"])
def test_a_strided_shortcut_fetches_a_quarter_of_its_input(arch: object) -> None:
    # a 64 KiB GLB cannot hold the shortcut's 56 x 56 x 64 input and 28 x 28 x 128 output (at 8 b,
    # 200,704 + 100,352 B): both spill, and the input comes back from DRAM
    weights, used, whole = 64 * 128 * 8, 28 * 28 * 64 * 8, 56 * 56 * 64 * 8
    got = _dram_read_bits(arch, 8, "layer2.0.downsample")
    assert got - weights == used
    assert got < weights + whole / 2


def test_a_strided_3x3_layer_fetches_all_of_its_input() -> None:
    # 3 x 3 windows at stride 2 overlap: every input is used (P N = 28 x 28 x 576 > 56 x 56 x 64).
    # A 128 KiB GLB holds the layer's 72 KiB of weights but not its input and output: they spill.
    arch = hwcost.MacArrayConfig(glb_kib=128.0)
    weights, whole = 3 * 3 * 64 * 128 * 8, 56 * 56 * 64 * 8
    got = _dram_read_bits(arch, 8, "layer2.0.conv1")
    assert got - weights == whole


def test_a_layer_whose_weights_and_input_both_overflow_the_glb_reads_one_again() -> None:
    # A 64 KiB GLB (524,288 bits) holds neither the 72 KiB of weights (589,824 bits, 2 chunks) nor
    # the 196 KiB input (1,605,632 bits, 4 chunks): the input read once more for the second weight
    # chunk (1,605,632 bits) costs less than the weights three more times (1,769,472).
    weights, whole = 3 * 3 * 64 * 128 * 8, 56 * 56 * 64 * 8
    got = _dram_read_bits(hwcost.MacArrayConfig(glb_kib=64.0), 8, "layer2.0.conv1")
    assert got - weights == 2 * whole
