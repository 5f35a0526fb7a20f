"""Scopes (array, core, system) and the peak condition (an ideal layer that maps perfectly)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import hwcost
import hwcost.arch.mac_array.config
from hwcost.cli import main
from hwcost.errors import HwcostError
from hwcost.report import Condition, Scope


def test_scopes_nest_and_each_counts_its_own_rows() -> None:
    report = hwcost.evaluate("lsq+", 4)
    by_row = {r.unit: r.energy_pj for r in report.breakdown}
    array, core = report.at_scope(Scope.ARRAY), report.at_scope(Scope.CORE)
    assert core.energy_pj == pytest.approx(report.energy_pj - by_row["dram"])
    on_chip = by_row["glb"] + by_row["acc_buffer"] + by_row["input_buffer"] + by_row["noc"]
    assert array.energy_pj == pytest.approx(core.energy_pj - on_chip)
    assert {r.unit for r in array.breakdown} == set(by_row) - {"glb", "acc_buffer", "input_buffer", "noc", "dram"}
    assert array.tops_per_w > core.tops_per_w > report.tops_per_w
    assert array.latency_cycles == report.latency_cycles  # latency is the design's at every scope
    with pytest.raises(ValueError):
        array.at_scope(Scope.CORE)


def fill_drain_utilisation(streamed: int, rows: int, cols: int) -> float:
    """A fold streams T values and takes T + 2R + C - 2 cycles (SCALE-Sim, Samajdar et al. 2020)."""
    return streamed / (streamed + 2 * rows + cols - 2)


def test_peak_on_the_mac_array_is_one_ideal_layer_at_full_utilisation() -> None:
    lib = hwcost.load_techlib("45nm")
    report = hwcost.evaluate("lsq", 8, workload="peak")
    assert report.condition is Condition.PEAK and report.workload == "peak"
    # 16 x 16 PEs, a 1x1 convolution of 1024 input and 16 output channels over 1024 pixels:
    # 64 reduction tiles, each a fold streaming the 1024 pixels.
    assert report.macs == 1024 * 16 * 1024
    assert report.utilisation == pytest.approx(fill_drain_utilisation(1024, 16, 16))
    assert report.latency_cycles == 64 * (1024 + 46)
    rows = {r.unit: r for r in report.breakdown}
    mac = rows["mac_multiplier"]
    assert mac.energy_pj - mac.static_pj == pytest.approx(lib.energy_pj("int_multiplier", a_bits=8, b_bits=8) * report.macs)
    # No element-wise layers, and the layer's activations stay on chip: DRAM carries the weights
    # (1024 x 16 at 8 bits) and the per-channel tables only; the partial sums of the 64 reduction
    # tiles stay in the accumulator buffer (1024 pixels x 16 columns fit in 64 KiB).
    assert rows["elementwise"].actions == 0
    assert 1024 * 16 * 8 <= rows["dram"].actions < 1024 * 16 * 8 + 16 * 32 * 4
    assert rows["acc_buffer"].actions > 0 and rows["glb"].actions < report.macs / 16


@pytest.mark.parametrize("dataflow", ["weight_stationary", "output_stationary"])
def test_peak_is_full_utilisation_in_both_dataflows_and_any_geometry(dataflow: str) -> None:
    arch = hwcost.MacArrayConfig(pe_rows=12, pe_cols=14, dataflow=hwcost.Dataflow(dataflow))
    report = hwcost.evaluate("lsq", 4, arch=arch, workload="peak")
    # WS streams 1024 pixels through each of 86 reduction tiles (1032 = 86 x 12 input channels);
    # OS a 1024-long reduction through one pixel tile of 12 pixels.
    assert report.utilisation == pytest.approx(fill_drain_utilisation(1024, 12, 14))
    assert report.macs == (1032 * 14 * 1024 if dataflow == "weight_stationary" else 1024 * 14 * 12)


# The default CIM design's peak (docs/cim-model.md §5): the ideal layer's reduction spans RG = 9 row
# groups (the smallest divisor of 108 macros >= 1024 / 128) on 9 x 12 macros, each busy 1024 pixels
# x S_a 4 x ceil(128 / 16 ADCs) = 32,768 cycles, while the 16 post-processing lanes take
# 12 x 16 x 1024 / 16 = 12,288 cycles for the outputs: the macros bind, utilisation 1.
CIM_PEAK_UTILISATION = min(1.0, (1024 * 4 * 8) / (12 * 16 * 1024 / 16))


def test_peak_on_the_cim_macro_fills_its_columns() -> None:
    # 4-bit weights, differential pairs of 4-bit magnitudes on 1-bit cells: 8 columns per output
    # channel, so 16 channels fill the 128 columns of each macro; a 9 x 128-row reduction spans 9
    # macros, 12 column tiles of 16 channels fill the 108.
    report = hwcost.evaluate("lsq", 4, arch="cim", workload="peak")
    assert report.macs == (9 * 128) * (12 * 16) * 1024
    assert report.utilisation == pytest.approx(CIM_PEAK_UTILISATION)
    assert dict(report.settings)["max_row_groups"] == 9
    from dataclasses import replace

    from hwcost.arch.cim_macro.config import CIM_MACRO_DEFAULTS

    single = hwcost.evaluate("lsq", 4, arch=replace(CIM_MACRO_DEFAULTS, macros=1), workload="peak")
    assert single.macs == 128 * 16 * 1024 and single.utilisation == pytest.approx(1.0)


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
    assert data["utilisation"] == pytest.approx(CIM_PEAK_UTILISATION if arch == "cim" else fill_drain_utilisation(1024, 16, 16))
    assert main(["evaluate", "--arch", arch, "--bits", "4", "--scope", "core", "--peak"]) == 0
    assert "peak: ideal layer" in capsys.readouterr().out.splitlines()[0]


def test_cli_peak_with_a_workload_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--peak", "--workload", "resnet18"]) == 2
    err = capsys.readouterr().err
    assert "--workload" in err and "--peak" in err and "Traceback" not in err


def test_an_efficiency_of_a_zero_total_is_a_clear_error_not_a_zero_division(tmp_path: Path) -> None:
    # every unit pinned at 0 pJ: at array scope nothing leaks, so the energy is exactly 0
    units = [u.value for u in hwcost.arch.mac_array.config.PINNABLE_UNITS]
    arch = tmp_path / "zero.yaml"
    arch.write_text("template: mac_array\npinned:\n" + "".join(
        f"  {u}: {{energy_pj: 0, area_um2: 0, source: test}}\n" for u in units))
    report = hwcost.evaluate("lsq", 8, arch=hwcost.load_arch(arch)).at_scope(Scope.ARRAY)
    assert report.energy_pj == 0.0 and report.macs > 0
    with pytest.raises(HwcostError, match=r"^tops_per_w: the energy is 0 for lsq W8/A8 on mac_array, 45nm, resnet20 "
                                          r"\(scope array\), so the ratio is not a finite number$"):
        report.tops_per_w
    with pytest.raises(HwcostError, match=r"^tops_per_mm2: the area is 0"):
        report.tops_per_mm2


def test_a_report_gives_its_compute_and_memory_cycles() -> None:
    report = hwcost.evaluate("lsq", 4)
    assert report.compute_cycles is not None and report.memory_cycles is not None
    # a layer takes the slowest of its array and its memories: the latency bounds both sums
    assert 0 < report.compute_cycles <= report.latency_cycles
    assert 0 < report.memory_cycles <= report.latency_cycles
    # 16 x 16 PEs cannot do 256 MACs a cycle for more than every cycle of the array
    assert report.macs <= 256 * report.compute_cycles
    assert report.as_dict()["compute_cycles"] == report.compute_cycles


def test_a_design_left_without_a_node_gets_devices_consistent_with_its_clock() -> None:
    from hwcost.design_point import default_node, design_point

    # LP's reference path at 45 nm is 3.39 ns (hwcost/techlib/flavour.py): it meets 150 MHz, not 1 GHz
    assert default_node(150.0) == "45nm-lp" and default_node(1000.0) == "45nm"
    assert design_point("lsq", 4, arch="cim").techlib.name == "45nm-lp"
    assert design_point("lsq", 4).techlib.name == "45nm"
    # a node named explicitly is used as it is
    assert design_point("lsq", 4, arch="cim", node="45nm").techlib.name == "45nm"
