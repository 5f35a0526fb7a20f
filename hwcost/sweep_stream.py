"""Sweeps too large to hold: ``sweep_to`` prices design points chunk by chunk into a CSV file.

A million design points give a frame of a few GB (one float per point and breakdown row); the
stream holds one chunk at a time instead. Pipeline:

1. take ``chunk_size`` points from the iterable (it may be a generator: the points need not
   exist all at once either);
2. price them with :func:`hwcost.evaluate.sweep` -- here (one cost cache for the stream: the
   prices of a scheme, library and memory system carry from chunk to chunk, the plans of the
   chunk's points are dropped with it), or on an ``executor`` (a process pool, or a Dask
   cluster through ``Client.get_executor()``), a few chunks in flight at once -- and keep the
   chunk's frame in a part file (pickled) in a temporary folder next to the output;
3. when every chunk is priced: write the CSV, one header (every column any chunk had, in order
   of first appearance) and the parts' rows in order, each given the columns it lacks -- 0 for
   numbers, empty for text, as :func:`~hwcost.evaluate.sweep` fills the columns of another
   template. Every row is formatted once, by the ``csv`` module (pandas' format: floats in
   their shortest repr);
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
import csv
import itertools
import os
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
    from hwcost.evaluate import CostCache, sweep

    if executor is None:
        cache = CostCache()  # prices, tables and datapaths carried from chunk to chunk
        for chunk in _chunks(points, size):
            yield sweep(chunk, cache)
            cache.forget_points()
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
    integer: frozenset[str]  # the numeric columns holding integers


def _write_part(frame: "pd.DataFrame", path: Path) -> _Part:
    """The chunk's frame as it is (pickled: our own file, read back once by this process), to be
    written as CSV once the columns of every chunk are known."""
    frame.to_pickle(path)
    return _Part(path, tuple(frame.columns), frozenset(frame.select_dtypes("number").columns),
                 frozenset(frame.select_dtypes("integer").columns))


def _union(parts: Sequence[_Part]) -> tuple[list[str], set[str]]:
    columns = list(dict.fromkeys(c for p in parts for c in p.columns))
    numeric = set().union(*(p.numeric for p in parts))
    return columns, numeric


def _append_part(out: TextIO, part: _Part, columns: list[str], numeric: set[str]) -> None:
    """The part's rows under the common header: a column the part lacks is 0 when it holds numbers
    elsewhere, else empty (as :func:`~hwcost.evaluate.sweep` fills another template's columns).
    Each cell as pandas' ``to_csv`` writes it: floats in their shortest repr, missing text empty,
    a field quoted when it holds a comma, quote or newline."""
    import pandas as pd

    frame = pd.read_pickle(part.path)
    n = len(frame)
    cells: list[list[object]] = []
    for c in columns:
        if c in frame.columns:
            values = frame[c].tolist()
            if c not in part.numeric:
                values = ["" if v is None or (isinstance(v, float) and v != v) else v for v in values]
        else:
            values = [0.0 if c in numeric else ""] * n
        cells.append(values)
    csv.writer(out, lineterminator="\n").writerows(zip(*cells))


def sweep_to(
    path: str | Path,
    points: Iterable["DesignPoint"],
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    executor: cf.Executor | None = None,
    in_flight: int = DEFAULT_IN_FLIGHT,
) -> StreamedSweep:
    """Price ``points`` (any iterable, e.g. a generator over a grid) ``chunk_size`` at a time
    and write one CSV row per point, in order, to ``path``; memory stays bounded by the chunk
    size. The columns are those of :func:`hwcost.sweep`. A ``path`` ending in ``.parquet`` is
    written as Parquet instead (with pyarrow: ``hwcost[parquet]``): one row group per chunk, the
    same rows and columns, each number exactly, and no text formatting (a million points' CSV
    costs more to format than to price). With ``executor`` (any
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
    parquet = target.suffix.lower() == ".parquet"
    if parquet:
        _pyarrow()  # refused before any point is priced
    with tempfile.TemporaryDirectory(prefix=f".{target.name}.", dir=target.parent) as tmp:
        parts: list[_Part] = []
        count = 0
        for i, frame in enumerate(_priced(points, chunk_size, executor, in_flight)):
            parts.append(_write_part(frame, Path(tmp) / f"part-{i:06d}.pkl"))
            count += len(frame)
        if not parts:
            raise HwcostError.single("a sweep needs at least one design point", key="points")
        columns, numeric = _union(parts)
        staged = Path(tmp) / ("all.parquet" if parquet else "all.csv")
        if parquet:
            _write_parquet(staged, parts, columns, numeric)
            os.replace(staged, target)
            return StreamedSweep(target, count, len(parts), tuple(columns))
        with open(staged, "w", encoding="utf-8", newline="\n") as out:
            out.write(",".join(_csv_field(c) for c in columns) + "\n")
            for part in parts:
                _append_part(out, part, columns, numeric)
                part.path.unlink()
            out.flush()
            os.fsync(out.fileno())
        os.replace(staged, target)
    return StreamedSweep(target, count, len(parts), tuple(columns))


def _pyarrow():  # noqa: ANN202 (the module, when installed)
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet
    except ImportError:
        raise HwcostError.single("writing Parquet needs pyarrow: pip install 'hwcost[parquet]' (or write a .csv)",
                                 key="path") from None
    return pyarrow


def _write_parquet(path: Path, parts: Sequence[_Part], columns: list[str], numeric: set[str]) -> None:
    """One Parquet file, one row group per part, under one schema: a column of numbers in every
    part that has it is 64-bit integers when every part holds integers, else doubles (0 where a
    part lacks it, as in the CSV); any other column is strings, each value as the CSV writes it
    (a CIM macro count is 108 on one design and 'auto' on another), null where a part lacks it or
    has no value."""
    import pandas as pd

    pa = _pyarrow()
    numbers = {c for c in numeric if all(c in p.numeric for p in parts if c in p.columns)}
    integer = {c for c in numbers if all(c in p.integer for p in parts)}
    schema = pa.schema([(c, (pa.int64() if c in integer else pa.float64()) if c in numbers else pa.string())
                        for c in columns])
    with pa.parquet.ParquetWriter(path, schema) as writer:
        for part in parts:
            frame = pd.read_pickle(part.path)
            arrays = []
            for c in columns:
                if c not in frame.columns:
                    values = [0.0 if c in numbers else None] * len(frame)
                elif c in numbers:
                    values = frame[c].to_numpy()
                else:
                    values = [None if v is None or (isinstance(v, float) and v != v) else str(v) for v in frame[c].tolist()]
                arrays.append(pa.array(values, type=schema.field(c).type))
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))


def _csv_field(text: str) -> str:
    """A header cell as pandas writes it (quoted when it holds a comma, quote or newline)."""
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text
