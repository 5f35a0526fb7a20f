"""An on-disk cache of measurement results, safe for concurrent processes.

Entries live under ``$HWCOST_CACHE_DIR`` (default ``~/.cache/hwcost``) in ``accuracy/``, one file
per key, named by the SHA-256 of the canonical JSON of every input. Writes go to a temporary
file in the same directory and are renamed into place (``os.replace`` is atomic on POSIX and
Windows), so a reader sees a whole entry or none; two processes computing the same key write the
same bytes. A corrupt or unreadable entry counts as a miss.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import tempfile
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["cache_dir", "cache_key", "read_json", "write_json", "read_arrays", "write_arrays", "plain"]


def cache_dir() -> Path:
    """``$HWCOST_CACHE_DIR/accuracy`` or ``~/.cache/hwcost/accuracy``."""
    root = os.environ.get("HWCOST_CACHE_DIR") or Path.home() / ".cache" / "hwcost"
    return Path(root) / "accuracy"


def plain(obj: Any, omit_defaults: bool = True) -> Any:
    """JSON-ready form of dataclasses, enums, tuples and paths (fields with ``compare=False`` out;
    with ``omit_defaults``, fields marked ``metadata={"key_omit_default": True}`` out at their
    default, so that a field added later keeps the keys of everything cached before it, as the
    study journal's keys do: ``hwcost/study/grid.py``).

    >>> from hwcost.schemes import TensorQuant
    >>> plain(TensorQuant(bits=4, signed=True))["scale_type"]
    'dyadic'
    """
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: plain(getattr(obj, f.name), omit_defaults) for f in dataclasses.fields(obj) if f.compare
                and not (omit_defaults and f.metadata.get("key_omit_default") and getattr(obj, f.name) == f.default)}
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, (list, tuple)):
        return [plain(v, omit_defaults) for v in obj]
    if isinstance(obj, dict):
        return {str(k): plain(v, omit_defaults) for k, v in obj.items()}
    if isinstance(obj, Path):
        return str(obj)
    return obj


def cache_key(kind: str, inputs: Any, omit_defaults: bool = True) -> str:
    """``kind-<sha256>`` of the canonical JSON of ``inputs`` (``omit_defaults``: :func:`plain`'s).

    >>> cache_key("x", {"b": 1, "a": 2}) == cache_key("x", {"a": 2, "b": 1})
    True
    """
    text = json.dumps(plain(inputs, omit_defaults), sort_keys=True, separators=(",", ":"))
    return f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:32]}"


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(key: str) -> dict[str, Any] | None:
    try:
        return json.loads((cache_dir() / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_json(key: str, value: dict[str, Any]) -> None:
    _atomic_write(cache_dir() / f"{key}.json", json.dumps(value, indent=1, sort_keys=True).encode())


def read_arrays(key: str) -> dict[str, np.ndarray] | None:
    try:
        with np.load(cache_dir() / f"{key}.npz", allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except (OSError, ValueError, EOFError):
        return None


def write_arrays(key: str, arrays: dict[str, np.ndarray]) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    _atomic_write(cache_dir() / f"{key}.npz", buffer.getvalue())
