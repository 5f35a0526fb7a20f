"""Process-node scaling: published factors, supply dependence, component rules, provenance,
the shipped generated libraries, user nodes and CLI errors."""

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from hwcost.cli import main
from hwcost.errors import HwcostError
from hwcost.techlib import (
    Flavour, ScalingRule, VariantComponent, list_techlibs, load_techlib, parse_techlib, scale_techlib,
    techlib_yaml,
)
from hwcost.techlib._cacti import sram_fit
from hwcost.techlib._load import DATA_DIR

LIB45 = load_techlib("45nm")
REPO = Path(__file__).resolve().parents[2]

# Stillmaker and Baas, Integration 58 (2017): HP factors vs 45 nm worked out by hand from the
# paper's coefficients [D] -- energy at both nominal supplies (45 nm at 1.0 V), area (the paper's
# area table), delay -- to 2-3 significant digits; 28 nm interpolated between 32 and 20 nm.
PUBLISHED_HP = {7: (0.056, 0.059, 0.259), 16: (0.161, 0.19, 0.512), 28: (0.432, 0.377, 0.698)}


def e_hp45(v: float) -> float:
    """The HP45 energy fit of Stillmaker and Baas 2017, written out: 1.018 V^2 - 0.3107 V + 0.1539."""
    return 1.018 * v**2 - 0.3107 * v + 0.1539


def e_hp7(v: float) -> float:
    return 0.1776 * v**2 - 0.09097 * v + 0.02447


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def int8_multiply_pj(lib) -> float:
    return lib.energy_pj("int_multiplier", a_bits=8, b_bits=8)


@pytest.mark.parametrize("node", sorted(PUBLISHED_HP))
def test_int8_multiply_at_nominal_supplies_is_45nm_times_the_published_factor(node: int) -> None:
    energy, area, delay = PUBLISHED_HP[node]
    at_nominal = replace(LIB45, vdd_v=1.0)  # the published factors compare HP45 at 1.0 V
    lib = scale_techlib(at_nominal, node)
    assert int8_multiply_pj(lib) / int8_multiply_pj(LIB45) == pytest.approx(energy, abs=5e-4)
    assert lib.area_um2("int_multiplier", a_bits=8, b_bits=8) / 282 == pytest.approx(area, abs=5e-4)
    assert lib.derived.delay_factor == pytest.approx(delay, abs=5e-4)


@pytest.mark.parametrize("node", sorted(PUBLISHED_HP))
def test_shipped_library_is_published_factor_times_the_45nm_supply_correction(node: int) -> None:
    # 45nm.yaml is at Horowitz's 0.9 V, not HP45's nominal 1.0 V: the fitted quadratic adds
    # E_HP45(1.0) / E_HP45(0.9) = 0.8612 / 0.69885 = 1.2323 to the published factor.
    correction = e_hp45(1.0) / e_hp45(0.9)
    assert correction == pytest.approx(1.2323, abs=1e-4)
    lib = load_techlib(f"{node}nm")
    expected = 0.2 * PUBLISHED_HP[node][0] * correction
    assert int8_multiply_pj(lib) == pytest.approx(expected, rel=0.01)
    assert lib.derived.energy_factor == pytest.approx(int8_multiply_pj(lib) / 0.2, rel=1e-5)


def test_vdd_override_changes_energy_by_the_fitted_quadratic() -> None:
    nominal, low = scale_techlib(LIB45, 7), scale_techlib(LIB45, 7, vdd_v=0.6)
    ratio = e_hp7(0.6) / e_hp7(0.7)  # 0.033824 / 0.047815 = 0.7074
    assert low.vdd_v == 0.6 and nominal.vdd_v == 0.7
    assert int8_multiply_pj(low) / int8_multiply_pj(nominal) == pytest.approx(ratio, rel=1e-5)
    # the survey ADC and the off-chip DRAM do not follow the supply
    for comp, action, params in [("adc", "convert", {"bits": 8}), ("dram", "read", {"bits": 64, "standard": "lpddr4"})]:
        assert low.energy_pj(comp, action, **params) == nominal.energy_pj(comp, action, **params)


