"""The parametric laws and their coefficient records."""

import doctest

import numpy as np
import pytest

import hwcost.techlib.library
import hwcost.techlib.models
from hwcost.techlib.models import (
    Adc,
    Constant,
    Kind,
    Linear,
    Nlogn,
    PowerLaw,
    Product,
    Table,
    adc_energy_pj,
    interpolate,
    nlogn,
    product_power_law,
    unit_of,
)


@pytest.mark.parametrize("module", [hwcost.techlib.models, hwcost.techlib.library])
def test_doctests(module) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


def test_product_power_law_hits_its_reference_and_broadcasts() -> None:
    a = np.array([[8], [32]])
    b = np.array([8, 32])
    y = product_power_law(a, b, 0.2, 64.0, 1.0)
    assert y.shape == (2, 2)
    np.testing.assert_allclose(y, [[0.2, 0.8], [0.8, 3.2]])


def test_nlogn_counts_barrel_shifter_muxes() -> None:
    # log2(n) stages of n 2:1 muxes: 8 -> 24, 16 -> 64, 64 -> 384.
    assert nlogn(np.array([8, 16, 64]), 1.0).tolist() == [24.0, 64.0, 384.0]


def test_interpolation_is_exact_at_points_and_loglog_between() -> None:
    xs, ys = np.array([4.0, 8.0, 16.0]), np.array([1.0, 4.0, 16.0])
    assert interpolate(xs, xs, ys, loglog=True) == pytest.approx(ys)
    # y = x^2 / 16 is a straight line in log-log axes, so log-log interpolation is exact on it.
    assert interpolate(np.array([5.0, 12.0]), xs, ys, loglog=True) == pytest.approx([25 / 16, 9.0])
    assert interpolate(12.0, xs, ys, loglog=False) == pytest.approx(10.0)


def test_adc_terms() -> None:
    # Walden only: FOM_W * 2^b; 1 fJ/step at 10 b = 1.024 pJ (survey column walden_bound_1fJ_pJ).
    assert adc_energy_pj(10, 0.0, 1.0, 250.0) == pytest.approx(1.024, rel=1e-6)
    # Schreier only: survey column schreier_bound_185dB_pJ at ENOB 8, 12: 0.015523, 3.971641 pJ.
    assert adc_energy_pj(np.array([8, 12]), 0.0, 0.0, 185.0) == pytest.approx([0.015523, 3.971641], rel=1e-4)
    # Thermal term grows 4x per bit (6.02 dB of SNDR).
    assert adc_energy_pj(11, 0, 0, 185) / adc_energy_pj(10, 0, 0, 185) == pytest.approx(4.0, rel=1e-3)


MODELS = [
    Constant(2.0),
    Linear("bits", 0.5, 0.25),
    Product("a_bits", "b_bits", 0.2, 64.0, 0.9),
    Nlogn("bits", 0.01),
    PowerLaw(("capacity_bytes", "width_bits"), 5.0, (8192.0, 64.0), (0.5, 0.3)),
    Table("bits", (4.0, 8.0, 16.0), (1.0, 3.0, 7.0), loglog=True),
    Adc("bits", 0.7, 1.2, 185.0),
]
VALUES = {
    "bits": np.array([4.0, 6.0, 11.0]),
    "a_bits": np.array([4.0, 8.0, 16.0]),
    "b_bits": np.array([2.0, 8.0, 8.0]),
    "capacity_bytes": np.array([1024.0, 8192.0, 65536.0]),
    "width_bits": np.array([32.0, 64.0, 128.0]),
}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.name)
def test_scaled_multiplies_the_output(model) -> None:
    base = np.broadcast_to(model.evaluate(VALUES), (3,))
    assert np.broadcast_to(model.scaled(0.43).evaluate(VALUES), (3,)) == pytest.approx(0.43 * base)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.name)
def test_coefficient_names_carry_the_unit(model) -> None:
    for kind in model.kinds:
        keys = set(model.to_dict(kind))
        assert keys == set(type(model).coefficient_keys(kind))
        assert any(kind.unit in k for k in keys) or isinstance(model, Table)


def test_units_from_parameter_names() -> None:
    assert [unit_of(n) for n in ("bits", "a_bits", "capacity_bytes", "cell", "rabbits")] == [
        "bits", "bits", "bytes", None, None,
    ]
    assert Kind.ENERGY.value == "energy_pj" and Kind.AREA.value == "area_um2"
