"""The shipped 45 nm library against the sources its numbers come from."""

import math

import numpy as np
import pytest

from hwcost import HwcostError, load_techlib

LIB = load_techlib("45nm")

# Component names the rest of the toolkit prices (the datapath classifier and the accelerator
# templates look them up by name).
TOOLKIT_COMPONENTS = {
    "int_adder", "int_multiplier", "fp_adder", "fp_multiplier", "register", "shifter",
    "comparator", "mux", "sram", "dram", "adc", "column_adc", "dac", "cim_cell", "logic_gate",
    "wire",  # the on-chip network (issue 15): tests/techlib/test_wire.py
    "regfile",  # per-PE register files / scratchpads (issue 15): tests/techlib/test_regfile.py
}


def test_library_header_and_components() -> None:
    assert (LIB.name, LIB.node_nm, LIB.vdd_v, LIB.flavour.value) == ("45nm", 45.0, 0.9, "HP")
    assert set(LIB.components) == TOOLKIT_COMPONENTS


# Horowitz ISSCC 2014, 45 nm, as reprinted with areas in Kim et al., arXiv:2302.14017 (2023),
# Fig. 15: (bits, energy_pJ, area_um2).
HOROWITZ_INT_ADD = [(8, 0.03, 36), (16, 0.05, 67), (32, 0.1, 137)]
HOROWITZ_INT_MULT = [(8, 0.2, 282), (32, 3.1, 3495)]


@pytest.mark.parametrize("bits, energy_pj, area_um2", HOROWITZ_INT_MULT)
def test_int_multiplier_reproduces_horowitz(bits: int, energy_pj: float, area_um2: float) -> None:
    assert LIB.energy_pj("int_multiplier", a_bits=bits, b_bits=bits) == pytest.approx(energy_pj, rel=0.05)
    assert LIB.area_um2("int_multiplier", a_bits=bits, b_bits=bits) == pytest.approx(area_um2, rel=0.10)


def test_int_multiplier_energy_grows_as_product_of_widths() -> None:
    a, b = np.meshgrid(np.arange(2, 33), np.arange(2, 33))
    energy = LIB.energy_pj("int_multiplier", a_bits=a, b_bits=b)
    slope = np.polyfit(np.log(a * b).ravel(), np.log(energy).ravel(), 1)[0]
    assert 0.95 < slope < 1.05
    # Depends on a*b only: 4x16 costs what 8x8 costs; operands commute.
    assert LIB.energy_pj("int_multiplier", a_bits=4, b_bits=16) == pytest.approx(0.2)
    assert LIB.energy_pj("int_multiplier", a_bits=8, b_bits=16) == LIB.energy_pj("int_multiplier", a_bits=16, b_bits=8)


@pytest.mark.parametrize("bits, energy_pj, area_um2", HOROWITZ_INT_ADD)
def test_int_adder_reproduces_horowitz(bits: int, energy_pj: float, area_um2: float) -> None:
    # The YAML states residuals of at most 4.2 % (energy) and 2.5 % (area).
    assert LIB.energy_pj("int_adder", bits=bits) == pytest.approx(energy_pj, rel=0.045)
    assert LIB.area_um2("int_adder", bits=bits) == pytest.approx(area_um2, rel=0.03)


def test_int_adder_is_affine_in_bits() -> None:
    bits = np.arange(1, 65)
    for values in (LIB.energy_pj("int_adder", bits=bits), LIB.area_um2("int_adder", bits=bits)):
        steps = np.diff(values)
        assert steps.min() > 0
        assert np.allclose(steps, steps[0])


@pytest.mark.parametrize(
    "component, bits, energy_pj, area_um2",
    [
        ("fp_adder", 16, 0.4, 1360), ("fp_adder", 32, 0.9, 4184),
        ("fp_multiplier", 16, 1.1, 1640), ("fp_multiplier", 32, 3.7, 7700),
    ],
)
def test_fp_units_are_horowitz(component: str, bits: int, energy_pj: float, area_um2: float) -> None:
    assert LIB.energy_pj(component, bits=bits) == pytest.approx(energy_pj)
    assert LIB.area_um2(component, bits=bits) == pytest.approx(area_um2)


