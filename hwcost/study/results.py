"""Building the study's tables from the journal (pure: the same journal gives the same tables).

``results.csv`` has one row per design point, in grid order: the point's description, its
accuracies, then its costs (totals, then per-category and per-unit breakdowns). Measured
accuracy is the mean over the study's seeds (taken in the seeds' order), with the sample
standard deviation when there are several.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from hwcost.report import Category
from hwcost.study.accuracy import jobs_for
from hwcost.study.grid import GridPoint
from hwcost.study.journal import Journal
from hwcost.study.spec import INTEGER_COLUMN, MEASURED_COLUMN, TABLE_COLUMN, StudySpec
from hwcost.study.table import lookup

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["build_results", "DESCRIPTION_COLUMNS", "MEASURED_COLUMNS", "TABLE_COLUMNS"]

DESCRIPTION_COLUMNS = ("scheme", "weight_bits", "act_bits", "zero_point", "scale_at", "arch", "node", "workload")
MEASURED_COLUMNS = (MEASURED_COLUMN, "accuracy_measured_sd_pct", INTEGER_COLUMN, "fp_accuracy_measured_pct", "seeds", "accuracy_measured_by_seed_pct")
TOTAL_COLUMNS = ("macs", "energy_pj", "area_um2", "latency_cycles", "utilisation", "tops_per_w", "tops_per_mm2", "energy_per_mac_pj")
TABLE_COLUMNS = (TABLE_COLUMN, "table_method", "table_citation", "table_where", "table_tag")


def _measured(spec: StudySpec, g: GridPoint, journal: Journal) -> dict[str, Any]:
    assert spec.accuracy.measured is not None
    records = [journal.get("accuracy", job.key) for job in jobs_for(g.point.scheme, spec.accuracy.measured)]
    def mean(field: str) -> float:
        return math.fsum(float(r[field]) for r in records) / len(records)

    accs = [float(r["accuracy_pct"]) for r in records]
    return {
        MEASURED_COLUMN: mean("accuracy_pct"),
        "accuracy_measured_sd_pct": statistics.stdev(accs) if len(accs) > 1 else math.nan,
        INTEGER_COLUMN: mean("integer_accuracy_pct"),
        "fp_accuracy_measured_pct": mean("fp_accuracy_pct"),
        "seeds": len(accs),
        # each seed's accuracy, in the study's seed order: paired comparisons across schemes
        # (same seed, same full-precision start) are far less noisy than the means
        "accuracy_measured_by_seed_pct": ";".join(f"{a:.4f}" for a in accs),
    }


def _table(spec: StudySpec, g: GridPoint) -> dict[str, Any]:
    assert spec.accuracy.table is not None
    s = g.point.scheme
    row = lookup(spec.accuracy.table, s.name, s.weights.bits, s.activations.bits, g.workload.value)
    if row is None:
        return {TABLE_COLUMN: math.nan, "table_method": "", "table_citation": "", "table_where": "", "table_tag": ""}
    extra = dict(row.extra)
    return {
        TABLE_COLUMN: row.accuracy_pct,
        "table_method": extra.get("method", ""),
        "table_citation": row.citation,
        "table_where": extra.get("where", ""),
        "table_tag": extra.get("tag", ""),
    }


def build_results(spec: StudySpec, points: Sequence[GridPoint], journal: Journal) -> "pd.DataFrame":
    """One row per point; every cost and accuracy it needs must be in the journal."""
    import pandas as pd

    rows = []
    for g in points:
        cost = journal.get("costs", g.cost_key)
        row = {k: cost[k] for k in DESCRIPTION_COLUMNS}
        if spec.accuracy.source.measured:
            row |= _measured(spec, g, journal)
        if spec.accuracy.source.table:
            row |= _table(spec, g)
        row |= {k: v for k, v in cost.items() if k not in row}
        rows.append(row)
    frame = pd.DataFrame(rows)
    breakdown = [c for c in frame.columns if c.startswith(("energy_pj.", "area_um2."))]
    frame[breakdown] = frame[breakdown].fillna(0.0)
    return frame[_column_order(list(frame.columns))]


def _column_order(columns: list[str]) -> list[str]:
    """Description, accuracies, architecture parameters, totals, energy by category, by unit."""
    lead = [c for c in DESCRIPTION_COLUMNS + MEASURED_COLUMNS + TABLE_COLUMNS if c in columns]
    categories = [f"energy_pj.{c.value}" for c in Category if f"energy_pj.{c.value}" in columns]
    totals = [c for c in TOTAL_COLUMNS if c in columns]
    units = [c for c in columns if c.startswith(("energy_pj.", "area_um2.")) and c not in categories]
    params = [c for c in columns if c not in set(lead + categories + totals + units)]
    return lead + params + totals + categories + units
