"""The validator: every malformed library reports every problem with file, line and key path."""

from collections.abc import Callable
from pathlib import Path

import pytest

from hwcost import HwcostError, load_techlib


def problems(lib_file: Callable[[str], Path], text: str) -> str:
    with pytest.raises(HwcostError) as info:
        load_techlib(lib_file(text))
    return str(info.value)


def test_tiny_library_loads(tmp_path: Path, tiny_yaml: str, lib_file: Callable[[str], Path]) -> None:
    lib = load_techlib(lib_file(tiny_yaml))
    assert lib.energy_pj("int_adder", bits=10) == pytest.approx(0.04)
    assert lib.file == str(tmp_path / "lib.yaml")


def test_unknown_key_lists_the_valid_keys(tiny_yaml: str, lib_file: Callable[[str], Path]) -> None:
    text = problems(lib_file, tiny_yaml.replace("    source: test\n", "    source: test\n    colour: red\n"))
    assert "lib.yaml:9: components.int_adder.colour: unknown key 'colour'" in text
    assert "valid keys: area_um2, derived, energy_pj, leakage_mw, note, source, spread, valid" in text


def test_coefficient_without_the_unit_is_refused(tiny_yaml: str, lib_file: Callable[[str], Path]) -> None:
    text = problems(lib_file, tiny_yaml.replace("fixed_um2: 2", "fixed_pj: 2"))
    assert "components.int_adder.area_um2: missing required key 'fixed_um2'" in text
    assert "components.int_adder.area_um2.fixed_pj: unknown key 'fixed_pj'" in text


def test_parameter_names_must_carry_a_unit(tiny_yaml: str, lib_file: Callable[[str], Path]) -> None:
    text = problems(lib_file, tiny_yaml.replace("bits: [1, 64]", "width: [1, 64]"))
    assert "components.int_adder.valid.width: parameter names carry their unit" in text


def test_model_must_fit_its_parameters(tiny_yaml: str, lib_file: Callable[[str], Path]) -> None:
    text = problems(lib_file, tiny_yaml.replace("bits: [1, 64]", "capacity_bytes: [1, 64]"))
    assert "model 'linear' needs exactly one parameter measured in bits" in text


def test_adc_model_prices_energy_only(tiny_yaml: str, lib_file: Callable[[str], Path]) -> None:
    area = "{model: adc, floor_pj: 1, fom_walden_fj_per_step: 1, fom_schreier_db: 180}"
    text = problems(lib_file, tiny_yaml.replace("{model: linear, fixed_um2: 2, per_bit_um2: 4}", area))
    assert "components.int_adder.area_um2.model: model 'adc' prices energy_pj only" in text


def test_table_never_extrapolates(tiny_yaml: str, lib_file: Callable[[str], Path]) -> None:
    table = "{model: table, interpolation: loglog, points: {bits: [4, 32], area_um2: [10, 100]}}"
    text = problems(lib_file, tiny_yaml.replace("{model: linear, fixed_um2: 2, per_bit_um2: 4}", table))
    assert "table covers bits 4..32 but valid allows 1..64; tables never extrapolate" in text


def test_all_problems_are_reported_at_once(tiny_yaml: str, lib_file: Callable[[str], Path]) -> None:
    bad = (tiny_yaml.replace("node_nm: 45", "node_nm: -45")
           .replace("flavour: HP", "flavour: ULP")
           .replace("per_bit_pj: 0.003", "per_bit_pj: -0.003")
           .replace("model: linear, fixed_um2", "model: quadratic, fixed_um2"))
    text = problems(lib_file, bad)
    assert text.startswith("4 problems:")
    assert "lib.yaml:2: node_nm: expected a number > 0, got -45" in text
    assert "lib.yaml:4: flavour: expected one of HP, LP; got string 'ULP'" in text
    assert "components.int_adder.energy_pj.add.per_bit_pj: expected a number >= 0, got -0.003" in text
    assert "components.int_adder.area_um2.model: expected one of constant, linear, product, nlogn, power_law, table, grid, adc" in text


def test_derived_record(tiny_yaml: str, lib_file: Callable[[str], Path]) -> None:
    derived = "derived: {from: 45nm, method: stillmaker-baas-2017, energy_factor: 0.43, area_factor: 0.377}\n"
    lib = load_techlib(lib_file(tiny_yaml.replace("source: test fixture\n", "source: test fixture\n" + derived)))
    assert (lib.derived.from_lib, lib.derived.energy_factor, lib.derived.area_factor) == ("45nm", 0.43, 0.377)
    text = problems(lib_file, tiny_yaml.replace("source: test fixture\n", "source: test fixture\nderived: {from: 45nm}\n"))
    assert "derived: missing required key 'method'" in text


def test_variants_need_a_categorical_selector(tiny_yaml: str, lib_file: Callable[[str], Path]) -> None:
    cell = """\
  cim_cell:
    source: test
    select: cell_bits
    variants:
      sram_6t:
        source: test
        valid: {}
        energy_pj: {compute: {model: constant, value_pj: 0.001}}
        area_um2: {model: constant, value_um2: 0.3}
"""
    text = problems(lib_file, tiny_yaml + cell)
    assert "components.cim_cell.select: expected a categorical parameter name without a unit" in text
    lib = load_techlib(lib_file(tiny_yaml + cell.replace("cell_bits", "cell")))
    assert lib.area_um2("cim_cell", cell="sram_6t") == 0.3
