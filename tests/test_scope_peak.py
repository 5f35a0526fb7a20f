"""Scopes (array, core, system) and the peak condition (an ideal layer that maps perfectly)."""

from __future__ import annotations

import json

import pytest

import hwcost
from hwcost.cli import main
from hwcost.report import Condition, Scope


def test_scopes_nest_and_each_counts_its_own_rows() -> None:
    report = hwcost.evaluate("lsq+", 4)
    by_row = {r.unit: r.energy_pj for r in report.breakdown}
    array, core = report.at_scope(Scope.ARRAY), report.at_scope(Scope.CORE)
    assert core.energy_pj == pytest.approx(report.energy_pj - by_row["dram"])
    assert array.energy_pj == pytest.approx(core.energy_pj - by_row["glb"])
    assert {r.unit for r in array.breakdown} == set(by_row) - {"glb", "dram"}
    assert array.tops_per_w > core.tops_per_w > report.tops_per_w
    assert array.latency_cycles == report.latency_cycles  # latency is the design's at every scope
    with pytest.raises(ValueError):
        array.at_scope(Scope.CORE)


def test_peak_on_the_mac_array_is_one_ideal_layer_at_full_utilisation() -> None:
    lib = hwcost.load_techlib("45nm")
    report = hwcost.evaluate("lsq", 8, workload="peak")
    assert report.condition is Condition.PEAK and report.workload == "peak"
    # 16 x 16 PEs, a 1x1 convolution of 16 input and 16 output channels over 1024 pixels.
    assert report.macs == 16 * 16 * 1024
    assert report.utilisation == pytest.approx(1.0)
    assert report.latency_cycles == 1024
    rows = {r.unit: r for r in report.breakdown}
    assert rows["mac_multiplier"].energy_pj == pytest.approx(lib.energy_pj("int_multiplier", a_bits=8, b_bits=8) * report.macs)
    # No element-wise layers, and the layer's activations stay on chip: DRAM carries the weights
    # (16 x 16 at 8 bits) and the per-channel tables only.
    assert rows["elementwise"].actions == 0
    assert rows["dram"].actions >= 16 * 16 * 8
    assert rows["dram"].actions < 16 * 16 * 8 + 16 * 32 * 4


@pytest.mark.parametrize("dataflow", ["weight_stationary", "output_stationary"])
def test_peak_is_full_utilisation_in_both_dataflows_and_any_geometry(dataflow: str) -> None:
    arch = hwcost.MacArrayConfig(pe_rows=12, pe_cols=14, dataflow=hwcost.Dataflow(dataflow))
    report = hwcost.evaluate("lsq", 4, arch=arch, workload="peak")
    assert report.utilisation == pytest.approx(1.0)
    assert report.macs == 12 * 14 * 12 * 86  # 1024 pixels rounded up to a multiple of 12 rows


def test_peak_on_the_cim_macro_fills_its_columns() -> None:
    # 4-bit weights, differential pairs of 4-bit magnitudes on 1-bit cells: 8 columns per output
    # channel, so 16 channels fill the 128 columns; 128 rows hold one reduction.
    report = hwcost.evaluate("lsq", 4, arch="cim", workload="peak")
    assert report.macs == 128 * 16 * 1024
    assert report.utilisation == pytest.approx(1.0)
    assert dict(report.settings)["max_row_groups"] == 1


def test_sweep_has_the_scope_columns_and_peak_points() -> None:
    points = [hwcost.design_point("lsq", 4, workload=w, arch=a) for w in ("peak", "resnet20") for a in ("mac_array", "cim")]
    frame = hwcost.sweep(points)
    for i, point in enumerate(points):
        single = hwcost.report_of(point)
        assert frame["tops_per_w"][i] == pytest.approx(single.tops_per_w)
        assert frame["tops_per_w@array"][i] == pytest.approx(single.at_scope(Scope.ARRAY).tops_per_w)
        assert frame["tops_per_w@core"][i] == pytest.approx(single.at_scope(Scope.CORE).tops_per_w)
    assert list(frame["workload"]) == ["peak", "peak", "resnet20", "resnet20"]


@pytest.mark.parametrize("arch", ["mac_array", "cim"])
def test_cli_scope_and_peak(arch: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--arch", arch, "--bits", "4", "--scope", "array", "--peak", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["scope"] == "array" and data["condition"] == "peak" and data["workload"] == "peak"
    assert {row["category"] for row in data["breakdown"]}.isdisjoint({"on-chip memory", "dram"})
    assert data["utilisation"] == pytest.approx(1.0)
    assert main(["evaluate", "--arch", arch, "--bits", "4", "--scope", "core", "--peak"]) == 0
    assert "peak: ideal layer" in capsys.readouterr().out.splitlines()[0]


def test_cli_peak_with_a_workload_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--peak", "--workload", "resnet18"]) == 2
    err = capsys.readouterr().err
    assert "--workload" in err and "--peak" in err and "Traceback" not in err
