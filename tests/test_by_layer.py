"""Per-layer costs: every compute layer's energy and cycles, and the element-wise layers apart."""

from __future__ import annotations

import json

import pytest

import hwcost
from hwcost.cli import main
from hwcost.report import Category, Scope

LIB = hwcost.load_techlib("45nm")


def test_the_layers_and_the_element_wise_layers_add_up_to_the_total() -> None:
    report = hwcost.evaluate("lsq", 4)
    net = hwcost.load_workload("resnet20")
    assert [layer.name for layer in report.layers] == list(net.compute_arrays.names)
    assert [layer.macs for layer in report.layers] == [float(m) for m in net.compute_arrays.macs]
    # The element-wise layers, counted by hand: residual adds ((4 + 1)-bit additions), pooling,
    # and their operands read from and results written to the GLB at 4 bits on a 64-bit port of a
    # 32 KiB bank.
    rows = {r.unit: r for r in report.breakdown}
    adds_pools = rows["elementwise"].energy_pj - rows["elementwise"].static_pj  # its leakage is in `static`
    ew = [layer for layer in net.layers if layer.kind.value in ("add", "pool")]
    bank = dict(capacity_bytes=32 * 1024, width_bits=64)
    reads = sum(layer.input_elements for layer in ew) * 4 / 64
    writes = sum(layer.output_elements for layer in ew) * 4 / 64
    traffic = reads * LIB.energy_pj("sram", "read", **bank) + writes * LIB.energy_pj("sram", "write", **bank)
    # While they run (their outputs on the 16 lanes, one per lane per cycle at 1 GHz), the four
    # GLB banks and the 64 KiB accumulator buffer leak.
    outputs = sum(layer.output_elements for layer in ew)
    leak_mw = (4 * LIB.leakage_mw("sram", **bank) + LIB.leakage_mw("sram", capacity_bytes=64 * 1024, width_bits=256)
               + LIB.leakage_mw("sram", capacity_bytes=2 * 1024, width_bits=64))  # GLB, accumulator and input buffers
    # and the logic (PE grid, post-processing units), whose leakage the report's rows carry
    memories = ("glb", "acc_buffer", "input_buffer")
    leak_mw += sum(r.static_pj for r in report.breakdown if r.unit not in memories) / (report.latency_s * 1e9)
    static = leak_mw * (outputs / 16 / 1e9) * 1e9
    assert report.elementwise_energy_pj == pytest.approx(adds_pools + traffic + static, rel=1e-9)
    # The latency is the layers' plus the element-wise outputs on the 16 lanes.
    assert report.latency_cycles == pytest.approx(sum(layer.latency_cycles for layer in report.layers) + outputs / 16)


def test_a_layer_costs_its_own_macs_at_the_first_layer_bits() -> None:
    report = hwcost.evaluate("lsq", 4)
    first, second = report.layers[0], report.layers[1]
    mult = dict(first.energy_by_category)[Category.COMPUTE]
    # The first layer runs at 8 bits on 4-bit PEs: 4 passes, each priced as a 4x4 multiply.
    assert mult > 4 * first.macs * LIB.energy_pj("int_multiplier", a_bits=4, b_bits=4)
    assert second.energy_pj / second.macs < first.energy_pj / first.macs


def test_layers_narrow_with_the_scope() -> None:
    report = hwcost.evaluate("lsq", 4, workload="resnet18")
    array = report.at_scope(Scope.ARRAY)
    for whole, part in zip(report.layers, array.layers):
        cats = dict(part.energy_by_category)
        assert Category.DRAM not in cats and Category.ON_CHIP_MEMORY not in cats
        assert part.energy_pj < whole.energy_pj
    assert sum(layer.energy_pj for layer in array.layers) <= array.energy_pj


def test_cli_by_layer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--bits", "4", "--by-layer"]) == 0
    out = capsys.readouterr().out
    assert "layer1.0.conv1" in out and "element-wise layers" in out and "util %" in out
    assert main(["evaluate", "--bits", "4", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["layers"]) == len(hwcost.load_workload("resnet20").compute_arrays.names) == 22
    assert data["layers"][0]["name"] == "conv1"


def test_by_layer_frame_rows_sum_to_the_report() -> None:
    report = hwcost.evaluate("lsq", 4, workload="mobilenetv2")
    frame = report.by_layer()
    assert list(frame["layer"]) == [layer.name for layer in report.layers]
    # the compute layers and the element-wise remainder make up the total
    assert frame["energy_pj"].sum() + report.elementwise_energy_pj == pytest.approx(report.energy_pj, rel=1e-12)
    units = [r.unit for r in report.breakdown]
    unit_cols = [f"energy_pj.{u}" for u in units if f"energy_pj.{u}" in frame]
    # every layer's units add up to its energy ('dram' is a unit and a category of the same value)
    assert (frame[unit_cols].sum(axis=1) - frame["energy_pj"]).abs().max() <= 1e-9 * frame["energy_pj"].max()
    # summed over the layers, a unit whose actions all belong to compute layers (the multipliers) is the breakdown's
    mult = next(r for r in report.breakdown if r.unit == "mac_multiplier")
    static_outside = mult.static_pj * (1 - sum(frame["latency_cycles"]) / report.latency_cycles)
    assert frame["energy_pj.mac_multiplier"].sum() == pytest.approx(mult.energy_pj - static_outside, rel=1e-9)
    narrowed = report.at_scope(Scope.ARRAY).by_layer()
    assert "energy_pj.glb" not in narrowed and "energy_pj.dram" not in narrowed


def test_by_layer_csv_prints_one_row_per_layer(capsys: pytest.CaptureFixture[str]) -> None:
    import csv
    import io

    assert main(["evaluate", "--scheme", "lsq", "--bits", "4", "--by-layer", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    report = hwcost.evaluate("lsq", 4)
    assert [r["layer"] for r in rows] == [layer.name for layer in report.layers]
    assert sum(float(r["energy_pj"]) for r in rows) == pytest.approx(sum(x.energy_pj for x in report.layers))
    # without --by-layer the totals row has no list-valued 'layers' column
    assert main(["evaluate", "--scheme", "lsq", "--bits", "4", "--format", "csv"]) == 0
    assert "layers" not in capsys.readouterr().out.splitlines()[0].split(",")


def test_a_peak_report_has_no_element_wise_remainder(capsys: pytest.CaptureFixture[str]) -> None:
    # the ideal layer is the whole report: the remainder is exactly 0 (it printed -0.0 before)
    assert hwcost.evaluate("lsq", 4, workload="peak").elementwise_energy_pj == 0.0
    assert main(["evaluate", "--by-layer", "--peak"]) == 0
    assert "-0.0" not in capsys.readouterr().out
