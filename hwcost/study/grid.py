"""Expanding a study into design points (pure: the spec holds every loaded object).

Points come in a fixed order, workload > scheme > bits > zero-point > scale > architecture >
node, which is also the row order of ``results.csv``. A combination the scheme cannot realise
(e.g. folding a weight zero-point into the bias) is not an error of the study but a hole in the
grid: it is listed as skipped, with the reason, in the report.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, fields, is_dataclass
from enum import Enum
from typing import Any

from hwcost.errors import HwcostError
from hwcost.evaluate import DesignPoint, design_point
from hwcost.study.spec import Loaded, StudySpec

__all__ = ["GridPoint", "Skipped", "Grid", "expand", "content_key"]


def _plain(obj: Any) -> Any:
    """JSON-ready form of dataclasses (fields with ``compare=False`` left out), enums, tuples."""
    if is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in fields(obj) if f.compare}
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    return obj


def content_key(kind: str, inputs: Any) -> str:
    """``kind-<sha256>`` of the canonical JSON of ``inputs``: equal inputs, equal key.

    >>> content_key("x", {"b": 1, "a": (2,)}) == content_key("x", {"a": [2], "b": 1})
    True
    """
    text = json.dumps(_plain(inputs), sort_keys=True, separators=(",", ":"))
    return f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:32]}"


@dataclass(frozen=True)
class GridPoint:
    """One design point of the study and the key of its cost in the results journal."""

    point: DesignPoint
    node: Loaded
    workload: Loaded
    cost_key: str


@dataclass(frozen=True)
class Skipped:
    """A combination of the axes that does not make a valid scheme, and why."""

    scheme: str
    weight_bits: int
    act_bits: int
    zero_point: str
    scale_at: str
    reason: str


@dataclass(frozen=True)
class Grid:
    points: tuple[GridPoint, ...]
    skipped: tuple[Skipped, ...]


def _cost_key(point: DesignPoint, node: Loaded, workload: Loaded) -> str:
    return content_key("cost", {"scheme": point.scheme, "arch": point.arch, "node": node.token, "workload": workload.token})


def expand(spec: StudySpec) -> Grid:
    """Every valid design point of ``spec``, once each, in the documented order."""
    points: dict[str, GridPoint] = {}
    skipped: dict[Skipped, None] = {}
    axes = itertools.product(spec.workloads, spec.schemes, spec.bit_pairs, spec.zero_points, spec.scale_ats)
    for workload, scheme, (wb, ab), zp, sa in axes:
        for arch, node in itertools.product(spec.archs, spec.nodes):
            try:
                point = design_point(
                    scheme,
                    weight_bits=wb,
                    act_bits=ab,
                    arch=arch,
                    techlib=node.value,
                    workload=workload.value,
                    zero_point=None if zp is None else zp.value,
                    scale_at=None if sa is None else sa.value,
                )
            except HwcostError as exc:
                reason = "; ".join(f"{p.key + ': ' if p.key else ''}{p.message}" for p in exc.problems)
                zp_name, sa_name = ("scheme's own" if x is None else x.value for x in (zp, sa))
                skipped[Skipped(scheme.name, wb, ab, zp_name, sa_name, reason)] = None
                continue
            key = _cost_key(point, node, workload)
            points.setdefault(key, GridPoint(point, node, workload, key))
    if not points:
        raise HwcostError.single("no valid design point: every combination was skipped", file=spec.file, key="schemes")
    return Grid(tuple(points.values()), tuple(skipped))
