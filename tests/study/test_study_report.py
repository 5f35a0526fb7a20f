"""The study's reports: ``report.html`` embeds ``results.csv`` exactly, marks the Pareto fronts,
names units, needs no network and is deterministic; ``report.md`` states the columns a Pareto
table holds constant once above it."""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from study_support import SMALL, fake_accuracy

from hwcost.pareto import front_name
from hwcost.study import load_study, run_study
from hwcost.study.report_html import DATA_ID, column_unit, render_report_html
from hwcost.study.report_md import _constant_columns

KEY = ["scheme", "weight_bits", "act_bits", "zero_point", "scale_at", "arch", "node", "workload"]


def _embedded(page: str) -> dict:
    found = re.findall(rf'<script type="application/json" id="{DATA_ID}">\n(.*?)\n</script>', page, re.S)
    assert len(found) == 1
    return json.loads(found[0])


@pytest.fixture
def small_run(write_study: Callable[..., Path], tmp_path: Path) -> Path:
    out = tmp_path / "out"
    run_study(load_study(write_study()), out, measure=fake_accuracy, progress=False, figures=False)
    return out


def test_embedded_data_is_results_csv_cell_for_cell(small_run: Path) -> None:
    data = _embedded((small_run / "report.html").read_text(encoding="utf-8"))
    with open(small_run / "results.csv", newline="", encoding="utf-8") as f:
        header, *cells = list(csv.reader(f))
    assert data["columns"] == header and len(data["rows"]) == len(cells) == 8
    numbers = 0
    for row, written in zip(data["rows"], cells):
        assert len(row) == len(header)
        for value, text, column in zip(row, written, header):
            if text == "":
                assert value is None, column
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                assert value == float(text), column  # exactly: the JSON number is the CSV token
                numbers += 1
            else:
                assert value == text, column
    assert numbers > 8 * 20  # costs and accuracies are numbers, not strings


def test_fronts_are_those_of_pareto_csv_and_no_point_beats_them(small_run: Path) -> None:
    data = _embedded((small_run / "report.html").read_text(encoding="utf-8"))
    results = pd.read_csv(small_run / "results.csv")
    pareto = pd.read_csv(small_run / "pareto.csv")
    spec = load_study(small_run.parent / "study.yaml")
    pairs = list(itertools.combinations(spec.objectives, 2))
    assert [p["name"] for p in data["pairs"]] == [front_name(p) for p in pairs]
    keys = [tuple(r) for r in results[KEY].itertuples(index=False)]
    for entry, pair in zip(data["pairs"], pairs):
        written = {tuple(r) for r in pareto[pareto["front"] == entry["name"]][KEY].itertuples(index=False)}
        assert {keys[i] for i in entry["front"]} == written
        # brute force: a row is on the front when no other row is at least as good in both and better in one
        sign = [1.0 if o.sense.value == "minimise" else -1.0 for o in pair]
        costs = [[s * float(v) for s, v in zip(sign, row)] for row in results[[o.column for o in pair]].itertuples(index=False)]
        beaten = [any(all(b <= a for a, b in zip(c, d)) and d != c for d in costs) for c in costs]
        assert entry["front"] == [i for i, b in enumerate(beaten) if not b]
        # accuracy on y, cost on x, as in the figures; units on both axes
        assert entry["y"]["column"] == "accuracy_measured_pct" if "accuracy" in entry["name"] else entry["x"]["column"] == "energy_pj"
        assert entry["x"]["unit"] and entry["y"]["unit"]
    assert data["pairs"][0]["x"] | {"label": ""} == {"column": "energy_pj", "sense": "minimise", "label": "", "unit": "µJ", "scale": 1e-6}


