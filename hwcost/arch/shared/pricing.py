"""Priced rows and the arithmetic every template shares: energy of a row = sum of (energy per
action x actions), summed over the layers of each precision class (body, first/last, and the
classes of layers with a precision of their own: ``hwcost/arch/shared/tables.py``).

A template's plan prices each breakdown row once per design point (:class:`PricedRow`: a few
:class:`Term` s, each an energy per action on each precision class and the count key its
actions are summed under); its counts give the actions per count key and layer, vectorised
over points x layers. :func:`row_costs` multiplies the two (``docs/cost-model.md`` §3-4).

Row names and count keys are enum members, never free strings: the classifier's
:class:`~hwcost.classify.UnitKind` and the rows and counts each template declares.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum, StrEnum
from typing import Any, TypeVar

import numpy as np

from hwcost.classify import Placement
from hwcost.report import Category
from hwcost.techlib import TechLib

__all__ = [
    "Count",
    "SharedRow",
    "Term",
    "PricedRow",
    "RowCosts",
    "Sums",
    "Pricer",
    "SramRange",
    "split_body_edge",
    "split_by_class",
    "row_costs",
    "Block",
    "block_row_costs",
    "point_rows",
    "PointPlan",
    "BlockPlans",
    "PlanTable",
    "point_plans",
    "take_rows",
    "value_at",
]


class Count(StrEnum):
    """Count keys every template shares: the classifier's placements (post-processing units act
    per output, per pixel, per channel...), the window sum, and the memory system's traffic."""

    PER_MAC = "per_mac"
    PER_INPUT = "per_input"  # activation elements fed into the array
    PER_OUTPUT = "per_output"
    PER_OUTPUT_PIXEL = "per_output_pixel"
    PER_OUTPUT_CHANNEL = "per_output_channel"
    PER_CHANNEL_GROUP = "per_channel_group"
    WINDOW_SUM = "window_sum"  # N - 1 additions per output pixel, N per layer (not the max N)
    GLB_READ_BITS = "glb_read_bits"
    GLB_WRITE_BITS = "glb_write_bits"
    GLB_READ_ACCESSES = "glb_read_accesses"
    GLB_WRITE_ACCESSES = "glb_write_accesses"
    DRAM_READ_BITS = "dram_read_bits"
    DRAM_WRITE_BITS = "dram_write_bits"
    NOC_BITS = "noc_bits"  # bits carried between the GLB and the array (both ways) over on-chip wires
    RESIDUAL_ADDS = "residual_adds"
    MAX_POOL_COMPARES = "max_pool_compares"
    AVG_POOL_ADDS = "avg_pool_adds"


class SharedRow(StrEnum):
    """Breakdown rows of the memory system and the element-wise layers, on every template."""

    GLB = "glb"
    DRAM = "dram"
    NOC = "noc"  # the wires between the global buffer and the array (hwcost/arch/shared/noc.py)
    ELEMENTWISE = "elementwise"  # residual adders, max-pool comparators, average-pool adders


# Actions per count key: one sum per precision class (body, first/last, 2, 3, ...), each (points,).
Sums = dict[Enum, tuple[np.ndarray, ...]]


