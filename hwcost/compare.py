"""Two or more design points side by side: totals, ratios to the first, per-unit deltas.

"What does LSQ+ cost over LSQ?" is one call:

    >>> c = compare([{"scheme": "lsq", "bits": 4}, {"scheme": "lsq+", "bits": 4}])
    >>> c.labels
    ('lsq', 'lsq+')
    >>> round(c.ratio("energy_pj")[1], 4) == round(c.reports[1].energy_pj / c.reports[0].energy_pj, 4)
    True

A configuration is a :class:`~hwcost.DesignPoint` or a mapping of :func:`~hwcost.design_point`'s
options (``scheme``, ``bits``, ``weight_bits``, ``act_bits``, ``zero_point``, ``scale_at``,
``arch``, ``node``, ``techlib``, ``workload``) plus any key of the chosen template (``pe_rows``,
``adc_bits``, ...: ``docs/arch-reference.md``). A report's totals are the sums of its breakdown
rows, so the per-unit deltas add up to the total delta (a unit one point lacks counts 0 there).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from hwcost.design_point import DesignPoint, design_point
from hwcost.errors import HwcostError
from hwcost.evaluate import CostCache, report_of
from hwcost.report import Category, CostReport, Scope
from hwcost.techlib import TechLib
from hwcost.uncertainty import DEFAULT_SAMPLES, Band, RatioBand, band, ratio_bands

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TOTALS", "POINT_OPTIONS", "UnitComparison", "Comparison", "compare", "point_of"]

# The totals compared, each a CostReport property, with the unit in its name.
TOTALS: tuple[str, ...] = ("energy_pj", "static_energy_pj", "area_um2", "latency_cycles", "energy_per_mac_pj",
                           "tops_per_w", "tops_per_mm2", "utilisation")
# design_point's options; any other key of a configuration mapping is a key of its template.
POINT_OPTIONS: tuple[str, ...] = ("scheme", "bits", "weight_bits", "act_bits", "zero_point", "scale_at", "arch", "node",
                                  "techlib", "workload")
# What tells two reports apart, in the order a label names it.
_LABEL_FIELDS = ("scheme", "bits", "zero_point", "scale_at", "arch", "node", "workload")


@dataclass(frozen=True)
class UnitComparison:
    """One breakdown row across the configurations (0 where a configuration lacks the unit)."""

    unit: str
    category: Category
    energy_pj: tuple[float, ...]
    area_um2: tuple[float, ...]

    @property
    def energy_delta_pj(self) -> tuple[float, ...]:
        """Each configuration's energy minus the first's (the first's delta is 0)."""
        return tuple(e - self.energy_pj[0] for e in self.energy_pj)

    @property
    def area_delta_um2(self) -> tuple[float, ...]:
        return tuple(a - self.area_um2[0] for a in self.area_um2)


@dataclass(frozen=True)
class Comparison:
    """Reports of two or more configurations; the first is the reference of ratios and deltas."""

    labels: tuple[str, ...]
    reports: tuple[CostReport, ...]
    techlibs: tuple[TechLib, ...] = ()  # the library each report was priced with (for its band)

    def _lib(self, i: int) -> TechLib | None:
        return self.techlibs[i] if self.techlibs else None

    def bands(self, samples: int = DEFAULT_SAMPLES, seed: int = 0) -> tuple[Band, ...]:
        """Each configuration's p10 / p50 / p90 (``hwcost.uncertainty``); one seed for all."""
        return tuple(band(r, samples, seed, self._lib(i)) for i, r in enumerate(self.reports))

    def ratio_bands(self, samples: int = DEFAULT_SAMPLES, seed: int = 0) -> dict[str, tuple[RatioBand, ...]]:
        """Each other configuration over the first, per sample (the same draws for both, so what the two
        designs share cancels), with the probability that it beats the first; keyed by label."""
        return {label: ratio_bands(self.reports[0], r, samples, seed, (self._lib(0), self._lib(i)))
                for i, (label, r) in enumerate(zip(self.labels, self.reports)) if i > 0}

    def uncertainty_dict(self, samples: int = DEFAULT_SAMPLES, seed: int = 0) -> dict[str, Any]:
        """The bands and ratio bands as data (``hwcost compare --uncertainty --format json``)."""
        return {"bands": {label: b.as_dict() for label, b in zip(self.labels, self.bands(samples, seed))},
                "ratio_bands": {label: [b.as_dict() for b in bands]
                                for label, bands in self.ratio_bands(samples, seed).items()}}

    def total(self, name: str) -> tuple[float, ...]:
        """One of :data:`TOTALS` for every configuration."""
        if name not in TOTALS:
            raise HwcostError.single(f"unknown total '{name}'; totals: {', '.join(TOTALS)}", key="total")
        return tuple(float(getattr(r, name)) for r in self.reports)

    def ratio(self, name: str) -> tuple[float, ...]:
        """``total(name)`` of each configuration divided by the first's (the first: 1)."""
        values = self.total(name)
        if values[0] == 0:
            raise HwcostError.single(f"{name} of {self.labels[0]} is 0: no ratio to it", key=name)
        return tuple(v / values[0] for v in values)

    @property
    def units(self) -> tuple[UnitComparison, ...]:
        """Every unit any configuration has, in category order, then in the order met."""
        rows: dict[str, tuple[Category, list[float], list[float]]] = {}
        for i, report in enumerate(self.reports):
            for row in report.breakdown:
                cat, energy, area = rows.setdefault(row.unit, (row.category, [0.0] * len(self.reports),
                                                               [0.0] * len(self.reports)))
                energy[i] += row.energy_pj
                area[i] += row.area_um2
        order = list(Category)
        ranked = sorted(rows.items(), key=lambda item: order.index(item[1][0]))
        return tuple(UnitComparison(unit, cat, tuple(e), tuple(a)) for unit, (cat, e, a) in ranked)

    def as_dict(self) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "reference": self.labels[0],
            "configurations": [{"label": label, **_description(r)} for label, r in zip(self.labels, self.reports)],
            "totals": {name: dict(zip(self.labels, self.total(name))) for name in TOTALS},
            "ratios": {name: dict(zip(self.labels, self.ratio(name))) for name in TOTALS},
            "units": [{"unit": u.unit, "category": u.category.value,
                       "energy_pj": dict(zip(self.labels, u.energy_pj)),
                       "energy_delta_pj": dict(zip(self.labels, u.energy_delta_pj)),
                       "area_um2": dict(zip(self.labels, u.area_um2)),
                       "area_delta_um2": dict(zip(self.labels, u.area_delta_um2))} for u in self.units],
        }

    def to_frame(self) -> "pd.DataFrame":
        """One row per (quantity, configuration): ``quantity`` (a total, or ``energy_pj.<unit>`` /
        ``area_um2.<unit>``), ``category`` (``total`` for totals), ``configuration``, ``value``,
        ``delta`` (value minus the first configuration's) and ``ratio`` (value over the first's;
        empty where the first's is 0)."""
        import pandas as pd

        rows = []

        def add(quantity: str, category: str, values: Sequence[float]) -> None:
            for label, value in zip(self.labels, values):
                ratio: float | str = value / values[0] if values[0] != 0 else ""
                rows.append({"quantity": quantity, "category": category, "configuration": label, "value": value,
                             "delta": value - values[0], "ratio": ratio})

        for name in TOTALS:
            add(name, "total", self.total(name))
        for u in self.units:
            add(f"energy_pj.{u.unit}", u.category.value, u.energy_pj)
            add(f"area_um2.{u.unit}", u.category.value, u.area_um2)
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False, float_format=lambda v: f"{v:.6g}")


