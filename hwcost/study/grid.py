"""Expanding a study into design points (pure: the spec holds every loaded object).

Points come in a fixed order, workload > precision map > scheme > bits > zero-point > scale >
architecture > node, which is also the row order of ``results.csv``. A precision map
(:mod:`hwcost.study.precision`) gives the workload's layers their bits by rule and sets the
scheme's own and first/last bits; equal points (a map's ``rest`` replaces the bits axis) are
priced once. A combination the scheme cannot realise
(e.g. folding a weight zero-point into the bias) is not an error of the study but a hole in the
grid: it is listed as skipped, with the reason, in the report.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, fields, is_dataclass, replace
from enum import Enum
from typing import Any

from hwcost.errors import HwcostError
from hwcost.evaluate import DesignPoint
from hwcost.schemes import QuantScheme, ScaleRealisation, ZeroPointRealisation
from hwcost.study.precision import PrecisionMap, with_map
from hwcost.study.spec import Loaded, StudySpec

__all__ = ["GridPoint", "Skipped", "Grid", "expand", "content_key", "unpriced", "reason_of"]


def _plain(obj: Any) -> Any:
    """JSON-ready form of dataclasses (fields with ``compare=False`` left out, and fields marked
    ``metadata={"key_omit_default": True}`` left out at their default, so that a field added later
    keeps the keys of everything written before it), enums, tuples."""
    if is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in fields(obj) if f.compare
                and not (f.metadata.get("key_omit_default") and getattr(obj, f.name) == f.default)}
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
    """A combination of the axes that is no valid design point, and why.

    ``arch``, ``node`` and ``workload`` are ``*`` when the scheme itself is invalid (e.g. a
    zero-point realisation its grids contradict), whatever the hardware.
    """

    scheme: str
    weight_bits: int
    act_bits: int
    zero_point: str
    scale_at: str
    arch: str
    node: str
    workload: str
    reason: str


def reason_of(exc: HwcostError) -> str:
    return "; ".join(f"{p.key + ': ' if p.key else ''}{p.message}" for p in exc.problems)


@dataclass(frozen=True)
class Grid:
    points: tuple[GridPoint, ...]
    skipped: tuple[Skipped, ...]


def _cost_key(point: DesignPoint, node: Loaded, workload: Loaded) -> str:
    return content_key("cost", {"scheme": point.scheme, "arch": point.arch, "node": node.token, "workload": workload.token})


def _resolve(scheme: QuantScheme, bits: tuple[int, int], zp: ZeroPointRealisation | None, sa: ScaleRealisation | None,
             precision: PrecisionMap | None = None) -> QuantScheme:
    """The scheme at these bits (or its precision map's) and realisations (all set at once: no
    invalid half-way state)."""
    chosen = scheme.with_bits(*bits)
    if precision is not None:
        chosen = precision.scheme(chosen)
    changes: dict[str, Any] = {}
    if zp is not None:
        changes["zero_point_realisation"] = zp
    if sa is not None:
        changes["scale_realisation"] = sa
    return replace(chosen, **changes) if changes else chosen


def expand(spec: StudySpec) -> Grid:
    """Every valid design point of ``spec``, once each, in the documented order."""
    points: dict[str, GridPoint] = {}
    skipped: dict[Skipped, None] = {}
    mapped = [(with_map(w, m), m) for w in spec.workloads for m in spec.precisions]
    axes = itertools.product(mapped, spec.schemes, spec.bit_pairs, spec.zero_points, spec.scale_ats)
    for (workload, precision), scheme, bits, zp, sa in axes:
        try:
            chosen = _resolve(scheme, bits, zp, sa, precision)
        except HwcostError as exc:
            zp_name, sa_name = ("scheme's own" if x is None else x.value for x in (zp, sa))
            skipped[Skipped(scheme.name, *bits, zp_name, sa_name, "*", "*", "*", reason_of(exc))] = None
            continue
        for arch, node in itertools.product(spec.archs, spec.nodes):
            point = DesignPoint(scheme=chosen, arch=arch, techlib=node.value, workload=workload.value)
            key = _cost_key(point, node, workload)
            points.setdefault(key, GridPoint(point, node, workload, key))
    if not points:
        raise HwcostError.single("no valid design point: every combination was skipped", file=spec.file, key="schemes")
    return Grid(tuple(points.values()), tuple(skipped))


def unpriced(g: GridPoint, reason: str) -> Skipped:
    """A design point the cost model refused (e.g. a template that cannot run a scheme)."""
    s = g.point.scheme
    return Skipped(
        s.name, s.weights.bits, s.activations.bits, s.zero_point_realisation.value, s.scale_realisation.value,
        g.point.arch.name, g.node.name, g.workload.name, reason,
    )
