"""Every key of a template's configuration, read from its code: type, range or choices, default
and source.

Nothing here is a second list of keys. A key is a field of the template's configuration
dataclass; its type comes from the field's annotation (an ``Enum`` gives the choices), its range
from the ranges its validator checks (``MemorySystem.INT_KEYS`` / ``FLOAT_KEYS`` and the config
module's ``_INT_KEYS`` / ``_FLOAT_KEYS``; a module constant ``<KEY>_MAX`` bounds an optional
count), its default from the template's ``defaults``, and its source from the comment written
next to the field (the lines above it and the end of its line). A key without a comment of its
own takes its enum's docstring, or the comment of the field on the line just above it when both
have the same type (``pe_rows: int = 16`` over ``pe_cols: int = 16``).

These descriptions generate the ``hwcost evaluate`` arch flags and ``docs/arch-reference.md``.

    >>> from hwcost.arch.registry import template_named
    >>> key = next(k for k in template_keys(template_named("mac_array")) if k.name == "pe_rows")
    >>> key.flag, key.kind.value, key.default, (key.minimum, key.maximum)
    ('--pe-rows', 'integer', 16, (1, 4096))
"""

from __future__ import annotations

import ast
import inspect
import io
import sys
import textwrap
import tokenize
import typing
from dataclasses import dataclass, fields
from enum import Enum
from functools import cache
from types import UnionType
from typing import Any

from hwcost._config import Checker

__all__ = ["KeyKind", "ArchKey", "template_keys", "NOT_KEYS"]

# Fields of a configuration that are not command-line keys: the name (a label) and pinned costs
# (a mapping of units, written in an arch file).
NOT_KEYS = ("name", "pinned")
# Words a validator may accept for an optional key left at None (probed, see _none_word).
_NONE_WORDS = ("auto", "all")


class KeyKind(Enum):
    INTEGER = "integer"
    NUMBER = "number"
    CHOICE = "choice"
    BOOLEAN = "boolean"
    TEXT = "text"


@dataclass(frozen=True)
class ArchKey:
    """One key of one template: what it takes, its default and where that default comes from."""

    template: str
    name: str
    kind: KeyKind
    default: Any  # as a file writes it: an enum's value, the none word, a number
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    none_word: str | None = None  # the word for "not set" (auto, all) when the key may be None
    source: str = ""  # the comment next to the key in the configuration code

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def values(self) -> str:
        """What the key takes, in words: ``integer 1..4096``, ``one of a, b``, ``auto or integer 1..1000000``."""
        if self.kind is KeyKind.CHOICE:
            text = "one of " + ", ".join(self.choices)
        elif self.kind is KeyKind.BOOLEAN:
            text = "true or false"
        else:
            text = self.kind.value
            if self.minimum is not None or self.maximum is not None:
                lo = "" if self.minimum is None else _number(self.minimum)
                hi = "" if self.maximum is None else _number(self.maximum)
                text += f" {lo}..{hi}"
        if self.none_word is not None:
            text = f"{self.none_word} or {text}"
        elif self.default is None:
            text += " (optional)"
        return text


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def template_keys(template: Any) -> tuple[ArchKey, ...]:
    """The keys of ``template`` (a registered template), in the order of its configuration."""
    return _keys(template)


@cache
def _keys(template: Any) -> tuple[ArchKey, ...]:
    cls = type(template.defaults)
    hints = typing.get_type_hints(cls)
    ranges = _ranges(cls)
    out = []
    previous: tuple[Any, str] | None = None
    comments = _comments(cls)
    for f in fields(cls):
        if not f.compare or f.name in NOT_KEYS:
            continue
        annotation = hints[f.name]
        base, optional = _base(annotation)
        default = getattr(template.defaults, f.name)
        source, adjacent = comments.get(f.name, ("", False))
        if not source and isinstance(base, type) and issubclass(base, Enum):
            source = _first_paragraph(base.__doc__ or "")
        if not source and adjacent and previous is not None and previous[0] == annotation:
            source = previous[1]
        previous = (annotation, source)
        lo, hi = ranges.get(f.name, (None, None))
        if (lo, hi) == (None, None) and optional and base is int:
            bound = getattr(sys.modules[cls.__module__], f"{f.name.upper()}_MAX", None)
            lo, hi = (1, bound) if bound is not None else (None, None)
        none_word = _none_word(template, f.name) if optional else None
        out.append(ArchKey(
            template=template.name, name=f.name, kind=_kind(base), minimum=lo, maximum=hi,
            choices=tuple(m.value for m in base) if _kind(base) is KeyKind.CHOICE else (),
            default=_plain(default, none_word), none_word=none_word, source=source,
        ))
    return tuple(out)