def test_fp_units_only_price_half_and_single_precision() -> None:
    with pytest.raises(HwcostError, match=r"fp_adder: bits = 24 .*\{16, 32\}"):
        LIB.energy_pj("fp_adder", bits=24)


def test_a_register_is_zigzag_imcs_flip_flop_moved_to_45nm() -> None:
    # ZigZag-IMC TECH_PARAM_28NM: dff_cap = 3 x 0.7 fF, energy dff_cap x Vdd^2 at 0.9 V; dff_area =
    # 6 x 0.614 um2; moved to 45 nm by the Stillmaker-Baas factors the NAND2 uses (logic_gate).
    nand2_factor_e = LIB.energy_pj("logic_gate", gate="nand2") / (0.7e-3 / 2 * 0.81)
    nand2_factor_a = LIB.area_um2("logic_gate", gate="nand2") / 0.614
    assert LIB.energy_pj("register", bits=32) == pytest.approx(32 * 2.1e-3 * 0.81 * nand2_factor_e, rel=1e-3)
    assert LIB.area_um2("register", bits=32) == pytest.approx(32 * 6 * 0.614 * nand2_factor_a, rel=1e-3)


def test_aladdin_components() -> None:
    # Aladdin 40 nm: 32-bit shifter 0.417 pJ / 250 um2; 32-bit comparator 0.02947 pJ / 71 um2.
    assert LIB.energy_pj("shifter", bits=32) == pytest.approx(0.417)
    assert LIB.area_um2("shifter", bits=32) == pytest.approx(250)
    # n log2 n: an 8-bit shifter has 24 muxes, a 16-bit one 64.
    assert LIB.area_um2("shifter", bits=16) / LIB.area_um2("shifter", bits=8) == pytest.approx(64 / 24)
    assert LIB.energy_pj("comparator", bits=32) == pytest.approx(0.02947)
    assert LIB.area_um2("comparator", bits=32) == pytest.approx(71)
    assert LIB.energy_pj("mux", bits=160) == pytest.approx(0.417)


# CACTI 7, 45 nm itrs-hp (the tech_nm = 45 rows of hwcost/data/techscaling/cacti7_sram_sweep.yaml):
# capacity_bytes, width_bits, read_pJ, write_pJ, area_mm2.
CACTI_45NM = """
1024,32,1.1684,1.7507,0.00343 1024,64,1.4337,2.9062,0.0036 1024,128,2.734,4.127,0.00532
1024,256,6.9173,8.1511,0.01054 2048,32,1.9677,2.2421,0.00722 2048,64,2.3513,3.5159,0.00755
2048,128,3.1109,6.056,0.00831 2048,256,7.2212,10.007,0.01346 4096,32,2.5406,3.1475,0.0132
4096,64,2.9241,5.3452,0.01352 4096,128,3.6837,9.733,0.01428 4096,256,7.8937,13.7838,0.01925
8192,32,4.6595,4.0594,0.02567 8192,64,5.2883,6.5023,0.02629 8192,128,6.542,11.3842,0.02772
8192,256,9.0578,21.1564,0.0308 16384,32,8.8696,5.8552,0.05004 16384,64,9.9943,8.794,0.05075
16384,128,9.1074,18.9755,0.0507 16384,256,11.6232,36.1387,0.05378
32768,32,13.8001,7.9032,0.0942 32768,64,14.9248,12.6898,0.09492
32768,128,17.1757,22.2644,0.09759 32768,256,21.6778,41.414,0.10342
65536,32,16.0399,10.143,0.19929 65536,64,28.9844,17.1907,0.18366
65536,128,33.2256,28.7556,0.18798 65536,256,41.7095,51.8869,0.19893
131072,32,21.2195,13.3766,0.41668 131072,64,32.9568,21.1631,0.38743
131072,128,40.5296,36.0595,0.41352 131072,256,56.2922,66.4696,0.47378
262144,32,26.3483,18.4334,0.82174 262144,64,40.6252,28.8314,0.79626
262144,128,54.5535,50.0834,0.86592 262144,256,86.7138,107.534,0.87658
524288,32,31.6055,25.7086,1.58919 524288,64,52.0225,40.2287,1.57614
524288,128,87.0636,63.4761,1.60235 524288,256,124.758,115.818,1.79715
1048576,32,41.2937,35.3969,3.19218 1048576,64,67.6875,55.8938,3.16951
1048576,128,115.033,91.4456,3.24711 1048576,256,179.969,171.029,3.6752
2097152,32,55.8993,50.0024,6.32556 2097152,64,90.0212,78.2275,6.24277
2097152,128,152.514,143.905,6.22203 2097152,256,274.238,257.02,6.55224
4194304,32,84.3436,68.6719,11.9483 4194304,64,121.818,109.881,12.3994
4194304,128,207.297,198.688,12.5263 4194304,256,378.199,360.981,13.1956
"""


