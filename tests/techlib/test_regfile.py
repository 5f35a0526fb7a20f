"""The register file / scratchpad (issue 15, per-PE register files): the shipped power laws against
the CACTI 7 runs they were fitted to, the sweep against the SRAM sweep where the two overlap, the
refusal outside the valid range, the YAML checks of the new ``words`` unit (file, line and key),
and every shipped library pricing it."""

from __future__ import annotations

import doctest
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

import hwcost.techlib._regfile
from hwcost import HwcostError, load_techlib
from hwcost.arch.shared.pricing import Pricer
from hwcost.cli import main
from hwcost.techlib import list_techlibs, scale_techlib
from hwcost.techlib._regfile import regfile_fits
from hwcost.techlib.spread import default_spreads

DATA = Path(__file__).resolve().parents[2] / "hwcost" / "data" / "techscaling"
LIB = load_techlib("45nm")


def _rows(name: str, node_nm: int) -> dict[str, np.ndarray]:
    """The CACTI rows of one sweep file at one node, by column name (read here, not by hwcost)."""
    doc = yaml.safe_load((DATA / name).read_text())
    rows = np.asarray(doc["rows"], dtype=float)
    rows = rows[rows[:, 0] == node_nm]
    return {column: rows[:, i] for i, column in enumerate(doc["columns"])}


CACTI = _rows("cacti7_regfile_sweep.yaml", 45)


def _law(quantity: str, words: np.ndarray, bits: np.ndarray) -> np.ndarray:
    if quantity == "read_energy_pj":
        return LIB.energy_pj("regfile", "read", words=words, bits=bits)
    if quantity == "write_energy_pj":
        return LIB.energy_pj("regfile", "write", words=words, bits=bits)
    if quantity == "area_um2":
        return LIB.area_um2("regfile", words=words, bits=bits)
    return LIB.leakage_mw("regfile", words=words, bits=bits)


QUANTITIES = ("read_energy_pj", "write_energy_pj", "area_um2", "leakage_mw")


# --- the law against CACTI's runs -----------------------------------------------------------------


def test_the_sweep_covers_the_valid_range_and_nothing_else() -> None:
    assert len(CACTI["words"]) == 66  # 11 depths x 6 widths
    assert sorted(set(CACTI["words"])) == [64, 96, 128, 160, 192, 224, 256, 320, 384, 448, 512]
    assert sorted(set(CACTI["width_bits"])) == [8, 16, 24, 32, 48, 64]
    params = LIB.components["regfile"].params
    assert (params["words"].minimum, params["words"].maximum) == (64, 512)
    assert (params["bits"].minimum, params["bits"].maximum) == (8, 64)


@pytest.mark.parametrize("quantity, largest_miss", [
    # the largest relative misses the library's note states: read 21 %, write 18 %, area 18 %, leakage 21 %
    ("read_energy_pj", 0.21), ("write_energy_pj", 0.18), ("area_um2", 0.19), ("leakage_mw", 0.21),
])
def test_the_law_is_within_its_stated_miss_of_every_cacti_run(quantity: str, largest_miss: float) -> None:
    law = _law(quantity, CACTI["words"], CACTI["width_bits"])
    assert np.max(np.abs(law / CACTI[quantity] - 1.0)) <= largest_miss


def test_the_spread_is_the_rms_log_residual_of_the_law() -> None:
    def rms_log(quantity: str) -> float:
        residual = np.log(_law(quantity, CACTI["words"], CACTI["width_bits"]) / CACTI[quantity])
        return float(np.sqrt(np.mean(residual**2)))

    spread = default_spreads()["regfile"]
    assert spread.energy_sigma == pytest.approx(rms_log("read_energy_pj"), abs=1e-4)
    assert spread.area_sigma == pytest.approx(rms_log("area_um2"), abs=1e-4)
    # leakage: the fit and CACTI's 360 K corner (2.3x the 300 K current), ln(2.3) / sqrt(2), in quadrature
    corner = math.log(2.3) / math.sqrt(2)
    assert spread.leakage_sigma == pytest.approx(math.hypot(rms_log("leakage_mw"), corner), abs=1e-4)


