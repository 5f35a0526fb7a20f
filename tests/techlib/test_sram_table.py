"""SRAM priced from the CACTI 7 table (issue 15): every row of the sweep reproduced, log-log
bilinear between rows, the power law still selectable, and bad grids refused with one message each.

The CACTI rows are read here straight from the YAML files with yaml.safe_load, not through
hwcost.techlib._cacti.
"""

from __future__ import annotations

import copy
import doctest
from pathlib import Path

import numpy as np
import pytest
import yaml

import hwcost.techlib._cacti
import hwcost.techlib.scaling
from hwcost.cli import main
from hwcost.errors import HwcostError
from hwcost.techlib import Flavour, ScalingRule, load_techlib, parse_techlib, scale_techlib, techlib_to_dict
from hwcost.techlib.models import grid_interpolate

DATA = Path(__file__).resolve().parents[2] / "hwcost" / "data" / "techscaling"
LIB45 = load_techlib("45nm")
GLB = {"capacity_bytes": 131072, "width_bits": 64}  # the MAC-array template's default GLB bank


def _rows(name: str, node: int) -> np.ndarray:
    """tech_nm, capacity_bytes, width_bits, read_pj, write_pj, area_mm2, leakage_mw at ``node``."""
    rows = np.array(yaml.safe_load((DATA / name).read_text())["rows"], dtype=float)
    return rows[rows[:, 0] == node]


def _library(node: int, low_power: bool):
    """The shipped library at ``node`` where there is one (at its nominal supply), else the
    scaler's; its SRAM energy factor is 1 (the sweep is at the node's nominal supply)."""
    name = {(45, False): "45nm", (65, False): "65nm", (28, False): "28nm", (22, False): "22nm",
            (45, True): "45nm-lp"}.get((node, low_power))
    lib = load_techlib(name) if name else scale_techlib(LIB45, node, flavour=Flavour.LP if low_power else Flavour.HP)
    derived = lib.components["sram"].derived
    assert derived is None or derived.energy_factor == 1
    return lib


@pytest.mark.parametrize("module", [hwcost.techlib._cacti, hwcost.techlib.scaling])
def test_doctests(module) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


CASES = [("cacti7_sram_sweep.yaml", n, False) for n in (65, 45, 32, 28, 22)] + \
        [("cacti7_sram_lstp.yaml", n, True) for n in (65, 45, 32, 22)]


@pytest.mark.parametrize("sweep, node, low_power", CASES)
def test_every_cacti_row_is_reproduced(sweep: str, node: int, low_power: bool) -> None:
    rows = _rows(sweep, node)
    assert len(rows) == (10 if low_power else 52)
    lib = _library(node, low_power)
    args = {"capacity_bytes": rows[:, 1], "width_bits": rows[:, 2]}  # vectorised: all rows at once
    np.testing.assert_allclose(lib.energy_pj("sram", "read", **args), rows[:, 3], rtol=1e-9)
    np.testing.assert_allclose(lib.energy_pj("sram", "write", **args), rows[:, 4], rtol=1e-9)
    np.testing.assert_allclose(lib.area_um2("sram", **args), rows[:, 5] * 1e6, rtol=1e-9)
    np.testing.assert_allclose(lib.leakage_mw("sram", **args), rows[:, 6], rtol=1e-9)
    assert f"CACTI 7 sweep at {node} nm" in lib.components["sram"].source


def test_the_default_glb_reads_cactis_figure() -> None:
    # CACTI 7, 45 nm, 128 KiB x 64 b read: 32.9568 pJ; the law read 5.785 * 16^0.5326 = 25.33 pJ
    assert LIB45.energy_pj("sram", "read", **GLB) == pytest.approx(32.9568, rel=1e-12)
    assert 5.785 * 16**0.5326 == pytest.approx(25.33, abs=5e-3)


