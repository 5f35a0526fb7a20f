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
    # LSQ, LSQ+, lsq-pot x 3 widths x 2 arrays x 2 nodes x 2 networks; 3 schemes x 3 widths x 3 seeds
    "fixed_point_types.yaml": (72, 0, 27, {"over_lsq_tops_per_w_45nm", "over_lsq_tops_per_w_45nm_lp",
                                           "accuracy_by_scheme", "front_accuracy_vs_tops_per_w_lp"}),
    # 12 realisations x 3 widths x 4 arrays x 2 nodes x 2 networks = 576, of which the CIM macros
    # refuse per-MAC and fake-quant FP16/FP32: 3 x 3 x 2 x 2 x 2 = 72 skipped
    "fixed_point_types_realisations.yaml": (504, 72, 0, {"over_lsq_tops_per_w_45nm", "over_lsq_tops_per_w_45nm_lp",
                                                         "energy_by_unit_w4_lp", "area_by_scheme"}),
    # 3 schemes x 2 widths x 2 networks; 3 schemes x 2 widths x 5 seeds
    "ssr_bn_fused.yaml": (12, 0, 30, {"accuracy", "bn_units_energy", "bn_units_area", "energy_by_unit", "area_by_unit",
                                      "unfused_over_fused_energy", "unfused_over_fused_area"}),
    # 2 schemes x 4 bit pairs x 2 networks; 2 schemes x 4 bit pairs x 5 seeds
    "stochastic_quantization.yaml": (16, 0, 40, {"accuracy", "sq_over_direct_cost", "energy_by_unit"}),
    # (6 priced CIM points (the column readouts price the 3-bit ADC too) + the MAC array) x 2 nodes;
    # (6 x 8 CIM variants + the MAC array) x 2 seeds (the node does not enter the accuracy)
    "cim_two_stage.yaml": (14, 0, 98, {"accuracy_vs_adc_bits", "accuracy_under_noise", "front_energy", "front_energy_fixed_range",
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
    # the grid skips what no scheme can realise; the templates refuse what their array cannot
    # host when the check prices the points (the CIM macros' per-MAC and FP refusals)
    assert f"{skipped} combinations skipped" in out or skipped == 0
    assert len(grid.points) + len(grid.skipped) == points + skipped
    assert {f.name for f in spec.figures} == figures
    dataset = {"fixed_point_types_realisations.yaml": None}.get(name, "fashion-mnist")
    if dataset is None:  # a cost-only study
        assert spec.accuracy.measured is None
    else:
        assert spec.accuracy.measured is not None and spec.accuracy.measured.dataset == dataset


def test_cim_study_prices_the_3_bit_adc(capsys: pytest.CaptureFixture[str]) -> None:
    """The CIM column readouts (techlib column_adc) price 1-8 bits, so the study's 3-bit ADC point,
    accuracy-only under the stand-alone survey ADC (4-10 b), is priced."""
    assert main(["study", "check", str(STUDIES / "cim_two_stage.yaml")]) == 0
    captured = capsys.readouterr()
    assert "14 design points, 0 combinations skipped" in captured.out and "cim(adc_bits=3)" not in captured.err
    spec = load_study(STUDIES / "cim_two_stage.yaml")
    m = spec.accuracy.measured
    # 2 ADC ranges x (no noise, sigma 0.5) x (QAT only, two-stage)
    assert m is not None and len(m.cim.variants()) == 8 and m.cim.stage2_epochs == (1,)