@pytest.mark.parametrize("quantity", QUANTITIES)
def test_the_coefficients_are_the_least_squares_fit_of_the_runs(quantity: str) -> None:
    # ln y = ln ref + a ln(words / 128) + b ln(bits / 16), fitted here with numpy; the library holds
    # the same three numbers to 4 significant digits.
    design = np.column_stack([np.ones(66), np.log(CACTI["words"] / 128), np.log(CACTI["width_bits"] / 16)])
    (log_ref, a, b), *_ = np.linalg.lstsq(design, np.log(CACTI[quantity]), rcond=None)
    assert _law(quantity, np.array(128), np.array(16)) == pytest.approx(math.exp(log_ref), rel=5e-4)
    double_words = _law(quantity, np.array(256), np.array(16)) / _law(quantity, np.array(128), np.array(16))
    double_bits = _law(quantity, np.array(128), np.array(32)) / _law(quantity, np.array(128), np.array(16))
    assert math.log2(double_words) == pytest.approx(a, abs=5e-4)
    assert math.log2(double_bits) == pytest.approx(b, abs=5e-4)


def test_the_fit_module_gives_the_library_its_coefficients() -> None:
    assert doctest.testmod(hwcost.techlib._regfile).failed == 0
    fits = regfile_fits(45)
    regfile = LIB.components["regfile"]
    models = {"read_pj": regfile.energy["read"].model, "write_pj": regfile.energy["write"].model,
              "area_um2": regfile.area.model, "leakage_mw": regfile.leakage.model}
    for quantity, model in models.items():
        fit = fits[quantity]
        assert model.params == ("words", "bits") and model.refs == (128, 16)
        assert (model.ref, model.exponents) == (fit.ref, (fit.words_exponent, fit.bits_exponent))
    with pytest.raises(HwcostError, match="covers 65, 45, 32, 28, 22 nm, not 16 nm"):
        regfile_fits(16)


def test_eyeriss_filter_spad() -> None:
    # Eyeriss's filter scratchpad, 224 x 16 b (Chen et al., JSSC 52(1) 2017): CACTI 7 at 45 nm reads
    # 0.558608 pJ, writes 0.810496 pJ, 1575.07 um2 (the sweep's row); the law within 8 %.
    assert LIB.energy_pj("regfile", "read", words=224, bits=16) == pytest.approx(0.558608, rel=0.08)
    assert LIB.energy_pj("regfile", "write", words=224, bits=16) == pytest.approx(0.810496, rel=0.08)
    assert LIB.area_um2("regfile", words=224, bits=16) == pytest.approx(1575.07, rel=0.08)


def test_a_read_costs_more_as_the_file_deepens_unlike_a_register() -> None:
    words = np.array([64, 128, 256, 512])
    read = LIB.energy_pj("regfile", "read", words=words, bits=16)
    assert np.all(np.diff(read) > 0)
    # CACTI's own runs at 16 bits read 0.322383 pJ at 64 words and 1.03968 pJ at 512 (3.2x); the law 8^0.5538 = 3.16x
    assert read[-1] / read[0] == pytest.approx(1.03968 / 0.322383, rel=0.25)


def test_the_sweep_matches_the_sram_sweep_where_they_overlap() -> None:
    # The regfile runs use the settings of the SRAM sweep: at the capacities both hold (1-4 KB at 32 and
    # 64 bits) CACTI gives the same numbers (the SRAM file keeps 4-5 significant digits, mm2 for area).
    sram = _rows("cacti7_sram_sweep.yaml", 45)
    capacity = CACTI["words"] * CACTI["width_bits"] / 8
    matched = 0
    for i in np.flatnonzero(capacity >= 1024):
        j = np.flatnonzero((sram["capacity_bytes"] == capacity[i]) & (sram["width_bits"] == CACTI["width_bits"][i]))
        if not len(j):
            continue
        matched += 1
        assert sram["read_energy_pj"][j[0]] == pytest.approx(CACTI["read_energy_pj"][i], rel=1e-4)
        assert sram["write_energy_pj"][j[0]] == pytest.approx(CACTI["write_energy_pj"][i], rel=1e-4)
        assert sram["leakage_mw"][j[0]] == pytest.approx(CACTI["leakage_mw"][i], rel=1e-4)
        assert sram["area_mm2"][j[0]] * 1e6 == pytest.approx(CACTI["area_um2"][i], rel=0.01)
    assert matched == 5  # 256 x 32, 512 x 32, 128 x 64, 256 x 64, 512 x 64


# --- the API and the refusal outside the range ------------------------------------------------------


