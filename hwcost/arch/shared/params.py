"""Design points stacked into the (points, 1) / (points, layers) arrays a template's counts read.

The CIM templates (``cim_macro``, ``digital_cim``) stack their points the same way and differ only
in which numbers they read: :class:`ParamLayout` holds what one template reads -- its parameter
class, the names of its design columns (first those a block of points may vary in, then those
its ``block_key`` fixes), how to read both from a configuration, and which of its operands'
per-class values become per-layer columns. A sweep's points share a few configuration and
operands objects, so each distinct object is read once (:func:`distinct`) and its row gathered
to the points (:func:`gather`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np

from hwcost.arch.shared.tables import WorkloadTables, by_class, column

__all__ = ["ParamLayout", "distinct", "gather"]

P = TypeVar("P")


def distinct(objects: Sequence[Any]) -> tuple[list[Any], list[int] | None]:
    """The distinct objects of a sequence (by identity, in order of first appearance) and each
    item's position among them (``None`` when every item is distinct: nothing to gather). A
    sweep's points share a few configurations and one operands object per scheme, so their
    numbers are read once per object.

    >>> a, b = object(), object()
    >>> distinct([a, b, a])[1], distinct([a, b])[1]
    ([0, 1, 0], None)
    """
    ids = list(map(id, objects))
    position = {i: k for k, i in enumerate(dict.fromkeys(ids))}
    if len(position) == len(ids):
        return list(objects), None
    by_id = dict(zip(ids, objects))
    return [by_id[i] for i in position], list(map(position.__getitem__, ids))


def gather(values: np.ndarray, where: list[int] | None) -> np.ndarray:
    """Rows ``where`` of ``values`` (each point's row of its distinct object's); all of them when
    ``where`` is ``None``."""
    return values if where is None else values[np.asarray(where, dtype=np.intp)]


@dataclass(frozen=True)
class ParamLayout(Generic[P]):
    """What a template's layer parameters read of its design points.

    ``point_fields``: the parameter class's design columns, in the order ``varying(config) +
    shared(config)`` gives their values; the first ``len(varying(...))`` are those a block of
    points may vary in, the rest those its ``block_key`` fixes. ``bool_fields``: design columns
    read as booleans. ``operand_fields``: (column, operands attribute, boolean) of the per-layer
    columns taken from each precision class's value; every layout also has ``acc_bits`` and
    ``extra_dram_bits_per_layer`` (per-channel tables, one word per output channel)."""

    make: Callable[..., P]
    point_fields: tuple[str, ...]
    varying: Callable[[Any], tuple[float, ...]]
    shared: Callable[[Any], tuple[float, ...]]
    operand_fields: tuple[tuple[str, str, bool], ...]
    bool_fields: tuple[str, ...] = ()

    def _point_columns(self, values: np.ndarray, names: Sequence[str]) -> dict[str, np.ndarray]:
        """(points, 1) columns of each point's design values (points, len(names))."""
        columns = np.ascontiguousarray(values.T)
        point = {name: columns[k][:, None] for k, name in enumerate(names)}
        for name in self.bool_fields:
            if name in point:
                point[name] = point[name].astype(bool)
        return point

    def _operand_columns(self, ops: Sequence[Any], where: list[int] | None, t: WorkloadTables) -> dict[str, np.ndarray]:
        """The operands' columns: (distinct operands, layers) arrays gathered to each point's
        (``where``; as they are when ``None``)."""

        def per_layer(pick: str) -> np.ndarray:
            return gather(by_class(t.layer_class, [getattr(o, pick) for o in ops]), where)

        out = {name: per_layer(pick).astype(bool) if flag else per_layer(pick) for name, pick, flag in self.operand_fields}
        out_channels = t.shapes.out_channels_per_group * t.shapes.groups
        out["acc_bits"] = gather(column([o.acc_bits for o in ops]), where)
        out["extra_dram_bits_per_layer"] = gather(column([o.table_word_bits for o in ops]) * out_channels[None, :], where)
        return out

    def stack(self, configs: Sequence[Any], ops: Sequence[Any], t: WorkloadTables) -> P:
        """Every point's parameters, each distinct configuration and operands object read once."""
        once, where = distinct(configs)
        values = gather(np.asarray([self.varying(a) + self.shared(a) for a in once], dtype=float), where)
        ops_once, where_ops = distinct(ops)
        return self.make(**self._point_columns(values, self.point_fields), **self._operand_columns(ops_once, where_ops, t))

    def block(self, configs: Sequence[Any], ops: Any, t: WorkloadTables) -> P:
        """:meth:`stack` of a block (configurations sharing the template's ``block_key``, one
        operands), each number the block shares given once: the values its key fixes (1, 1),
        read from its first configuration, and the operands' (1, layers); what varies
        (points, 1). They broadcast as the stacked arrays would, element by element the same
        numbers."""
        varying = np.asarray([self.varying(a) for a in configs], dtype=float)
        shared = np.asarray([self.shared(configs[0])], dtype=float)
        n = varying.shape[1]
        return self.make(**self._point_columns(varying, self.point_fields[:n]),
                         **self._point_columns(shared, self.point_fields[n:]), **self._operand_columns([ops], None, t))
