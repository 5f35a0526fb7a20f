"""Each distinct layer counted once: a workload's compute layers grouped by everything a
template's counts read of a layer.

A template whose counts are computed layer by layer -- every count of a layer a function of
that layer's row of the tables (its shape and precision class) and of the design point, with no
sum, maximum or order across layers -- gives two layers with equal rows equal counts. ResNet-18
has 21 compute layers but 12 distinct rows (its residual stages repeat the same 3 x 3 conv), so
such a template counts the 12, at 12/21 of the arrays' size. The evaluation
(:mod:`hwcost.evaluate`) sums each precision class's counts by reading, layer by layer in the
workload's order, the column of the layer's distinct row
(:func:`~hwcost.arch.shared.pricing.split_by_class` with ``columns``): the same numbers added in
the same order as over all 21 (no multiplicity weights, which would round differently). What is
read per layer (a report's breakdown by layer) is copied out of those columns when it is read
(:class:`ExpandedCounts`; :func:`expand_actions` copies a whole count). A template says it counts
layer by layer with ``counts_layer_by_layer = True``.

Kept per workload tables by the evaluation's :class:`~hwcost.arch.shared.cache.CostCache`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from hwcost.arch.shared.tables import WorkloadTables

__all__ = ["DistinctLayers", "distinct_layers", "expand_actions", "ExpandedCounts", "expanded_mapping"]


@dataclass(frozen=True)
class DistinctLayers:
    """The tables of one layer of each distinct row (in the order of each row's first layer) and,
    per compute layer of the workload, the position of its row among them."""

    tables: WorkloadTables  # the representatives' tables: every per-layer array at the distinct layers
    index: np.ndarray  # int (layers,): layer i's counts are column index[i] of the distinct layers'

    @property
    def layers(self) -> int:
        return len(self.index)


def _per_layer_arrays(t: WorkloadTables) -> dict[tuple[str, str], np.ndarray]:
    """Every array of the tables with one entry per compute layer: each field of the shapes, and
    each field of the tables themselves (the precision class), by (where, name)."""
    n = len(t.layer_class)
    out: dict[tuple[str, str], np.ndarray] = {}
    for where, obj in (("shapes", t.shapes), ("tables", t)):
        for f in fields(obj):
            value = getattr(obj, f.name)
            if isinstance(value, np.ndarray) and value.shape == (n,):
                out[(where, f.name)] = value
    return out


def distinct_layers(t: WorkloadTables) -> DistinctLayers | None:
    """The workload's distinct layers, or None when every layer is distinct (nothing to share).

    Two layers are the same when every per-layer array of the tables (:func:`_per_layer_arrays`:
    all of them, so a field added to the tables later is compared too) holds the same value for
    both."""
    arrays = _per_layer_arrays(t)
    n = len(t.layer_class)
    rows: dict[tuple[object, ...], int] = {}
    index = np.empty(n, dtype=np.intp)
    first: list[int] = []
    columns = [a.tolist() for a in arrays.values()]
    for i, row in enumerate(zip(*columns)):
        j = rows.get(row)
        if j is None:
            j = rows[row] = len(first)
            first.append(i)
        index[i] = j
    if len(first) == n:
        return None
    keep = np.asarray(first, dtype=np.intp)
    shapes = replace(t.shapes, **{name: a[keep] for (where, name), a in arrays.items() if where == "shapes"})
    own = {name: a[keep] for (where, name), a in arrays.items() if where == "tables"}
    names = tuple(t.layer_names[i] for i in first) if t.layer_names else t.layer_names
    return DistinctLayers(replace(t, shapes=shapes, layer_names=names, **own), index)


class _ExpandedMapping:
    """A template's per-layer mapping (indexed by point, giving one entry per distinct layer) read
    as one entry per layer of the workload."""

    def __init__(self, mapping: Any, index: np.ndarray) -> None:
        self._mapping, self._index = mapping, index.tolist()

    def __getitem__(self, point: int) -> list[Any]:
        row = self._mapping[point]
        return [row[j] for j in self._index]


def _expand(values: Any, index: np.ndarray) -> Any:
    """An array whose last axis is the distinct layers -> the same with the workload's layers; a
    number (the same for every layer) as it is."""
    if isinstance(values, np.ndarray) and values.ndim:
        return values[..., index]
    return values


def expand_actions(actions: Any, distinct: DistinctLayers) -> Any:
    """A template's :class:`~hwcost.arch.template.GroupActions` over the distinct layers ->
    the same over every layer of the workload: each count's and each cycle count's column of a
    distinct layer copied to the layers that share it."""
    index = distinct.index
    per_layer: Mapping[Any, Any] = {key: _expand(v, index) for key, v in actions.per_layer.items()}
    return replace(actions, per_layer=per_layer, compute_cycles=actions.compute_cycles[:, index],
                   memory_cycles=actions.memory_cycles[:, index], latency_cycles=actions.latency_cycles[:, index],
                   mapping=expanded_mapping(actions.mapping, index))


class ExpandedCounts(Mapping[Any, Any]):
    """Counts over the distinct layers read as counts over the workload's layers: each value's
    columns copied to the layers sharing them when it is read (a sweep sums the counts of the
    distinct layers, :func:`~hwcost.arch.shared.pricing.split_by_class` with ``columns``, and
    reads no count per layer; a report does)."""

    def __init__(self, counts: Mapping[Any, Any], index: np.ndarray) -> None:
        self._counts, self._index = counts, index

    def __getitem__(self, key: Any) -> Any:
        return _expand(self._counts[key], self._index)

    def __iter__(self) -> Any:
        return iter(self._counts)

    def __len__(self) -> int:
        return len(self._counts)


def expanded_mapping(mapping: Any, index: np.ndarray) -> Any:
    """A template's per-layer mapping of the distinct layers read per layer of the workload."""
    if isinstance(mapping, np.ndarray):
        return mapping[:, index]
    return None if mapping is None else _ExpandedMapping(mapping, index)
