"""Bands under the technology's spreads (hwcost.uncertainty, docs/uncertainty.md): closed-form
log-normal quantiles of a one-row report, ratio bands of identical designs, seeds, the row table."""

from __future__ import annotations

import json
import math

import pytest

from hwcost import HwcostError, TechLib, load_techlib
from hwcost.arch.cim_macro.plan import CimRow
from hwcost.arch.digital_cim.plan import DcimRow
from hwcost.arch.mac_array.config import MacRow
from hwcost.arch.shared.pricing import SharedRow
from hwcost.classify.datapath import UnitKind
from hwcost.compare import compare
from hwcost.report import BreakdownRow, Category, CostReport
from hwcost.techlib.spread import default_spreads
from hwcost.uncertainty import FAMILY_OF, ROW_COMPONENTS, band, ratio_bands

Z90 = 1.2815515655446004  # the standard normal's 90 % quantile (tables: Phi^-1(0.9)); p10 is -Z90
SAMPLES = 200_000  # the p10 / p90 estimates then sit within ~0.2 % of the closed form

_LIB = """\
name: tiny
node_nm: 45
vdd_v: 0.9
flavour: HP
source: test fixture
components:
  sram:
    source: test
    valid: {}
    energy_pj:
      read: {model: constant, value_pj: 1}
    area_um2: {model: constant, value_um2: 1}
    spread: {energy_sigma: 0.3, area_sigma: 0.2, leakage_sigma: 0.5, source: test}
"""


@pytest.fixture
def lib(tmp_path) -> TechLib:
    path = tmp_path / "tiny.yaml"
    path.write_text(_LIB)
    return load_techlib(path)


def _report(energy_pj: float, static_pj: float, area_um2: float, unit: str = "glb",
            source: str = "techlib") -> CostReport:
    row = BreakdownRow(unit, Category.ON_CHIP_MEMORY, energy_pj=energy_pj, area_um2=area_um2, actions=1.0,
                       source=source, static_pj=static_pj)
    return CostReport(scheme="t", weight_bits=8, act_bits=8, arch="a", node="tiny", workload="w", macs=1e6,
                      latency_cycles=1000.0, clock_mhz=100.0, breakdown=(row,), utilisation=1.0)


def _close(q, median: float, sigma: float) -> None:
    assert q.p10 == pytest.approx(median * math.exp(-sigma * Z90), rel=5e-3)
    assert q.p50 == pytest.approx(median, rel=5e-3)
    assert q.p90 == pytest.approx(median * math.exp(sigma * Z90), rel=5e-3)


def test_one_row_band_is_the_log_normal_quantiles(lib: TechLib) -> None:
    b = band(_report(100.0, 0.0, 50.0), SAMPLES, seed=7, techlib=lib)
    _close(b.energy_pj, 100.0, 0.3)
    _close(b.area_um2, 50.0, 0.2)
    # TOPS/W = 2 MACs / energy: its p10 is the energy's p90 inverted
    assert b.tops_per_w.p10 == pytest.approx(2e6 / 100.0 * math.exp(-0.3 * Z90), rel=5e-3)
    assert b.tops_per_w.p90 == pytest.approx(2e6 / 100.0 * math.exp(0.3 * Z90), rel=5e-3)
    assert b.static_energy_pj.p90 == 0.0


def test_static_energy_takes_the_leakage_spread(lib: TechLib) -> None:
    b = band(_report(40.0, 40.0, 50.0), SAMPLES, seed=1, techlib=lib)
    _close(b.energy_pj, 40.0, 0.5)
    _close(b.static_energy_pj, 40.0, 0.5)


def test_a_pinned_row_is_not_uncertain(lib: TechLib) -> None:
    b = band(_report(100.0, 0.0, 50.0, source="measured, my chip"), 100, seed=0, techlib=lib)
    assert b.energy_pj.p10 == b.energy_pj.p90 == 100.0


def test_identical_designs_give_a_ratio_band_of_zero_width() -> None:
    c = compare([{"scheme": "lsq", "bits": 4}, {"scheme": "lsq", "bits": 4}], labels=["a", "b"])
    for rb in c.ratio_bands(samples=500, seed=3)["b"]:
        assert rb.ratio.p10 == rb.ratio.p50 == rb.ratio.p90 == 1.0
        assert rb.p_better == 0.0


