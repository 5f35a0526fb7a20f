"""Study figures: accuracy (or any objective) against cost with the Pareto front, and the energy
and area breakdowns of every design point.

Figures are built on :class:`matplotlib.figure.Figure` directly (no pyplot, no global backend
switch) and saved in the formats asked for (:class:`~hwcost.study.figures.FigureFormat`; a
study: PNG unless asked for SVG or PDF as well); SVGs and PDFs carry no date and SVGs fixed
ids, so redrawing the same results gives the same files. Every axis names its quantity and unit; an axis whose positive
data spans a decade or more is logarithmic.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib
import matplotlib.patches
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from hwcost.pareto import ROBUST_SHARE, Objective, non_dominated
from hwcost.study.figures import PNG_AND_SVG, STUDY_FORMATS, FigureFormat
from hwcost.report import Category

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FigureFormat", "STUDY_FORMATS", "PNG_AND_SVG", "ColumnAxis", "COLUMN_AXES", "SCHEME_PALETTE", "scheme_colours", "accuracy_source", "data_axis", "pareto_figure", "breakdown_figure", "bars_figure", "overhead_figure", "save_figure", "study_figures"]

_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")
_VARIANT_COLUMNS = ("zero_point", "scale_at", "arch", "node", "cim_adc_range", "cim_noise_on", "cim_noise_sigma", "cim_two_stage", "cim_stage2_epochs")
_TOP_UNITS = 8  # area breakdown: the largest units, the rest summed as "other"
_LABEL_ALL_UP_TO = 30  # full labels for every point up to this many; beyond, for the front only


@dataclass(frozen=True)
class ColumnAxis:
    """How a results column is shown: ``label (unit)``, values multiplied by ``scale``."""

    label: str
    unit: str
    scale: float

    def axis(self) -> str:
        return f"{self.label} ({self.unit})"


COLUMN_AXES: dict[str, ColumnAxis] = {
    "energy_pj": ColumnAxis("energy per inference", "µJ", 1e-6),
    "area_um2": ColumnAxis("area", "mm²", 1e-6),
    "latency_cycles": ColumnAxis("latency per inference", "cycles", 1.0),
    "energy_per_mac_pj": ColumnAxis("energy per MAC", "pJ", 1.0),
    "tops_per_w": ColumnAxis("energy efficiency", "TOPS/W", 1.0),
    "tops_per_mm2": ColumnAxis("area efficiency", "TOPS/mm²", 1.0),
    "utilisation": ColumnAxis("PE utilisation", "%", 100.0),
    "accuracy_measured_pct": ColumnAxis("measured accuracy", "%", 1.0),
    "integer_accuracy_measured_pct": ColumnAxis("measured integer-only accuracy", "%", 1.0),
    "accuracy_table_pct": ColumnAxis("published accuracy", "%", 1.0),
    "fp_accuracy_measured_pct": ColumnAxis("measured full-precision accuracy", "%", 1.0),
}


def _column_axis(column: str) -> ColumnAxis:
    total, _, unit = column.partition(".")
    if unit and total in ("energy_pj", "area_um2"):  # one unit's share: energy_pj.bn_multiplier
        base = COLUMN_AXES[total]
        return ColumnAxis(f"{base.label.split(' per ')[0]} of {unit}", base.unit, base.scale)
    return COLUMN_AXES.get(column, ColumnAxis(column, "as in results.csv", 1.0))


# Columns with a p10 / p90 in results.csv when the study has an uncertainty block
# (hwcost.study.bands), and those derived from one exactly: energy per MAC is energy / MACs.
_BANDED = {"energy_pj": "energy_pj", "tops_per_w": "tops_per_w", "area_um2": "area_um2", "energy_per_mac_pj": "energy_pj"}
ROBUST_EDGE = "#d62728"  # the ring of a robust front point


def band_of(data: "pd.DataFrame", column: str, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray] | None:
    """(p10, p90) of ``column`` for every row of ``data``, times ``scale``, when the study has
    bands (``energy_pj_p10`` ...), else ``None``."""
    base = _BANDED.get(column)
    if base is None or f"{base}_p10" not in data.columns:
        return None
    low, high = (data[f"{base}_{q}"].to_numpy(dtype=float) * scale for q in ("p10", "p90"))
    if column == "energy_per_mac_pj":
        if "macs" not in data.columns:
            return None
        macs = data["macs"].to_numpy(dtype=float)
        low, high = low / macs, high / macs
    return low, high


def band_note(data: "pd.DataFrame", what: str = "") -> str:
    """What the whiskers are: ``whiskers: p10–p90 of 1,000 samples of the technology's spreads
    (seed 0)``; with ``what``, shorter: ``whiskers: the total's p10–p90 (1,000 samples, seed 0)``."""
    samples = int(data["band_samples"].iloc[0]) if "band_samples" in data.columns and len(data) else 0
    seed = int(data["band_seed"].iloc[0]) if "band_seed" in data.columns and len(data) else 0
    if what:
        return f"whiskers: {what} p10–p90 ({samples:,} samples, seed {seed})"
    return f"whiskers: p10–p90 of {samples:,} samples of the technology's spreads (seed {seed})"


def _whiskers(ax: Axes, at: np.ndarray, low: np.ndarray, high: np.ndarray, horizontal: bool, colour: object, **style: object) -> None:
    """Capped lines from ``low`` to ``high`` at positions ``at`` (across x when ``horizontal``);
    drawn from the band itself, so a library value outside its band stays visible as such."""
    keep = np.isfinite(low) & np.isfinite(high) & np.isfinite(at)
    if not keep.any():
        return
    mid, half = (low[keep] + high[keep]) / 2, (high[keep] - low[keep]) / 2
    x, y = (mid, at[keep]) if horizontal else (at[keep], mid)
    options = {"xerr": half} if horizontal else {"yerr": half}
    ax.errorbar(x, y, fmt="none", ecolor=colour, elinewidth=style.get("linewidth", 0.7), capsize=style.get("capsize", 2.0),
                alpha=style.get("alpha", 0.5), zorder=style.get("zorder", 3), **options)


