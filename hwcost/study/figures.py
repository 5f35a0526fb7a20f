"""Figures a study file asks for by name (its optional ``figures`` key), beyond the Pareto fronts.

Three kinds, each drawn on a selection of the design points (``where``: description columns
and the values to keep; a list of selections keeps their union):

- ``bars``: a results column (or several, side by side or stacked) per design point, grouped
  along ``x`` (a description column) with one bar per combination of the ``hue`` columns; with
  ``relative_to``, each value is divided by that of its reference point, the point that differs
  only in the columns ``relative_to`` names (e.g. LSQ+ at every realisation over LSQ at fold /
  output on the same workload and bits);
- ``breakdown``: energy or area stacked by category or by unit, one bar per point;
- ``pareto``: two objectives and their front, on the selection only; optionally coloured by
  ``hue`` columns and with each point labelled by its ``label`` columns (e.g. ``adc_bits``).

Each figure also writes the numbers it shows to ``figures/<name>.csv``, so a page can quote
them (with an uncertainty block, also the p10 / p90 of its whiskers). This module checks the file's entries and prepares the data (pure pandas);
:mod:`hwcost.study.plots` draws.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from hwcost._config import Checker, join_key
from hwcost.pareto import Objective, Sense

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FigureFormat",
    "STUDY_FORMATS",
    "PNG_AND_SVG",
    "FigureKind",
    "FigureSpec",
    "Selection",
    "SELECTABLE",
    "CIM_SELECTABLE",
    "ALL_SELECTABLE",
    "GROUPABLE",
    "parse_figures",
    "figure_plain",
    "figures_from_plain",
    "select",
    "bars_data",
    "select_positions",
    "reference_positions",
    "ratio_band_column",
]

# Description columns of results.csv a figure may select on, group by or compare across.
SELECTABLE = ("scheme", "weight_bits", "act_bits", "zero_point", "scale_at", "arch", "node", "workload")
# ... and in a study with cim_macro points: the ADC bits, and the accuracy-only CIM settings
# (hwcost.study.spec.CIM_COLUMNS) when accuracy is measured.
CIM_SELECTABLE = ("adc_bits", "cim_adc_range", "cim_noise_sigma", "cim_noise_on", "cim_two_stage", "cim_stage2_epochs")
ALL_SELECTABLE = SELECTABLE + CIM_SELECTABLE
# What bars may be grouped by: a description column, or "bits", the pair as "W4A8".
GROUPABLE = SELECTABLE + ("bits",)
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_UNIT_COLUMN = re.compile(r"^(energy_pj|area_um2)\.[A-Za-z0-9_ -]+$")
_RESERVED = ("energy_breakdown", "area_breakdown")


class FigureFormat(Enum):
    """A file format a figure is saved in. Each format costs one full draw (``savefig``), so a
    study writes PNG alone unless asked for more (``formats``)."""

    PNG = "png"  # 150 dpi; report.md embeds it
    SVG = "svg"  # no date, ids salted with a constant: redrawing the same results gives the same bytes
    PDF = "pdf"  # no creation date, likewise

    @property
    def savefig_options(self) -> dict[str, object]:
        return {FigureFormat.PNG: {"dpi": 150}, FigureFormat.SVG: {"metadata": {"Date": None}},
                FigureFormat.PDF: {"metadata": {"CreationDate": None}}}[self]


# What a study draws unless asked for more (the report embeds the PNG).
STUDY_FORMATS: tuple[FigureFormat, ...] = (FigureFormat.PNG,)
# Both raster and vector: the validation figure (docs/img/validation.png and .svg).
PNG_AND_SVG: tuple[FigureFormat, ...] = (FigureFormat.PNG, FigureFormat.SVG)


class FigureKind(Enum):
    BARS = "bars"
    BREAKDOWN = "breakdown"
    PARETO = "pareto"


# A selection: (column, accepted values as strings) pairs; a point is kept when every column
# holds one of its values. Values compare as text, so 4 and "4" both select 4-bit points.
Selection = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class FigureSpec:
    """One requested figure. Fields a kind does not use keep their defaults."""

    name: str
    kind: FigureKind
    where: tuple[Selection, ...] = ()  # empty: every point
    columns: tuple[str, ...] = ()  # bars: the value columns
    x: str = "weight_bits"  # bars: the grouping column
    hue: tuple[str, ...] = ("scheme",)  # bars: one bar per combination; pareto: one colour per combination
    stack: bool = False  # bars: stack the columns instead of placing them side by side
    relative_to: tuple[tuple[str, str], ...] = ()  # bars: the reference point's differing columns
    total: str = "energy_pj"  # breakdown: energy_pj or area_um2
    by: str = "category"  # breakdown: category or unit
    objectives: tuple[Objective, ...] = ()  # pareto: two objectives
    label: tuple[str, ...] = ()  # pareto: label every point with these columns (empty: scheme and bits)
    title: str = ""  # drawn over the figure


_KEYS = {
    FigureKind.BARS: ("column", "x", "hue", "stack", "relative_to"),
    FigureKind.BREAKDOWN: ("total", "by"),
    FigureKind.PARETO: ("objectives", "hue", "label"),
}


def _text(value: Any) -> str:
    return str(value)


def _selection(check: Checker, value: Any, key: str, selectable: Sequence[str] = SELECTABLE) -> Selection | None:
    entry = check.mapping(value, key)
    if entry is None or not check.keys(entry, key, optional=selectable):
        return None
    out = []
    for column, accepted in entry.items():
        values = accepted if isinstance(accepted, list) else [accepted]
        if not values or any(isinstance(v, (list, dict)) or v is None for v in values):
            check.error(join_key(key, column), "expected a value or a non-empty list of values")
            return None
        out.append((column, tuple(_text(v) for v in values)))
    return tuple(out)


def _where(check: Checker, value: Any, key: str, selectable: Sequence[str]) -> tuple[Selection, ...] | None:
    items = value if isinstance(value, list) else [value]
    if not items:
        check.error(key, "expected a selection or a non-empty list of selections")
        return None
    parsed = [_selection(check, item, join_key(key, i) if isinstance(value, list) else key, selectable) for i, item in enumerate(items)]
    return None if any(p is None for p in parsed) else tuple(p for p in parsed if p is not None)


def _columns(check: Checker, value: Any, key: str, allowed: Sequence[str]) -> tuple[str, ...] | None:
    items = value if isinstance(value, list) else [value]
    out = []
    for i, item in enumerate(items):
        k = join_key(key, i) if isinstance(value, list) else key
        if isinstance(item, str) and (item in allowed or _UNIT_COLUMN.match(item)):
            out.append(item)
        else:
            check.error(k, f"expected one of {', '.join(allowed)}, or energy_pj.<unit> / area_um2.<unit>; got {item!r}")
    if not items:
        check.error(key, "expected at least one column")
    return tuple(out) if len(out) == len(items) and items else None


def _hue(check: Checker, value: Any, key: str, groupable: Sequence[str]) -> tuple[str, ...] | None:
    items = value if isinstance(value, list) else [value]
    chosen = [check.choice(v, key, groupable) for v in items]
    return None if None in chosen or not chosen else tuple(c for c in chosen if c is not None)


def _bars(check: Checker, entry: Mapping[str, Any], key: str, values: Sequence[str], selectable: Sequence[str]) -> dict[str, Any] | None:
    if "column" not in entry:
        check.error(key, "a 'bars' figure needs 'column' (one results column or a list)")
        return None
    fields: dict[str, Any] = {"columns": _columns(check, entry["column"], join_key(key, "column"), values)}
    groupable = tuple(selectable) + ("bits",)
    if "x" in entry:
        fields["x"] = check.choice(entry["x"], join_key(key, "x"), groupable)
    if "hue" in entry:
        fields["hue"] = _hue(check, entry["hue"], join_key(key, "hue"), groupable)
    if "stack" in entry:
        fields["stack"] = check.boolean(entry["stack"], join_key(key, "stack"))
    if "relative_to" in entry:
        ref = _selection(check, entry["relative_to"], join_key(key, "relative_to"), selectable)
        if ref is not None and any(len(v) != 1 for _, v in ref):
            check.error(join_key(key, "relative_to"), "expected one value per column (the reference point)")
            ref = None
        fields["relative_to"] = None if ref is None else tuple((c, v[0]) for c, v in ref)
    if None in fields.values():
        return None
    if fields.get("stack") and fields.get("relative_to"):
        check.error(key, "'stack' and 'relative_to' do not go together: a ratio of stacked parts has no common base")
        return None
    x, hue = fields.get("x", "weight_bits"), fields.get("hue", ("scheme",))
    if x in hue:
        check.error(join_key(key, "hue"), f"'{x}' is already the x axis")
        return None
    return fields


def _pareto(check: Checker, entry: Mapping[str, Any], key: str, objective_columns: Sequence[str], selectable: Sequence[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {"objectives": _objectives(check, entry.get("objectives"), join_key(key, "objectives"), objective_columns)}
    for name in ("hue", "label"):
        if name in entry:
            fields[name] = _hue(check, entry[name], join_key(key, name), selectable)
    return fields


def _one(
    check: Checker, item: Any, key: str, values: Sequence[str], objective_columns: Sequence[str], selectable: Sequence[str]
) -> FigureSpec | None:
    entry = check.mapping(item, key)
    if entry is None:
        return None
    kind_name = check.choice(entry.get("kind"), join_key(key, "kind"), [k.value for k in FigureKind])
    if kind_name is None:
        return None
    kind = FigureKind(kind_name)
    if not check.keys(entry, key, required=("name", "kind"), optional=("where", "title") + _KEYS[kind]):
        return None
    name = check.string(entry["name"], join_key(key, "name"))
    if name is not None and (not _NAME.match(name) or name in _RESERVED or name.startswith("pareto_")):
        check.error(join_key(key, "name"), f"expected a file stem of letters, digits, '_', '-', '.', not starting with 'pareto_' nor one of {', '.join(_RESERVED)}; got '{name}'")
        name = None
    where = _where(check, entry["where"], join_key(key, "where"), selectable) if "where" in entry else ()
    title = check.string(entry["title"], join_key(key, "title")) if "title" in entry else ""
    fields: dict[str, Any] | None = {}
    if kind is FigureKind.BARS:
        fields = _bars(check, entry, key, values, selectable)
    elif kind is FigureKind.BREAKDOWN:
        fields = {
            "total": check.choice(entry.get("total", "energy_pj"), join_key(key, "total"), ["energy_pj", "area_um2"]),
            "by": check.choice(entry.get("by", "category"), join_key(key, "by"), ["category", "unit"]),
        }
        if fields["total"] == "area_um2" and fields["by"] == "category":
            check.error(join_key(key, "by"), "area has no categories: use 'by: unit'")
            fields = None
    else:
        fields = _pareto(check, entry, key, objective_columns, selectable)
    if name is None or where is None or title is None or fields is None or None in fields.values():
        return None
    return FigureSpec(name=name, kind=kind, where=where, title=title.strip(), **fields)


def _objectives(check: Checker, value: Any, key: str, allowed: Sequence[str]) -> tuple[Objective, ...] | None:
    items = check.sequence(value, key)
    if items is None:
        return None
    out = []
    for i, item in enumerate(items):
        k = join_key(key, i)
        entry = check.mapping(item, k)
        if entry is None or not check.keys(entry, k, optional=[s.value for s in Sense]) or len(entry) != 1:
            if entry is not None and len(entry) != 1:
                check.error(k, "expected one of 'maximise: COLUMN' or 'minimise: COLUMN'")
            return None
        ((sense, column),) = entry.items()
        if check.choice(column, join_key(k, sense), allowed) is None:
            return None
        out.append(Objective(column, Sense(sense)))
    if len(out) != 2:
        check.error(key, f"a pareto figure needs exactly two objectives, got {len(out)}")
        return None
    return tuple(out)


def parse_figures(
    check: Checker,
    value: Any,
    key: str,
    value_columns: Sequence[str],
    objective_columns: Sequence[str],
    selectable: Sequence[str] = SELECTABLE,
) -> tuple[FigureSpec, ...]:
    """The checked ``figures`` list; problems go to ``check``. ``value_columns`` are the results
    columns a bar may show (besides energy_pj.<unit> / area_um2.<unit>), ``objective_columns``
    those a pareto figure may use, ``selectable`` the description columns a figure may select
    on, group or label by."""
    items = check.sequence(value, key)
    out = [_one(check, item, join_key(key, i), value_columns, objective_columns, selectable) for i, item in enumerate(items or [])]
    figures = tuple(f for f in out if f is not None)
    names = [f.name for f in figures]
    dups = sorted({n for n in names if names.count(n) > 1})
    if dups:
        check.error(key, f"two figures share the name {', '.join(dups)}; names must be unique")
    return figures


# --- study.json (so that ``hwcost study plot`` redraws them) ------------------------------------


def _selection_plain(sel: Selection) -> dict[str, list[str]]:
    return {c: list(v) for c, v in sel}


def figure_plain(f: FigureSpec) -> dict[str, Any]:
    """The study-file form of ``f`` (strings for selected values)."""
    out: dict[str, Any] = {"name": f.name, "kind": f.kind.value}
    if f.title:
        out["title"] = f.title
    if f.where:
        out["where"] = [_selection_plain(s) for s in f.where]
    if f.kind is FigureKind.BARS:
        out |= {"column": list(f.columns), "x": f.x, "hue": list(f.hue), "stack": f.stack}
        if f.relative_to:
            out["relative_to"] = dict(f.relative_to)
    elif f.kind is FigureKind.BREAKDOWN:
        out |= {"total": f.total, "by": f.by}
    else:
        out["objectives"] = [{o.sense.value: o.column} for o in f.objectives]
        if f.hue != ("scheme",):
            out["hue"] = list(f.hue)
        if f.label:
            out["label"] = list(f.label)
    return out


def figures_from_plain(items: Any, file: str) -> tuple[FigureSpec, ...]:
    """Figures written by :func:`figure_plain` back into specs (checked again)."""
    check = Checker(file)
    columns = _ALL_VALUE_COLUMNS
    figures = parse_figures(check, items, "figures", columns, columns, ALL_SELECTABLE)
    check.raise_if_any()
    return figures


# Every column a figure can name; the loader narrows it to what the study's accuracy source has.
_ALL_VALUE_COLUMNS = (
    "accuracy_measured_pct", "integer_accuracy_measured_pct", "fp_accuracy_measured_pct", "accuracy_table_pct",
    "digital_accuracy_measured_pct",
    "energy_pj", "area_um2", "latency_cycles", "energy_per_mac_pj", "tops_per_w", "tops_per_mm2", "utilisation",
)


# --- data ------------------------------------------------------------------------------------

# What accuracies were measured on / taken from (results columns): carried into a bars figure's
# data, so that its axis names the dataset and network.
_SOURCE_COLUMNS = ("accuracy_dataset", "accuracy_model", "table_dataset", "table_network")


def select(results: "pd.DataFrame", where: Sequence[Selection]) -> "pd.DataFrame":
    """The rows of ``results`` in any of the selections (all rows when there is none), in order."""
    import numpy as np

    if not where:
        return results
    keep = np.zeros(len(results), dtype=bool)
    for sel in where:
        rows = np.ones(len(results), dtype=bool)
        for column, values in sel:
            rows &= _matches(results[column], values)
        keep |= rows
    return results[keep]


def _matches(column: "pd.Series", values: Sequence[str]) -> Any:
    """Rows whose value is one of ``values``: as text, or as numbers in a numeric column (so
    ``0`` selects a noise sigma of 0.0)."""
    import numpy as np
    import pandas as pd

    text = column.astype(str).isin(values).to_numpy()
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return text
    try:
        numbers = [float(v) for v in values]
    except ValueError:
        return text
    return text | np.isin(column.to_numpy(dtype=float), numbers)


def select_positions(results: "pd.DataFrame", f: FigureSpec) -> "np.ndarray":
    """Positions in ``results`` of the rows figure ``f`` selects, in order."""
    return results.index.get_indexer(select(results, f.where).index)


def reference_positions(results: "pd.DataFrame", f: FigureSpec) -> tuple["np.ndarray", "np.ndarray"]:
    """For a ``relative_to`` figure: the positions in ``results`` of the rows it selects and of
    each one's reference, the row equal to it in every description column except those
    ``relative_to`` names, which hold the given values (-1 where there is none; of several,
    the last)."""
    import numpy as np

    chosen = select_positions(results, f)
    fixed = dict(f.relative_to)
    match = [c for c in ALL_SELECTABLE if c in results.columns and c not in fixed]
    is_ref = np.ones(len(results), dtype=bool)
    for column, value in fixed.items():
        is_ref &= (results[column].astype(str) == value).to_numpy()
    keys = [tuple(str(v) for v in row) for row in results[match].itertuples(index=False, name=None)]
    ref_of = {keys[i]: i for i in np.flatnonzero(is_ref)}
    return chosen, np.array([ref_of.get(keys[i], -1) for i in chosen], dtype=int)


def ratio_band_column(figure: str, column: str, quantile: str) -> str:
    """The results column of the p10 or p90 of ``column`` over its reference, per sample, in a
    ``relative_to`` bars figure of a study with an uncertainty block."""
    return f"ratio_{quantile}.figure.{figure}.{column}"


def bars_data(results: "pd.DataFrame", f: FigureSpec) -> "pd.DataFrame":
    """The points a ``bars`` figure shows: description columns, each value column, and with
    ``relative_to`` the reference's value (``<column>.reference``) and the ratio
    (``<column>.relative``). Unit columns absent from results (no point has the unit) are 0, and
    named in ``attrs["absent_units"]``, which the figure prints (a misspelt unit is no silent 0)."""
    import numpy as np
    import pandas as pd

    data = select(results, f.where).copy()
    absent = []
    for column in f.columns:
        if column not in data.columns:
            if not _UNIT_COLUMN.match(column):
                raise KeyError(column)
            data[column] = 0.0
            absent.append(column)
    keep = [c for c in ALL_SELECTABLE if c in data.columns]
    extra = [c for c in ("accuracy_measured_sd_pct",) if c in data.columns and "accuracy_measured_pct" in f.columns]
    extra += [c for c in _SOURCE_COLUMNS if c in data.columns and any("accuracy" in v for v in f.columns)]
    # with an uncertainty block: the p10 / p90 of the values shown (their whiskers)
    # (energy per MAC: the energy's, and the MACs it is divided by)
    bases = list(dict.fromkeys("energy_pj" if c == "energy_per_mac_pj" else c for c in f.columns))
    banded = [f"{c}_{q}" for c in bases for q in ("p10", "p90") if f"{c}_{q}" in data.columns and f"{c}_{q}" not in f.columns]
    macs = ["macs"] if banded and "energy_per_mac_pj" in f.columns and "macs" not in f.columns else []
    extra += banded + macs + [c for c in ("band_samples", "band_seed") if banded and c in data.columns]
    out = data[keep + list(f.columns) + extra].reset_index(drop=True)
    out.attrs["absent_units"] = tuple(absent)  # the figure says so (bars_figure): 0, or a misspelt unit
    if "bits" in (f.x, *f.hue):
        out.insert(len(keep), "bits", [f"W{w}A{a}" for w, a in zip(out["weight_bits"], out["act_bits"])])
    if not f.relative_to:
        return out
    _, refs = reference_positions(results, f)
    for column in f.columns:
        values = results[column].to_numpy(dtype=float) if column in results.columns else None
        base = np.array([values[r] if values is not None and r >= 0 else np.nan for r in refs])
        out[f"{column}.reference"] = base
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"{column}.relative"] = out[column].to_numpy(dtype=float) / base
        for q in ("p10", "p90"):  # with an uncertainty block: the ratio's band, per sample (hwcost.study.bands)
            band = ratio_band_column(f.name, column, q)
            if band in results.columns:
                out[f"{column}.relative_{q}"] = results[band].to_numpy(dtype=float)[select_positions(results, f)]
    frame = pd.DataFrame(out)
    frame.attrs["absent_units"] = tuple(absent)
    return frame