def _base(annotation: Any) -> tuple[Any, bool]:
    """(the type, whether None is allowed) of ``X`` or ``X | None``."""
    if isinstance(annotation, UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return (args[0] if len(args) == 1 else str), True
    return annotation, False


def _kind(base: Any) -> KeyKind:
    if isinstance(base, type) and issubclass(base, Enum):
        return KeyKind.CHOICE
    if base is bool:
        return KeyKind.BOOLEAN
    if base is int:
        return KeyKind.INTEGER
    if base is float:
        return KeyKind.NUMBER
    return KeyKind.TEXT


def _plain(value: Any, none_word: str | None) -> Any:
    if value is None:
        return none_word
    if isinstance(value, bool):
        return str(value).lower()  # as YAML writes it
    return value.value if isinstance(value, Enum) else value


def _ranges(cls: type) -> dict[str, tuple[float, float]]:
    """The ranges the validators check: each class's ``INT_KEYS`` / ``FLOAT_KEYS`` and its
    module's ``_INT_KEYS`` / ``_FLOAT_KEYS``, the most derived winning."""
    out: dict[str, tuple[float, float]] = {}
    for klass in reversed(cls.__mro__):
        module = sys.modules.get(klass.__module__)
        for table in (vars(klass).get("INT_KEYS"), vars(klass).get("FLOAT_KEYS"),
                      getattr(module, "_INT_KEYS", None) if klass is cls else None,
                      getattr(module, "_FLOAT_KEYS", None) if klass is cls else None):
            if isinstance(table, dict):
                out.update(table)
    return out


def _none_word(template: Any, key: str) -> str | None:
    """The word the validator accepts for "not set" (auto, all), found by asking it."""
    for word in _NONE_WORDS:
        check = Checker()
        built = template.from_mapping({"template": template.name, key: word}, check)
        if built is not None and getattr(built, key) is None:
            return word
    return None


def _first_paragraph(doc: str) -> str:
    return " ".join(inspect.cleandoc(doc).split("\n\n")[0].split())


def _comments(cls: type) -> dict[str, tuple[str, bool]]:
    """field -> (its comment, whether its line directly follows the field above it), from the
    source of the class that declares it (a subclass's redeclaration wins)."""
    out: dict[str, tuple[str, bool]] = {}
    for klass in reversed(cls.__mro__):
        if "__annotations__" not in vars(klass) or klass.__module__ == "builtins":
            continue
        try:
            source = textwrap.dedent(inspect.getsource(klass))
        except (OSError, TypeError):  # defined where no source is kept (an interactive session)
            continue
        out.update(_class_comments(source))
    return out


def _class_comments(source: str) -> dict[str, tuple[str, bool]]:
    comments: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string.lstrip("#").strip()
    lines = source.splitlines()
    body = ast.parse(source).body[0].body  # type: ignore[attr-defined]
    out: dict[str, tuple[str, bool]] = {}
    end_before = 0
    for stmt in body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            above: list[str] = []
            line = stmt.lineno - 1
            while line > end_before and line in comments and lines[line - 1].strip().startswith("#"):
                above.insert(0, comments[line])
                line -= 1
            trailing = [comments[n] for n in range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1) if n in comments]
            out[stmt.target.id] = (" ".join(above + trailing), stmt.lineno == end_before + 1)
        end_before = stmt.end_lineno or stmt.lineno
    return out
