"""The MAC-array cost model end to end: numbers fixed by the model, not just signs."""

from pathlib import Path

import pytest

from hwcost.evaluate import design_point, evaluate, report_of, sweep
from hwcost.techlib import load_techlib
from hwcost.workloads import load_workload

LIB = load_techlib("45nm")


def rows(report) -> dict[str, float]:
    return {r.unit: r.energy_pj for r in report.breakdown}


def test_breakdown_sums_to_totals() -> None:
    r = evaluate("per-channel", 4, workload="mobilenetv2")
    assert r.energy_pj == pytest.approx(sum(x.energy_pj for x in r.breakdown), rel=1e-12)
    assert r.area_um2 == pytest.approx(sum(x.area_um2 for x in r.breakdown), rel=1e-12)
    cats = r.by_category()
    assert sum(e for e, _ in cats.values()) == pytest.approx(r.energy_pj, rel=1e-12)
    assert r.tops_per_w == pytest.approx(2 * r.macs / r.energy_pj)
    assert r.macs == load_workload("mobilenetv2").total_macs


def test_mac_energy_is_the_library_multiplier_times_the_mac_count() -> None:
    wl = load_workload("resnet20")
    r = evaluate("lsq", 4)
    a = wl.compute_arrays
    body_macs = float(a.macs[~a.is_first_or_last].sum())
    edge_macs = float(a.macs[a.is_first_or_last].sum())
    # 8-bit first/last layers run on the 4x4 PEs in 2 x 2 slices.
    expected = (body_macs + 4 * edge_macs) * LIB.energy_pj("int_multiplier", a_bits=4, b_bits=4)
    mac = next(x for x in r.breakdown if x.unit == "mac_multiplier")
    assert mac.energy_pj - mac.static_pj == pytest.approx(expected, rel=1e-12)
    # and the 256 multipliers' leakage over the latency (Aladdin's leakage per um2, 45nm.yaml)
    leak = 256 * LIB.leakage_mw("int_multiplier", a_bits=4, b_bits=4)
    assert mac.static_pj == pytest.approx(leak * r.latency_s * 1e9, rel=1e-9)


def test_pot_differs_from_lsq_exactly_by_the_requantizer() -> None:
    lsq, pot = rows(evaluate("lsq", 4)), rows(evaluate("pot", 4))
    assert "requant_multiplier" in lsq and "requant_multiplier" not in pot
    n_out = float(load_workload("resnet20").compute_arrays.output_elements.sum())
    # One fixed-point multiply per output: 18 x 12 in the body (m0_bits auto = 4 + 1 + 7 at 4-bit
    # outputs), wider in the 8-bit edge layers (at most 25 x 16: m0 = 8 + 1 + 7).
    assert n_out * LIB.energy_pj("int_multiplier", a_bits=18, b_bits=12) <= lsq["requant_multiplier"]
    assert lsq["requant_multiplier"] < n_out * LIB.energy_pj("int_multiplier", a_bits=25, b_bits=16)
    # the residual adds rescale their inputs by multiplies under lsq, by shifts under pot
    # (tests/arch/test_residual_add.py counts them)
    assert pot["elementwise"] < lsq["elementwise"]
    for unit in set(lsq) - {"requant_multiplier", "requant_shifter", "elementwise"}:
        assert lsq[unit] == pytest.approx(pot[unit], rel=1e-12), unit
    assert sum(pot.values()) < sum(lsq.values())


def test_lsq_plus_fold_adds_only_the_output_zero_point_adders() -> None:
    lsq, plus = evaluate("lsq", 4), evaluate("lsq+", 4)
    # + Z_out after each output's rescale, and the offsets of the residual adds' inputs and output
    extra = rows(plus)["output_zero_point_adder"] + rows(plus)["elementwise"] - rows(lsq)["elementwise"]
    assert rows(plus)["elementwise"] > rows(lsq)["elementwise"]
    assert plus.energy_pj - lsq.energy_pj == pytest.approx(extra, rel=1e-9)
    assert plus.energy_pj / lsq.energy_pj < 1.001


def test_lsq_plus_pre_subtract_widens_the_multiplier_by_one_bit() -> None:
    lsq, plus = rows(evaluate("lsq", 4)), rows(evaluate("lsq+", 4, zero_point="pre-subtract"))
    ratio = LIB.energy_pj("int_multiplier", a_bits=4, b_bits=5) / LIB.energy_pj("int_multiplier", a_bits=4, b_bits=4)
    # Body layers see the 4x5 multiplier; the 8-bit edge layers also need ceil(8/5) = 2 slices.
    assert plus["mac_multiplier"] / lsq["mac_multiplier"] == pytest.approx(ratio, rel=0.02)
    assert plus["zero_point_subtractor"] > 0
    assert sum(plus.values()) > sum(lsq.values())


