"""The CIM template: its configuration, plan and counts behind the template protocol, and the
report's settings (ADC precision and mapping notes).

For a group of points on one workload:

1. ``plan_cim_block``     map a block of points onto macros, price every row (arrays over the block's
                          points, split by the structure of their rows);
2. ``cim_geometry``       slices, row groups, tiles of every layer (points x layers);
3. ``count_cim_actions``  conversions, cell operations, traffic, cycles (points x layers).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

import numpy as np

from hwcost._config import Checker
from hwcost.arch.cim_macro.config import CIM_MACRO_DEFAULTS, CimMacroConfig, cim_macro_from_mapping
from hwcost.arch.cim_macro.counts import (CimCount, CimGeometry, CimLayerActions, CimLayerParams,
                                          cim_geometry, count_cim_actions)
from hwcost.arch.cim_macro.plan import (MACROS, CimOperands, CimPlan, block_key, count_settings, layer_params, operands,
                                        plan_cim_block, plan_cim_macro)
from hwcost.arch.shared.params import distinct, gather
from hwcost.arch.cim_macro.ideal import ideal_row_groups
from hwcost.arch.shared.memory import traffic_counts
from hwcost.arch.shared.noc import noc_setting
from hwcost.arch.shared.bom import BodyEdge, classify_body_edge
from hwcost.arch.shared.pricing import PointPlan, PricedRow, Pricer, point_plans
from hwcost.arch.shared.tables import BODY, PEAK_STREAM_LENGTH, IdealLayer, WorkloadTables, ideal_layer_tables
from hwcost.arch.template import GroupActions, Setting
from hwcost.schemes import QuantScheme

__all__ = ["CIM_MACRO", "CimMacroTemplate", "CimPointPlan", "CimSummary", "cim_summary"]


CimPointPlan = PointPlan  # one point's view of a CIM (or digital-CIM) sub-block plan


def _plan_values(plans: Sequence[CimPlan | CimPointPlan], name: str) -> list[Any]:
    """Each plan's ``name``: a point's own number where its block plan holds an array over its
    points (``_PER_POINT``), read from the block plan directly (not through the point's view)."""
    per_point = name in _PER_POINT
    return [(getattr(p.block, name)[p.index] if per_point else getattr(p.block, name)) if type(p) is PointPlan
            else getattr(p, name) for p in plans]


_PER_POINT = frozenset({"macros", "macros_needed"})  # CimPlan fields that are arrays in a block plan


def _peak_macs_per_cycle(params: CimLayerParams, adcs_per_macro: np.ndarray, macros: np.ndarray, g: CimGeometry,
                         t: WorkloadTables) -> np.ndarray:
    """macros * A * min(C/s, C S_conv pol_conv / (S_w pol)) / (S_conv pol_conv S_a) at the body
    layers' widths: the ADCs convert C/s sums of A rows per cycle, or every sum of one activation
    when they outnumber them."""
    body = t.in_class(BODY)
    col = body if body.any() else np.ones_like(body)
    conv = (g.conv_slices * g.conv_polarity)[:, col]
    per_mac = (conv * g.input_slices[:, col]).max(axis=1)
    share = (conv / (g.weight_slices * g.polarity)[:, col]).min(axis=1)  # sums per physical column
    cols = params.cols[:, 0]
    rows = params.active_rows[:, 0]  # rows summed per conversion
    return macros * rows * np.minimum(adcs_per_macro, cols * share) / per_mac


def _actions(archs: Sequence[CimMacroConfig], plans: Sequence[CimPlan | CimPointPlan],
             t: WorkloadTables) -> tuple[CimGeometry, CimLayerActions, CimLayerParams]:
    params = layer_params(archs, _plan_values(plans, "operands"), t)
    g = cim_geometry(t.shapes, params)
    return g, count_cim_actions(t.shapes, params, g), params


def _value_ids(objects: Sequence[Any], value: Any = None) -> list[int]:
    """Each object's position among the distinct values (``value(object)``, or the object itself)
    of the objects, each distinct object's value made and hashed once."""
    ids = list(map(id, objects))
    by_value: dict[Any, int] = {}
    of_object = {i: by_value.setdefault(o if value is None else value(o), len(by_value))
                 for i, o in dict(zip(ids, objects)).items()}
    return list(map(of_object.__getitem__, ids))


def distinct_points(configs: Sequence[Any], ops: Sequence[Any], settings: Any = None) -> tuple[list[int], list[int] | None]:
    """The first point of each distinct (configuration, operands) pair -- the configuration by
    identity, or by ``settings(config)`` (the numbers its counts read) when given; the operands by
    value (schemes of equal operand widths have equal operands) -- in order of first appearance,
    and each point's position among them (``None`` when every pair is distinct). A point's counts,
    its macro count and its peak depend on nothing else (not on its scheme's post-processing
    units, nor on its library)."""
    pairs = list(zip(map(id, configs) if settings is None else _value_ids(configs, settings), _value_ids(ops)))
    n = len(pairs)
    first = dict(zip(reversed(pairs), range(n - 1, -1, -1)))  # each pair's smallest index
    if len(first) == n:
        return list(range(n)), None
    keys = sorted(first, key=first.__getitem__)
    position = {k: j for j, k in enumerate(keys)}
    return [first[k] for k in keys], list(map(position.__getitem__, pairs))


def gather_actions(acts: GroupActions, where: list[int]) -> GroupActions:
    """Counts of distinct points gathered to every point (``where``: each point's row)."""
    at = np.asarray(where, dtype=np.intp)
    return GroupActions(per_layer={k: v[at] for k, v in acts.per_layer.items()}, compute_cycles=acts.compute_cycles[at],
                        memory_cycles=acts.memory_cycles[at], latency_cycles=acts.latency_cycles[at],
                        peak_macs_per_cycle=acts.peak_macs_per_cycle[at],
                        mapping=None if acts.mapping is None else acts.mapping[at])


def count_distinct(configs: Sequence[Any], plans: Sequence[Any], tables: WorkloadTables,
                   settings_of: Callable[[Any], tuple[float, ...]],
                   group_actions: Callable[[Sequence[Any], Sequence[Any], np.ndarray, WorkloadTables], GroupActions]
                   ) -> GroupActions:
    """A CIM template's counts: ``group_actions`` of each distinct (configuration settings,
    operands) pair (:func:`distinct_points` by ``settings_of``), gathered to every point."""
    ops = _plan_values(plans, "operands")
    macros = np.asarray(_plan_values(plans, "macros"), dtype=float)
    first, where = distinct_points(configs, ops, settings_of)
    if where is None:
        return group_actions(configs, ops, macros, tables)
    return gather_actions(group_actions([configs[i] for i in first], [ops[i] for i in first], macros[first], tables),
                          where)


def _group_actions(configs: Sequence[CimMacroConfig], ops: Sequence[CimOperands], macros: np.ndarray,
                   tables: WorkloadTables) -> GroupActions:
    params = layer_params(configs, ops, tables)
    g = cim_geometry(tables.shapes, params)
    a = count_cim_actions(tables.shapes, params, g)
    configs_once, where = distinct(configs)
    adcs = gather(np.asarray([c.adcs_per_macro for c in configs_once], dtype=float), where)
    return macro_group_actions(
        a,
        {
            CimCount.CELL_OPS: a.cell_ops,
            CimCount.ROW_DRIVES: a.row_drives,
            CimCount.CONVERSIONS: a.conversions,
            **a.conversions_by_bits,
            CimCount.ROW_GROUP_ADDS: a.row_group_adds,
            CimCount.OFFSET_SUBTRACTS: a.offset_subtracts,
            CimCount.WINDOW_SUM_ADDS: a.window_sum_adds,
            CimCount.DIGITAL_SUBTRACTS: a.digital_subtracts,
            CimCount.WEIGHT_WRITE_BITS: a.weight_write_bits,
            CimCount.ACTIVE_MACRO_CYCLES: a.active_macro_cycles,
        },
        _peak_macs_per_cycle(params, adcs, macros, g, tables),
    )


def macro_group_actions(actions: Any, own_counts: Mapping[Enum, np.ndarray], peak_macs_per_cycle: np.ndarray) -> GroupActions:
    """A CIM template's :class:`GroupActions` from its counted ``actions``: its own per-layer
    counts, then those every CIM template names alike (:func:`traffic_counts`), and the cycles."""
    return GroupActions(
        per_layer={**own_counts, **traffic_counts(actions)},
        compute_cycles=actions.compute_cycles,
        memory_cycles=actions.memory_cycles,
        latency_cycles=actions.latency_cycles,
        peak_macs_per_cycle=peak_macs_per_cycle,
    )


@dataclass(frozen=True)
class CimSummary:
    """ADC precision and mapping facts of one CIM point, for the report's settings and notes."""

    lossless_bits: int  # max over layers of the lossless ADC resolution
    quantized_layers: int  # layers whose partial sums the chosen ADC quantizes
    layers: int
    macros: int
    macros_needed: int
    resident_layers: int  # layers whose weights stay in the macros
    reload_source: str  # where the streamed layers' weights come from: "glb", "dram" or "none"
    max_row_groups: int
    conversions: float
    conversions_per_mac: float
    split_conversions: float  # conversions caused by row-group splitting
    row_group_adds: float
    weight_signed: bool
    input_signed: bool


def cim_summary(arch: CimMacroConfig, plan: CimPlan, t: WorkloadTables) -> CimSummary:
    """ADC precision and mapping facts of one planned point."""
    g, acts, _ = _actions([arch], [plan], t)
    return CimSummary(
        lossless_bits=int(g.lossless_bits.max()),
        quantized_layers=int(acts.quantized.sum()),
        layers=int(acts.quantized.shape[1]),
        macros=plan.macros,
        macros_needed=plan.macros_needed,
        resident_layers=int(acts.resident.sum()),
        reload_source="none" if bool(acts.resident.all()) else "glb" if bool(acts.reload_from_glb.any()) else "dram",
        max_row_groups=int(g.row_groups.max()),
        conversions=float(acts.conversions.sum()),
        conversions_per_mac=float(acts.conversions.sum() / max(float(t.shapes.macs.sum()), 1.0)),
        split_conversions=float(acts.split_conversions.sum()),
        row_group_adds=float(acts.row_group_adds.sum()),
        weight_signed=any(plan.operands.weight_signed),
        input_signed=any(plan.operands.input_signed),
    )


def _adc_note(a: CimMacroConfig, s: CimSummary) -> str:
    if s.quantized_layers == 0:
        return f"ADC {a.adc_bits} b >= lossless {s.lossless_bits} b: partial sums are exact"
    return (
        f"ADC {a.adc_bits} b < lossless {s.lossless_bits} b = ceil(log2((1 + s) n (2^w - 1)(2^p - 1) + 1)): "
        f"partial sums quantized in {s.quantized_layers} of {s.layers} layers"
    )


def _report_settings(arch: CimMacroConfig, s: CimSummary) -> tuple[Setting, ...]:
    """The report settings of a CIM point: arch parameters, ADC precision, mapping notes."""
    desc = arch.describe()
    encoding = desc["signed_weights"] if s.weight_signed else "unsigned (none needed)"
    return (
        *((k, v) for k, v in desc.items() if k not in ("signed_weights", "macros")),
        ("macros", s.macros),
        ("macros_setting", desc["macros"]),
        ("macros_needed", s.macros_needed),
        ("weights_resident", s.macros_needed <= s.macros),
        ("resident_layers", f"{s.resident_layers} of {s.layers}"),
        ("weight_reload_from", s.reload_source),
        ("signed_weights", encoding),
        ("signed_inputs", "twos-complement slices" if s.input_signed else "unsigned"),
        ("lossless_adc_bits", s.lossless_bits),
        ("adc_quantized_layers", s.quantized_layers),
        ("adc_note", _adc_note(arch, s)),
        ("conversions_per_mac", s.conversions_per_mac),
        ("max_row_groups", s.max_row_groups),
        ("row_split_extra_conversions", s.split_conversions),
        ("row_group_adds", s.row_group_adds),
    )


class CimMacroTemplate:
    """Analog macros with bit-sliced weights and ADC readout (``docs/cim-model.md``)."""

    name = "cim_macro"
    aliases = ("cim",)
    defaults = CIM_MACRO_DEFAULTS

    def from_mapping(self, data: Mapping[str, Any], check: Checker, prefix: str = "") -> CimMacroConfig | None:
        return cim_macro_from_mapping(data, check, prefix)

    def plan(self, scheme: QuantScheme, config: CimMacroConfig, pricer: Pricer, tables: WorkloadTables,
             datapaths: BodyEdge) -> CimPlan:
        return plan_cim_macro(scheme, config, pricer, tables, datapaths)

    block_key = staticmethod(block_key)  # called once per point: without a method of its own in between

    def plan_block(self, scheme: QuantScheme, configs: Sequence[CimMacroConfig], pricer: Pricer,
                   tables: WorkloadTables, datapaths: BodyEdge) -> tuple[list[CimPointPlan], list[tuple[np.ndarray, tuple[PricedRow, ...]]]]:
        """The points' plans and their rows, as sub-blocks of points whose rows have one structure
        (each with the points' positions in ``configs``)."""
        return point_plans(plan_cim_block(scheme, configs, pricer, tables, datapaths), len(configs))

    def count(self, configs: Sequence[CimMacroConfig], plans: Sequence[CimPlan | CimPointPlan],
              tables: WorkloadTables) -> GroupActions:
        """The counts of each distinct (configuration, operands) pair -- a sweep of schemes x designs
        repeats them, schemes of equal operand widths sharing their block's operands -- gathered to
        every point (each point's row is computed from its own numbers alone)."""
        return count_distinct(configs, plans, tables, count_settings, _group_actions)

    def settings(self, config: CimMacroConfig, plan: CimPlan, tables: WorkloadTables) -> tuple[Setting, ...]:
        return _report_settings(config, cim_summary(config, plan, tables)) + (noc_setting(plan.rows, MACROS, "macros"),)

    def cost_stand_in(self, config: CimMacroConfig) -> CimMacroConfig | None:
        """The ADC resolution changes the accuracy side at any bits, while the library's ADC model
        covers a range: a point refused for its ADC bits is priced at the default ADC."""
        default = CIM_MACRO_DEFAULTS.adc_bits
        return None if config.adc_bits == default else replace(config, adc_bits=default)

    def ideal_layer(self, config: CimMacroConfig, scheme: QuantScheme) -> IdealLayer:
        """A 1x1 convolution whose reduction spans RG row groups (RG x ``rows`` input channels,
        :func:`~hwcost.arch.cim_macro.ideal.ideal_row_groups`: at least 1024 long, as the MAC
        array's, where the macros allow) and whose output channels fill the columns of M / RG
        macros at the scheme's weight slices and encoding: RG x M / RG tiles, every macro working,
        nothing reloaded (docs/cim-model.md §5)."""
        probe = ideal_layer_tables(IdealLayer(config.rows, 1, PEAK_STREAM_LENGTH))
        dps = classify_body_edge(scheme, probe)
        g = cim_geometry(probe.shapes, layer_params([config], [operands(scheme, dps.body, dps.edge)], probe))
        per_channel = float(g.weight_slices[0, 0] * g.polarity[0, 0])
        reference = 1.0 if g.signed_offset[0, 0] else 0.0
        per_macro = max(1, int((config.cols - reference) // per_channel))
        row_groups = ideal_row_groups(config.rows, config.macros)
        column_tiles = (config.macros or row_groups) // row_groups
        return IdealLayer(config.rows * row_groups, per_macro * column_tiles, PEAK_STREAM_LENGTH)


CIM_MACRO = CimMacroTemplate()