# Accuracy columns and the results columns naming what they were measured on: (dataset, network).
_ACCURACY_SOURCES = {
    "accuracy_measured_pct": ("accuracy_dataset", "accuracy_model"),
    "integer_accuracy_measured_pct": ("accuracy_dataset", "accuracy_model"),
    "fp_accuracy_measured_pct": ("accuracy_dataset", "accuracy_model"),
    "digital_accuracy_measured_pct": ("accuracy_dataset", "accuracy_model"),
    "accuracy_table_pct": ("table_dataset", "table_network"),
}


def accuracy_source(column: str, data: "pd.DataFrame") -> str:
    """``dataset, network`` an accuracy column of ``data`` was measured on (``fashion-mnist, cnn``;
    several joined by `` / ``), or ``""`` for other columns and results without those columns."""
    names = _ACCURACY_SOURCES.get(column)
    if names is None or not all(n in data.columns for n in names):
        return ""
    rows = dict.fromkeys(data[list(names)].itertuples(index=False, name=None))
    pairs = [f"{d}, {n}" for d, n in rows if isinstance(d, str) and d and isinstance(n, str) and n]  # CSV: empty is NaN
    return " / ".join(pairs)


def data_axis(column: str, data: "pd.DataFrame") -> ColumnAxis:
    """The axis of ``column``; an accuracy names its dataset and network: ``accuracy on fashion-mnist, cnn (%)``."""
    base = _column_axis(column)
    source = accuracy_source(column, data)
    if not source:
        return base
    return ColumnAxis(f"{base.label.removeprefix('measured ')} on {source}", base.unit, base.scale)


def _measured_elsewhere(columns: Sequence[str], data: "pd.DataFrame") -> str:
    """A panel title's note when it shows a measured accuracy of another network than its
    workload (never a network's name beside another network's accuracy)."""
    shown = [c for c in columns if c in _ACCURACY_SOURCES and c != "accuracy_table_pct"]
    if not shown or "accuracy_model" not in data.columns or "workload" not in data.columns:
        return ""
    if not set(data["workload"]) - set(data["accuracy_model"]):
        return ""
    return f" design points\naccuracy measured on {accuracy_source(shown[0], data)}"


def _spans_decade(values: np.ndarray) -> bool:
    positive = values[np.isfinite(values) & (values > 0)]
    return len(positive) > 1 and positive.max() / positive.min() >= 10.0 and len(positive) == np.isfinite(values).sum()


def _variant_columns(results: "pd.DataFrame") -> list[str]:
    """Description columns that tell apart points of the same scheme and bits on one workload
    (a scheme's own zero-point realisation, say, differs between schemes but is no variant)."""
    same = results.groupby(["workload", "scheme", "weight_bits", "act_bits"], sort=False)
    return [c for c in _VARIANT_COLUMNS if c in results.columns and same[c].nunique().max() > 1]


def _point_label(row: "pd.Series", variants: Sequence[str]) -> str:
    text = f"{row['scheme']} W{row['weight_bits']}A{row['act_bits']}"
    return " ".join([text] + [_value_text(c, row[c]) for c in variants])


def _value_text(column: str, value: object) -> str:
    """A description value as a figure shows it (CIM settings in words: ``ADC 5 b``,
    ``two-stage``, ``σ=0.2``)."""
    text = str(value)
    if column == "weight_bits":
        return f"W{value}"
    if column == "act_bits":
        return f"A{value}"
    if column == "adc_bits":  # a digital point in a sweep with CIM points has 0 (or none)
        bits = float(text) if text not in ("", "nan", "None") else 0.0
        return f"ADC {bits:g} b" if bits > 0 else "digital"
    if column == "cim_two_stage" and text in ("True", "False"):
        return "two-stage" if text == "True" else "QAT only"
    if column == "cim_noise_sigma" and text not in ("", "nan"):
        return "σ=0" if float(text) == 0 else f"σ={float(text):g}"
    if column == "cim_noise_on":
        return "no noise" if text == "none" else f"noise on {text}"
    if column == "cim_adc_range":
        return "digital (no ADC)" if text == "none" else f"{text} range"
    if column == "cim_stage2_epochs" and text not in ("", "nan"):
        return f"{int(float(text))} stage-2 ep."
    return text


def _panel_title(columns: Sequence[str], values: Sequence[object]) -> str:
    """``resnet20``, or ``resnet20, σ=0.2 noise on weights`` (a noise-free panel says so once)."""
    shown = dict(zip(columns, values))
    if str(shown.get("cim_noise_on")) == "none":
        del shown["cim_noise_sigma"]
    return ", ".join(str(v) if c == "workload" else _value_text(c, v) for c, v in shown.items())


def _axes_pair(objectives: Sequence[Objective]) -> tuple[Objective, Objective]:
    """(x, y): accuracy-like objectives go on the y axis."""
    a, b = objectives
    if "accuracy" in a.column and "accuracy" not in b.column:
        return b, a
    return a, b


def _normalised(values: np.ndarray) -> np.ndarray:
    """Values mapped to [0, 1] (on a log scale when they span a decade), for label placement."""
    v = np.log10(values) if _spans_decade(values) else values.astype(float)
    span = np.ptp(v) if len(v) else 0.0
    return (v - v.min()) / span if span > 0 else np.zeros_like(v)


def _flipped(nx: np.ndarray, widths: Sequence[float]) -> np.ndarray:
    """Labels that would run past the right edge of the axes (matplotlib adds a 5 % margin)
    go to the left of their point."""
    return (np.asarray(nx) + np.asarray(widths, dtype=float)) > 1.04


