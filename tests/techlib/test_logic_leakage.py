"""Logic and register leakage: Aladdin's leakage per um2 times each component's area, the flavour's
device leakage when a library changes flavour, and the clock rule that picks a flavour."""

from __future__ import annotations

from pathlib import Path

import pytest

import hwcost
from hwcost.cli import main
from hwcost.techlib import Flavour, load_techlib, scale_techlib
from hwcost.techlib.flavour import choose_flavour, describe_flavour

HP = load_techlib("45nm")

# harvard-acc/ALADDIN common/power_func.h, 40 nm, 1 ns entries: leakage (mW) and area (um2).
ALADDIN = {"add": (2.249908e-03, 2.779792e02), "mul": (7.786052e-02, 6.351338e03),
           "bit": (6.111633e-04, 5.036996e01), "shifter": (4.048142e-03, 5.197551e02)}


def _density(unit: str) -> float:
    leak, area = ALADDIN[unit]
    return leak / area


@pytest.mark.parametrize(("component", "params", "unit"), [
    ("int_adder", {"bits": 8}, "add"), ("int_adder", {"bits": 32}, "add"),
    ("int_multiplier", {"a_bits": 8, "b_bits": 8}, "mul"), ("int_multiplier", {"a_bits": 4, "b_bits": 16}, "mul"),
    ("shifter", {"bits": 32}, "shifter"), ("mux", {"bits": 16}, "shifter"), ("comparator", {"bits": 8}, "add"),
    ("logic_gate", {"gate": "xor2"}, "bit"),
])
def test_logic_leaks_aladdins_leakage_per_um2_of_its_area(component: str, params: dict, unit: str) -> None:
    expected = _density(unit) * HP.area_um2(component, **params)
    assert HP.leakage_mw(component, **params) == pytest.approx(expected, rel=2e-3)  # coefficients to 4 digits


def test_a_register_leaks_aladdins_leakage_per_um2_over_its_area() -> None:
    # Aladdin 40 nm REG: 7.395312e-5 mW over 5.98 um2 per bit, times the register's own area
    per_um2 = 7.395312e-05 / 5.98
    assert HP.leakage_mw("register", bits=22) == pytest.approx(per_um2 * HP.area_um2("register", bits=22), rel=1e-3)


def test_scaled_libraries_scale_logic_leakage_like_energy() -> None:
    lib7 = load_techlib("7nm")
    factor = lib7.derived.energy_factor
    assert lib7.leakage_mw("register", bits=8) == pytest.approx(factor * HP.leakage_mw("register", bits=8), rel=1e-5)


def test_the_low_power_library_leaks_what_cactis_lstp_devices_do() -> None:
    # CACTI technology.cc, 45 nm, 300 K: (I_off + I_gate) x Vdd per micron, LSTP / HP.
    ratio = (1.01e-11 + 9.47e-12) * 1.1 / ((2.8e-7 + 3.59e-8) * 1.0)
    lp = load_techlib("45nm-lp")
    expected = HP.leakage_mw("int_adder", bits=16) * lp.derived.energy_factor * ratio
    assert lp.leakage_mw("int_adder", bits=16) == pytest.approx(expected, rel=1e-4)
    back = scale_techlib(lp, 45, flavour=Flavour.HP, vdd_v=0.9)
    # and back to HP by the inverse ratio (with the HP fit's supply factor from 1.1 V to 0.9 V)
    undo = lp.leakage_mw("int_adder", bits=16) * back.derived.energy_factor / ratio
    assert back.leakage_mw("int_adder", bits=16) == pytest.approx(undo, rel=1e-4)


def _lp_path_ns(node_lp: tuple[float, float, float, float], vdd: float) -> float:
    """0.98 ns (Aladdin's 32-bit multiplier) x D_LP(vdd) / D_HP45(1.0 V), the cubic fits by hand."""
    def cubic(c: tuple[float, float, float, float], v: float) -> float:
        return c[0] * v**3 + c[1] * v**2 + c[2] * v + c[3]

    return 0.98 * cubic(node_lp, vdd) / cubic((-501.6, 1567, -1619, 566.1), 1.0)


def test_the_clock_rule_picks_lp_where_its_path_meets_the_period() -> None:
    lp45 = _lp_path_ns((-285.7, 1239, -1795, 898.8), 1.1)  # Stillmaker-Baas LP45 at its 1.1 V
    limit_mhz = 1000 / lp45
    assert 290 < limit_mhz < 300
    assert choose_flavour(45, limit_mhz * 0.99).flavour is Flavour.LP
    assert choose_flavour(45, limit_mhz * 1.01).flavour is Flavour.HP
    lp7 = _lp_path_ns((-61.79, 196.1, -210.3, 79.55), 0.7)
    assert choose_flavour(7, 1000).lp_path_ns == pytest.approx(lp7)
    assert choose_flavour(7, 0.99 * 1000 / lp7).flavour is Flavour.LP and choose_flavour(7, 1.01 * 1000 / lp7).flavour is Flavour.HP


def test_an_explicit_flavour_stays_and_the_report_says_what_the_rule_would_pick() -> None:
    report = hwcost.evaluate("lsq", 4, node="45nm-lp")  # 1 GHz: the rule would want HP
    line = dict(report.settings)["device_flavour"]
    assert line.startswith("LP, as library 45nm-lp states it") and "would pick HP" in line
    assert "agrees" in describe_flavour(HP, 1000.0)


def test_scale_with_flavour_auto_writes_the_chosen_flavour_and_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "28.yaml"
    assert main(["techlib", "scale", "--from", "45nm", "--to", "28nm", "--flavour", "auto", "--clock-mhz", "200",
                 "--out", str(out)]) == 0
    assert load_techlib(out).flavour is Flavour.LP
    assert "chosen by --flavour auto" in out.read_text() and "meets the 5 ns period" in capsys.readouterr().out
    assert main(["techlib", "scale", "--from", "45nm", "--to", "28nm", "--flavour", "auto", "--clock-mhz", "2000",
                 "--out", str(out)]) == 0
    assert load_techlib(out).flavour is Flavour.HP
    assert main(["techlib", "scale", "--from", "45nm", "--to", "28nm", "--flavour", "auto", "--clock-mhz", "-1",
                 "--out", str(out)]) == 2
    assert "--clock-mhz" in capsys.readouterr().err


def test_validate_names_a_bad_logic_leakage_by_file_line_and_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = Path(HP.file).read_text()
    bad = text.replace("per_bit_mw: 1.210e-04", "per_bit_mw: -1.210e-04", 1)
    assert bad != text
    path = tmp_path / "bad.yaml"
    path.write_text(bad)
    line = bad[:bad.index("per_bit_mw: -1.210e-04")].count("\n") + 1
    assert main(["techlib", "validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"bad.yaml:{line}" in err and "components.register.leakage_mw.per_bit_mw" in err
