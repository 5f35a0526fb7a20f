"""MAC array: bit-slice passes combined by shift-adds, the accumulator at each layer's width, the PE
grid's leakage and its power gating, each against a hand count from the library."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import hwcost
from hwcost.arch.gating import PowerGating
from hwcost.arch.mac_array.plan import HARD_GATED_RESIDUAL, RETENTIVE_GATED_RESIDUAL
from hwcost.cli import main

LIB = hwcost.load_techlib("45nm")
NET = hwcost.load_workload("resnet20").compute_arrays
EDGE = NET.is_first_or_last
BODY_MACS, EDGE_MACS = float(NET.macs[~EDGE].sum()), float(NET.macs[EDGE].sum())


def _rows(report: hwcost.CostReport) -> dict[str, hwcost.BreakdownRow]:
    return {r.unit: r for r in report.breakdown}


def _dynamic(row: hwcost.BreakdownRow) -> float:
    return row.energy_pj - row.static_pj


def _acc_bits(n: int, bits: int) -> int:
    return hwcost.classify(hwcost.get_scheme("lsq").with_bits(bits, bits), n).accumulator_bits


def test_edge_layers_on_a_narrow_pe_accumulate_once_per_mac_after_shift_adds() -> None:
    # W4/A4 PEs; the 8-bit first/last layers take 2 x 2 = 4 passes per MAC.
    r = _rows(hwcost.evaluate("lsq", 4))
    acc_body, acc_edge = _acc_bits(576, 4), _acc_bits(64, 8)  # each class's longest reduction
    add = lambda b: LIB.energy_pj("int_adder", bits=b)  # noqa: E731
    reg = lambda b: LIB.energy_pj("register", bits=b)  # noqa: E731
    assert _dynamic(r["accumulator"]) == pytest.approx(BODY_MACS * add(acc_body) + EDGE_MACS * add(acc_edge))
    # 3 shift-adds per edge MAC at the 16-bit product width, each into a 16-bit register
    assert r["shift_add"].actions == 3 * EDGE_MACS
    assert _dynamic(r["shift_add"]) == pytest.approx(3 * EDGE_MACS * (add(16) + reg(16)))
    # registers: the 4-bit input register every pass, the accumulator register once per MAC,
    # the 4-bit weight register per weight-slice load
    ops = BODY_MACS + 4 * EDGE_MACS
    weight_loads = r["pe_registers"].actions - ops - (BODY_MACS + EDGE_MACS)
    expected = ops * reg(4) + BODY_MACS * reg(acc_body) + EDGE_MACS * reg(acc_edge) + weight_loads * reg(4)
    assert _dynamic(r["pe_registers"]) == pytest.approx(expected)


def test_without_wider_layers_there_is_no_shift_add() -> None:
    r = _rows(hwcost.evaluate("lsq", 8))
    assert "shift_add" not in r


def test_each_layers_partial_sums_move_at_its_own_accumulator_width() -> None:
    from hwcost.arch.mac_array.template import _layer_acc_bits
    from hwcost.arch.shared.bom import classify_body_edge
    from hwcost.arch.shared.cache import CostCache
    from hwcost.arch.shared.tables import workload_tables
    from hwcost.arch.mac_array.plan import plan_mac_array

    scheme = hwcost.get_scheme("lsq").with_bits(4, 4)
    tables = workload_tables(hwcost.load_workload("resnet20"))
    pricer = CostCache().pricer(LIB)
    plan = plan_mac_array(scheme, hwcost.MacArrayConfig(), pricer, tables, classify_body_edge(scheme, tables))
    got = _layer_acc_bits([plan], tables, np.array([[False]]))[0]
    # the classifier's width for each layer's own reduction: 8-bit edge layers, 4-bit body layers
    expected = [_acc_bits(int(n), 8 if e else 4) for n, e in zip(NET.reduction_length, EDGE)]
    assert got.tolist() == expected


def test_the_pe_grid_leaks_its_units_leakage_over_the_latency() -> None:
    report = hwcost.evaluate("lsq", 4)
    r = _rows(report)
    seconds = report.latency_s
    mult = 256 * LIB.leakage_mw("int_multiplier", a_bits=4, b_bits=4)
    regs = 256 * LIB.leakage_mw("register", bits=4 + 22 + 4)  # input, accumulator (widest), weight
    assert r["mac_multiplier"].static_pj == pytest.approx(mult * seconds * 1e9)
    assert r["pe_registers"].static_pj == pytest.approx(regs * seconds * 1e9)


def test_power_gating_leaves_the_residual_in_idle_cycles() -> None:
    plain = hwcost.evaluate("lsq", 4)
    gated = hwcost.evaluate("lsq", 4, arch=hwcost.MacArrayConfig(power_gating=PowerGating.IDLE))
    assert HARD_GATED_RESIDUAL == pytest.approx(1 / 260) and RETENTIVE_GATED_RESIDUAL == pytest.approx(1 / 3)
    for unit, residual, leak_mw in (
        ("mac_multiplier", 1 / 260, 256 * LIB.leakage_mw("int_multiplier", a_bits=4, b_bits=4)),
        ("pe_registers", 1 / 3, 256 * LIB.leakage_mw("register", bits=4 + 22 + 4)),
    ):
        p, g = _rows(plain)[unit], _rows(gated)[unit]
        # static: the residual over the whole latency, and the rest while computing, for one 1 ns
        # cycle per PE operation (the MACs with their passes)
        ops = BODY_MACS + 4 * EDGE_MACS
        active = (1 - residual) * leak_mw / 256 * 1e9 * 1e-9 * ops
        assert g.static_pj == pytest.approx(residual * leak_mw * gated.latency_s * 1e9 + active)
        assert _dynamic(g) == pytest.approx(_dynamic(p))
        assert g.actions == p.actions  # the leakage charged per operation is not an action
        assert g.energy_pj < p.energy_pj
    assert gated.latency_cycles == plain.latency_cycles
    assert dict(gated.settings)["power_gating"].startswith("on")


def test_power_gating_must_be_none_or_idle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "arch.yaml"
    path.write_text("template: mac_array\npower_gating: 'yes'\n")
    assert main(["evaluate", "--arch-file", str(path)]) == 2
    err = capsys.readouterr().err
    assert "arch.yaml:2" in err and "power_gating" in err and "none, idle" in err


def test_a_pinned_unit_leaks_only_what_its_pin_says(tmp_path: Path) -> None:
    path = tmp_path / "arch.yaml"
    path.write_text("template: mac_array\npinned:\n  mac_multiplier: {energy_pj: 0.1, area_um2: 50, leakage_mw: 0.002, "
                    "source: synthesis}\n  pe_registers: {energy_pj: 0.05, area_um2: 80, source: synthesis}\n")
    report = hwcost.evaluate("lsq", 4, arch=hwcost.load_arch(path))
    r = _rows(report)
    assert r["mac_multiplier"].static_pj == pytest.approx(256 * 0.002 * report.latency_s * 1e9)
    assert r["pe_registers"].static_pj == 0


def test_an_adder_tree_runs_its_tree_every_pass_and_shift_adds_per_column() -> None:
    from hwcost.arch.mac_array.config import PeStyle

    report = hwcost.evaluate("lsq", 4, arch=hwcost.MacArrayConfig(pe_style=PeStyle.ADDER_TREE))
    r = _rows(report)
    add = lambda b: LIB.energy_pj("int_adder", bits=b)  # noqa: E731
    reg = lambda b: LIB.energy_pj("register", bits=b)  # noqa: E731
    # a 16-input tree of 8-bit products (8 + 4 + 2 + 1 adders of 8..11-bit operands) every pass
    tree = 8 * add(8) + 4 * add(9) + 2 * add(10) + add(11)
    ops = BODY_MACS + 4 * EDGE_MACS
    acc_body, acc_edge = _acc_bits(576, 4), _acc_bits(64, 8)
    expected = ops * tree / 16 + (BODY_MACS * add(acc_body) + EDGE_MACS * add(acc_edge)) / 16
    assert _dynamic(r["accumulator"]) == pytest.approx(expected)
    # one shift-adder per column at the 16-bit product + 4 bits of the 16-input tree's growth
    assert _dynamic(r["shift_add"]) == pytest.approx(3 * EDGE_MACS * (add(20) + reg(20)) / 16)
    assert r["shift_add"].area_um2 == pytest.approx(16 * (LIB.area_um2("int_adder", bits=20) + LIB.area_um2("register", bits=20)))


def test_a_table_in_flip_flops_leaks_its_registers() -> None:
    # ResNet-20's folded bias: one word per output channel of the widest layer (64), under the
    # smallest SRAM macro (1 KiB), so held in flip-flops
    report = hwcost.evaluate("lsq+", 4)
    scheme = hwcost.get_scheme("lsq+").with_bits(4, 4)
    # the wider of the body's word and the 8-bit first/last layers' (one table serves both)
    word = max(next(u for u in dp.units if u.kind.value == "bias_memory").widths["width_bits"]
               for dp in (hwcost.classify(scheme, 576), hwcost.classify(scheme, 64, edge_layer=True)))
    assert 64 * word / 8 < 1024
    leak = 64 * LIB.leakage_mw("register", bits=word)
    assert _rows(report)["bias_memory"].static_pj == pytest.approx(leak * report.latency_s * 1e9)
