"""``hwcost validate`` on a small file written here: predictions equal hwcost's own report at the
published scope and condition, ratios and summaries are computed as defined, bad files exit 2
naming the chip and the key. (The chips here are made up; the shipped set has real ones.)"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import hwcost
from hwcost.cli import main
from hwcost.report import Scope
from hwcost.validation import compare, load_chips, summarise

CHIPS = """\
chips:
  - name: made-up-digital
    source: "a test: not a real chip"
    class: digital
    design:
      template: mac_array
      pe_rows: 8
      pe_cols: 8
      node: 45nm
      scheme: lsq
      weight_bits: 8
      act_bits: 8
      workload: peak
    published: {tops_per_w: 1.0, scope: array, condition: peak}
    notes: "for the test"
  - name: made-up-cim
    source: "a test: not a real chip"
    class: cim-analog
    design:
      template: cim_macro
      rows: 64
      cols: 64
      adc_share: 4
      adc_bits: 6
      node: 40nm
      vdd_v: 0.9
      scheme: lsq
      weight_bits: 4
      act_bits: 4
      workload: peak
    published: {tops_per_w: 20.0, scope: array, condition: peak, tops_per_mm2: 1.0}
  - name: made-up-system
    source: "a test: not a real chip"
    class: digital
    design: {template: mac_array, node: 65nm, scheme: lsq, weight_bits: 8, act_bits: 8, workload: resnet20}
    published: {tops_per_w: 0.5, scope: system, condition: workload}
  - name: made-up-5nm
    source: "a test: not a real chip"
    class: cim-digital
    design: {template: mac_array, node: 5nm, scheme: lsq, weight_bits: 4, act_bits: 4, workload: peak}
    published: {tops_per_w: 100.0, scope: array, condition: peak}
"""


@pytest.fixture
def chips_file(tmp_path: Path) -> Path:
    path = tmp_path / "chips.yaml"
    path.write_text(CHIPS)
    return path


def test_predictions_are_the_reports_at_the_published_scope(chips_file: Path) -> None:
    results = {r.chip.name: r for r in compare(load_chips(chips_file))}
    digital = hwcost.evaluate("lsq", 8, arch=hwcost.MacArrayConfig(pe_rows=8, pe_cols=8), workload="peak")
    assert results["made-up-digital"].predicted_tops_per_w == pytest.approx(digital.at_scope(Scope.ARRAY).tops_per_w)
    assert results["made-up-digital"].ratio == pytest.approx(digital.at_scope(Scope.ARRAY).tops_per_w / 1.0)
    # no flavour stated: the clock rule picks LP at the CIM macro's 150 MHz (LP meets up to ~300 MHz at 40-45 nm)
    assert results["made-up-cim"].devices == "LP (clock rule, 150 MHz)"
    assert results["made-up-digital"].devices == "HP (clock rule, 1000 MHz)"
    lib40 = hwcost.techlib.scale_techlib(hwcost.load_techlib("45nm"), 40, flavour=hwcost.techlib.Flavour.LP, vdd_v=0.9)
    arch = hwcost.CimMacroConfig(rows=64, cols=64, adc_share=4, adc_bits=6)
    cim = hwcost.evaluate("lsq", 4, arch=arch, techlib=lib40, workload="peak").at_scope(Scope.ARRAY)
    assert results["made-up-cim"].ratio == pytest.approx(cim.tops_per_w / 20.0)
    assert results["made-up-cim"].ratio_tops_per_mm2 == pytest.approx(cim.tops_per_mm2 / 1.0)
    system = hwcost.evaluate("lsq", 8, node="65nm")
    assert results["made-up-system"].predicted_tops_per_w == pytest.approx(system.tops_per_w)
    assert results["made-up-5nm"].ratio is None and "5 nm" in results["made-up-5nm"].error


def test_summary_per_class_counts_as_defined(chips_file: Path) -> None:
    results = compare(load_chips(chips_file))
    summary = summarise(results)
    assert list(summary) == ["digital", "cim-analog", "cim-digital", "all"]
    ratios = [r.ratio for r in results if r.chip.chip_class.value == "digital"]
    logs = sorted(abs(math.log10(x)) for x in ratios)
    d = summary["digital"]
    assert d.n == 2 and d.not_priced == 0
    assert d.within_2x == sum(x <= math.log10(2) for x in logs) / 2
    assert d.median_abs_log10_ratio == pytest.approx((logs[0] + logs[1]) / 2)
    assert d.median_ratio == pytest.approx(sum(ratios) / 2)
    assert summary["cim-digital"].n == 0 and summary["cim-digital"].not_priced == 1
    assert math.isnan(summary["cim-digital"].median_ratio)
    assert summary["all"].n == 3 and summary["all"].not_priced == 1


def test_cli_json_table_and_plot(chips_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(chips_file), "--format", "json", "--plot", str(tmp_path / "fig")]) == 0
    data = json.loads(capsys.readouterr().out)
    first = data["chips"][0]
    for key in ("name", "class", "scope", "condition", "published_tops_per_w", "predicted_tops_per_w", "ratio"):
        assert key in first
    assert set(data["summary"]["digital"]) >= {"n", "within_2x", "within_3x", "median_abs_log10_ratio", "median_ratio"}
    assert data["summary"]["cim-digital"]["median_ratio"] is None  # not NaN: the output is valid JSON
    assert (tmp_path / "fig" / "validation.png").stat().st_size > 0 and (tmp_path / "fig" / "validation.svg").exists()
    assert main(["validate", str(chips_file)]) == 0
    out = capsys.readouterr().out
    assert "made-up-cim" in out and "within 2x" in out and "not priced:" in out


@pytest.mark.parametrize(("old", "new", "key"), [
    ("      pe_rows: 8\n", "      pe_rowz: 8\n", "chips[0].design.pe_rowz"),
    ("      adc_share: 4\n", "      adc_share: 5\n", "chips[1].design.adc_share"),
    ("scope: array, condition: peak, tops_per_mm2", "scope: arrays, condition: peak, tops_per_mm2",
     "chips[1].published.scope"),
    ("      workload: peak\n    published: {tops_per_w: 1.0", "      workload: resnet20\n    published: {tops_per_w: 1.0",
     "chips[0].design.workload"),
    ("    class: cim-analog\n", "    class: analog\n", "chips[1].class"),
])
def test_a_bad_file_exits_2_naming_the_chip_the_key_and_the_line(
        chips_file: Path, old: str, new: str, key: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert old in CHIPS
    chips_file.write_text(CHIPS.replace(old, new, 1))
    assert main(["validate", str(chips_file)]) == 2
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if f": {key}: " in line)
    assert f"{chips_file}:" in line and "chip 'made-up-" in line and "Traceback" not in err


def test_the_paper_s_flavour_wins_and_the_clock_rule_fills_in(chips_file: Path) -> None:
    from hwcost.techlib import Flavour, choose_flavour
    from hwcost.validation.compare import devices_of

    chip = next(c for c in load_chips(chips_file) if c.name == "made-up-digital")
    # LP at 45 nm meets 200 MHz but not 1 GHz (the rule's own thresholds, docs/adding-a-node.md)
    assert choose_flavour(45, 200).flavour is Flavour.LP and choose_flavour(45, 1000).flavour is Flavour.HP
    assert devices_of(chip.design, 200.0) == (Flavour.LP, "LP (clock rule, 200 MHz)")
    assert devices_of(chip.design, 1000.0) == (Flavour.HP, "HP (clock rule, 1000 MHz)")
    from dataclasses import replace

    assert devices_of(replace(chip.design, flavour="HP"), 200.0) == (Flavour.HP, "HP (stated)")
