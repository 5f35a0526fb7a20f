"""A study's uncertainty: p10 / p50 / p90 bands of every priced point and the robustness of its fronts.

With ``uncertainty: {samples: N, seed: S}`` in the study file (``docs/uncertainty.md``, "Studies"):

1. ``static_phase``   journal each priced point's breakdown rows that the sweep's frame lacks: the
                      static energy of each row and what priced it (``techlib`` or pinned), from
                      the point's :class:`~hwcost.report.CostReport` (the sweep gives each row's
                      energy and area, and the static energy only as a total);
2. ``study_samples``  one draw of the technology's spreads (``hwcost.uncertainty.draws``) for every
                      point, so what points share cancels between them; each point's energy and
                      area per sample through ``hwcost.uncertainty.sample_rows`` (the closed form of
                      ``CostReport.band``), vectorised over the points that share their rows' sigmas;
3. ``with_bands``     results.csv's band columns (``energy_pj_p10`` ...) and ``pareto_share``
                      columns, the share of the samples in which a row is on a front.

Accuracy is not sampled; latency (and so utilisation) is the design's. The sampled objectives are
``energy_pj``, ``tops_per_w`` (2 MACs / E), ``energy_per_mac_pj`` (E / MACs), ``area_um2`` and
``tops_per_mm2`` (its value x A / A_s: the throughput is the design's).
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hwcost.evaluate import CostCache, report_of
from hwcost.pareto import ROBUST_SHARE, Objective, pareto_shares
from hwcost.study.grid import GridPoint
from hwcost.study.journal import Journal
from hwcost.study.figures import FigureKind, ratio_band_column, reference_positions, select
from hwcost.study.results import (BAND_COLUMNS, ROBUST_COLUMN, SAMPLES_COLUMNS, SHARE_COLUMN, figure_share_column,
                                  order_columns, rows_per_point, share_column)
from hwcost.study.spec import StudySpec, UncertaintySpec
from hwcost.uncertainty import QUANTILES, draws, row_sigmas, sample_rows, scaling_draws

if TYPE_CHECKING:
    import pandas as pd

    from hwcost.study.figures import FigureSpec

__all__ = ["ROWS_KIND", "StudySamples", "static_phase", "study_samples", "row_points", "objective_samples",
           "with_bands", "SAMPLED_COLUMNS"]

ROWS_KIND = "rows"  # journal records: each priced point's breakdown rows (unit, static energy, source)
SAMPLED_COLUMNS = ("energy_pj", "tops_per_w", "energy_per_mac_pj", "area_um2", "tops_per_mm2")


def static_phase(points: Sequence[GridPoint], journal: Journal, accuracy_only: Collection[str] = ()) -> int:
    """Journal, as one batch, the breakdown rows of every priced point the journal lacks: units,
    static energy (pJ) and source, from its report (one cost cache for all). Returns how many."""
    pending = [g for g in points if g.cost_key not in accuracy_only and not journal.has(ROWS_KIND, g.cost_key)]
    if not pending:
        return 0
    cache = CostCache()
    rows = []
    for g in pending:
        report = report_of(g.point, cache)
        rows.append([[r.unit for r in report.breakdown], [r.static_pj for r in report.breakdown],
                     [r.source for r in report.breakdown]])
    journal.append({"kind": ROWS_KIND, "keys": [g.cost_key for g in pending], "columns": ["units", "static_pj", "sources"],
                    "rows": rows})
    return len(pending)


@dataclass(frozen=True)
class StudySamples:
    """Every priced point's totals under each sample: arrays of shape (samples, points), the
    points in the order given to :func:`study_samples` (NaN columns for an unpriced point)."""

    uncertainty: UncertaintySpec
    energy_pj: np.ndarray
    area_um2: np.ndarray
    macs: np.ndarray  # (points,)

    @property
    def tops_per_w(self) -> np.ndarray:
        return 2 * self.macs / self.energy_pj


def study_samples(spec: StudySpec, points: Sequence[GridPoint], journal: Journal, accuracy_only: Collection[str] = ()) -> StudySamples:
    """The samples of every point (:mod:`hwcost.uncertainty`'s closed form): its rows' energy and
    area from the journaled sweep, their static energy and source from :func:`static_phase`'s
    record, the sigmas from the point's library; one draw for all the points."""
    assert spec.uncertainty is not None
    z = draws(spec.uncertainty.samples, spec.uncertainty.seed)
    shape = (spec.uncertainty.samples, len(points))
    energy, area, macs = np.full(shape, np.nan), np.full(shape, np.nan), np.full(len(points), np.nan)
    groups: dict[tuple[str, tuple[str, ...], tuple[str, ...]], list[int]] = {}
    for i, g in enumerate(points):
        if g.cost_key in accuracy_only:
            continue
        rows = journal.get(ROWS_KIND, g.cost_key)
        groups.setdefault((g.node.token, tuple(rows["units"]), tuple(rows["sources"])), []).append(i)
    for (token, units, sources), members in groups.items():
        sigmas = row_sigmas(units, sources, spec.techlib(token))
        costs = [journal.get("costs", points[i].cost_key) for i in members]
        static = np.array([journal.get(ROWS_KIND, points[i].cost_key)["static_pj"] for i in members], dtype=float)
        row_energy = np.array([[c[f"energy_pj.{u}"] for u in units] for c in costs], dtype=float)
        row_area = np.array([[c[f"area_um2.{u}"] for u in units] for c in costs], dtype=float)
        scaling_z = None if sigmas.scaling is None else scaling_draws(
            spec.uncertainty.samples, spec.uncertainty.seed, sigmas.library)  # one draw per library
        e, _, a = sample_rows(row_energy - static, static, row_area, sigmas, z, scaling_z)
        energy[:, members], area[:, members] = e, a
        macs[members] = [c["macs"] for c in costs]
    return StudySamples(spec.uncertainty, energy, area, macs)


def row_points(spec: StudySpec, points: Sequence[GridPoint]) -> np.ndarray:
    """For each row of results.csv (:func:`~hwcost.study.results.build_results` of ``points``),
    the position of its point."""
    return np.repeat(np.arange(len(points)), [rows_per_point(spec, g) for g in points])


def objective_samples(results: "pd.DataFrame", samples: StudySamples, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Each sampled column (:data:`SAMPLED_COLUMNS`) per sample and row of ``results``, shape
    (samples, rows)."""
    energy, area = samples.energy_pj[:, rows], samples.area_um2[:, rows]
    macs = samples.macs[rows]
    out = {"energy_pj": energy, "tops_per_w": 2 * macs / energy, "energy_per_mac_pj": energy / macs, "area_um2": area}
    if "tops_per_mm2" in results.columns:  # the throughput is the design's: it scales with 1 / area
        out["tops_per_mm2"] = (results["tops_per_mm2"].to_numpy(dtype=float) * results["area_um2"].to_numpy(dtype=float)) / area
    return out


def _ratio_bands(results: "pd.DataFrame", f: "FigureSpec", sampled: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A ``relative_to`` bars figure's ratio bands: for each sampled column it shows, the p10 and
    p90 over the samples of each selected row's value over its reference's, sample by sample
    (what the two share cancels); NaN outside the selection and where there is no reference."""
    chosen, refs = reference_positions(results, f)
    out = {}
    for column in (c for c in f.columns if c in sampled):
        q = np.full((2, len(results)), np.nan)
        have = refs >= 0
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = sampled[column][:, chosen[have]] / sampled[column][:, refs[have]]
        finite = np.isfinite(ratio).all(axis=0)
        q[:, chosen[have][finite]] = np.quantile(ratio[:, finite], (QUANTILES[0], QUANTILES[-1]), axis=0)
        out[ratio_band_column(f.name, column, "p10")], out[ratio_band_column(f.name, column, "p90")] = q
    return out


def with_bands(results: "pd.DataFrame", spec: StudySpec, group_by: Sequence[str], sampled: Mapping[str, np.ndarray]) -> "pd.DataFrame":
    """``results`` with ``band_samples`` and ``band_seed``, the band columns (p10 / p50 / p90 of
    energy, TOPS/W and area: NaN for an accuracy-only row), ``pareto_share`` and
    ``pareto_robust`` (the front of all the objectives), with more than two objectives
    ``pareto_share.<a>_vs_<b>`` for each pair, and ``pareto_share.figure.<name>`` for each
    requested pareto figure (its front on its selection; NaN outside it), and for each requested
    ``relative_to`` bars figure its ratio bands (``ratio_p10.figure.<name>.<column>``)."""
    import pandas as pd

    assert spec.uncertainty is not None
    objectives = spec.objectives
    added: dict[str, object] = {SAMPLES_COLUMNS[0]: spec.uncertainty.samples, SAMPLES_COLUMNS[1]: spec.uncertainty.seed}
    for total in ("energy_pj", "tops_per_w", "area_um2"):
        values = sampled[total]
        finite = np.isfinite(values).all(axis=0)
        q = np.full((len(QUANTILES), values.shape[1]), np.nan)
        q[:, finite] = np.quantile(values[:, finite], QUANTILES, axis=0)
        for name, row in zip(("p10", "p50", "p90"), q):
            added[f"{total}_{name}"] = row
    assert [c for c in added if c in BAND_COLUMNS] == list(BAND_COLUMNS)
    fronts = [tuple(objectives)] + (list(itertools.combinations(objectives, 2)) if len(objectives) > 2 else [])
    for combo in fronts:
        added[share_column(combo, objectives)] = pareto_shares(results, combo, sampled, group_by)
    added[ROBUST_COLUMN] = np.asarray(added[SHARE_COLUMN]) >= ROBUST_SHARE
    for f in spec.figures:
        if f.kind is FigureKind.PARETO:
            chosen = results.index.get_indexer(select(results, f.where).index)
            share = np.full(len(results), np.nan)
            part = {c: v[:, chosen] for c, v in sampled.items()}
            share[chosen] = pareto_shares(results.iloc[chosen], f.objectives, part, group_by)
            added[figure_share_column(f.name)] = share
        elif f.kind is FigureKind.BARS and f.relative_to:
            added |= _ratio_bands(results, f, sampled)
    out = pd.concat([results, pd.DataFrame(added, index=results.index)], axis=1)  # one block, not one insert per column
    return order_columns(out)
