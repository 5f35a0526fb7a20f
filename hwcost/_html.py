"""HTML tables for Jupyter (``_repr_html_``): a cost report, a comparison, a study's outcome.

Column names carry their units (``energy_pj``, ``area_um2``), as in the JSON and CSV outputs.
Only the standard library; every text is escaped.

    >>> table(["unit", "energy_pj"], [["glb", 1.5]])
    '<table><thead><tr><th>unit</th><th>energy_pj</th></tr></thead><tbody><tr><td>glb</td><td style="text-align:right">1.5</td></tr></tbody></table>'
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

__all__ = ["table", "report_html"]


def _cell(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"<td>{html.escape(str(value))}</td>"
    text = f"{value:,.0f}" if abs(value) >= 1e4 else f"{value:.6g}"
    return f'<td style="text-align:right">{html.escape(text)}</td>'


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], caption: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def report_html(report: Any) -> str:
    """A :class:`~hwcost.report.CostReport` (not imported: the report imports this module): the report's point, its totals (one row, units in the column names) and its breakdown."""
    title = (f"{report.scheme} W{report.weight_bits}/A{report.act_bits} on {report.arch}, {report.node}, "
             f"{report.workload} ({report.scope.value} scope, {report.condition.value})")
    names = ("macs", "energy_pj", "static_energy_pj", "area_um2", "latency_cycles", "latency_s", "utilisation",
             "tops_per_w", "tops_per_mm2", "energy_per_mac_pj")
    totals = table(names, [[getattr(report, n) for n in names]], caption=title)
    rows = [[r.unit, r.category.value, r.actions, r.energy_pj, r.static_pj, r.area_um2, r.source] for r in report.breakdown]
    breakdown = table(["unit", "category", "actions", "energy_pj", "static_pj", "area_um2", "source"], rows,
                      caption="breakdown (per inference; area per design)")
    warnings = "".join(f"<p>warning: {html.escape(w)}</p>" for w in report.warnings)
    return f"<div>{totals}{breakdown}{warnings}</div>"