def test_breakdown_units_sum_to_the_energy_and_every_number_has_a_unit(small_run: Path) -> None:
    data = _embedded((small_run / "report.html").read_text(encoding="utf-8"))
    results = pd.read_csv(small_run / "results.csv")
    units = data["breakdown"]["units"]
    assert {"mac_multiplier", "glb", "dram"} <= set(units)
    parts = results[[f"energy_pj.{u}" for u in units]].sum(axis=1)
    assert parts.to_numpy() == pytest.approx(results["energy_pj"].to_numpy(), rel=1e-12)
    unit = dict(zip(data["columns"], data["units"]))
    assert [unit[c] for c in ("energy_pj", "area_um2.glb", "accuracy_measured_pct", "weight_bits", "tops_per_w", "pe_rows", "scheme")] == [
        "pJ", "µm²", "%", "bit", "TOPS/W", "PEs", ""]
    assert all(u for u, numeric in zip(data["units"], data["numeric"]) if numeric)
    assert all(c in data["columns"] for c in data["shown"] + data["design"])


def test_column_units() -> None:
    assert column_unit("tops_per_w@core") == "TOPS/W" and column_unit("energy_pj.quantization overhead") == "pJ"
    assert column_unit("input_bits_per_pulse") == "bit" and column_unit("glb_kib") == "KiB" and column_unit("clock_mhz") == "MHz"
    assert column_unit("arch", numeric=False) == "" and column_unit("some_new_count") == "1"


def test_page_is_self_contained_and_deterministic(write_study: Callable[..., Path], small_run: Path, tmp_path: Path) -> None:
    page = (small_run / "report.html").read_text(encoding="utf-8")
    assert "<link" not in page and " src=" not in page and "@import" not in page and "url(" not in page
    assert set(re.findall(r"https?://[^\s\"')]+", page)) == {"http://www.w3.org/2000/svg"}  # a namespace, never fetched
    again = tmp_path / "again"
    run_study(load_study(write_study()), again, measure=fake_accuracy, progress=False, figures=False)
    assert (again / "report.html").read_bytes() == (small_run / "report.html").read_bytes()


def test_text_cannot_close_the_data_script(write_study: Callable[..., Path], small_run: Path) -> None:
    results = pd.read_csv(small_run / "results.csv", keep_default_na=False, na_values=[""])
    results["arch"] = "a</script><b>&amp;"
    page = render_report_html(load_study(write_study(SMALL.replace("Two schemes", "Two </script> schemes"))), results)
    assert page.count("</script>") == 2 and "<b>" not in page
    data = _embedded(page)
    assert {row[data["columns"].index("arch")] for row in data["rows"]} == {"a</script><b>&amp;"}


def test_constant_columns_move_above_the_table() -> None:
    headers = ["workload", "scheme", "W/A", "node", "energy (µJ)", "area (mm²)"]
    rows = [["resnet20", "lsq", "4/4", "45nm", 1.0, 1.0], ["resnet20", "pot", "4/4", "45nm", 1.0, 2.0]]
    kept, body, sentence = _constant_columns(headers, rows, keep=2)
    assert kept == ["scheme", "energy (µJ)", "area (mm²)"]  # the objectives stay, even when equal
    assert body == [["lsq", 1.0, 1.0], ["pot", 1.0, 2.0]]
    assert sentence == "constant: workload resnet20, W/A 4/4, node 45nm"
    assert _constant_columns(headers[:2], [["a", "b"], ["c", "d"]], keep=0) == (headers[:2], [["a", "b"], ["c", "d"]], "")


def test_report_tables_state_constants_once(small_run: Path) -> None:
    report = (small_run / "report.md").read_text(encoding="utf-8")
    fronts = report.split("## Pareto-optimal points")[1].split("\n## ")[0]
    sections = fronts.split("\n### ")[1:]
    assert len(sections) == 4
    for section in sections:
        lines = section.splitlines()
        table = [line for line in lines if line.startswith("|")]
        constant = [line for line in lines if line.startswith("constant: ")]
        assert len(constant) == 1 and "node 45nm" in constant[0] and "workload resnet20" in constant[0]
        header = [h.strip() for h in table[0].strip("|").split("|")]
        assert "node" not in header and "workload" not in header
        body = [[c.strip() for c in line.strip("|").split("|")] for line in table[2:]]
        if len(body) > 1:  # every column left in the table varies, except the objectives
            described = len(header) - (3 if section.count(" vs ") == 2 else 2)
            assert all(len({r[i] for r in body}) > 1 for i in range(described))