@dataclass(frozen=True, init=False)
class Term:
    """An energy per action on each precision class: ``Term(count, e)`` the same on every class,
    ``Term(count, e_body, e_edge)`` on body and first/last layers, ``Term(count, *per_class)``.
    Fewer energies than classes are allowed only when they are all equal (the same on every class).
    In a block of design points (module comment at the end), an energy may be an array over them.

    >>> Term(Count.PER_MAC, 2.0).energy_pj(2, 3), Term(Count.PER_MAC, 1.0, 3.0).energy_edge_pj
    (2.0, 3.0)
    """

    count: Enum  # the count key its actions are summed under (a key of Sums)
    energies_pj: tuple[float, ...]
    # Leakage energy counted per action (e.g. per powered macro-cycle, when idle macros are
    # power-gated and the leaking count varies by layer): part of the row's static_pj.
    static: bool

    def __init__(self, count: Enum, *energies_pj: float, static: bool = False) -> None:
        if not energies_pj:
            raise ValueError(f"a term of {count} needs an energy per action")
        object.__setattr__(self, "count", count)
        object.__setattr__(self, "energies_pj", tuple(energies_pj))
        object.__setattr__(self, "static", static)

    def energy_pj(self, k: int, classes: int) -> float:
        """The energy per action on class ``k`` of ``classes``."""
        e = self.energies_pj
        if len(e) == classes:
            return e[k]
        if len(e) > 1 and any(np.any(np.asarray(x) != np.asarray(e[0])) for x in e[1:]):
            raise ValueError(f"term of {self.count}: {len(e)} energies for {classes} precision classes")
        return e[0]

    @property
    def energy_body_pj(self) -> float:
        return self.energies_pj[0]

    @property
    def energy_edge_pj(self) -> float:
        return self.energies_pj[1 if len(self.energies_pj) > 1 else 0]

    def per_layer(self, layer_class: np.ndarray, classes: int) -> np.ndarray:
        """The energy per action of every layer, by its class (layers,)."""
        return np.asarray([self.energy_pj(k, classes) for k in range(classes)])[layer_class]


@dataclass(frozen=True)
class PricedRow:
    """One breakdown row of one design point: its unit (a classifier kind or a template row),
    the placement that qualifies its name when the kind sits in several places, its terms and
    its area."""

    unit: Enum
    category: Category
    terms: tuple[Term, ...]
    area_um2: float
    source: str = "techlib"  # "techlib", or the source of a pinned cost
    qualifier: Placement | None = None
    leakage_mw: float = 0.0  # static power of all its instances while the design runs


    @property
    def name(self) -> str:
        return self.unit.value if self.qualifier is None else f"{self.unit.value}@{self.qualifier.value}"


@dataclass(frozen=True)
class RowCosts:
    """One breakdown row over the points of a group; each array has shape (points,)."""

    name: str
    category: Category
    energy_pj: np.ndarray
    area_um2: np.ndarray
    actions: np.ndarray
    sources: tuple[str, ...]  # per point; "techlib" where the row is absent
    leakage_mw: np.ndarray  # static power per point (0 where the library gives none)
    static_pj: np.ndarray  # leakage x latency (+ static terms), per point; part of energy_pj

    def with_latency(self, latency_s: np.ndarray) -> "RowCosts":
        """The row with its static energy, leakage x latency (mW x s = 1e9 pJ), added to its energy
        (and to the static energy its static terms already counted)."""
        static = self.leakage_mw * latency_s * 1e9
        return replace(self, energy_pj=self.energy_pj + static, static_pj=self.static_pj + static)


@dataclass(frozen=True)
class SramRange:
    """The smallest capacity and the narrowest and widest port the library's SRAM law covers."""

    min_bytes: int
    min_port_bits: int
    max_port_bits: int


T = TypeVar("T")


