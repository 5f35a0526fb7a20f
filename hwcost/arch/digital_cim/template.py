"""The digital-CIM template: its configuration, plan and counts behind the template protocol."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from hwcost._config import Checker
from hwcost.arch.digital_cim.config import DIGITAL_CIM_DEFAULTS, DigitalCimConfig, digital_cim_from_mapping
from hwcost.arch.digital_cim.counts import (DcimCount, DcimGeometry, DcimLayerActions, DcimLayerParams,
                                            count_dcim_actions, dcim_geometry)
from hwcost.arch.digital_cim.plan import (DcimOperands, DcimPlan, block_key, count_settings, layer_params, operands,
                                          plan_dcim_block, plan_digital_cim)
from hwcost.arch.cim_macro.ideal import ideal_row_groups
from hwcost.arch.cim_macro.plan import MACROS  # the macros the on-chip network reaches (both CIM templates)
from hwcost.arch.cim_macro.template import CimPointPlan, _plan_values, count_distinct, macro_group_actions
from hwcost.arch.shared.noc import noc_setting
from hwcost.arch.shared.bom import BodyEdge, classify_body_edge
from hwcost.arch.shared.pricing import PricedRow, Pricer, point_plans
from hwcost.arch.shared.tables import BODY, PEAK_STREAM_LENGTH, IdealLayer, WorkloadTables, ideal_layer_tables
from hwcost.arch.template import GroupActions, Setting
from hwcost.schemes import QuantScheme

__all__ = ["DIGITAL_CIM", "DigitalCimTemplate"]


def _actions(archs: Sequence[DigitalCimConfig], plans: Sequence[DcimPlan | CimPointPlan],
             t: WorkloadTables) -> tuple[DcimGeometry, DcimLayerActions, DcimLayerParams]:
    params = layer_params(archs, _plan_values(plans, "operands"), t)
    g = dcim_geometry(t.shapes, params)
    return g, count_dcim_actions(t.shapes, params, g), params


def _peak_macs_per_cycle(params: DcimLayerParams, macros: np.ndarray, g: DcimGeometry, t: WorkloadTables) -> np.ndarray:
    """M * R * floor(C / (S_w g)) / S_a at the body layers' widths: every row of every weight's
    columns busy, one input bit per cycle."""
    body = t.in_class(BODY)
    col = body if body.any() else np.ones_like(body)
    s_w = g.weight_groups[:, col].max(axis=1)
    s_a = g.input_cycles[:, col].max(axis=1)
    rows, cols, bits = params.rows[:, 0], params.cols[:, 0], params.group_bits[:, 0]
    return macros * rows * np.maximum(np.floor(cols / (s_w * bits)), 1.0) / s_a


def _group_actions(configs: Sequence[DigitalCimConfig], ops: Sequence[DcimOperands], macros: np.ndarray,
                   tables: WorkloadTables) -> GroupActions:
    params = layer_params(configs, ops, tables)
    g = dcim_geometry(tables.shapes, params)
    a = count_dcim_actions(tables.shapes, params, g)
    return macro_group_actions(
        a,
        {
            DcimCount.GATE_OPS: a.gate_ops,
            DcimCount.TREE_ADDS: a.tree_adds,
            DcimCount.SHIFT_ACCUMULATES: a.shift_accumulates,
            DcimCount.GROUP_COMBINES: a.group_combines,
            DcimCount.ROW_GROUP_ADDS: a.row_group_adds,
            DcimCount.INPUT_REGISTER_BITS: a.input_register_bits,
            DcimCount.WEIGHT_WRITE_BITS: a.weight_write_bits,
            DcimCount.ACTIVE_MACRO_CYCLES: a.active_macro_cycles,
        },
        _peak_macs_per_cycle(params, macros, g, tables),
    )


class DigitalCimTemplate:
    """Digital CIM macros: bitwise gates, adder trees, shift-accumulation (``docs/digital-cim.md``)."""

    name = "digital_cim"
    aliases = ("dcim",)
    defaults = DIGITAL_CIM_DEFAULTS

    def from_mapping(self, data: Mapping[str, Any], check: Checker, prefix: str = "") -> DigitalCimConfig | None:
        return digital_cim_from_mapping(data, check, prefix)

    def plan(self, scheme: QuantScheme, config: DigitalCimConfig, pricer: Pricer, tables: WorkloadTables,
             datapaths: BodyEdge) -> DcimPlan:
        return plan_digital_cim(scheme, config, pricer, tables, datapaths)

    block_key = staticmethod(block_key)  # called once per point: without a method of its own in between

    def plan_block(self, scheme: QuantScheme, configs: Sequence[DigitalCimConfig], pricer: Pricer,
                   tables: WorkloadTables, datapaths: BodyEdge) -> tuple[list[CimPointPlan], list[tuple[np.ndarray, tuple[PricedRow, ...]]]]:
        """The points' plans (views of their sub-block's) and the sub-blocks' rows, each with the
        positions of its points in ``configs``."""
        return point_plans(plan_dcim_block(scheme, configs, pricer, tables, datapaths), len(configs))

    def count(self, configs: Sequence[DigitalCimConfig], plans: Sequence[DcimPlan | CimPointPlan],
              tables: WorkloadTables) -> GroupActions:
        """The counts of each distinct (configuration, operands) pair, gathered to every point
        (:func:`~hwcost.arch.cim_macro.template.count_distinct`)."""
        return count_distinct(configs, plans, tables, count_settings, _group_actions)

    def settings(self, config: DigitalCimConfig, plan: DcimPlan, tables: WorkloadTables) -> tuple[Setting, ...]:
        g, a, _ = _actions([config], [plan], tables)
        desc = config.describe()
        reload = "none" if bool(a.resident.all()) else "glb" if bool(a.reload_from_glb.any()) else "dram"
        return (
            *((k, v) for k, v in desc.items() if k != "macros"),
            ("macros", plan.macros),
            ("macros_setting", desc["macros"]),
            ("macros_needed", plan.macros_needed),
            ("weights_resident", plan.macros_needed <= plan.macros),
            ("resident_layers", f"{int(a.resident.sum())} of {a.resident.shape[1]}"),
            ("weight_reload_from", reload),
            ("max_row_groups", int(g.row_groups.max())),
            noc_setting(plan.rows, MACROS, "macros"),
        )

    def cost_stand_in(self, config: DigitalCimConfig) -> None:
        return None  # every setting is a cost setting

    def ideal_layer(self, config: DigitalCimConfig, scheme: QuantScheme) -> IdealLayer:
        """A 1x1 convolution whose reduction spans RG row groups (RG x ``rows`` input channels, as
        on the cim_macro template: :func:`~hwcost.arch.cim_macro.ideal.ideal_row_groups`) and whose
        output channels fill the columns of M / RG macros at the scheme's weight groups,
        floor(C / (S_w g)) each: every macro busy, nothing reloaded."""
        probe = ideal_layer_tables(IdealLayer(config.rows, 1, PEAK_STREAM_LENGTH))
        dps = classify_body_edge(scheme, probe)
        g = dcim_geometry(probe.shapes, layer_params([config], [operands(scheme, dps.body, dps.edge)], probe))
        per_channel = float(g.weight_groups[0, 0]) * config.weight_group_bits
        per_macro = max(1, int(config.cols // per_channel))
        row_groups = ideal_row_groups(config.rows, config.macros)
        column_tiles = (config.macros or row_groups) // row_groups
        return IdealLayer(config.rows * row_groups, per_macro * column_tiles, PEAK_STREAM_LENGTH)


DIGITAL_CIM = DigitalCimTemplate()
