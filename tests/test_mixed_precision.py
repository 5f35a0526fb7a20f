"""Per-layer mixed precision: a network with three precision classes (first/last W8/A8, body
W4/A4, one layer of its own at W2/A2) priced against hand arithmetic and against the same network
priced uniformly at each class's bits on hardware of the same size; workload files with per-layer
bits; the study's precision-map axis."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import hwcost
from hwcost.arch.digital_cim.config import DigitalCimConfig
from hwcost.arch.shared.cache import CostCache
from hwcost.cli import main
from hwcost.evaluate import _evaluate_group, design_point
from hwcost.study.grid import expand
from hwcost.study.loader import load_study
from hwcost.workloads import Layer, LayerKind, Workload, load_workload
from hwcost.workloads.layer import LayerPrecision

LIB = hwcost.load_techlib("45nm")
MACS = 8 * 8 * 16 * 144  # per layer: 8x8 outputs x 16 channels x N = 16 x 3 x 3
# The MAC array without an accumulator buffer: its port (a row of C partial sums at the widest
# accumulator) is the one part whose per-access price depends on the widest class it runs.
ARCH = hwcost.MacArrayConfig(acc_buffer_kib=0)


def _net(precisions: list[LayerPrecision | None]) -> Workload:
    """Four equal 3x3 convolutions (N = 144 everywhere, so every class's accumulator is sized for
    the same reduction); no element-wise layer."""
    conv = dict(kind=LayerKind.CONV, in_channels=16, out_channels=16, input_hw=(8, 8), kernel_hw=(3, 3),
                padding_hw=(1, 1))
    layers = tuple(Layer(f"c{i}", is_first=i == 0, is_last=i == 3, precision=p, **conv)  # type: ignore[arg-type]
                   for i, p in enumerate(precisions))
    return Workload("four", "none", (16, 8, 8), "test", layers)


MIXED = _net([None, None, LayerPrecision(2, 2), None])  # lsq 4 bits, first/last 8: classes 8 | 4 | 2 | 8
LAYER_BITS = (8, 4, 2, 8)


def _dynamic_by_layer(point: hwcost.DesignPoint) -> tuple[np.ndarray, np.ndarray]:
    """Each layer's dynamic energy (every term over its per-layer counts, no leakage) and cycles."""
    cache = CostCache()
    cost = _evaluate_group([point], cache)
    t = cache.tables(point.workload)
    energy = np.zeros(len(t.layer_names))
    for row in cost.plans[0].rows:
        for term in row.terms:
            if term.count in cost.per_layer and not term.static:
                counts = np.broadcast_to(cost.per_layer[term.count], (1, len(energy)))[0]
                energy += term.per_layer(t.layer_class, t.n_classes) * counts
    return energy, cost.layer_latency_cycles[0]


def test_each_layer_costs_what_it_costs_in_the_uniform_run_at_its_bits() -> None:
    mixed, cycles = _dynamic_by_layer(design_point("lsq", 4, arch=ARCH, workload=MIXED))
    for bits in (2, 4, 8):
        # every layer at `bits` on the same 4-bit PEs (the scheme's own bits size them)
        uniform, uniform_cycles = _dynamic_by_layer(
            design_point("lsq", 4, arch=ARCH, workload=_net([LayerPrecision(bits, bits)] * 4)))
        for i, b in enumerate(LAYER_BITS):
            if b == bits:
                assert mixed[i] == pytest.approx(uniform[i], rel=1e-12), f"layer c{i} at {bits} bits"
                assert cycles[i] == uniform_cycles[i]


def test_three_classes_against_hand_arithmetic() -> None:
    report = hwcost.evaluate("lsq", 4, arch=ARCH, workload=MIXED)
    assert [l.bits for l in report.layers] == ["W8/A8", "W4/A4", "W2/A2", "W8/A8"]
    assert [l.precision_class for l in report.layers] == ["first/last", "body", "class 2", "first/last"]
    rows = {r.unit: r for r in report.breakdown}

    def dynamic(unit: str) -> float:
        return rows[unit].energy_pj - rows[unit].static_pj

    # multiplies on the 4-bit PEs: an 8-bit layer takes 2 x 2 bit-slice passes, a 4- or 2-bit one 1
    e_mul = LIB.energy_pj("int_multiplier", a_bits=4, b_bits=4)
    assert dynamic("mac_multiplier") == pytest.approx(MACS * (4 + 1 + 1 + 4) * e_mul, rel=1e-12)
    # one accumulation per MAC at the class's width b_w + b_a + ceil(log2 144): 24, 16 and 12 bits
    e_acc = {b: LIB.energy_pj("int_adder", bits=2 * b + 8) for b in (2, 4, 8)}
    assert dynamic("accumulator") == pytest.approx(MACS * sum(e_acc[b] for b in LAYER_BITS), rel=1e-12)
    # the 8-bit layers' 4 partial products meet in 3 shift-adds per MAC at the 16-bit product width
    e_sa = LIB.energy_pj("int_adder", bits=16) + LIB.energy_pj("register", bits=16)
    assert dynamic("shift_add") == pytest.approx(2 * MACS * 3 * e_sa, rel=1e-12)
    # no element-wise layer: the layers hold every joule (leakage over their cycles included)
    assert sum(l.energy_pj for l in report.layers) == pytest.approx(report.energy_pj, rel=1e-12)
    assert sum(l.latency_cycles for l in report.layers) == pytest.approx(report.latency_cycles, rel=1e-12)


