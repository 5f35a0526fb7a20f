"""The node-scaling spread (hwcost.uncertainty.node_scaling_sigmas, docs/uncertainty.md "Node
scaling"): a component a scaling rule produced adds its rule's sigma in quadrature to its 45 nm
spread, one draw per library; the 45 nm library's bands are unchanged; a user's own spread block
is taken alone."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from hwcost import TechLib, load_techlib
from hwcost.report import BreakdownRow, Category, CostReport
from hwcost.techlib import parse_techlib, techlib_to_dict
from hwcost.techlib.scaling import ScalingRule
from hwcost.techlib.spread import NODE_SCALING_RULES, scaling_rule_of
from hwcost.uncertainty import Family, band, draws, node_scaling_sigmas, ratio_bands, scaling_draws

Z90 = 1.2815515655446004  # the standard normal's 90 % quantile (tables: Phi^-1(0.9))
SPREADS = Path(__file__).resolve().parents[1] / "hwcost" / "data" / "uncertainty" / "spreads.yaml"


def _spreads_file() -> dict:
    return yaml.safe_load(SPREADS.read_text())


def _tiny(tmp_path: Path, node_nm: int, derived: bool, own_spread: bool = False) -> TechLib:
    """One SRAM component priced 1 pJ / 1 um2, at ``node_nm``, scaled by the logic rule or not."""
    text = f"""\
name: tiny{node_nm}{'d' if derived else ''}{'s' if own_spread else ''}
node_nm: {node_nm}
vdd_v: 0.9
flavour: HP
source: test fixture
components:
  sram:
    source: test
    valid: {{}}
    energy_pj:
      read: {{model: constant, value_pj: 1}}
    area_um2: {{model: constant, value_um2: 1}}
"""
    if derived:
        text += "    derived: {from: 45nm, method: 'logic: test', energy_factor: 1, area_factor: 1}\n"
    if own_spread:
        text += "    spread: {energy_sigma: 0.3, area_sigma: 0.2, leakage_sigma: 0.5, source: mine}\n"
    path = tmp_path / f"{node_nm}{derived}{own_spread}.yaml"
    path.write_text(text)
    return load_techlib(path)


def _report(node: str, energy_pj: float = 100.0, static_pj: float = 0.0, area_um2: float = 50.0) -> CostReport:
    row = BreakdownRow("glb", Category.ON_CHIP_MEMORY, energy_pj=energy_pj, area_um2=area_um2, actions=1.0,
                       source="techlib", static_pj=static_pj)
    return CostReport(scheme="t", weight_bits=8, act_bits=8, arch="a", node=node, workload="w", macs=1e6,
                      latency_cycles=1000.0, clock_mhz=100.0, breakdown=(row,), utilisation=1.0)


def test_a_scaled_component_adds_the_rule_sigma_in_quadrature(tmp_path: Path) -> None:
    """One SRAM row: at 45 nm its band is the shipped sram spread; the same component at 7 nm,
    produced by the logic rule, has the log-normal band of sqrt(sigma_45^2 + sigma_logic^2)."""
    doc = _spreads_file()
    sram, logic = doc["spreads"]["sram"], doc["node_scaling"]["rules"]["logic"]["HP"]
    lib45, lib7 = _tiny(tmp_path, 45, derived=False), _tiny(tmp_path, 7, derived=True)
    b45 = band(_report(lib45.name), 200_000, seed=5, techlib=lib45)
    b7 = band(_report(lib7.name), 200_000, seed=5, techlib=lib7)
    for q, median, sigma in ((b45.energy_pj, 100.0, sram["energy_sigma"]), (b45.area_um2, 50.0, sram["area_sigma"]),
                             (b7.energy_pj, 100.0, math.hypot(sram["energy_sigma"], logic["energy_sigma"])),
                             (b7.area_um2, 50.0, math.hypot(sram["area_sigma"], logic["area_sigma"]))):
        assert q.p10 == pytest.approx(median * math.exp(-sigma * Z90), rel=5e-3)
        assert q.p90 == pytest.approx(median * math.exp(sigma * Z90), rel=5e-3)
    static45 = band(_report(lib45.name, 40.0, 40.0), 200_000, seed=2, techlib=lib45).static_energy_pj
    static7 = band(_report(lib7.name, 40.0, 40.0), 200_000, seed=2, techlib=lib7).static_energy_pj
    width = lambda q: math.log(q.p90 / q.p10) / (2 * Z90)  # noqa: E731  the log-normal sigma the band shows
    assert width(static45) == pytest.approx(sram["leakage_sigma"], rel=5e-3)
    assert width(static7) == pytest.approx(math.hypot(sram["leakage_sigma"], logic["leakage_sigma"]), rel=5e-3)


def test_the_scaled_sample_is_the_two_draws_by_hand(tmp_path: Path) -> None:
    """Sample by sample: energy = 100 exp(sigma_45 zE[sram family] + sigma_logic zS[energy]), zS the
    library's own draw from (seed, CRC-32 of its name, node, flavour and supply)."""
    import zlib

    doc = _spreads_file()
    s45, s_rule = doc["spreads"]["sram"]["energy_sigma"], doc["node_scaling"]["rules"]["logic"]["HP"]["energy_sigma"]
    lib7 = _tiny(tmp_path, 7, derived=True)
    from hwcost.uncertainty import sample

    got = sample(_report(lib7.name), 64, seed=11, techlib=lib7).energy_pj
    z = np.random.default_rng(11).standard_normal((64, 2 * len(Family) + 1))[:, list(Family).index(Family.SRAM)]
    key = f"{lib7.name} 7 nm HP 0.9 V"  # name, node, flavour, supply: an HP and an LP 22 nm library differ
    zs = np.random.default_rng([11, zlib.crc32(key.encode())]).standard_normal((64, 3))[:, 0]
    assert np.allclose(got, 100.0 * np.exp(s45 * z + s_rule * zs), rtol=1e-12)
    assert np.array_equal(draws(64, 11)[:, list(Family).index(Family.SRAM)], z)
    assert np.array_equal(scaling_draws(64, 11, key)[:, 0], zs)