def _label_steps(
    nx: np.ndarray, ny: np.ndarray, widths: Sequence[float], max_steps: Sequence[int], height: float = 0.035
) -> list[int | None]:
    """How many lines down to move each label so that labels near each other do not overlap
    (greedy, in order; label i spans ``widths[i]`` x ``height`` of the axes from its point);
    ``None`` when label i would have to move more than ``max_steps[i]`` lines."""
    placed: list[tuple[float, float, float]] = []
    steps: list[int | None] = []
    for x, y, w, most in zip(nx, ny, widths, max_steps):
        step = 0
        while step <= most and any(x < px + pw and px < x + w and abs(y - step * height - py) < height for px, py, pw in placed):
            step += 1
        if step > most:
            steps.append(None)
            continue
        placed.append((x, y - step * height, w))
        steps.append(step)
    return steps


def _label_points(ax: Axes, data: "pd.DataFrame", x: np.ndarray, y: np.ndarray, front: np.ndarray, colours: dict[str, str]) -> None:
    """Front points get "scheme WxAy" (moved down with a leader line when crowded); the others
    too when there are few points, else a short "WxAy" in the scheme's colour where it fits."""
    if _one_point_kind(data):
        return  # one scheme at one width: the title names it, a label per point would repeat it
    full = front | (len(data) <= _LABEL_ALL_UP_TO)
    order = np.concatenate([np.flatnonzero(front), np.flatnonzero(~front)])
    # points drawn on top of each other (within a marker's width) get one label naming them all
    place = _overlapping(_normalised(x), _normalised(y), order)
    together = {p: [i for i in order if place[i] == p] for p in dict.fromkeys(place[i] for i in order)}
    order = np.asarray([i for i in order if together[place[i]][0] == i], dtype=int)
    texts = [_joint_label(data, together[place[i]], full[i]) for i in order]
    widths = [0.012 * len(t) for t in texts]
    left = _flipped(_normalised(x)[order], widths)
    starts = _normalised(x)[order] - np.where(left, widths, 0.0)
    steps = _label_steps(starts, _normalised(y)[order], widths, [6 if full[i] else 0 for i in order])
    for i, text, step, flip in zip(order, texts, steps, left):
        if step is None:
            continue
        shared = {data["scheme"].iloc[j] for j in together[place[i]]}
        colour = "black" if full[i] or len(shared) > 1 else colours[data["scheme"].iloc[i]]
        leader = {"arrowprops": {"arrowstyle": "-", "linewidth": 0.4, "color": "grey", "shrinkA": 0, "shrinkB": 3}} if step else {}
        size = 7 if full[i] else 6
        ax.annotate(text, (x[i], y[i]), xytext=(-4 if flip else 4, 3 - 9 * step), textcoords="offset points", fontsize=size,
                    color=colour, zorder=6, ha="right" if flip else "left", **leader)


def _one_point_kind(data: "pd.DataFrame") -> str:
    """``lsq W4A4`` when every point of ``data`` is that scheme at those bits, else ``""``."""
    kinds = data[["scheme", "weight_bits", "act_bits"]].drop_duplicates()
    return _point_label(kinds.iloc[0], []) if len(kinds) == 1 else ""


_OVERLAP = 0.012  # a marker's half-width, as a fraction of the axes (7 x 5 in panel, marker size 40)


def _overlapping(nx: np.ndarray, ny: np.ndarray, order: Sequence[int]) -> list[int]:
    """For each point, the first point (in ``order``) it is drawn on top of, or itself."""
    place = list(range(len(nx)))
    firsts: list[int] = []
    for i in order:
        near = next((j for j in firsts if abs(nx[i] - nx[j]) < _OVERLAP and abs(ny[i] - ny[j]) < _OVERLAP), None)
        if near is None:
            firsts.append(i)
        else:
            place[i] = near
    return place


def _joint_label(data: "pd.DataFrame", rows: Sequence[int], full: bool) -> str:
    """``pot/lsq W8A8`` for points at one place with the same bits (``W8A8`` when not ``full``),
    else their labels joined: ``pot W8A8, lsq W4A4``."""
    bits = list(dict.fromkeys(f"W{data['weight_bits'].iloc[i]}A{data['act_bits'].iloc[i]}" for i in rows))
    schemes = list(dict.fromkeys(str(data["scheme"].iloc[i]) for i in rows))
    if not full:
        return "/".join(bits)
    if len(bits) == 1:
        return f"{'/'.join(schemes)} {bits[0]}"
    return ", ".join(dict.fromkeys(_point_label(data.iloc[i], []) for i in rows))


def _draw_front(ax: Axes, x: np.ndarray, y: np.ndarray) -> None:
    order = np.lexsort((y, x))
    ax.step(x[order], y[order], where="post", color="black", linewidth=1.2, zorder=2)
    ax.scatter(x, y, s=150, facecolors="none", edgecolors="black", linewidths=1.0, zorder=4)


def _label_given(ax: Axes, data: "pd.DataFrame", x: np.ndarray, y: np.ndarray, label: Sequence[str]) -> None:
    """Points labelled by their ``label`` columns, the highest first: a text already placed at
    the same x (``ADC 5 b`` over every 5-bit point) is not repeated, and a label that cannot be
    placed near its point without overlapping is left out."""
    texts = [" ".join(_value_text(c, v) for c, v in zip(label, row)) for row in data[list(label)].itertuples(index=False)]
    order = [i for i in np.argsort(-y, kind="stable")]
    order = [i for n, i in enumerate(order) if (x[i], texts[i]) not in {(x[j], texts[j]) for j in order[:n]}]
    widths = [0.012 * len(texts[i]) for i in order]
    left = _flipped(_normalised(x)[order], widths)
    starts = _normalised(x)[order] - np.where(left, widths, 0.0)
    steps = _label_steps(starts, _normalised(y)[order], widths, [2] * len(order))
    for i, step, flip in zip(order, steps, left):
        if step is not None:
            ax.annotate(texts[i], (x[i], y[i]), xytext=(-4 if flip else 4, 3 - 9 * step), textcoords="offset points",
                        fontsize=6.5, zorder=6, ha="right" if flip else "left")


