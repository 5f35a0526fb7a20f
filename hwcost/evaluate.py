"""Evaluate design points: scheme x accelerator x technology x workload -> cost.

A point without a workload is evaluated at its peak: on the template's ideal layer, which maps
perfectly onto the design (``docs/cost-model.md`` §6).

The same pipeline for every accelerator template (:mod:`hwcost.arch.template`); this module
names none of them. For a group of points sharing a workload and a template:

1. ``plan``     classify the scheme for each precision class (body, first/last, and each
                precision the workload gives its layers) and price every row, once per
                distinct point (kept in the evaluation's :class:`CostCache`);
2. ``count``    the template's action counts of every layer at every point (points x layers);
3. the bill-of-materials placements, buffer accesses and element-wise operations are added and
   every count is summed over the layers of each precision class;
4. ``row_costs``  energy of each breakdown row = sum of (energy per action x actions);
5. latency = the template's per-layer latency + the element-wise layers on the post-processing
   lanes; utilisation = MACs / (latency x the template's peak MACs per cycle);
6. each row's static energy, its leakage x the latency, is added to its energy.

``evaluate`` returns one :class:`~hwcost.report.CostReport`; ``sweep`` a DataFrame of many.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from typing import TYPE_CHECKING, Any

import numpy as np

from hwcost.arch.registry import template_of
from hwcost.arch.shared.bom import ClassDatapaths, bom_counts
from hwcost.arch.shared.cache import CostCache
from hwcost.arch.shared.distinct import ExpandedCounts, expanded_mapping
from hwcost.arch.shared.memory import add_buffer_sums
from hwcost.arch.shared.pricing import (Block, BlockPlans, Count, PlanTable, PointPlan, PricedRow, RowCosts,
                                       block_row_costs, row_costs, split_by_class)
from hwcost.arch.shared.tables import BODY, EDGE, WorkloadTables
from hwcost.arch.template import Template
from hwcost.design_point import DesignPoint, design_point
from hwcost.errors import HwcostError
from hwcost.report import BreakdownRow, Category, CostReport, LayerCost, Scope
from hwcost.schemes import QuantScheme

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DesignPoint", "design_point", "evaluate", "sweep", "report_of", "CostCache", "GroupCost"]


@dataclass(frozen=True)
class GroupCost:
    """Costs of a group of points (one workload, one template); arrays have shape (points,)."""

    rows: tuple[RowCosts, ...]
    macs: np.ndarray
    latency_cycles: np.ndarray
    utilisation: np.ndarray
    compute_cycles: np.ndarray
    memory_cycles: np.ndarray
    plans: Sequence[Any]  # each point's plan (the template's type; a PlanTable of a template's blocks)
    per_layer: Mapping[Enum, np.ndarray]  # actions per count key, (points, layers)
    layer_latency_cycles: np.ndarray  # (points, layers)
    peak_macs_per_cycle: np.ndarray  # (points,)
    mapping: np.ndarray | None = None  # (points, layers): the mapping each layer got, when chosen per layer


def _column(values: Sequence[float]) -> np.ndarray:
    return np.asarray(values, dtype=float)


def _tables(point: DesignPoint, template: Template[Any, Any], cache: CostCache) -> WorkloadTables:
    if point.workload is None:
        return cache.peak_tables(template, point.arch, point.scheme)
    return cache.tables(point.workload)


def _named(exc: HwcostError, template: Template[Any, Any], point: DesignPoint) -> HwcostError:
    """A problem found while pricing, naming the arch file (when the design came from one), the
    template and the library."""
    source = point.arch.source_file
    if source is None:
        return exc
    where = f"{template.name} '{point.arch.name}' cannot be priced on {point.techlib.name}: "
    return HwcostError([replace(p, file=p.file or source, key=p.key or "arch", message=where + p.message)
                        for p in exc.problems])


def _plan(template: Template[Any, Any], point: DesignPoint, tables: WorkloadTables, cache: CostCache) -> Any:
    """The point's plan (see :func:`_named` for its problems)."""
    try:
        return cache.plan(template, point.scheme, point.arch, point.techlib, tables)
    except HwcostError as exc:
        raise _named(exc, template, point) from None