def test_vdd_override_scales_the_refitted_sram_by_the_interpolated_quadratic() -> None:
    nominal, low = scale_techlib(LIB45, 22), scale_techlib(LIB45, 22, vdd_v=0.8)

    def e_hp22(v: float) -> float:  # 1/6 of HP32 + 5/6 of HP20 (22 nm interpolated)
        hp32 = 0.8367 * v**2 - 0.4341 * v + 0.1701
        hp20 = 0.373 * v**2 - 0.1582 * v + 0.04104
        return hp32 / 6 + hp20 * 5 / 6

    args = {"capacity_bytes": 32768, "width_bits": 64}
    ratio = low.energy_pj("sram", "read", **args) / nominal.energy_pj("sram", "read", **args)
    assert ratio == pytest.approx(e_hp22(0.8) / e_hp22(0.9), rel=1e-5)
    assert low.area_um2("sram", **args) == nominal.area_um2("sram", **args)


def test_interpolated_nodes_are_flagged() -> None:
    for node in (28, 22):
        lib = load_techlib(f"{node}nm")
        assert f"{node} nm interpolated between 32 and 20 nm" in lib.derived.method
        assert "INTERPOLATED" in lib.note
        assert "interpolated" in lib.components["int_adder"].derived.method
    for node in (65, 16, 7):
        assert "interpolated" not in load_techlib(f"{node}nm").derived.method


def test_every_component_records_its_derivation() -> None:
    for node in (65, 28, 22, 16, 7):
        lib = load_techlib(f"{node}nm")
        assert lib.derived.from_lib == "45nm" and lib.flavour is Flavour.HP
        for comp in lib.components.values():
            parts = comp.variants.values() if isinstance(comp, VariantComponent) else [comp]
            for part in parts:
                d = part.derived
                assert d is not None and d.method and d.energy_factor > 0 and d.area_factor > 0


def test_component_rules_at_7nm() -> None:
    lib = load_techlib("7nm")
    logic = lib.derived
    # ADC: energy kept on the survey envelope, area by the logic area factor
    assert lib.energy_pj("adc", bits=8) == pytest.approx(LIB45.energy_pj("adc", bits=8), rel=1e-6)
    adc_area = LIB45.area_um2("adc", bits=8) * logic.area_factor
    assert lib.area_um2("adc", bits=8) == pytest.approx(adc_area, rel=1e-5)
    # DRAM unchanged
    assert lib.energy_pj("dram", "read", bits=64, standard="lpddr4") == LIB45.energy_pj("dram", "read", bits=64, standard="lpddr4") == 512
    # CIM cells: area with F^2, energy with the logic factor
    for cell in ("sram_6t", "rram_1t1r"):
        assert lib.area_um2("cim_cell", cell=cell) == pytest.approx(
            LIB45.area_um2("cim_cell", cell=cell) * (7 / 45) ** 2, rel=1e-5)
        assert lib.energy_pj("cim_cell", cell=cell) == pytest.approx(
            LIB45.energy_pj("cim_cell", cell=cell) * logic.energy_factor, rel=1e-5)
    # no CACTI data at 7 nm: SRAM scaled like logic, and flagged
    sram = lib.components["sram"]
    assert "FLAGGED" in sram.derived.method
    assert sram.derived.energy_factor == logic.energy_factor


def test_sram_is_the_cacti_table_where_the_sweep_covers_the_node() -> None:
    lib = load_techlib("22nm")
    sram = lib.components["sram"]
    assert "CACTI 7 sweep at 22 nm" in sram.source and sram.derived.method.startswith("sram-cacti: the table")
    # the 22 nm row 8 KB x 64 b of cacti7_sram_sweep.yaml: read 1.504 pJ (the law read 1.569 pJ)
    assert lib.energy_pj("sram", "read", capacity_bytes=8192, width_bits=64) == pytest.approx(1.504, rel=1e-12)


