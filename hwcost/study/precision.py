"""Per-layer precision maps: a study axis that gives layers of a network their own bits.

A map names bits by rule (``docs/studies.md``)::

    precision:
      - {name: dw8, first_last: 8, depthwise: 8, rest: 4}
      - {name: uniform4, rest: 4}

``rest`` sets the design point's own bits (the body layers, which size the PEs: it replaces the
``bits`` axis for this map), ``first_last`` its ``first_last_bits``; ``conv``, ``depthwise`` and
``fc`` give the body layers of that kind a precision of their own (an integer for weights and
activations, or ``[weight_bits, act_bits]``), priced on their own datapath
(:class:`~hwcost.workloads.layer.LayerPrecision`). The first and last layers always follow the
first/last rule. A map expands the workload axis: each workload is priced once per map, named
``<workload>[<map>]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from hwcost._config import Checker, join_key
from hwcost.schemes import QuantScheme
from hwcost.schemes.scheme import MAX_BITS, MIN_BITS
from hwcost.study.spec import Loaded
from hwcost.workloads.layer import LayerKind, LayerPrecision, Workload

__all__ = ["PrecisionMap", "parse_precision_maps", "with_map"]

_KINDS = {"conv": LayerKind.CONV, "depthwise": LayerKind.DEPTHWISE, "fc": LayerKind.FC}
_KEYS = ("name", "first_last", "rest", *_KINDS)


@dataclass(frozen=True)
class PrecisionMap:
    """Bits by rule: the body (``rest``), the first/last layers, and layers of a kind.

    >>> m = PrecisionMap("dw8", rest=(4, 4), first_last=8, kinds=((LayerKind.DEPTHWISE, (8, 8)),))
    >>> m.label()
    'first_last 8, depthwise W8/A8, rest W4/A4'
    """

    name: str
    rest: tuple[int, int] | None = None
    first_last: int | None = None
    kinds: tuple[tuple[LayerKind, tuple[int, int]], ...] = ()

    def label(self) -> str:
        parts = [] if self.first_last is None else [f"first_last {self.first_last}"]
        parts += [f"{kind.value} W{w}/A{a}" for kind, (w, a) in self.kinds]
        parts += [] if self.rest is None else [f"rest W{self.rest[0]}/A{self.rest[1]}"]
        return ", ".join(parts)

    def scheme(self, scheme: QuantScheme) -> QuantScheme:
        """The design point's scheme under this map: at ``rest`` bits, with ``first_last`` bits."""
        if self.rest is not None:
            scheme = scheme.with_bits(*self.rest)
        return scheme if self.first_last is None else replace(scheme, first_last_bits=self.first_last)

    def workload(self, workload: Workload) -> Workload:
        """``workload`` with the map's kinds' bits on its body layers of those kinds."""
        bits = dict(self.kinds)
        layers = tuple(
            replace(layer, precision=LayerPrecision(*bits[layer.kind]))
            if layer.kind in bits and not (layer.is_first or layer.is_last) else layer
            for layer in workload.layers
        )
        return replace(workload, name=f"{workload.name}[{self.name}]", layers=layers)


def _bits_pair(check: Checker, value: Any, key: str) -> tuple[int, int] | None:
    if isinstance(value, list):
        if len(value) != 2:
            check.error(key, f"expected bits or [weight_bits, act_bits], got {len(value)} numbers")
            return None
        w, a = (check.number(v, join_key(key, i), minimum=MIN_BITS, maximum=MAX_BITS, integer=True)
                for i, v in enumerate(value))
        return None if w is None or a is None else (int(w), int(a))
    b = check.number(value, key, minimum=MIN_BITS, maximum=MAX_BITS, integer=True)
    return None if b is None else (int(b), int(b))


def _one(check: Checker, value: Any, key: str, index: int) -> PrecisionMap | None:
    entry = check.mapping(value, key)
    if entry is None or not check.keys(entry, key, (), _KEYS):
        return None
    if not set(entry) - {"name"}:
        check.error(key, f"a precision map needs at least one of {', '.join(_KEYS[1:])}")
        return None
    rest = _bits_pair(check, entry["rest"], join_key(key, "rest")) if "rest" in entry else None
    first_last = None
    if "first_last" in entry:
        fl = check.number(entry["first_last"], join_key(key, "first_last"), minimum=MIN_BITS, maximum=MAX_BITS,
                          integer=True)
        first_last = None if fl is None else int(fl)
    kinds = tuple((kind, pair) for name, kind in _KINDS.items() if name in entry
                  for pair in [_bits_pair(check, entry[name], join_key(key, name))] if pair is not None)
    made = PrecisionMap("", rest, first_last, kinds)
    name = check.string(entry["name"], join_key(key, "name")) if "name" in entry else made.label() or f"map{index}"
    return replace(made, name=str(name))


def parse_precision_maps(check: Checker, data: Mapping[str, Any]) -> tuple[PrecisionMap | None, ...]:
    """The study's ``precision`` axis: one map or a list of them; ``(None,)`` without the key
    (every layer at the point's bits, the first/last layers at its first_last_bits)."""
    if "precision" not in data:
        return (None,)
    value = data["precision"]
    items = value if isinstance(value, list) else [value]
    if not items:
        check.error("precision", "expected at least one precision map")
    keys = [join_key("precision", i) if isinstance(value, list) else "precision" for i in range(len(items))]
    maps = [_one(check, item, key, i) for i, (item, key) in enumerate(zip(items, keys))]
    names = [m.name for m in maps if m is not None]
    dups = sorted({n for n in names if names.count(n) > 1})
    if dups:
        check.error("precision", f"two precision maps share the name {', '.join(dups)}; names must be unique")
    return tuple(m for m in maps if m is not None)


def with_map(workload: Loaded, precision: PrecisionMap | None) -> Loaded:
    """The workload axis entry under a precision map (its name and token say which)."""
    if precision is None:
        return workload
    value = precision.workload(workload.value)
    return Loaded(name=value.name, token=f"{workload.token}#precision={precision.name}:{precision.label()}", value=value)
