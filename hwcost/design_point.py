"""Evaluate design points: scheme x accelerator x technology x workload -> cost.

Pipeline, top to bottom (each stage a pure function):

1. ``design_point``   names and files -> :class:`DesignPoint` (loading happens here, at the edge);
2. ``plan_point``     classify the scheme (body and first/last layers), price every unit once;
3. ``count_actions``  action counts of every layer at every point, vectorised (points x layers);
4. ``row_energies``  energy of each breakdown row = sum of (energy per action x actions);
5. ``evaluate`` returns one :class:`~hwcost.report.CostReport`; ``sweep`` a DataFrame of many.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hwcost.arch.cim_macro import CimMacroConfig
from hwcost.arch.common import Sums, add_buffer_sums, bom_counts, row_energies, split_body_edge
from hwcost.arch.config import ArchConfig, load_arch
from hwcost.arch.dataflow import ArrayParams, LayerActions, count_actions
from hwcost.arch.mac_array import Dataflow
from hwcost.arch.pricing import PointPlan, plan_point
from hwcost.arch.tables import WorkloadTables, workload_tables
from hwcost.errors import HwcostError
from hwcost.report import BreakdownRow, Category, CostReport
from hwcost.schemes import QuantScheme, ScaleRealisation, ZeroPointRealisation, get_scheme
from hwcost.techlib import TechLib, load_techlib
from hwcost.workloads import Workload, load_workload

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DesignPoint", "design_point", "evaluate", "sweep", "report_of"]


@dataclass(frozen=True)
class DesignPoint:
    """One fully specified design: the scheme at its bits, the accelerator, the library, the network."""

    scheme: QuantScheme
    arch: ArchConfig
    techlib: TechLib
    workload: Workload

    def describe(self) -> dict[str, Any]:
        s, a = self.scheme, self.arch
        return {
            "scheme": s.name,
            "weight_bits": s.weights.bits,
            "act_bits": s.activations.bits,
            "zero_point": s.zero_point_realisation.value,
            "scale_at": s.scale_realisation.value,
            "arch": a.name,
            **a.describe(),
            "node": self.techlib.name,
            "workload": self.workload.name,
        }


def _choice(enum: type, value: str | None, key: str) -> Any:
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        valid = ", ".join(m.value for m in enum)
        raise HwcostError.single(f"expected one of {valid}; got '{value}'", key=key) from None


def design_point(
    scheme: str | QuantScheme = "lsq",
    bits: int | None = None,
    *,
    weight_bits: int | None = None,
    act_bits: int | None = None,
    arch: str | Path | ArchConfig = "mac_array",
    node: str = "45nm",
    techlib: str | Path | TechLib | None = None,
    workload: str | Path | Workload = "resnet20",
    zero_point: str | None = None,
    scale_at: str | None = None,
) -> DesignPoint:
    """Resolve names and files into a :class:`DesignPoint` (the only step that reads files).

    ``bits`` sets weights and activations; ``weight_bits`` / ``act_bits`` override either.
    ``techlib`` (a library or a YAML path) takes precedence over ``node``.
    """
    base = get_scheme(scheme) if isinstance(scheme, str) else scheme
    wb = weight_bits if weight_bits is not None else bits
    ab = act_bits if act_bits is not None else bits
    chosen = base.with_bits(wb, ab)
    zp = _choice(ZeroPointRealisation, zero_point, "zero_point")
    sr = _choice(ScaleRealisation, scale_at, "scale_at")
    if zp is not None:
        chosen = replace(chosen, zero_point_realisation=zp)
    if sr is not None:
        chosen = replace(chosen, scale_realisation=sr)
    lib = techlib if isinstance(techlib, TechLib) else load_techlib(techlib if techlib is not None else node)
    return DesignPoint(
        scheme=chosen,
        arch=arch if not isinstance(arch, (str, Path)) else load_arch(arch),
        techlib=lib,
        workload=workload if isinstance(workload, Workload) else load_workload(workload),
    )


def _params(points: Sequence[DesignPoint], plans: Sequence[PointPlan], t: WorkloadTables) -> ArrayParams:
    def col(values: Sequence[float]) -> np.ndarray:
        return np.asarray(values, dtype=float)[:, None]

    edge = t.edge[None, :]
    fp_edge = col([p.fp_edge for p in plans]).astype(bool)

    def per_layer(body: Sequence[float], edge_bits: Sequence[float]) -> np.ndarray:
        return np.where(edge, col(edge_bits), col(body))

    arch = [p.arch for p in points]
    hw_w = col([p.hw_weight_bits for p in plans])
    hw_a = col([p.hw_act_bits for p in plans])
    out_channels = t.shapes.out_channels_per_group * t.shapes.groups
    return ArrayParams(
        pe_rows=col([a.pe_rows for a in arch]),
        pe_cols=col([a.pe_cols for a in arch]),
        output_stationary=col([a.dataflow is Dataflow.OUTPUT_STATIONARY for a in arch]).astype(bool),
        glb_bits=col([a.glb_bits for a in arch]),
        dram_bits_per_cycle=col([a.dram_bits_per_cycle for a in arch]),
        hw_weight_bits=np.where(edge & fp_edge, 32.0, hw_w),
        hw_act_bits=np.where(edge & fp_edge, 32.0, hw_a),
        acc_bits=col([p.acc_bits for p in plans]),
        layer_weight_bits=per_layer([p.body.weight_operand_bits for p in plans], [p.edge_weight_bits for p in plans]),
        layer_act_bits=per_layer([pt.scheme.activations.bits for pt in points], [p.edge_act_bits for p in plans]),
        layer_out_bits=per_layer([pt.scheme.outputs.bits for pt in points], [p.edge_act_bits for p in plans]),
        extra_dram_bits_per_layer=col([p.table_word_bits for p in plans]) * out_channels[None, :],
    )


def _count_sums(acts: LayerActions, t: WorkloadTables, plans: Sequence[PointPlan]) -> Sums:
    """Actions per count key, summed over body layers and over first/last layers: (D,), (D,)."""
    per_layer = {
        "per_mac": acts.mac_ops,
        "per_input": acts.array_input_reads,
        "weight_loads": acts.weight_loads,
        "glb_read_bits": acts.glb_read_bits,
        "glb_write_bits": acts.glb_write_bits,
        "dram_read_bits": acts.dram_read_bits,
        "dram_write_bits": acts.dram_write_bits,
        **bom_counts(t, [p.group_size for p in plans]),
    }
    return split_body_edge(per_layer, t.edge, acts.mac_ops.shape)


def _evaluate_group(points: Sequence[DesignPoint]) -> tuple[dict[str, dict[str, Any]], dict[str, np.ndarray]]:
    if isinstance(points[0].arch, CimMacroConfig):  # a group holds one template (see sweep)
        from hwcost.arch.cim_evaluate import evaluate_cim_group

        return evaluate_cim_group(points)
    t = workload_tables(points[0].workload)
    plans = [plan_point(p.scheme, p.arch, p.techlib, t) for p in points]
    params = _params(points, plans, t)
    acts = count_actions(t.shapes, params)
    sums = _count_sums(acts, t, plans)
    add_buffer_sums(
        sums,
        np.asarray([p.arch.glb_width_bits for p in points], dtype=float),
        np.asarray([p.scheme.activations.bits for p in points], dtype=float),
        t,
    )
    rows = row_energies([p.rows for p in plans], sums)
    cols = np.asarray([p.arch.pe_cols for p in points], dtype=float)
    latency = acts.latency_cycles.sum(axis=1) + t.elementwise_outputs / cols
    macs = float(t.shapes.macs.sum())
    pes = np.asarray([p.arch.num_pes for p in points], dtype=float)
    totals = {
        "macs": np.full(len(points), macs),
        "latency_cycles": latency,
        "utilisation": macs / (latency * pes),
        "compute_cycles": acts.compute_cycles.sum(axis=1),
        "memory_cycles": acts.memory_cycles.sum(axis=1),
    }
    return rows, totals


def report_of(point: DesignPoint) -> CostReport:
    """The :class:`CostReport` of one design point."""
    rows, totals = _evaluate_group([point])
    breakdown = tuple(
        BreakdownRow(
            unit=name,
            category=r["category"],
            energy_pj=float(r["energy_pj"][0]),
            area_um2=float(r["area_um2"][0]),
            actions=float(r["actions"][0]),
            source=r["source"].get(0, "techlib"),
        )
        for name, r in sorted(rows.items(), key=lambda kv: list(Category).index(kv[1]["category"]))
    )
    desc = point.describe()
    if isinstance(point.arch, CimMacroConfig):
        from hwcost.arch.cim_evaluate import cim_settings

        settings = cim_settings(point)
    else:
        settings = tuple((k, desc[k]) for k in ("zero_point", "scale_at", "dataflow", "pe_rows", "pe_cols", "glb_kib"))
    return CostReport(
        scheme=desc["scheme"],
        weight_bits=desc["weight_bits"],
        act_bits=desc["act_bits"],
        arch=desc["arch"],
        node=desc["node"],
        workload=desc["workload"],
        macs=float(totals["macs"][0]),
        latency_cycles=float(totals["latency_cycles"][0]),
        clock_mhz=point.arch.clock_mhz,
        breakdown=breakdown,
        utilisation=float(totals["utilisation"][0]),
        settings=settings,
    )


def evaluate(scheme: str | QuantScheme = "lsq", bits: int | None = None, **options: Any) -> CostReport:
    """Cost of one inference: ``evaluate("lsq+", 4, zero_point="pre-subtract", workload="resnet18")``.

    Options are those of :func:`design_point`. Defaults: MAC array, 45 nm, ResNet-20.
    """
    return report_of(design_point(scheme, bits, **options))


def sweep(points: Sequence[DesignPoint]) -> "pd.DataFrame":
    """Evaluate many design points at once; one row per point, in the order given.

    Columns: the point's description, ``macs``, ``energy_pj``, ``area_um2``, ``latency_cycles``,
    ``utilisation``, ``tops_per_w``, ``tops_per_mm2``, ``energy_per_mac_pj``, then per breakdown
    row ``energy_pj.<unit>`` and ``area_um2.<unit>``, and per category ``energy_pj.<category>``.
    """
    import pandas as pd

    if not points:
        raise HwcostError.single("a sweep needs at least one design point", key="points")
    groups: dict[tuple[Workload, type], list[int]] = {}
    for i, p in enumerate(points):
        groups.setdefault((p.workload, type(p.arch)), []).append(i)
    frames = []
    for indices in groups.values():
        group = [points[i] for i in indices]
        rows, totals = _evaluate_group(group)
        frames.append(_frame(group, rows, totals, indices))
    frame = pd.concat(frames).sort_index()
    numeric = frame.select_dtypes("number").columns  # text columns of another template stay empty
    frame[numeric] = frame[numeric].fillna(0.0)
    return frame.reset_index(drop=True)


def _frame(group: Sequence[DesignPoint], rows: dict[str, dict[str, Any]], totals: dict[str, np.ndarray], index: list[int]) -> "pd.DataFrame":
    import pandas as pd

    data: dict[str, Any] = {k: [p.describe()[k] for p in group] for k in group[0].describe()}
    energy = sum(r["energy_pj"] for r in rows.values())
    area = sum(r["area_um2"] for r in rows.values())
    clock_hz = np.asarray([p.arch.clock_mhz for p in group], dtype=float) * 1e6
    latency_s = totals["latency_cycles"] / clock_hz
    data.update(
        macs=totals["macs"],
        energy_pj=energy,
        area_um2=area,
        latency_cycles=totals["latency_cycles"],
        utilisation=totals["utilisation"],
        tops_per_w=2 * totals["macs"] / energy,
        tops_per_mm2=2 * totals["macs"] / latency_s / 1e12 / (area * 1e-6),
        energy_per_mac_pj=energy / totals["macs"],
    )
    for cat in Category:
        members = [r["energy_pj"] for r in rows.values() if r["category"] is cat]
        if members:
            data[f"energy_pj.{cat.value}"] = sum(members)
    for name, r in rows.items():
        data[f"energy_pj.{name}"] = r["energy_pj"]
        data[f"area_um2.{name}"] = r["area_um2"]
    return pd.DataFrame(data, index=index)
