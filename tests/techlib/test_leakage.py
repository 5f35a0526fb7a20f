"""SRAM leakage: CACTI 7's figures for the library's device flavour, and static energy in reports."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

import hwcost
from hwcost._config import read_yaml
from hwcost.techlib._cacti import DATA_FILE, LSTP_FILE

HP = hwcost.load_techlib("45nm")
LP = hwcost.load_techlib("45nm-lp")


def _cacti(path: Path, node: int) -> np.ndarray:
    rows = np.asarray(read_yaml(path).data["rows"], dtype=float)
    return rows[rows[:, 0] == node]


@pytest.mark.parametrize(("lib", "path", "rms_max"), [(HP, DATA_FILE, 0.06), (LP, LSTP_FILE, 0.35)])
def test_sram_leakage_follows_cactis_rows_for_the_flavour(lib: hwcost.TechLib, path: Path, rms_max: float) -> None:
    rows = _cacti(path, 45)
    fit = np.array([lib.leakage_mw("sram", capacity_bytes=c, width_bits=w) for c, w in rows[:, 1:3]])
    rel = fit / rows[:, 6] - 1
    assert np.sqrt(np.mean(rel**2)) < rms_max


def test_low_power_cells_leak_far_less() -> None:
    # CACTI 7, 45 nm, 128 KiB x 64 b: 138.1 mW with itrs-hp cells, 1.79 mW with itrs-lstp cells.
    hp = HP.leakage_mw("sram", capacity_bytes=131072, width_bits=64)
    lp = LP.leakage_mw("sram", capacity_bytes=131072, width_bits=64)
    assert hp == pytest.approx(138.1, rel=0.1) and lp == pytest.approx(1.79, rel=0.35)
    assert "itrs-lstp" in LP.components["sram"].source


def test_static_energy_is_leakage_times_latency() -> None:
    report = hwcost.evaluate("lsq", 4)
    bank = dict(capacity_bytes=32 * 1024, width_bits=64)
    leak_mw = (4 * HP.leakage_mw("sram", **bank) + HP.leakage_mw("sram", capacity_bytes=64 * 1024, width_bits=256)
               + HP.leakage_mw("sram", capacity_bytes=2 * 1024, width_bits=64))
    memories = sum(r.static_pj for r in report.breakdown if r.unit in ("glb", "acc_buffer", "input_buffer"))
    assert memories == pytest.approx(leak_mw * report.latency_s * 1e9, rel=1e-9)
    # the rest is the logic's (PE grid, post-processing lanes): about 1 % at 45 nm HP
    assert 0 < report.static_energy_pj - memories < 0.02 * memories
    lp = hwcost.evaluate("lsq", 4, node="45nm-lp")
    assert lp.static_energy_pj < report.static_energy_pj / 30


def test_a_library_without_leakage_says_so(tmp_path: Path) -> None:
    data = yaml.safe_load(Path(HP.file).read_text())
    for comp in data["components"].values():
        comp.pop("leakage_mw", None)
        for variant in comp.get("variants", {}).values():
            variant.pop("leakage_mw", None)
    path = tmp_path / "noleak.yaml"
    path.write_text(yaml.safe_dump(data))
    report = hwcost.evaluate("lsq", 4, techlib=path)
    assert report.static_energy_pj == 0
    unmodelled = dict(report.settings)["no_leakage_model"].split(", ")
    assert {"sram", "register", "int_multiplier", "int_adder"} <= set(unmodelled)


def test_the_low_power_library_prices_narrow_tables_within_its_sram_range() -> None:
    # CACTI's low-standby-power rows cover 2 KB-1 MB and 64-256-bit ports: a 32-bit bias table is
    # held in a 64-bit port, a table under 2 KB in flip-flops; nothing outside the range is priced.
    assert LP.components["sram"].params["width_bits"].minimum == 64
    report = hwcost.evaluate("lsq", 2, node="45nm-lp", workload="resnet18")
    assert report.tops_per_w > 0