def _pareto_panel(
    ax: Axes,
    data: "pd.DataFrame",
    objectives: tuple[Objective, Objective],
    colours: dict[object, str],
    variants: Sequence[str],
    title: str,
    hue: Sequence[str] = (),
    label: Sequence[str] = (),
    share: str | None = None,
) -> None:
    """Points coloured by scheme (or by their ``hue`` columns, then with one marker), marked by
    variant; labelled by scheme and bits (or by their ``label`` columns); the front. With bands,
    p10–p90 whiskers on each banded axis, and with a ``share`` column the robust points (on the
    front in at least ROBUST_SHARE of the samples) ringed in red."""
    xo, yo = objectives
    xq, yq = data_axis(xo.column, data), data_axis(yo.column, data)
    x = data[xo.column].to_numpy(dtype=float) * xq.scale
    y = data[yo.column].to_numpy(dtype=float) * yq.scale
    front = non_dominated(np.column_stack([x, y]), [xo.sense, yo.sense])
    sd_column = {"accuracy_measured_pct": "accuracy_measured_sd_pct"}.get(yo.column)
    sd = data[sd_column].to_numpy(dtype=float) * yq.scale if sd_column in data.columns else np.full(len(data), np.nan)
    keys = [tuple(r) for r in data[variants].itertuples(index=False)] if variants and not hue else [()] * len(data)
    marker_of = {k: _MARKERS[i % len(_MARKERS)] for i, k in enumerate(dict.fromkeys(keys))}
    groups = [tuple(r) for r in data[list(hue)].itertuples(index=False)] if hue else list(data["scheme"])
    # with hue, each colour is drawn smaller than the one before, so points at the same place stay visible
    size = {g: max(12, 70 - 14 * i) if hue else 40 for i, g in enumerate(colours)}
    x_band, y_band = band_of(data, xo.column, xq.scale), band_of(data, yo.column, yq.scale)
    for group, key in dict.fromkeys(zip(groups, keys)):
        members = np.array([g == group and k == key for g, k in zip(groups, keys)])
        bars = members & np.isfinite(sd)
        if bars.any():
            ax.errorbar(x[bars], y[bars], yerr=sd[bars], color=colours[group], linestyle="", linewidth=0.8, zorder=3)
        if x_band is not None:
            _whiskers(ax, y[members], x_band[0][members], x_band[1][members], True, colours[group])
        if y_band is not None:
            _whiskers(ax, x[members], y_band[0][members], y_band[1][members], False, colours[group])
        ax.scatter(x[members], y[members], color=colours[group], marker=marker_of[key], s=size[group], zorder=5)
    if label:
        _label_given(ax, data, x, y, label)
    else:
        _label_points(ax, data, x, y, front, colours)  # type: ignore[arg-type]
    if front.any():
        _draw_front(ax, x[front], y[front])
    robust = np.zeros(len(data), dtype=bool)
    if share is not None and share in data.columns:
        robust = data[share].to_numpy(dtype=float) >= ROBUST_SHARE
        ax.scatter(x[robust], y[robust], s=260, facecolors="none", edgecolors=ROBUST_EDGE, linewidths=1.8, zorder=4)
    for axis, values in (("x", x), ("y", y)):
        if _spans_decade(values):
            ax.set_xscale("log") if axis == "x" else ax.set_yscale("log")
    ax.set_xlabel(xq.axis())
    ax.set_ylabel(yq.axis())
    ax.grid(True, which="both", linewidth=0.3, alpha=0.5)
    measured = "measured" in xo.column + yo.column and "accuracy_model" in data.columns
    if measured and "workload" in data.columns and set(data["workload"]) - set(data["accuracy_model"]):
        title = f"{title} (cost only)"  # never a network's name beside another network's accuracy
    kind = "" if label else _one_point_kind(data)
    counted = f", {int(robust.sum())} robust" if share is not None and share in data.columns else ""
    ax.set_title(f"{title}{', ' + kind if kind else ''}: {int(front.sum())} of {len(data)} points on the front{counted}", fontsize=10)
    present = set(groups)
    handles = [Line2D([], [], color=c, marker="o", linestyle="", label=_combo_text(hue, g) if hue else str(g)) for g, c in colours.items() if g in present]
    if len(marker_of) <= len(_MARKERS):
        handles += [Line2D([], [], color="grey", marker=m, linestyle="", label=_combo_text(variants, k)) for k, m in marker_of.items() if k]
    else:  # markers would repeat: a legend entry per variant could not tell them apart
        handles.append(Line2D([], [], color="grey", marker="o", linestyle="", label=f"{len(marker_of)} variants (markers repeat; "
                                                                                       "pareto.csv names them)"))
    handles.append(Line2D([], [], color="black", marker="o", markerfacecolor="none", markersize=9, linewidth=1.2, label="Pareto front"))
    if share is not None and share in data.columns:
        handles.append(Line2D([], [], color=ROBUST_EDGE, marker="o", markerfacecolor="none", markersize=12, markeredgewidth=1.8,
                              linestyle="", label=f"robust: on the front in ≥ {ROBUST_SHARE:.0%} of the samples"))
    if x_band is not None or y_band is not None:
        handles.append(Line2D([], [], color="grey", marker="|", markersize=8, linewidth=0.8, label=band_note(data)))
    # under the axes, so that it never hides a point
    ax.legend(handles=handles, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=2, frameon=False)


