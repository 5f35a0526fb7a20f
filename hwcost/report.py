"""``CostReport``: energy, area and latency of one design point, broken down by unit.

The totals are *defined* as the sums of the breakdown rows, so the breakdown always adds up.
One MAC is two operations (the convention of the chips the TOPS figures are compared with).

A report covers a **scope** (:class:`Scope`: the array, the core, or the system with DRAM) under
a **condition** (:class:`Condition`: a workload's inference, or the design's peak on an ideal
layer); :meth:`CostReport.at_scope` narrows a system report to the rows of a smaller scope.
Definitions: ``docs/cost-model.md`` §6.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from typing import TYPE_CHECKING, Any

from hwcost.errors import HwcostError

if TYPE_CHECKING:
    import pandas as pd

    from hwcost.uncertainty import Band

__all__ = ["Category", "Scope", "Condition", "BreakdownRow", "LayerCost", "CostReport", "AREA_WARNING_MM2",
           "UTILISATION_WARNING"]


# Design warnings (:attr:`CostReport.warnings`; docs/cim-model.md §2). Area: the largest die one
# lithographic exposure prints, the 26 mm x 33 mm scanner field (858 mm2) -- above it the design is
# not one chip. Utilisation: below 1 % of the array's peak over a workload, 99 % of its cycles are
# idle: the array is sized far beyond the workload, its area and leakage paid for nothing [A: a
# stated choice, not a measurement].
AREA_WARNING_MM2 = 26.0 * 33.0
UTILISATION_WARNING = 0.01


class Category(Enum):
    COMPUTE = "compute"  # PE array: multipliers, accumulators, PE registers, network adds/pools
    QUANT_OVERHEAD = "quantization overhead"  # units the scheme adds: requant, zero-point, BN, scales
    ON_CHIP_MEMORY = "on-chip memory"  # global buffer
    DRAM = "dram"
    # compute-in-memory categories
    CIM_ARRAY = "cim array"
    CIM_PERIPHERY = "cim periphery"


class Scope(Enum):
    """How much of the design a figure counts, smallest first; each scope holds the smaller ones.

    ``array``: the PE array or the CIM macros with their periphery (ADCs, DACs, shift-add) and the
    post-processing lanes (requantization, bias, zero-point, BN, element-wise layers); ``core``:
    everything on chip (the array and the global buffer); ``system``: the core and DRAM.
    """

    ARRAY = "array"
    CORE = "core"
    SYSTEM = "system"

    def holds(self, category: Category) -> bool:
        order = list(Scope)
        return order.index(_SCOPE_OF[category]) <= order.index(self)


_SCOPE_OF = {
    Category.COMPUTE: Scope.ARRAY,
    Category.QUANT_OVERHEAD: Scope.ARRAY,
    Category.CIM_ARRAY: Scope.ARRAY,
    Category.CIM_PERIPHERY: Scope.ARRAY,
    Category.ON_CHIP_MEMORY: Scope.CORE,
    Category.DRAM: Scope.SYSTEM,
}


class Condition(Enum):
    """What runs: one inference of a workload, or the design at full utilisation on an ideal
    layer that maps perfectly onto it (its peak)."""

    WORKLOAD = "workload"
    PEAK = "peak"


@dataclass(frozen=True)
class BreakdownRow:
    unit: str
    category: Category
    energy_pj: float  # per inference
    area_um2: float
    actions: float  # per inference (MACs, accesses, operations)
    source: str = "techlib"  # "techlib" or the source of a pinned cost
    static_pj: float = 0.0  # leakage x latency; part of energy_pj

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "category": self.category.value,
            "energy_pj": self.energy_pj,
            "area_um2": self.area_um2,
            "actions": self.actions,
            "source": self.source,
            "static_pj": self.static_pj,
        }


@dataclass(frozen=True)
class LayerCost:
    """One compute layer of the workload: its MACs, its energy per category (what its own actions
    cost: MACs, its bill-of-materials units, its buffer and DRAM traffic), its cycles and its
    utilisation of the array. The element-wise layers (residual adds, pooling) are not compute
    layers: :attr:`CostReport.elementwise_energy_pj` holds them."""

    name: str
    macs: float
    energy_by_category: tuple[tuple[Category, float], ...]
    latency_cycles: float
    utilisation: float
    mapping: str = ""  # the mapping chosen for this layer, when the template chooses per layer
    bits: str = ""  # its precision: "W4/A4", or "fp32" for a first/last layer in floating point
    precision_class: str = ""  # "body", "first/last", or "class 2", 3, ... (a precision of its own)
    # (unit, its category, energy_pj) of every breakdown row this layer's actions and cycles cost
    energy_by_unit: tuple[tuple[str, Category, float], ...] = ()

    @property
    def energy_pj(self) -> float:
        return float(sum(e for _, e in self.energy_by_category))

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "macs": self.macs, "energy_pj": self.energy_pj, "latency_cycles": self.latency_cycles,
                "utilisation": self.utilisation, "mapping": self.mapping, "bits": self.bits,
                "precision_class": self.precision_class,
                "energy_pj_by_category": {c.value: e for c, e in self.energy_by_category}}


@dataclass(frozen=True)
class CostReport:
    """Cost of one design point for one inference of the workload."""

    scheme: str
    weight_bits: int
    act_bits: int
    arch: str
    node: str
    workload: str
    macs: float
    latency_cycles: float
    clock_mhz: float
    breakdown: tuple[BreakdownRow, ...]
    utilisation: float  # MACs / (latency_cycles * PEs)
    settings: tuple[tuple[str, Any], ...] = ()  # zero-point / scale realisation, arch parameters
    scope: Scope = Scope.SYSTEM  # the breakdown holds the rows of this scope only
    condition: Condition = Condition.WORKLOAD
    layers: tuple[LayerCost, ...] = ()  # per compute layer, at this scope
    # The array's stall-free cycles and the memories' (GLB, DRAM) cycles, each summed over layers;
    # the latency is at least the larger of the two (docs/cost-model.md, latency). None: not given.
    compute_cycles: float | None = None
    memory_cycles: float | None = None

    @property
    def elementwise_energy_pj(self) -> float:
        """What the compute layers do not account for: the element-wise layers' operations and
        their buffer traffic. A remainder within rounding of the total (a peak report has no
        element-wise layers) is 0, not a negative zero or -1e-9 pJ."""
        total = self.energy_pj
        rest = total - float(sum(layer.energy_pj for layer in self.layers))
        return 0.0 if abs(rest) <= 1e-12 * abs(total) else rest

    def at_scope(self, scope: Scope) -> "CostReport":
        """This report narrowed to ``scope``: the breakdown keeps the rows of that scope, so every
        total (energy, area, TOPS/W, TOPS/mm2) is the scope's. Latency is the design's either way."""
        if list(Scope).index(scope) > list(Scope).index(self.scope):
            raise ValueError(f"a {self.scope.value} report cannot be widened to {scope.value}")
        layers = tuple(replace(layer, energy_by_category=tuple((c, e) for c, e in layer.energy_by_category if scope.holds(c)),
                               energy_by_unit=tuple(u for u in layer.energy_by_unit if scope.holds(u[1])))
                       for layer in self.layers)
        return replace(self, breakdown=tuple(r for r in self.breakdown if scope.holds(r.category)), scope=scope,
                       layers=layers)

    @property
    def energy_pj(self) -> float:
        return float(sum(row.energy_pj for row in self.breakdown))

    @property
    def static_energy_pj(self) -> float:
        """The leakage part of the energy: each row's static power x the latency."""
        return float(sum(row.static_pj for row in self.breakdown))

    @property
    def area_um2(self) -> float:
        return float(sum(row.area_um2 for row in self.breakdown))

    @property
    def latency_s(self) -> float:
        return self.latency_cycles / (self.clock_mhz * 1e6)

    @property
    def tops_per_w(self) -> float:
        # 2 ops per MAC; ops/pJ == TOPS/W
        return 2 * self.macs / self._nonzero(self.energy_pj, "energy", "tops_per_w")

    @property
    def tops_per_mm2(self) -> float:
        per_s = 2 * self.macs / self._nonzero(self.latency_s, "latency", "tops_per_mm2") / 1e12
        return per_s / (self._nonzero(self.area_um2, "area", "tops_per_mm2") * 1e-6)

    @property
    def energy_per_mac_pj(self) -> float:
        return self.energy_pj / self._nonzero(self.macs, "MAC count", "energy_per_mac_pj")

    @property
    def warnings(self) -> tuple[str, ...]:
        """Why this design may not be a plausible chip: its area above ``AREA_WARNING_MM2``, or (over
        a workload) its utilisation below ``UTILISATION_WARNING``; each names the macro count when
        the design has macros. The CLI prints them to stderr."""
        macros = dict(self.settings).get("macros")
        on = f" ({macros} macros)" if macros is not None else ""
        out = []
        area_mm2 = self.area_um2 / 1e6
        if area_mm2 > AREA_WARNING_MM2:
            out.append(f"area {area_mm2:,.0f} mm2{on} exceeds the {AREA_WARNING_MM2:.0f} mm2 of one lithographic "
                       "field (26 x 33 mm): not one chip")
        if self.condition is Condition.WORKLOAD and self.utilisation < UTILISATION_WARNING:
            out.append(f"utilisation {100 * self.utilisation:.2g} %{on} is below {100 * UTILISATION_WARNING:g} %: "
                       "the array is sized far beyond this workload")
        return tuple(out)

    def _nonzero(self, denominator: float, name: str, ratio: str) -> float:
        """``denominator``, or a clear error when it is 0 (every unit pinned at 0 pJ, say), so an
        efficiency is never a ZeroDivisionError or an inf."""
        if denominator == 0:
            raise HwcostError.single(f"the {name} is 0 for {self.scheme} W{self.weight_bits}/A{self.act_bits} on "
                                     f"{self.arch}, {self.node}, {self.workload} (scope {self.scope.value}), so the "
                                     "ratio is not a finite number", key=ratio)
        return denominator

    def band(self, samples: int = 1000, seed: int = 0, techlib: Any = None) -> "Band":
        """p10 / p50 / p90 of energy, static energy, TOPS/W and area under the technology library's
        spreads: ``samples`` Monte Carlo draws from ``seed`` (byte-identical for a seed). ``techlib``:
        the TechLib the report was priced with, when ``node`` does not name one
        (:mod:`hwcost.uncertainty`, ``docs/uncertainty.md``)."""
        from hwcost.uncertainty import band

        return band(self, samples, seed, techlib)

    def by_layer(self) -> "pd.DataFrame":
        """One row per compute layer: ``layer``, ``macs``, ``bits``, ``class``, ``mapping``,
        ``latency_cycles``, ``utilisation``, ``energy_pj``, then ``energy_pj.<category>`` and
        ``energy_pj.<unit>`` (pJ per inference). The element-wise layers are no compute layers:
        :attr:`elementwise_energy_pj` holds what the rows do not."""
        import pandas as pd

        categories = [c for c in Category if any(c is k for layer in self.layers for k, _ in layer.energy_by_category)]
        units = list(dict.fromkeys(u for layer in self.layers for u, _, _ in layer.energy_by_unit))
        records = []
        for layer in self.layers:
            by_cat, by_unit = dict(layer.energy_by_category), {u: e for u, _, e in layer.energy_by_unit}
            records.append({
                "layer": layer.name, "macs": layer.macs, "bits": layer.bits, "class": layer.precision_class,
                "mapping": layer.mapping, "latency_cycles": layer.latency_cycles, "utilisation": layer.utilisation,
                "energy_pj": layer.energy_pj,
                **{f"energy_pj.{c.value}": by_cat.get(c, 0.0) for c in categories},
                **{f"energy_pj.{u}": by_unit.get(u, 0.0) for u in units},
            })
        return pd.DataFrame.from_records(records)

    def by_category(self) -> dict[str, tuple[float, float]]:
        """(energy_pj, area_um2) summed per category, in Category order."""
        out: dict[str, tuple[float, float]] = {}
        for cat in Category:
            rows = [r for r in self.breakdown if r.category is cat]
            if rows:
                out[cat.value] = (sum(r.energy_pj for r in rows), sum(r.area_um2 for r in rows))
        return out

    def _repr_html_(self) -> str:
        """Jupyter: the totals and the breakdown as HTML tables, units in the column names."""
        from hwcost._html import report_html

        return report_html(self)

    def as_dict(self) -> dict[str, Any]:
        return {
            "scheme": self.scheme,
            "weight_bits": self.weight_bits,
            "act_bits": self.act_bits,
            "arch": self.arch,
            "node": self.node,
            "workload": self.workload,
            "scope": self.scope.value,
            "condition": self.condition.value,
            **dict(self.settings),
            "macs": self.macs,
            "energy_pj": self.energy_pj,
            "static_energy_pj": self.static_energy_pj,
            "area_um2": self.area_um2,
            "latency_cycles": self.latency_cycles,
            "compute_cycles": self.compute_cycles,
            "memory_cycles": self.memory_cycles,
            "latency_s": self.latency_s,
            "utilisation": self.utilisation,
            "tops_per_w": self.tops_per_w,
            "tops_per_mm2": self.tops_per_mm2,
            "energy_per_mac_pj": self.energy_per_mac_pj,
            "by_category": {k: {"energy_pj": e, "area_um2": a} for k, (e, a) in self.by_category().items()},
            "breakdown": [row.as_dict() for row in self.breakdown],
            "layers": [layer.as_dict() for layer in self.layers],
            "elementwise_energy_pj": self.elementwise_energy_pj,
            "warnings": list(self.warnings),
        }