class Pricer:
    """One technology library's prices, memoised: a sweep prices the same few components for
    thousands of points. Owned by a :class:`~hwcost.arch.shared.cache.CostCache`."""

    def __init__(self, lib: TechLib) -> None:
        self.lib = lib
        self._memo: dict[tuple[object, ...], float] = {}
        self._derived: dict[tuple[object, ...], tuple[tuple[object, ...], Any]] = {}
        self._sram_range: SramRange | None = None
        self.without_leakage: set[str] = set()  # components priced whose leakage the library does not give

    def derived(self, key: tuple[object, ...], make: Callable[[], T], keep: tuple[object, ...] = ()) -> T:
        """A value priced from this library once per ``key`` (a bill of materials' prices, a
        buffer's rows...), then shared by every design point that asks for it. ``key`` may hold
        the ``id`` of objects it stands for (hashing a scheme or a datapath costs more than
        pricing it): those objects go in ``keep``, which holds them alive as long as the value, so
        that no id is reused while it is a key."""
        hit = self._derived.get(key)
        if hit is None:
            hit = self._derived[key] = (keep, make())
        return hit[1]

    def sram_range(self) -> "SramRange":
        """Where the library's ``sram`` law is valid: tables smaller than its smallest macro are
        priced as register files, ports narrower than its narrowest are widened, wider rows take
        several accesses (``docs/cost-model.md`` §3)."""
        if self._sram_range is None:
            params = self.lib.resolve("sram", {})[0].params if "sram" in self.lib.components else {}
            if set(params) != {"capacity_bytes", "width_bits"}:
                self._sram_range = SramRange(1024, 32, 256)  # the CACTI 7 sweep's range, for a library without sram
            else:
                c, w = params["capacity_bytes"], params["width_bits"]
                self._sram_range = SramRange(int(c.minimum), int(w.minimum), int(w.maximum))
        return self._sram_range

    def leakage_mw(self, component: str, **params: float) -> float:
        """Static power in mW; 0 for a component the library gives no leakage model, which is
        remembered in ``without_leakage`` so that a report can say so."""
        key = ("leakage", component, None, tuple(sorted(params.items())))
        value = self._memo.get(key)
        if value is None:
            if self.lib.has_leakage(component, **params):
                value = float(self.lib.leakage_mw(component, **params))
            else:
                value = 0.0
                self.without_leakage.add(component)
            self._memo[key] = value
        return value

    def energy_pj(self, component: str, action: str | None = None, **params: float) -> float:
        key = ("energy", component, action, tuple(sorted(params.items())))
        value = self._memo.get(key)
        if value is None:
            value = self._memo[key] = float(self.lib.energy_pj(component, action, **params))
        return value

    def area_um2(self, component: str, **params: float) -> float:
        key = ("area", component, None, tuple(sorted(params.items())))
        value = self._memo.get(key)
        if value is None:
            value = self._memo[key] = float(self.lib.area_um2(component, **params))
        return value


def split_by_class(per_layer: Mapping[Enum, Any], layer_class: np.ndarray, classes: int,
                   shape: tuple[int, int], columns: np.ndarray | None = None) -> Sums:
    """Sum each (points, layers) count over the layers of each precision class.

    ``columns`` (layers,): the counts are of a workload's distinct layers (shape (points,
    distinct layers), :mod:`hwcost.arch.shared.distinct`) and layer i's are column
    ``columns[i]``; each class's layers are read from them in the workload's order, so every sum
    adds the same numbers in the same order as over the workload's own layers."""
    masks: list[np.ndarray] = [layer_class == k for k in range(classes)]
    if columns is not None:
        masks = [columns[m] for m in masks]
    sums: Sums = {}
    for key, values in per_layer.items():
        v = np.broadcast_to(values, shape)
        sums[key] = tuple(v[:, m].sum(axis=1) for m in masks)
    return sums


def split_body_edge(per_layer: Mapping[Enum, Any], edge: np.ndarray, shape: tuple[int, int]) -> Sums:
    """Sum each (points, layers) count over the body layers and over the first/last layers."""
    return split_by_class(per_layer, edge.astype(np.int64), 2, shape)


