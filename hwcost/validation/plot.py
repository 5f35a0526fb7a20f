"""Predicted against published TOPS/W, log-log, with the 1x line and the 2x band."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from hwcost.validation.chips import ChipClass
from hwcost.validation.compare import ChipResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["validation_figure", "save_validation_figure"]

_MARKERS = {ChipClass.DIGITAL: "o", ChipClass.CIM_ANALOG: "s", ChipClass.CIM_DIGITAL: "^"}
_COLOURS = {ChipClass.DIGITAL: "tab:blue", ChipClass.CIM_ANALOG: "tab:orange", ChipClass.CIM_DIGITAL: "tab:green"}


def validation_figure(results: Sequence[ChipResult]) -> "Figure":
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    priced = [r for r in results if r.predicted_tops_per_w is not None]
    fig = Figure(figsize=(7.5, 6.5), layout="constrained")
    ax = fig.add_subplot()
    values = [v for r in priced for v in (r.chip.published.tops_per_w, r.predicted_tops_per_w)] or [0.1, 10.0]
    lo, hi = min(values) / 3, max(values) * 3
    line = [lo, hi]
    ax.fill_between(line, [v / 2 for v in line], [v * 2 for v in line], color="0.9", label="within 2x")
    ax.plot(line, line, color="0.4", lw=1, label="predicted = published")
    for cls in ChipClass:
        members = [r for r in priced if r.chip.chip_class is cls]
        if not members:
            continue
        xs = [r.chip.published.tops_per_w for r in members]
        ys = [r.predicted_tops_per_w for r in members]
        ax.scatter(xs, ys, marker=_MARKERS[cls], color=_COLOURS[cls], s=36, zorder=3, label=f"{cls.value} ({len(members)})")
        for r, x, y in zip(members, xs, ys):
            ax.annotate(r.chip.name, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=6, color="0.25")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    ax.set_xlabel("published energy efficiency (TOPS/W)")
    ax.set_ylabel("hwcost predicted energy efficiency (TOPS/W)")
    skipped = len(results) - len(priced)
    note = f"; {skipped} not priced" if skipped else ""
    ax.set_title(f"hwcost vs published silicon: {len(priced)} chips at their papers' scope and condition{note}",
                 fontsize=9)
    ax.grid(True, which="major", color="0.85", lw=0.5)
    ax.legend(loc="upper left", fontsize=8)
    return fig


def save_validation_figure(results: Sequence[ChipResult], folder: Path, stem: str = "validation") -> tuple[Path, Path]:
    """The figure as PNG and SVG in ``folder`` (created; written as the study figures are)."""
    from hwcost.study.plots import save_figure

    return save_figure(validation_figure(results), folder, stem)