def test_the_pricer_api_mirrors_sram() -> None:
    pricer = Pricer(LIB)
    assert pricer.energy_pj("regfile", "read", words=224, bits=16) == LIB.energy_pj("regfile", "read", words=224, bits=16)
    assert pricer.energy_pj("regfile", "write", words=64, bits=8) > 0
    assert pricer.area_um2("regfile", words=512, bits=64) == LIB.area_um2("regfile", words=512, bits=64)
    assert pricer.leakage_mw("regfile", words=128, bits=16) == pytest.approx(0.393)  # ref_mw at the reference point


@pytest.mark.parametrize("params, message", [
    ({"words": 12, "bits": 16}, r"regfile: words = 12 is not valid; expected words in \[64, 512\]"),
    ({"words": 1024, "bits": 16}, r"regfile: words = 1024 is not valid; expected words in \[64, 512\]"),
    ({"words": 224, "bits": 4}, r"regfile: bits = 4 is not valid; expected bits in \[8, 64\]"),
    ({"words": 100.5, "bits": 16}, r"regfile: words = 100.5 is not valid; .*whole numbers"),
    ({"words": 224}, r"regfile: missing parameter bits"),
    ({"depth": 224, "bits": 16}, r"regfile: missing parameter words; unknown parameter depth"),
])
def test_outside_its_range_the_regfile_is_refused(params: dict, message: str) -> None:
    with pytest.raises(HwcostError, match=message):
        LIB.energy_pj("regfile", "read", **params)


def test_an_action_must_be_named() -> None:
    with pytest.raises(HwcostError, match=r"regfile has several actions \(read, write\)"):
        LIB.energy_pj("regfile", words=224, bits=16)


def test_cli_price_refuses_a_small_file_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["techlib", "price", "45nm", "regfile", "--action", "read", "--param", "words=12", "--param", "bits=16"])
    err = capsys.readouterr().err
    assert code == 2 and "words = 12 is not valid" in err and "Traceback" not in err


# --- the words unit in a library file ------------------------------------------------------------------

_REGFILE = """\
  regfile:
    source: test
    valid:
      {valid}
    energy_pj:
      read: {{model: power_law, ref_pj: 0.44, ref: {{words: 128, bits: 16}}, exponent: {{words: 0.55, bits: 0.83}}}}
    area_um2: {{model: power_law, ref_um2: 1014, ref: {{words: 128, bits: 16}}, exponent: {{words: 0.87, bits: 0.92}}}}
"""


def _write(tmp_path: Path, tiny_yaml: str, valid: str) -> Path:
    path = tmp_path / "lib.yaml"
    path.write_text(tiny_yaml + _REGFILE.format(valid=valid))
    return path


def test_a_library_may_give_a_component_a_depth_in_words(tmp_path: Path, tiny_yaml: str) -> None:
    lib = load_techlib(_write(tmp_path, tiny_yaml, "words: [64, 512]\n      bits: [8, 64]"))
    assert lib.energy_pj("regfile", "read", words=128, bits=16) == pytest.approx(0.44)
    assert lib.components["regfile"].params["words"].integer


def test_a_fractional_word_bound_names_file_line_and_key(tmp_path: Path, tiny_yaml: str) -> None:
    path = _write(tmp_path, tiny_yaml, "words: [64.5, 512]\n      bits: [8, 64]")
    line = tiny_yaml.count("\n") + 4
    with pytest.raises(HwcostError) as info:
        load_techlib(path)
    text = str(info.value)
    assert f"lib.yaml:{line}" in text and "components.regfile.valid.words[0]" in text
    assert "expected a whole number (the unit counts bits, bytes or words); got 64.5" in text


def test_a_depth_without_a_unit_lists_the_units(tmp_path: Path, tiny_yaml: str) -> None:
    path = _write(tmp_path, tiny_yaml, "depth: [64, 512]\n      bits: [8, 64]")
    with pytest.raises(HwcostError, match=r"components.regfile.valid.depth: parameter names carry their unit: "
                                          r"expected a name ending in one of bits, bytes, words,"):
        load_techlib(path)


def test_a_power_law_without_the_words_exponent_is_refused(tmp_path: Path, tiny_yaml: str) -> None:
    path = tmp_path / "lib.yaml"
    text = tiny_yaml + _REGFILE.format(valid="words: [64, 512]\n      bits: [8, 64]")
    path.write_text(text.replace("exponent: {words: 0.55, bits: 0.83}", "exponent: {bits: 0.83}"))
    with pytest.raises(HwcostError, match=r"components.regfile.energy_pj.read.exponent: missing required key 'words'"):
        load_techlib(path)


