"""Any node between two Stillmaker-Baas fits is interpolated between the two nearest, the way the
paper itself gives 28 and 22 nm between 32 and 20 nm; nothing outside the fits is extrapolated."""

from __future__ import annotations

import pytest

from hwcost.errors import HwcostError
from hwcost.techlib import load_techlib, scale_techlib
from hwcost.techlib._stillmaker import node_fit
from hwcost.techlib.library import Flavour


@pytest.mark.parametrize(("node", "hi", "lo"), [(40.0, 45.0, 32.0), (55.0, 65.0, 45.0), (12.0, 14.0, 10.0)])
def test_a_node_between_two_fits_is_their_linear_interpolation(node: float, hi: float, lo: float) -> None:
    fit, a, b = (node_fit(n, Flavour.HP) for n in (node, hi, lo))
    w = (node - lo) / (hi - lo)
    assert fit.interpolated_from == (hi, lo)
    for got, x, y in zip(fit.energy, a.energy, b.energy):
        assert got == pytest.approx(w * x + (1 - w) * y)


def test_40nm_prices_between_45_and_32nm_and_says_it_is_interpolated() -> None:
    lib45 = load_techlib("45nm")
    e = {n: scale_techlib(lib45, n).energy_pj("int_multiplier", a_bits=8, b_bits=8) for n in (45.0, 40.0, 32.0)}
    assert e[32.0] < e[40.0] < e[45.0]
    lib40 = scale_techlib(lib45, 40.0)
    assert "40 nm interpolated between 45 and 32 nm" in lib40.derived.method and "INTERPOLATED" in lib40.note


def test_no_extrapolation_below_the_smallest_fit() -> None:
    with pytest.raises(HwcostError, match="never extrapolates"):
        node_fit(5.0, Flavour.HP)
