"""The accuracy tables: the shipped literature CSV and user CSVs."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from hwcost.errors import HwcostError
from hwcost.schemes import PRESET_NAMES
from hwcost.study import literature_path, load_accuracy_table
from hwcost.study.table import lookup
from hwcost.workloads import load_workload


def test_literature_holds_only_verified_numbers_with_citations() -> None:
    table = load_accuracy_table(literature_path())
    assert len(table.rows) >= 80
    for row in table.rows:
        extra = dict(row.extra)
        assert extra["tag"] in ("P", "P-code"), row
        assert row.citation and extra["where"] and extra["metric"] == "top-1"
        assert row.scheme in PRESET_NAMES or row.scheme == "apot"  # APoT has no preset (non-uniform levels)


@pytest.mark.parametrize(
    ("scheme", "bits", "network", "expected"),
    [
        ("lsq", 2, "ResNet-18", 67.6),  # Esser et al. 2020, Table 1
        ("lsq", 8, "ResNet-50", 76.8),
        ("pact", 4, "ResNet-20", 91.3),  # Choi et al. 2018, Table 1 (0.913)
        ("dorefa", 2, "ResNet-20", 88.2),
        ("dyadic", 4, "ResNet-18", 68.45),  # HAWQ-V3 Table 1
        ("asymmetric", 8, "ResNet-50", 74.9),  # Jacob et al. 2018 Table 4.1
        ("apot", 2, "ResNet-20", 90.96),  # APoT README
    ],
)
def test_literature_numbers(scheme: str, bits: int, network: str, expected: float) -> None:
    rows = [r for r in load_accuracy_table(literature_path()).rows if (r.scheme, r.weight_bits, r.act_bits, r.network) == (scheme, bits, bits, network)]
    assert [r.accuracy_pct for r in rows] == [expected]


def test_lookup_matches_workload_network_and_dataset() -> None:
    table = load_accuracy_table(literature_path())
    row = lookup(table, "pact", 2, 2, load_workload("resnet20"))
    assert row is not None and row.accuracy_pct == 89.7 and row.dataset == "CIFAR-10"
    assert lookup(table, "pact", 8, 8, load_workload("resnet20")) is None
    assert lookup(table, "lsq", 4, 4, load_workload("resnet18")).accuracy_pct == 71.1  # type: ignore[union-attr]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


HEADER = ["scheme", "network", "dataset", "weight_bits", "act_bits", "accuracy_pct", "citation"]


def test_user_table_problems_name_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", HEADER, [["lsq", "ResNet-20", "CIFAR-10", "4", "4", "91.0", "me"], ["lsq", "ResNet-20", "CIFAR-10", "x", "4", "120", ""]])
    with pytest.raises(HwcostError) as info:
        load_accuracy_table(path)
    found = {(p.line, p.key) for p in info.value.problems}
    assert found == {(3, "weight_bits"), (3, "accuracy_pct"), (3, "citation")}


def test_unknown_column_and_duplicates(tmp_path: Path) -> None:
    with pytest.raises(HwcostError, match="unknown column 'top5'; valid columns: scheme"):
        load_accuracy_table(_write(tmp_path / "a.csv", HEADER + ["top5"], [["lsq", "n", "d", "4", "4", "90", "c", "1"]]))
    row = ["lsq", "ResNet-20", "CIFAR-10", "4", "4", "91.0", "me"]
    with pytest.raises(HwcostError, match="same scheme, network, dataset and bits as line 2"):
        load_accuracy_table(_write(tmp_path / "b.csv", HEADER, [row, [*row[:2], "cifar10", *row[3:]]]))
