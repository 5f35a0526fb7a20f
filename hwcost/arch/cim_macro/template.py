"""Evaluate CIM design points with the MAC array's report machinery.

``evaluate_cim_group`` returns the same ``(rows, totals)`` pair as the MAC array's group
evaluation in :mod:`hwcost.evaluate`, so ``report_of`` and ``sweep`` treat both templates alike:

1. ``plan_cim_point``     classify, map onto macros, price every row (per point, cached);
2. ``cim_geometry``       slices, row groups, tiles of every layer (points x layers);
3. ``count_cim_actions``  conversions, cell operations, traffic, cycles (points x layers);
4. ``_sums``              actions per count key, body and first/last layers apart;
5. ``row_energies``       energy of each row = sum of (energy per action x actions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hwcost.arch.common import Sums, add_buffer_sums, bom_counts, row_energies, split_body_edge
from hwcost.arch.cim_counts import CimGeometry, CimLayerActions, cim_geometry, count_cim_actions
from hwcost.arch.cim_pricing import CimPlan, layer_params, plan_cim_point
from hwcost.arch.tables import WorkloadTables, workload_tables

if TYPE_CHECKING:
    from hwcost.evaluate import DesignPoint

__all__ = ["evaluate_cim_group", "cim_settings", "CimSummary", "cim_summary"]


def _sums(a: CimLayerActions, t: WorkloadTables, plans: Sequence[CimPlan]) -> Sums:
    per_layer = {
        "cell_ops": a.cell_ops,
        "row_drives": a.row_drives,
        "conversions": a.conversions,
        "row_group_adds": a.row_group_adds,
        "offset_subtracts": a.offset_subtracts,
        "cim_window_sum_adds": a.window_sum_adds,
        "digital_subtracts": a.digital_subtracts,
        "weight_write_bits": a.weight_write_bits,
        "per_input": a.array_inputs,
        "glb_read_bits": a.glb_read_bits,
        "glb_write_bits": a.glb_write_bits,
        "dram_read_bits": a.dram_read_bits,
        "dram_write_bits": a.dram_write_bits,
        **bom_counts(t, [p.operands.group_size for p in plans]),
    }
    return split_body_edge(per_layer, t.edge, a.conversions.shape)


def _peak_macs_per_cycle(points: Sequence["DesignPoint"], plans: Sequence[CimPlan], g: CimGeometry) -> np.ndarray:
    """macros * ADCs per macro * R / (S_w * polarity * S_a) at the body layers' widths."""
    body = ~workload_tables(points[0].workload).edge
    col = body if body.any() else np.ones_like(body)
    per_mac = (g.weight_slices * g.polarity * g.input_slices)[:, col].max(axis=1)
    macros = np.asarray([p.macros for p in plans], dtype=float)
    adcs = np.asarray([pt.arch.adcs_per_macro for pt in points], dtype=float)
    rows = np.asarray([pt.arch.rows for pt in points], dtype=float)
    return macros * adcs * rows / per_mac


def evaluate_cim_group(points: Sequence["DesignPoint"]) -> tuple[dict[str, dict[str, Any]], dict[str, np.ndarray]]:
    """Breakdown rows and totals of CIM points sharing one workload (as the MAC array's group)."""
    t = workload_tables(points[0].workload)
    plans = [plan_cim_point(p.scheme, p.arch, p.techlib, t) for p in points]
    params = layer_params([p.arch for p in points], [pl.operands for pl in plans], t)
    g = cim_geometry(t.shapes, params)
    acts = count_cim_actions(t.shapes, params, g)
    sums = _sums(acts, t, plans)
    add_buffer_sums(
        sums,
        np.asarray([p.arch.glb_width_bits for p in points], dtype=float),
        np.asarray([p.scheme.activations.bits for p in points], dtype=float),
        t,
    )
    rows = row_energies([p.rows for p in plans], sums)
    lanes = np.asarray([p.arch.post_lanes for p in points], dtype=float)
    latency = acts.latency_cycles.sum(axis=1) + t.elementwise_outputs / lanes
    macs = float(t.shapes.macs.sum())
    totals = {
        "macs": np.full(len(points), macs),
        "latency_cycles": latency,
        "utilisation": macs / (latency * _peak_macs_per_cycle(points, plans, g)),
        "compute_cycles": acts.compute_cycles.sum(axis=1),
        "memory_cycles": acts.memory_cycles.sum(axis=1),
    }
    return rows, totals


@dataclass(frozen=True)
class CimSummary:
    """ADC precision and mapping facts of one CIM point, for the report's settings and notes."""

    lossless_bits: int  # max over layers of the lossless ADC resolution
    quantized_layers: int  # layers whose partial sums the chosen ADC quantizes
    layers: int
    macros: int
    macros_needed: int
    max_row_groups: int
    conversions: float
    split_conversions: float  # conversions caused by row-group splitting
    row_group_adds: float
    weight_signed: bool
    input_signed: bool


def cim_summary(point: "DesignPoint") -> CimSummary:
    t = workload_tables(point.workload)
    plan = plan_cim_point(point.scheme, point.arch, point.techlib, t)
    params = layer_params([point.arch], [plan.operands], t)
    g = cim_geometry(t.shapes, params)
    acts = count_cim_actions(t.shapes, params, g)
    return CimSummary(
        lossless_bits=int(g.lossless_bits.max()),
        quantized_layers=int(acts.quantized.sum()),
        layers=int(acts.quantized.shape[1]),
        macros=plan.macros,
        macros_needed=plan.macros_needed,
        max_row_groups=int(g.row_groups.max()),
        conversions=float(acts.conversions.sum()),
        split_conversions=float(acts.split_conversions.sum()),
        row_group_adds=float(acts.row_group_adds.sum()),
        weight_signed=any(plan.operands.weight_signed),
        input_signed=any(plan.operands.input_signed),
    )


def _adc_note(point: "DesignPoint", s: CimSummary) -> str:
    a = point.arch
    if s.quantized_layers == 0:
        return f"ADC {a.adc_bits} b >= lossless {s.lossless_bits} b: partial sums are exact"
    return (
        f"ADC {a.adc_bits} b < lossless {s.lossless_bits} b = ceil(log2(R (2^c - 1)(2^p - 1) + 1)): "
        f"partial sums quantized in {s.quantized_layers} of {s.layers} layers"
    )


def cim_settings(point: "DesignPoint") -> tuple[tuple[str, Any], ...]:
    """The CostReport settings of a CIM point: arch parameters, ADC precision, mapping notes."""
    s = cim_summary(point)
    desc = point.arch.describe()
    encoding = desc["signed_weights"] if s.weight_signed else "unsigned (none needed)"
    return (
        ("zero_point", point.scheme.zero_point_realisation.value),
        ("scale_at", point.scheme.scale_realisation.value),
        *((k, v) for k, v in desc.items() if k not in ("signed_weights", "macros")),
        ("macros", s.macros),
        ("macros_needed", s.macros_needed),
        ("weights_resident", s.macros_needed <= s.macros),
        ("signed_weights", encoding),
        ("signed_inputs", "twos-complement slices" if s.input_signed else "unsigned"),
        ("lossless_adc_bits", s.lossless_bits),
        ("adc_quantized_layers", s.quantized_layers),
        ("adc_note", _adc_note(point, s)),
        ("max_row_groups", s.max_row_groups),
        ("row_split_extra_conversions", s.split_conversions),
        ("row_group_adds", s.row_group_adds),
    )