def row_costs(rows_per_point: Sequence[Sequence[PricedRow]], sums: Sums) -> tuple[RowCosts, ...]:
    """Energy, area and actions of every breakdown row, each an array over points, in the order
    the rows first appear. A row a point does not have costs 0 there.

    Each point's terms are read once; the sums are read as Python floats (``tolist``): float
    arithmetic is IEEE double either way, and Python's costs a fraction of numpy's per scalar."""
    n = len(rows_per_point)
    as_lists = {key: tuple(v.tolist() for v in per_class) for key, per_class in sums.items()}
    table: dict[str, dict[str, Any]] = {}
    for d, point_rows in enumerate(rows_per_point):
        for row in point_rows:
            name = row.name
            entry = table.get(name)
            if entry is None:
                entry = table[name] = {"category": row.category, "energy": [0.0] * n, "area": [0.0] * n,
                                       "actions": [0.0] * n, "sources": ["techlib"] * n, "leakage": [0.0] * n,
                                       "static": [0.0] * n}
            energy = actions = static = 0.0
            for term in row.terms:
                per_class = as_lists[term.count]
                classes = len(per_class)
                energies = term.energies_pj
                if len(energies) != classes:
                    energies = tuple(term.energy_pj(k, classes) for k in range(classes))
                a = per_class[0][d]
                e = energies[0] * a
                for k in range(1, classes):
                    s_k = per_class[k][d]
                    e += energies[k] * s_k
                    a += s_k
                energy += e
                if term.static:
                    static += e  # leakage counted per action: not an action of the row
                else:
                    actions += a
            entry["energy"][d] = energy
            entry["static"][d] = static
            entry["area"][d] = row.area_um2
            entry["actions"][d] = actions
            entry["sources"][d] = row.source
            entry["leakage"][d] = row.leakage_mw
    return tuple(
        RowCosts(name, e["category"], np.asarray(e["energy"], dtype=float), np.asarray(e["area"], dtype=float),
                 np.asarray(e["actions"], dtype=float), tuple(e["sources"]), np.asarray(e["leakage"], dtype=float),
                 np.asarray(e["static"], dtype=float))
        for name, e in table.items()
    )


# --- Blocks: the rows of many design points priced at once -------------------------------------
#
# A template that can price a group of design points at once (the same scheme, library and
# workload, and the same structure: every branch of its plan taken the same way) returns one
# tuple of rows for the group: each number of a row (an energy of a term, its area, its leakage)
# is a float when every point of the group has the same, or an array over the group's points.
# The arithmetic is the one the template applies to a single point, element by element, so a
# point's numbers are those it would have alone.

Block = tuple[np.ndarray, Sequence[PricedRow]]  # the points' indices in the sweep, their rows


def value_at(value: Any, i: int) -> float:
    """Point ``i``'s number of a block value (a float shared by the block, or an array)."""
    return float(value[i]) if isinstance(value, np.ndarray) else value


def point_rows(rows: Sequence[PricedRow], i: int) -> tuple[PricedRow, ...]:
    """Point ``i``'s rows of a block, every number a float (what the template's plan of that point
    alone gives)."""
    return tuple(
        replace(r, terms=tuple(Term(t.count, *(value_at(e, i) for e in t.energies_pj), static=t.static) for t in r.terms),
                area_um2=value_at(r.area_um2, i), leakage_mw=value_at(r.leakage_mw, i))
        for r in rows
    )


def take_rows(rows: Sequence[PricedRow], sel: np.ndarray) -> list[PricedRow]:
    """The rows of a block's points ``sel`` (positions in the block): every array number taken at
    those points, a shared float as it is (a sub-block's rows)."""
    def take(value: Any) -> Any:
        return value[sel] if isinstance(value, np.ndarray) else value

    return [replace(r, terms=tuple(Term(t.count, *(take(e) for e in t.energies_pj), static=t.static) for t in r.terms),
                    area_um2=take(r.area_um2), leakage_mw=take(r.leakage_mw)) for r in rows]


class PointPlan:
    """One design point's plan within a block's: every field is the block plan's, at the point's
    place where it is an array (a template's block plan holds its per-point numbers as arrays
    over the block's configurations)."""

    __slots__ = ("block", "index")

    def __init__(self, block: Any, index: int) -> None:
        self.block = block
        self.index = index

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.block, name)
        return value[self.index].item() if isinstance(value, np.ndarray) else value

    @property
    def rows(self) -> tuple[PricedRow, ...]:
        return point_rows(self.block.rows, self.index)


class BlockPlans(Sequence[PointPlan]):
    """The points' plans of one block plan, each point's view (:class:`PointPlan`) made only when
    asked for: a sweep reads its block plans field by field (a template's ``plan_block`` may
    return them in place of a list of views)."""

    __slots__ = ("block", "points")

    def __init__(self, block: Any, points: int) -> None:
        self.block = block
        self.points = points

    def __len__(self) -> int:
        return self.points

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self.points))]
        if not -self.points <= i < self.points:
            raise IndexError(i)
        return PointPlan(self.block, i % self.points)