def _grid(n: int, width: float, height: float) -> tuple[Figure, list[Axes]]:
    cols = min(n, 2)
    rows = -(-n // cols)
    fig = Figure(figsize=(width * cols, height * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel().tolist()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


# One colour per scheme in every figure of every study: the presets in PRESET_NAMES order take
# matplotlib's tab10 then five dark colours of ColorBrewer Dark2 and navy (15 presets, 15 colours);
# a user scheme takes the colour its name hashes to (crc32), skipping the colours of the presets
# shown beside it.
SCHEME_PALETTE: tuple[str, ...] = (*(matplotlib.colors.to_hex(c) for c in matplotlib.colormaps["tab10"].colors),
                                   "#1b9e77", "#e6ab02", "#7570b3", "#a6761d", "#000080")


def scheme_colours(schemes: Sequence[str]) -> dict[str, str]:
    """The colour of each scheme: fixed for a preset, by name for any other."""
    import zlib

    from hwcost.schemes import PRESET_NAMES

    out = {s: SCHEME_PALETTE[PRESET_NAMES.index(s) % len(SCHEME_PALETTE)] for s in schemes if s in PRESET_NAMES}
    for s in dict.fromkeys(x for x in schemes if x not in PRESET_NAMES):
        start = zlib.crc32(str(s).encode())
        free = [SCHEME_PALETTE[(start + i) % len(SCHEME_PALETTE)] for i in range(len(SCHEME_PALETTE))]
        out[s] = next((c for c in free if c not in out.values()), free[0])
    return out


def _colours(results: "pd.DataFrame", hue: Sequence[str] = ()) -> dict[object, str]:
    """A colour per scheme (the same in every figure: :func:`scheme_colours`), or per combination
    of the ``hue`` columns, in order of appearance."""
    if not hue or tuple(hue) == ("scheme",):
        fixed = scheme_colours(list(dict.fromkeys(results["scheme"])))
        return {(k,) if hue else k: c for k, c in fixed.items()}
    palette = matplotlib.colormaps["tab10"].colors
    keys = [tuple(r) for r in results[list(hue)].itertuples(index=False)]
    return {k: matplotlib.colors.to_hex(palette[i % len(palette)]) for i, k in enumerate(dict.fromkeys(keys))}


def pareto_figure(
    results: "pd.DataFrame",
    objectives: Sequence[Objective],
    panel_by: Sequence[str] = ("workload",),
    hue: Sequence[str] | None = None,
    label: Sequence[str] = (),
    share: str | None = None,
) -> Figure:
    """One panel per workload (per combination of the ``panel_by`` columns, each with its own
    front): the two objectives, each point labelled by scheme and bits (or by its ``label``
    columns), coloured by scheme (or by its ``hue`` columns), the Pareto front as a staircase
    with ringed points. Rows with a missing value are left out. When the results have bands
    (an uncertainty block), each banded objective gets p10–p90 whiskers and, with ``share``
    (the results column of this front's share of the samples), the robust points a red ring."""
    xo, yo = _axes_pair(objectives)
    hue = tuple(hue or ())
    data = results[np.isfinite(results[xo.column].astype(float)) & np.isfinite(results[yo.column].astype(float))]
    panels = list(dict.fromkeys(results[list(panel_by)].itertuples(index=False, name=None)))
    fig, axes = _grid(len(panels), 7.0, 5.0)
    colours = _colours(results, hue)
    variants = [c for c in _variant_columns(results) if c not in panel_by]
    for ax, panel in zip(axes, panels):
        title = _panel_title(panel_by, panel)
        rows = data[np.logical_and.reduce([data[c] == v for c, v in zip(panel_by, panel)])] if len(data) else data
        if rows.empty:
            ax.set_title(f"{title}: no point has both values", fontsize=10)
            ax.set_axis_off()
            continue
        _pareto_panel(ax, rows, (xo, yo), colours, variants, title, hue, label, share)
    missing = len(results) - len(data)
    if missing:
        fig.suptitle(f"{missing} point(s) without a value for both objectives are not shown", fontsize=8)
    return fig


def _breakdown_parts(results: "pd.DataFrame", prefix: str, by: str = "") -> list[str]:
    """Stack columns: energy by category (in Category order), area (or energy, ``by="unit"``)
    by unit (largest first)."""
    categories = [f"{prefix}{c.value}" for c in Category if f"{prefix}{c.value}" in results.columns]
    if prefix == "energy_pj." and by != "unit":
        return categories
    # Every unit has an area column (0 off chip), so units are the names with one; the unit
    # "dram" shares its energy column with the category of that name.
    unit_names = {c.split(".", 1)[1] for c in results.columns if c.startswith("area_um2.")}
    units = [c for c in results.columns if c.startswith(prefix) and c.split(".", 1)[1] in unit_names]
    totals = results[units].sum().sort_values(ascending=False, kind="stable")
    return [u for u in totals.index if totals[u] > 0]


def _stacks(data: "pd.DataFrame", parts: Sequence[str], limit: int | None) -> list[tuple[str, np.ndarray]]:
    """(name, values) per stacked part of one panel: its ``limit`` largest parts, then "other"."""
    present = [p for p in parts if data[p].to_numpy(dtype=float).sum() > 0]
    if limit is not None and len(present) > limit:
        present = sorted(present, key=lambda p: -data[p].to_numpy(dtype=float).sum())[:limit]
        present = [p for p in parts if p in present]
    stacks = [(p.split(".", 1)[1], data[p].to_numpy(dtype=float)) for p in present]
    rest = [p for p in parts if p not in present]
    if rest:
        stacks.append(("other", data[rest].to_numpy(dtype=float).sum(axis=1)))
    return stacks


def _wrap_at_hyphens(name: str, width: int) -> str:
    """``name`` in lines of at most ``width`` characters, broken only after its hyphens (a part
    longer than ``width`` keeps its line).

    >>> _wrap_at_hyphens("lsq+-operand16", 6)
    'lsq+-\\noperand16'
    >>> _wrap_at_hyphens("lsq+-per-mac", 12)
    'lsq+-per-mac'
    """
    lines: list[str] = []
    for part in re.split(r"(?<=-)", name):
        if lines and len(lines[-1]) + len(part) <= width:
            lines[-1] += part
        else:
            lines.append(part)
    return "\n".join(line for line in lines if line)


def _bar_labels(ax: Axes, data: "pd.DataFrame", variants: Sequence[str]) -> None:
    """Bits (and the variants that differ within the panel, in words) under each bar; scheme
    names over their group, groups separated."""
    variants = [c for c in variants if data[c].nunique() > 1]
    labels = [" ".join([f"W{r['weight_bits']}A{r['act_bits']}"] + [_value_text(c, r[c]) for c in variants]) for _, r in data.iterrows()]
    ax.set_xticks(np.arange(len(data)), labels, fontsize=7, rotation=90 if variants else 0)
    schemes = data["scheme"].to_numpy()
    starts = [0] + [i for i in range(1, len(schemes)) if schemes[i] != schemes[i - 1]] + [len(schemes)]
    # A group's title wraps at its hyphens to about the characters its bars span (a bar is ~0.42
    # inch, ~6 bold 8-point characters), so neighbouring titles do not run into each other.
    titles = [_wrap_at_hyphens(str(schemes[a]), max(6, 6 * (b - a))) for a, b in zip(starts[:-1], starts[1:])]
    lines = max(t.count("\n") + 1 for t in titles)
    top = ax.get_ylim()[1]
    ax.set_ylim(0, top * (1.06 + 0.06 * lines))
    for (a, b), title in zip(zip(starts[:-1], starts[1:]), titles):
        ax.text((a + b - 1) / 2, top * (1.04 + 0.06 * lines), title, ha="center", va="top", fontsize=8,
                fontweight="bold", linespacing=1.0)
        if a:
            ax.axvline(a - 0.5, color="grey", linewidth=0.6, linestyle=":")
    ax.set_xlim(-0.6, len(data) - 0.4)


def breakdown_figure(results: "pd.DataFrame", total: str, by: str | None = None) -> Figure:
    """Stacked bars of ``energy_pj`` (by category) or ``area_um2`` (by unit, the largest ones),
    one bar per design point grouped by scheme; one panel per workload and architecture, each
    on its own scale (a CIM macro and a MAC array can differ by more than a decade).
    ``by="unit"`` stacks energy by unit too (the largest ones, the rest as "other")."""
    quantity = _column_axis(total)
    by = by or ("category" if total == "energy_pj" else "unit")
    parts = _breakdown_parts(results, f"{total}.", by)
    panels = list(dict.fromkeys(zip(results["workload"], results["arch"])))
    variants = [c for c in _variant_columns(results) if c != "arch"]
    width = max(6.0, 0.42 * results.groupby(["workload", "arch"]).size().max() + 3.0)
    fig = Figure(figsize=(width, 4.2 * len(panels)), layout="constrained")
    axes = fig.subplots(len(panels), 1, squeeze=False).ravel()
    palette = matplotlib.colormaps["tab20"].colors
    colour = {p.split(".", 1)[1]: palette[i % len(palette)] for i, p in enumerate(parts)} | {"other": "lightgrey"}
    for ax, (workload, arch) in zip(axes, panels):
        data = results[(results["workload"] == workload) & (results["arch"] == arch)]
        bottom = np.zeros(len(data))
        for name, values in _stacks(data, parts, _TOP_UNITS if by == "unit" else None):
            ax.bar(np.arange(len(data)), values * quantity.scale, bottom=bottom, color=colour[name], label=name, width=0.75)
            bottom += values * quantity.scale
        band = band_of(data, total, quantity.scale)
        if band is not None:
            _whiskers(ax, np.arange(len(data), dtype=float), band[0], band[1], False, "black", alpha=0.8, zorder=4)
            ax.set_ylim(0, max(ax.get_ylim()[1], float(np.nanmax(band[1], initial=0.0)) * 1.05))
        _bar_labels(ax, data, variants)
        ax.set_ylabel(quantity.axis())
        note = "\n" + band_note(data, "the total's") if band is not None else ""
        ax.set_title(f"{workload} on {arch}: {quantity.label} by {by}{note}", fontsize=10)
        ax.grid(True, axis="y", linewidth=0.3, alpha=0.5)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


OVERHEAD_COLUMN = f"energy_pj.{Category.QUANT_OVERHEAD.value}"


def overhead_figure(results: "pd.DataFrame") -> Figure:
    """The quantization overhead on its own scale (a sliver in the energy breakdown): the energy
    of the units the scheme adds (requantization, zero-point, BN, scale memories; the category
    ``quantization overhead``) per design point, coloured by scheme, each bar labelled with its
    share of the point's energy; one panel per workload and architecture."""
    costed = results[np.isfinite(results["energy_pj"].astype(float))]
    panels = list(dict.fromkeys(zip(costed["workload"], costed["arch"])))
    variants = [c for c in _variant_columns(costed) if c != "arch"]
    width = max(6.0, 0.42 * costed.groupby(["workload", "arch"]).size().max() + 3.0)
    fig = Figure(figsize=(width, 4.2 * len(panels)), layout="constrained")
    axes = fig.subplots(len(panels), 1, squeeze=False).ravel()
    colours = scheme_colours(list(dict.fromkeys(costed["scheme"])))
    quantity = COLUMN_AXES["energy_pj"]
    for ax, (workload, arch) in zip(axes, panels):
        data = costed[(costed["workload"] == workload) & (costed["arch"] == arch)]
        overhead = data[OVERHEAD_COLUMN].to_numpy(dtype=float)
        share = overhead / data["energy_pj"].to_numpy(dtype=float)
        positions = np.arange(len(data))
        ax.bar(positions, overhead * quantity.scale, color=[colours[s] for s in data["scheme"]], width=0.75)
        for pos, value, part in zip(positions, overhead * quantity.scale, share):
            ax.annotate(f"{100 * part:.2g} %", (pos, value), xytext=(0, 2), textcoords="offset points", ha="center",
                        va="bottom", fontsize=5.5, rotation=90 if len(data) > 12 else 0)
        ax.set_ylim(0, max(float(np.max(overhead * quantity.scale, initial=0.0)) * 1.25, 1e-9))
        _bar_labels(ax, data, variants)
        ax.set_ylabel(f"quantization overhead ({quantity.unit})\nlabels: % of the energy per inference", fontsize=9)
        ax.set_title(f"{workload} on {arch}: quantization-overhead energy", fontsize=10)
        ax.grid(True, axis="y", linewidth=0.3, alpha=0.5)
    return fig


_AXIS_NAMES = {
    "weight_bits": "weight bits", "act_bits": "activation bits", "zero_point": "zero-point realisation", "scale_at": "scale applied at",
    "adc_bits": "ADC resolution", "cim_adc_range": "ADC range", "cim_noise_sigma": "noise sigma", "cim_noise_on": "noise on",
    "cim_two_stage": "training", "cim_stage2_epochs": "stage-2 epochs",
}


def _combo_text(columns: Sequence[str], values: Sequence[object]) -> str:
    return " ".join(_value_text(c, v) for c, v in zip(columns, values))


def _shared_axis(columns: Sequence[str], data: "pd.DataFrame | None" = None) -> str:
    """The y axis of bars showing ``columns``: their own name for one, else what they share
    (``area (mm²)`` for area_um2.<unit> columns, ``accuracy (%)`` for accuracies, whose legend
    names their datasets and networks); one accuracy names its dataset and network."""
    if len(columns) == 1:
        return (_column_axis(columns[0]) if data is None else data_axis(columns[0], data)).axis()
    totals = {c.partition(".")[0] for c in columns}
    if len(totals) == 1 and (total := totals.pop()) in COLUMN_AXES and all("." in c for c in columns):
        return COLUMN_AXES[total].axis()
    if all("accuracy" in c for c in columns):
        return "accuracy (%)"  # the legend names each column's dataset and network
    return f"{', '.join(_column_axis(c).label for c in columns)} ({_column_axis(columns[0]).unit})"


def _group_text(data: "pd.DataFrame", x: str, group: object) -> str:
    """A group's tick label; weight bits carry the activation bits too when they are one value."""
    if x == "weight_bits" and "act_bits" in data.columns:
        acts = data.loc[data[x] == group, "act_bits"].unique()
        if len(acts) == 1:
            return f"W{group}A{acts[0]}"
    return _combo_text([x], [group])


def _arch_panels(data: "pd.DataFrame", x: str, hue: Sequence[str]) -> bool:
    """Bars get a panel per architecture when several share one group and hue (not when the
    x or hue columns tell the architectures apart, e.g. ``x: adc_bits`` over CIM macros)."""
    if "arch" not in data.columns or data["arch"].nunique() < 2:
        return False
    return bool(data.groupby(["workload", x, *hue], dropna=False, sort=False)["arch"].nunique().max() > 1)


_SAME = 0.005  # a ratio that prints as 1.00


def _all_equal(ax: Axes, columns: Sequence[str], rows: "pd.DataFrame", reference: str, title: str) -> None:
    """A panel whose bars would all read 1.00 says so in a sentence instead."""
    ax.cla()
    ax.set_axis_off()
    names = ", ".join(data_axis(c, rows).label for c in columns)
    ax.set_title(title, fontsize=10)
    ax.text(0.5, 0.5, f"{names}: every point equals {reference}\n(every ratio is 1.00 to within {_SAME:g}; "
                      "the numbers are in this figure's .csv)", ha="center", va="center", transform=ax.transAxes, fontsize=10)


def bars_figure(
    data: "pd.DataFrame",
    columns: Sequence[str],
    x: str,
    hue: Sequence[str],
    stack: bool = False,
    reference: str = "",
) -> Figure:
    """Grouped bars of ``columns`` per design point: groups along ``x``, one bar per combination
    of the ``hue`` columns (several columns side by side, hatched, or ``stack``-ed); one panel
    per workload (and architecture when there are several). With ``reference`` (the text naming
    the reference point), the bars are ``<column>.relative`` and each carries its value.
    Accuracy bars carry the seeds' standard deviation when ``data`` has it."""
    relative = bool(reference)
    panel_cols = ["workload"] + (["arch"] if _arch_panels(data, x, hue) else [])
    panels = list(dict.fromkeys(data[panel_cols].itertuples(index=False, name=None)))
    groups = list(dict.fromkeys(data[x]))
    combos = list(dict.fromkeys(data[list(hue)].itertuples(index=False, name=None)))
    side = 1 if stack else len(columns)
    per_group = len(combos) * side
    width = 0.8 / per_group
    fig_width = max(6.0, 0.22 * per_group * len(groups) + 4.0)
    fig = Figure(figsize=(fig_width, 3.8 * len(panels)), layout="constrained")
    axes = fig.subplots(len(panels), 1, squeeze=False).ravel()
    palette = matplotlib.colormaps["tab10" if (len(columns) if stack else len(combos)) <= 10 else "tab20"].colors
    if not stack and tuple(hue) == ("scheme",):  # a scheme has its colour in every figure
        fixed = scheme_colours([c[0] for c in combos])
        palette = tuple(fixed[c[0]] for c in combos)
    hatches = ("", "///", "...", "xx", "\\\\")
    quantity = _column_axis(columns[0])
    for ax, panel in zip(axes, panels):
        rows = data[np.logical_and.reduce([data[c] == v for c, v in zip(panel_cols, panel)])]
        values_seen: list[float] = []
        whiskered = False
        for gi, group in enumerate(groups):
            for ci, combo in enumerate(combos):
                match = rows[(rows[x] == group) & np.logical_and.reduce([rows[c] == v for c, v in zip(hue, combo)])]
                if match.empty:
                    continue
                row = match.iloc[0]
                bottom = 0.0
                for k, column in enumerate(columns):
                    pos = gi + (ci * side + (0 if stack else k) - (per_group - 1) / 2) * width
                    value = float(row[f"{column}.relative" if relative else column]) * (1.0 if relative else _column_axis(column).scale)
                    if not np.isfinite(value):
                        continue
                    colour = palette[(k if stack else ci) % len(palette)]
                    sd = row.get("accuracy_measured_sd_pct") if column == "accuracy_measured_pct" and not relative else None
                    yerr = float(sd) if sd is not None and np.isfinite(float(sd)) else None
                    ax.bar(pos, value, width=width * 0.95, bottom=bottom, color=colour, hatch=hatches[k % len(hatches)] if not stack else "",
                           edgecolor="white" if stack or len(columns) == 1 else "black", linewidth=0.4, yerr=yerr,
                           error_kw={"elinewidth": 0.8, "capsize": 1.5})
                    band = None if stack else band_of(row.to_frame().T, column, _column_axis(column).scale)
                    if relative:  # the ratio's own band, per sample (the two points' shared uncertainty cancels)
                        have = f"{column}.relative_p10" in row.index
                        band = (np.array([float(row[f"{column}.relative_p10"])]), np.array([float(row[f"{column}.relative_p90"])])) if have else None
                    if band is not None:
                        _whiskers(ax, np.array([pos]), band[0], band[1], False, "black", alpha=0.8, zorder=4)
                        values_seen.append(float(np.nan_to_num(band[1][0])))
                        whiskered = True
                    values_seen.append(bottom + value)
                    if relative:  # over the whisker when there is one
                        top = max(value, float(band[1][0])) if band is not None and np.isfinite(band[1][0]) else value
                        ax.annotate(f"{value:.2f}", (pos, top), xytext=(0, 2), textcoords="offset points", ha="center", va="bottom",
                                    fontsize=5.5, rotation=90 if per_group > 4 else 0)
                    if stack:
                        bottom += value
                if stack and len(combos) > 1:
                    ax.annotate(_combo_text(hue, combo), (gi + (ci - (per_group - 1) / 2) * width, bottom), xytext=(0, 2),
                                textcoords="offset points", ha="center", va="bottom", fontsize=5.5, rotation=90)
        if relative and values_seen and max(abs(v - 1.0) for v in values_seen) < _SAME:
            _all_equal(ax, columns, rows, reference, " on ".join(str(v) for v in panel))
            continue
        ax.set_xticks(np.arange(len(groups)), [_group_text(data, x, g) for g in groups], fontsize=8)
        ax.set_xlabel("bits (weights / activations)" if x in ("weight_bits", "bits") else _AXIS_NAMES.get(x, x))
        ax.set_xlim(-0.6, len(groups) - 0.4)
        if relative:
            ax.axhline(1.0, color="black", linewidth=0.6, linestyle="--")
            what = quantity.label if len(columns) == 1 else "ratio"
            ax.set_ylabel(f"{what}\nrelative to {reference} (×)")
            if values_seen:
                ax.set_ylim(0, max(values_seen) * 1.18)
        else:
            ax.set_ylabel(_shared_axis(columns, rows))
            if "%" == quantity.unit and values_seen:  # accuracies: show the differences, not the 0-80 % nobody reads
                low, high = min(values_seen), max(values_seen)
                ax.set_ylim(max(0.0, low - max(2.0, 0.5 * (high - low))), min(100.0, high + max(1.0, 0.15 * (high - low))) + 0.5)
            elif values_seen:
                ax.set_ylim(0, max(values_seen) * (1.35 if stack and len(combos) > 1 else 1.12))
        ax.grid(True, axis="y", linewidth=0.3, alpha=0.5)
        note = "\n" + (band_note(data, "the ratio's per-sample") if relative else band_note(data)) if whiskered else ""
        ax.set_title(" on ".join(str(v) for v in panel) + _measured_elsewhere(columns, rows) + note, fontsize=10)
        handles = []
        if stack:
            handles = [matplotlib.patches.Patch(color=palette[k % len(palette)], label=data_axis(c, rows).label) for k, c in enumerate(columns)]
        else:
            if combos:
                handles = [matplotlib.patches.Patch(color=palette[i % len(palette)], label=_combo_text(hue, c)) for i, c in enumerate(combos)]
            if len(columns) > 1:
                handles += [matplotlib.patches.Patch(facecolor="white", edgecolor="black", hatch=hatches[k % len(hatches)], label=data_axis(c, rows).label)
                            for k, c in enumerate(columns)]
        if handles:
            ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    absent = data.attrs.get("absent_units", ())
    if absent:  # drawn as 0: the unit is in no design of these results (or its name is misspelt)
        fig.suptitle(f"no design here has {', '.join(c.split('.', 1)[1] for c in absent)}: drawn as 0", fontsize=8)
    return fig


def save_figure(fig: Figure, folder: Path, stem: str, formats: Sequence[FigureFormat] = PNG_AND_SVG) -> tuple[Path, ...]:
    """Write ``stem.<format>`` for each of ``formats``, in that order, atomically (temporary
    file, then rename); each format draws the figure once."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    with matplotlib.rc_context({"svg.hashsalt": "hwcost"}):
        for fmt in formats:
            path = folder / f"{stem}.{fmt.value}"
            tmp = folder / f".{stem}.{fmt.value}.tmp"
            fig.savefig(tmp, format=fmt.value, **fmt.savefig_options)
            os.replace(tmp, path)
            paths.append(path)
    return tuple(paths)


def _stem(objectives: Sequence[Objective]) -> str:
    x, y = _axes_pair(objectives)
    return f"pareto_{y.column}_vs_{x.column}"


def study_figures(
    results: "pd.DataFrame", objectives: Sequence[Objective], folder: Path, breakdowns: bool = True, group_by: Sequence[str] = ("workload",),
    formats: Sequence[FigureFormat] = STUDY_FORMATS,
) -> tuple[Path, ...]:
    """Every figure of a study, in each of ``formats``: one front per objective pair (a panel
    per ``group_by`` group), then (unless ``breakdowns`` is False) the two breakdowns of every
    point and its quantization overhead on its own scale."""
    import itertools

    files: list[Path] = []
    from hwcost.study.results import share_column

    for pair in itertools.combinations(objectives, 2):
        share = share_column(pair, objectives)
        figure = pareto_figure(results, pair, group_by, share=share if share in results.columns else None)
        files += save_figure(figure, folder, _stem(pair), formats)
    if breakdowns:
        files += save_figure(breakdown_figure(results, "energy_pj"), folder, "energy_breakdown", formats)
        files += save_figure(breakdown_figure(results, "area_um2"), folder, "area_breakdown", formats)
        if OVERHEAD_COLUMN in results.columns and np.isfinite(results["energy_pj"].astype(float)).any():
            files += save_figure(overhead_figure(results), folder, "overhead", formats)
    return tuple(files)