def _plan_group(template: Template[Any, Any], points: Sequence[DesignPoint], tables: WorkloadTables,
                cache: CostCache) -> tuple[Sequence[Any], list[Block] | None]:
    """Every point's plan and, for a template that prices blocks of points at once
    (``plan_block``: the same scheme and library, configurations sharing the template's
    ``block_key``), the blocks' rows, each with the points it holds. ``plan_block`` returns the
    block's plans (a sequence: a list of views, or ``BlockPlans`` that makes them when asked)
    and its rows: one tuple of rows, or a list of sub-blocks (the positions of their points in
    the block, their rows) when the rows' structure differs within it. The plans of a group of
    several points are a :class:`PlanTable` of its blocks' plans."""
    plan_block = getattr(template, "plan_block", None)
    if plan_block is None:
        return tuple(_plan(template, p, tables, cache) for p in points), None
    if len(points) == 1:  # a report's point: its own plan, kept in the cache by value (as a block of one below)
        plan = _plan(template, points[0], tables, cache)
        return (plan,), [(np.asarray([0]), plan.rows)]
    members: dict[tuple[int, int, int], list[int]] = {}
    key_numbers: dict[tuple[object, ...], int] = {}  # each distinct block key's number
    block_keys: dict[int, int] = {}  # per configuration object (a sweep's points share a few): its key's number
    for i, p in enumerate(points):  # the points hold their schemes, libraries and designs: their ids stay theirs
        key = block_keys.get(id(p.arch))
        if key is None:
            key = block_keys[id(p.arch)] = key_numbers.setdefault(template.block_key(p.arch), len(key_numbers))
        members.setdefault((id(p.scheme), id(p.techlib), key), []).append(i)
    plans = PlanTable(len(points))
    blocks: list[Block] = []
    for members_of in members.values():
        first = points[members_of[0]]
        index = np.asarray(members_of)
        if len(index) == 1:  # a block of one: the point's own plan, kept in the cache by value
            plan = _plan(template, first, tables, cache)
            plans.add(index, (plan,))
            blocks.append((index, plan.rows))
            continue
        try:
            block_plans, rows = plan_block(first.scheme, [points[i].arch for i in members_of], cache.pricer(first.techlib),
                                           tables, cache.datapaths(first.scheme, tables))
        except HwcostError as exc:
            raise _named(exc, template, first) from None
        plans.add(index, block_plans)
        if isinstance(rows, list):  # sub-blocks whose rows differ in structure: (positions in the block, rows)
            blocks += [(index[within], part) for within, part in rows]
        else:
            blocks.append((index, rows))
    return plans, blocks


def _group_key(point: DesignPoint) -> tuple[object, ...]:
    """Points evaluated together share a template and a workload (at peak: one design each). The
    objects' ids stand for them (hashing a workload hashes its every layer); the points hold
    them, so no id is reused during the sweep, and equal objects apart are merely grouped apart."""
    workload = ("peak", id(point.arch), id(point.scheme)) if point.workload is None else id(point.workload)
    return workload, type(point.arch).template


def _group_sizes(plans: Sequence[Any]) -> Sequence[float]:
    """Each plan's weight group size; a point's view of a block plan (``PointPlan``) reads it from
    the block plan, once per block (the view's own lookup costs a Python call per point)."""
    if isinstance(plans, PlanTable):
        sizes = np.empty(len(plans))
        for index, part in plans.parts:  # a block's plans: its sizes at once
            sizes[index] = part.block.group_size if isinstance(part, BlockPlans) else _group_sizes(part)
        return sizes
    out = []
    of_block: dict[int, Any] = {}
    for p in plans:
        if type(p) is PointPlan:
            size = of_block.get(id(p.block))
            if size is None:
                size = of_block[id(p.block)] = p.block.group_size
            if not isinstance(size, np.ndarray):  # an array over the block's points: the view takes the point's
                out.append(size)
                continue
        out.append(p.group_size)
    return out


