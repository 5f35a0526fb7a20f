"""Reading and checking user files (YAML) at the edge of the pipeline.

``read_yaml`` reads a regular file of at most :data:`MAX_FILE_BYTES`, loads it with a
``yaml.SafeLoader`` (:mod:`hwcost._yaml`: nesting, alias and duplicate-key checks) and remembers
the line of every key path, so that problems can point at the line. ``Checker`` collects *all*
problems of a file (unknown keys, wrong types, values out of range) and raises one
:class:`~hwcost.errors.HwcostError` at the end; a problem at a key the file lacks gets the line of
the nearest enclosing key, and a missing key names a close misspelling the file has. Loaders use
it to validate a dict before building frozen dataclasses, so the core never sees a dict.
"""

from __future__ import annotations

import difflib
import math
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hwcost._yaml import join_key, parent_key, parse_yaml
from hwcost.errors import HwcostError, Problem

__all__ = ["YamlDocument", "read_yaml", "read_text", "Checker", "join_key", "MAX_FILE_BYTES"]


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML file: its data and the 1-based line of every dotted key path."""

    data: Any
    file: str
    lines: Mapping[str, int] = field(default_factory=dict)


MAX_FILE_BYTES = 1 << 20
"""Largest input file hwcost reads (1 MiB; the shipped files are under 20 KB)."""


def read_text(path: str | Path, what: str = "file") -> str:
    """The UTF-8 text of a regular file of at most :data:`MAX_FILE_BYTES`; anything else (missing,
    a directory or device, too large, not UTF-8) is an HwcostError naming the file."""
    path = Path(path)
    a_what = f"{'an' if what[:1] in 'aeiou' else 'a'} {what}"
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise HwcostError.single(f"expected {a_what}, got a directory", file=path)
        if not stat.S_ISREG(info.st_mode):
            raise HwcostError.single(f"expected {a_what}, got a device, pipe or socket", file=path)
        if info.st_size > MAX_FILE_BYTES:
            raise _too_large(path, info.st_size)
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise HwcostError.single(f"{what} not found", file=path) from None
    except OSError as exc:
        raise HwcostError.single(f"cannot read the {what} ({exc.strerror or exc.__class__.__name__})", file=path) from None
    if len(raw) > MAX_FILE_BYTES:
        raise _too_large(path, len(raw))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise HwcostError.single(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})", file=path, line=line
        ) from None


def _too_large(path: Path, size: int) -> HwcostError:
    return HwcostError.single(
        f"the file is {size:,} bytes or more; the limit is {MAX_FILE_BYTES:,} bytes (file-size limit)", file=path
    )


def read_yaml(path: str | Path) -> YamlDocument:
    """Load ``path`` with a ``yaml.SafeLoader`` within the limits of :mod:`hwcost._yaml` (file size,
    nesting depth, alias expansion, duplicate keys); any problem is an HwcostError."""
    text = read_text(path)
    parsed = parse_yaml(text, str(path))
    return YamlDocument(data=parsed.data, file=str(path), lines=parsed.lines)


class Checker:
    """Collects problems of one document; ``raise_if_any`` raises them together.

    Each getter returns the checked value, or ``None`` after recording a problem, so a loader can
    go on and report everything that is wrong in one pass.
    """

    def __init__(self, file: str | Path | None = None, lines: Mapping[str, int] | None = None):
        self.file = None if file is None else str(file)
        self.lines: Mapping[str, int] = lines if lines is not None else {}
        self.problems: list[Problem] = []
        self._seen: set[Problem] = set()

    @classmethod
    def for_document(cls, doc: YamlDocument) -> "Checker":
        return cls(doc.file, doc.lines)

    def error(self, key: str, message: str) -> None:
        """Record a problem at ``key`` (the same problem twice is recorded once)."""
        problem = Problem(message, self.file, key or None, self.line_of(key))
        if problem not in self._seen:
            self._seen.add(problem)
            self.problems.append(problem)

    def line_of(self, key: str) -> int | None:
        """The line of ``key``, else of the nearest enclosing key the file has (a missing key:
        the mapping that lacks it)."""
        if not self.lines:
            return None
        path = key or ""
        while (line := self.lines.get(path)) is None and path:
            path = parent_key(path)
        return line

    def raise_if_any(self) -> None:
        if self.problems:
            raise HwcostError(self.problems)

    # --- structure -------------------------------------------------------------------------

    def mapping(self, value: Any, key: str) -> Mapping[str, Any] | None:
        if not isinstance(value, Mapping):
            self._wrong(key, value, "expected a mapping (key: value pairs)")
            return None
        return value

    def sequence(self, value: Any, key: str) -> list[Any] | None:
        if not isinstance(value, list):
            self._wrong(key, value, "expected a list")
            return None
        return value

    def keys(
        self,
        mapping: Mapping[str, Any],
        key: str,
        required: Iterable[str] = (),
        optional: Iterable[str] = (),
    ) -> bool:
        """Check that ``mapping`` has every required key and no unknown key; True when clean."""
        required, optional = list(required), list(optional)
        allowed = required + optional
        unknown = [str(name) for name in mapping if name not in allowed]
        ok = True
        for name in required:
            if name not in mapping:
                self.error(key, f"missing required key '{name}'{self.misspelt(key, name, unknown)}")
                ok = False
        for name in unknown:
            valid = ", ".join(sorted(allowed)) or "(none)"
            guess = difflib.get_close_matches(name, allowed, n=1, cutoff=0.75)
            hint = f"; did you mean '{guess[0]}'?" if guess else ""
            self.error(join_key(key, name), f"unknown key '{_short(name)}'; valid keys: {valid}{hint}")
            ok = False
        return ok

    def misspelt(self, key: str, name: str, candidates: Iterable[str]) -> str:
        """' (found 'modelz' at line 12: misspelt?)' when a key close to ``name`` is there."""
        guess = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.75)
        if not guess:
            return ""
        line = self.line_of(join_key(key, guess[0]))
        where = f" at line {line}" if line is not None else ""
        return f" (found '{_short(guess[0])}'{where}: misspelt?)"

    def _absent(self, key: str) -> bool:
        """True when the file has the mapping that should hold ``key`` but not the key itself."""
        parent = parent_key(key)
        leaf = key[len(parent) + 1:] if parent else key
        return bool(self.lines) and bool(key) and not leaf.endswith("]") and key not in self.lines \
            and parent in self.lines

    def _wrong(self, key: str, value: Any, expected: str, sep: str = ", ") -> None:
        """``expected ..., got <value>``; a key the file lacks is reported as missing, naming a
        close misspelling of it if the file has one."""
        if value is None and self._absent(key):
            parent = parent_key(key)
            leaf = key[len(parent) + 1:] if parent else key
            siblings = [p[len(parent) + 1:] if parent else p for p in self.lines if p and parent_key(p) == parent]
            self.error(key, f"missing required key '{leaf}' ({expected}){self.misspelt(parent, leaf, siblings)}")
        else:
            self.error(key, f"{expected}{sep}got {_describe(value)}")

    # --- scalars ----------------------------------------------------------------------------

    def number(
        self,
        value: Any,
        key: str,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        exclusive_minimum: bool = False,
        integer: bool = False,
    ) -> float | int | None:
        """A finite number (``integer=True``: a whole number) inside the given range."""
        kind = "an integer" if integer else "a number"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self._wrong(key, value, f"expected {kind}")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.error(key, f"expected a finite number, got {value}")
            return None
        if isinstance(value, int) and not integer and abs(value) > _MAX_EXACT_FLOAT:
            self.error(key, f"expected a number of at most {_MAX_EXACT_FLOAT:g} in size, got {_number(value)}")
            return None
        if integer and value != int(value):
            self.error(key, f"expected an integer, got {value}")
            return None
        if minimum is not None and (value <= minimum if exclusive_minimum else value < minimum):
            op = ">" if exclusive_minimum else ">="
            self.error(key, f"expected {kind} {op} {_number(minimum)}, got {_number(value)}")
            return None
        if maximum is not None and value > maximum:
            self.error(key, f"expected {kind} <= {_number(maximum)}, got {_number(value)}")
            return None
        return int(value) if integer else float(value)

    def string(self, value: Any, key: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self._wrong(key, value, "expected a non-empty string")
            return None
        return value

    def choice(self, value: Any, key: str, choices: Iterable[str]) -> str | None:
        choices = list(choices)
        if not isinstance(value, str) or value not in choices:
            self._wrong(key, value, f"expected one of {', '.join(choices)}", sep="; ")
            return None
        return value

    def boolean(self, value: Any, key: str) -> bool | None:
        if not isinstance(value, bool):
            self._wrong(key, value, "expected true or false")
            return None
        return value


_MAX_EXACT_FLOAT = 2.0**53  # integers beyond this are not exact as floats


def _short(text: str, limit: int = 60) -> str:
    """``text`` on one line, cut to ``limit`` characters (a message never echoes a whole file)."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _number(value: int | float) -> str:
    """A number for a message: ``12``, ``0.5``, ``1e+300``, ``a 400-digit integer``."""
    if isinstance(value, int) and abs(value) >= 10**16:
        return f"a {len(str(abs(value)))}-digit integer"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e7:
        return str(int(value))
    return f"{value:g}" if isinstance(value, float) else str(value)


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"string '{_short(value)}'"
    if isinstance(value, (int, float)):
        return f"number {_number(value)}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__
