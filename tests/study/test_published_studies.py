"""The published studies of docs/studies/: each file loads, its grid prices, and its
figures are the ones its page embeds. Nothing is trained here (``hwcost study check``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hwcost.cli import main
from hwcost.study import expand, load_study

STUDIES = Path(__file__).resolve().parents[2] / "studies"

# study file -> (design points, combinations skipped, accuracy runs, figures the page embeds)
PUBLISHED = {
    "fixed_point_types.yaml": (496, 20, 372, {"lsq_plus_over_lsq_tops_per_w", "lsq_plus_over_lsq_same_realisation",
                                              "lsq_lsq_plus_energy_by_unit", "tops_per_w_by_scheme", "area_by_scheme",
                                              "accuracy_by_scheme", "front_accuracy_vs_tops_per_w_output_side"}),
    "ssr_bn_fused.yaml": (12, 0, 30, {"accuracy", "bn_units_energy", "bn_units_area", "energy_by_unit", "area_by_unit",
                                      "unfused_over_fused_energy", "unfused_over_fused_area"}),
    "stochastic_quantization.yaml": (16, 0, 64, {"accuracy", "sq_over_direct_cost", "energy_by_unit"}),
    # 6 priced CIM points (the column readouts price the 3-bit ADC too) + the MAC array
    "cim_two_stage.yaml": (7, 0, 219, {"accuracy_vs_adc_bits", "accuracy_under_noise", "front_energy", "front_energy_fixed_range",
                                       "front_area", "energy_by_unit", "area_by_unit"}),
}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_published_study_checks_and_prices(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    points, skipped, runs, figures = PUBLISHED[name]
    path = STUDIES / name
    assert main(["study", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{points} design points" in out and f"{runs} accuracy runs" in out
    spec = load_study(path)
    grid = expand(spec)
    assert len(grid.points) == points and len(grid.skipped) == skipped
    assert {f.name for f in spec.figures} == figures
    assert spec.accuracy.measured is not None and spec.accuracy.measured.dataset == "digits"


def test_cim_study_prices_the_3_bit_adc(capsys: pytest.CaptureFixture[str]) -> None:
    """The CIM column readouts (techlib column_adc) price 1-8 bits, so the study's 3-bit ADC point,
    accuracy-only under the stand-alone survey ADC (4-10 b), is priced."""
    assert main(["study", "check", str(STUDIES / "cim_two_stage.yaml")]) == 0
    captured = capsys.readouterr()
    assert "7 design points, 0 combinations skipped" in captured.out and "cim(adc_bits=3)" not in captured.err
    spec = load_study(STUDIES / "cim_two_stage.yaml")
    m = spec.accuracy.measured
    assert m is not None and len(m.cim.variants()) == 12 and m.cim.stage2_epochs == (5,)