DISTINCT_LAYERS_FROM = 32
"""Points from which a group is counted on its workload's distinct layers only (a template that
counts layer by layer, :mod:`hwcost.arch.shared.distinct`): below it, copying the counts to the
layers that share them costs about what counting fewer layers saves."""


def _evaluate_group(points: Sequence[DesignPoint], cache: CostCache) -> GroupCost:
    """Points sharing one workload and one template (see :func:`sweep`)."""
    template = template_of(points[0].arch)
    tables = _tables(points[0], template, cache)
    plans, blocks = _plan_group(template, points, tables, cache)
    archs = [p.arch for p in points]
    distinct = (cache.distinct_layers(tables) if len(points) >= DISTINCT_LAYERS_FROM
                and getattr(template, "counts_layer_by_layer", False) else None)
    # Counted on the distinct layers, a group's counts are summed from their columns in the
    # workload's order (split_by_class's columns): the same sums as over every layer.
    counted, columns = (tables, None) if distinct is None else (distinct.tables, distinct.index)
    acts = template.count(archs, plans, counted)
    shape = acts.latency_cycles.shape
    per_layer = {**acts.per_layer, **bom_counts(counted, _group_sizes(plans))}
    sums = split_by_class(per_layer, tables.layer_class, tables.n_classes, shape, columns)
    add_buffer_sums(sums, _column([a.glb_width_bits for a in archs]), _column([p.scheme.activations.bits for p in points]), tables)
    layer_latency, compute_cycles, memory_cycles = (acts.latency_cycles, acts.compute_cycles, acts.memory_cycles)
    if columns is not None:
        layer_latency, compute_cycles, memory_cycles = (c[:, columns] for c in (layer_latency, compute_cycles, memory_cycles))
    latency = layer_latency.sum(axis=1) + tables.elementwise_outputs / _column([a.post_lanes for a in archs])
    macs = float(tables.shapes.macs.sum())
    latency_s = latency / (_column([a.clock_mhz for a in archs]) * 1e6)
    width = _column([a.glb_width_bits for a in archs])[:, None]
    per_layer[Count.GLB_READ_ACCESSES] = np.broadcast_to(per_layer[Count.GLB_READ_BITS], shape) / width
    per_layer[Count.GLB_WRITE_ACCESSES] = np.broadcast_to(per_layer[Count.GLB_WRITE_BITS], shape) / width
    return GroupCost(
        rows=tuple(r.with_latency(latency_s) for r in (
            row_costs([p.rows for p in plans], sums) if blocks is None or len(blocks) == len(points)
            else block_row_costs(blocks, len(points), sums))),
        macs=np.full(len(points), macs),
        latency_cycles=latency,
        utilisation=macs / (latency * acts.peak_macs_per_cycle),
        compute_cycles=compute_cycles.sum(axis=1),
        memory_cycles=memory_cycles.sum(axis=1),
        plans=plans,
        per_layer=per_layer if columns is None else ExpandedCounts(per_layer, columns),
        layer_latency_cycles=layer_latency,
        peak_macs_per_cycle=acts.peak_macs_per_cycle,
        mapping=acts.mapping if columns is None else expanded_mapping(acts.mapping, columns),
    )


def _class_labels(datapaths: ClassDatapaths) -> tuple[tuple[str, str], ...]:
    """Each precision class's (bits, name): ``("W4/A4", "body")``, ``("fp32", "first/last")``..."""
    out = []
    for k, dp in enumerate(datapaths.datapaths):
        fp = k == EDGE and datapaths.fp_edge
        bits = "fp32" if fp else f"W{dp.scheme.weights.bits}/A{dp.scheme.activations.bits}"
        out.append((bits, {BODY: "body", EDGE: "first/last"}.get(k, f"class {k}")))
    return tuple(out)


