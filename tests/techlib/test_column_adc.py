"""The CIM column readout (techlib ``column_adc``): its coefficients are the fit of the sourced
population in hwcost/data/techscaling/cim_column_adc.yaml, recomputed here; its shape against bits
and its node scaling are checked against closed forms and the population's own numbers."""

from __future__ import annotations

import numpy as np
import pytest

from hwcost.techlib import load_techlib
from hwcost.techlib._column_adc import READOUTS, adc_points, fit_readouts, fit_sar_area
from hwcost.techlib._stillmaker import node_factors
from hwcost.techlib.library import Flavour

LIB = load_techlib("45nm")


def _law(readout: str):
    model = LIB.components["column_adc"].variants[readout].energy["convert"]
    return model.model if hasattr(model, "model") else model


@pytest.mark.parametrize("readout", READOUTS)
def test_library_coefficients_are_the_refit_rounded_to_4_digits(readout: str) -> None:
    fit = fit_readouts()[readout]
    law = _law(readout)
    for got, want in ((law.fixed, fit.fixed), (law.per_bit, fit.per_bit), (law.per_level, fit.per_level)):
        assert got == pytest.approx(float(f"{want:.4g}"), rel=1e-9, abs=1e-12)
    assert law.rate_exponent == fit.rate_exponent == 0.0


def test_sar_area_is_the_refit() -> None:
    coef, res = fit_sar_area()
    area = LIB.components["column_adc"].variants["sar"].area
    area = area.model if hasattr(area, "model") else area
    assert (area.per_bit, area.per_level) == (pytest.approx(float(f"{coef[1]:.4g}")), pytest.approx(float(f"{coef[2]:.4g}")))
    assert np.max(np.abs(res)) < 0.6  # the residual range the 45nm.yaml note states (-0.34 to +0.59)


def test_points_are_moved_to_45nm_by_stillmaker_baas() -> None:
    # ISAAC's 8-bit ADC: 1.67 pJ at 32 nm / 0.9 V (accelergy isaac_adc.csv) x the 32 -> 45 nm factor.
    isaac8 = next(p for p in adc_points() if p.source == "isaac_sar" and p.bits == 8)
    f = node_factors(32, 0.9, 45, 0.9, Flavour.HP).energy
    assert isaac8.energy_45_pj == pytest.approx(1.67 * f)
    # NeuroSim SarADC.cpp 45 nm HP: (2.1843 * 8 + 11.931) uW for 9 ns, at 1.0 V.
    ns8 = next(p for p in adc_points() if p.source == "neurosim_sar" and p.bits == 8)
    assert ns8.energy_pj == pytest.approx((2.1843 * 8 + 11.931) * 9e-3, rel=1e-4)


def test_sar_8_over_4_bits_is_in_the_population_range() -> None:
    """The target of the CIM-realism work: 8 b / 4 b between ~1.8x and 4x at equal rate. The
    population's own ratios: NeuroSim 2.56, ZigZag-IMC 2.16, ISAAC 2.11 (1.67 / 0.79)."""
    e4, e8 = (LIB.energy_pj("column_adc", readout="sar", bits=b, sample_rate_hz=2e8) for b in (4, 8))
    assert 1.8 <= e8 / e4 <= 4.0
    # Closed form of the law: (8 a + 255 c) / (4 a + 15 c).
    law = _law("sar")
    assert e8 / e4 == pytest.approx((8 * law.per_bit + 255 * law.per_level) / (4 * law.per_bit + 15 * law.per_level))


def test_sar_fit_sits_inside_the_population_spread() -> None:
    """Geometric middle of sources that disagree ~10x: at every point the fit is within 7x."""
    res = np.asarray(fit_readouts()["sar"].residuals)
    assert np.all(res + 1 > 1 / 7) and np.all(res + 1 < 7)
    assert np.min(res) < 0 < np.max(res)