@pytest.mark.parametrize("arch", [hwcost.CimMacroConfig(), DigitalCimConfig()], ids=["cim_macro", "digital_cim"])
def test_the_cim_templates_price_every_class(arch: object) -> None:
    report = hwcost.evaluate("lsq", 4, arch=arch, workload=MIXED)
    assert [l.bits for l in report.layers] == ["W8/A8", "W4/A4", "W2/A2", "W8/A8"]
    assert sum(l.energy_pj for l in report.layers) == pytest.approx(report.energy_pj, rel=1e-12)
    per_layer = [l.energy_pj for l in report.layers]
    # the same shapes: fewer bits, fewer bit-serial cycles and cell operations
    assert per_layer[2] < per_layer[1] < per_layer[0]


def test_a_workload_file_gives_layers_their_bits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "net.yaml"
    path.write_text("""name: mixed
dataset: none
input: {channels: 16, in_hw: 8}
source: test
layers:
  - {name: c0, kind: conv, in: 16, out: 16, kernel: 3, in_hw: 8, padding: 1}
  - {name: c1, kind: conv, in: 16, out: 16, kernel: 3, in_hw: 8, padding: 1}
  - {name: c2, kind: conv, in: 16, out: 16, kernel: 3, in_hw: 8, padding: 1, weight_bits: 2, act_bits: 2}
  - {name: c3, kind: conv, in: 16, out: 16, kernel: 3, in_hw: 8, padding: 1}
""")
    from_file = hwcost.evaluate("lsq", 4, arch=ARCH, workload=load_workload(path))
    assert from_file.energy_pj == pytest.approx(hwcost.evaluate("lsq", 4, arch=ARCH, workload=MIXED).energy_pj, rel=1e-12)
    assert main(["evaluate", "--scheme", "lsq", "--bits", "4", "--workload", str(path), "--by-layer"]) == 0
    out = capsys.readouterr().out
    assert "bits" in out and "class" in out and "W2/A2  class 2" in out
    # a scheme of its own, named by preset
    path.write_text(path.read_text().replace("weight_bits: 2, act_bits: 2", "weight_bits: 2, act_bits: 2, scheme: pot"))
    report = hwcost.evaluate("lsq", 4, arch=ARCH, workload=load_workload(path))
    assert report.layers[2].bits == "W2/A2" and report.energy_pj != from_file.energy_pj
    # bad bits and unknown schemes name file, line and key
    path.write_text(path.read_text().replace("weight_bits: 2, act_bits: 2, scheme: pot", "weight_bits: 0, scheme: nope"))
    assert main(["evaluate", "--workload", str(path)]) == 2
    err = capsys.readouterr().err
    assert "net.yaml:8: layers[2].weight_bits: expected an integer >= 1" in err
    assert "net.yaml:8: layers[2].scheme" in err and "nope" in err


def test_a_study_sweeps_precision_maps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "study.yaml"
    path.write_text("""name: maps
schemes: [lsq]
bits: [4, 8]
archs: [{template: mac_array, name: mac}]
nodes: [45nm]
workloads: [mobilenetv2]
precision:
  - {name: dw8, first_last: 8, depthwise: 8, rest: 4}
  - {name: dw-w8a4, depthwise: [8, 4]}
objectives: [{minimise: energy_pj}, {minimise: area_um2}]
""")
    spec = load_study(path)
    grid = expand(spec)
    # dw8 fixes the body at 4 bits (the bits axis collapses to one point); dw-w8a4 keeps both bits
    names = [(g.point.workload.name, g.point.scheme.weights.bits) for g in grid.points]
    assert names == [("mobilenetv2[dw8]", 4), ("mobilenetv2[dw-w8a4]", 4), ("mobilenetv2[dw-w8a4]", 8)]
    point = grid.points[0].point
    dw = [l for l in point.workload.compute_layers if l.kind is LayerKind.DEPTHWISE]
    assert dw and all(l.precision == LayerPrecision(8, 8) for l in dw)
    report = hwcost.report_of(point)
    assert {l.bits for l, layer in zip(report.layers, point.workload.compute_layers)
            if layer.kind is LayerKind.DEPTHWISE} == {"W8/A8"}
    # with an accuracy section the maps are refused: the accuracy side trains uniform precision
    path.write_text(path.read_text().replace("objectives:", "accuracy: {table: nope.csv}\nobjectives:"))
    assert main(["study", "run", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "study.yaml:7: precision: per-layer precision maps are priced, not trained" in capsys.readouterr().err


def test_a_preset_at_bits_it_refuses_names_the_layer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "net.yaml"
    path.write_text("""name: one
dataset: none
input: {channels: 16, in_hw: 8}
source: test
layers:
  - {name: c0, kind: conv, in: 16, out: 16, kernel: 3, in_hw: 8, padding: 1}
  - {name: c1, kind: conv, in: 16, out: 16, kernel: 3, in_hw: 8, padding: 1, weight_bits: 1, scheme: asymmetric}
""")
    assert main(["evaluate", "--workload", str(path)]) == 2
    assert "net.yaml:7: layers[1].scheme: asymmetric at these bits:" in capsys.readouterr().err
