"""What a YAML text parses into (:class:`ParsedYaml`), its key paths and the reader's limits:
shared by :mod:`hwcost._yaml` (reading, cache) and :mod:`hwcost._yaml_loader` (the PyYAML
reader), which import it and not each other's names (no import cycle)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_DEPTH", "MAX_ALIAS_NODES", "ParsedYaml", "join_key", "parent_key"]

MAX_DEPTH = 64
"""Mappings and lists nested deeper than this are refused (the shipped files nest 6 deep)."""

MAX_ALIAS_NODES = 100_000
"""Nodes that aliases may add to a document beyond the ones it spells out."""


def join_key(prefix: str, key: str | int) -> str:
    """The dotted key path of ``key`` inside ``prefix``: ``a.b``, ``a[0]``.

    >>> join_key("", "layers"), join_key("layers", 2), join_key("layers[2]", "kind")
    ('layers', 'layers[2]', 'layers[2].kind')
    """
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else str(key)


def parent_key(path: str) -> str:
    """The key path one level up (``""`` is the document itself).

    >>> parent_key("layers[2].kind"), parent_key("layers[2]"), parent_key("layers")
    ('layers[2]', 'layers', '')
    """
    cut = max(path.rfind("."), path.rfind("[") if path.endswith("]") else -1)
    return path[:cut] if cut > 0 else ""


@dataclass(frozen=True)
class ParsedYaml:
    """The data of a YAML text and the 1-based line of every key path in it (``""``: the
    document's first line)."""

    data: Any
    lines: dict[str, int]
