"""A study file's own figures (the ``figures`` key): checking, data, drawing, redrawing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from study_support import SMALL, fake_accuracy

from hwcost.cli import main
from hwcost.errors import HwcostError
from hwcost.study import load_study, run_study
from hwcost.study.figures import FigureKind
from hwcost.study.plots import PNG_AND_SVG

FIGURES = """\
figures:
  - name: ratio
    kind: bars
    column: energy_pj
    where: [{scheme: lsq}, {scheme: asymmetric, zero_point: fold}]
    x: weight_bits
    hue: [scheme, zero_point]
    relative_to: {scheme: lsq, zero_point: fold}
  - name: units
    kind: breakdown
    total: energy_pj
    by: unit
    where: {weight_bits: 4}
  - name: acc
    kind: bars
    column: [accuracy_measured_pct, integer_accuracy_measured_pct]
    hue: scheme
    title: proxy accuracy
  - name: front
    kind: pareto
    where: {zero_point: fold}
    objectives: [{maximise: accuracy_measured_pct}, {minimise: energy_pj}]
"""

# The small study on one array, so every (scheme, bits, zero point) is one point.
ONE_ARRAY = SMALL.replace("pe_rows: [8, 16]", "pe_rows: 16")


def test_figures_load(write_study: Callable[..., Path]) -> None:
    spec = load_study(write_study(ONE_ARRAY + FIGURES))
    assert [f.name for f in spec.figures] == ["ratio", "units", "acc", "front"]
    ratio, units, acc, front = spec.figures
    assert ratio.kind is FigureKind.BARS and ratio.relative_to == (("scheme", "lsq"), ("zero_point", "fold"))
    assert ratio.where == ((("scheme", ("lsq",)),), (("scheme", ("asymmetric",)), ("zero_point", ("fold",))))
    assert units.by == "unit" and units.where == ((("weight_bits", ("4",)),),)
    assert acc.columns == ("accuracy_measured_pct", "integer_accuracy_measured_pct") and acc.title == "proxy accuracy"
    assert [o.column for o in front.objectives] == ["accuracy_measured_pct", "energy_pj"]


BAD = [
    ("    column: energy_pj\n    where: [{scheme", "    column: energy\n    where: [{scheme", "figures[0].column", "expected one of"),
    ("    hue: [scheme, zero_point]", "    hue: [scheme, weight_bits]", "figures[0].hue", "already the x axis"),
    ("    where: {weight_bits: 4}", "    where: {bits: 4}", "figures[1].where.bits", "unknown key 'bits'"),
    ("    by: unit\n", "    by: category\n    stack: true\n", "figures[1].stack", "unknown key 'stack'"),
    ("  - name: acc", "  - name: pareto_acc", "figures[2].name", "file stem"),
    ("  - name: front", "  - name: acc", "figures", "share the name acc"),
    ("{minimise: energy_pj}]", "{minimise: energy}]", "figures[3].objectives[1].minimise", "expected one of"),
    ("    relative_to: {scheme: lsq, zero_point: fold}", "    relative_to: {scheme: [lsq, pot]}", "figures[0].relative_to", "one value per column"),
    ("    kind: pareto", "    kind: pie", "figures[3].kind", "expected one of bars, breakdown, pareto"),
]


@pytest.mark.parametrize(("old", "new", "key", "message"), BAD, ids=[b[2] + ":" + b[3] for b in BAD])
def test_bad_figures_name_the_key(old: str, new: str, key: str, message: str, write_study: Callable[..., Path]) -> None:
    assert old in FIGURES
    with pytest.raises(HwcostError) as info:
        load_study(write_study(ONE_ARRAY + FIGURES.replace(old, new)))
    assert any(p.key == key and message in p.message and p.line is not None for p in info.value.problems), str(info.value)


def test_run_draws_and_redraws_the_figures(write_study: Callable[..., Path], tmp_path: Path) -> None:
    out = tmp_path / "figs"
    run_study(load_study(write_study(ONE_ARRAY + FIGURES)), out, measure=fake_accuracy, progress=False, formats=PNG_AND_SVG)
    names = {p.name for p in (out / "figures").iterdir()}
    for stem in ("ratio", "units", "acc", "front"):
        assert {f"{stem}.png", f"{stem}.svg", f"{stem}.csv"} <= names
    assert "energy_breakdown.png" not in names  # the requested figures replace the default breakdowns
    assert "pareto_accuracy_measured_pct_vs_energy_pj.png" in names
    assert "![ratio](figures/ratio.png)" in (out / "report.md").read_text()

    results = pd.read_csv(out / "results.csv")
    ratio = pd.read_csv(out / "figures" / "ratio.csv")
    # lsq at 2 and 4 bits (its own zero point is fold); asymmetric cannot fold, so has no point here
    assert set(ratio["scheme"]) == {"lsq"}
    for _, row in ratio.iterrows():
        base = results[(results.scheme == "lsq") & (results.zero_point == "fold") & (results.weight_bits == row.weight_bits)]
        assert row["energy_pj.reference"] == pytest.approx(float(base["energy_pj"].iloc[0]))
        assert row["energy_pj.relative"] == pytest.approx(row["energy_pj"] / float(base["energy_pj"].iloc[0]))
    front = pd.read_csv(out / "figures" / "front.csv")
    assert set(front["zero_point"]) == {"fold"} and front["on_front"].any()
    units = pd.read_csv(out / "figures" / "units.csv")
    assert set(units["weight_bits"]) == {4}
    assert units.filter(like="energy_pj.").sum(axis=1).gt(0).all()

    svg = (out / "figures" / "ratio.svg").read_bytes()
    for f in (out / "figures").iterdir():
        f.unlink()
    assert main(["study", "plot", str(out)]) == 0
    assert (out / "figures" / "ratio.svg").read_bytes() == svg  # redrawn identically from study.json
    assert (out / "figures" / "acc.csv").is_file()


def test_relative_bars_match_on_every_other_column(write_study: Callable[..., Path], tmp_path: Path) -> None:
    """Against the same scheme at its own realisation: each point over its own twin."""
    text = ONE_ARRAY.replace("[lsq, asymmetric]", "[lsq, lsq+]") + """\
