"""Spreads in the technology library (hwcost.techlib.spread, docs/techlib.md "Spreads"): the block is
checked like every number, a bad one exits 2 naming file, line and key, and the shipped spreads
agree with a recomputation from the data their fits use."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import yaml

from hwcost import HwcostError, load_techlib
from hwcost.cli import main
from hwcost.techlib import parse_techlib, techlib_to_dict
from hwcost.techlib.spread import default_spreads

DATA = Path(__file__).resolve().parents[2] / "hwcost" / "data"
_SPREAD = "    spread: {energy_sigma: 0.2, area_sigma: 0.1, leakage_sigma: 0.3, source: a fit}\n"



def test_a_component_spread_loads_and_round_trips(lib_file: Callable[[str], Path], tiny_yaml: str) -> None:
    lib = load_techlib(lib_file(tiny_yaml + _SPREAD))
    spread = lib.spread_of("int_adder")
    assert (spread.energy_sigma, spread.area_sigma, spread.leakage_sigma, spread.source) == (0.2, 0.1, 0.3, "a fit")
    assert parse_techlib(techlib_to_dict(lib)) == lib


def test_without_its_own_spread_a_component_takes_the_shipped_one(lib_file: Callable[[str], Path], tiny_yaml: str) -> None:
    lib = load_techlib(lib_file(tiny_yaml))
    assert lib.spread_of("int_adder") == default_spreads()["int_adder"]
    assert "spread" not in techlib_to_dict(lib)["components"]["int_adder"]  # the default is not written out


@pytest.mark.parametrize("bad, message", [
    ("energy_sigma: -0.2", "components.int_adder.spread.energy_sigma: expected a number >= 0, got -0.2"),
    ("energy_sigma: .inf", "components.int_adder.spread.energy_sigma: expected a finite number"),
    ("energy_sigma: 7", "components.int_adder.spread.energy_sigma: expected a number <= 3, got 7"),
    ("source: ''", "components.int_adder.spread.source: expected a non-empty string"),
])
def test_a_bad_spread_names_file_line_and_key(lib_file: Callable[[str], Path], tiny_yaml: str, bad: str, message: str) -> None:
    key = bad.split(":")[0]
    text = tiny_yaml + _SPREAD.replace(f"{key}: {'a fit' if key == 'source' else '0.2'}", bad)
    with pytest.raises(HwcostError) as info:
        load_techlib(lib_file(text))
    assert f"lib.yaml:{len(tiny_yaml.splitlines()) + 1}: {message}" in str(info.value)


def test_a_spread_without_a_source_is_refused(lib_file: Callable[[str], Path], tiny_yaml: str) -> None:
    text = tiny_yaml + _SPREAD.replace(", source: a fit", "")
    with pytest.raises(HwcostError, match="components.int_adder.spread: missing required key 'source'"):
        load_techlib(lib_file(text))


def test_techlib_validate_exits_2_on_a_bad_spread(lib_file: Callable[[str], Path], tiny_yaml: str, capsys) -> None:
    path = lib_file(tiny_yaml + _SPREAD.replace("area_sigma: 0.1", "area_sigma: -1"))
    assert main(["techlib", "validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"lib.yaml:{len(tiny_yaml.splitlines()) + 1}: components.int_adder.spread.area_sigma" in err
    assert "Traceback" not in err


def test_a_variant_cannot_carry_its_own_spread() -> None:
    data = techlib_to_dict(load_techlib("45nm"))
    data["components"]["dram"]["variants"]["lpddr4"]["spread"] = {
        "energy_sigma": 0.1, "area_sigma": 0, "leakage_sigma": 0, "source": "x"}
    with pytest.raises(HwcostError, match="components.dram.variants.lpddr4.spread: give the spread on dram itself"):
        parse_techlib(data)


def _leave_one_out_log_residuals(capacity: np.ndarray, width: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each interior capacity (width) of a grid left out and predicted by straight-line interpolation
    of ln y in ln C (ln W) between its two neighbours, at every width (capacity); ln(pred / y)."""
    caps, widths = np.unique(capacity), np.unique(width)
    value = {(c, w): v for c, w, v in zip(capacity, width, y)}
    out = []
    for axis, (along, across) in enumerate(((caps, widths), (widths, caps))):
        for k in range(1, len(along) - 1):
            lo, mid, hi = along[k - 1], along[k], along[k + 1]
            t = (np.log(mid) - np.log(lo)) / (np.log(hi) - np.log(lo))
            for other in across:
                at = (lambda a: (a, other)) if axis == 0 else (lambda a: (other, a))
                predicted = (1 - t) * np.log(value[at(lo)]) + t * np.log(value[at(hi)])
                out.append(predicted - np.log(value[at(mid)]))
    return np.array(out)


