"""Digital-CIM template: a tiny network counted by hand, the closed-form energy per MAC at the
peak, arch-file errors and sweeping beside the other templates (docs/digital-cim.md)."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from hwcost.arch.digital_cim.config import DIGITAL_CIM_DEFAULTS, DigitalCimConfig
from hwcost.arch.digital_cim.plan import adder_tree
from hwcost.arch.registry import load_arch
from hwcost.cli import main
from hwcost.evaluate import design_point, report_of, sweep
from hwcost.report import Scope
from hwcost.techlib import load_techlib

LIB = load_techlib("45nm")

TINY = """\
name: tiny_dcim
dataset: cifar10
input: {channels: 3, in_hw: 4}
source: test workload
layers:
  - {name: stem, kind: conv, in: 3, out: 8, kernel: 3, stride: 1, padding: 1, in_hw: 4, first: true}
  - {name: body, kind: conv, in: 8, out: 4, kernel: 1, stride: 1, padding: 0, in_hw: 4}
  - {name: fc, kind: fc, in: 64, out: 2, last: true}
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wl") / "tiny.yaml"
    path.write_text(TINY)
    return path


def _rows(report) -> dict:
    return {r.unit: r for r in report.breakdown}


# lsq W4/A4 (first/last layers at 8 b), a 16 x 16 macro with 4-bit weight groups (g = 4), P = 16:
#   body  N 8,  K 4, S_w 1, S_a 4: 4 trees, 16 columns, RG 1
#         gates 16*4*8*16 = 8,192; tree adds 16*4*4*(8-1) = 1,792; shift-acc 16*4*4*1 = 256
#   stem  N 27, K 8, S_w 2, S_a 8: 16 trees, 64 columns, RG 2 (16 + 11 rows), CT 4
#         gates 16*8*27*64 = 221,184; tree adds 16*8*16*(27-2) = 51,200; shift-acc 16*8*16*2 = 4,096
#         weight-group combines O*RG*(S_w-1) = 128*2*1 = 256; row-group adds O*(RG-1) = 128
#   fc    N 64, K 2, S_w 2, S_a 8, P 1: 4 trees, 16 columns, RG 4
#         gates 8*64*16 = 8,192; tree adds 8*4*(64-4) = 1,920; shift-acc 8*4*4 = 128
#         combines 2*4*1 = 8; row-group adds 2*3 = 6
GATES = 8_192 + 221_184 + 8_192
TREE_ADDS = 1_792 + 51_200 + 1_920
SHIFT_ACCS, COMBINES = 256 + 4_096 + 128, 256 + 8
ROW_GROUP_ADDS = 128 + 6


def _dynamic(row) -> float:
    """A row's energy without its leakage x latency (docs/cim-model.md §6)."""
    return row.energy_pj - row.static_pj


def test_tiny_network_counted_by_hand(tiny: Path) -> None:
    arch = replace(DIGITAL_CIM_DEFAULTS, rows=16, cols=16)
    report = report_of(design_point("lsq", 4, arch=arch, workload=tiny))
    r = _rows(report)
    assert r["bitwise_gates"].actions == GATES
    assert r["adder_trees"].actions == TREE_ADDS
    assert r["shift_accumulators"].actions == SHIFT_ACCS + COMBINES
    assert r["dcim_row_group_accumulator"].actions == ROW_GROUP_ADDS
    # input registers: every input element fed once, its bits loaded: body 16*8*4, stem 16*27*8, fc 64*8
    assert r["input_registers"].actions == 16 * 8 * 4 + 16 * 27 * 8 + 64 * 8
    # macros: body 1, stem RG 2 x CT 4 = 8, fc RG 4 = 4
    settings = dict(report.settings)
    assert settings["macros"] == settings["macros_needed"] == 13 and settings["weights_resident"]
    e_gate = LIB.energy_pj("logic_gate", gate="nor2")
    assert _dynamic(r["bitwise_gates"]) == pytest.approx(GATES * e_gate)
    tree = adder_tree(16, 4)  # 8 + 4 + 2 + 1 adders of 4, 5, 6, 7-bit operands
    assert tree.levels == ((8, 4), (4, 5), (2, 6), (1, 7)) and tree.adders == 15 and tree.output_bits == 8
    e_add = sum(n * LIB.energy_pj("int_adder", bits=b) for n, b in tree.levels) / 15
    assert _dynamic(r["adder_trees"]) == pytest.approx(TREE_ADDS * e_add)
    assert r["dcim_cells"].area_um2 == pytest.approx(13 * 256 * LIB.area_um2("cim_cell", cell="sram_6t"))


