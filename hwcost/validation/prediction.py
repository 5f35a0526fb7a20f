"""The prediction band against silicon: the technology band widened by the model's own miss.

A chip's technology band (:func:`hwcost.uncertainty.band`) says how far its predicted TOPS/W moves
when the library's numbers are off by as much as their sources disagree. It does not contain what
the model leaves out (mappings, what a template does not model, circuit techniques, what a paper
counts), which is most of the distance to silicon (``docs/validation.md``). This module puts that
structural miss in, as a *model-form discrepancy* estimated from the other chips of the set:

    d_j = ln(published_j / predicted_j)                                  (one per priced chip j)
    m_c = mean(d_j),  s_c = stdev(d_j)  over the n chips j in P(c)        (sample stdev, n - 1)
    t[k] = F_t(n-1)^-1( Phi(z[k]) )                                      (Student t, n - 1 dof)
    TOPS/W_pred[k] = TOPS/W_tech[k] * exp(m_c + s_c sqrt(1 + 1/n) t[k])   (k = 1 .. samples)

and the band is p10 / p50 / p90 of ``TOPS/W_pred``. ``TOPS/W_tech[k]`` are the chip's technology
samples, ``z`` standard normals from :func:`hwcost.uncertainty.discrepancy_draws` (the same seed,
a stream independent of the technology draws), mapped to Student-t variates by their quantile.
``m_c + s_c sqrt(1 + 1/n) t`` is the predictive distribution of one more draw d from a normal
whose mean and variance are both estimated from the n draws of the pool (the classical prediction
interval, Geisser, "Predictive Inference", Chapman & Hall 1993, §2; Gelman et al., "Bayesian Data
Analysis", 3rd ed., §3.2 with the non-informative prior): with 4 to 15 chips per pool, a normal
with m and s taken as known would claim more than it can (on the shipped set, 22 of 30 chips
inside instead of 24; ``docs/uncertainty.md``). The discrepancy's median is ``exp(m_c)``.

**Leave-one-out.** ``P(c)`` is the priced chips of c's class *other than c*; when fewer than
:data:`MIN_CLASS_PEERS` of them are priced, every class's priced chips other than c
(:class:`Pool` says which). A chip's own ratio never calibrates its own band, so whether its
published figure falls inside is a fair test of the band, as it would be for a new chip.

**Why log space.** The model's misses are factors (0.005x to 3x on the shipped set: three
decades), the same distance above and below in ratio; a mean of ratios would be dominated by the
few optimistic chips, and a normal in linear space would give negative TOPS/W. ``exp(m_c)`` is
the geometric mean of published / predicted over the pool.

This is not a correction of the model: the point predictions and ratios stay as they are. It says
how far to trust a prediction against silicon (``docs/uncertainty.md``, "Validation").
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np

from hwcost.uncertainty import QUANTILES, Quantiles, discrepancy_draws
from hwcost.validation.chips import ChipClass
from hwcost.validation.compare import ALL, ChipResult

__all__ = ["Pool", "MIN_CLASS_PEERS", "Discrepancy", "PredictionBand", "PredictionCoverage", "leave_one_out",
           "predictive_t", "prediction_band", "prediction_bands", "prediction_coverage"]

MIN_CLASS_PEERS = 3  # fewer other priced chips in the class than this: the pool is every class's


class Pool(Enum):
    """Which chips a discrepancy is estimated on (never the chip itself)."""

    CLASS = "class"  # the other priced chips of the chip's class
    ALL_CLASSES = "all classes"  # the other priced chips of every class (the class has too few)


@dataclass(frozen=True)
class Discrepancy:
    """The model-form discrepancy ln(published / predicted) over ``n`` chips of ``pool``: its mean
    (the bias: ``exp(mean_ln)`` is the geometric mean of published / predicted) and its sample
    standard deviation (the spread)."""

    mean_ln: float
    sd_ln: float
    n: int
    pool: Pool


@dataclass(frozen=True)
class PredictionBand:
    """One chip's prediction band against silicon and the discrepancy it was drawn with."""

    tops_per_w: Quantiles
    discrepancy: Discrepancy
    published_tops_per_w: float

    @property
    def inside(self) -> bool:
        return self.tops_per_w.p10 <= self.published_tops_per_w <= self.tops_per_w.p90

    @property
    def width(self) -> float:
        """p90 / p10: the factor the band spans."""
        return self.tops_per_w.p90 / self.tops_per_w.p10


def _ln_ratio(result: ChipResult) -> float:
    """ln(published / predicted) of a priced chip."""
    return math.log(result.chip.published.tops_per_w / result.predicted_tops_per_w)  # type: ignore[operator]


