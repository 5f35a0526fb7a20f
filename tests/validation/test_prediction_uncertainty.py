"""The prediction band against silicon (hwcost.validation.prediction): the leave-one-out discrepancy
computed by hand on a toy set, a chip's own ratio never entering its band, determinism with a seed,
and the technology band and its coverage left as they were."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest

from hwcost.cli import main
from hwcost.report import Condition, Scope
from hwcost.uncertainty import Band, Quantiles, discrepancy_draws, draws
from hwcost.validation import SHIPPED_SET, Chip, ChipClass, Published, compare, load_chips, summarise
from hwcost.validation.chips import Design
from hwcost.validation.compare import ALL, ChipResult, coverage
from hwcost.validation.prediction import Pool, leave_one_out, prediction_bands, prediction_coverage

SAMPLES, SEED = 4000, 3
_DESIGN = Design({"template": "mac_array"}, "45nm", None, None, "lsq", 8, 8, "peak")


def _result(name: str, chip_class: ChipClass, published: float, predicted: float | None) -> ChipResult:
    """A priced chip whose technology samples are a made-up spread around ``predicted`` (x 0.5..2)."""
    chip = Chip(name, "a test: not a real chip", chip_class, _DESIGN, Published(published, Scope.ARRAY, Condition.PEAK))
    if predicted is None:
        return ChipResult(chip, None, error="not priced here")
    tops = predicted * np.geomspace(0.5, 2.0, SAMPLES)
    q = Quantiles(*np.quantile(tops, (0.1, 0.5, 0.9)))
    band = Band(SAMPLES, SEED, q, q, q, q)  # only tops_per_w and samples/seed are read
    return ChipResult(chip, predicted, band=band, tops_per_w_samples=tops)


# published / predicted: A 10/5 = 2, B 3/1 = 3, C 1/4 = 0.25, D 8/1 = 8 (digital); E alone in its class
TOY = (
    _result("A", ChipClass.DIGITAL, 10.0, 5.0),
    _result("B", ChipClass.DIGITAL, 3.0, 1.0),
    _result("C", ChipClass.DIGITAL, 1.0, 4.0),
    _result("D", ChipClass.DIGITAL, 8.0, 1.0),
    _result("E", ChipClass.CIM_ANALOG, 50.0, 20.0),
    _result("F", ChipClass.DIGITAL, 7.0, None),  # not priced: in no pool
)


def _hand_mean_sd(logs: list[float]) -> tuple[float, float]:
    n = len(logs)
    mean = sum(logs) / n
    return mean, math.sqrt(sum((x - mean) ** 2 for x in logs) / (n - 1))


def test_leave_one_out_mean_and_sd_are_those_of_the_other_chips_by_hand() -> None:
    # A: the other digital chips B, C, D: ln 3, ln 0.25, ln 8; mean ln(3 x 0.25 x 8) / 3 = ln(6) / 3
    a = leave_one_out(TOY, 0)
    mean, sd = _hand_mean_sd([math.log(3), math.log(0.25), math.log(8)])
    assert a is not None and a.pool is Pool.CLASS and a.n == 3
    assert a.mean_ln == pytest.approx(math.log(6) / 3) and a.mean_ln == pytest.approx(mean)
    assert a.sd_ln == pytest.approx(sd)
    # C: A, B, D -> ln 2, ln 3, ln 8, mean ln(48) / 3
    c = leave_one_out(TOY, 2)
    assert c is not None and c.mean_ln == pytest.approx(math.log(48) / 3)
    assert c.sd_ln == pytest.approx(_hand_mean_sd([math.log(2), math.log(3), math.log(8)])[1])
    # E has no other cim-analog chip: every class's other priced chips, A-D (F is not priced)
    e = leave_one_out(TOY, 4)
    assert e is not None and e.pool is Pool.ALL_CLASSES and e.n == 4
    assert e.mean_ln == pytest.approx(math.log(2 * 3 * 0.25 * 8) / 4)
    assert e.sd_ln == pytest.approx(_hand_mean_sd([math.log(2), math.log(3), math.log(0.25), math.log(8)])[1])
    # a digital chip with only 2 other priced digital chips falls back to every class too
    small = (TOY[0], TOY[1], TOY[2], TOY[4])
    assert leave_one_out(small, 0).pool is Pool.ALL_CLASSES and leave_one_out(small, 0).n == 3  # type: ignore[union-attr]


def test_the_band_is_the_technology_samples_times_the_predictive_discrepancy() -> None:
    from scipy import stats

    bands = prediction_bands(TOY)
    assert bands[5] is None  # not priced: no band
    a, d = bands[0], leave_one_out(TOY, 0)
    assert a is not None and d is not None and a.discrepancy == d
    # the normals mapped to Student t (n - 1 = 2 dof) by their quantile, times sqrt(1 + 1/n)
    z = discrepancy_draws(SAMPLES, SEED)
    t = stats.t.ppf(stats.norm.cdf(z), df=d.n - 1) * math.sqrt(1 + 1 / d.n)
    values = TOY[0].tops_per_w_samples * np.exp(d.mean_ln + d.sd_ln * t)  # type: ignore[operator]
    assert (a.tops_per_w.p10, a.tops_per_w.p50, a.tops_per_w.p90) == pytest.approx(
        tuple(np.quantile(values, (0.1, 0.5, 0.9))), rel=1e-9)
    # with the technology spread taken away, the band is the predictive interval in closed form:
    # 5 x exp(m +- s sqrt(1 + 1/n) t_0.9(n - 1)), each within 4 standard errors of a quantile of
    # SAMPLES draws (sqrt(0.1 x 0.9) / f_t(t_0.9) / sqrt(SAMPLES), in units of the scale)
    flat = replace(TOY[0], tops_per_w_samples=np.full(SAMPLES, 5.0))
    b = prediction_bands((flat,) + TOY[1:])[0]
    assert b is not None
    t90, scale = stats.t.ppf(0.9, d.n - 1), d.sd_ln * math.sqrt(1 + 1 / d.n)
    se = math.sqrt(0.09) / stats.t.pdf(t90, d.n - 1) / math.sqrt(SAMPLES) * scale
    assert math.log(b.tops_per_w.p90 / 5.0) == pytest.approx(d.mean_ln + scale * t90, abs=4 * se)
    assert math.log(b.tops_per_w.p10 / 5.0) == pytest.approx(d.mean_ln - scale * t90, abs=4 * se)
    assert a.inside == (a.tops_per_w.p10 <= 10.0 <= a.tops_per_w.p90)


def test_predictive_t_keeps_both_tails() -> None:
    from scipy import stats

    from hwcost.validation.prediction import predictive_t

    z = np.array([-8.0, -1.2815515655446004, 0.0, 1.2815515655446004, 8.0])
    got = predictive_t(z, 6)
    want = stats.t.ppf(stats.norm.cdf(z), df=5) * math.sqrt(1 + 1 / 6)
    want[-1] = -want[0]  # Phi(8) rounds to 1 in double: the upper tail by symmetry
    assert np.allclose(got, want, rtol=1e-9) and np.isfinite(got).all()


def test_a_chip_s_own_ratio_does_not_enter_its_band() -> None:
    before = prediction_bands(TOY)
    for published in (0.001, 10.0 * 1e3):
        chip = replace(TOY[0].chip, published=replace(TOY[0].chip.published, tops_per_w=published))
        after = prediction_bands((replace(TOY[0], chip=chip),) + TOY[1:])
        assert after[0].tops_per_w == before[0].tops_per_w and after[0].discrepancy == before[0].discrepancy  # type: ignore[union-attr]
        assert after[1].tops_per_w != before[1].tops_per_w  # ... but it enters the others'
        assert after[0].published_tops_per_w == published


def test_the_discrepancy_draws_are_seeded_and_apart_from_the_technology_draws() -> None:
    assert np.array_equal(discrepancy_draws(1000, 5), discrepancy_draws(1000, 5))
    assert not np.array_equal(discrepancy_draws(1000, 5), discrepancy_draws(1000, 6))
    z, tech = discrepancy_draws(4000, 0), draws(4000, 0)
    # independent streams: every correlation with a technology draw is at sampling noise (1/sqrt(4000) = 0.016)
    assert max(abs(np.corrcoef(z, tech[:, k])[0, 1]) for k in range(tech.shape[1])) < 0.06
    assert abs(z.mean()) < 0.06 and z.std() == pytest.approx(1.0, abs=0.04)


@pytest.fixture(scope="module")
def shipped() -> tuple[ChipResult, ...]:
    return compare(load_chips(SHIPPED_SET), samples=200, seed=7)


def test_same_seed_same_bands_on_the_shipped_set(shipped: tuple[ChipResult, ...]) -> None:
    again = compare(load_chips(SHIPPED_SET), samples=200, seed=7)
    assert prediction_bands(shipped) == prediction_bands(again)
    other = prediction_bands(compare(load_chips(SHIPPED_SET), samples=200, seed=8))
    assert [b.tops_per_w for b in prediction_bands(shipped) if b] != [b.tops_per_w for b in other if b]


def test_the_technology_band_and_its_coverage_are_unchanged(shipped: tuple[ChipResult, ...]) -> None:
    before = coverage(shipped)
    bands = prediction_bands(shipped)
    assert coverage(shipped) == before  # computing the prediction bands moves nothing
    for r in shipped:
        if r.band is not None:  # the technology band is still the quantiles of its own samples
            q = np.quantile(r.tops_per_w_samples, (0.1, 0.5, 0.9))  # type: ignore[arg-type]
            assert (r.band.tops_per_w.p10, r.band.tops_per_w.p50, r.band.tops_per_w.p90) == tuple(q)
    # inside counted by hand from the bands, per class
    for cls in ChipClass:
        inside = sum(r.band.tops_per_w.p10 <= r.chip.published.tops_per_w <= r.band.tops_per_w.p90
                     for r in shipped if r.band is not None and r.chip.chip_class is cls)
        assert before[cls.value].inside == inside
    # the point predictions are those of a run without samples
    plain = compare(load_chips(SHIPPED_SET))
    assert [r.ratio for r in shipped] == [r.ratio for r in plain]
    # every priced chip of the shipped set has a prediction band; coverage counted by hand
    cov, summary = prediction_coverage(shipped, bands), summarise(shipped)
    assert cov[ALL].n == summary[ALL].n
    assert cov[ALL].inside == sum(b.inside for b in bands if b is not None)
    assert sum(cov[c.value].n for c in ChipClass) == cov[ALL].n


def test_cli_adds_keys_and_keeps_the_old_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--uncertainty", "200", "--seed", "7", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    results = compare(load_chips(SHIPPED_SET), samples=200, seed=7)
    tech = coverage(results)
    assert data["band_coverage"] == {c: {"n": v.n, "inside": v.inside, "claimed": v.claimed} for c, v in tech.items()}
    assert set(data["prediction_coverage"]) == set(tech)
    assert set(data["prediction_coverage"]["digital"]) == {"n", "inside", "claimed", "median_p90_over_p10",
                                                           "technology_median_p90_over_p10"}
    bands = prediction_bands(results)
    for row, r, b in zip(data["chips"], results, bands):
        assert row["ratio"] == r.ratio and row["inside_band"] == r.inside_band
        assert row["inside_prediction_band"] == (None if b is None else b.inside)
        assert row["prediction_tops_per_w_p10"] == (None if b is None else b.tops_per_w.p10)
        assert row["discrepancy_pool"] in (None, "class", "all classes")
    assert main(["validate", "--uncertainty", "200", "--seed", "7"]) == 0
    out = capsys.readouterr().out
    assert "published TOPS/W inside the prediction band (leave-one-out)" in out and "technology width" in out
    assert main(["validate", "--uncertainty", "200", "--format", "csv"]) == 0
    header = capsys.readouterr().out.splitlines()[0].split(",")
    assert header[:16] == ["name", "class", "scope", "condition", "devices", "published_tops_per_w",
                           "predicted_tops_per_w", "ratio", "published_tops_per_mm2", "predicted_tops_per_mm2",
                           "not_priced", "source", "tops_per_w_p10", "tops_per_w_p50", "tops_per_w_p90", "inside_band"]
    assert "inside_prediction_band" in header


def test_the_documented_technology_coverage_still_holds() -> None:
    """The technology coverage of docs/uncertainty.md ("Validation", 1,000 samples, seed 0), measured
    before the prediction band existed: adding it moves none of these. A model change that moves a
    chip's technology band can move them: update the table in docs/uncertainty.md with this test."""
    cov = coverage(compare(load_chips(SHIPPED_SET), samples=1000, seed=0))
    assert {c: (v.inside, v.n) for c, v in cov.items()} == {
        "digital": (2, 9), "cim-analog": (6, 16), "cim-digital": (1, 5), ALL: (9, 30)}
