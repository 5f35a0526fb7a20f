"""Cost-only studies: no ``accuracy:`` section, every objective a cost; an accuracy objective
without an accuracy section is refused naming the objective, the file and the line."""

from __future__ import annotations

import json
from dataclasses import replace
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import hwcost
from hwcost.cli import main
from hwcost.study import AccuracySource, load_study, run_study
from hwcost.study.accuracy import AccuracyJob, AccuracyOutcome

COST_ONLY = """\
name: arrays
schemes: [lsq, lsq+]
bits: [4]
archs:
  - template: mac_array
    name: mac
    pe_rows: [8, 16]
nodes: [45nm]
workloads: [resnet20]
objectives:
  - minimise: energy_pj
  - minimise: area_um2
"""


def _never(job: AccuracyJob) -> AccuracyOutcome:
    raise AssertionError(f"a cost-only study trained {job.key}")


def test_a_study_without_accuracy_loads_as_cost_only(write_study: Callable[..., Path]) -> None:
    spec = load_study(write_study(COST_ONLY))
    assert spec.accuracy.source is AccuracySource.NONE
    assert spec.accuracy.measured is None and spec.accuracy.table is None
    assert [o.column for o in spec.objectives] == ["energy_pj", "area_um2"]


def test_a_cost_only_study_runs_without_training(write_study: Callable[..., Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    outcome = run_study(load_study(write_study(COST_ONLY)), out, measure=_never, progress=False, figures=False)
    assert (outcome.points, outcome.runs) == (4, 0)
    results = outcome.results
    assert not [c for c in results.columns if "accuracy" in c]
    # each row's totals are those of a separate evaluate call of the same point
    for row in results.itertuples():
        arch = replace(hwcost.load_arch("mac_array"), pe_rows=int(row.pe_rows))
        report = hwcost.evaluate(row.scheme, 4, arch=arch)
        assert row.energy_pj == pytest.approx(report.energy_pj, rel=1e-12)
        assert row.area_um2 == pytest.approx(report.area_um2, rel=1e-12)
    # the front of energy vs area is the set no other point beats in both (a hand check, n^2)
    values = results[["energy_pj", "area_um2"]].to_numpy()
    beaten = [any((o <= v).all() and (o < v).any() for o in values) for v in values]
    pair = outcome.pareto[outcome.pareto["front"] == "energy_pj vs area_um2"]
    assert sorted(pair["arch"] + pair["scheme"]) == sorted(
        (results["arch"] + results["scheme"])[~np.asarray(beaten)])
    assert json.loads((out / "study.json").read_text())["accuracy_source"] == "none"
    assert "accuracy" not in (out / "report.md").read_text().split("## Setup")[1].split("## ")[0]


@pytest.mark.parametrize("column", ["accuracy_measured_pct", "accuracy_table_pct", "integer_accuracy_measured_pct"])
def test_an_accuracy_objective_needs_an_accuracy_section(
    write_study: Callable[..., Path], capsys: pytest.CaptureFixture[str], column: str
) -> None:
    path = write_study(COST_ONLY.replace("  - minimise: area_um2", f"  - maximise: {column}"))
    assert main(["study", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:12: objectives[1].maximise: objective '{column}' needs an accuracy" in err
    assert "no 'accuracy' section" in err and "Traceback" not in err


def test_the_shipped_cost_only_study_checks() -> None:
    spec = load_study(Path(__file__).parents[2] / "studies" / "cost_only.yaml")
    assert spec.accuracy.source is AccuracySource.NONE
    assert all("accuracy" not in o.column for o in spec.objectives)


def test_outcome_and_reports_render_as_html(write_study: Callable[..., Path], tmp_path: Path) -> None:
    outcome = run_study(load_study(write_study(COST_ONLY)), tmp_path / "o", measure=_never, progress=False, figures=False)
    page = outcome._repr_html_()
    assert page.count("<table") == 2 and "<th>energy_pj</th>" in page and "<th>area_um2</th>" in page
    first = outcome.results.iloc[0]
    assert f"{first['energy_pj']:.6g}" in page
    report = hwcost.evaluate("lsq", 4)
    page = report._repr_html_()
    assert "<th>energy_pj</th>" in page and "<th>tops_per_w</th>" in page and "<th>area_um2</th>" in page
    assert page.count("<tr>") == 1 + 1 + 1 + len(report.breakdown)  # totals head + row, breakdown head + rows
    assert f"<td>{report.breakdown[0].unit}</td>" in page
    assert f"{report.area_um2:,.0f}" in page
    c = hwcost.compare([{"scheme": "lsq", "bits": 4}, {"scheme": "pot", "bits": 4}])
    assert "<th>quantity</th>" in c._repr_html_() and "energy_pj.glb" in c._repr_html_()
