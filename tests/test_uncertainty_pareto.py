"""Robust Pareto fronts under the technology's spreads (hwcost.pareto.front_share,
hwcost.uncertainty.sample_rows; docs/uncertainty.md "Studies"): a share computed by hand from the
normal CDF, the vectorised fronts against one non_dominated per sample, and the many-points
closed form against each report's own samples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hwcost import TechLib, load_techlib
from hwcost.evaluate import report_of
from hwcost.design_point import design_point
from hwcost.pareto import Objective, Sense, front_share, non_dominated, pareto_shares, pareto_table
from hwcost.uncertainty import draws, row_sigmas, sample, sample_rows

_LIB = """\
name: tiny2
node_nm: 45
vdd_v: 0.9
flavour: HP
source: test fixture
components:
  sram:
    source: test
    valid: {}
    energy_pj:
      read: {model: constant, value_pj: 1}
    area_um2: {model: constant, value_um2: 1}
    spread: {energy_sigma: 0.3, area_sigma: 0.2, leakage_sigma: 0.5, source: test}
  int_adder:
    source: test
    valid: {}
    energy_pj:
      add: {model: constant, value_pj: 1}
    area_um2: {model: constant, value_um2: 1}
    spread: {energy_sigma: 0.4, area_sigma: 0.1, leakage_sigma: 0.5, source: test}
