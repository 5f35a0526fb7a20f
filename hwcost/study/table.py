"""Accuracy tables: CSV files of published (or your own) accuracies, with citations.

Required columns: ``scheme, network, dataset, weight_bits, act_bits, accuracy_pct, citation``;
optional: ``method, first_last, fp_accuracy_pct, metric, where, tag, notes``. A study point
takes the row whose scheme name and bits equal its own and whose network and dataset equal its
workload's (case, ``-``, ``_`` and spaces ignored: ``ResNet-20`` / ``CIFAR-10`` match the
workload ``resnet20`` on ``cifar10``). Two rows for the same (scheme, network, dataset, bits)
are an error. The shipped table, ``literature``, holds only numbers checked against the papers'
full text ([P]) or the authors' code ([P-code]).
"""

from __future__ import annotations

import csv
import io
import math
from importlib import resources
from pathlib import Path

from hwcost._config import read_text
from hwcost.errors import HwcostError, Problem
from hwcost.schemes import MAX_BITS, MIN_BITS
from hwcost.study.spec import AccuracyTable, TableRow
from hwcost.workloads import Workload

__all__ = ["LITERATURE", "literature_path", "load_accuracy_table", "lookup", "REQUIRED_COLUMNS", "OPTIONAL_COLUMNS"]

LITERATURE = "literature"
REQUIRED_COLUMNS = ("scheme", "network", "dataset", "weight_bits", "act_bits", "accuracy_pct", "citation")
OPTIONAL_COLUMNS = ("method", "first_last", "fp_accuracy_pct", "metric", "where", "tag", "notes")


def literature_path() -> Path:
    """The shipped ``hwcost/data/accuracy_literature.csv``."""
    return Path(str(resources.files("hwcost") / "data" / "accuracy_literature.csv"))


def normalise(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch not in "-_ ")


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    text = read_text(path, "accuracy table")  # a regular UTF-8 file within the size limit
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise HwcostError.single(f"not a CSV table ({exc})", file=path, line=reader.line_num) from None
    return list(reader.fieldnames or []), rows


def _header_problems(columns: list[str], file: str) -> list[Problem]:
    valid = ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
    if not set(columns) & set(REQUIRED_COLUMNS):  # not an accuracy table: its first line is not echoed
        return [Problem(f"not an accuracy table: line 1 names none of the required columns "
                        f"{', '.join(REQUIRED_COLUMNS)}", file, "header", 1)]
    out = [Problem(f"missing required column '{c}'", file, c, 1) for c in REQUIRED_COLUMNS if c not in columns]
    unknown = [c for c in columns if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    out += [Problem(f"unknown column '{_short(c)}'; valid columns: {valid}", file, _short(c), 1) for c in unknown]
    return out


def _short(text: str | None, limit: int = 40) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _row(raw: dict[str, str], line: int, file: str, problems: list[Problem]) -> TableRow | None:
    def bad(column: str, message: str) -> None:
        problems.append(Problem(message, file, column, line))

    before = len(problems)
    for column in ("scheme", "network", "dataset", "citation"):
        if not (raw.get(column) or "").strip():
            bad(column, "expected a non-empty value")
    bits = {}
    for column in ("weight_bits", "act_bits"):
        text = (raw.get(column) or "").strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 3) or not MIN_BITS <= int(text) <= MAX_BITS:
            bad(column, f"expected an integer {MIN_BITS}..{MAX_BITS}, got '{_short(text)}'")
        else:
            bits[column] = int(text)
    try:
        accuracy = float(raw.get("accuracy_pct") or "")
    except ValueError:
        accuracy = math.nan
    if not 0.0 <= accuracy <= 100.0:
        bad("accuracy_pct", f"expected a percentage 0..100, got '{_short(raw.get('accuracy_pct'))}'")
    if len(problems) > before:
        return None
    extra = tuple((c, (raw.get(c) or "").strip()) for c in OPTIONAL_COLUMNS if (raw.get(c) or "").strip())
    return TableRow(
        scheme=raw["scheme"].strip(),
        network=raw["network"].strip(),
        dataset=raw["dataset"].strip(),
        weight_bits=bits["weight_bits"],
        act_bits=bits["act_bits"],
        accuracy_pct=accuracy,
        citation=raw["citation"].strip(),
        extra=extra,
        line=line,
    )


def _row_key(row: TableRow) -> tuple[str, str, str, int, int]:
    return (row.scheme, normalise(row.network), normalise(row.dataset), row.weight_bits, row.act_bits)


def load_accuracy_table(path: str | Path, label: str | None = None) -> AccuracyTable:
    """Read and check an accuracy CSV; every problem is reported with its line and column."""
    path = Path(path)
    file = str(path)
    columns, raws = _read(path)
    problems = _header_problems(columns, file)
    if problems:
        raise HwcostError(problems)
    rows: list[TableRow] = []
    first_line: dict[tuple[str, str, str, int, int], int] = {}
    for i, raw in enumerate(raws):
        row = _row(raw, i + 2, file, problems)
        if row is None:
            continue
        key = _row_key(row)
        if key in first_line:
            problems.append(Problem(f"same scheme, network, dataset and bits as line {first_line[key]}", file, "scheme", row.line))
        first_line.setdefault(key, row.line)
        rows.append(row)
    if not rows and not problems:
        problems.append(Problem("the accuracy table has no rows", file))
    if problems:
        raise HwcostError(problems)
    return AccuracyTable(label=label or file, file=file, rows=tuple(rows))


def lookup(table: AccuracyTable, scheme: str, weight_bits: int, act_bits: int, workload: Workload) -> TableRow | None:
    """The table's row for this scheme and bits on this workload's network and dataset, if any."""
    key = (scheme, normalise(workload.name), normalise(workload.dataset), weight_bits, act_bits)
    return next((row for row in table.rows if _row_key(row) == key), None)
