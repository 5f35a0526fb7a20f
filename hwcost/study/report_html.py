"""``report.html``: the study's results in one self-contained, interactive page.

The page embeds ``results.csv`` as JSON (``<script type="application/json" id="hwcost-data">``):
the columns and every row, each cell the CSV's own text -- a number written as its CSV token (so
``float`` of the JSON number is ``float`` of the CSV cell, bit for bit), an empty cell as
``null``, any other text as a JSON string. Beside it: the objective pairs (axis label, unit and
display scale from :data:`hwcost.study.plots.COLUMN_AXES`, senses, and the rows on each pair's
Pareto front, computed per group as ``pareto.csv`` is), each column's unit, the scheme colours of
the figures and the units of the per-unit energy breakdown.

The script and style (:mod:`hwcost.study.report_html_script`, written for hwcost, no library)
draw a Pareto scatter for the chosen pair (hover: the design and its energy by unit) and a
sortable table. No network access, no clock: the same results give the same bytes.
"""

from __future__ import annotations

import csv
import html
import io
import itertools
import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from hwcost.pareto import Objective, front_name, non_dominated
from hwcost.study.report_html_script import SCRIPT, STYLE
from hwcost.study.results import DESCRIPTION_COLUMNS, TOTAL_COLUMNS, group_columns
from hwcost.study.spec import CIM_COLUMNS, StudySpec

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["render_report_html", "column_unit", "DATA_ID"]

DATA_ID = "hwcost-data"

# A JSON number (RFC 8259 §6); a CSV cell that matches is embedded as written.
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")

# Units of the results columns, as written in results.csv (docs/studies.md, "What a run writes";
# the architecture keys as docs/arch-reference.md describes them).
_UNIT_OF: dict[str, str] = {
    "macs": "MACs",
    "utilisation": "fraction of peak",
    "tops_per_w": "TOPS/W",
    "tops_per_mm2": "TOPS/mm²",
    "seeds": "seeds",
    "pe_rows": "PEs",
    "pe_cols": "PEs",
    "rows": "cells",
    "cols": "cells",
    "active_rows": "rows",
    "macros": "macros",
    "adc_share": "columns per ADC",
    "post_lanes": "lanes",
    "glb_banks": "banks",
    "cim_stage2_epochs": "epochs",
    "cim_noise_sigma": "σ, fraction",  # docs/cim-training.md, "Noise": a relative deviation
}
_UNIT_SUFFIX: tuple[tuple[str, str], ...] = (
    ("_pj", "pJ"), ("_um2", "µm²"), ("_pct", "%"), ("_cycles", "cycles"), ("_kib", "KiB"), ("_mhz", "MHz"),
    ("_gbps", "GB/s"), ("_bits", "bit"), ("_bits_per_pulse", "bit"), ("_s", "s"),
)


def column_unit(column: str, numeric: bool = True) -> str:
    """The unit of a results column as results.csv holds it: ``energy_pj.glb`` -> ``pJ``,
    ``tops_per_w@core`` -> ``TOPS/W``, ``weight_bits`` -> ``bit``; ``""`` for a text column and
    ``1`` for a number without a unit.

    >>> [column_unit(c) for c in ("energy_pj.adc", "area_um2@array", "accuracy_measured_pct", "pe_rows", "cell_bits")]
    ['pJ', 'µm²', '%', 'PEs', 'bit']
    >>> [column_unit(c) for c in ("energy_pj_p10", "tops_per_w_p90", "area_um2_p50", "pareto_share")]
    ['pJ', 'TOPS/W', 'µm²', '1']
    """
    if not numeric:
        return ""
    base = re.split(r"[.@]", column, maxsplit=1)[0]
    base = re.sub(r"_p(10|50|90)$", "", base)  # a band's quantile: energy_pj_p10 is in pJ
    if base in _UNIT_OF:
        return _UNIT_OF[base]
    return next((unit for suffix, unit in _UNIT_SUFFIX if base.endswith(suffix)), "1")


def _csv_rows(results: "pd.DataFrame") -> tuple[list[str], list[list[str]]]:
    """The header and the cells of results.csv, written exactly as the study writes it."""
    text = results.to_csv(index=False, lineterminator="\n")  # the call of outputs.write_outputs
    header, *rows = csv.reader(io.StringIO(text, newline=""))
    return header, rows


def _numeric(cells: Sequence[str]) -> bool:
    filled = [c for c in cells if c != ""]
    return bool(filled) and all(_NUMBER.fullmatch(c) for c in filled)


def _json_row(row: Sequence[str], numeric: Sequence[bool]) -> str:
    """A row as a JSON array: numbers as the CSV wrote them, empty cells null, text as strings."""
    tokens = ("null" if c == "" else c if n else json.dumps(c, ensure_ascii=False) for c, n in zip(row, numeric))
    return "[" + ",".join(tokens) + "]"


def _axis(objective: Objective, results: "pd.DataFrame") -> dict[str, Any]:
    from hwcost.study.plots import data_axis

    axis = data_axis(objective.column, results)
    return {"column": objective.column, "sense": objective.sense.value, "label": axis.label, "unit": axis.unit, "scale": axis.scale}


