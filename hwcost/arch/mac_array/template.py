"""The MAC-array template: its configuration, plan and counts behind the template protocol."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields, replace
from enum import Enum
from typing import Any

import numpy as np

from hwcost._config import Checker
from hwcost.arch.mac_array.config import (MAC_ARRAY_DEFAULTS, Dataflow, MacArrayConfig, MappingObjective,
                                          mac_array_from_mapping)
from hwcost.arch.mac_array.counts import (AUTO_CODES, BLOCKED, FITS, FLOW_CODES, IS, REFETCHED, RS,
                                          WEIGHTS_FROM_DRAM_EACH_FOLD, WS, ArrayParams, LayerActions, MacCount,
                                          count_actions, gather_actions, pe_interleave, pick_actions)
from hwcost.arch.mac_array.plan import (HARD_GATED_RESIDUAL, RETENTIVE_GATED_RESIDUAL, MacPlan, block_key,
                                        PE_GRID, plan_mac_array, plan_mac_block)
from hwcost.arch.shared.bom import ClassDatapaths, bom_counts
from hwcost.arch.shared.noc import noc_setting
from hwcost.arch.shared.pricing import BlockPlans, Count, PlanTable, PointPlan, PricedRow, Pricer
from hwcost.arch.shared.tables import PEAK_STREAM_LENGTH, IdealLayer, WorkloadTables, by_class
from hwcost.arch.template import GroupActions, Setting
from hwcost.schemes import QuantScheme

__all__ = ["MAC_ARRAY", "MacArrayTemplate"]


MacPointPlan = PointPlan  # one point's view of a MAC-array block plan


class _Columns:
    """The plans of a group of points read field by field, block by block: a field is one value
    per block (a number, or a tuple per precision class) or an array over the block's points."""

    def __init__(self, plans: Sequence[MacPlan | MacPointPlan]) -> None:
        self.points = len(plans)
        self.group_of: np.ndarray | None = None  # each point's group (_group_of)
        if isinstance(plans, PlanTable):  # a sweep's: its blocks' plans read block by block
            self.groups = []
            for index, part in plans.parts:
                if isinstance(part, BlockPlans):
                    self.groups.append((part.block, index, np.arange(len(index))))
                else:
                    self.groups += [(block, index[points], within) for block, points, within in _Columns(part).groups]
            return
        groups: dict[int, tuple[MacPlan, list[int], list[int]]] = {}
        for d, plan in enumerate(plans):
            block, index = (plan.block, plan.index) if isinstance(plan, MacPointPlan) else (plan, 0)
            entry = groups.get(id(block))
            if entry is None:
                entry = groups[id(block)] = (block, [], [])
            entry[1].append(d)
            entry[2].append(index)
        self.groups = [(block, np.asarray(points), np.asarray(within)) for block, points, within in groups.values()]

    def _group_of(self) -> np.ndarray:
        """Each point's group (its block's position in ``groups``)."""
        if self.group_of is None:
            self.group_of = np.empty(self.points, dtype=np.intp)
            for k, (_, points, _) in enumerate(self.groups):
                self.group_of[points] = k
        return self.group_of

    def take(self, which: np.ndarray) -> "_Columns":
        """The columns of the points ``which`` (positions among these points, in that order)."""
        position = np.full(self.points, -1)
        position[which] = np.arange(len(which))
        out = _Columns(())
        out.points = len(which)
        for block, points, within in self.groups:
            at = position[points]
            kept = at >= 0
            if kept.any():
                out.groups.append((block, at[kept], within[kept]))
        return out

    def __call__(self, name: str) -> np.ndarray:
        """(points,) for a number, (points, classes) for a tuple per class."""
        values = [getattr(block, name) for block, _, _ in self.groups]
        if not any(isinstance(v, np.ndarray) for v in values):  # one value per block: gathered at once
            return np.asarray(values, dtype=float)[self._group_of()]
        out: np.ndarray | None = None
        for block, points, within in self.groups:
            value = getattr(block, name)
            part = (np.asarray(value, dtype=float)[within] if isinstance(value, np.ndarray)
                    else np.asarray(value, dtype=float))
            if out is None:
                out = np.empty((self.points, *np.shape(value)[isinstance(value, np.ndarray):]))
            out[points] = part
        assert out is not None
        return out


