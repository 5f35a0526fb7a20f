"""Reading and checking user files (YAML) at the edge of the pipeline.

``read_yaml`` loads a file with ``yaml.safe_load`` and remembers the line of every key path, so
that problems can point at the line. ``Checker`` collects *all* problems of a file (unknown keys,
wrong types, values out of range) and raises one :class:`~hwcost.errors.HwcostError` at the end;
loaders use it to validate a dict before building frozen dataclasses, so the core never sees a
dict.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hwcost.errors import HwcostError, Problem

__all__ = ["YamlDocument", "read_yaml", "Checker", "join_key"]


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML file: its data and the 1-based line of every dotted key path."""

    data: Any
    file: str
    lines: Mapping[str, int] = field(default_factory=dict)


def join_key(prefix: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else str(key)


def _key_lines(node: yaml.Node, prefix: str, out: dict[str, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = join_key(prefix, str(key_node.value))
            out[path] = key_node.start_mark.line + 1
            _key_lines(value_node, path, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            path = join_key(prefix, i)
            out[path] = item.start_mark.line + 1
            _key_lines(item, path, out)


class _LazyLines(Mapping[str, int]):
    """Key path -> line, computed on first use: only a file with a problem needs it."""

    def __init__(self, text: str):
        self._text = text
        self._lines: dict[str, int] | None = None

    def _get(self) -> dict[str, int]:
        if self._lines is None:
            self._lines = {}
            node = yaml.compose(self._text, Loader=yaml.SafeLoader)
            if node is not None:
                _key_lines(node, "", self._lines)
        return self._lines

    def __getitem__(self, key: str) -> int:
        return self._get()[key]

    def __iter__(self):  # noqa: ANN204 - Mapping protocol
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


def read_yaml(path: str | Path) -> YamlDocument:
    """Load ``path`` with ``yaml.safe_load``; a missing file or a syntax error is an HwcostError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HwcostError.single("file not found", file=path) from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise HwcostError.single(f"cannot read file ({exc.__class__.__name__})", file=path) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = None if mark is None else mark.line + 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise HwcostError.single(f"YAML syntax error: {problem}", file=path, line=line) from None
    return YamlDocument(data=data, file=str(path), lines=_LazyLines(text))


class Checker:
    """Collects problems of one document; ``raise_if_any`` raises them together.

    Each getter returns the checked value, or ``None`` after recording a problem, so a loader can
    go on and report everything that is wrong in one pass.
    """

    def __init__(self, file: str | Path | None = None, lines: Mapping[str, int] | None = None):
        self.file = None if file is None else str(file)
        self.lines: Mapping[str, int] = lines if lines is not None else {}
        self.problems: list[Problem] = []

    @classmethod
    def for_document(cls, doc: YamlDocument) -> "Checker":
        return cls(doc.file, doc.lines)

    def error(self, key: str, message: str) -> None:
        self.problems.append(Problem(message, self.file, key or None, self.lines.get(key)))

    def raise_if_any(self) -> None:
        if self.problems:
            raise HwcostError(self.problems)

    # --- structure -------------------------------------------------------------------------

    def mapping(self, value: Any, key: str) -> Mapping[str, Any] | None:
        if not isinstance(value, Mapping):
            self.error(key, f"expected a mapping (key: value pairs), got {_describe(value)}")
            return None
        return value

    def sequence(self, value: Any, key: str) -> list[Any] | None:
        if not isinstance(value, list):
            self.error(key, f"expected a list, got {_describe(value)}")
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
        ok = True
        for name in required:
            if name not in mapping:
                self.error(key, f"missing required key '{name}'")
                ok = False
        for name in mapping:
            if name not in allowed:
                valid = ", ".join(sorted(allowed)) or "(none)"
                self.error(join_key(key, str(name)), f"unknown key '{name}'; valid keys: {valid}")
                ok = False
        return ok

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
            self.error(key, f"expected {kind}, got {_describe(value)}")
            return None
        if not math.isfinite(value):
            self.error(key, f"expected a finite number, got {value}")
            return None
        if integer and value != int(value):
            self.error(key, f"expected an integer, got {value}")
            return None
        if minimum is not None and (value <= minimum if exclusive_minimum else value < minimum):
            op = ">" if exclusive_minimum else ">="
            self.error(key, f"expected {kind} {op} {minimum:g}, got {value:g}")
            return None
        if maximum is not None and value > maximum:
            self.error(key, f"expected {kind} <= {maximum:g}, got {value:g}")
            return None
        return int(value) if integer else float(value)

    def string(self, value: Any, key: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.error(key, f"expected a non-empty string, got {_describe(value)}")
            return None
        return value

    def choice(self, value: Any, key: str, choices: Iterable[str]) -> str | None:
        choices = list(choices)
        if not isinstance(value, str) or value not in choices:
            self.error(key, f"expected one of {', '.join(choices)}; got {_describe(value)}")
            return None
        return value

    def boolean(self, value: Any, key: str) -> bool | None:
        if not isinstance(value, bool):
            self.error(key, f"expected true or false, got {_describe(value)}")
            return None
        return value


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"string '{value}'"
    if isinstance(value, (int, float)):
        return f"number {value}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__