"""


@pytest.fixture
def lib(tmp_path) -> TechLib:
    path = tmp_path / "tiny2.yaml"
    path.write_text(_LIB)
    return load_techlib(path)


def _phi(x: float) -> float:
    """The standard normal CDF."""
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def test_the_share_of_a_point_is_the_normal_cdf_of_its_difference(lib: TechLib) -> None:
    """Two points, each a global buffer (sram, sigma_E 0.3) and an accumulator (int_adder,
    sigma_E 0.4) with the same static energy; A is faster (latency 1 vs 2, not sampled).
    A: buffer 10 pJ + adds 3.0 pJ; B: buffer 10.5 pJ + adds 2.2 pJ. With one draw for both, what
    they share cancels (the 10 pJ of buffer, the static energy under its one leakage z):
    B is on the front iff E_B < E_A, i.e. 0.5 exp(0.3 zS) < 0.8 exp(0.4 zI), i.e.
    0.3 zS - 0.4 zI < ln 1.6, a normal of sd 0.5: share(B) = Phi(ln(1.6) / 0.5) = 0.8264;
    A is always on it."""
    sigmas = row_sigmas(["glb", "accumulator"], ["techlib", "techlib"], lib)
    static = np.array([[5.0, 0.0], [5.0, 0.0]])
    dynamic = np.array([[10.0, 3.0], [10.5, 2.2]])
    energy, _, _ = sample_rows(dynamic, static, np.ones((2, 2)), sigmas, draws(200_000, 4))
    latency = np.broadcast_to(np.array([1.0, 2.0]), energy.shape)
    share = front_share(np.stack([energy, latency], axis=2), (Sense.MINIMISE, Sense.MINIMISE))
    expected = _phi(math.log(1.6) / math.hypot(0.3, 0.4))
    assert expected == pytest.approx(0.8264, abs=1e-4)
    assert share[0] == 1.0
    assert share[1] == pytest.approx(expected, abs=0.004)  # 4 standard errors at 200,000 samples


def test_independent_draws_would_not_cancel(lib: TechLib) -> None:
    """The same two points drawn independently (A from one seed, B from another) lose the
    cancellation: B's share moves far from the closed form above (the shared 10 pJ of buffer
    now moves A and B apart)."""
    sigmas = row_sigmas(["glb", "accumulator"], ["techlib", "techlib"], lib)
    a, _, _ = sample_rows(np.array([[10.0, 3.0]]), np.zeros((1, 2)), np.ones((1, 2)), sigmas, draws(100_000, 1))
    b, _, _ = sample_rows(np.array([[10.5, 2.2]]), np.zeros((1, 2)), np.ones((1, 2)), sigmas, draws(100_000, 2))
    independent = float((b[:, 0] < a[:, 0]).mean())
    assert abs(independent - _phi(math.log(1.6) / 0.5)) > 0.2


def test_a_pinned_row_takes_no_spread(lib: TechLib) -> None:
    sigmas = row_sigmas(["glb", "accumulator"], ["techlib", "datasheet"], lib)
    assert sigmas.energy.tolist() == [0.3, 0.0] and sigmas.area.tolist() == [0.2, 0.0]


@pytest.mark.parametrize("k", [2, 3, 4])
def test_front_share_is_the_mean_of_one_front_per_sample(k: int) -> None:
    """Integer values, so ties and duplicate points are common: each path (one sort per sample
    for two objectives, elites then candidates for more) against non_dominated per sample."""
    rng = np.random.default_rng(k)
    for _ in range(60):
        samples, n = int(rng.integers(1, 6)), int(rng.integers(1, 70))
        values = rng.integers(0, 5, (samples, n, k)).astype(float)
        senses = tuple(Sense.MAXIMISE if j % 2 else Sense.MINIMISE for j in range(k))
        expected = np.mean([non_dominated(values[s], senses) for s in range(samples)], axis=0)
        assert front_share(values, senses).tolist() == expected.tolist()


def test_a_point_with_a_missing_objective_has_no_share() -> None:
    values = np.array([[[1.0, np.nan], [2.0, 1.0]], [[1.0, 2.0], [2.0, 1.0]]])
    share = front_share(values, (Sense.MINIMISE, Sense.MINIMISE))
    assert np.isnan(share[0]) and share[1] == 1.0


def test_pareto_table_gives_each_front_its_share() -> None:
    """Three rows, two groups; energy sampled, accuracy not: row 1 beats row 0 in energy in one
    sample of two, so each is on the (accuracy, energy) front in the other."""
    frame = pd.DataFrame({"workload": ["a", "a", "b"], "acc": [90.0, 90.0, 50.0], "energy_pj": [1.0, 1.0, 9.0]})
    sampled = {"energy_pj": np.array([[1.0, 2.0, 9.0], [2.0, 1.0, 9.0]])}
    objectives = (Objective("acc", Sense.MAXIMISE), Objective("energy_pj", Sense.MINIMISE))
    assert pareto_shares(frame, objectives, sampled, ["workload"]).tolist() == [0.5, 0.5, 1.0]
    table = pareto_table(frame, objectives, ["workload"], samples=sampled)
    assert table["pareto_share"].tolist() == [0.5, 0.5, 1.0]
    assert table["pareto_robust"].tolist() == [False, False, True]
    assert "pareto_share" not in pareto_table(frame, objectives, ["workload"]).columns


def test_sample_rows_is_sample_for_many_points() -> None:
    """The vectorised closed form of a study gives each report's own samples (sample())."""
    reports = [report_of(design_point("lsq", 4, workload=w)) for w in ("resnet20", "resnet18")]
    units = [r.unit for r in reports[0].breakdown]
    assert units == [r.unit for r in reports[1].breakdown]
    sigmas = row_sigmas(units, [r.source for r in reports[0].breakdown], load_techlib(reports[0].node))
    static = np.array([[r.static_pj for r in rep.breakdown] for rep in reports])
    energy = np.array([[r.energy_pj for r in rep.breakdown] for rep in reports])
    area = np.array([[r.area_um2 for r in rep.breakdown] for rep in reports])
    e, st, a = sample_rows(energy - static, static, area, sigmas, draws(500, 9))
    for i, rep in enumerate(reports):
        one = sample(rep, 500, 9)
        np.testing.assert_allclose(e[:, i], one.energy_pj, rtol=1e-12)
        np.testing.assert_allclose(st[:, i], one.static_energy_pj, rtol=1e-12)
        np.testing.assert_allclose(a[:, i], one.area_um2, rtol=1e-12)
