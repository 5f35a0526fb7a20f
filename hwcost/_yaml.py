"""YAML text -> plain data and the line of every key path, with limits on what a file can make
hwcost do.

The loader is :class:`yaml.SafeLoader` (plain data only: no Python objects are ever built) with
four additions, each reported as one :class:`~hwcost.errors.HwcostError` naming the file, the line
and the key path:

- **nesting depth**: more than :data:`MAX_DEPTH` nested mappings / lists (PyYAML composes
  recursively, so a deep file would otherwise end in a ``RecursionError``);
- **alias expansion**: aliases (``*name``) that make the document more than
  :data:`MAX_ALIAS_NODES` nodes larger than what it spells out (a "billion laughs" file is a few
  hundred bytes), and aliases that refer to themselves;
- **duplicate keys**: a key given twice in one mapping, naming both lines (plain ``safe_load``
  keeps the last one silently);
- **values YAML cannot build** (``2021-13-45``, ``!!int x``): an error at their line, not a
  ``ValueError``.

The size of the file itself is limited where it is read (:func:`hwcost._config.read_yaml`).

A text that parsed once is not parsed again: its data and key lines are kept on disk (below,
:func:`parse_yaml`), so a cold ``hwcost evaluate`` reads the shipped library, scheme and network
without PyYAML (issue 20).
"""

from __future__ import annotations

import marshal
import os
import sys
import zlib
from functools import cache
from pathlib import Path
from typing import Any

from hwcost._yaml_parsed import MAX_ALIAS_NODES, MAX_DEPTH, ParsedYaml, join_key, parent_key

__all__ = ["MAX_DEPTH", "MAX_ALIAS_NODES", "ParsedYaml", "parse_yaml", "join_key", "parent_key", "cache_dir",
           "MAX_CACHE_ENTRIES"]


def parse_yaml(text: str, file: str) -> ParsedYaml:
    """Parse ``text`` (the contents of ``file``) safely within the limits (:data:`MAX_DEPTH`,
    :data:`MAX_ALIAS_NODES`; :func:`hwcost._yaml_loader.parse_uncached`), or take the result of
    an earlier parse of the same text from the cache.

    The cache (:func:`cache_dir`, one file per text) is keyed by the SHA-256 of the text and of
    what decides how it parses: the Python version, this module, :mod:`hwcost._yaml_parsed`,
    :mod:`hwcost._yaml_loader` and the installed PyYAML; a change to any of them is another key,
    so an entry is never read for a text or a reader it was not made from. Only a text that
    parsed is kept (a problem is found again, with the file's name, on every read), and only
    plain data (a YAML timestamp is not kept). An entry holds its key and a CRC-32 of its data
    and is written under a temporary name, then renamed (atomic); one that is unreadable,
    damaged or of another key is parsed again and rewritten. ``HWCOST_NO_YAML_CACHE=1`` neither
    reads nor writes the cache.
    """
    entry = _entry_for(text)
    if entry is not None:
        found = _read_entry(*entry)
        if found is not None:
            return found
    from hwcost._yaml_loader import parse_uncached

    parsed = parse_uncached(text, file)
    if entry is not None:
        _write_entry(*entry, parsed)
    return parsed


# --- the parsed-YAML cache ------------------------------------------------------------------------

MAX_CACHE_ENTRIES = 256
"""Entries kept; writing one more removes the least recently used (an entry is about as large as its
YAML text: the shipped files are under 60 KB)."""

_ENTRY_SUFFIX = ".marshal"


def cache_dir() -> Path:
    """``$HWCOST_CACHE_DIR/yaml`` or ``~/.cache/hwcost/yaml`` (the accuracy cache's root)."""
    root = os.environ.get("HWCOST_CACHE_DIR") or Path.home() / ".cache" / "hwcost"
    return Path(root) / "yaml"


@cache
def _reader_fingerprint() -> bytes | None:
    """The SHA-256 of what decides how a text parses (see :func:`parse_yaml`), or None when a
    part cannot be read (no cache then)."""
    import importlib.util

    hasher = _sha256()
    hasher.update(b"hwcost parsed-yaml cache 1\0" + sys.version.encode() + b"\0")
    spec = importlib.util.find_spec("yaml")
    if spec is None or spec.origin is None:
        return None
    here = Path(__file__)
    for source in (here, here.with_name("_yaml_parsed.py"), here.with_name("_yaml_loader.py"), Path(spec.origin)):
        try:
            hasher.update(source.read_bytes())
        except OSError:
            return None
    return hasher.digest()


def _sha256() -> Any:
    """A SHA-256 hasher from CPython's own module: ``hashlib`` would load OpenSSL (2-3 ms)."""
    try:
        from _sha256 import sha256  # type: ignore[import-not-found]  # CPython 3.11
    except ImportError:
        try:
            from _sha2 import sha256  # type: ignore[import-not-found,no-redef]  # CPython 3.12+
        except ImportError:
            from hashlib import sha256  # type: ignore[no-redef]
    return sha256()


def _entry_for(text: str) -> tuple[Path, bytes] | None:
    """(the entry's path, its key) for ``text``; None when the cache is off."""
    if os.environ.get("HWCOST_NO_YAML_CACHE"):
        return None
    reader = _reader_fingerprint()
    if reader is None:
        return None
    hasher = _sha256()
    hasher.update(reader)
    hasher.update(text.encode("utf-8", "surrogatepass"))
    key = hasher.digest()
    return cache_dir() / (key.hex() + _ENTRY_SUFFIX), key


def _read_entry(path: Path, key: bytes) -> ParsedYaml | None:
    """The parse kept at ``path`` when it is there, whole and of ``key``; else None."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    head, payload = raw[:len(key) + 4], raw[len(key) + 4:]
    if head != key + zlib.crc32(payload).to_bytes(4, "big"):
        return None
    try:
        data, lines = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None
    if not isinstance(lines, dict):
        return None
    try:
        os.utime(path)  # used now: the last to be removed (MAX_CACHE_ENTRIES)
    except OSError:
        pass
    return ParsedYaml(data, lines)


def _write_entry(path: Path, key: bytes, parsed: ParsedYaml) -> None:
    """Keep ``parsed`` at ``path`` (atomic); nothing when its data is not plain or the directory
    cannot be written: the cache only ever saves work."""
    import tempfile

    try:
        payload = marshal.dumps((parsed.data, parsed.lines))
    except ValueError:  # a value marshal cannot hold (datetime of a YAML timestamp)
        return
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".writing-")
        with os.fdopen(handle, "wb") as out:
            out.write(key + zlib.crc32(payload).to_bytes(4, "big") + payload)
        os.replace(temporary, path)
        temporary = None
        _trim(path.parent)
    except OSError:
        pass
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass


def _trim(folder: Path) -> None:
    """Remove the least recently used entries beyond :data:`MAX_CACHE_ENTRIES`."""
    entries = []
    for path in folder.glob("*" + _ENTRY_SUFFIX):
        try:
            entries.append((path.stat().st_mtime_ns, path))
        except OSError:
            continue
    entries.sort()
    for _, path in entries[:max(0, len(entries) - MAX_CACHE_ENTRIES)]:
        try:
            path.unlink()
        except OSError:
            pass


def __getattr__(name: str) -> Any:
    """The reader's internals (``_parse``, ``_Loader``, ``_FastLoader``, ...), which live in
    :mod:`hwcost._yaml_loader` with PyYAML and are loaded on first use."""
    if name.startswith("_") and not name.startswith("__"):
        from hwcost import _yaml_loader

        if hasattr(_yaml_loader, name):
            return getattr(_yaml_loader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
