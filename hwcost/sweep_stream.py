"""Sweeps too large to hold: ``sweep_to`` prices design points chunk by chunk into a CSV file.

A million design points give a frame of a few GB (one float per point and breakdown row); the
stream holds one chunk at a time instead. Pipeline:

1. take ``chunk_size`` points from the iterable (it may be a generator: the points need not
   exist all at once either);
2. price them with :func:`hwcost.evaluate.sweep` (a cost cache of its own per chunk, dropped
   with the chunk) -- here, or on an ``executor`` (a process pool, or a Dask cluster through
   ``Client.get_executor()``), a few chunks in flight at once -- and append the rows, in the
   points' order, to a part file in a temporary folder next to the output;
3. when every chunk is priced: write the CSV, one header (every column any chunk had, in order
   of first appearance) and the parts' rows in order. A part with every column is copied as
   text; the others are read back and given the columns they lack -- 0 for numbers, empty for
   text, as :func:`~hwcost.evaluate.sweep` fills the columns of another template;
4. rename the file into place: a reader never sees a half-written file, and a refused point
   (an :class:`~hwcost.errors.HwcostError` from any chunk) leaves no output.

Memory: one chunk's points, costs and frame, then one part at a time (``chunk_size`` bounds
it). Values are those of one :func:`~hwcost.evaluate.sweep` of all the points (floats are
written with the shortest repr that reads back to the same number); an integer column a later
chunk's template lacks is written as integers in the parts that have it.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import itertools
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from hwcost.errors import HwcostError

if TYPE_CHECKING:
    import pandas as pd

    from hwcost.design_point import DesignPoint

__all__ = ["StreamedSweep", "sweep_to", "DEFAULT_CHUNK_SIZE"]

# Points per chunk. At ~100 columns of 8 bytes a chunk's frame is ~8 MB; the cost model's
# per-chunk arrays (points x layers x count kinds, ResNet-18: 21 layers) are of the same order.
DEFAULT_CHUNK_SIZE = 10_000
# Chunks submitted to an executor and not yet written, at most (memory: this many chunks).
DEFAULT_IN_FLIGHT = 4


@dataclass(frozen=True)
class StreamedSweep:
    """What :func:`sweep_to` wrote: the file, its point (row) count, the chunks priced and the
    columns of its header."""

    path: Path
    points: int
    chunks: int
    columns: tuple[str, ...]


def _chunks(points: Iterable["DesignPoint"], size: int) -> Iterator[list["DesignPoint"]]:
    it = iter(points)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def _priced(points: Iterable["DesignPoint"], size: int, executor: cf.Executor | None, in_flight: int) -> Iterator["pd.DataFrame"]:
    """Each chunk's sweep, in order: here, or on ``executor`` with at most ``in_flight`` chunks
    submitted and not yet returned (a refusal cancels the others and propagates)."""
    from hwcost.evaluate import sweep

    if executor is None:
        yield from (sweep(chunk) for chunk in _chunks(points, size))
        return
    pending: collections.deque[cf.Future] = collections.deque()
    try:
        for chunk in _chunks(points, size):
            pending.append(executor.submit(sweep, chunk))
            if len(pending) >= in_flight:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()


@dataclass(frozen=True)
class _Part:
    path: Path
    columns: tuple[str, ...]
    numeric: frozenset[str]


def _write_part(frame: "pd.DataFrame", path: Path) -> _Part:
    frame.to_csv(path, index=False, lineterminator="\n")
    return _Part(path, tuple(frame.columns), frozenset(frame.select_dtypes("number").columns))


def _union(parts: Sequence[_Part]) -> tuple[list[str], set[str]]:
    columns = list(dict.fromkeys(c for p in parts for c in p.columns))
    numeric = set().union(*(p.numeric for p in parts))
    return columns, numeric


def _append_part(out: TextIO, part: _Part, columns: list[str], numeric: set[str]) -> None:
    """The part's rows under the common header: copied as text when it has every column in the
    same order, else read back (floats exactly) and completed."""
    import pandas as pd

    if list(part.columns) == columns:
        with open(part.path, encoding="utf-8") as f:
            next(f)  # its header
            shutil.copyfileobj(f, out)
        return
    # floats read back exactly: pandas 3's default parser round-trips, pandas 2 needs round_trip
    exact = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
    frame = pd.read_csv(part.path, keep_default_na=False, na_values=[""], dtype={c: str for c in part.columns if c not in part.numeric},
                        **exact)
    zeros = {c: 0.0 for c in columns if c not in frame.columns and c in numeric}  # a missing text column stays empty
    frame = frame.reindex(columns=columns)
    if zeros:
        frame = frame.fillna(zeros)
    frame.to_csv(out, index=False, header=False, lineterminator="\n")


def sweep_to(
    path: str | Path,
    points: Iterable["DesignPoint"],
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    executor: cf.Executor | None = None,
    in_flight: int = DEFAULT_IN_FLIGHT,
) -> StreamedSweep:
    """Price ``points`` (any iterable, e.g. a generator over a grid) ``chunk_size`` at a time
    and write one CSV row per point, in order, to ``path``; memory stays bounded by the chunk
    size. The columns are those of :func:`hwcost.sweep`. With ``executor`` (any
    ``concurrent.futures.Executor``: a ``ProcessPoolExecutor``, or a Dask cluster's
    ``Client.get_executor()``) the chunks are priced there, ``in_flight`` at a time; the file is
    the same byte for byte.

    >>> import hwcost, tempfile, os
    >>> grid = (hwcost.design_point(s, b) for s in ("lsq", "pact") for b in (4, 8))
    >>> out = hwcost.sweep_to(os.path.join(tempfile.mkdtemp(), "sweep.csv"), grid, chunk_size=3)
    >>> out.points, out.chunks, out.columns[:3]
    (4, 2, ('scheme', 'weight_bits', 'act_bits'))
    """
    for name, value in (("chunk_size", chunk_size), ("in_flight", in_flight)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise HwcostError.single(f"expected a whole number >= 1, got {value!r}", key=name)
    target = Path(path)
    if target.is_dir():
        raise HwcostError.single("is a folder; expected a CSV file name", file=target)
    if not target.parent.is_dir():
        raise HwcostError.single("the folder to write in does not exist", file=target)
    with tempfile.TemporaryDirectory(prefix=f".{target.name}.", dir=target.parent) as tmp:
        parts: list[_Part] = []
        count = 0
        for i, frame in enumerate(_priced(points, chunk_size, executor, in_flight)):
            parts.append(_write_part(frame, Path(tmp) / f"part-{i:06d}.csv"))
            count += len(frame)
        if not parts:
            raise HwcostError.single("a sweep needs at least one design point", key="points")
        columns, numeric = _union(parts)
        staged = Path(tmp) / "all.csv"
        with open(staged, "w", encoding="utf-8", newline="\n") as out:
            out.write(",".join(_csv_field(c) for c in columns) + "\n")
            for part in parts:
                _append_part(out, part, columns, numeric)
                part.path.unlink()
            out.flush()
            os.fsync(out.fileno())
        os.replace(staged, target)
    return StreamedSweep(target, count, len(parts), tuple(columns))


def _csv_field(text: str) -> str:
    """A header cell as pandas writes it (quoted when it holds a comma, quote or newline)."""
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text