def test_energy_falls_with_bits() -> None:
    # The dynamic energy on the default (high-performance) library, whose static energy follows
    # the latency rather than the bits; the whole energy on the low-power library.
    e = {b: (r := evaluate("lsq", b)).energy_pj - r.static_energy_pj for b in (2, 4, 8)}
    assert e[2] < e[4] < e[8]
    lp = {b: evaluate("lsq", b, node="45nm-lp").energy_pj for b in (2, 4, 8)}
    assert lp[2] < lp[4] < lp[8]
    # The multiplier alone follows the library's power law in a*b.
    m4, m8 = rows(evaluate("lsq", 4))["mac_multiplier"], rows(evaluate("lsq", 8))["mac_multiplier"]
    body_ratio = LIB.energy_pj("int_multiplier", a_bits=8, b_bits=8) / LIB.energy_pj("int_multiplier", a_bits=4, b_bits=4)
    assert 0.9 * body_ratio < m8 / m4 < body_ratio


def test_sweep_matches_single_evaluations() -> None:
    points = [design_point(s, b, workload=w) for s, b, w in [("lsq", 4, "resnet20"), ("pot", 2, "vgg7"), ("pact", 8, "resnet20")]]
    frame = sweep(points)
    for i, p in enumerate(points):
        r = report_of(p)
        assert frame.loc[i, "energy_pj"] == pytest.approx(r.energy_pj, rel=1e-12)
        assert frame.loc[i, "area_um2"] == pytest.approx(r.area_um2, rel=1e-12)
        assert frame.loc[i, "latency_cycles"] == pytest.approx(r.latency_cycles, rel=1e-12)
        assert frame.loc[i, "scheme"] == p.scheme.name


def test_pinned_unit_cost_replaces_the_library(tmp_path: Path) -> None:
    arch = tmp_path / "arch.yaml"
    arch.write_text(
        "template: mac_array\npe_rows: 8\npe_cols: 8\n"
        "pinned:\n  mac_multiplier: {energy_pj: 0.5, area_um2: 100, source: 'our synthesis, 45 nm'}\n"
    )
    r = evaluate("lsq", 4, arch=arch)
    mac = next(x for x in r.breakdown if x.unit == "mac_multiplier")
    assert mac.energy_pj == pytest.approx(0.5 * mac.actions)
    assert mac.area_um2 == pytest.approx(64 * 100)
    assert mac.source == "our synthesis, 45 nm"


def test_pinned_table_is_one_memory_not_one_per_lane(tmp_path: Path) -> None:
    arch = tmp_path / "arch.yaml"
    arch.write_text("template: mac_array\npinned:\n  bias_memory: {energy_pj: 1.0, area_um2: 500, source: 'measured register file'}\n")
    row = next(x for x in evaluate("lsq", 4, arch=arch).breakdown if x.unit == "bias_memory")
    assert row.area_um2 == 500
    assert row.energy_pj == pytest.approx(1.0 * row.actions)


def test_a_sweep_of_designs_with_their_own_keys_keeps_every_column() -> None:
    # an RRAM cell's read voltage and pulse are columns only RRAM designs describe: a sweep mixing
    # them with SRAM cells on one workload keeps them (0 where a design lacks them, as another
    # template's columns), in the order they first appear
    import hwcost
    from hwcost import CimMacroConfig
    from hwcost.arch.cim_macro.config import CellType

    lib, net, scheme = hwcost.load_techlib("45nm-lp"), hwcost.load_workload("resnet20"), hwcost.get_scheme("lsq", 4)
    rram = CimMacroConfig(cell=CellType.RRAM_1T1R, rram_read_v=0.3)
    frame = hwcost.sweep([hwcost.DesignPoint(scheme, CimMacroConfig(), lib, net), hwcost.DesignPoint(scheme, rram, lib, net)])
    assert list(frame["cell"]) == ["sram_6t", "rram_1t1r"]
    assert list(frame["rram_read_v"]) == [0.0, 0.3]
    assert list(frame.columns[:frame.columns.get_loc("node")]) == list(hwcost.DesignPoint(
        scheme, CimMacroConfig(), lib, net).describe())[:frame.columns.get_loc("node")]