def _layer_costs(cost: GroupCost, rows: Sequence[PricedRow], tables: WorkloadTables, index: int,
                 clock_mhz: float, labels: Sequence[tuple[str, str]]) -> tuple[LayerCost, ...]:
    """Each compute layer's energy per category: every term whose count is a per-layer count,
    at the energy of the layer's precision class, and every row's leakage over the layer's
    cycles; cycles and utilisation per layer."""
    n = len(tables.layer_names)
    by_unit: dict[str, np.ndarray] = {}  # in the rows' order; each row's category is its unit's
    category_of: dict[str, Category] = {}
    layer_s = cost.layer_latency_cycles[index] / (clock_mhz * 1e6)
    actions_of: dict[Enum, np.ndarray | None] = {}  # the point's per-layer actions per count (read once)
    for row in rows:
        name = row.name  # the breakdown row's unit name
        e_row = np.zeros(n)
        if row.leakage_mw:
            e_row = e_row + row.leakage_mw * layer_s * 1e9
        for term in row.terms:
            key = term.count
            if key in actions_of:
                actions = actions_of[key]
            else:
                counts = cost.per_layer.get(key)
                actions = actions_of[key] = None if counts is None else np.broadcast_to(counts, (len(cost.macs), n))[index]
            if actions is None:  # the element-wise layers' operations
                continue
            e_row = e_row + term.per_layer(tables.layer_class, tables.n_classes) * actions
        by_unit[name] = by_unit.get(name, np.zeros(n)) + e_row
        category_of[name] = row.category
    energy: dict[Category, np.ndarray] = {}
    for name, e_row in by_unit.items():
        energy[category_of[name]] = energy.get(category_of[name], np.zeros(n)) + e_row
    macs = tables.shapes.macs
    latency = cost.layer_latency_cycles[index]
    utilisation = (macs / (latency * cost.peak_macs_per_cycle[index])).tolist()
    order = [c for c in Category if c in energy]
    mapping = cost.mapping[index] if cost.mapping is not None else [""] * n
    # Python floats by layer (tolist: the same doubles float() of each element gives)
    by_category = [(c, energy[c].tolist()) for c in order]
    units = [(u, category_of[u], e.tolist()) for u, e in by_unit.items()]
    layer_labels = [labels[k] for k in tables.layer_class.tolist()]
    macs_l, latency_l = macs.astype(float).tolist(), latency.astype(float).tolist()
    return tuple(
        LayerCost(name, macs_l[i], tuple((c, e[i]) for c, e in by_category), latency_l[i], utilisation[i],
                  str(mapping[i]), *layer_labels[i],
                  energy_by_unit=tuple((u, c, e[i]) for u, c, e in units if e[i]))
        for i, name in enumerate(tables.layer_names)
    )


REPORT_CACHE_LIMIT = 4096  # entries (CostCache.size) a report cache kept between calls may hold
_report_caches: dict[str, CostCache] = {}  # per template name: the cache report_of uses when given none


def _report_cache(template: Template[Any, Any], point: DesignPoint) -> CostCache | None:
    """The cache kept between ``report_of`` calls for ``template`` (a new one once the last
    outgrew :data:`REPORT_CACHE_LIMIT`), or None where a report needs a cache of its own: a report
    names the components its point priced without a leakage model (its library's pricer's
    ``without_leakage``), and a pricer shared by several points collects theirs. While that set
    is empty, it is empty for every point the pricer priced (a component enters it the first time
    any point prices it); once it is not, that library's reports on that template take a new
    cache each, as before."""
    cache = _report_caches.get(template.name)
    if cache is None or cache.size() > REPORT_CACHE_LIMIT:
        cache = _report_caches[template.name] = CostCache()
    return None if cache.pricer(point.techlib).without_leakage else cache


