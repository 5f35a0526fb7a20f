"""Readable study figures: one colour per scheme in every figure, points drawn on top of each
other share one label, and the quantization overhead has a figure on its own scale."""

from __future__ import annotations

import matplotlib.colors
import numpy as np
import pandas as pd
import pytest

import hwcost
from hwcost.pareto import Objective, Sense
from hwcost.schemes import PRESET_NAMES
from hwcost.study.plots import OVERHEAD_COLUMN, SCHEME_PALETTE, overhead_figure, pareto_figure, scheme_colours


def _frame(schemes: list[str]) -> pd.DataFrame:
    points = [hwcost.design_point(s, 4) for s in schemes]
    return hwcost.sweep(points)


def test_a_preset_has_one_colour_whatever_else_is_drawn() -> None:
    assert len(set(SCHEME_PALETTE)) == len(SCHEME_PALETTE) >= len(PRESET_NAMES)
    alone, crowd = scheme_colours(["pot"]), scheme_colours(["lsq+", "pact", "pot", "my_scheme"])
    assert alone["pot"] == crowd["pot"] == SCHEME_PALETTE[PRESET_NAMES.index("pot")]
    assert len(set(crowd.values())) == 4  # a user scheme takes a colour no preset beside it has
    assert scheme_colours(["my_scheme"]) == scheme_colours(["my_scheme"])  # by name, not by order


def _scatter_colours(fig) -> dict[str, str]:  # noqa: ANN001
    ax = fig.axes[0]
    legend = {t.get_text(): matplotlib.colors.to_hex(h.get_color()) for t, h in
              zip(ax.get_legend().get_texts(), ax.get_legend().legend_handles)}
    return legend


def test_the_pareto_legend_uses_the_scheme_colours() -> None:
    objectives = (Objective("energy_pj", Sense.MINIMISE), Objective("area_um2", Sense.MINIMISE))
    one = _scatter_colours(pareto_figure(_frame(["pact", "pot"]), objectives))
    other = _scatter_colours(pareto_figure(_frame(["pot", "lsq", "pact"]), objectives))
    assert one["pot"] == other["pot"] and one["pact"] == other["pact"]


def test_points_on_top_of_each_other_share_a_label() -> None:
    frame = _frame(["lsq", "lsq"])
    frame.loc[1, "scheme"] = "twin"  # the same costs under another name: drawn at one place
    objectives = (Objective("energy_pj", Sense.MINIMISE), Objective("area_um2", Sense.MINIMISE))
    texts = [t.get_text() for t in pareto_figure(frame, objectives).axes[0].texts]
    assert texts == ["lsq/twin W4A4"]


def test_the_overhead_figure_shows_the_category_and_its_share() -> None:
    frame = _frame(["lsq", "lsq+", "pot"])
    fig = overhead_figure(frame)
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert heights == pytest.approx(list(frame[OVERHEAD_COLUMN] * 1e-6), rel=1e-12)
    shares = [t.get_text() for t in ax.texts if t.get_text().endswith(" %")]
    expected = [f"{100 * o / e:.2g} %" for o, e in zip(frame[OVERHEAD_COLUMN], frame["energy_pj"])]
    assert shares == expected
    colours = [matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches]
    assert colours == [scheme_colours(["lsq", "lsq+", "pot"])[s] for s in frame["scheme"]]
    report = hwcost.evaluate("lsq+", 4)  # the category as a report sums it
    assert frame.loc[1, OVERHEAD_COLUMN] == pytest.approx(report.by_category()["quantization overhead"][0], rel=1e-12)
    assert np.isfinite(heights).all()


def test_one_scheme_at_one_width_is_named_once_and_labels_stay_inside() -> None:
    frame = hwcost.sweep([hwcost.design_point("lsq", 4, arch=a) for a in ("mac_array", "dcim")])
    objectives = (Objective("energy_pj", Sense.MINIMISE), Objective("area_um2", Sense.MINIMISE))
    ax = pareto_figure(frame, objectives).axes[0]
    assert len(ax.texts) == 0 and "lsq W4A4" in ax.get_title()
    legend = ax.get_legend()
    assert legend.get_bbox_to_anchor().y0 < ax.get_window_extent().y0  # under the axes, over no point
    two = _frame(["lsq", "pot"])
    ax = pareto_figure(two, objectives).axes[0]
    right = [t for t in ax.texts if t.get_ha() == "right"]  # the rightmost label turns left, inside the axes
    assert right and all(t.xy[0] == two["energy_pj"].max() * 1e-6 for t in right)


def test_bars_that_would_all_read_one_are_a_sentence() -> None:
    from hwcost.study.plots import bars_figure

    frame = _frame(["lsq", "pot"])
    frame["energy_pj.relative"] = [1.0, 1.004]
    ax = bars_figure(frame, ["energy_pj"], "weight_bits", ("scheme",), reference="lsq").axes[0]
    assert len(ax.patches) == 0 and "every point equals lsq" in ax.texts[0].get_text()
    frame["energy_pj.relative"] = [1.0, 1.2]  # a ratio that reads 1.20 keeps its bars
    ax = bars_figure(frame, ["energy_pj"], "weight_bits", ("scheme",), reference="lsq").axes[0]
    assert len(ax.patches) == 2 and "1.20" in [t.get_text() for t in ax.texts]