figures:
  - name: same
    kind: bars
    column: tops_per_w
    where: {scheme: lsq+}
    hue: zero_point
    relative_to: {scheme: lsq}
"""
    out = tmp_path / "same"
    run_study(load_study(write_study(text)), out, measure=fake_accuracy, progress=False)
    same = pd.read_csv(out / "figures" / "same.csv")
    results = pd.read_csv(out / "results.csv")
    assert len(same) == len(results[results.scheme == "lsq+"])
    for _, row in same.iterrows():
        twin = results[(results.scheme == "lsq") & (results.zero_point == row.zero_point) & (results.weight_bits == row.weight_bits)]
        assert row["tops_per_w.reference"] == pytest.approx(float(twin["tops_per_w"].iloc[0]))


def test_a_unit_no_design_has_is_drawn_as_0_and_the_figure_says_so(write_study: Callable[..., Path],
                                                                     tmp_path: Path) -> None:
    # bn_multiplier is in no design of the small study (none keeps BN unfused): its bars are 0, and
    # the figure names it -- a misspelt unit would otherwise be a silent row of zeros
    from hwcost.study.figures import bars_data
    from hwcost.study.plots import bars_figure

    figures = "figures:\n  - name: bn\n    kind: bars\n    column: [energy_pj.bn_multiplier, energy_pj.mac_multiplier]\n"
    spec = load_study(write_study(ONE_ARRAY + figures))
    out = run_study(spec, tmp_path / "bn", measure=fake_accuracy, progress=False, figures=False)
    f = spec.figures[0]
    data = bars_data(out.results, f)
    assert data.attrs["absent_units"] == ("energy_pj.bn_multiplier",) and (data["energy_pj.bn_multiplier"] == 0).all()
    fig = bars_figure(data, f.columns, f.x, f.hue, f.stack, "")
    assert fig._suptitle is not None and fig._suptitle.get_text() == "no design here has bn_multiplier: drawn as 0"
    present = bars_data(out.results, spec.figures[0].__class__(**{**f.__dict__, "columns": ("energy_pj.mac_multiplier",)}))
    assert present.attrs["absent_units"] == ()