def report_of(point: DesignPoint, cache: CostCache | None = None, scope: Scope = Scope.SYSTEM) -> CostReport:
    """The :class:`CostReport` of one design point, at ``scope`` (default: the system, DRAM included).

    Without ``cache``, the plans, datapaths, tables and prices are kept between calls (one cache
    per template, :func:`_report_cache`): the report is the same as with a new cache."""
    if cache is None:
        cache = _report_cache(template_of(point.arch), point)
        if cache is not None:
            cost = _evaluate_group([point], cache)
            if cache.pricer(point.techlib).without_leakage:  # learnt just now: the set may hold other points'
                cache = None
        if cache is None:
            cache = CostCache()
            cost = _evaluate_group([point], cache)
    else:
        cost = _evaluate_group([point], cache)
    order = list(Category)
    breakdown = tuple(
        BreakdownRow(
            unit=r.name,
            category=r.category,
            energy_pj=float(r.energy_pj[0]),
            area_um2=float(r.area_um2[0]),
            actions=float(r.actions[0]),
            source=r.sources[0],
            static_pj=float(r.static_pj[0]),
        )
        for r in sorted(cost.rows, key=lambda r: order.index(r.category))
    )
    desc = point.describe()
    template = template_of(point.arch)
    tables = _tables(point, template, cache)
    s = point.scheme
    settings = (
        ("zero_point", s.zero_point_realisation.value),
        ("scale_at", s.scale_realisation.value),
        *template.settings(point.arch, cost.plans[0], tables),
    )
    unmodelled = sorted(cache.pricer(point.techlib).without_leakage)
    if unmodelled:
        settings += (("no_leakage_model", ", ".join(unmodelled)),)
    report = CostReport(
        scheme=desc["scheme"],
        weight_bits=desc["weight_bits"],
        act_bits=desc["act_bits"],
        arch=desc["arch"],
        node=desc["node"],
        workload=desc["workload"],
        macs=float(cost.macs[0]),
        latency_cycles=float(cost.latency_cycles[0]),
        clock_mhz=point.arch.clock_mhz,
        breakdown=breakdown,
        utilisation=float(cost.utilisation[0]),
        settings=settings,
        condition=point.condition,
        layers=_layer_costs(cost, cost.plans[0].rows, tables, 0, point.arch.clock_mhz,
                            _class_labels(cache.datapaths(point.scheme, tables))),
        compute_cycles=float(cost.compute_cycles[0]),
        memory_cycles=float(cost.memory_cycles[0]),
    )
    return report if scope is Scope.SYSTEM else report.at_scope(scope)


def evaluate(scheme: str | QuantScheme = "lsq", bits: int | None = None, **options: Any) -> CostReport:
    """Cost of one inference: ``evaluate("lsq+", 4, zero_point="pre-subtract", workload="resnet18")``.

    Options are those of :func:`design_point`. Defaults: MAC array, 45 nm, ResNet-20.
    """
    return report_of(design_point(scheme, bits, **options))


def sweep(points: Sequence[DesignPoint], cache: CostCache | None = None) -> "pd.DataFrame":
    """Evaluate many design points at once; one row per point, in the order given.

    Columns: the point's description, ``macs``, ``energy_pj``, ``area_um2``, ``latency_cycles``,
    ``utilisation``, ``tops_per_w``, ``tops_per_mm2``, ``energy_per_mac_pj``, then per breakdown
    row ``energy_pj.<unit>`` and ``area_um2.<unit>``, and per category ``energy_pj.<category>``.
    Per smaller scope (``docs/cost-model.md`` §6): ``energy_pj@array``, ``area_um2@array``,
    ``tops_per_w@array`` and the same ``@core``. ``cache`` (default: a new one, dropped on return) keeps plans and
    prices across calls.
    """
    import pandas as pd

    if not points:
        raise HwcostError.single("a sweep needs at least one design point", key="points")
    cache = cache or CostCache()
    groups: dict[tuple[object, ...], list[int]] = {}
    for i, p in enumerate(points):
        groups.setdefault(_group_key(p), []).append(i)
    frames = []
    for indices in groups.values():
        group = [points[i] for i in indices]
        frames.append(_frame(group, _evaluate_group(group, cache), indices))
    frame = frames[0] if len(frames) == 1 else pd.concat(frames).sort_index()  # one group: in order already
    numeric = frame.select_dtypes("number")  # text columns of another template stay empty
    holes = numeric.columns[np.isnan(numeric.to_numpy(dtype=float)).any(axis=0)]
    if len(holes):  # filling only the columns with a hole: the others are left as they are
        frame[holes] = frame[holes].fillna(0.0)
    return frame.reset_index(drop=True)