def test_the_45nm_band_is_the_family_draws_alone() -> None:
    """A 45 nm point: its band equals, to the byte, the closed form of the family draws with the
    shipped spreads read from the file (no node-scaling term), as before the node-scaling spread."""
    import hwcost
    from hwcost.uncertainty import FAMILY_OF, ROW_COMPONENTS

    report = hwcost.evaluate("lsq", 4)
    assert report.node == "45nm"
    spreads = _spreads_file()["spreads"]
    n = len(Family)
    z = np.random.default_rng(0).standard_normal((300, 2 * n + 1))
    fam = np.array([list(Family).index(FAMILY_OF[ROW_COMPONENTS[r.unit.split("@")[0]].component])
                    for r in report.breakdown])
    pick = lambda key, leak=False: np.array([  # noqa: E731
        spreads[(ROW_COMPONENTS[r.unit.split("@")[0]].leaks_from if leak else
                 ROW_COMPONENTS[r.unit.split("@")[0]].component)][key] if r.source == "techlib" else 0.0
        for r in report.breakdown])
    static = np.array([r.static_pj for r in report.breakdown])
    dynamic = np.array([r.energy_pj for r in report.breakdown]) - static
    area = np.array([r.area_um2 for r in report.breakdown])
    static_s = np.exp(z[:, 2 * n:] * pick("leakage_sigma", True)) @ static
    energy_s = np.exp(z[:, fam] * pick("energy_sigma")) @ dynamic + static_s
    area_s = np.exp(z[:, n + fam] * pick("area_sigma")) @ area
    b = band(report, 300, seed=0)
    assert (b.energy_pj.p10, b.energy_pj.p50, b.energy_pj.p90) == tuple(np.quantile(energy_s, (0.1, 0.5, 0.9)))
    assert (b.area_um2.p10, b.area_um2.p90) == tuple(np.quantile(area_s, (0.1, 0.9)))
    assert b.static_energy_pj.p90 == np.quantile(static_s, 0.9)


def test_a_seed_gives_byte_identical_scaled_bands() -> None:
    import hwcost

    report = hwcost.evaluate("lsq", 4, node="7nm")
    first, again = band(report, 500, seed=4).as_dict(), band(report, 500, seed=4).as_dict()
    assert first == again
    assert band(report, 500, seed=5).as_dict() != first


def test_a_scaled_band_is_wider_than_the_45nm_one() -> None:
    import hwcost

    b45 = band(hwcost.evaluate("lsq", 4), 2000, seed=0)
    b7 = band(hwcost.evaluate("lsq", 4, node="7nm"), 2000, seed=0)
    assert b7.area_um2.p90 / b7.area_um2.p10 > b45.area_um2.p90 / b45.area_um2.p10


def test_two_designs_on_one_scaled_library_share_its_draw() -> None:
    """Identical designs at 7 nm: the ratio band has zero width (the library draw cancels)."""
    import hwcost

    a, b = hwcost.evaluate("lsq", 4, node="7nm"), hwcost.evaluate("lsq", 4, node="7nm")
    for rb in ratio_bands(a, b, 300, 1):
        assert rb.ratio.p10 == rb.ratio.p90 == 1.0