def _grid(rows: np.ndarray, column: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    caps, widths = np.unique(rows[:, 1]), np.unique(rows[:, 2])
    value = {(c, w): v for c, w, v in zip(rows[:, 1], rows[:, 2], rows[:, column])}
    return caps, widths, np.array([[value[(c, w)] for w in widths] for c in caps])


@pytest.mark.parametrize("column, quantity", [(3, "read"), (4, "write"), (6, "leakage")])
def test_a_midpoint_lies_between_its_neighbours(column: int, quantity: str) -> None:
    caps, widths, z = _grid(_rows("cacti7_sram_sweep.yaml", 45), column)

    def price(c, w):
        if quantity == "leakage":
            return LIB45.leakage_mw("sram", capacity_bytes=c, width_bits=w)
        return LIB45.energy_pj("sram", quantity, capacity_bytes=c, width_bits=w)

    # along capacity at each width: the geometric mean of the two neighbours (whole bytes: the
    # midpoints of powers of two are rounded, so compare with a bound, and exactly at 2^k * 1.5)
    for i in range(len(caps) - 1):
        lo, hi = z[i], z[i + 1]
        mid = price(np.round(np.sqrt(caps[i] * caps[i + 1])), widths)
        assert np.all(np.minimum(lo, hi) <= mid * (1 + 1e-12)) and np.all(mid <= np.maximum(lo, hi) * (1 + 1e-12))
    # along width at each capacity: 45.25... bits is not whole, so take 1.5x, between the rows;
    # exactly lo^(1-t) hi^t with t = log(1.5) / log(2)
    t = np.log(1.5) / np.log(2)
    for j in range(len(widths) - 1):
        lo, hi = z[:, j], z[:, j + 1]
        expected = np.exp((1 - t) * np.log(lo) + t * np.log(hi))
        mid = price(caps, 1.5 * widths[j])
        np.testing.assert_allclose(mid, expected, rtol=1e-12)
        assert np.all(np.minimum(lo, hi) <= mid * (1 + 1e-12)) and np.all(mid <= np.maximum(lo, hi) * (1 + 1e-12))
    # the centre of a cell lies between its four corners
    c, w = np.sqrt(caps[:-1] * caps[1:])[:, None].round(), (1.5 * widths[:-1])[None, :]
    centre = price(c, w)
    corners = np.stack([z[:-1, :-1], z[1:, :-1], z[:-1, 1:], z[1:, 1:]])
    assert np.all(corners.min(axis=0) <= centre * (1 + 1e-12)) and np.all(centre <= corners.max(axis=0) * (1 + 1e-12))


def test_arrays_price_like_scalars() -> None:
    # one point goes through math, an array through numpy: the same arithmetic
    rng = np.random.default_rng(0)
    c = np.concatenate([[1024, 3000, 100_000, 4194304], rng.integers(1024, 4194305, 200)])
    w = np.concatenate([[32, 100, 64, 256], rng.integers(32, 257, 200)])
    for lib in (LIB45, load_techlib("45nm-lp")):
        rng_c, rng_w = lib.components["sram"].params["capacity_bytes"], lib.components["sram"].params["width_bits"]
        inside = (c >= rng_c.minimum) & (c <= rng_c.maximum) & (w >= rng_w.minimum) & (w <= rng_w.maximum)
        ci, wi = c[inside], w[inside]
        for price in (lambda **a: lib.energy_pj("sram", "write", **a), lambda **a: lib.area_um2("sram", **a),
                      lambda **a: lib.leakage_mw("sram", **a)):
            one_by_one = [price(capacity_bytes=int(x), width_bits=int(y)) for x, y in zip(ci, wi)]
            np.testing.assert_allclose(price(capacity_bytes=ci, width_bits=wi), one_by_one, rtol=1e-13)


def test_grid_interpolate_is_bilinear_in_log_axes() -> None:
    # a pure power law on the grid is reproduced everywhere: z = 3 x^0.5 y^0.25
    xs, ys = np.array([1.0, 4.0, 64.0]), np.array([2.0, 8.0])
    zs = 3.0 * np.sqrt(xs)[:, None] * ys[None, :] ** 0.25
    x, y = np.array([1.0, 2.0, 10.0, 64.0]), np.array([2.0, 3.0, 8.0, 5.0])
    np.testing.assert_allclose(grid_interpolate(x, y, xs, ys, zs, loglog=True), 3.0 * np.sqrt(x) * y**0.25, rtol=1e-12)


def test_outside_the_table_nothing_is_priced() -> None:
    for args, message in [({"capacity_bytes": 512, "width_bits": 64}, "capacity_bytes = 512 is not valid"),
                          ({"capacity_bytes": 8192, "width_bits": 512}, "width_bits = 512 is not valid")]:
        with pytest.raises(HwcostError, match=message):
            LIB45.energy_pj("sram", "read", **args)


# --- the power law, still selectable -----------------------------------------------------------

LAW_45NM = {  # docs/techlib.md, "The SRAM power law": 45nm.yaml's sram before issue 15
    "energy_pj": {
        "read": {"model": "power_law", "ref_pj": 5.785, "ref": {"capacity_bytes": 8192, "width_bits": 64},
                 "exponent": {"capacity_bytes": 0.5326, "width_bits": 0.5341}},
        "write": {"model": "power_law", "ref_pj": 6.924, "ref": {"capacity_bytes": 8192, "width_bits": 64},
                  "exponent": {"capacity_bytes": 0.442, "width_bits": 0.7788}},
    },
    "area_um2": {"model": "power_law", "ref_um2": 28910, "ref": {"capacity_bytes": 8192, "width_bits": 64},
                 "exponent": {"capacity_bytes": 0.956, "width_bits": 0.1112}},
    "leakage_mw": {"model": "power_law", "ref_mw": 10.14, "ref": {"capacity_bytes": 8192, "width_bits": 64},
                   "exponent": {"capacity_bytes": 0.9645, "width_bits": 0}},
}


def test_a_library_can_still_name_the_power_law() -> None:
    data = techlib_to_dict(LIB45)
    data["components"]["sram"].update(copy.deepcopy(LAW_45NM))
    lib = parse_techlib(data)
    assert lib.energy_pj("sram", "read", **GLB) == pytest.approx(5.785 * 16**0.5326, rel=1e-12)
    assert lib.leakage_mw("sram", **GLB) == pytest.approx(10.14 * 16**0.9645, rel=1e-12)
    # and the scaler refits exactly these coefficients with rule sram-cacti-law
    refit = scale_techlib(LIB45, 45, rules={"sram": ScalingRule.SRAM_CACTI_LAW}).components["sram"]
    for action in ("read", "write"):
        spec = LAW_45NM["energy_pj"][action]
        model = refit.energy[action].model
        assert (model.ref, *model.exponents) == (spec["ref_pj"], *spec["exponent"].values())


# --- bad grids ---------------------------------------------------------------------------------


def _with_read(edit) -> dict:
    data = techlib_to_dict(LIB45)
    read = data["components"]["sram"]["energy_pj"]["read"]
    edit(read)
    return data


KEY = "components.sram.energy_pj.read"


@pytest.mark.parametrize("edit, message", [
    (lambda r: r.update(interp="loglog"), f"{KEY}.interp: unknown key 'interp'; valid keys: interpolation, model, note, points, source"),
    (lambda r: r.pop("points"), f"{KEY}: missing required key 'points'"),
    (lambda r: r.update(interpolation="cubic"), f"{KEY}.interpolation: expected one of linear, loglog"),
    (lambda r: r["points"].pop("width_bits"), f"{KEY}.points: missing required key 'width_bits'"),
    (lambda r: r["points"].update(read_pj=[1]), f"{KEY}.points.read_pj: unknown key 'read_pj'"),
    (lambda r: r["points"]["energy_pj"].pop(), f"{KEY}.points.energy_pj: expected 13 rows (one per capacity_bytes point) of 4 values (one per width_bits point); got 12 rows of 4 values"),
    (lambda r: r["points"]["energy_pj"][3].pop(), f"{KEY}.points.energy_pj: expected 13 rows (one per capacity_bytes point) of 4 values (one per width_bits point); got 13 rows of 3/4 values"),
    (lambda r: r["points"]["width_bits"].reverse(), f"{KEY}.points.width_bits: expected strictly increasing width_bits values"),
    (lambda r: r["points"]["width_bits"].__setitem__(3, 200), f"{KEY}.points.width_bits: grid covers width_bits 32..200 but valid allows 32..256; grids never extrapolate"),
    (lambda r: r["points"]["energy_pj"][0].__setitem__(0, 0), f"{KEY}.points.energy_pj[0][0]: expected a number > 0"),
    (lambda r: r["points"]["energy_pj"][0].__setitem__(0, "x"), f"{KEY}.points.energy_pj[0][0]: expected a number, got string 'x'"),
])
def test_a_bad_grid_is_refused_naming_its_key(edit, message: str) -> None:
    with pytest.raises(HwcostError) as raised:
        parse_techlib(_with_read(edit))
    assert message in str(raised.value)


def test_a_grid_needs_two_parameters() -> None:
    data = techlib_to_dict(LIB45)
    data["components"]["int_adder"]["area_um2"] = {
        "model": "grid", "interpolation": "loglog",
        "points": {"bits": [1, 64], "area_um2": [[1.0], [2.0]]}}
    with pytest.raises(HwcostError, match="components.int_adder.area_um2: model 'grid' needs exactly two "
                                          "parameters in the component's 'valid'; got bits"):
        parse_techlib(data)


def test_the_cli_reports_a_bad_grid_with_file_and_line(tmp_path: Path, capsys) -> None:
    text = (Path(__file__).resolve().parents[2] / "hwcost" / "techlib" / "data" / "45nm.yaml").read_text()
    bad = text.replace("width_bits: [32, 64, 128, 256]", "width_bits: [32, 64, 128, 200]", 1)
    assert bad != text
    path = tmp_path / "lib.yaml"
    path.write_text(bad)
    assert main(["techlib", "validate", str(path)]) == 2
    err = capsys.readouterr().err
    line = next(i for i, s in enumerate(bad.splitlines(), 1) if "width_bits: [32, 64, 128, 200]" in s)
    assert f"lib.yaml:{line}: {KEY}.points.width_bits: grid covers width_bits 32..200 but valid allows 32..256" in err
    assert "Traceback" not in err


def test_the_cli_selects_the_law_by_rule(tmp_path: Path, capsys) -> None:
    out = tmp_path / "22law.yaml"
    assert main(["techlib", "scale", "--from", "45nm", "--to", "22nm", "--rule", "sram=sram-cacti-law",
                 "--out", str(out)]) == 0
    lib = load_techlib(out)
    assert lib.components["sram"].energy["read"].model.name == "power_law"
    # at 8 KB x 64 b the law is its reference value: exp of the intercept of the least-squares fit of
    # ln(read) on ln(C / 8 KB), ln(W / 64 b) over the 22 nm rows (1.569 pJ, to 4 digits); the table
    # reads CACTI's row, 1.504 pJ
    rows = _rows("cacti7_sram_sweep.yaml", 22)
    design = np.column_stack([np.ones(len(rows)), np.log(rows[:, 1] / 8192), np.log(rows[:, 2] / 64)])
    intercept = np.linalg.lstsq(design, np.log(rows[:, 3]), rcond=None)[0][0]
    assert lib.energy_pj("sram", "read", capacity_bytes=8192, width_bits=64) == pytest.approx(np.exp(intercept), rel=5e-4)
    assert load_techlib("22nm").energy_pj("sram", "read", capacity_bytes=8192, width_bits=64) == pytest.approx(1.504)
    capsys.readouterr()
    assert main(["techlib", "scale", "--from", "45nm", "--to", "22nm", "--rule", "sram=sram-law",
                 "--out", str(tmp_path / "x.yaml")]) == 2
    err = capsys.readouterr().err
    assert "--rule expects COMPONENT=RULE with RULE one of logic, sram-cacti, sram-cacti-law" in err
    assert "Traceback" not in err
