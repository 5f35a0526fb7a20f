"""Studies with an ``uncertainty`` block (hwcost.study.bands, docs/uncertainty.md "Studies"):
the file's errors, bands equal to each point's own ``CostReport.band()``, one draw for every
point (an added cost is never on the front beside the point without it), determinism, resuming
a plain run, CIM variants and accuracy-only rows, and the outputs of a study without the block
unchanged by it. Accuracy is a fast injected fake."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from study_support import fake_accuracy, fake_cim_accuracy

from hwcost.cli import main
from hwcost.evaluate import report_of
from hwcost.study import load_study, run_study
from hwcost.study.grid import expand
from hwcost.study.journal import JOURNAL_NAME
from hwcost.study.plots import pareto_figure
from hwcost.study.results import BAND_COLUMNS

COST_ONLY = """\
name: banded
schemes: [lsq, lsq+]
bits: [4, 8]
archs:
  - template: mac_array
    name: mac
    pe_rows: [8, 16]
  - template: digital_cim
nodes: [45nm]
workloads: [resnet20]
objectives:
  - minimise: energy_pj
  - minimise: area_um2
"""
BLOCK = "uncertainty: {samples: 300, seed: 7}\n"
ADDED = ["band_samples", "band_seed", *BAND_COLUMNS, "pareto_share", "pareto_robust"]


def _run(path: Path, out: Path, figures: bool = False, measure: Callable = fake_accuracy) -> pd.DataFrame:
    return run_study(load_study(path), out, measure=measure, progress=False, figures=figures).results


BAD = [
    ("uncertainty: {samples: 0}\n", "uncertainty.samples", "expected an integer >= 1, got 0"),
    ("uncertainty: {samples: 2.5}\n", "uncertainty.samples", "expected an integer, got 2.5"),
    ("uncertainty: {samples: 2000000}\n", "uncertainty.samples", "expected an integer <= 1000000"),
    ("uncertainty: {samples: many}\n", "uncertainty.samples", "expected an integer"),
    ("uncertainty: {seed: -1}\n", "uncertainty.seed", "expected an integer >= 0, got -1"),
    ("uncertainty: {seed: true}\n", "uncertainty.seed", "expected an integer"),
    ("uncertainty: {sample: 10}\n", "uncertainty.sample", "unknown key 'sample'; valid keys: samples, seed"),
    ("uncertainty: 1000\n", "uncertainty", "expected a mapping"),
]


@pytest.mark.parametrize(("block", "key", "message"), BAD, ids=[b[0].strip() for b in BAD])
def test_a_bad_uncertainty_block_exits_2_naming_file_line_and_key(
    block: str, key: str, message: str, write_study: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_study(COST_ONLY + block)
    line = COST_ONLY.count("\n") + 1  # the block's line
    assert main(["study", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hwcost: error: ") and "Traceback" not in err
    assert f"{path}:{line}: {key}: {message}" in err


def test_the_block_defaults_to_1000_samples_from_seed_0(write_study: Callable[..., Path]) -> None:
    spec = load_study(write_study(COST_ONLY + "uncertainty: {}\n"))
    assert (spec.uncertainty.samples, spec.uncertainty.seed) == (1000, 0)
    assert load_study(write_study(COST_ONLY)).uncertainty is None


def test_each_point_has_its_own_reports_band(write_study: Callable[..., Path], tmp_path: Path) -> None:
    """The study's vectorised bands are CostReport.band() of each point (same samples, seed,
    closed form), to rounding."""
    path = write_study(COST_ONLY + BLOCK)
    results = _run(path, tmp_path / "out")
    points = expand(load_study(path)).points
    assert len(points) == len(results) == 12  # 2 schemes x 2 widths x 3 architectures
    for g, (_, row) in zip(points, results.iterrows()):
        band = report_of(g.point).band(samples=300, seed=7)
        for total in ("energy_pj", "tops_per_w", "area_um2"):
            for q in ("p10", "p50", "p90"):
                assert row[f"{total}_{q}"] == pytest.approx(getattr(getattr(band, total), q), rel=1e-12)
    assert (results["band_samples"] == 300).all() and (results["band_seed"] == 7).all()


def test_one_draw_for_every_point_so_an_added_cost_is_never_on_the_front(write_study: Callable[..., Path], tmp_path: Path) -> None:
    """LSQ+ is LSQ plus the output zero-point adder and offsets (docs/uncertainty.md's worked
    example): with one draw for both, every sample prices LSQ+ above LSQ in energy and area, so
    on one architecture LSQ+ is dominated in every sample (share 0) and LSQ never is by it.
    Independent draws per point would put LSQ+ on the front in about half the samples."""
    text = COST_ONLY.replace("    pe_rows: [8, 16]\n  - template: digital_cim\n", "").replace("bits: [4, 8]", "bits: [4]")
    results = _run(write_study(text + BLOCK), tmp_path / "out")
    share = dict(zip(results["scheme"], results["pareto_share"]))
    assert share == {"lsq": 1.0, "lsq+": 0.0}
    assert results["pareto_robust"].tolist() == [True, False]


def test_a_fixed_seed_gives_identical_columns_and_another_seed_others(write_study: Callable[..., Path], tmp_path: Path) -> None:
    path = write_study(COST_ONLY + BLOCK)
    _run(path, tmp_path / "a")
    _run(path, tmp_path / "b")
    assert (tmp_path / "a" / "results.csv").read_bytes() == (tmp_path / "b" / "results.csv").read_bytes()
    assert (tmp_path / "a" / "pareto.csv").read_bytes() == (tmp_path / "b" / "pareto.csv").read_bytes()
    other = _run(write_study(COST_ONLY + BLOCK.replace("seed: 7", "seed: 8"), "other.yaml"), tmp_path / "c")
    first = pd.read_csv(tmp_path / "a" / "results.csv")
    assert not np.allclose(first["energy_pj_p90"], other["energy_pj_p90"], rtol=1e-6)
    assert first["energy_pj"].tolist() == other["energy_pj"].tolist()


def test_without_the_block_nothing_changes(write_study: Callable[..., Path], tmp_path: Path) -> None:
    """results.csv and pareto.csv of a study with the block, less its columns, are those of the
    study without it, byte for byte; the plain run's study.json and journal know nothing of it."""
    plain = _run(write_study(COST_ONLY), tmp_path / "plain", figures=True)
    banded = _run(write_study(COST_ONLY + BLOCK, "banded.yaml"), tmp_path / "banded")
    assert [c for c in banded.columns if c not in plain.columns] == ADDED
    plain_csv = (tmp_path / "plain" / "results.csv").read_text()
    assert banded.drop(columns=ADDED).to_csv(index=False, lineterminator="\n") == plain_csv
    pareto = pd.read_csv(tmp_path / "banded" / "pareto.csv", keep_default_na=False, na_values=[""])
    assert pareto.drop(columns=ADDED).to_csv(index=False, lineterminator="\n") == (tmp_path / "plain" / "pareto.csv").read_text()
    assert "uncertainty" not in json.loads((tmp_path / "plain" / "study.json").read_text())
    kinds = {json.loads(line)["kind"] for line in (tmp_path / "plain" / JOURNAL_NAME).read_text().splitlines()}
    assert kinds == {"header", "costs"}


