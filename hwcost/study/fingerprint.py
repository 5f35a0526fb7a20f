"""The cost model's fingerprint: a hash of the code and shipped data a design point's costs come
from, so that a study resumed after the model changed prices its points again.

A study journal keeps what it computed (``hwcost/study/journal.py``). An accuracy measurement
depends on the scheme, data set and training settings its key holds; a cost row depends on the
cost model too, which changes between commits while the package version stays the same (a
journal written before the CACTI table priced SRAM by the power law). Every cost-derived record
(``costs``, ``unpriced``, a band's per-row static energy) is written with this fingerprint, and a
journal's records of another fingerprint are ignored: their points are priced again (seconds),
while its accuracy results (hours) are kept.

What is hashed: every ``.py`` and ``.yaml`` file of the package except the study runner, the
accuracy side and the command line (they do not change a cost), by path and content. A user's own
technology library, arch or workload file is part of each point's content key instead.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

__all__ = ["cost_model_fingerprint", "PACKAGE", "NOT_COST_MODEL"]

PACKAGE = Path(__file__).resolve().parents[1]
NOT_COST_MODEL = ("study", "accuracy", "cli")  # subpackages whose files do not change a cost


@lru_cache(maxsize=1)
def cost_model_fingerprint() -> str:
    """16 hex digits of the SHA-256 of the cost model's files (module doc); the same for the same
    files wherever the package is installed."""
    digest = hashlib.sha256()
    for path in sorted(p for suffix in ("*.py", "*.yaml") for p in PACKAGE.rglob(suffix)):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] in NOT_COST_MODEL or "__pycache__" in rel.parts:
            continue
        digest.update(rel.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
