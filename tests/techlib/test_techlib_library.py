"""Pricing through ``TechLib``: return types, broadcasting, and every way a call can be wrong."""

import numpy as np
import pytest

from hwcost import HwcostError, TechLib, list_techlibs, load_techlib
from hwcost.techlib import parse_techlib, techlib_to_dict

LIB = load_techlib("45nm")


def test_shipped_libraries_are_listed_and_loadable_by_path() -> None:
    assert "45nm" in list_techlibs()
    assert isinstance(LIB, TechLib)
    same = load_techlib(LIB.file)
    assert same == LIB


def test_unknown_library_names_the_shipped_ones() -> None:
    with pytest.raises(HwcostError, match=r"unknown technology library '5nm'.*45nm"):
        load_techlib("5nm")


def test_scalar_in_float_out_and_arrays_broadcast() -> None:
    assert type(LIB.energy_pj("int_adder", bits=8)) is float
    a = np.array([[4], [8], [16]])
    b = np.array([2, 4, 8, 16])
    energy = LIB.energy_pj("int_multiplier", a_bits=a, b_bits=b)
    assert energy.shape == (3, 4)
    assert energy[1, 2] == pytest.approx(LIB.energy_pj("int_multiplier", a_bits=8, b_bits=8))
    # A constant model still returns the broadcast shape of its parameters.
    assert LIB.area_um2("dram", bits=np.arange(1, 5), standard="lpddr4").tolist() == [0.0, 0.0, 0.0, 0.0]


def test_range_is_checked_over_whole_arrays() -> None:
    bits = np.array([8, 16, 65, 32])
    with pytest.raises(HwcostError, match=r"int_adder: bits = 65 is not valid; expected bits in \[1, 64\]"):
        LIB.energy_pj("int_adder", bits=bits)
    with pytest.raises(HwcostError, match=r"bits = 4\.5 .*whole numbers"):
        LIB.energy_pj("int_adder", bits=[4, 4.5])
    with pytest.raises(HwcostError, match=r"bits = nan"):
        LIB.energy_pj("int_adder", bits=float("nan"))
    with pytest.raises(HwcostError, match=r"capacity_bytes = 512 .*\[1024, 4194304\]"):
        LIB.energy_pj("sram", "read", capacity_bytes=512, width_bits=64)


def test_unknown_component_lists_the_known_ones() -> None:
    with pytest.raises(HwcostError, match=r"no component 'int_mult'; it defines: adc, cim_cell, .*int_multiplier"):
        LIB.energy_pj("int_mult", a_bits=8, b_bits=8)


def test_actions() -> None:
    with pytest.raises(HwcostError, match=r"sram has several actions \(read, write\); pass action="):
        LIB.energy_pj("sram", capacity_bytes=8192, width_bits=64)
    with pytest.raises(HwcostError, match=r"sram has no action 'erase'; its actions are: read, write"):
        LIB.energy_pj("sram", "erase", capacity_bytes=8192, width_bits=64)
    # One action: it may be named or omitted.
    assert LIB.energy_pj("int_adder", "add", bits=8) == LIB.energy_pj("int_adder", bits=8)


def test_missing_unknown_and_non_numeric_parameters() -> None:
    with pytest.raises(HwcostError, match=r"int_multiplier: missing parameter b_bits; it takes a_bits in \[1, 64\]"):
        LIB.energy_pj("int_multiplier", a_bits=8)
    with pytest.raises(HwcostError, match=r"int_adder: unknown parameter width_bits"):
        LIB.area_um2("int_adder", bits=8, width_bits=8)
    with pytest.raises(HwcostError, match=r"int_adder: bits must be a number"):
        LIB.area_um2("int_adder", bits="eight")


def test_variant_selection() -> None:
    with pytest.raises(HwcostError, match=r"cim_cell: missing parameter cell; one of sram_6t, rram_1t1r"):
        LIB.energy_pj("cim_cell")
    with pytest.raises(HwcostError, match=r"cim_cell: cell = 'mram' is not one of sram_6t, rram_1t1r"):
        LIB.area_um2("cim_cell", cell="mram")
    assert LIB.area_um2("cim_cell", cell="rram_1t1r") < LIB.area_um2("cim_cell", cell="sram_6t")


def test_round_trip_through_plain_data() -> None:
    data = techlib_to_dict(LIB)
    assert parse_techlib(data) == LIB
    assert data["components"]["cim_cell"]["select"] == "cell"
    assert data["components"]["fp_adder"]["valid"] == {"bits": {"one_of": [16, 32]}}


def test_scaled_quantity_keeps_provenance() -> None:
    area = LIB.components["adc"].area
    half = area.scaled(0.5)
    assert half.source == area.source
    assert half.model.evaluate({"bits": 8.0}) == pytest.approx(0.5 * area.model.evaluate({"bits": 8.0}))