def test_energy_is_rate_independent_and_1_to_8_bits_priced() -> None:
    e = [LIB.energy_pj("column_adc", readout="sar", bits=5, sample_rate_hz=f) for f in (1e7, 1e8, 1.2e9)]
    assert e[0] == e[1] == e[2]
    bits = np.arange(1, 9)
    sar = LIB.energy_pj("column_adc", readout="sar", bits=bits, sample_rate_hz=1e8)
    assert np.all(np.diff(sar) > 0)
    # Flash: 2^b - 1 comparators of 6.25 fJ (NeuroSim 7.7017 uW x 1 ns at 1.0 V, moved to 0.9 V).
    flash = LIB.energy_pj("column_adc", readout="flash", bits=bits, sample_rate_hz=1e8)
    assert flash == pytest.approx(0.00625 * (2.0**bits - 1))
    assert LIB.energy_pj("column_adc", readout="sense_amp", bits=1, sample_rate_hz=1e8) == pytest.approx(flash[0])


def test_scales_with_node_and_supply() -> None:
    for node in ("65nm", "28nm", "7nm"):
        lib = load_techlib(node)
        factor = lib.components["column_adc"].variants["sar"].derived.energy_factor
        e = lib.energy_pj("column_adc", readout="sar", bits=8, sample_rate_hz=1e8)
        assert e == pytest.approx(factor * LIB.energy_pj("column_adc", readout="sar", bits=8, sample_rate_hz=1e8), rel=1e-5)
        assert factor == pytest.approx(lib.derived.energy_factor)
    assert load_techlib("7nm").energy_pj("column_adc", readout="sar", bits=8, sample_rate_hz=1e8) < \
        load_techlib("28nm").energy_pj("column_adc", readout="sar", bits=8, sample_rate_hz=1e8)


def _per_level_45(source: str) -> float:
    p = next(q for q in adc_points() if q.source == source)
    return p.energy_pj * node_factors(p.node_nm, p.vdd_v, 45, 0.9, Flavour.HP).energy / (2.0**p.bits - 1)


def test_single_slope_counts_one_step_per_level_between_its_two_sources() -> None:
    """A ramp or a counting / pulse-shrinking TDC: E = c (2^b - 1), with c the geometric middle of
    Fan et al.'s 8-b hybrid (2.386 pJ at 65 nm / 1.1 V) and Challagundla et al.'s 4-b TDC (1.25 pJ
    at 28 nm / 0.9 V), each per level after the move to 45 nm / 0.9 V (two sources, equal weight)."""
    fan = 2.386 * node_factors(65, 1.1, 45, 0.9, Flavour.HP).energy / 255
    tdc = 1.25 * node_factors(28, 0.9, 45, 0.9, Flavour.HP).energy / 15
    assert (_per_level_45("fan_hybrid_ramp"), _per_level_45("challagundla_tdc")) == (pytest.approx(fan), pytest.approx(tdc))
    c = float(np.sqrt(fan * tdc))
    bits = np.arange(1, 9)
    e = LIB.energy_pj("column_adc", readout="single_slope", bits=bits, sample_rate_hz=1e8)
    assert e == pytest.approx(c * (2.0**bits - 1), rel=1e-3)  # the library rounds to 4 digits


def test_time_domain_resolves_one_bit_per_step_at_timelys_scale() -> None:
    """A successive-approximation (recursive) TDC: E = a b. TIMELY's readout at 8 b, 65 nm: charging
    comparator 0.0417 pJ + TDC 0.145 pJ (ISCA 2020 Table II), moved to 45 nm / 0.9 V."""
    e8 = (0.145 + 0.0417) * node_factors(65, 1.1, 45, 0.9, Flavour.HP).energy
    bits = np.arange(1, 9)
    e = LIB.energy_pj("column_adc", readout="time_domain", bits=bits, sample_rate_hz=1e8)
    assert e == pytest.approx(e8 * bits / 8, rel=1e-3)
    assert e[7] / e[3] == pytest.approx(2.0)  # 8 b / 4 b: twice the steps
    a8 = 350 * node_factors(65, 1.1, 45, 0.9, Flavour.HP).area
    assert LIB.area_um2("column_adc", readout="time_domain", bits=8, sample_rate_hz=1e8) == pytest.approx(a8, rel=1e-3)


def test_the_former_ramp_readout_names_its_successor(tmp_path, capsys) -> None:
    from hwcost.cli import main

    path = tmp_path / "arch.yaml"
    path.write_text("template: cim_macro\nadc_readout: ramp\n")
    assert main(["evaluate", "--arch-file", str(path)]) == 2
    err = capsys.readouterr().err
    assert "arch.yaml:2" in err and "adc_readout" in err and "'single_slope'" in err and "Traceback" not in err
