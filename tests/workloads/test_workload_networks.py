"""The built-in networks: MAC and weight totals against published counts, per-layer shapes."""

from __future__ import annotations

import numpy as np
import pytest

from hwcost.workloads import Layer, LayerKind, Workload, list_workloads, load_workload

# Published multiply-accumulate counts (batch 1, conv + depthwise + fc):
# torchvision model docs "GFLOPS" (= MACs): ResNet18 1.81, VGG16 15.47, MobileNet_V2 0.30;
# He et al. 2016 / literature ResNet-20: 40.8 M (option-B shortcuts); Sandler et al. 2018 Table 3: 300 M.
PUBLISHED_MACS = {
    "resnet18": (1.82e9, 0.01),
    "vgg16": (15.5e9, 0.01),
    "mobilenetv2": (300e6, 0.01),
    "resnet20": (40.8e6, 0.01),
}
# torchvision parameter counts minus biases and batch-norm affine parameters (weights only).
PUBLISHED_WEIGHTS = {
    "resnet18": 11_689_512 - 1_000 - 2 * 4_800,  # fc bias; 4800 BN channels x (gamma, beta)
    "vgg16": 138_357_544 - 4_224 - 9_192,  # 13 conv biases, 3 fc biases
    "mobilenetv2": 3_504_872 - 1_000 - 2 * 17_056,  # fc bias; 17056 BN channels x 2
}


@pytest.mark.parametrize("name", sorted(PUBLISHED_MACS))
def test_total_macs_match_published_counts(name: str) -> None:
    published, tolerance = PUBLISHED_MACS[name]
    assert load_workload(name).total_macs == pytest.approx(published, rel=tolerance)


@pytest.mark.parametrize("name", sorted(PUBLISHED_WEIGHTS))
def test_weight_counts_match_torchvision_parameters(name: str) -> None:
    assert load_workload(name).total_weights == PUBLISHED_WEIGHTS[name]


def test_resnet20_option_b_shortcuts_cost_what_the_header_says() -> None:
    net = load_workload("resnet20")
    shortcuts = [layer for layer in net.layers if layer.name.endswith("shortcut")]
    # 1x1 stride-2 projections: 16->32 on a 16x16 output, 32->64 on 8x8.
    assert [layer.macs for layer in shortcuts] == [16 * 32 * 16 * 16, 32 * 64 * 8 * 8]
    option_a = net.total_macs - sum(layer.macs for layer in shortcuts)
    assert option_a == pytest.approx(40.55e6, rel=1e-3)  # He et al. 2016 option A
    assert net.total_macs == pytest.approx(41e6, rel=0.02)


def test_vgg7_macs_follow_the_twn_layer_list() -> None:
    # 2x128C3 (32x32) - 2x256C3 (16x16) - 2x512C3 (8x8) - 8192x1024 - 1024x10, by hand
    convs = [(3, 128, 32), (128, 128, 32), (128, 256, 16), (256, 256, 16), (256, 512, 8), (512, 512, 8)]
    expected = sum(cin * cout * 9 * hw * hw for cin, cout, hw in convs) + 8192 * 1024 + 1024 * 10
    assert load_workload("vgg7").total_macs == expected


LAYER_COUNTS = {  # (conv incl. projections, depthwise, fc, add, pool)
    "resnet20": (21, 0, 1, 9, 1),
    "vgg7": (6, 0, 2, 0, 3),
    "resnet18": (20, 0, 1, 8, 2),
    "vgg16": (13, 0, 3, 0, 5),
    "mobilenetv2": (35, 17, 1, 10, 1),
}


@pytest.mark.parametrize("name", list_workloads())
def test_layer_counts_per_kind(name: str) -> None:
    net = load_workload(name)
    kinds = [layer.kind for layer in net.layers]
    order = (LayerKind.CONV, LayerKind.DEPTHWISE, LayerKind.FC, LayerKind.ADD, LayerKind.POOL)
    assert tuple(kinds.count(kind) for kind in order) == LAYER_COUNTS[name]


def _unmatched_inputs(net: Workload) -> list[str]:
    """Layers whose input matches neither the network input nor an earlier layer's output."""
    channels, height, width = net.input_shape
    seen = {(channels, height, width)}
    unmatched = []
    for layer in net.layers:
        if layer.kind is LayerKind.FC:
            ok = any(c * h * w == layer.in_channels for c, h, w in seen)
        else:
            ok = (layer.in_channels, *layer.input_hw) in seen
        if not ok:
            unmatched.append(layer.name)
        seen.add((layer.out_channels, *layer.output_hw))
    return unmatched