class _Configs:
    """The configurations of a group of points read setting by setting: each distinct
    configuration object once (a sweep's points share a few), the values gathered to the points."""

    def __init__(self, configs: Sequence[MacArrayConfig]) -> None:
        index: dict[int, int] = {}
        self.at = np.fromiter((index.setdefault(id(c), len(index)) for c in configs), dtype=np.intp, count=len(configs))
        self.distinct = list({id(c): c for c in configs}.values())  # in the order of index

    def take(self, which: np.ndarray) -> "_Configs":
        """The configurations of the points ``which`` (positions among these points, in that order)."""
        out = _Configs(())
        out.at, out.distinct = self.at[which], self.distinct
        return out

    def __call__(self, read: Callable[[MacArrayConfig], Any], dtype: Any = float) -> np.ndarray:
        """``read`` of every point's configuration: (points,), or (points, k) for k values each."""
        values = np.asarray([read(c) for c in self.distinct], dtype=dtype)
        return values if len(self.distinct) == len(self.at) == 1 else values[self.at]


def _layer_acc_bits(plans: "_Columns | Sequence[MacPlan | MacPointPlan]", t: WorkloadTables, fp: np.ndarray) -> np.ndarray:
    """Each layer's accumulator width (points, layers): its class's width (sized by the classifier
    for the class's longest reduction N_max) less the bits its own shorter reduction does not
    need: acc - ceil(log2 N_max) + ceil(log2 N), as acc = b_w + b_a + ceil(log2 N) (+1 for
    unsigned x unsigned) (``hwcost/classify/widths.py``). FP32 first/last layers keep theirs."""
    columns = plans if isinstance(plans, _Columns) else _Columns(plans)
    log_n = np.ceil(np.log2(t.shapes.reduction_length))[None, :]
    acc = columns("class_acc_bits")[:, t.layer_class]
    shrink = np.ceil(np.log2(np.asarray(t.max_reduction, dtype=float)))[t.layer_class][None, :]
    return acc - np.where(fp, log_n, shrink) + log_n


def _params(configs: _Configs, columns: _Columns, t: WorkloadTables) -> ArrayParams:
    """Stack design points into (points, 1) / (points, layers) arrays (``configs``, ``columns``:
    their configurations and plans)."""

    fp = columns("class_fp")[:, t.layer_class].astype(bool)

    def per_layer(pick: str) -> np.ndarray:
        return columns(pick)[:, t.layer_class]

    hw_w = columns("hw_weight_bits")[:, None]
    hw_a = columns("hw_act_bits")[:, None]
    out_channels = t.shapes.out_channels_per_group * t.shapes.groups
    # one pass over the distinct configurations: (points, 10)
    rows, cols, glb, glb_cycle, dram_cycle, acc_kib, ibuf_kib, spad_w, spad_i, spad_p = configs(
        lambda a: (a.pe_rows, a.pe_cols, a.glb_bits, a.glb_bits_per_cycle, a.dram_bits_per_cycle, a.acc_buffer_kib,
                   a.input_buffer_kib, a.spad_weight_words, a.spad_input_words, a.spad_psum_words)).T[:, :, None]
    return ArrayParams(
        pe_rows=rows,
        pe_cols=cols,
        flow=WS,  # each group of points is counted under its own (template.count)
        glb_bits=glb,
        glb_bits_per_cycle=glb_cycle,
        dram_bits_per_cycle=dram_cycle,
        acc_buffer_bits=acc_kib * 1024 * 8,
        acc_port_bits=columns("acc_port_bits")[:, None],
        ibuf_bits=ibuf_kib * 1024 * 8,
        ibuf_port_bits=columns("ibuf_port_bits")[:, None],
        # FP32 first/last layers run on 32-bit FP units (one pass); without them, one width per point
        hw_weight_bits=np.where(fp, 32.0, hw_w) if fp.any() else hw_w,
        hw_act_bits=np.where(fp, 32.0, hw_a) if fp.any() else hw_a,
        acc_bits=_layer_acc_bits(columns, t, fp),
        layer_weight_bits=per_layer("class_weight_bits"),
        layer_act_bits=per_layer("class_act_bits"),
        layer_out_bits=per_layer("class_out_bits"),
        extra_dram_bits_per_layer=columns("table_word_bits")[:, None] * out_channels[None, :],
        glb_pj_per_bit=columns("glb_pj_per_bit")[:, None],
        dram_pj_per_bit=columns("dram_pj_per_bit")[:, None],
        spad_weight_words=spad_w,
        spad_input_words=spad_i,
        spad_psum_words=spad_p,
    )


