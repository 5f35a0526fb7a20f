"""The results journal: an append-only JSON-lines file that makes a study resumable.

Each finished piece of work (the cost rows of a sweep, one accuracy measurement) is one line,
keyed by a hash of everything it depends on, written with a single ``write`` and ``fsync``-ed
before the run moves on. A run killed at any moment leaves whole lines, plus at most one torn
last line; opening the journal again drops the torn line (truncating the file), keeps every
whole one, and the run computes only keys it does not hold. A lock file keeps two runs from
writing one folder at the same time.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from types import TracebackType
from typing import Any

from hwcost.errors import HwcostError

__all__ = ["Journal", "JOURNAL_NAME", "FORMAT"]

JOURNAL_NAME = "journal.jsonl"
FORMAT = 1

# The folder locks this process holds. A worker forked while one is held (the study's process
# pool) closes its copy of the descriptor: an flock belongs to the open file, which stays locked
# while any copy is open, so a worker outliving a killed run would keep its folder locked.
_HELD_LOCKS: set[int] = set()


def _close_held_locks_in_child() -> None:
    for fd in _HELD_LOCKS:
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD_LOCKS.clear()


os.register_at_fork(after_in_child=_close_held_locks_in_child)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _whole_lines(data: bytes) -> tuple[list[dict[str, Any]], int]:
    """Records of the leading run of complete, valid lines, and the byte length they take."""
    records, end = [], 0
    while True:
        newline = data.find(b"\n", end)
        if newline < 0:
            return records, end
        try:
            record = json.loads(data[end:newline])
        except ValueError:
            return records, end
        if not isinstance(record, dict) or "kind" not in record:
            return records, end
        records.append(record)
        end = newline + 1


class Journal:
    """Open with ``with Journal(folder, header) as j:``; ``j.get(kind, key)``, ``j.append(...)``.

    ``header`` identifies the writer (format and hwcost version); a journal written by another
    format or version is refused, since its costs may no longer match this code.
    """

    def __init__(self, folder: Path, header: dict[str, Any], current: dict[str, str] | None = None):
        self.folder = Path(folder)
        self.path = self.folder / JOURNAL_NAME
        self.header = {"kind": "header", "format": FORMAT, **header}
        # kind -> the "model" a record of that kind must carry to count (cost-derived records of
        # another cost model are ignored: hwcost/study/fingerprint.py); appended records get it
        self.current = dict(current or {})
        self.ignored = 0  # records read but ignored as written by another cost model
        self._index: dict[tuple[str, str], tuple[dict[str, Any], int | None]] = {}
        self._fd: int | None = None
        self._lock: int | None = None

    # --- opening ------------------------------------------------------------------------------

    def __enter__(self) -> "Journal":
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = os.open(self.folder / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock)
            self._lock = None
            raise HwcostError.single("another 'hwcost study run' is writing this folder", file=self.folder) from None
        _HELD_LOCKS.add(self._lock)
        new = not self.path.exists()
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        if new:
            _fsync_dir(self.folder)
        self._load()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        _HELD_LOCKS.discard(self._lock)  # type: ignore[arg-type]
        for fd in (self._fd, self._lock):
            if fd is not None:
                os.close(fd)  # closing releases the flock
        self._fd = self._lock = None

    def _load(self) -> None:
        assert self._fd is not None
        data = self.path.read_bytes()
        records, end = _whole_lines(data)
        if end < len(data):  # a torn or corrupt tail: keep what precedes it
            os.ftruncate(self._fd, end)
            os.fsync(self._fd)
        if not records:
            self.append(self.header)
            return
        self._index_records(records)

    def _index_records(self, records: list[dict[str, Any]]) -> None:
        """Check the header record and index the others (:meth:`_remember`)."""
        first = records[0]
        if first.get("kind") != "header" or first.get("format") != FORMAT or first.get("hwcost") != self.header.get("hwcost"):
            raise HwcostError.single(
                f"the journal was written by another hwcost version or format ({first.get('hwcost')}); "
                "use a new --out folder",
                file=self.path,
            )
        for record in records[1:]:
            self._remember(record)

    @classmethod
    def read_only(cls, folder: Path, header: dict[str, Any], current: dict[str, str] | None = None) -> "Journal":
        """The folder's journal indexed as opening it would, without opening it: no lock, no
        truncation of a torn tail, no header written, no folder made (``hwcost study run
        --dry-run``). An empty index when there is no journal; :meth:`append` is refused."""
        journal = cls(folder, header, current)
        if journal.path.is_file():
            records, _ = _whole_lines(journal.path.read_bytes())
            if records:
                journal._index_records(records)
        return journal

    # --- reading and writing ------------------------------------------------------------------

    def _remember(self, record: dict[str, Any]) -> None:
        """Index a record: a single one by its ``key``, a batch (``keys``, ``columns``, ``rows``)
        row by row. The first record of a key wins, so a key is never counted twice; a record of a
        kind in ``current`` written by another model is not indexed."""
        model = self.current.get(record["kind"])
        if model is not None and record.get("model") != model:
            self.ignored += 1
            return
        if "keys" in record:
            for i, key in enumerate(record["keys"]):
                self._index.setdefault((record["kind"], key), (record, i))
        else:
            self._index.setdefault((record["kind"], record["key"]), (record, None))

    def has(self, kind: str, key: str) -> bool:
        return (kind, key) in self._index

    def get(self, kind: str, key: str) -> dict[str, Any]:
        """The record of ``key``; for a batch, its row as a mapping column -> value."""
        record, i = self._index[(kind, key)]
        return record if i is None else dict(zip(record["columns"], record["rows"][i]))

    def append(self, record: dict[str, Any]) -> None:
        """Write one record as one line and make it durable before returning."""
        assert self._fd is not None, "journal not open"
        if record["kind"] in self.current:
            record = {**record, "model": self.current[record["kind"]]}
        data = (json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n").encode()
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        os.fsync(self._fd)
        if record["kind"] != "header":
            self._remember(record)