def test_adder_tree_of_an_odd_number_of_inputs() -> None:
    tree = adder_tree(5, 1)  # 5 -> 3 -> 2 -> 1: 2 + 1 + 1 adders
    assert tree.levels == ((2, 1), (1, 2), (1, 3)) and tree.adders == 4


@pytest.mark.parametrize("bits", [4, 8])
def test_energy_per_mac_at_the_peak_is_closed_form(bits: int) -> None:
    """Ideal layer: N = RG R = 4 x 256 rows (RG = ceil(1024 / R) row groups on as many auto macros,
    docs/cim-model.md §5), K = floor(C / (S_w g)) channels, P = 1024; per MAC
    gates S_a S_w g e_gate + trees S_a S_w E_tree / R + shift-acc S_a S_w e_sa / R
    + combines (S_w - 1) e_gc / R + input registers b_a e_reg / K."""
    arch = DIGITAL_CIM_DEFAULTS
    report = report_of(design_point("lsq", bits, arch=arch, workload="peak"))
    R, C, g = arch.rows, arch.cols, arch.weight_group_bits
    s_w, s_a = math.ceil(bits / g), bits
    K = C // (s_w * g)
    assert report.macs == 1024 * 4 * R * K and report.utilisation == pytest.approx(1.0)
    tree = adder_tree(R, g)
    e_tree = sum(n * LIB.energy_pj("int_adder", bits=b) for n, b in tree.levels)
    sa = tree.output_bits + bits  # g + log2 R + S_a
    gc = sa + (s_w - 1) * g

    def add_reg(b: int) -> float:
        return LIB.energy_pj("int_adder", bits=b) + LIB.energy_pj("register", bits=b)

    per_mac = {
        "bitwise_gates": s_a * s_w * g * LIB.energy_pj("logic_gate", gate="nor2"),
        "adder_trees": s_a * s_w * e_tree / R,
        "shift_accumulators": (s_a * s_w * add_reg(sa) + (s_w - 1) * add_reg(gc)) / R,
        "input_registers": bits * LIB.energy_pj("register", bits=1) / K,
    }
    rows = _rows(report)
    for unit, expected in per_mac.items():
        assert _dynamic(rows[unit]) / report.macs == pytest.approx(expected, rel=1e-9), unit
    array = report.at_scope(Scope.ARRAY)
    post = sum(_dynamic(r) for r in array.breakdown if r.unit not in per_mac)
    dynamic = array.energy_pj - array.static_energy_pj
    assert dynamic / report.macs == pytest.approx(sum(per_mac.values()) + post / report.macs)


def test_arch_file_and_alias(tmp_path: Path) -> None:
    assert load_arch("dcim") is load_arch("digital_cim") is DIGITAL_CIM_DEFAULTS
    path = tmp_path / "d.yaml"
    path.write_text("template: dcim\nrows: 128\ncols: 128\nweight_group_bits: 1\nmacros: 4\n")
    arch = load_arch(path)
    assert isinstance(arch, DigitalCimConfig)
    assert (arch.rows, arch.cols, arch.weight_group_bits, arch.macros) == (128, 128, 1, 4)


@pytest.mark.parametrize("text, line, key", [
    ("template: digital_cim\nrows: 256\nweight_grup_bits: 4\n", 3, "weight_grup_bits"),
    ("template: digital_cim\ncols: 250\n", 2, "cols"),
    ("template: dcim\nrows: 1\n", 2, "rows"),
    ("template: dcim\nmacros: many\n", 2, "macros"),
])
def test_bad_keys_exit_2_naming_file_line_and_key(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
                                                  line: int, key: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    assert main(["evaluate", "--arch-file", str(path), "--scheme", "lsq", "--bits", "4", "--peak"]) == 2
    err = capsys.readouterr().err
    assert f"bad.yaml:{line}: {key}" in err


def test_sweeps_beside_the_other_templates(tiny: Path) -> None:
    archs = ["mac_array", "cim", "dcim", replace(DIGITAL_CIM_DEFAULTS, rows=64, cols=64)]
    points = [design_point("lsq", 4, arch=a, workload=tiny) for a in archs]
    frame = sweep(points)
    assert len(frame) == 4
    # every digital-CIM point in the mixed sweep is priced as when evaluated alone
    for i in (2, 3):
        alone = report_of(points[i])
        assert frame["energy_pj"].iloc[i] == pytest.approx(alone.energy_pj)
        assert frame["tops_per_w@array"].iloc[i] == pytest.approx(alone.at_scope(Scope.ARRAY).tops_per_w)
    assert np.isfinite(frame["energy_pj"]).all()