def test_shared_uncertainty_cancels_in_a_ratio() -> None:
    """Two designs differing in one small unit: the ratio's band is far narrower than either band."""
    c = compare([{"scheme": "lsq", "bits": 4}, {"scheme": "lsq+", "bits": 4}])
    a, b = c.bands(500, 0)
    (energy, *_) = ratio_bands(c.reports[0], c.reports[1], 500, 0)
    assert energy.ratio.p90 / energy.ratio.p10 < 1.01 < b.energy_pj.p90 / b.energy_pj.p10


def test_a_seed_reproduces_the_bytes() -> None:
    c = compare([{"scheme": "lsq", "bits": 4}, {"scheme": "pact", "bits": 4}])
    once = json.dumps(c.uncertainty_dict(300, 11))
    assert once == json.dumps(c.uncertainty_dict(300, 11))
    assert once != json.dumps(c.uncertainty_dict(300, 12))


def test_every_row_of_every_template_has_a_component_with_a_spread() -> None:
    rows = [m.value for enum in (UnitKind, SharedRow, MacRow, CimRow, DcimRow) for m in enum]
    assert set(rows) == set(ROW_COMPONENTS)
    spreads = default_spreads()
    for src in ROW_COMPONENTS.values():
        assert src.component in FAMILY_OF and src.component in spreads and src.leaks_from in spreads
        assert src.reason


def test_bad_sample_count_is_an_error(lib: TechLib) -> None:
    with pytest.raises(HwcostError, match=r"samples 1\.\.1,000,000"):
        band(_report(1.0, 0.0, 1.0), 0, techlib=lib)


def test_the_page_s_python_block_runs() -> None:
    import re
    from pathlib import Path

    page = Path(__file__).resolve().parents[1] / "docs" / "uncertainty.md"
    (block,) = re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S)
    namespace: dict[str, object] = {}
    exec(compile(block, str(page), "exec"), namespace)
    b = namespace["b"]
    assert b.tops_per_w.p10 < namespace["r"].tops_per_w < b.tops_per_w.p90  # type: ignore[attr-defined]


def test_cli_evaluate_and_compare_print_bands(capsys) -> None:
    from hwcost.cli import main

    assert main(["evaluate", "--bits", "4", "--uncertainty", "100", "--seed", "5", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["band"]["samples"], data["band"]["seed"]) == (100, 5)
    assert data["band"]["energy_pj"]["p10"] < data["band"]["energy_pj"]["p90"]
    assert main(["compare", "--scheme", "lsq", "--scheme", "lsq+", "--bits", "4", "--uncertainty", "100"]) == 0
    out = capsys.readouterr().out
    assert "energy_pj lsq+ / lsq" in out and "p_better" in out
    assert main(["evaluate", "--uncertainty", "-3"]) == 2
    assert "--uncertainty: expected a number of samples 1..1,000,000; got -3" in capsys.readouterr().err


def test_validate_counts_chips_inside_their_band() -> None:
    from hwcost.validation import SHIPPED_SET, load_chips, summarise
    from hwcost.validation.compare import ALL, compare as validate, coverage

    results = validate(load_chips(SHIPPED_SET), samples=50, seed=0)
    cov, summary = coverage(results), summarise(results)
    assert cov[ALL].n == summary[ALL].n  # every priced chip has a band
    assert cov[ALL].claimed == pytest.approx(0.8)
    inside = [r for r in results if r.band and r.band.tops_per_w.p10 <= r.chip.published.tops_per_w
              <= r.band.tops_per_w.p90]
    assert cov[ALL].inside == len(inside) and sum(c.inside for k, c in cov.items() if k != ALL) == len(inside)
    assert all(r.band is None for r in validate(load_chips(SHIPPED_SET)[:3]))  # no band unless asked


def test_too_many_samples_and_a_negative_seed_are_refused_under_their_flags(capsys: pytest.CaptureFixture[str]) -> None:
    from hwcost import evaluate
    from hwcost.cli import main

    assert main(["evaluate", "--uncertainty", "100000000"]) == 2
    assert "--uncertainty: expected a number of samples 1..1,000,000; got 100000000" in capsys.readouterr().err
    assert main(["compare", "--scheme", "lsq", "--scheme", "lsq+", "--uncertainty", "5", "--seed", "-1"]) == 2
    assert "--seed: expected a whole number >= 0; got -1" in capsys.readouterr().err  # numpy raised a ValueError
    with pytest.raises(HwcostError, match=r"^seed: expected a whole number >= 0; got -1"):
        evaluate("lsq", 4).band(samples=10, seed=-1)