class PlanTable(Sequence[Any]):
    """Each point's plan of a group, from the plans of its blocks (``parts``: the points' positions
    in the group and their plans, a sequence each: a :class:`BlockPlans`, a list of views, or one
    plan of a block of one), without a Python object per point until one is asked for."""

    def __init__(self, points: int) -> None:
        self.parts: list[tuple[np.ndarray, Sequence[Any]]] = []
        self._part = np.zeros(points, dtype=np.intp)  # each point's part
        self._place = np.zeros(points, dtype=np.intp)  # its place among the part's plans

    def add(self, index: np.ndarray, plans: Sequence[Any]) -> None:
        """The plans of the points ``index``, in that order."""
        self._part[index] = len(self.parts)
        self._place[index] = np.arange(len(index))
        self.parts.append((index, plans))

    def __len__(self) -> int:
        return len(self._part)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self.parts[int(self._part[i])][1][int(self._place[i])]

    def __iter__(self) -> Iterator[Any]:
        """Every point's plan in order (a block's views made now)."""
        plans: list[Any] = [None] * len(self)
        for index, part in self.parts:
            for i, plan in zip(index.tolist(), part):
                plans[i] = plan
        return iter(plans)


def point_plans(parts: Iterable[tuple[np.ndarray, Any]], points: int) -> tuple[list[PointPlan], list[Block]]:
    """A template's ``plan_block`` answer from its sub-blocks (each the positions of its points
    among the block's configurations, and its block plan): every point's view of its sub-block's
    plan, and each sub-block's rows with those positions."""
    plans: list[PointPlan] = [None] * points  # type: ignore[list-item]
    blocks: list[Block] = []
    for sel, block in parts:
        for j, i in enumerate(sel.tolist()):
            plans[i] = PointPlan(block, j)
        blocks.append((sel, block.rows))
    return plans, blocks


def _term_energies(term: Term, classes: int) -> tuple[Any, ...]:
    """A block term's energy per action on each class (floats or arrays)."""
    return term.energies_pj if len(term.energies_pj) == classes else (term.energy_pj(0, classes),) * classes


def _along(values: Sequence[Any], lengths: Sequence[int]) -> Any:
    """Block values (each a float shared by its block's points, or an array over them) laid end to
    end: one float per point of the blocks, in their order (a block's float as it is, when alone)."""
    arrays = [isinstance(v, np.ndarray) for v in values]
    if not any(arrays):
        return values[0] if len(values) == 1 else np.repeat(np.asarray(values, dtype=float), lengths)
    if all(arrays):
        return np.concatenate(values, dtype=float)
    return np.concatenate([np.asarray(v, dtype=float) if isinstance(v, np.ndarray) else np.full(m, v, dtype=float)
                           for v, m in zip(values, lengths)])


