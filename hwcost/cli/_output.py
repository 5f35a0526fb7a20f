"""Printing results: aligned text tables, JSON and CSV, shared by every sub-command.

A number that is not finite (inf, nan) is never printed: every printer checks its numbers first
and raises an :class:`~hwcost.errors.HwcostError` naming the field instead.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from hwcost.errors import HwcostError, Problem

__all__ = ["format_table", "to_json", "to_csv", "finite_or_error", "write_figures", "FORMATS"]

FORMATS = ("table", "json", "csv")


def _cell(value: Any) -> str:
    if isinstance(value, float):
        if value == 0:
            return "0"
        magnitude = abs(value)
        if magnitude >= 1e6 or magnitude < 1e-3:
            return f"{value:.4g}"
        if magnitude >= 100:
            return f"{value:,.1f}"
        return f"{value:.4g}"
    return str(value)


_NON_FINITE_TEXT = re.compile(r"[-+]?(inf|infinity|nan)(\s.*)?", re.I)


def _not_finite(value: Any, path: str) -> Iterator[tuple[str, float]]:
    """(path, value) of every number in ``value`` that is not finite."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _not_finite(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            label = item.get("unit", item.get("name", i)) if isinstance(item, Mapping) else i  # a breakdown row
            yield from _not_finite(item, f"{path}[{label}]")
    elif isinstance(value, (float, int)) and not isinstance(value, bool):
        if not math.isfinite(value):
            yield path, float(value)
    elif hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "fc":  # numpy scalars and arrays
        import numpy as np

        array = np.asarray(value, dtype=float)
        if not np.isfinite(array).all():
            yield path, float(array[~np.isfinite(array)].flat[0])


def finite_or_error(value: Any, inputs: str = "") -> None:
    """Raise an HwcostError naming each number of ``value`` that is not finite (and the inputs
    that produced it); nothing is printed."""
    bad = list(_not_finite(value, ""))
    if bad:
        where = f" for {inputs}" if inputs else ""
        raise HwcostError([Problem(f"the result is not a finite number ({v}){where}; nothing printed", key=path or None)
                           for path, v in bad[:10]])


def format_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None, align: str | None = None
) -> str:
    """An aligned plain-text table; numbers right-aligned, text left-aligned.

    ``align`` ("l"/"r" per column) overrides the guess, e.g. for pre-formatted numbers.
    """
    finite_or_error({h: [row[i] for row in rows if i < len(row)] for i, h in enumerate(headers)})
    cells = [[_cell(v) for v in row] for row in rows]
    for row in cells:  # numbers formatted by the caller: '{x:.1f}' of an overflow is 'inf'
        bad = next((c for c in row if _NON_FINITE_TEXT.fullmatch(c.strip())), None)
        if bad is not None:
            raise HwcostError.single(f"a result in the table is not a finite number ({bad.strip()}); nothing printed",
                                     key=str(row[0]))
    if align is not None:
        numeric = [a == "r" for a in align]
    else:
        numeric = [
            all(isinstance(row[i], (int, float)) and not isinstance(row[i], bool) for row in rows) and bool(rows)
            for i in range(len(headers))
        ]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)]
        return "  ".join(parts).rstrip()

    out = []
    if title:
        out.append(title)
    out.append(line(list(headers)))
    out.append("  ".join("-" * w for w in widths))
    out.extend(line(r) for r in cells)
    return "\n".join(out)


def to_json(obj: Any) -> str:
    finite_or_error(obj)
    import json  # here: a table needs neither json nor csv (start-up, issue 20)

    return json.dumps(obj, indent=2, sort_keys=False, default=_json_default, allow_nan=False)


def _json_default(value: Any) -> Any:
    try:
        import numpy as np

        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return value.tolist()
    except ImportError:  # pragma: no cover - numpy is a core dependency
        pass
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_csv(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    finite_or_error({h: [row[i] for row in rows if i < len(row)] for i, h in enumerate(headers)})
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue()


def write_figures(save: Callable[[Path], object], folder: Path, flag: str = "--plot") -> None:
    """Run ``save(folder)`` (which writes figures there), or say in one line why the folder cannot
    hold them: a file of that name, a missing permission."""
    if folder.exists() and not folder.is_dir():
        raise HwcostError.single(f"{folder} exists and is not a folder", key=flag)
    try:
        save(folder)
    except OSError as exc:
        raise HwcostError.single(f"cannot write figures in {folder}: {exc.strerror or exc}", key=flag) from None
