"""Workload sizes are limited at load, so no count overflows 64-bit arithmetic downstream."""

from __future__ import annotations

from pathlib import Path

import pytest

from hwcost.errors import HwcostError
from hwcost.workloads import load_workload
from hwcost.workloads.loader import MAX_CHANNELS, MAX_LAYER_COUNT, MAX_SPATIAL, MAX_TOTAL_MACS

NET = """\
name: limits
dataset: toy
input: {channels: 3, in_hw: 32}
source: test
layers:
  - {name: c1, kind: conv, in: 3, out: 16, kernel: 3, padding: 1, in_hw: 32}
  - {name: fc, kind: fc, in: 16, out: 10}
"""


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "net.yaml"
    path.write_text(text)
    with pytest.raises(HwcostError) as info:
        load_workload(path)
    assert all(p.file == str(path) for p in info.value.problems)
    return [f"{p.line}: {p.key}: {p.message}" for p in info.value.problems]


def test_the_fixture_loads(tmp_path: Path) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(NET)
    assert load_workload(path).total_macs == 32 * 32 * 16 * 27 + 160


def test_an_integer_of_2_to_the_63_is_refused_naming_key_and_line(tmp_path: Path) -> None:
    problems = _problems(tmp_path, NET.replace("out: 16, kernel", f"out: {2**63}, kernel"))
    assert problems == [f"6: layers[0].out: expected an integer <= {MAX_CHANNELS}, got a 19-digit integer"]


def test_in_hw_of_1e300_is_refused(tmp_path: Path) -> None:
    problems = _problems(tmp_path, NET.replace("padding: 1, in_hw: 32}", "padding: 1, in_hw: 1.0e+300}"))
    assert problems == [f"6: layers[0].in_hw: expected an integer <= {MAX_SPATIAL}, got 1e+300"]


def test_a_layer_whose_counts_exceed_the_limit_is_refused(tmp_path: Path) -> None:
    big = NET.replace("in_hw: 32}", "in_hw: 60000}").replace("in_hw: 32", "in_hw: 60000") \
        .replace("in: 3, out: 16", "in: 3, out: 1000000").replace("in: 16, out: 10", "in: 1000000, out: 10")
    problems = _problems(tmp_path, big)
    macs = 60000 * 60000 * 1000000 * 27
    assert problems[0] == (f"6: layers[0]: layer 'c1' has {macs:.3g} MACs; the limit is 2^48 = "
                           f"{MAX_LAYER_COUNT:.3g} per layer (so that counts stay exact)")


def test_layers_that_add_up_beyond_the_limit_are_refused(tmp_path: Path) -> None:
    # each layer: 8192 x 8192 pixels x 256 x 256 channels x 9 = 3.96e13 MACs, under the per-layer limit
    layer = "  - {{name: c{i}, kind: conv, in: 256, out: 256, kernel: 3, padding: 1, in_hw: 8192}}\n"
    text = ("name: many\ndataset: toy\ninput: {channels: 256, in_hw: 8192}\nsource: test\nlayers:\n"
            + "".join(layer.format(i=i) for i in range(240)))
    problems = _problems(tmp_path, text)
    total = 240 * 8192 * 8192 * 256 * 256 * 9
    assert total > MAX_TOTAL_MACS
    assert problems == [f"5: layers: the layers add up to {total:.3g} MACs; the limit is 2^53 = "
                        f"{MAX_TOTAL_MACS:.3g} per network (so that counts stay exact)"]
