"""studies/fixed_point_types/page_tables.py: the page's tables from a synthetic results.csv whose
cells are known by hand (ratios of round numbers, a hand-computed mean and sample sd)."""
from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "studies" / "fixed_point_types" / "page_tables.py"


def _load():
    spec = importlib.util.spec_from_file_location("page_tables", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve the module's annotations through it
    spec.loader.exec_module(module)
    return module


pt = _load()

# TOPS/W per scheme on every point; LSQ's is 2.0, so a realisation's loss factor is 2.0 / this.
TOPS = {"lsq": 2.0, "lsq-pot": 2.0, "lsq+": 2.0, "lsq+-runtime": 2.0, "lsq+-pre-subtract": 1.6,
        "lsq+-per-mac": 1.0, "lsq+-operand8": 0.8, "lsq+-operand16": 2.0 / 3.0, "lsq-operand8": 0.8,
        "lsq-operand16": 2.0 / 3.0, "lsq+-fp16": 2.0 / 2.49, "lsq+-fp32": 2.0 / 3.51}
REFUSED_ON_CIM = {"lsq+-per-mac", "lsq+-fp16", "lsq+-fp32"}


def _write_results(path: Path, drop: tuple | None = None) -> Path:
    columns = ["scheme", "weight_bits", "act_bits", "arch", "node", "workload", "energy_pj", "static_energy_pj",
               "tops_per_w", "area_um2", "energy_pj.compute", "energy_pj.mac_multiplier", "energy_pj.noc"]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for scheme, tops in TOPS.items():
            for bits in (2, 4, 8):
                for arch in ("ws", "os", "cim", "dcim"):
                    if arch in ("cim", "dcim") and scheme in REFUSED_ON_CIM:
                        continue
                    for node in ("45nm", "45nm-lp"):
                        for workload in ("resnet20", "resnet18"):
                            if drop == (scheme, bits, arch, node, workload):
                                continue
                            energy = 40e6 / tops * 2.0  # 40 µJ for LSQ
                            w.writerow([scheme, bits, bits, arch, node, workload, energy, 0.58 * energy, tops,
                                        0.919e6, energy, 0.25 * energy, 0.01 * energy])
    return path


def test_width_table_cells(tmp_path):
    points = pt.read_points(_write_results(tmp_path / "results.csv"))
    lines = pt.width_table(points, 4, pt.MEASURED_DIFF_BY_SEED, tmp_path)
    assert lines[0].startswith("**W4A4, ResNet-20, weight-stationary array**")
    by_scheme = {line.split("`")[1]: line.split(" | ") for line in lines[4:]}
    assert list(by_scheme) == [s for s, _ in pt.ROWS]
    # LSQ: 40 µJ, 2.000 TOPS/W, 58 % static on 45nm, 0.919 mm²
    assert by_scheme["lsq"][1:9] == ["40.0", "2.000", "1.00", "40.0 (58)", "2.000", "1.00", "0.919", "0 (reference) |"]
    # per-MAC at half LSQ's TOPS/W: twice the energy, ×LSQ 0.50
    assert by_scheme["lsq+-per-mac"][1:4] == ["80.0", "1.000", "0.50"]
    # accuracy: LSQ+ at W4, per seed -0.15, -0.10, +0.09: mean -0.0533, sd 0.1266 (by hand)
    assert by_scheme["lsq+"][-1] == "-0.05 ± 0.13 |"
    assert by_scheme["lsq+-fp16"][-1] == "-0.05 ± 0.13 † |"
    assert by_scheme["lsq-operand16"][-1] == "0 (same network as LSQ) |"
    assert by_scheme["lsq-pot"][-1] == "-0.07 ± 0.06 |"  # -0.13, -0.02, -0.07: sd 0.0551


def test_loss_table_bold_and_refused(tmp_path):
    points = pt.read_points(_write_results(tmp_path / "results.csv"))
    lines = pt.loss_table(points, "45nm-lp", tmp_path)
    assert lines[2] == "| realisation | ResNet-20 W2 | W4 | W8 | ResNet-18 W2 | W4 | W8 |"
    rows = {line.split("`")[1]: line.split(" | ")[1:] for line in lines[4:]}
    assert "lsq" not in rows  # the reference is not a row
    assert rows["lsq+-per-mac"][0] == "2.00 / 2.00 / – / –"
    assert rows["lsq+-operand16"][0] == "**3.00** / **3.00** / **3.00** / **3.00**"  # 2 ÷ (2/3)
    assert rows["lsq+-pre-subtract"][0] == "1.25 / 1.25 / 1.25 / 1.25"
    # 2.49 and 3.51 lie outside 2.5–3.5: not bold
    assert rows["lsq+-fp16"][0] == "2.49 / 2.49 / – / –"
    assert rows["lsq+-fp32"][5].rstrip(" |") == "3.51 / 3.51 / – / –"


def test_mean_sd_by_hand():
    # +0.18, +0.02, +0.17: mean 0.1233; deviations 0.0567, -0.1033, 0.0467; sd sqrt(0.01607 / 2) = 0.0896
    assert pt.mean_sd((0.18, 0.02, 0.17)) == "+0.12 ± 0.09"


def test_accuracy_from_main_study(tmp_path):
    path = tmp_path / "main.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["scheme", "weight_bits", "arch", "accuracy_measured_by_seed_pct"])
        for bits in (2, 4, 8):
            w.writerow(["lsq", bits, "ws", "87.00;88.00;89.00"])
            w.writerow(["lsq", bits, "os", "87.00;88.00;89.00"])
            w.writerow(["lsq+", bits, "ws", "87.10;88.30;89.20"])  # +0.1, +0.3, +0.2: 0.20 ± 0.10
            w.writerow(["lsq-pot", bits, "ws", "86.00;88.00;89.00"])  # -1, 0, 0: -0.33 ± 0.58
    diffs = pt.read_accuracy(path)
    assert pt.mean_sd(diffs[("lsq+", 4)]) == "+0.20 ± 0.10"
    assert pt.mean_sd(diffs[("lsq-pot", 2)]) == "-0.33 ± 0.58"


def test_cli_prints_every_table(tmp_path):
    results = _write_results(tmp_path / "results.csv")
    run = subprocess.run([sys.executable, str(SCRIPT), str(results), "--units", "--summary"],
                         capture_output=True, text=True, check=True)
    headings = [line for line in run.stdout.splitlines() if line.startswith("**")]
    assert [h.split("**")[1] for h in headings[:5]] == [
        "W4A4, ResNet-20, weight-stationary array", "W2A2, ResNet-20, weight-stationary array",
        "W8A8, ResNet-20, weight-stationary array", "45nm-lp", "45nm"]
    # 12 rows in each width table, 11 in each loss table
    assert sum(line.startswith("| `") for line in run.stdout.splitlines()) == 3 * 12 + 2 * 11
    assert "- per-MAC, MAC array: 45nm-lp 2.00–2.00, 45nm 2.00–2.00" in run.stdout
    # --units: the noc row, 1 % of LSQ's 40 µJ
    assert "| noc | 0.40 |" in run.stdout


@pytest.mark.parametrize("case, message", [
    ("missing file", "cannot read"),
    ("missing column", "no column tops_per_w"),
    ("missing point", "no design point scheme=lsq weight_bits=4 arch=ws node=45nm workload=resnet20"),
])
def test_bad_input_exits_2_with_one_message(tmp_path, case, message):
    results = tmp_path / "results.csv"
    if case == "missing column":
        results.write_text("scheme,weight_bits,arch,node,workload,energy_pj,static_energy_pj,area_um2\n"
                           "lsq,4,ws,45nm,resnet20,1,1,1\n", encoding="utf-8")
    elif case == "missing point":
        _write_results(results, drop=("lsq", 4, "ws", "45nm", "resnet20"))
    run = subprocess.run([sys.executable, str(SCRIPT), str(results)], capture_output=True, text=True)
    assert run.returncode == 2
    assert str(results) in run.stderr and message in run.stderr
    assert "Traceback" not in run.stderr