@pytest.mark.parametrize("name", list_workloads())
def test_every_layer_reads_an_earlier_output(name: str) -> None:
    net = load_workload(name)
    assert _unmatched_inputs(net) == []
    last = net.layers[-1]
    assert last.kind is LayerKind.FC and last.output_elements == {"cifar10": 10, "imagenet": 1000}[net.dataset]


@pytest.mark.parametrize("name", list_workloads())
def test_first_and_last_layers(name: str) -> None:
    net = load_workload(name)
    assert [layer.name for layer in net.layers if layer.is_first] == [net.layers[0].name]
    assert [layer.name for layer in net.layers if layer.is_last] == [net.layers[-1].name]
    assert net.layers[0].in_channels == 3 and net.name == name and net.source


def test_resnet18_shapes() -> None:
    net = load_workload("resnet18")
    conv1 = net.layer("conv1")
    assert conv1.output_hw == (112, 112)
    assert conv1.macs == 112 * 112 * 64 * 3 * 7 * 7 and conv1.reduction_length == 147
    assert net.layer("maxpool").output_hw == (56, 56)
    last_conv = net.layer("layer4.1.conv2")
    assert (last_conv.out_channels, *last_conv.output_hw) == (512, 7, 7)
    assert last_conv.reduction_length == 512 * 9 and last_conv.output_pixels == 49
    downsample = net.layer("layer2.0.downsample")
    assert (downsample.input_hw, downsample.output_hw, downsample.macs) == ((56, 56), (28, 28), 64 * 128 * 28 * 28)
    add = net.layer("layer3.1.add")
    assert (add.input_elements, add.output_elements, add.macs) == (2 * 256 * 14 * 14, 256 * 14 * 14, 0)
    assert net.layer("avgpool").output_elements == 512


def test_mobilenetv2_shapes() -> None:
    net = load_workload("mobilenetv2")
    depthwise = [layer for layer in net.layers if layer.kind is LayerKind.DEPTHWISE]
    assert {layer.reduction_length for layer in depthwise} == {9}
    assert all(layer.groups == layer.in_channels == layer.out_channels for layer in depthwise)
    assert [layer.weights for layer in depthwise[:2]] == [32 * 9, 96 * 9]
    last_dw = net.layer("features.17.dw")
    assert (last_dw.in_channels, *last_dw.output_hw, last_dw.macs) == (960, 7, 7, 960 * 9 * 49)
    assert net.layer("features.18").out_channels == 1280
    assert net.layer("classifier").macs == 1280 * 1000


def test_vgg16_shapes() -> None:
    net = load_workload("vgg16")
    assert net.layer("conv5_3").output_hw == (14, 14) and net.layer("pool5").output_hw == (7, 7)
    assert net.layer("pool5").output_elements == net.layer("fc6").in_channels == 25088
    assert net.layer("fc6").macs == 25088 * 4096


def test_vectorised_views_match_the_layers() -> None:
    net = load_workload("mobilenetv2")
    view = net.compute_arrays
    assert net.arrays() is view and len(view) == len(net.compute_layers) == 53
    assert int(view.macs.sum()) == net.total_macs
    assert int(view.weights.sum()) == net.total_weights
    np.testing.assert_array_equal(view.macs, view.output_pixels * view.out_channels * view.reduction_length)
    assert view.reduction_length[view.is_depthwise].tolist() == [9] * 17
    assert view.is_first_or_last.sum() == 2 and view.is_first[0] and view.is_last[-1] and view.is_fc[-1]
    assert view.macs.dtype == np.int64 and not view.macs.flags.writeable
    adds = net.arrays([LayerKind.ADD])
    assert len(adds) == 10 and adds.macs.sum() == 0
    np.testing.assert_array_equal(adds.input_elements, 2 * adds.output_elements)


def test_layer_rejects_inconsistent_shapes() -> None:
    from hwcost.errors import HwcostError

    with pytest.raises(HwcostError, match="not divisible by groups = 4"):
        Layer("bad", LayerKind.CONV, 6, 8, (8, 8), (3, 3), groups=4)
    with pytest.raises(HwcostError, match="depthwise layer has groups = in"):
        Layer("dw", LayerKind.DEPTHWISE, 8, 8, (8, 8), (3, 3), groups=1)


def test_workload_rejects_duplicates_and_no_compute() -> None:
    from hwcost.errors import HwcostError

    conv = Layer("c", LayerKind.CONV, 3, 8, (8, 8), (3, 3), padding_hw=(1, 1))
    with pytest.raises(HwcostError, match="duplicate layer names: c"):
        Workload("w", "toy", (3, 8, 8), "test", (conv, conv))
    add = Layer("a", LayerKind.ADD, 3, 3, (8, 8))
    with pytest.raises(HwcostError, match="at least one conv"):
        Workload("w", "toy", (3, 8, 8), "test", (add,))