def test_the_power_law_is_still_selectable_by_rule() -> None:
    # rule sram-cacti-law refits the law; at 45 nm it reproduces the law 45nm.yaml had before issue 15
    # (docs/techlib.md: read 5.785 pJ (C/8 KB)^0.5326 (W/64 b)^0.5341)
    fit = sram_fit(45)
    assert (fit.read_pj.ref, fit.read_pj.capacity_exponent, fit.read_pj.width_exponent) == (5.785, 0.5326, 0.5341)
    # (at the node's nominal supply, where the sweep is taken to be: the supply factor is 1)
    lib = scale_techlib(LIB45, 45, rules={"sram": ScalingRule.SRAM_CACTI_LAW})
    assert lib.components["sram"].derived.energy_factor == 1
    read = lib.components["sram"].energy["read"].model
    assert read.name == "power_law" and (read.ref, *read.exponents) == (5.785, 0.5326, 0.5341)
    assert lib.components["sram"].derived.method.startswith("sram-cacti-law: power laws refitted at 45 nm")
    # the default 128 KiB x 64 b GLB read: 5.785 * 16^0.5326 = 25.33 pJ by the law, 32.9568 pJ by CACTI
    args = {"capacity_bytes": 131072, "width_bits": 64}
    assert lib.energy_pj("sram", "read", **args) == pytest.approx(5.785 * 16**0.5326, rel=1e-9)
    assert LIB45.energy_pj("sram", "read", **args) == pytest.approx(32.9568, rel=1e-12)


def test_a_scaled_library_round_trips_through_validate(capsys, tmp_path: Path) -> None:
    lib = scale_techlib(LIB45, 16, vdd_v=0.8)
    path = tmp_path / "16nm_0p8.yaml"
    path.write_text(techlib_yaml(lib, "test"))
    assert run(capsys, "techlib", "validate", str(path)) == (0, "ok\n", "")
    assert load_techlib(path) == lib
    assert parse_techlib(yaml.safe_load(path.read_text())) == lib


@pytest.mark.parametrize("node", ["65nm", "28nm", "22nm", "16nm", "7nm"])
def test_shipped_files_equal_what_the_command_generates_today(capsys, tmp_path: Path, node: str) -> None:
    # If this fails after a change to 45nm.yaml or the scaler, regenerate with the command in
    # the file's header (docs/adding-a-node.md) and review the diff.
    out = tmp_path / f"{node}.yaml"
    code, _, err = run(capsys, "techlib", "scale", "--from", "45nm", "--to", node, "--flavour", "HP",
                       "--out", str(out))
    assert code == 0, err
    assert out.read_text() == (DATA_DIR / f"{node}.yaml").read_text()
    assert node in list_techlibs()


def test_the_shipped_low_power_library_equals_what_the_command_generates(capsys, tmp_path: Path) -> None:
    out = tmp_path / "45nm-lp.yaml"
    code, _, err = run(capsys, "techlib", "scale", "--from", "45nm", "--to", "45nm", "--flavour", "LP",
                       "--name", "45nm-lp", "--out", str(out))
    assert code == 0, err
    assert out.read_text() == (DATA_DIR / "45nm-lp.yaml").read_text()


def test_scale_command_reports_its_factors(capsys, tmp_path: Path) -> None:
    out = tmp_path / "7nm.yaml"
    code, text, _ = run(capsys, "techlib", "scale", "--from", "45nm", "--to", "7nm", "--out", str(out))
    assert code == 0
    assert "energy x0.0684195, area x0.059, delay x0.256995" in text
    assert "GENERATED by `hwcost techlib scale --from 45nm --to 7nm --flavour HP`" in out.read_text()


def test_lp_flavour_is_recorded_and_flagged() -> None:
    lib = scale_techlib(LIB45, 7, flavour=Flavour.LP)
    assert lib.flavour is Flavour.LP and lib.derived.method == "Stillmaker-Baas 2017 LP"
    assert "FLAVOUR CHANGED" in lib.note
    # LP7 / LP45 at 0.7 V / 0.9 V, from the fitted quadratics
    lp7 = 0.09365 * 0.49 - 0.03409 * 0.7 + 0.02043
    lp45 = 1.103 * 0.81 - 0.362 * 0.9 + 0.2767
    assert lib.derived.energy_factor == pytest.approx(lp7 / lp45, rel=1e-5)


USER_LIB = """\
name: fab40
node_nm: 40
vdd_v: 1.0
flavour: LP
source: made-up 40 nm node for a test (not a real process)
components:
  int_adder:
    source: invented
    valid: {bits: [1, 32]}
    energy_pj:
      add: {model: linear, fixed_pj: 0.004, per_bit_pj: 0.002}
    area_um2: {model: linear, fixed_um2: 2, per_bit_um2: 3}
  int_multiplier:
    source: invented
    valid: {a_bits: [1, 16], b_bits: [1, 16]}
    energy_pj:
      multiply: {model: product, ref_pj: 0.15, ref_product_bits2: 64, exponent: 1.0}
    area_um2: {model: product, ref_um2: 200, ref_product_bits2: 64, exponent: 0.9}
"""


