"""Physical sanity of technology libraries, checked when they load; no price is ever inf or nan."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from hwcost.errors import HwcostError
from hwcost.techlib import list_techlibs, load_techlib
from hwcost.techlib._sanity import MAX_PRICE

_MULTIPLIER = """\
name: mult
node_nm: 45
vdd_v: 0.9
flavour: HP
source: test fixture
components:
  int_multiplier:
    source: test
    valid: {a_bits: [1, 64], b_bits: [1, 64]}
    energy_pj:
      multiply: {model: product, ref_pj: 0.2, ref_product_bits2: 64, exponent: 0.9886}
    area_um2: {model: product, ref_um2: 282, ref_product_bits2: 64, exponent: 0.9079}
  adc:
    source: test
    valid: {bits: [4, 10]}
    energy_pj:
      convert: {model: adc, floor_pj: 0.1, fom_walden_fj_per_step: 1.0, fom_schreier_db: 185}
    area_um2: {model: constant, value_um2: 100}
  sram:
    source: test
    valid: {capacity_bytes: [1024, 1048576], width_bits: [8, 256]}
    energy_pj:
      read: {model: power_law, ref_pj: 10, ref: {capacity_bytes: 8192, width_bits: 64},
             exponent: {capacity_bytes: 0.5, width_bits: 0.8}}
    area_um2: {model: power_law, ref_um2: 9000, ref: {capacity_bytes: 8192, width_bits: 64},
               exponent: {capacity_bytes: 0.9, width_bits: 0.5}}
  sense_amp:
    source: test
    valid: {bits: [1, 8]}
    energy_pj:
      sense: {model: constant, value_pj: 0.05}
    area_um2: {model: table, interpolation: linear, points: {bits: [1, 8], area_um2: [900, 500]}}
"""


def _problem(tmp_path: Path, old: str, new: str) -> str:
    assert old in _MULTIPLIER
    path = tmp_path / "lib.yaml"
    path.write_text(_MULTIPLIER.replace(old, new))
    with pytest.raises(HwcostError) as info:
        load_techlib(path)
    assert len(info.value.problems) == 1, str(info.value)
    p = info.value.problems[0]
    assert p.file == str(path) and p.line is not None
    return f"{p.line}: {p.key}: {p.message}"


def test_the_fixture_loads_and_a_decreasing_table_is_allowed(tmp_path: Path) -> None:
    path = tmp_path / "lib.yaml"
    path.write_text(_MULTIPLIER)
    lib = load_techlib(path)
    assert lib.area_um2("sense_amp", bits=8) == 500.0  # measured points may fall as a parameter grows


@pytest.mark.parametrize("exponent", ["0", "-1", "-0.5"])
def test_a_growth_exponent_must_be_positive(tmp_path: Path, exponent: str) -> None:
    text = _problem(tmp_path, "exponent: 0.9886", f"exponent: {exponent}")
    assert text == (f"11: components.int_multiplier.energy_pj.multiply.exponent: expected a number > 0, "
                    f"got {exponent.lstrip('-') if exponent == '0' else exponent}")


def test_a_power_law_exponent_may_be_zero_but_not_negative_nor_all_zero(tmp_path: Path) -> None:
    text = _problem(tmp_path, "width_bits: 0.8", "width_bits: -0.5")
    assert text == "24: components.sram.energy_pj.read.exponent.width_bits: expected a number >= 0, got -0.5"
    text = _problem(tmp_path, "exponent: {capacity_bytes: 0.5, width_bits: 0.8}",
                    "exponent: {capacity_bytes: 0, width_bits: 0}")
    assert text.startswith("24: components.sram.energy_pj.read.exponent: expected at least one exponent > 0")


def test_a_huge_exponent_is_refused_at_load_not_while_pricing(tmp_path: Path) -> None:
    text = _problem(tmp_path, "exponent: 0.9886", "exponent: 1000")
    assert text == "11: components.int_multiplier.energy_pj.multiply.exponent: expected a number <= 8, got 1000"


def test_a_coefficient_of_1e308_is_refused(tmp_path: Path) -> None:
    text = _problem(tmp_path, "ref_pj: 0.2", "ref_pj: 1.0e+308")
    assert text == "11: components.int_multiplier.energy_pj.multiply.ref_pj: expected a number <= 1e+15, got 1e+308"


def test_a_law_that_overflows_over_its_valid_range_is_refused_naming_where(tmp_path: Path) -> None:
    text = _problem(tmp_path, "valid: {bits: [4, 10]}", "valid: {bits: [4, 200]}")
    # the grid over 4..200: 4, 28, 53, ...; at 53 bits the thermal term is 0.5e12 * 10^((6.02*53 + 1.76 - 185)/10)
    assert text == ("17: components.adc.energy_pj.convert: the adc model gives 1.90972e+25 pJ at bits=53, "
                    f"above the sanity limit of {MAX_PRICE:g} pJ")


def test_an_action_that_costs_no_energy_is_refused(tmp_path: Path) -> None:
    text = _problem(tmp_path, "ref_pj: 0.2", "ref_pj: 0")
    assert text == ("11: components.int_multiplier.energy_pj.multiply: the product model gives 0 pJ at a_bits=1, "
                    "b_bits=1, not above 0 pJ (every action costs energy)")


@pytest.mark.parametrize("name", list_techlibs())
def test_in_every_shipped_library_a_wider_multiplier_costs_more(name: str) -> None:
    lib = load_techlib(name)
    small = lib.energy_pj("int_multiplier", a_bits=4, b_bits=4), lib.area_um2("int_multiplier", a_bits=4, b_bits=4)
    large = lib.energy_pj("int_multiplier", a_bits=32, b_bits=32), lib.area_um2("int_multiplier", a_bits=32, b_bits=32)
    assert large[0] > 10 * small[0] and large[1] > 10 * small[1]


def test_a_price_that_is_not_finite_is_an_error_naming_component_and_inputs() -> None:
    lib = load_techlib("45nm")
    component = lib.components["int_multiplier"]
    quantity = component.energy["multiply"]
    broken = replace(quantity, model=replace(quantity.model, exponent=400.0, ref=1e15))  # built in Python
    bad = replace(component, energy={"multiply": broken})
    with pytest.raises(HwcostError) as info:
        bad.price(broken, {"a_bits": np.array([2, 64]), "b_bits": 64})
    assert str(info.value) == ("int_multiplier: energy_pj of 'multiply' at a_bits=64, b_bits=64 is not a finite "
                               "number (inf); the product model's coefficients overflow there")
