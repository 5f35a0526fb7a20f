"""The per-layer figure of a report: each compute layer's energy stacked by category, and its
utilisation of the array (``hwcost evaluate --by-layer --plot DIR``).

It shows which layer costs what and why: a layer whose bar is mostly DRAM, or whose utilisation
is a few percent (MobileNetV2's depthwise layers on a 16 x 16 array), stands out. The element-wise
layers (residual adds, pooling) are no compute layers; the title gives their energy.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hwcost.report import Category, CostReport
from hwcost.errors import HwcostError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["layer_figure", "save_layer_figure"]

# One colour per category in every per-layer figure (matplotlib's tab10, in Category order).
_COLOURS = {cat: f"C{i}" for i, cat in enumerate(Category)}


def _scale(values: list[float]) -> tuple[float, str]:
    """A divisor and unit so the largest bar reads between 1 and 1000."""
    top = max(values, default=0.0)
    for divisor, unit in ((1e6, "uJ"), (1e3, "nJ")):
        if top >= divisor:
            return divisor, unit
    return 1.0, "pJ"


def layer_figure(report: CostReport) -> "Figure":
    """Two panels over the compute layers: energy per layer stacked by category (top), the
    layer's utilisation of the array in percent (bottom)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    layers = report.layers
    if not layers:
        raise HwcostError.single("the report has no compute layers to draw (a peak report has one ideal layer "
                                 "at most; use a workload)", key="plot")
    divisor, unit = _scale([layer.energy_pj for layer in layers])
    xs = list(range(len(layers)))
    width = max(6.0, min(16.0, 0.22 * len(layers) + 3.0))
    fig = Figure(figsize=(width, 5.5), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1.3))
    base = [0.0] * len(layers)
    for cat in Category:
        values = [dict(layer.energy_by_category).get(cat, 0.0) / divisor for layer in layers]
        if not any(values):
            continue
        top.bar(xs, values, bottom=base, color=_COLOURS[cat], width=0.8, label=cat.value)
        base = [b + v for b, v in zip(base, values)]
    top.set_ylabel(f"energy per inference ({unit})")
    top.legend(fontsize=7, ncols=3, loc="upper right")
    elementwise = report.elementwise_energy_pj / divisor
    top.set_title(f"{report.scheme} W{report.weight_bits}/A{report.act_bits} on {report.arch}, {report.node}, "
                  f"{report.workload} ({report.scope.value} scope): {len(layers)} compute layers; element-wise "
                  f"layers {elementwise:.3g} {unit} more", fontsize=9)
    top.grid(True, axis="y", color="0.88", lw=0.5)
    bottom.bar(xs, [100.0 * layer.utilisation for layer in layers], color="0.45", width=0.8)
    bottom.set_ylabel("utilisation (%)")
    bottom.set_ylim(0, 100)
    bottom.grid(True, axis="y", color="0.88", lw=0.5)
    bottom.set_xticks(xs, [layer.name for layer in layers], rotation=90, fontsize=6 if len(layers) > 30 else 7)
    bottom.set_xlabel("compute layer (network order)")
    return fig


def save_layer_figure(report: CostReport, folder: Path, stem: str = "layers") -> tuple[Path, Path]:
    """The figure as PNG and SVG in ``folder`` (created; written as the study figures are)."""
    from hwcost.study.plots import save_figure

    return save_figure(layer_figure(report), folder, stem)