def test_a_user_written_library_for_a_made_up_node_loads_validates_and_prices(capsys, tmp_path: Path) -> None:
    path = tmp_path / "fab40.yaml"
    path.write_text(USER_LIB)
    assert run(capsys, "techlib", "validate", str(path)) == (0, "ok\n", "")
    code, out, _ = run(capsys, "techlib", "price", str(path), "int_multiplier",
                       "--param", "a_bits=4", "--param", "b_bits=8", "--format", "json")
    assert code == 0 and json.loads(out)["energy_pj"] == pytest.approx(0.075)
    lib = load_techlib(path)
    assert (lib.name, lib.node_nm, lib.flavour) == ("fab40", 40.0, Flavour.LP)
    code, out, _ = run(capsys, "evaluate", "--techlib", str(path), "--format", "json")
    assert code == 2  # the made-up library prices only two units; evaluate names what is missing


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--to", "5nm"], "no Stillmaker-Baas 2017 fit for 5 nm; the nodes it covers are 180nm"),
        (["--to", "250nm"], "28nm (interpolated), 22nm (interpolated)"),
        (["--to", "seven"], "expected a process node such as 7nm or 22; got 'seven'"),
        (["--to", "7nm", "--flavour", "XP"], "--flavour expects HP, LP or auto; got 'XP'"),
        (["--to", "7nm", "--vdd", "1.2"], "target Vdd 1.2 V is outside 0.42-0.77 V"),
        (["--to", "90nm"], "adc: the ADC energy is the Murmann-survey envelope"),
        (["--to", "7nm", "--rule", "adc=cubic"], "--rule expects COMPONENT=RULE"),
    ],
)
def test_out_of_range_requests_exit_2_with_one_message(capsys, tmp_path: Path, argv, message) -> None:
    out = tmp_path / "x.yaml"
    code, text, err = run(capsys, "techlib", "scale", "--from", "45nm", *argv, "--out", str(out))
    assert code == 2 and text == "" and not out.exists()
    assert err.startswith("hwcost: error: ") and message in err and err.count("\n") == 1


def test_a_rule_override_reaches_90nm(capsys, tmp_path: Path) -> None:
    out = tmp_path / "90nm.yaml"
    code, _, err = run(capsys, "techlib", "scale", "--from", "45nm", "--to", "90nm",
                       "--rule", "adc=logic", "--out", str(out))
    assert code == 0, err
    assert load_techlib(out).components["adc"].derived.method.startswith("logic")


def test_a_source_node_outside_the_fits_and_a_component_without_rule_are_errors(tmp_path: Path) -> None:
    user = parse_techlib(yaml.safe_load(USER_LIB.replace("node_nm: 40", "node_nm: 250")))
    with pytest.raises(HwcostError, match="no Stillmaker-Baas 2017 fit for 250 nm"):
        scale_techlib(user, 7)
    odd = parse_techlib(yaml.safe_load(USER_LIB.replace("node_nm: 40", "node_nm: 32").replace(
        "int_adder:", "popcount:")))
    with pytest.raises(HwcostError, match="component 'popcount' has no scaling rule.*--rule popcount=logic"):
        scale_techlib(odd, 7)
    lib = scale_techlib(odd, 7, rules={"popcount": ScalingRule.LOGIC})
    assert lib.flavour is Flavour.LP and lib.components["popcount"].derived.from_lib == "fab40"


def test_the_built_package_ships_the_scaling_data_and_libraries(tmp_path: Path) -> None:
    build_lib = tmp_path / "site"
    project = tmp_path / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md"):
        (project / name).write_bytes((REPO / name).read_bytes())
    import shutil
    shutil.copytree(REPO / "hwcost", project / "hwcost", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py",
                    "--build-lib", str(build_lib)], cwd=project, check=True, capture_output=True)
    code = ("from hwcost.techlib import load_techlib, scale_techlib; "
            "print(scale_techlib(load_techlib('45nm'), 22).derived.energy_factor, load_techlib('7nm').vdd_v)")
    env = {**os.environ, "PYTHONPATH": str(build_lib)}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, check=True,
                          capture_output=True, text=True)
    assert done.stdout.split() == ["0.34845", "0.7"]