def _front_rows(results: "pd.DataFrame", pair: Sequence[Objective], group_by: Sequence[str]) -> list[int]:
    """Positions of the rows on the pair's Pareto front, within each group (as ``pareto_table``)."""
    import numpy as np

    on_front = np.zeros(len(results), dtype=bool)
    groups = results.groupby(list(group_by), sort=False).indices.values() if group_by else [np.arange(len(results))]
    for rows in groups:
        values = results.iloc[rows][[o.column for o in pair]].to_numpy(dtype=float)
        on_front[rows] = non_dominated(values, [o.sense for o in pair])
    return [int(i) for i in np.flatnonzero(on_front)]


def _pairs(spec: StudySpec, results: "pd.DataFrame", group_by: Sequence[str]) -> list[dict[str, Any]]:
    """Each pair of objectives as (x, y) the way the figures draw it (accuracy on y), its front."""
    from hwcost.study.plots import _axes_pair

    out = []
    for pair in itertools.combinations(spec.objectives, 2):
        x, y = _axes_pair(pair)
        out.append({"name": front_name(pair), "x": _axis(x, results), "y": _axis(y, results), "front": _front_rows(results, pair, group_by)})
    return out


def _metadata(spec: StudySpec, results: "pd.DataFrame", header: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool]) -> dict[str, Any]:
    """Everything but the rows: columns, their units, what the table and tooltip show, the pairs
    with their fronts, the groups, the scheme colours and the energy-by-unit breakdown."""
    from hwcost.study.plots import COLUMN_AXES, scheme_colours

    described = [c for c in (*DESCRIPTION_COLUMNS, *CIM_COLUMNS, "adc_bits") if c in header]
    # a design column with one value in the whole study is stated once on the page, not per point
    constant = {c: rows[0][header.index(c)] for c in described if rows and len({r[header.index(c)] for r in rows}) == 1}
    # the tooltip names the whole design point (scheme, bits, realisations, arch, node, workload)
    # and the CIM settings that vary; the table's default columns leave out the constant ones
    design = [c for c in described if c in DESCRIPTION_COLUMNS or c not in constant]
    objectives = [o.column for o in spec.objectives]
    shown = list(dict.fromkeys([c for c in described if c not in constant] + objectives + [c for c in TOTAL_COLUMNS if c in header]))
    units = [c.removeprefix("area_um2.") for c in header if c.startswith("area_um2.") and f"energy_pj.{c.removeprefix('area_um2.')}" in header]
    energy = COLUMN_AXES["energy_pj"]
    return {
        "name": spec.name,
        "columns": list(header),
        "numeric": list(numeric),
        "units": [column_unit(c, n) for c, n in zip(header, numeric)],
        "constant": constant,
        "shown": shown,
        "design": design,
        "objectives": [_axis(o, results) for o in spec.objectives],
        "pairs": _pairs(spec, results, list(group_columns(results))),
        "group_by": list(group_columns(results)),
        "colours": scheme_colours(list(dict.fromkeys(results["scheme"]))) if "scheme" in results.columns else {},
        "breakdown": {"units": units, "total": "energy_pj", "label": "energy per inference", "unit": energy.unit, "scale": energy.scale},
    }


def _script_json(value: Any) -> str:
    """JSON that cannot end its ``<script>`` element: ``<``, ``>`` and ``&`` (only ever inside
    strings) as ``\\u`` escapes."""
    return value.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def embedded_json(spec: StudySpec, results: "pd.DataFrame") -> str:
    """The page's data: :func:`_metadata` and ``rows``, the cells of results.csv."""
    header, rows = _csv_rows(results)
    numeric = [_numeric([r[i] for r in rows]) for i in range(len(header))]
    meta = json.dumps(_metadata(spec, results, header, rows, numeric), ensure_ascii=False, indent=None, separators=(",", ":"))
    body = ",\n".join(_json_row(r, numeric) for r in rows)
    return _script_json(meta[:-1] + ',"rows":[\n' + body + "\n]}")


def render_report_html(spec: StudySpec, results: "pd.DataFrame") -> str:
    """The whole page: a heading, the scatter with its selectors, the table, the data and script."""
    title = html.escape(f"Study: {spec.name}")
    description = f"<p>{html.escape(spec.description.strip())}</p>" if spec.description else ""
    objectives = ", ".join(html.escape(str(o)) for o in spec.objectives)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>{title}</h1>
{description}
<p class="note">{len(results)} design points; objectives: {objectives}. Every number comes from <code>results.csv</code>
beside this page, embedded verbatim; fronts are computed per workload (and noise level), as in <code>pareto.csv</code>.
Generated by hwcost; no network access.</p>
<p class="note" id="constants"></p>
<h2>Pareto scatter</h2>
<div class="controls">
<label>objectives <select id="pair"></select></label>
<label id="group-label">group <select id="group"></select></label>
<button type="button" id="reset-zoom" hidden>reset zoom</button>
<span class="note">drag a rectangle on the plot to zoom in</span>
</div>
<div id="plot-box"><svg id="plot" width="760" height="470" role="img" aria-label="Pareto scatter"></svg>
<div id="legend"></div></div>
<p class="note" id="plot-note"></p>
<div id="tip" hidden></div>
<h2>Results</h2>
<div class="controls"><label><input type="checkbox" id="all-columns"> all columns of <code>results.csv</code></label>
<span class="note">click a column header to sort; hover a row of the scatter's group to find it in the plot</span></div>
<div id="table-box"><table id="results"><thead></thead><tbody></tbody></table></div>
<script type="application/json" id="{DATA_ID}">
{embedded_json(spec, results)}
</script>
<script>{SCRIPT}</script>
</body>
</html>
"""
