"""``report_of`` without a cache keeps one per template between calls (hwcost/evaluate.py,
``_report_cache``): every report must be the one a new cache gives, whatever came before it."""

from __future__ import annotations

import importlib

import pytest

import hwcost
from hwcost import CostCache, MacArrayConfig, design_point, report_of
from hwcost.arch.mac_array.config import Dataflow

evaluate_module = importlib.import_module("hwcost.evaluate")


def _points() -> list[hwcost.DesignPoint]:
    """MAC-array points on two workloads and nodes, a peak, and CIM points (whose reports name the
    components priced without a leakage model), interleaved so that each follows another kind."""
    pts = []
    for wl in ("resnet20", "resnet18"):
        pts.append(design_point("lsq", 4, workload=wl, arch=MacArrayConfig(dataflow=Dataflow.AUTO)))
        pts.append(design_point("lsq+", 8, workload=wl, arch="cim_macro"))
        pts.append(design_point("lsq", 4, workload=wl, arch=MacArrayConfig(dataflow=Dataflow.WEIGHT_STATIONARY)))
        pts.append(design_point("lsq+", 4, workload=wl, arch="cim_macro", node="7nm"))
        pts.append(design_point("pact", 2, workload=wl, node="7nm"))
    pts.append(design_point("lsq", 4, workload=None))
    return pts


@pytest.fixture
def fresh_report_caches(monkeypatch: pytest.MonkeyPatch) -> dict[str, CostCache]:
    caches: dict[str, CostCache] = {}
    monkeypatch.setattr(evaluate_module, "_report_caches", caches)
    return caches


def test_kept_cache_gives_the_reports_of_a_new_cache(fresh_report_caches: dict[str, CostCache]) -> None:
    points = _points()
    for _ in range(2):  # the second pass reads plans the first kept
        for p in points:
            assert report_of(p) == report_of(p, CostCache())
    assert fresh_report_caches  # the calls kept a cache


def test_a_report_names_only_its_own_components_without_leakage(fresh_report_caches: dict[str, CostCache]) -> None:
    """A CIM macro prices column ADCs and DACs, which the 45 nm library gives no leakage; a MAC
    array prices neither. A MAC-array report after a CIM report must not name them."""
    cim = dict(report_of(design_point("lsq+", 8, workload="resnet20", arch="cim_macro")).settings)
    assert {"column_adc", "dac"} <= set(cim["no_leakage_model"].split(", "))
    mac = dict(report_of(design_point("lsq", 4, workload="resnet20")).settings)
    assert "no_leakage_model" not in mac
    cim_again = dict(report_of(design_point("lsq+", 8, workload="resnet20", arch="cim_macro")).settings)
    assert cim_again["no_leakage_model"] == cim["no_leakage_model"]


def test_kept_cache_is_bounded(fresh_report_caches: dict[str, CostCache], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evaluate_module, "REPORT_CACHE_LIMIT", 30)
    seen = set()
    for rows in range(4, 68, 4):  # each design a plan of its own
        report_of(design_point("lsq", 4, workload="resnet20", arch=MacArrayConfig(pe_rows=rows)))
        cache = fresh_report_caches["mac_array"]
        seen.add(id(cache))
        # one call adds its plan, its datapaths and a few derived prices to a cache under the bound
        assert cache.size() <= 30 + 25
    assert len(seen) > 1  # the cache was dropped and started again


def test_a_kept_pricer_that_priced_without_leakage_is_not_read(fresh_report_caches: dict[str, CostCache]) -> None:
    """Once a kept pricer has priced a component without leakage for some point, its set is no
    longer this point's: the report takes a new cache (stand-in: a name no point prices)."""
    p = design_point("lsq", 4, workload="resnet20")
    assert "no_leakage_model" not in dict(report_of(p).settings)
    fresh_report_caches["mac_array"].pricer(p.techlib).without_leakage.add("priced_by_another_point")
    assert "no_leakage_model" not in dict(report_of(p).settings)
    assert report_of(p) == report_of(p, CostCache())