def _frame(group: Sequence[DesignPoint], cost: GroupCost, index: list[int]) -> "pd.DataFrame":
    """The group's rows of the sweep: description columns, then the value columns (arrays built
    in one pass over the breakdown rows, sums in the rows' order), handed to pandas at once."""
    import pandas as pd

    # the columns of every point, in order of first appearance: a design's own keys (an RRAM
    # cell's read voltage) are empty, then 0, on the points that lack them, as another template's
    data: dict[str, Any] = _description_columns(group)
    data.update(_value_columns(cost, _column([p.arch.clock_mhz for p in group]) * 1e6))
    return pd.DataFrame(data, index=index)


def _description_columns(group: Sequence[DesignPoint]) -> dict[str, list[Any]]:
    """Each point's :meth:`~hwcost.design_point.DesignPoint.describe`, by column: its design's
    columns read once per configuration object and its scheme's, library's and workload's once
    per object (a sweep's points share them), a design's value before the point's where both
    have a key; every key any point has, in order of first appearance (a key a point lacks: None)."""
    shared: dict[tuple[int, int, int], int] = {}
    archs: dict[int, int] = {}
    points: list[dict[str, Any]] = []
    designs: list[dict[str, Any]] = []
    at_point: list[int] = []
    at_design: list[int] = []
    keys: dict[str, None] = {}
    for p in group:
        key = (id(p.scheme), id(p.techlib), id(p.workload))
        j = shared.get(key)
        if j is None:
            j = shared[key] = len(points)
            points.append(p.describe())
            keys.update(dict.fromkeys(points[-1]))
        i = archs.get(id(p.arch))
        if i is None:
            i = archs[id(p.arch)] = len(designs)
            designs.append({"arch": p.arch.name, **p.arch.describe()})
            keys.update(dict.fromkeys(designs[-1]))
        at_point.append(j)
        at_design.append(i)
    columns: dict[str, list[Any]] = {}
    for k in keys:
        in_design = [k in d for d in designs]
        if not any(in_design):
            values = [d.get(k) for d in points]
            columns[k] = list(map(values.__getitem__, at_point))
        elif all(in_design):
            values = [d[k] for d in designs]
            columns[k] = list(map(values.__getitem__, at_design))
        else:
            by_design = [d.get(k, _ABSENT) for d in designs]
            by_point = [d.get(k) for d in points]
            columns[k] = [by_point[j] if by_design[i] is _ABSENT else by_design[i] for i, j in zip(at_design, at_point)]
    return columns


_ABSENT = object()  # a key a design does not describe


def _value_columns(cost: GroupCost, clock_hz: np.ndarray) -> dict[str, Any]:
    """The value columns of a group, by name, in the sweep's column order (see :func:`sweep`)."""
    rows = cost.rows
    energy = sum(r.energy_pj for r in rows)
    area = sum(r.area_um2 for r in rows)
    latency_s = cost.latency_cycles / clock_hz
    data: dict[str, Any] = dict(
        macs=cost.macs,
        energy_pj=energy,
        static_energy_pj=sum(r.static_pj for r in rows),
        area_um2=area,
        latency_cycles=cost.latency_cycles,
        utilisation=cost.utilisation,
        tops_per_w=2 * cost.macs / energy,
        tops_per_mm2=2 * cost.macs / latency_s / 1e12 / (area * 1e-6),
        energy_per_mac_pj=energy / cost.macs,
    )
    for cat in Category:
        members = [r.energy_pj for r in rows if r.category is cat]
        if members:
            data[f"energy_pj.{cat.value}"] = sum(members)
    for scope in (Scope.ARRAY, Scope.CORE):
        held = {cat: scope.holds(cat) for cat in Category}
        e = sum(r.energy_pj for r in rows if held[r.category])
        a = sum(r.area_um2 for r in rows if held[r.category])
        data[f"energy_pj@{scope.value}"] = e
        data[f"area_um2@{scope.value}"] = a
        data[f"tops_per_w@{scope.value}"] = 2 * cost.macs / e
    for r in rows:
        data[f"energy_pj.{r.name}"] = r.energy_pj
        data[f"area_um2.{r.name}"] = r.area_um2
    return data