def test_cli_validate_exits_2_on_a_bad_regfile(tmp_path: Path, tiny_yaml: str, capsys) -> None:
    path = _write(tmp_path, tiny_yaml, "words: [0, 512]\n      bits: [8, 64]")
    code = main(["techlib", "validate", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and "components.regfile.valid.words[0]" in err and "Traceback" not in err


# --- every shipped library --------------------------------------------------------------------------


def test_every_shipped_library_prices_the_regfile() -> None:
    for name in list_techlibs():
        lib = load_techlib(name)
        regfile = lib.components["regfile"]
        assert set(regfile.energy) == {"read", "write"} and regfile.leakage is not None, name
        assert lib.spread_of("regfile") == default_spreads()["regfile"], name


@pytest.mark.parametrize("name, node_nm", [("65nm", 65), ("28nm", 28), ("22nm", 22)])
def test_a_library_at_a_swept_node_takes_cactis_runs_there(name: str, node_nm: int) -> None:
    # The law refitted on the sweep's rows at the library's own node (rule sram-cacti, as its SRAM):
    # within 28 % of every CACTI run there, rms log residual under 0.1 (read, area, leakage).
    lib = load_techlib(name)
    regfile = lib.components["regfile"]
    assert regfile.derived.method.startswith(f"sram-cacti: power laws refitted at {node_nm} nm")
    assert regfile.derived.energy_factor == lib.components["sram"].derived.energy_factor  # the same supply factor
    rows = _rows("cacti7_regfile_sweep.yaml", node_nm)
    words, bits = rows["words"], rows["width_bits"]
    for priced, cacti in ((lib.energy_pj("regfile", "read", words=words, bits=bits), rows["read_energy_pj"]),
                          (lib.energy_pj("regfile", "write", words=words, bits=bits), rows["write_energy_pj"]),
                          (lib.area_um2("regfile", words=words, bits=bits), rows["area_um2"]),
                          (lib.leakage_mw("regfile", words=words, bits=bits), rows["leakage_mw"])):
        log_ratio = np.log(priced / cacti)
        assert np.sqrt(np.mean(log_ratio**2)) < 0.1 and np.max(np.abs(np.expm1(log_ratio))) < 0.28


@pytest.mark.parametrize("name", ["16nm", "7nm", "45nm-lp"])
def test_elsewhere_the_regfile_is_scaled_like_logic_and_flagged(name: str) -> None:
    # 16 and 7 nm: no CACTI runs; 45nm-lp: no low-standby-power runs. The 45 nm law times the
    # factors the library's register (logic rule) carries.
    lib = load_techlib(name)
    regfile, register = lib.components["regfile"].derived, lib.components["register"].derived
    assert regfile.method.startswith(register.method + " -- FLAGGED: the CACTI 7 register-file sweep")
    assert (regfile.energy_factor, regfile.area_factor) == (register.energy_factor, register.area_factor)
    for words, bits in ((64, 8), (224, 16), (512, 64)):
        expected = register.energy_factor * LIB.energy_pj("regfile", "read", words=words, bits=bits)
        assert lib.energy_pj("regfile", "read", words=words, bits=bits) == pytest.approx(expected, rel=1e-5)
        expected_area = register.area_factor * LIB.area_um2("regfile", words=words, bits=bits)
        assert lib.area_um2("regfile", words=words, bits=bits) == pytest.approx(expected_area, rel=1e-5)


def test_rescaling_45nm_to_itself_refits_the_shipped_law() -> None:
    again = scale_techlib(LIB, 45).components["regfile"]
    shipped = LIB.components["regfile"]
    assert again.energy["read"].model == shipped.energy["read"].model
    assert again.area.model == shipped.area.model and again.leakage.model == shipped.leakage.model


def test_off_nominal_supply_moves_the_regfile_like_the_sram() -> None:
    lib = scale_techlib(LIB, 65, vdd_v=1.0)  # 65 nm below its nominal 1.1 V
    factor = lib.components["sram"].derived.energy_factor
    assert factor < 1 and lib.components["regfile"].derived.energy_factor == factor
    nominal = load_techlib("65nm")
    assert lib.energy_pj("regfile", "read", words=224, bits=16) == pytest.approx(
        factor * nominal.energy_pj("regfile", "read", words=224, bits=16), rel=1e-5)