def _per_layer(acts: LayerActions) -> dict[Enum, np.ndarray]:
    return {
        Count.PER_MAC: acts.mac_ops,
        MacCount.ACCUMULATIONS: acts.accumulations,
        MacCount.SHIFT_ADDS: acts.shift_adds,
        Count.PER_INPUT: acts.array_input_reads,
        MacCount.WEIGHT_LOADS: acts.weight_loads,
        MacCount.INPUT_LOADS: acts.input_loads,
        MacCount.ACC_READ_ACCESSES: acts.acc_read_accesses,
        MacCount.ACC_WRITE_ACCESSES: acts.acc_write_accesses,
        MacCount.IBUF_READ_ACCESSES: acts.ibuf_read_accesses,
        MacCount.IBUF_WRITE_ACCESSES: acts.ibuf_write_accesses,
        Count.NOC_BITS: acts.noc_bits,
        Count.GLB_READ_BITS: acts.glb_read_bits,
        Count.GLB_WRITE_BITS: acts.glb_write_bits,
        Count.DRAM_READ_BITS: acts.dram_read_bits,
        Count.DRAM_WRITE_BITS: acts.dram_write_bits,
    }


def _energy_per_action(columns: _Columns, keys: Sequence[Enum], classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Per point, the energy per action of each count key on each class summed over the point's
    rows (points x keys x classes), and its rows' leakage (points,), block by block. Terms of
    other keys (the bill-of-materials counts, the same under every dataflow) are left out."""
    position = {key: i for i, key in enumerate(keys)}
    per_action = np.zeros((columns.points, len(keys), classes))
    leakage = np.zeros(columns.points)
    for block, points, place in columns.groups:
        # summed in Python over the block's rows (most numbers are one per block), in the rows'
        # order, then taken at the points: the same additions as point by point
        cells: dict[tuple[int, int], Any] = {}
        leak: Any = 0.0
        for row in block.rows:
            leak = leak + row.leakage_mw
            for term in row.terms:
                i = position.get(term.count)
                if i is not None:
                    for k in range(classes):
                        cells[i, k] = cells.get((i, k), 0.0) + term.energy_pj(k, classes)
        e = np.zeros((len(points), len(keys), classes))
        for (i, k), value in cells.items():
            e[:, i, k] = value[place] if isinstance(value, np.ndarray) else value
        per_action[points] = e
        leakage[points] = leak[place] if isinstance(leak, np.ndarray) else leak
    return per_action, leakage


def _layer_energy(acts: LayerActions, per_action: np.ndarray, leakage_mw: np.ndarray, keys: Sequence[Enum],
                  configs: _Configs, t: WorkloadTables, bom: dict[Count, np.ndarray]) -> np.ndarray:
    """Energy of every layer at every point under one dataflow (points x layers): the actions of
    every count (buffer accesses = bits / port width; ``bom``, the bill-of-materials counts) at
    their energy per action on the layer's class, and the rows' leakage over the layer's
    cycles."""
    counts = {**_per_layer(acts), **bom}
    width = configs(lambda a: a.glb_width_bits)[:, None]
    counts[Count.GLB_READ_ACCESSES] = acts.glb_read_bits / width
    counts[Count.GLB_WRITE_ACCESSES] = acts.glb_write_bits / width
    seconds = acts.latency_cycles / (configs(lambda a: a.clock_mhz)[:, None] * 1e6)
    energy = leakage_mw[:, None] * seconds * 1e9
    for i, key in enumerate(keys):
        energy = energy + per_action[:, i, :][:, t.layer_class] * counts[key]
    return energy


class LayerMappings:
    """Each layer's mapping, as text, for the points a report asks about (a sweep never does, so
    no text is made for it): the dataflow, and how its operands meet the GLB when they do not
    simply stay there (the ``counts`` codes FITS, BLOCKED, FROM_DRAM_EACH_PASS, REFETCHED;
    docs/cost-model.md §2)."""

    NAMES = dict(zip(FLOW_CODES.values(), FLOW_CODES))
    # the operand a dataflow sends again, its verb, what the blocks cut, what it is sent per
    RESENT = {WS: ("input", "exceeds", "pixel", "column tile"), IS: ("weights", "exceed", "output-channel", "pixel tile")}

    RESENT[RS] = ("input", "exceeds", "", "filter pass")

    def __init__(self, flows: np.ndarray, orders: np.ndarray, blocks: np.ndarray, filters: np.ndarray,
                 channels: np.ndarray) -> None:
        self.flows, self.orders, self.blocks, self.filters, self.channels = flows, orders, blocks, filters, channels

    def __getitem__(self, point: int) -> list[str]:
        return [self.text(int(f), int(o), float(b), int(p), int(q))
                for f, o, b, p, q in zip(self.flows[point], self.orders[point], self.blocks[point],
                                         self.filters[point], self.channels[point])]

    @classmethod
    def text(cls, flow: int, order: int, blocks: float, filters: int = 1, channels: int = 1) -> str:
        name = cls.NAMES[flow]
        if flow == RS:  # what each PE interleaves
            name += f" ({filters} filter{'s' * (filters > 1)} x {channels} channel{'s' * (channels > 1)} per PE)"
        if order == FITS:
            return name
        if order == WEIGHTS_FROM_DRAM_EACH_FOLD:
            return f"{name}, weights from DRAM every output-row fold (the weights exceed the GLB)"
        if order == REFETCHED:
            return f"{name}, re-fetch from DRAM (input and weights exceed the GLB)"
        operand, verb, blocked, pass_ = cls.RESENT[flow]
        if order == BLOCKED:
            return f"{name}, {blocks:.0f} {blocked} blocks (the {operand} {verb} the GLB)"
        return f"{name}, {operand} from DRAM every {pass_} (the {operand} {verb} the GLB)"


def _choose_dataflow(sub: ArrayParams, configs: _Configs, columns: _Columns, t: WorkloadTables) -> tuple[np.ndarray, LayerActions]:
    """For ``auto`` points (``sub``: their parameters; ``configs``, ``columns``: their configurations and plans), each
    layer's dataflow code (points x layers, ``counts.WS/OS/IS``) and its counts: per layer,
    whichever of weight, output and input stationary costs least -- its energy (static included)
    or its energy x latency (``mapping_objective``) -- all three counted (points x layers x 3).
    Ties go to the first of WS, OS, IS."""
    codes = list(AUTO_CODES)
    candidates = [count_actions(t.shapes, replace(sub, flow=code)) for code in codes]
    # The bill-of-materials counts are the same under every dataflow: they do not move an energy
    # ranking but are part of the energy an energy x latency product multiplies.
    bom = bom_counts(t, columns("group_size"))
    keys = tuple(_per_layer(candidates[0])) + (Count.GLB_READ_ACCESSES, Count.GLB_WRITE_ACCESSES) + tuple(bom)
    per_action, leakage = _energy_per_action(columns, keys, t.n_classes)
    edp = configs(lambda a: a.mapping_objective is MappingObjective.EDP, bool)[:, None]
    scores = []
    for acts in candidates:
        energy = _layer_energy(acts, per_action, leakage, keys, configs, t, bom)
        scores.append(np.where(edp, energy * acts.latency_cycles, energy))
    best = np.argmin(np.stack(scores), axis=0)
    return np.asarray(codes)[best], pick_actions(candidates, best)


def _rows(values: Any, which: np.ndarray, points: int) -> Any:
    """The rows ``which`` of a (points, 1) or (points, layers) parameter; a value shared by every
    point (first axis 1) as it is."""
    if isinstance(values, np.ndarray) and values.ndim == 2 and values.shape[0] == points:
        return values[which]
    return values


class MacArrayTemplate:
    """A PE grid with a weight-, output-, input- or row-stationary dataflow (``docs/cost-model.md``)."""

    name = "mac_array"
    aliases = ("mac",)
    defaults = MAC_ARRAY_DEFAULTS
    # A layer's counts are a function of its row of the tables and of the point alone (no sum,
    # maximum or order across layers): a sweep counts each distinct layer once (shared/distinct.py).
    counts_layer_by_layer = True

    def from_mapping(self, data: Mapping[str, Any], check: Checker, prefix: str = "") -> MacArrayConfig | None:
        return mac_array_from_mapping(data, check, prefix)

    def plan(self, scheme: QuantScheme, config: MacArrayConfig, pricer: Pricer, tables: WorkloadTables,
             datapaths: ClassDatapaths) -> MacPlan:
        return plan_mac_array(scheme, config, pricer, tables, datapaths)

    def block_key(self, config: MacArrayConfig) -> tuple[object, ...]:
        return block_key(config)

    def plan_block(self, scheme: QuantScheme, configs: Sequence[MacArrayConfig], pricer: Pricer,
                   tables: WorkloadTables, datapaths: ClassDatapaths) -> tuple[BlockPlans, tuple[PricedRow, ...]]:
        block = plan_mac_block(scheme, configs, pricer, tables, datapaths, checked=True)  # grouped by block_key
        return BlockPlans(block, len(configs)), block.rows

    def count(self, configs: Sequence[MacArrayConfig], plans: Sequence[MacPlan | MacPointPlan],
              tables: WorkloadTables) -> GroupActions:
        settings, columns = _Configs(configs), _Columns(plans)
        params = _params(settings, columns, tables)
        n, layers = len(configs), len(tables.layer_class)
        codes = settings(lambda a: FLOW_CODES.get(a.dataflow.value, -1), int)  # -1: auto
        parts = []
        for code in sorted(set(codes[codes >= 0].tolist())):  # the points of each dataflow together
            which = np.flatnonzero(codes == code)
            sub = params if len(which) == n else ArrayParams(
                **{f.name: _rows(getattr(params, f.name), which, n) for f in fields(params)})
            parts.append((which, count_actions(tables.shapes, replace(sub, flow=code))))
        flows = np.broadcast_to(codes[:, None], (n, layers))
        if (codes < 0).any():
            which = np.flatnonzero(codes < 0)
            sub = ArrayParams(**{f.name: _rows(getattr(params, f.name), which, n) for f in fields(params)})
            chosen, acts = _choose_dataflow(sub, settings.take(which), columns.take(which), tables)
            parts.append((which, acts))
            flows = flows.copy()
            flows[which] = chosen
        acts = gather_actions(parts, n, layers)
        mapping = LayerMappings(flows, acts.memory_order, acts.glb_blocks, acts.pe_filters, acts.pe_channels)
        return GroupActions(
            per_layer=_per_layer(acts),
            compute_cycles=acts.compute_cycles,
            memory_cycles=acts.memory_cycles,
            latency_cycles=acts.latency_cycles,
            peak_macs_per_cycle=settings(lambda a: a.num_pes),
            mapping=mapping,
        )

    def settings(self, config: MacArrayConfig, plan: MacPlan, tables: WorkloadTables) -> tuple[Setting, ...]:
        described = config.describe()
        settings = tuple((k, described[k]) for k in ("dataflow", "pe_rows", "pe_cols", "glb_kib", "acc_buffer_kib",
                                                      "input_buffer_kib"))
        if config.dataflow is Dataflow.AUTO:
            settings += (("mapping_objective", f"{described['mapping_objective']} (each layer's dataflow minimises it)"),)
        settings += (("power_gating", f"on (idle PE grid leaks 1/{1 / HARD_GATED_RESIDUAL:.0f} of its logic's, 1/{1 / RETENTIVE_GATED_RESIDUAL:.0f} of its registers')" if config.power_gating else "off"),)
        settings += (("device_flavour", plan.device_flavour),)
        settings += (noc_setting(plan.rows, PE_GRID, "PEs"),)
        others = "".join(f", {b} class {k}" for k, b in enumerate(plan.class_acc_bits[2:], 2))
        settings += (("accumulator_bits", f"{plan.body_acc_bits} body, {plan.edge_acc_bits} first/last{others} "
                      f"(register {plan.acc_bits})"),)
        if plan.unused_pins:
            settings += (("pinned_not_in_bill_of_materials", ", ".join(plan.unused_pins)),)
        return settings

    def cost_stand_in(self, config: MacArrayConfig) -> None:
        return None  # every setting of the MAC array is a cost setting

    def ideal_layer(self, config: MacArrayConfig, scheme: QuantScheme) -> IdealLayer:
        """A 1x1 convolution with C output channels (one column tile) and a 1024-long reduction
        (a multiple of R in WS), so that every output's post-processing is shared by 1024 MACs as
        on a large layer: in WS 1024 pixels stream through each reduction tile, in OS a pixel tile
        of R pixels streams the reduction; in IS a tile of R inputs x C pixels stays while 1024
        output channels' weights stream. Every PE is busy in every streaming cycle; only each
        fold's fill and drain are idle."""
        rows = config.pe_rows
        if config.dataflow is Dataflow.ROW_STATIONARY:
            # The 32 x 32 map of PEAK_STREAM_LENGTH, its rows a whole number of column folds; q x R
            # channels per channel pass, a whole number of passes near 1024; p filters: one filter
            # pass. Each PE convolves rows of 32 pixels, so its weights serve 32 MACs per load.
            channels, filters = pe_interleave(config.spad_weight_words, config.spad_input_words,
                                              config.spad_psum_words, 1.0)
            per_pass, side = rows * channels, math.isqrt(PEAK_STREAM_LENGTH)
            out_rows = config.pe_cols * -(-side // config.pe_cols)
            return IdealLayer(per_pass * -(-PEAK_STREAM_LENGTH // per_pass), filters, out_rows * side, out_rows)
        if config.dataflow is Dataflow.OUTPUT_STATIONARY:
            return IdealLayer(PEAK_STREAM_LENGTH, config.pe_cols, rows)
        if config.dataflow is Dataflow.INPUT_STATIONARY:
            return IdealLayer(rows * -(-PEAK_STREAM_LENGTH // rows), PEAK_STREAM_LENGTH, config.pe_cols)
        return IdealLayer(rows * -(-PEAK_STREAM_LENGTH // rows), config.pe_cols, PEAK_STREAM_LENGTH)


MAC_ARRAY = MacArrayTemplate()