def test_a_plain_run_resumed_with_the_block_gains_its_bands(write_study: Callable[..., Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(write_study(COST_ONLY), out)
    resumed = _run(write_study(COST_ONLY + BLOCK), out)
    fresh = _run(write_study(COST_ONLY + BLOCK, "fresh.yaml"), tmp_path / "fresh")
    pd.testing.assert_frame_equal(resumed, fresh)


def test_more_than_two_objectives_give_a_share_per_front(write_study: Callable[..., Path], tmp_path: Path) -> None:
    """Three objectives: pareto_share is the front of all three, pareto_share.<a>_vs_<b> each
    pair's; pareto.csv gives each row its own front's share. Latency is not sampled, so the
    energy-latency and area-latency shares are of the energies and areas alone."""
    text = COST_ONLY.replace("  - minimise: area_um2\n", "  - minimise: area_um2\n  - minimise: latency_cycles\n")
    results = _run(write_study(text + BLOCK), tmp_path / "out")
    pairs = ["pareto_share.energy_pj_vs_area_um2", "pareto_share.energy_pj_vs_latency_cycles",
             "pareto_share.area_um2_vs_latency_cycles"]
    assert all(c in results.columns for c in pairs)
    shares = results[["pareto_share", *pairs]].to_numpy()
    assert ((shares >= 0) & (shares <= 1)).all()
    # on a pair's front in a sample => on the front of all three in that sample (ties aside)
    assert (results["pareto_share"] >= results[pairs].max(axis=1) - 1e-12).all()
    pareto = pd.read_csv(tmp_path / "out" / "pareto.csv")
    for front, column in (("energy_pj vs area_um2", pairs[0]), ("energy_pj vs area_um2 vs latency_cycles", "pareto_share")):
        rows = pareto[pareto["front"] == front]
        merged = rows.merge(results, on=["scheme", "weight_bits", "arch"], suffixes=("", ".results"))
        assert merged["pareto_share"].tolist() == merged[column if column != "pareto_share" else "pareto_share.results"].tolist()


CIM = """\
name: banded_cim
schemes: [lsq]
bits: [4]
archs:
  - template: cim_macro
    name: cim
    rows: 64
    adc_bits: [9, 5]  # 9 b: beyond the column readouts' 1-8 b, so accuracy-only
  - template: mac_array
    name: mac
nodes: [45nm]
workloads: [resnet20]
accuracy:
  source: measured
  measured:
    model: mlp
    dataset: digits
    epochs: 1
    fp_epochs: 1
    seeds: [0]
    cim: {noise_sigma: [0.0, 0.1]}
objectives:
  - maximise: accuracy_measured_pct
  - minimise: energy_pj
uncertainty: {samples: 200, seed: 1}
"""


def test_cim_variants_share_their_points_band_and_accuracy_only_rows_have_none(
    write_study: Callable[..., Path], tmp_path: Path
) -> None:
    results = _run(write_study(CIM), tmp_path / "out", measure=fake_cim_accuracy)
    priced = results["energy_pj"].notna()
    assert (~priced).sum() == 2 and results.loc[~priced, list(BAND_COLUMNS)].isna().all().all()
    assert results.loc[~priced, "pareto_share"].isna().all() and not results.loc[~priced, "pareto_robust"].any()
    cim = results[priced & (results["arch"] == "cim(adc_bits=5)")]
    assert len(cim) == 2 and cim[list(BAND_COLUMNS)].nunique().max() == 1  # one point, two noise variants
    spec = load_study(write_study(CIM, "again.yaml"))
    point = next(g.point for g in expand(spec).points if g.point.arch.name == "cim(adc_bits=5)")
    assert cim["energy_pj_p90"].iloc[0] == pytest.approx(report_of(point).band(200, 1).energy_pj.p90, rel=1e-12)


def test_fronts_draw_whiskers_and_ring_the_robust_points(write_study: Callable[..., Path], tmp_path: Path) -> None:
    from matplotlib.collections import LineCollection

    results = _run(write_study(COST_ONLY + BLOCK), tmp_path / "out", figures=True)
    objectives = load_study(write_study(COST_ONLY + BLOCK, "again.yaml")).objectives
    ax = pareto_figure(results, objectives, share="pareto_share").axes[0]
    whiskers = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(whiskers) >= 2  # p10-p90 across x (energy) and y (area)
    assert f"{int(results['pareto_robust'].sum())} robust" in ax.get_title()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("robust: on the front in ≥ 90%" in t for t in labels)
    assert any("p10–p90 of 300 samples" in t for t in labels)
    assert (tmp_path / "out" / "figures" / "pareto_area_um2_vs_energy_pj.png").is_file()
    report = (tmp_path / "out" / "report.md").read_text()
    assert "300 samples of the technology's spreads (seed 7)" in report and "share of samples on the front" in report


def test_the_shipped_uncertainty_study_checks(capsys: pytest.CaptureFixture[str]) -> None:
    path = Path(__file__).resolve().parents[2] / "studies" / "uncertainty.yaml"
    assert main(["study", "check", str(path)]) == 0
    assert "8 design points" in capsys.readouterr().out
    spec = load_study(path)
    assert (spec.uncertainty.samples, spec.uncertainty.seed) == (1000, 0)


def test_report_html_gives_the_band_columns_their_units(write_study: Callable[..., Path], tmp_path: Path) -> None:
    import re

    from hwcost.study.report_html import DATA_ID

    _run(write_study(COST_ONLY + BLOCK), tmp_path / "out")
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    (found,) = re.findall(rf'<script type="application/json" id="{DATA_ID}">\n(.*?)\n</script>', page, re.S)
    data = json.loads(found)
    unit = dict(zip(data["columns"], data["units"]))
    assert [unit[f"energy_pj_{q}"] for q in ("p10", "p50", "p90")] == ["pJ"] * 3
    assert (unit["tops_per_w_p90"], unit["area_um2_p10"], unit["pareto_share"]) == ("TOPS/W", "µm²", "1")


def test_relative_bars_carry_the_ratios_band_per_sample(write_study: Callable[..., Path], tmp_path: Path) -> None:
    """A relative_to bars figure gets each bar's ratio band, computed per sample: the reference
    over itself is exactly 1, and LSQ+ over LSQ is hwcost.uncertainty.ratio_bands of the two
    reports (the band `hwcost compare --uncertainty` prints)."""
    from hwcost.uncertainty import ratio_bands

    figure = ("figures:\n  - {name: over_lsq, kind: bars, column: [energy_pj, tops_per_w], relative_to: {scheme: lsq}, "
              "where: {arch: 'mac(pe_rows=16)'}}\n")
    path = write_study(COST_ONLY + BLOCK + figure)
    results = _run(path, tmp_path / "out", figures=True)
    data = pd.read_csv(tmp_path / "out" / "figures" / "over_lsq.csv")
    assert len(data) == 4 and {"energy_pj.relative_p10", "tops_per_w.relative_p90"} <= set(data.columns)
    lsq = data[data["scheme"] == "lsq"]
    assert (lsq[["energy_pj.relative_p10", "energy_pj.relative_p90"]] == 1.0).all().all()
    points = {(g.point.scheme.name, g.point.scheme.weights.bits, g.point.arch.name): g.point for g in expand(load_study(path)).points}
    for bits in (4, 8):
        bands = {b.total: b.ratio for b in ratio_bands(report_of(points[("lsq", bits, "mac(pe_rows=16)")]),
                                                       report_of(points[("lsq+", bits, "mac(pe_rows=16)")]), 300, 7)}
        row = data[(data["scheme"] == "lsq+") & (data["weight_bits"] == bits)].iloc[0]
        for total in ("energy_pj", "tops_per_w"):
            assert row[f"{total}.relative_p10"] == pytest.approx(bands[total].p10, rel=1e-12)
            assert row[f"{total}.relative_p90"] == pytest.approx(bands[total].p90, rel=1e-12)
    assert "ratio_p90.figure.over_lsq.tops_per_w" in results.columns
    assert results["ratio_p90.figure.over_lsq.tops_per_w"].isna().sum() == 8  # outside the selection