def _cacti() -> np.ndarray:
    rows = [[float(v) for v in item.split(",")] for item in CACTI_45NM.split()]
    return np.array(rows)


@pytest.mark.parametrize(
    "column, price",
    [
        # The table of 45nm.yaml is CACTI's rows themselves (the power law before it missed them by
        # rms / max: read 23.6 % / 57 %, write 8.2 % / 23 %, area 14 % / 56 %).
        (2, lambda c, w: LIB.energy_pj("sram", "read", capacity_bytes=c, width_bits=w)),
        (3, lambda c, w: LIB.energy_pj("sram", "write", capacity_bytes=c, width_bits=w)),
        (4, lambda c, w: LIB.area_um2("sram", capacity_bytes=c, width_bits=w) * 1e-6),
    ],
)
def test_sram_reproduces_cacti(column: int, price) -> None:
    data = _cacti()
    assert len(data) == 52
    np.testing.assert_allclose(price(data[:, 0], data[:, 1]), data[:, column], rtol=1e-9)


def test_sram_is_below_horowitz_cache_figures() -> None:
    # Horowitz 64-bit reads of 8 KB / 32 KB / 1 MB: 10 / 20 / 100 pJ; CACTI is 0.5-0.75x.
    for capacity, horowitz_pj in [(8192, 10), (32768, 20), (1048576, 100)]:
        ratio = LIB.energy_pj("sram", "read", capacity_bytes=capacity, width_bits=64) / horowitz_pj
        assert 0.45 < ratio < 0.8


def test_dram_is_lpddr4_per_bit_and_off_chip() -> None:
    assert LIB.energy_pj("dram", "read", bits=64, standard="lpddr4") == pytest.approx(512)  # 8 pJ/bit
    assert LIB.energy_pj("dram", "write", bits=64, standard="lpddr4") == pytest.approx(512)
    assert LIB.area_um2("dram", bits=64, standard="lpddr4") == 0.0


def test_adc_doubles_per_bit_above_the_floor() -> None:
    floor_pj = 0.7778  # survey row ENOB 5, SAR >= 100 MS/s, <= 65 nm, min energy
    bits = np.arange(4, 11)
    above = LIB.energy_pj("adc", bits=bits) - floor_pj
    ratios = above[1:] / above[:-1]
    assert np.all((ratios > 1.95) & (ratios < 2.25))
    # Anchored on the survey's ENOB 10 row of the same class: 2.24 pJ.
    assert LIB.energy_pj("adc", bits=10) == pytest.approx(2.24, rel=1e-3)