def test_the_sram_spread_is_the_tables_leave_one_out_residual() -> None:
    """rms of the leave-one-out log residuals of the 45 nm CACTI table (spreads.yaml: 70 predictions),
    from the sweep's rows read here; leakage combined with the 360 K corner's 0.5890."""
    rows = np.array(yaml.safe_load((DATA / "techscaling" / "cacti7_sram_sweep.yaml").read_text())["rows"], dtype=float)
    at = rows[rows[:, 0] == 45]
    c, w = at[:, 1], at[:, 2]
    read, area, leak = (_leave_one_out_log_residuals(c, w, at[:, k]) for k in (3, 5, 6))
    assert len(read) == 11 * 4 + 2 * 13
    spread = default_spreads()["sram"]
    assert spread.energy_sigma == pytest.approx(np.sqrt(np.mean(read**2)), abs=5e-5)
    assert spread.area_sigma == pytest.approx(np.sqrt(np.mean(area**2)), abs=5e-5)
    assert spread.leakage_sigma == pytest.approx(np.hypot(np.sqrt(np.mean(leak**2)), np.log(2.3) / np.sqrt(2)), abs=5e-4)


def test_the_column_adc_spread_is_the_readout_fit_residual() -> None:
    """Pooled rms log residual of the readout fits (hwcost/techlib/_column_adc.py); it moves when the
    readout population does -- then update hwcost/data/uncertainty/spreads.yaml."""
    from hwcost.techlib._column_adc import fit_readouts

    logs = np.concatenate([np.log1p(np.array(f.residuals)) for f in fit_readouts().values()])
    assert default_spreads()["column_adc"].energy_sigma == pytest.approx(np.sqrt(np.mean(logs**2)), abs=5e-3)


def test_the_pair_rule_spreads() -> None:
    """|ln(a / b)| / sqrt(2) per pair of sources, rms over pairs (numbers as cited in the file)."""
    spreads = default_spreads()
    pair = lambda *ratios: math.sqrt(sum(math.log(r) ** 2 for r in ratios) / len(ratios)) / math.sqrt(2)  # noqa: E731
    assert spreads["dram"].energy_sigma == pytest.approx(pair(13.5 / 8, 7 / 3.9), abs=1e-4)
    assert spreads["shifter"].energy_sigma == pytest.approx(pair(0.21 / 0.1), abs=1e-4)
    # the register: Aladdin's 9 fJ per bit against ZigZag-IMC's flip-flop at 45 nm, 2.1 fF x 0.81 V^2 x 1.880
    assert spreads["register"].energy_sigma == pytest.approx(pair(9 / (2.1 * 0.81 * 1.880)), abs=1e-3)
    assert spreads["int_multiplier"].energy_sigma == pytest.approx(pair(0.21 / 0.1, 12.68 / 3.1, 0.391 * 1.43 / 0.2),
                                                                   abs=1e-4)
    assert spreads["dac"].energy_sigma == pytest.approx(pair(0.42 / 0.07788), abs=1e-4)


