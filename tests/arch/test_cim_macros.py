"""CIM macro count, weight reloads, leakage and power gating, cells: hand-computed expectations.

The two-layer workload below needs 3 macros at W8/A8 (lsq, not narrow: m = 8 bits per polarity):
fc1 N = 128 rows x 8 channels x 8 slices x 2 polarities = 128 columns -> 1 macro; fc2 N = 256 rows
-> 2 row groups -> 2 macros. Every expected number is derived in the comments from
docs/cim-model.md §2 and §6 and priced with the 45 nm library.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from hwcost.arch.cim_macro.cells import RRAM_OFF_OHM, RRAM_ON_OHM
from hwcost.arch.cim_macro.config import (CIM_MACRO_DEFAULTS, GATED_LEAKAGE_FRACTION, HARD_GATED_LEAKAGE_FRACTION, CellType,
                                          PowerGating)
from hwcost.evaluate import design_point, report_of
from hwcost.techlib import load_techlib

TWO = """\
name: two
dataset: cifar10
input: {channels: 128, in_hw: 1}
source: test workload
layers:
  - {name: fc1, kind: fc, in: 128, out: 8}
  - {name: fc2, kind: fc, in: 256, out: 8}
"""

LIB = load_techlib("45nm")
# One 128 x 128 macro of SRAM cells leaks as the library's SRAM law at its 2 KiB (port: 128 columns).
MACRO_LEAK_MW = float(LIB.leakage_mw("sram", capacity_bytes=2048, width_bits=128))
WEIGHT_BITS = (128 * 8 + 256 * 8) * 8  # weights x 8 bits
WRITTEN_CELLS = (128 + 256) * 128  # N x columns of each layer, 1 bit per cell


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wl") / "two.yaml"
    path.write_text(TWO)
    return path


def _report(two: Path, **arch: object):
    # on LIB, named explicitly: left open, the 150 MHz macro would get the clock rule's LP library
    return report_of(design_point("lsq", 8, arch=replace(CIM_MACRO_DEFAULTS, glb_banks=1, **arch), workload=two,
                                  node="45nm"))


def _rows(report) -> dict:
    return {r.unit: r for r in report.breakdown}


def test_three_macros_of_weights_on_two_macros_are_reloaded_every_inference(two: Path) -> None:
    fits, tight = _report(two, macros=3), _report(two, macros=2)
    s = dict(tight.settings)
    assert s["macros"] == 2 and s["macros_needed"] == 3 and s["weights_resident"] is False
    # Resident prefix: fc1 (1 macro) cannot stay, since fc2 (2 macros) needs both macros.
    assert s["resident_layers"] == "0 of 2" and s["weight_reload_from"] == "glb"
    assert dict(fits.settings)["resident_layers"] == "2 of 2" and "weight_writes" not in _rows(fits)
    rows = _rows(tight)
    assert rows["weight_writes"].actions == WRITTEN_CELLS
    per_bit = LIB.energy_pj("sram", "write", capacity_bytes=2048, width_bits=128) / 128
    assert rows["weight_writes"].energy_pj == pytest.approx(WRITTEN_CELLS * per_bit)
    # The reloaded weights are read from the GLB, 64 bits per access.
    assert rows["glb"].actions - _rows(fits)["glb"].actions == pytest.approx(WEIGHT_BITS / 64)
    # Cycles: S_a 8 input bits x ceil(128 conversions / 16 ADCs) = 64, plus 128 row writes; fc2's
    # 16,384 weight bits take 256 cycles on the GLB's 64-bit port.
    assert [layer.latency_cycles for layer in tight.layers] == [64 + 128, 16_384 / 64]
    assert [layer.latency_cycles for layer in fits.layers] == [64, 64]


def test_reload_from_dram_when_the_glb_cannot_hold_the_weights(two: Path) -> None:
    small = _report(two, macros=2, glb_kib=1)  # 8,192 bits < 24,576 weight bits
    assert dict(small.settings)["weight_reload_from"] == "dram"
    base = _report(two, macros=3, glb_kib=1)
    assert _rows(small)["dram"].actions - _rows(base)["dram"].actions == WEIGHT_BITS


def test_a_layer_larger_than_the_macros_runs_in_rounds(two: Path) -> None:
    # One macro: fc2's 2 macros run in 2 rounds, each written (128 cycles) and computed (64).
    one = _report(two, macros=1)
    assert [layer.latency_cycles for layer in one.layers] == [64 + 128, 2 * (64 + 128)]


def test_cell_leakage_is_the_sram_law_times_the_latency(two: Path) -> None:
    r = _report(two, macros=3)
    assert _rows(r)["cim_cells"].static_pj == pytest.approx(3 * MACRO_LEAK_MW * r.latency_s * 1e9)


def test_gated_idle_macros_leak_the_residual_fraction(two: Path) -> None:
    r = _report(two, macros=2, power_gating=PowerGating.IDLE)
    f = GATED_LEAKAGE_FRACTION
    t1, t2 = (layer.latency_cycles / (r.clock_mhz * 1e6) for layer in r.layers)
    # fc1 uses 1 of 2 macros, fc2 both: P (f M T + (1 - f) (1 t1 + 2 t2)).
    expected = MACRO_LEAK_MW * (f * 2 * r.latency_s + (1 - f) * (1 * t1 + 2 * t2)) * 1e9
    assert _rows(r)["cim_cells"].static_pj == pytest.approx(expected)
    ungated = _report(two, macros=2)
    assert _rows(ungated)["cim_cells"].static_pj == pytest.approx(2 * MACRO_LEAK_MW * ungated.latency_s * 1e9)
    assert GATED_LEAKAGE_FRACTION == pytest.approx(1 / 3)  # 'soft gating' 3x (IBM 2006)
    # The periphery (shift-add registers) holds nothing across an idle layer: hard-gated, 1/260.
    h = HARD_GATED_LEAKAGE_FRACTION
    share = (h * 2 * r.latency_s + (1 - h) * (1 * t1 + 2 * t2)) / (2 * ungated.latency_s)
    assert _rows(r)["shift_add"].static_pj == pytest.approx(share * _rows(ungated)["shift_add"].static_pj)
    assert h == pytest.approx(1 / 260) and _rows(ungated)["shift_add"].static_pj > 0


def test_sram_8t_and_10t_cells(two: Path) -> None:
    six, eight, ten = (_rows(_report(two, macros=3, cell=c)) for c in (CellType.SRAM_6T, CellType.SRAM_8T, CellType.SRAM_10T))
    dyn = {k: r["cim_cells"].energy_pj - r["cim_cells"].static_pj for k, r in (("6", six), ("8", eight), ("10", ten))}
    assert dyn["6"] == pytest.approx(six["cim_cells"].actions * LIB.energy_pj("cim_cell", cell="sram_6t"))
    # One read-bit-line drain per cell (8T) or two (10T, differential read port).
    assert dyn["8"] == pytest.approx(dyn["6"]) and dyn["10"] == pytest.approx(2 * dyn["6"])
    assert eight["cim_cells"].area_um2 == pytest.approx(six["cim_cells"].area_um2 * 8 / 6)
    assert ten["cim_cells"].area_um2 == pytest.approx(six["cim_cells"].area_um2 * 10 / 6)


def test_rram_read_voltage_and_pulse_width(two: Path) -> None:
    r = _rows(_report(two, macros=3, cell=CellType.RRAM_1T1R, rram_read_v=0.2, rram_read_pulse_ns=2.0))
    per_op_pj = 0.2**2 * 2e-9 * (1 / RRAM_ON_OHM + 1 / RRAM_OFF_OHM) / 2 * 1e12
    assert r["cim_cells"].energy_pj == pytest.approx(r["cim_cells"].actions * per_op_pj)
    assert r["cim_cells"].static_pj == 0.0  # non-volatile: no supply holds an unselected cell
    # NeuroSim's 0.5 V, 10 ns read is the library's 13.24 fJ.
    default = _rows(_report(two, macros=3, cell=CellType.RRAM_1T1R))["cim_cells"]
    assert default.energy_pj / default.actions == pytest.approx(LIB.energy_pj("cim_cell", cell="rram_1t1r"), rel=1e-3)


def test_rram_weights_are_rewritten_with_the_set_reset_energy(two: Path) -> None:
    r = _report(two, macros=2, cell=CellType.RRAM_1T1R)
    assert _rows(r)["weight_writes"].energy_pj == pytest.approx(WRITTEN_CELLS * 0.6)
    # A ReRAM row takes its 10 ns write pulse: ceil(10 ns x 150 MHz) = 2 cycles per row.
    assert r.layers[0].latency_cycles == 64 + 2 * 128


def test_the_peak_fills_every_macro() -> None:
    one, four = (report_of(design_point("lsq", 4, arch=replace(CIM_MACRO_DEFAULTS, macros=m), workload="peak"))
                 for m in (1, 4))
    assert four.macs == 4 * one.macs and four.latency_cycles == one.latency_cycles
    assert four.utilisation == pytest.approx(one.utilisation)


def test_defaults_are_published_values() -> None:
    assert CIM_MACRO_DEFAULTS.macros == 108  # PIMCA's macro count
    assert CIM_MACRO_DEFAULTS.clock_mhz == 150.0  # median of five published macros' cycles
    assert CIM_MACRO_DEFAULTS.power_gating is PowerGating.NONE


def test_digital_cim_cells_leak_and_reload_as_the_analog_macro(two: Path) -> None:
    from hwcost.arch.digital_cim.config import DIGITAL_CIM_DEFAULTS

    # 256 x 256 cells = 8 KiB: the SRAM law at 8 KiB (port 256 bits) per macro, times the latency,
    # on the peak's 4 macros (auto: its ideal layer's ceil(1024 / 256) row groups, ideal.py).
    peak = report_of(design_point("lsq", 4, arch=DIGITAL_CIM_DEFAULTS, workload="peak"))
    law = float(LIB.leakage_mw("sram", capacity_bytes=8192, width_bits=256))
    assert _rows(peak)["dcim_cells"].static_pj == pytest.approx(4 * law * peak.latency_s * 1e9)
    # 128 x 128 macros, 8-bit weights in 4-bit groups: fc1 8 channels x 2 groups x 4 bits = 64
    # columns, 1 macro; fc2 two row groups, 2 macros. On one macro nothing stays resident and both
    # layers reload their weights from the GLB.
    small = replace(DIGITAL_CIM_DEFAULTS, rows=128, cols=128, macros=1)
    s = dict(report_of(design_point("lsq", 8, arch=small, workload=two)).settings)
    assert s["macros"] == 1 and s["macros_needed"] == 3 and s["resident_layers"] == "0 of 2"
    assert s["weight_reload_from"] == "glb"


def test_vgg16_on_every_weight_resident_warns_and_the_default_chip_does_not(capsys: pytest.CaptureFixture[str]) -> None:
    from hwcost.cli import main
    from hwcost.report import AREA_WARNING_MM2

    assert main(["evaluate", "--arch", "cim", "--macros", "auto", "--scheme", "lsq", "--bits", "4", "--workload", "vgg16"]) == 0
    out, err = capsys.readouterr()
    assert "macros                69564 (69564 needed for every weight; all weights resident)" in out
    assert f"exceeds the {AREA_WARNING_MM2:.0f} mm2" in err and "(69564 macros)" in err and "below 1 %" in err
    assert main(["evaluate", "--arch", "cim", "--scheme", "lsq", "--bits", "4", "--workload", "vgg16"]) == 0
    out, err = capsys.readouterr()
    assert "macros                108 (69564 needed" in out and "reloaded from dram" in out and err == ""


def test_the_peak_keeps_its_activations_on_chip() -> None:
    # A 1152-row macro's ideal layer reads 1152 x 1024 inputs of 7 bits (8.3 Mb), more than the
    # 1 Mb GLB holds; the peak's layer stays on chip by definition, so nothing goes to DRAM.
    arch = replace(CIM_MACRO_DEFAULTS, rows=1152, cols=512, adc_share=1, macros=1)
    r = report_of(design_point("lsq", weight_bits=2, act_bits=7, arch=arch, workload="peak"))
    # DRAM carries only the per-channel tables of its 256 output channels (2 columns per 2-bit
    # weight pair): a few words each, not the 8.3 Mb of activations.
    dram_bits = _rows(r)["dram"].actions
    assert dram_bits % 256 == 0 and dram_bits / 256 <= 64
    assert r.memory_cycles < r.compute_cycles