def test_adc_area_is_isaac_scaled_to_45nm() -> None:
    # ISAAC 8-bit SAR ADC, 32 nm: 1200 um2; Stillmaker-Baas area factor 32 nm vs 45 nm: 0.46.
    assert LIB.area_um2("adc", bits=8) == pytest.approx(1200 / 0.46, rel=1e-3)
    assert LIB.area_um2("adc", bits=4) == pytest.approx(361.04 / 0.46, rel=1e-3)
    with pytest.raises(HwcostError, match=r"adc: bits = 3 .*\[4, 10\]"):
        LIB.area_um2("adc", bits=3)


def test_dac_and_cim_cells() -> None:
    # ZigZag-IMC k0 = 50 fF at Vdd 0.9 V, 28 nm -> 45 nm by 1/0.52; ISAAC 0.166 um2 / 0.46.
    assert LIB.energy_pj("dac", bits=1) == pytest.approx(0.05 * 0.9**2 / 0.52, rel=1e-3)
    assert LIB.area_um2("dac", bits=4) == pytest.approx(4 * 0.166 / 0.46, rel=1e-3)
    f_um = 0.045
    assert LIB.area_um2("cim_cell", cell="sram_6t") == pytest.approx(160 * f_um**2)
    assert LIB.area_um2("cim_cell", cell="rram_1t1r") == pytest.approx(48 * f_um**2)
    # NeuroSim 1T1R read: V^2 / R * t at 0.5 V, 10 ns; LRS 100 kOhm, HRS 1.7 MOhm; mean of the two.
    lrs_pj, hrs_pj = (0.5**2 / r * 10e-9 * 1e12 for r in (100e3, 1.7e6))
    assert LIB.energy_pj("cim_cell", cell="rram_1t1r") == pytest.approx((lrs_pj + hrs_pj) / 2, rel=1e-3)
    assert LIB.energy_pj("cim_cell", "compute", cell="sram_6t") == pytest.approx(0.35e-3 * 0.81 / 0.52, rel=1e-3)


def test_every_component_and_quantity_carries_a_source() -> None:
    for comp in LIB.components.values():
        assert comp.source.strip()
        for leaf in getattr(comp, "variants", {"": comp}).values():
            assert leaf.source.strip()
            for quantity in [*leaf.energy.values(), leaf.area]:
                assert quantity.model.describe(quantity.kind)


def test_every_energy_is_positive_over_the_valid_range() -> None:
    for name, comp in LIB.components.items():
        if hasattr(comp, "variants"):
            continue
        grid = {p: np.array(r.one_of) if r.one_of is not None else
                np.linspace(r.minimum, min(r.maximum, 1e7), 7).round() if r.integer else
                np.linspace(r.minimum, r.maximum, 7)  # a length in mm need not be whole
                for p, r in comp.params.items()}
        mesh = dict(zip(grid, np.meshgrid(*grid.values())))
        for action in comp.actions:
            energy = LIB.energy_pj(name, action, **mesh)
            assert np.all(energy > 0) and np.all(np.isfinite(energy)), name
        assert np.all(LIB.area_um2(name, **mesh) >= 0), name
    assert math.isfinite(LIB.energy_pj("shifter", bits=2))


def test_logic_gates_are_zigzag_imc_units_moved_to_45nm() -> None:
    # ZigZag-IMC TECH_PARAM_28NM: NAND2 input capacitance 0.7 fF, area 0.614 um2; XOR2 1.5x / 2.4x.
    # A gate evaluation charges cap / 2 at 0.9 V; Stillmaker-Baas HP 28 -> 45 nm: x1.880 energy, x2.655 area.
    nand = 0.7e-3 / 2 * 0.81 * 1.88021
    for gate in ("nand2", "nor2"):
        assert LIB.energy_pj("logic_gate", gate=gate) == pytest.approx(nand, rel=1e-3)
        assert LIB.area_um2("logic_gate", gate=gate) == pytest.approx(0.614 * 2.65486, rel=1e-3)
    assert LIB.energy_pj("logic_gate", gate="xor2") == pytest.approx(1.5 * nand, rel=1e-3)
    assert LIB.area_um2("logic_gate", gate="xor2") == pytest.approx(2.4 * 0.614 * 2.65486, rel=1e-3)