def leave_one_out(results: Sequence[ChipResult], index: int) -> Discrepancy | None:
    """The discrepancy for ``results[index]``, estimated on the other priced chips of its class, or
    of every class when its class has fewer than :data:`MIN_CLASS_PEERS` others; None when fewer
    than 2 chips remain (no standard deviation)."""
    target = results[index]
    others = [r for i, r in enumerate(results) if i != index and r.predicted_tops_per_w is not None]
    same = [r for r in others if r.chip.chip_class is target.chip.chip_class]
    pool, peers = (Pool.CLASS, same) if len(same) >= MIN_CLASS_PEERS else (Pool.ALL_CLASSES, others)
    if len(peers) < 2:
        return None
    logs = [_ln_ratio(r) for r in peers]
    return Discrepancy(statistics.fmean(logs), statistics.stdev(logs), len(logs), pool)


def predictive_t(z: np.ndarray, n: int) -> np.ndarray:
    """Standard normals ``z`` mapped to the predictive variate of one more draw from a normal
    estimated on ``n`` draws: ``sqrt(1 + 1/n) t`` with ``t`` Student's t of n - 1 degrees of
    freedom at the quantile ``Phi(z)`` (module doc); each tail from its own side, so no precision
    is lost to ``1 - Phi(z)``.

    >>> round(float(predictive_t(np.array([1.2815516]), 5)[0]), 4)   # t(4) p90 = 1.5332, x sqrt(1.2)
    1.6795
    """
    from scipy import stats

    z = np.asarray(z, dtype=float)
    lower = stats.t.ppf(stats.norm.cdf(-np.abs(z)), df=n - 1)  # the variate of -|z|: <= 0
    return np.sign(z) * -lower * math.sqrt(1.0 + 1.0 / n)


def prediction_band(tops_per_w_samples: np.ndarray, discrepancy: Discrepancy, z: np.ndarray) -> Quantiles:
    """p10 / p50 / p90 of ``tops_per_w_samples * exp(mean_ln + sd_ln * predictive_t(z, n))``,
    sample by sample.

    >>> d = Discrepancy(math.log(2.0), 0.0, 5, Pool.CLASS)
    >>> prediction_band(np.array([1.0, 2.0, 3.0]), d, np.zeros(3))
    Quantiles(p10=2.4, p50=4.0, p90=5.6)
    """
    factor = np.exp(discrepancy.mean_ln + discrepancy.sd_ln * predictive_t(z, discrepancy.n))
    values = np.asarray(tops_per_w_samples, dtype=float) * factor
    return Quantiles(*(float(q) for q in np.quantile(values, QUANTILES)))


def prediction_bands(results: Sequence[ChipResult]) -> tuple[PredictionBand | None, ...]:
    """Each chip's prediction band (in the order of ``results``), from its technology samples and
    the band's own samples and seed; None for a chip without technology samples (not priced, or
    priced without ``samples``) or without a discrepancy (:func:`leave_one_out`)."""
    out: list[PredictionBand | None] = []
    for i, r in enumerate(results):
        d = leave_one_out(results, i)
        if r.tops_per_w_samples is None or r.band is None or d is None:
            out.append(None)
            continue
        z = discrepancy_draws(r.band.samples, r.band.seed)
        out.append(PredictionBand(prediction_band(r.tops_per_w_samples, d, z), d, r.chip.published.tops_per_w))
    return tuple(out)


@dataclass(frozen=True)
class PredictionCoverage:
    """How many of a class's ``n`` chips with a prediction band have their published TOPS/W inside
    it, against the share it claims, and the median factor (p90 / p10) the prediction bands and the
    same chips' technology bands span."""

    n: int
    inside: int
    median_width: float
    median_technology_width: float
    claimed: float = QUANTILES[-1] - QUANTILES[0]

    @property
    def fraction(self) -> float:
        return self.inside / self.n if self.n else math.nan


def prediction_coverage(results: Sequence[ChipResult],
                        bands: Sequence[PredictionBand | None]) -> dict[str, PredictionCoverage]:
    """Coverage of the prediction bands per class present (in ChipClass order), then ``all``."""
    pairs = [(r, b) for r, b in zip(results, bands, strict=True) if b is not None and r.band is not None]

    def of(chosen: list[tuple[ChipResult, PredictionBand]]) -> PredictionCoverage:
        if not chosen:
            return PredictionCoverage(0, 0, math.nan, math.nan)
        tech = [r.band.tops_per_w.p90 / r.band.tops_per_w.p10 for r, _ in chosen]  # type: ignore[union-attr]
        return PredictionCoverage(len(chosen), sum(b.inside for _, b in chosen),
                                  statistics.median(b.width for _, b in chosen), statistics.median(tech))

    out = {c.value: of([p for p in pairs if p[0].chip.chip_class is c])
           for c in ChipClass if any(r.chip.chip_class is c for r in results)}
    out[ALL] = of(pairs)
    return out
