"""Building the study's tables from the journal (pure: the same journal gives the same tables).

``results.csv`` has one row per design point, in grid order: the point's description, its
accuracies, then its costs (totals, then per-category and per-unit breakdowns). A ``cim_macro``
point has one row per variant of the study's accuracy-only CIM settings (``CIM_COLUMNS``, in
the variants' order); they share the point's cost. A CIM point whose ADC resolution the
technology library cannot price keeps *accuracy-only* rows, with empty costs. Measured accuracy
is the mean over the study's seeds (taken in the seeds' order), with the sample standard
deviation when there are several.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from hwcost.report import Category
from hwcost.study.accuracy import jobs_for
from hwcost.study.grid import GridPoint
from hwcost.study.journal import Journal
from hwcost.study.spec import (
    CIM_COLUMNS,
    DIGITAL_COLUMN,
    INTEGER_COLUMN,
    MEASURED_COLUMN,
    NO_NOISE,
    TABLE_COLUMN,
    CimVariant,
    StudySpec,
)
from hwcost.study.table import lookup

if TYPE_CHECKING:
    import pandas as pd

    from hwcost.pareto import Objective

__all__ = ["build_results", "group_columns", "order_columns", "rows_per_point", "DESCRIPTION_COLUMNS", "MEASURED_COLUMNS",
           "TABLE_COLUMNS", "CIM_COLUMNS", "BAND_COLUMNS", "SHARE_COLUMN", "ROBUST_COLUMN",
           "SAMPLES_COLUMNS", "share_column", "figure_share_column"]

DESCRIPTION_COLUMNS = ("scheme", "weight_bits", "act_bits", "zero_point", "scale_at", "arch", "node", "workload")
MEASURED_COLUMNS = (
    "accuracy_dataset", "accuracy_model", MEASURED_COLUMN, "accuracy_measured_sd_pct", INTEGER_COLUMN, "fp_accuracy_measured_pct", DIGITAL_COLUMN, "seeds",
    "accuracy_measured_by_seed_pct",
)
TOTAL_COLUMNS = ("macs", "energy_pj", "area_um2", "latency_cycles", "utilisation", "tops_per_w", "tops_per_mm2", "energy_per_mac_pj")
# With an 'uncertainty' block (hwcost.study.bands): each total's p10 / p50 / p90 over the samples,
# and the share of the samples in which the row is on the front of all the study's objectives
# (pareto_share.<front> for the other fronts, hwcost.study.bands.share_column).
BAND_COLUMNS = tuple(f"{t}_{q}" for t in ("energy_pj", "tops_per_w", "area_um2") for q in ("p10", "p50", "p90"))
SHARE_COLUMN = "pareto_share"
ROBUST_COLUMN = "pareto_robust"
SAMPLES_COLUMNS = ("band_samples", "band_seed")  # how many samples, from which seed


def share_column(objectives: "Sequence[Objective]", all_objectives: "Sequence[Objective]") -> str:
    """The results column of the share of the samples in which a row is on a front:
    ``pareto_share`` for the front of all the study's objectives, ``pareto_share.<a>_vs_<b>``
    for another pair of them (columns in the study's order)."""
    if [o.column for o in objectives] == [o.column for o in all_objectives]:
        return SHARE_COLUMN
    return f"{SHARE_COLUMN}.{'_vs_'.join(o.column for o in objectives)}"


def figure_share_column(name: str) -> str:
    """The share column of a requested pareto figure (its front, on its selection)."""
    return f"{SHARE_COLUMN}.figure.{name}"
TABLE_COLUMNS = (TABLE_COLUMN, "table_dataset", "table_network", "table_method", "table_citation", "table_where", "table_tag")
# A digital point in a study with CIM columns: no ADC, no analog noise (so it joins the
# noise-free fronts), no stage 2.
_DIGITAL_CIM_COLUMNS = {"cim_adc_range": "none", "cim_noise_sigma": 0.0, "cim_noise_on": NO_NOISE, "cim_two_stage": False, "cim_stage2_epochs": 0}


def group_columns(results: "pd.DataFrame") -> tuple[str, ...]:
    """Columns the Pareto fronts are computed within: the workload (accuracies of different
    networks are not comparable) and, with CIM columns, the noise (a condition of the chip, not
    a design choice, and free in the cost model: across noise levels the noise-free points
    would dominate every front)."""
    noise = ("cim_noise_on", "cim_noise_sigma")
    return ("workload",) + (noise if all(c in results.columns for c in noise) else ())


def _measured(spec: StudySpec, g: GridPoint, variant: CimVariant | None, journal: Journal) -> dict[str, Any]:
    assert spec.accuracy.measured is not None
    jobs = jobs_for(g.point.scheme, g.point.arch, spec.accuracy.measured, variant)
    records = [journal.get("accuracy", job.key) for job in jobs]

    def mean(field: str) -> float:
        return math.fsum(float(r.get(field, math.nan)) for r in records) / len(records)

    accs = [float(r["accuracy_pct"]) for r in records]
    m = spec.accuracy.measured
    out = {
        # what the accuracy was measured on (never the costed workload's network)
        "accuracy_dataset": m.dataset_label,
        "accuracy_model": m.model.value,
        MEASURED_COLUMN: mean("accuracy_pct"),
        "accuracy_measured_sd_pct": statistics.stdev(accs) if len(accs) > 1 else math.nan,
        INTEGER_COLUMN: mean("integer_accuracy_pct"),
        "fp_accuracy_measured_pct": mean("fp_accuracy_pct"),
        "seeds": len(accs),
        # each seed's accuracy, in the study's seed order: paired comparisons across schemes
        # (same seed, same full-precision start) are far less noisy than the means
        "accuracy_measured_by_seed_pct": ";".join(f"{a:.4f}" for a in accs),
    }
    if spec.cim_accuracy:
        out[DIGITAL_COLUMN] = mean("digital_accuracy_pct")
    return out


def _table(spec: StudySpec, g: GridPoint) -> dict[str, Any]:
    assert spec.accuracy.table is not None
    s = g.point.scheme
    row = lookup(spec.accuracy.table, s.name, s.weights.bits, s.activations.bits, g.workload.value)
    if row is None:
        return {TABLE_COLUMN: math.nan, "table_dataset": "", "table_network": "", "table_method": "", "table_citation": "",
                "table_where": "", "table_tag": ""}
    extra = dict(row.extra)
    return {
        TABLE_COLUMN: row.accuracy_pct,
        "table_dataset": row.dataset,  # the source's dataset and network, as it names them
        "table_network": row.network,
        "table_method": extra.get("method", ""),
        "table_citation": row.citation,
        "table_where": extra.get("where", ""),
        "table_tag": extra.get("tag", ""),
    }


def _variants(spec: StudySpec, g: GridPoint) -> tuple[CimVariant | None, ...]:
    return spec.accuracy.measured.variants(g.point.arch) if spec.accuracy.measured is not None else (None,)


def rows_per_point(spec: StudySpec, g: GridPoint) -> int:
    """How many rows of results.csv a point has (one per CIM variant, one for a digital point)."""
    return len(_variants(spec, g))


def _rows(spec: StudySpec, g: GridPoint, cost: dict[str, Any] | None, journal: Journal) -> list[dict[str, Any]]:
    """The point's rows: one per CIM variant (one for a digital point); no costs when ``cost`` is None."""
    description = cost if cost is not None else g.point.describe()
    rows = []
    for variant in _variants(spec, g):
        row = {k: description[k] for k in DESCRIPTION_COLUMNS}
        if spec.cim_accuracy:
            row |= _DIGITAL_CIM_COLUMNS if variant is None else variant.columns()
        if spec.accuracy.source.measured:
            row |= _measured(spec, g, variant, journal)
        if spec.accuracy.source.table:
            row |= _table(spec, g)
        row |= {k: v for k, v in description.items() if k not in row}
        rows.append(row)
    return rows


def build_results(
    spec: StudySpec, points: Sequence[GridPoint], journal: Journal, accuracy_only: Collection[str] = ()
) -> "pd.DataFrame":
    """Rows of ``points`` (in their order); every cost and accuracy they need must be in the
    journal, except the costs of the points whose key is in ``accuracy_only``."""
    import pandas as pd

    rows = []
    for g in points:
        cost = None if g.cost_key in accuracy_only else journal.get("costs", g.cost_key)
        rows += _rows(spec, g, cost, journal)
    frame = pd.DataFrame(rows)
    breakdown = [c for c in frame.columns if c.startswith(("energy_pj.", "area_um2."))]
    if breakdown:  # a unit a point lacks costs 0 - unless the point has no costs at all
        costed = frame["energy_pj"].notna() if "energy_pj" in frame.columns else slice(None)
        frame.loc[costed, breakdown] = frame.loc[costed, breakdown].fillna(0.0)
    return order_columns(frame)


def order_columns(frame: "pd.DataFrame") -> "pd.DataFrame":
    """``frame`` with its columns in results.csv's order: description, CIM settings, accuracies,
    architecture parameters, totals, bands and Pareto shares (with an uncertainty block), energy
    by category, by unit."""
    columns = list(frame.columns)
    lead = [c for c in DESCRIPTION_COLUMNS + CIM_COLUMNS + MEASURED_COLUMNS + TABLE_COLUMNS if c in columns]
    categories = [f"energy_pj.{c.value}" for c in Category if f"energy_pj.{c.value}" in columns]
    totals = [c for c in TOTAL_COLUMNS if c in columns]
    bands = [c for c in SAMPLES_COLUMNS + BAND_COLUMNS + (SHARE_COLUMN, ROBUST_COLUMN) if c in columns]
    bands += [c for c in columns if c.startswith((f"{SHARE_COLUMN}.", "ratio_p10.figure.", "ratio_p90.figure."))]
    units = [c for c in columns if c.startswith(("energy_pj.", "area_um2.")) and c not in categories]
    params = [c for c in columns if c not in set(lead + categories + totals + bands + units)]
    return frame[lead + params + totals + bands + categories + units]