def _stillmaker_energy_and_area(node_nm: float, flavour: str) -> tuple[float, float]:
    """E(V_nominal) and the area vs 45 nm of the Stillmaker-Baas 2017 fit at ``node_nm``, read from
    the coefficient file: E(V) = b2 V^2 + b1 V + b0; 28 and 22 nm linear in node_nm between the 32
    and 20 nm fits, coefficient by coefficient (the file's `interpolated`)."""
    doc = yaml.safe_load((DATA / "techscaling" / "stillmaker_baas_2017.yaml").read_text())
    fits = {(f["node_nm"], f["flavour"]): f for f in doc["fits"].values()}

    def fit(n: float) -> tuple[list[float], float, float]:
        f = fits.get((n, flavour)) or fits[(n, "both")]
        return f["energy"], f["vdd_nominal_v"], doc["area_vs_45nm"][n]

    if node_nm in doc["interpolated"]:
        hi, lo = doc["interpolated"][node_nm]
        (eh, vh, ah), (el, vl, al) = fit(hi), fit(lo)
        w = (node_nm - lo) / (hi - lo)
        coeffs = [w * a + (1 - w) * b for a, b in zip(eh, el)]
        vdd, area = w * vh + (1 - w) * vl, w * ah + (1 - w) * al
    else:
        coeffs, vdd, area = fit(node_nm)
    b2, b1, b0 = coeffs
    return b2 * vdd**2 + b1 * vdd + b0, area


@pytest.mark.parametrize("sweep, flavour, nodes", [
    ("cacti7_sram_sweep.yaml", "HP", (65, 32, 28, 22)),
    ("cacti7_sram_lstp.yaml", "LP", (65, 32, 22)),
])
def test_the_node_scaling_spread_is_cacti_against_the_scaled_45nm_rows(sweep: str, flavour: str, nodes) -> None:
    """[pair, CACTI the reference] Every CACTI row at another node against the same (capacity,
    width) row at 45 nm moved there by the rule: energy and leakage x E_n(V_n) / E_45(V_45), area x
    a45(n) (logic) or (n / 45)^2 (cim-cell); sigma = rms(ln(CACTI_n / rule_n)) over all the pairs."""
    rows = yaml.safe_load((DATA / "techscaling" / sweep).read_text())["rows"]
    base = {(c, w): (r, wr, a, leak) for n, c, w, r, wr, a, leak in rows if n == 45}
    e45, _ = _stillmaker_energy_and_area(45, flavour)
    logs: dict[str, list[float]] = {"energy": [], "area": [], "leakage": [], "f2": []}
    for n, c, w, read, _write, area, leak in rows:
        if n not in nodes:
            continue
        e_n, a_n = _stillmaker_energy_and_area(n, flavour)
        r45, _, a45, l45 = base[(c, w)]
        logs["energy"].append(math.log(read / (r45 * e_n / e45)))
        logs["area"].append(math.log(area / (a45 * a_n)))
        logs["leakage"].append(math.log(leak / (l45 * e_n / e45)))
        logs["f2"].append(math.log(area / (a45 * (n / 45) ** 2)))
    assert len(logs["energy"]) == (4 * 52 if flavour == "HP" else 3 * 10)
    rms = {k: math.sqrt(sum(x * x for x in v) / len(v)) for k, v in logs.items()}
    rules = yaml.safe_load((DATA / "uncertainty" / "spreads.yaml").read_text())["node_scaling"]["rules"]
    logic, cell, adc = rules["logic"][flavour], rules["cim-cell"][flavour], rules["adc-survey"][flavour]
    assert logic["energy_sigma"] == pytest.approx(rms["energy"], abs=6e-5)
    assert logic["area_sigma"] == pytest.approx(rms["area"], abs=6e-5)
    assert logic["leakage_sigma"] == pytest.approx(rms["leakage"], abs=6e-5)
    assert cell["area_sigma"] == pytest.approx(rms["f2"], abs=6e-5)
    assert (cell["energy_sigma"], cell["leakage_sigma"], adc["area_sigma"]) == (
        logic["energy_sigma"], logic["leakage_sigma"], logic["area_sigma"])