def _plain(value: Any) -> Any:
    """A key's value as a file writes it: an enum's value, true / false."""
    if isinstance(value, bool):
        return str(value).lower()
    return value.value if isinstance(value, Enum) else value


def _description(report: CostReport) -> dict[str, Any]:
    settings = dict(report.settings)
    return {"scheme": report.scheme, "weight_bits": report.weight_bits, "act_bits": report.act_bits,
            "zero_point": settings.get("zero_point"), "scale_at": settings.get("scale_at"), "arch": report.arch,
            "node": report.node, "workload": report.workload, "scope": report.scope.value}


def point_of(config: DesignPoint | Mapping[str, Any], flags: Mapping[str, str] | None = None) -> DesignPoint:
    """A design point from a mapping of design_point's options and template keys (``flags``: the
    name each template key was typed under, for messages)."""
    if isinstance(config, DesignPoint):
        return config
    from hwcost.arch.registry import load_arch, with_overrides

    options = {k: v for k, v in config.items() if k in POINT_OPTIONS}
    arch_keys = {k: v for k, v in config.items() if k not in POINT_OPTIONS}
    if arch_keys:
        arch = options.get("arch", "mac_array")
        options["arch"] = with_overrides(arch if not isinstance(arch, str) else load_arch(arch), arch_keys,
                                         source="config", flags=flags)
    return design_point(**options)


def _labels(reports: Sequence[CostReport], configs: Sequence[DesignPoint | Mapping[str, Any]],
            points: Sequence[DesignPoint]) -> tuple[str, ...]:
    """What differs between the reports (``lsq+ W4A4``) and the template keys the configurations
    given as mappings set, at each point's value (``adc_bits=4``); ``#2`` etc. where nothing does."""
    described = [_description(r) | {"bits": f"W{r.weight_bits}A{r.act_bits}"} for r in reports]
    differ = [f for f in _LABEL_FIELDS if len({d[f] for d in described}) > 1]
    named = list(dict.fromkeys(k for c in configs if isinstance(c, Mapping) for k in c if k not in POINT_OPTIONS))
    values = [{k: _plain(getattr(p.arch, k, "-")) for k in named} for p in points]
    varied = [k for k in named if len({repr(v[k]) for v in values}) > 1]
    labels = [" ".join([str(d[f]) for f in differ] + [f"{k}={v[k]}" for k in varied])
              for d, v in zip(described, values)]
    return tuple(label if label and labels.count(label) == 1 else f"#{i + 1}" + (f" {label}" if label else "")
                 for i, label in enumerate(labels))


def compare(configs: Sequence[DesignPoint | Mapping[str, Any]], labels: Sequence[str] | None = None,
            scope: Scope = Scope.SYSTEM) -> Comparison:
    """Price two or more configurations (one cache shared) and compare them to the first."""
    if len(configs) < 2:
        raise HwcostError.single(f"a comparison needs at least two configurations; got {len(configs)}", key="configs")
    cache = CostCache()
    points = [point_of(c) for c in configs]
    reports = tuple(report_of(p, cache=cache, scope=scope) for p in points)
    if labels is not None and (len(labels) != len(reports) or len(set(labels)) != len(labels)):
        raise HwcostError.single(f"expected {len(reports)} distinct labels; got {list(labels)}", key="labels")
    return Comparison(tuple(labels) if labels is not None else _labels(reports, configs, points), reports,
                      tuple(p.techlib for p in points))