def test_which_components_take_the_node_scaling_spread() -> None:
    """Logic-scaled components take the logic rule's; the SRAM at a CACTI node (its own rows) and
    DRAM (unchanged) none; at 16 nm, where the SRAM is scaled like logic, it takes the logic rule's;
    a library at 45 nm (45nm-lp, a flavour change) none."""
    rules = _spreads_file()["node_scaling"]["rules"]
    logic = tuple(rules["logic"]["HP"][k] for k in ("energy_sigma", "area_sigma", "leakage_sigma"))
    lib28, lib16 = load_techlib("28nm"), load_techlib("16nm")
    assert node_scaling_sigmas(lib28, "int_multiplier") == logic
    assert node_scaling_sigmas(lib28, "sram") == (0.0, 0.0, 0.0)
    assert node_scaling_sigmas(lib28, "dram") == (0.0, 0.0, 0.0)
    assert node_scaling_sigmas(lib16, "sram") == logic
    assert node_scaling_sigmas(lib16, "cim_cell")[1] == rules["cim-cell"]["HP"]["area_sigma"]
    assert node_scaling_sigmas(lib16, "adc") == (0.0, rules["adc-survey"]["HP"]["area_sigma"], 0.0)
    assert node_scaling_sigmas(load_techlib("45nm-lp"), "int_adder") == (0.0, 0.0, 0.0)


def test_a_user_spread_block_is_taken_alone(tmp_path: Path) -> None:
    data = techlib_to_dict(load_techlib("7nm"))
    data["components"]["int_adder"]["spread"] = {"energy_sigma": 0.3, "area_sigma": 0.2, "leakage_sigma": 0.5,
                                                "source": "my measurement"}
    lib = parse_techlib(data)
    assert node_scaling_sigmas(lib, "int_adder") == (0.0, 0.0, 0.0)
    assert node_scaling_sigmas(lib, "int_multiplier") != (0.0, 0.0, 0.0)
    assert node_scaling_sigmas(_tiny(tmp_path, 7, derived=True, own_spread=True), "sram") == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("name", ["65nm", "28nm", "22nm", "16nm", "7nm", "45nm-lp"])
def test_every_component_of_a_shipped_scaled_library_names_its_rule(name: str) -> None:
    lib = load_techlib(name)
    for cname, comp in lib.components.items():
        records = [comp.derived] if not hasattr(comp, "variants") else [v.derived for v in comp.variants.values()]
        assert records and all(d is not None and scaling_rule_of(d.method) is not None for d in records), cname


def test_the_rules_of_the_spreads_file_are_the_scalers() -> None:
    assert set(NODE_SCALING_RULES) == {r.value for r in ScalingRule}
    assert set(_spreads_file()["node_scaling"]["rules"]) == set(NODE_SCALING_RULES)


def test_a_studys_closed_form_takes_the_library_draw() -> None:
    """sample_rows (a study's vectorised form) with the library's scaling draws gives each 7 nm
    report's own samples; without them it refuses rather than drop the node-scaling spread."""
    from hwcost import HwcostError
    from hwcost.evaluate import design_point, report_of
    from hwcost.uncertainty import row_sigmas, sample, sample_rows

    reports = [report_of(design_point("lsq", 4, workload=w, node="7nm")) for w in ("resnet20", "resnet18")]
    units = [r.unit for r in reports[0].breakdown]
    assert units == [r.unit for r in reports[1].breakdown]
    sigmas = row_sigmas(units, [r.source for r in reports[0].breakdown], load_techlib("7nm"))
    assert sigmas.scaling is not None
    static = np.array([[r.static_pj for r in rep.breakdown] for rep in reports])
    energy = np.array([[r.energy_pj for r in rep.breakdown] for rep in reports])
    area = np.array([[r.area_um2 for r in rep.breakdown] for rep in reports])
    e, st, a = sample_rows(energy - static, static, area, sigmas, draws(400, 9), scaling_draws(400, 9, sigmas.library))
    for i, rep in enumerate(reports):
        one = sample(rep, 400, 9)
        np.testing.assert_allclose(e[:, i], one.energy_pj, rtol=1e-12)
        np.testing.assert_allclose(st[:, i], one.static_energy_pj, rtol=1e-12)
        np.testing.assert_allclose(a[:, i], one.area_um2, rtol=1e-12)
    with pytest.raises(HwcostError, match="node-scaling spread"):
        sample_rows(energy - static, static, area, sigmas, draws(400, 9))
