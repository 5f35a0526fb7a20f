"""Loading workloads by name and by path; every problem of a bad file named with key and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hwcost.errors import HwcostError
from hwcost.workloads import LayerKind, PoolOp, list_workloads, load_workload

TINY = """\
name: tiny
dataset: toy
input: {channels: 4, in_hw: [8, 6]}
source: a test network
layers:
  - {name: c1, kind: conv, in: 4, out: 8, kernel: 3, padding: 1, in_hw: [8, 6]}
  - {name: g1, kind: conv, in: 8, out: 8, kernel: 3, stride: 2, padding: 1, groups: 2, in_hw: [8, 6]}
  - {name: dw, kind: depthwise, in: 8, out: 8, kernel: 3, padding: 1, in_hw: [4, 3]}
  - {name: add, kind: add, channels: 8, in_hw: [4, 3]}
  - {name: pool, kind: pool, op: avg, channels: 8, kernel: [4, 3], stride: 1, in_hw: [4, 3]}
  - {name: fc, kind: fc, in: 8, out: 5}
"""


def write(tmp_path: Path, text: str, name: str = "net.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_list_and_aliases() -> None:
    assert list_workloads() == ("mobilenetv2", "resnet18", "resnet20", "vgg16", "vgg7")
    assert load_workload("ResNet-18") is load_workload("resnet18")
    assert load_workload("mobilenet_v2").name == "mobilenetv2"


def test_unknown_name_lists_the_builtins() -> None:
    with pytest.raises(HwcostError) as info:
        load_workload("resnet50")
    assert "unknown workload 'resnet50'" in str(info.value)
    assert "mobilenetv2, resnet18, resnet20, vgg16, vgg7" in str(info.value)


def test_user_file_with_defaults_and_rectangular_shapes(tmp_path: Path) -> None:
    net = load_workload(write(tmp_path, TINY))
    assert net.input_shape == (4, 8, 6) and net.dataset == "toy"
    c1, g1, dw, add, pool, fc = net.layers
    assert (c1.stride_hw, c1.groups, c1.output_hw) == ((1, 1), 1, (8, 6))
    assert (g1.output_hw, g1.reduction_length, g1.macs) == ((4, 3), 4 * 9, 4 * 3 * 8 * 4 * 9)
    assert (dw.groups, dw.reduction_length, dw.weights) == (8, 9, 72)
    assert (add.input_elements, pool.pool_op, pool.output_hw) == (2 * 8 * 12, PoolOp.AVG, (1, 1))
    # no explicit first/last: the first and last compute layers
    assert [layer.name for layer in net.layers if layer.is_first or layer.is_last] == ["c1", "fc"]
    assert net.total_macs == 8 * 6 * 8 * 36 + g1.macs + 12 * 8 * 9 + 8 * 5
    assert load_workload(str(tmp_path / "net.yaml")) == net


def test_explicit_first_and_last_flags_win(tmp_path: Path) -> None:
    text = TINY.replace("in_hw: [4, 3]}\n  - {name: add", "in_hw: [4, 3], last: true}\n  - {name: add")
    net = load_workload(write(tmp_path, text))
    assert [layer.name for layer in net.layers if layer.is_last] == ["dw"]
    assert net.layer("c1").is_first and not net.layer("fc").is_last


def test_builtin_file_copied_loads_the_same(tmp_path: Path) -> None:
    source = Path(__file__).parents[2] / "hwcost" / "workloads" / "data" / "resnet20.yaml"
    copy = tmp_path / "copy.yaml"
    shutil.copy(source, copy)
    assert load_workload(copy) == load_workload("resnet20")


def problems_of(path: Path) -> str:
    with pytest.raises(HwcostError) as info:
        load_workload(path)
    return str(info.value)


def test_bad_layers_all_reported_with_key_and_line(tmp_path: Path) -> None:
    text = TINY.replace("kernel: 3, padding: 1, in_hw: [8, 6]}", "kernel: 3, pad: 1, in_hw: [8, 6]}")
    text = text.replace("groups: 2", "groups: 3").replace("out: 5", "out: -5")
    text = text.replace("op: avg", "op: mean").replace("kind: add", "kind: sum")
    path = write(tmp_path, text)
    message = problems_of(path)
    assert message.startswith("6 problems:")  # g1: both in and out
    assert f"{path}:6: layers[0].pad: unknown key 'pad'; valid keys: act_bits, first, groups, in" in message
    assert f"{path}:7: layers[1].in: layer 'g1': 8 channels are not divisible by groups = 3" in message
    assert f"{path}:7: layers[1].out: layer 'g1': 8 channels are not divisible by groups = 3" in message
    assert f"{path}:9: layers[3].kind: expected one of conv, depthwise, fc, add, pool" in message
    assert f"{path}:10: layers[4].op: expected one of max, avg; got string 'mean'" in message
    assert f"{path}:11: layers[5].out: expected an integer >= 1, got -5" in message


def test_bad_top_level(tmp_path: Path) -> None:
    text = TINY.replace("dataset: toy\n", "").replace("source: a test network", "source: 3\nauthor: me")
    text = text.replace("channels: 4, in_hw", "channels: 3, in_hw")
    path = write(tmp_path, text)
    message = problems_of(path)
    assert "missing required key 'dataset'" in message
    assert f"{path}:3: source: expected a non-empty string, got number 3" in message
    assert f"{path}:4: author: unknown key 'author'; valid keys: dataset, input, layers, name" in message
    assert "layers[0]: the first layer reads the input's 3 channels, got 4" in message


def test_wrong_types_and_sizes(tmp_path: Path) -> None:
    text = TINY.replace("in: 4, out: 8, kernel: 3", "in: 4.5, out: 8, kernel: [3, 3, 3]")
    text = text.replace("stride: 2", "stride: 0").replace("kernel: [4, 3]", "kernel: [5, 3]")
    text = text.replace("in: 8, out: 5", "in: '8', out: 5")
    message = problems_of(write(tmp_path, text))
    assert "layers[0].in: expected an integer, got 4.5" in message
    assert "layers[0].kernel: expected an integer or a list [height, width], got 3 items" in message
    assert "layers[1].stride: expected an integer >= 1, got 0" in message
    assert "layers[4].kernel: layer 'pool': kernel 5 is larger than the padded input H = 4+2*0" in message
    assert "layers[5].in: expected an integer, got string '8'" in message


def test_depthwise_groups_and_duplicates(tmp_path: Path) -> None:
    text = TINY.replace("kind: depthwise, in: 8, out: 8,", "kind: depthwise, in: 8, out: 8, groups: 4,")
    message = problems_of(write(tmp_path, text))
    assert "layers[2].groups: layer 'dw': a depthwise layer has groups = in (8), got 4" in message
    duplicate = write(tmp_path, TINY.replace("name: g1", "name: c1"), "dup.yaml")
    assert f"{duplicate}:7: layers[1].name: duplicate layer name 'c1'" in problems_of(duplicate)


def test_not_a_workload(tmp_path: Path) -> None:
    assert "expected a mapping" in problems_of(write(tmp_path, "- 1\n- 2\n"))
    empty = TINY.split("layers:")[0] + "layers: []\n"
    assert "layers: expected at least one layer" in problems_of(write(tmp_path, empty, "e.yaml"))
    only_adds = TINY.split("layers:")[0] + "layers:\n  - {name: a, kind: add, channels: 4, in_hw: [8, 6]}\n"
    assert "at least one conv, depthwise or fc layer" in problems_of(write(tmp_path, only_adds, "a.yaml"))
    assert "file not found" in problems_of(tmp_path / "missing.yaml")


def test_kinds_are_enums() -> None:
    net = load_workload("vgg7")
    assert net.layer("pool1").kind is LayerKind.POOL and net.layer("pool1").pool_op is PoolOp.MAX
    assert net.to_dataframe().set_index("layer").loc["fc1", "macs"] == 8192 * 1024


def test_workload_file_read_again_after_its_text_changes(tmp_path) -> None:
    """Parsed workload files are kept by their text (loader._parse_file): the same text gives the
    same workload, a changed file is read anew, and a file that fails fails on every read."""
    import hwcost.workloads.loader as loader_module

    path = tmp_path / "one.yaml"

    def write(out_channels: int) -> None:
        path.write_text(
            "name: one\ndataset: imagenet\ninput: {channels: 3, in_hw: 8}\nsource: a test\nlayers:\n"
            f"  - {{name: c, kind: conv, in: 3, out: {out_channels}, kernel: 3, padding: 1, in_hw: 8}}\n")

    write(16)
    first = load_workload(path)
    assert load_workload(path) == first and first.layers[0].out_channels == 16
    write(32)
    assert load_workload(path).layers[0].out_channels == 32  # 3 x 3 x 3 x 32 MACs per pixel, not 16
    path.write_text("name: one\nlayers: []\n")
    for _ in range(2):
        with pytest.raises(HwcostError):
            load_workload(path)
    assert loader_module._parse_file.cache_info().currsize <= 32
