"""The fake-quant kernel: gradients against finite differences, and grid properties."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwcost.accuracy.kernels.grid import IntGrid
from hwcost.accuracy.kernels.pact import pact_clip, pact_clip_grads
from hwcost.accuracy.kernels.rounding import HardRound, SigmoidSoftRound, ssr_temperature
from hwcost.accuracy.kernels.uniform import fake_quant, fake_quant_grads, pot_step, snap_offset

EPS = 1e-6


@dataclass(frozen=True)
class FrozenRound:
    """The straight-through surrogate of hard rounding around an anchor u0: R(u) = round(u0) + (u - u0).

    Its value equals hard rounding at u0 and its derivative is 1, so finite differences of the
    kernel under it give exactly the STE gradients LSQ and LSQ+ use."""

    anchor: np.ndarray

    def round(self, u: np.ndarray) -> np.ndarray:
        return np.floor(self.anchor + 0.5) + (u - self.anchor)

    def derivative(self, u: np.ndarray) -> np.ndarray:
        return np.ones_like(u)


GRID = IntGrid(lo=-8, hi=7)
X = np.array([-3.3, -1.04, -0.26, 0.07, 0.41, 0.9, 1.32, 2.6, 5.0, -7.0])
STEP, OFFSET = 0.3, 0.05


def _anchor(step: float, offset: float) -> np.ndarray:
    return np.clip((X - offset) / step, GRID.lo, GRID.hi)


def _fd(f, value: float) -> np.ndarray:
    return (f(value + EPS) - f(value - EPS)) / (2 * EPS)


def test_lsq_step_gradient_matches_finite_differences() -> None:
    rounding = FrozenRound(_anchor(STEP, 0.0))
    fd = _fd(lambda s: fake_quant(X, s, 0.0, GRID, rounding), STEP)
    g = fake_quant_grads(X, STEP, 0.0, GRID, HardRound(), np.ones_like(X))
    np.testing.assert_allclose(g.step, fd, atol=1e-6)


def test_lsq_step_gradient_is_the_papers_formula() -> None:
    g = fake_quant_grads(X, STEP, 0.0, GRID, HardRound(), np.ones_like(X))
    v = X / STEP
    inside = (v > GRID.lo) & (v < GRID.hi)
    expected = np.where(inside, -v + np.floor(v + 0.5), np.where(v <= GRID.lo, GRID.lo, GRID.hi))
    np.testing.assert_allclose(g.step, expected)  # Esser et al. 2020 eq. 3: -v/s + round(v/s), -Q_N, Q_P


def test_lsq_plus_offset_gradient_matches_finite_differences() -> None:
    rounding = FrozenRound(_anchor(STEP, OFFSET))
    fd = _fd(lambda b: fake_quant(X, STEP, b, GRID, rounding), OFFSET)
    g = fake_quant_grads(X, STEP, OFFSET, GRID, HardRound(), np.ones_like(X))
    np.testing.assert_allclose(g.offset, fd, atol=1e-6)
    u = (X - OFFSET) / STEP
    np.testing.assert_array_equal(g.offset, np.where((u > GRID.lo) & (u < GRID.hi), 0.0, 1.0))  # LSQ+ eq. 5


@pytest.mark.parametrize("temperature", [2.0, 8.0])
def test_ssr_gradients_match_finite_differences(temperature: float) -> None:
    ssr = SigmoidSoftRound(temperature)
    x = X[np.abs(((X - OFFSET) / STEP) % 1.0 - 0.0) > 0.05]  # away from floor's jumps
    g = fake_quant_grads(x, STEP, OFFSET, GRID, ssr, np.ones_like(x))
    fd_x = (fake_quant(x + EPS, STEP, OFFSET, GRID, ssr) - fake_quant(x - EPS, STEP, OFFSET, GRID, ssr)) / (2 * EPS)
    fd_s = (fake_quant(x, STEP + EPS, OFFSET, GRID, ssr) - fake_quant(x, STEP - EPS, OFFSET, GRID, ssr)) / (2 * EPS)
    fd_b = (fake_quant(x, STEP, OFFSET + EPS, GRID, ssr) - fake_quant(x, STEP, OFFSET - EPS, GRID, ssr)) / (2 * EPS)
    np.testing.assert_allclose(g.x, fd_x, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(g.step, fd_s, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(g.offset, fd_b, rtol=1e-5, atol=1e-6)


def test_ssr_anneals_to_hard_rounding() -> None:
    u = np.linspace(-3.2, 3.2, 57)
    u = u[np.abs(u - np.floor(u) - 0.5) > 0.05]
    assert ssr_temperature(0.0, 4.0, 64.0) == 4.0 and ssr_temperature(1.0, 4.0, 64.0) == 64.0
    errors = [np.abs(SigmoidSoftRound(t).round(u) - HardRound().round(u)).max() for t in (4.0, 16.0, 64.0, 512.0)]
    assert errors == sorted(errors, reverse=True) and errors[-1] < 1e-5


def test_pact_alpha_gradient_matches_finite_differences() -> None:
    alpha = 1.7
    fd = _fd(lambda a: pact_clip(X, a), alpha)
    grad_x, grad_alpha = pact_clip_grads(X, alpha, np.ones_like(X))
    assert grad_alpha == pytest.approx(fd.sum(), abs=1e-6)  # PACT eq. 3: 1 where x >= alpha
    np.testing.assert_array_equal(grad_x, ((X > 0) & (X < alpha)).astype(float))


@settings(max_examples=60, deadline=None)
@given(
    bits=st.integers(2, 8),
    signed=st.booleans(),
    centred=st.booleans(),
    step=st.floats(1e-3, 10.0),
    values=st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=20),
)
def test_fake_quant_lands_on_the_grid_and_is_idempotent(bits, signed, centred, step, values) -> None:
    half = 0.5 if centred else 0.0
    grid = IntGrid(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1, half) if (signed or centred) else IntGrid(0, 2**bits - 1)
    x = np.array(values)
    y = fake_quant(x, step, 0.0, grid, HardRound())
    k = y / step - half
    np.testing.assert_allclose(k, np.round(k), atol=1e-6)
    assert k.min() >= grid.lo - 1e-9 and k.max() <= grid.hi + 1e-9
    np.testing.assert_allclose(fake_quant(y, step, 0.0, grid, HardRound()), y, atol=1e-9 * step)
    if centred:
        assert np.all(np.abs(y) >= step / 2 - 1e-12)  # zero-free odd levels (CSQ)


def test_pot_step_and_snapped_offset() -> None:
    s = pot_step(np.array([0.3, 0.7, 1.0, 3.0]))
    np.testing.assert_array_equal(np.log2(s), np.round(np.log2(s)))
    offset = snap_offset(np.array([-0.33, 0.12]), np.array([0.1, 0.05]))
    np.testing.assert_allclose(offset / np.array([0.1, 0.05]), [-3.0, 2.0])
