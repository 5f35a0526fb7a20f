"""One explicit cache for one evaluation: what a sweep computes once and reuses.

A :class:`CostCache` holds the workload tables, the classified datapaths, the memoised prices
of each technology library and the plan of each distinct design point. ``evaluate`` and
``sweep`` make one per call and drop it when they return; a caller that runs many sweeps over
the same points may pass one in. ``report_of`` without a cache keeps one per template between
calls (a one-point evaluation spends most of its time classifying and planning what the call
before it planned too), bounded by :meth:`CostCache.size` and dropped whole when it outgrows
its bound (``hwcost.evaluate.REPORT_CACHE_LIMIT``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from hwcost.arch.shared.bom import BodyEdge, classify_body_edge
from hwcost.arch.shared.distinct import DistinctLayers, distinct_layers
from hwcost.arch.shared.pricing import Pricer
from hwcost.arch.shared.tables import WorkloadTables, ideal_layer_tables, workload_tables
from hwcost.schemes import QuantScheme
from hwcost.techlib import TechLib
from hwcost.workloads import Workload

if TYPE_CHECKING:
    from hwcost.arch.template import Template

__all__ = ["CostCache"]

P = TypeVar("P")


class CostCache:
    """Tables per workload (and per design for peaks), datapaths per (scheme, workload), prices per
    library, plans per point.

    Libraries and tables are keyed by identity (they hold dicts and arrays) and kept alive by the
    cache, so an id is never reused while the cache exists.
    """

    def __init__(self) -> None:
        self._tables: dict[Workload, WorkloadTables] = {}
        self._pricers: dict[int, tuple[TechLib, Pricer]] = {}
        self._datapaths: dict[tuple[QuantScheme, int], BodyEdge] = {}
        self._datapaths_by_id: dict[tuple[int, int], tuple[QuantScheme, BodyEdge]] = {}
        self._plans: dict[tuple[object, ...], Any] = {}
        self._peaks: dict[tuple[object, ...], WorkloadTables] = {}
        self._distinct: dict[int, tuple[WorkloadTables, DistinctLayers | None]] = {}

    def tables(self, workload: Workload) -> WorkloadTables:
        tables = self._tables.get(workload)
        if tables is None:
            tables = self._tables[workload] = workload_tables(workload)
        return tables

    def peak_tables(self, template: "Template[Any, Any]", config: object, scheme: QuantScheme) -> WorkloadTables:
        """The tables of the template's ideal layer for one design (its peak)."""
        key = (template.name, config, scheme)
        tables = self._peaks.get(key)
        if tables is None:
            tables = self._peaks[key] = ideal_layer_tables(template.ideal_layer(config, scheme))
        return tables

    def distinct_layers(self, tables: WorkloadTables) -> DistinctLayers | None:
        """The distinct layers of ``tables`` (:func:`~hwcost.arch.shared.distinct.distinct_layers`),
        once per tables object (held with them, so that its id stays its own)."""
        hit = self._distinct.get(id(tables))
        if hit is None:
            hit = self._distinct[id(tables)] = (tables, distinct_layers(tables))
        return hit[1]

    def pricer(self, lib: TechLib) -> Pricer:
        hit = self._pricers.get(id(lib))
        if hit is None:
            hit = self._pricers[id(lib)] = (lib, Pricer(lib))
        return hit[1]

    def datapaths(self, scheme: QuantScheme, tables: WorkloadTables) -> BodyEdge:
        # The points of a sweep usually share their scheme objects: look the object up first
        # (hashing a scheme costs more than the lookup), then any equal scheme.
        by_id = self._datapaths_by_id.get((id(scheme), id(tables)))
        if by_id is not None:
            return by_id[1]
        key = (scheme, id(tables))
        dp = self._datapaths.get(key)
        if dp is None:
            dp = self._datapaths[key] = classify_body_edge(scheme, tables)
        self._datapaths_by_id[(id(scheme), id(tables))] = (scheme, dp)  # holds the scheme: its id stays its own
        return dp

    def forget_points(self) -> None:
        """Drop what was kept per design point (plans, peak tables, the shortcut from scheme
        objects to their datapaths), keep what is kept per scheme, workload and library (tables,
        datapaths, prices): a stream of chunks prices each chunk with the prices of the last."""
        self._plans.clear()
        self._peaks.clear()
        self._distinct.clear()
        self._datapaths_by_id.clear()

    def size(self) -> int:
        """How many things the cache holds: tables, datapaths, plans, peaks and each library's
        derived prices (what a cache kept across calls is bounded by)."""
        return (len(self._tables) + len(self._datapaths) + len(self._plans) + len(self._peaks) + len(self._distinct)
                + sum(1 + len(pricer._derived) for _, pricer in self._pricers.values()))

    def plan(self, template: "Template[Any, P]", scheme: QuantScheme, config: object, lib: TechLib,
             tables: WorkloadTables) -> P:
        key = (template.name, scheme, config, id(lib), id(tables))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = template.plan(scheme, config, self.pricer(lib), tables, self.datapaths(scheme, tables))
        return plan
