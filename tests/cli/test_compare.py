"""``hwcost compare`` / ``hwcost.compare``: ratios are the quotients of separate evaluate calls,
per-unit deltas add up to the total delta, the three formats agree, mistakes name what was typed."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

import pytest

import hwcost
from hwcost.cli import main
from hwcost.compare import TOTALS


def test_ratios_are_quotients_of_separate_evaluations() -> None:
    c = hwcost.compare([{"scheme": "lsq", "bits": 4}, {"scheme": "lsq+", "bits": 4}])
    lsq, plus = hwcost.evaluate("lsq", 4), hwcost.evaluate("lsq+", 4)
    assert c.labels == ("lsq", "lsq+")
    for name in TOTALS:
        assert c.ratio(name) == pytest.approx((1.0, getattr(plus, name) / getattr(lsq, name)), rel=1e-12)
    assert c.total("energy_pj") == pytest.approx((lsq.energy_pj, plus.energy_pj), rel=1e-12)


def test_unit_deltas_add_up_to_the_total_delta() -> None:
    arch = replace(hwcost.load_arch("mac_array"), pe_rows=32)
    c = hwcost.compare([{"scheme": "lsq", "bits": 8}, {"scheme": "asymmetric", "bits": 4, "zero_point": "runtime"},
                        hwcost.design_point("pot", 4, arch=arch, node="22nm")])
    energy, area = c.total("energy_pj"), c.total("area_um2")
    for i in range(3):
        assert sum(u.energy_delta_pj[i] for u in c.units) == pytest.approx(energy[i] - energy[0], rel=1e-9, abs=1e-6)
        assert sum(u.area_delta_um2[i] for u in c.units) == pytest.approx(area[i] - area[0], rel=1e-9, abs=1e-6)
    # a unit only some configurations have counts 0 in the others
    only = [u for u in c.units if u.unit == "output_zero_point_adder"]
    assert only and only[0].energy_pj[0] == 0 and only[0].energy_pj[1] > 0


def test_a_template_key_in_a_configuration() -> None:
    c = hwcost.compare([{"scheme": "lsq", "bits": 4}, {"scheme": "lsq", "bits": 4, "pe_rows": 32}])
    arch = replace(hwcost.load_arch("mac_array"), pe_rows=32)
    assert c.labels == ("pe_rows=16", "pe_rows=32")  # the first at the template's default
    assert c.total("latency_cycles")[1] == pytest.approx(hwcost.evaluate("lsq", 4, arch=arch).latency_cycles, rel=1e-12)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["compare", *argv]) == 0
    return capsys.readouterr().out


def test_cli_formats_agree(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--scheme", "lsq", "--scheme", "lsq+", "--bits", "4"]
    data = json.loads(_run(capsys, *argv, "--format", "json"))
    lsq, plus = hwcost.evaluate("lsq", 4), hwcost.evaluate("lsq+", 4)
    assert data["labels"] == ["lsq", "lsq+"]
    assert data["ratios"]["area_um2"]["lsq+"] == pytest.approx(plus.area_um2 / lsq.area_um2, rel=1e-12)
    rows = list(csv.DictReader(io.StringIO(_run(capsys, *argv, "--format", "csv"))))
    units = {u["unit"] for u in data["units"]}
    assert len(rows) == 2 * (len(TOTALS) + 2 * len(units))
    delta = next(r for r in rows if r["quantity"] == "energy_pj" and r["configuration"] == "lsq+")
    assert float(delta["delta"]) == pytest.approx(plus.energy_pj - lsq.energy_pj, rel=1e-9)
    table = _run(capsys, *argv)
    assert "lsq+ / lsq" in table and "output_zero_point_adder" in table
    total_row = table.splitlines()[-1].split()
    assert total_row[0] == "total" and total_row[-2] == f"{(plus.energy_pj - lsq.energy_pj) / 1e3:+,.1f}"


def test_repeated_flags_give_every_combination_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(_run(capsys, "--scheme", "lsq", "--scheme", "pot", "--bits", "4", "--bits", "8", "--format", "json"))
    got = [(c["scheme"], c["weight_bits"]) for c in data["configurations"]]
    assert got == [("lsq", 4), ("lsq", 8), ("pot", 4), ("pot", 8)]
    data = json.loads(_run(capsys, "--config", "scheme=lsq+,node=45nm", "--config", "scheme=lsq+,node=45nm-lp",
                           "--bits", "4", "--format", "json"))
    assert data["labels"] == ["45nm", "45nm-lp"]
    assert data["totals"]["energy_pj"]["45nm-lp"] == pytest.approx(
        hwcost.evaluate("lsq+", 4, node="45nm-lp").energy_pj, rel=1e-12)


@pytest.mark.parametrize("argv, message", [
    (["--scheme", "lsq"], "--scheme: give two or more configurations"),
    (["--scheme", "lsq", "--scheme", "lsqq"], "--scheme lsqq: scheme: unknown scheme 'lsqq'"),
    (["--config", "scheme=lsq,bitz=4", "--config", "scheme=pot"], "--config: unknown key 'bitz'"),
    (["--config", "scheme=lsq,pe_rows=0", "--config", "scheme=pot"],
     "--config scheme=lsq,pe_rows=0: pe_rows: expected an integer >= 1, got 0"),
    (["--scheme", "lsq", "--scheme", "pot", "--adc-bits", "5"],
     "--scheme lsq: --arch: --adc-bits: not an option of the mac_array template"),
    (["--config", "scheme=lsq", "--config", "scheme=pot", "--bits", "4", "--bits", "8"],
     "--bits: with --config, a flag sets what every configuration shares: give it once"),
])
def test_mistakes_name_what_was_typed(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert main(["compare", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"hwcost: error: {message}") and "Traceback" not in err