def block_row_costs(blocks: Sequence[Block], n: int, sums: Sums) -> tuple[RowCosts, ...]:
    """:func:`row_costs` of blocks (module comment above): the same sums, as array operations over
    each block's points. The rows come in the order they first appear over the points.

    The rows of one name and one structure (the same count keys, static or not, in the same
    order) are priced together over the points of every block that has them: each block's
    numbers laid end to end (:func:`_along`), then the arithmetic of one block, element by element
    the same, on all of them at once."""
    classes = max((len(v) for v in sums.values()), default=1)
    names = [[row.name for row in rows] for _, rows in blocks]  # each block's row names (a property: read once)
    if any(len(set(block_names)) != len(block_names) for block_names in names):
        return _block_row_costs_each(blocks, n, sums, classes)  # a name twice in a block: the last one stays
    table: dict[str, dict[str, Any]] = {}
    first: dict[str, tuple[int, int]] = {}
    alike: dict[tuple[object, ...], list[tuple[np.ndarray, PricedRow]]] = {}
    for (idx, rows), block_names in zip(blocks, names):
        start = int(idx[0])
        for r, (row, name) in enumerate(zip(rows, block_names)):
            entry = table.get(name)
            if entry is None:
                entry = table[name] = {"category": row.category, "energy": np.zeros(n), "area": np.zeros(n),
                                       "actions": np.zeros(n), "sources": None,  # None: "techlib" everywhere
                                       "leakage": np.zeros(n), "static": np.zeros(n)}
            place = (start, r)
            earlier = first.get(name)
            if earlier is None or place < earlier:
                first[name] = place
            # enum members are singletons: their ids stand for them (hashing one calls Python code)
            alike.setdefault((name, *((id(t.count), t.static) for t in row.terms)), []).append((idx, row))
            if row.source != "techlib":
                if entry["sources"] is None:
                    entry["sources"] = np.full(n, "techlib", dtype=object)
                entry["sources"][idx] = row.source
    for (name, *_), members in alike.items():
        entry = table[name]
        lengths = [len(idx) for idx, _ in members]
        idx = members[0][0] if len(members) == 1 else np.concatenate([i for i, _ in members])
        energy, actions, static = _terms_cost(
            members[0][1].terms, sums, idx,
            lambda j: [_along(e, lengths) for e in zip(*(_term_energies(row.terms[j], classes) for _, row in members))])
        entry["energy"][idx] = energy
        entry["static"][idx] = static
        entry["area"][idx] = _along([row.area_um2 for _, row in members], lengths)
        entry["actions"][idx] = actions
        entry["leakage"][idx] = _along([row.leakage_mw for _, row in members], lengths)
    return tuple(
        RowCosts(name, e["category"], e["energy"], e["area"], e["actions"],
                 ("techlib",) * n if e["sources"] is None else tuple(e["sources"].tolist()), e["leakage"], e["static"])
        for name, e in sorted(table.items(), key=lambda item: first[item[0]])
    )


def _terms_cost(terms: Sequence[Term], sums: Sums, idx: np.ndarray,
                energies_of: Callable[[int], Sequence[Any]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A row's energy, actions and static energy at the points ``idx``: each term's actions on
    each class (``sums``) at that class's energy per action (``energies_of(j)``, per class, for
    the row's ``j``-th term: numbers, or arrays over ``idx``). A static term's energy is leakage
    counted per action: part of the static energy, not an action of the row."""
    energy = actions = static = np.zeros(len(idx))
    for j, term in enumerate(terms):
        per_class = sums[term.count]
        energies = energies_of(j)
        a = per_class[0][idx]
        e = energies[0] * a
        for k in range(1, len(per_class)):
            s_k = per_class[k][idx]
            e = e + energies[k] * s_k
            a = a + s_k
        energy = energy + e
        if term.static:
            static = static + e
        else:
            actions = actions + a
    return energy, actions, static


def _block_row_costs_each(blocks: Sequence[Block], n: int, sums: Sums, classes: int) -> tuple[RowCosts, ...]:
    """:func:`block_row_costs` block by block and row by row (a block holding a name twice)."""
    table: dict[str, dict[str, Any]] = {}
    first: dict[str, tuple[int, int]] = {}
    for idx, rows in blocks:
        for r, row in enumerate(rows):
            name = row.name
            entry = table.get(name)
            if entry is None:
                entry = table[name] = {"category": row.category, "energy": np.zeros(n), "area": np.zeros(n),
                                       "actions": np.zeros(n), "sources": np.full(n, "techlib", dtype=object),
                                       "leakage": np.zeros(n), "static": np.zeros(n)}
            place = (int(idx[0]), r)
            first[name] = min(first.get(name, place), place)
            energy, actions, static = _terms_cost(row.terms, sums, idx,
                                                  lambda j, terms=row.terms: _term_energies(terms[j], classes))
            entry["energy"][idx] = energy
            entry["static"][idx] = static
            entry["area"][idx] = row.area_um2
            entry["actions"][idx] = actions
            entry["leakage"][idx] = row.leakage_mw
            if row.source != "techlib":
                entry["sources"][idx] = row.source
    return tuple(
        RowCosts(name, e["category"], e["energy"], e["area"], e["actions"], tuple(e["sources"].tolist()), e["leakage"],
                 e["static"])
        for name, e in sorted(table.items(), key=lambda item: first[item[0]])
    )
