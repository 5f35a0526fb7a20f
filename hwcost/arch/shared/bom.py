"""The classifier's bill of materials, priced: what both templates do with a datapath.

:func:`classify_classes` gives the datapath of each precision class (body, first/last, and
the classes of layers with a precision of their own: ``hwcost/arch/shared/tables.py``);
:func:`priced_units` lines their units up (a unit missing from one datapath costs 0 there) and
prices each once per class: energy per action and area per instance, per-channel tables as whole
memories (``docs/cost-model.md`` §3). A template turns each :class:`PricedUnit` into a row by
choosing how many instances it holds; :func:`bom_counts` gives the actions per layer of every
placement.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from hwcost.arch.shared.adder_tree import xnor_cost
from hwcost.arch.shared.pricing import Count, Pricer
from hwcost.arch.shared.tables import BODY, EDGE, WorkloadTables
from hwcost.classify import Datapath, Placement, Unit, UnitKind, classify
from hwcost.classify.datapath import Component
from hwcost.errors import HwcostError
from hwcost.schemes import QuantScheme

__all__ = [
    "ClassDatapaths",
    "BodyEdge",
    "classify_classes",
    "PricedUnit",
    "classify_body_edge",
    "check_integer_layers",
    "count_key",
    "priced_units",
    "unit_leakage_mw",
    "table_word_bits",
    "bom_counts",
]



@dataclass(frozen=True)
class ClassDatapaths:
    """The datapath of each precision class (0 body, 1 first/last, 2... a layer's own precision),
    each sized for its class's longest reduction, and whether the first/last layers run in
    floating point."""

    datapaths: tuple[Datapath, ...]
    fp_edge: bool

    @property
    def body(self) -> Datapath:
        return self.datapaths[BODY]

    @property
    def edge(self) -> Datapath:
        return self.datapaths[EDGE]

    @property
    def schemes(self) -> tuple[QuantScheme, ...]:
        """Each class's scheme (the first/last class's at its first/last bits, or the body's when
        it runs in FP32)."""
        return tuple(dp.scheme for dp in self.datapaths)


BodyEdge = ClassDatapaths  # the name of the two-class engine


def classify_classes(scheme: QuantScheme, t: WorkloadTables) -> ClassDatapaths:
    """Classify ``scheme`` for the body and the first/last layers, and each layer precision of
    the workload (:meth:`~hwcost.workloads.layer.LayerPrecision.resolve` on ``scheme``), once per
    class at its longest reduction."""
    body = classify(scheme, t.max_reduction[BODY])
    edge = classify(scheme, t.max_reduction[EDGE], edge_layer=True)
    fp_edge = edge.of_kind(UnitKind.MAC_MULTIPLIER)[0].component is Component.FP_MULTIPLIER
    own = tuple(classify(p.resolve(scheme), n) for p, n in zip(t.class_precisions, t.max_reduction[2:]))
    return ClassDatapaths((body, edge, *own), fp_edge)


classify_body_edge = classify_classes


def check_integer_layers(datapaths: ClassDatapaths, scheme: QuantScheme, template: str) -> None:
    """A CIM array computes integer dot products: refuse a scheme whose layers run floating-point
    MACs (a fake-quant realisation, or first/last layers left in FP32), naming the key to change."""
    fake = scheme.scale_realisation.fake_quant_bits
    if fake is not None:
        raise HwcostError.single(
            f"scale_realisation '{scheme.scale_realisation.value}' runs FP{fake} MACs; the {template} template "
            "runs integer layers only: use 'output' or 'operand'", key="scale_realisation")
    if datapaths.fp_edge:
        raise HwcostError.single(
            f"scheme '{scheme.name}' keeps its first/last layers in floating point; the {template} "
            "template runs integer layers only: set first_last_bits (e.g. 8)", key="first_last_bits")


def count_key(unit: Unit) -> Count:
    """The count a unit's actions are summed under: its placement, or the window sum."""
    if unit.kind is UnitKind.ZERO_POINT_WINDOW_SUM:
        return Count.WINDOW_SUM  # N - 1 additions per output pixel, N per layer (not the max N)
    return Count(unit.placement.value)


def table_word_bits(dp: Datapath) -> int:
    """Bits per output channel of the per-channel tables loaded from DRAM."""
    return sum(u.widths["width_bits"] for u in dp.units if u.component is Component.SRAM and u.placement is not Placement.OFFLINE)


@dataclass(frozen=True)
class PricedUnit:
    """One unit kind at one placement, priced on each precision class (0 where absent)."""

    units: tuple[Unit | None, ...]  # per class
    energies_pj: tuple[float, ...]  # per action, per class
    areas_um2: tuple[float, ...]  # per instance, per class
    is_memory: bool  # a per-channel table: one memory, priced per word written and read
    qualifier: Placement | None  # set when the kind sits in several places (the row's name says where)
    leakage_mw: float = 0.0  # a per-channel table's static power (SRAM tables; 0 for flip-flops)

    @property
    def unit(self) -> Unit:
        unit = next((u for u in self.units if u is not None), None)
        assert unit is not None
        return unit

    @property
    def body(self) -> Unit | None:
        return self.units[BODY]

    @property
    def edge(self) -> Unit | None:
        return self.units[EDGE]

    @property
    def energy_body_pj(self) -> float:
        return self.energies_pj[BODY]

    @property
    def energy_edge_pj(self) -> float:
        return self.energies_pj[EDGE]

    @property
    def area_body_um2(self) -> float:
        return self.areas_um2[BODY]

    @property
    def area_edge_um2(self) -> float:
        return self.areas_um2[EDGE]

    @property
    def area_um2(self) -> float:
        """Per instance: the widest class's (the hardware runs every class)."""
        return max(self.areas_um2)


def _table_entries(unit: Unit, tables: WorkloadTables, group_size: int) -> int:
    channels = tables.max_out_channels
    return channels if unit.placement is Placement.PER_OUTPUT_CHANNEL else math.ceil(channels / group_size)


def _table_leakage_mw(unit: Unit, pricer: Pricer, entries: int) -> float:
    """Static power of a per-channel table: the SRAM's, or for one held in flip-flops (below the
    smallest macro, as :func:`_price_memory` prices it) its entries' registers'."""
    word = unit.widths["width_bits"]
    sram = pricer.sram_range()
    port = max(word, sram.min_port_bits)
    capacity = entries * port / 8
    if capacity >= sram.min_bytes:
        return pricer.leakage_mw("sram", capacity_bytes=capacity, width_bits=port)
    return entries * pricer.leakage_mw("register", bits=word)


def _price_memory(unit: Unit, pricer: Pricer, entries: int) -> tuple[float, float]:
    """(energy per write + read of one word, area) of a per-channel table (docs/cost-model.md §3).

    A table smaller than the smallest SRAM macro the library's law covers (1 KiB in the CACTI 7
    sweep, Balasubramonian et al. ACM TACO 2017) is a register file, priced per word from the
    library's flip-flop; a word narrower than its narrowest port occupies that port."""
    word = unit.widths["width_bits"]
    sram = pricer.sram_range()
    port = max(word, sram.min_port_bits)
    capacity = entries * port / 8
    if capacity >= sram.min_bytes:
        e = pricer.energy_pj("sram", "read", capacity_bytes=capacity, width_bits=port)
        e += pricer.energy_pj("sram", "write", capacity_bytes=capacity, width_bits=port)
        return e, pricer.area_um2("sram", capacity_bytes=capacity, width_bits=port)
    return 2 * pricer.energy_pj("register", bits=word), entries * pricer.area_um2("register", bits=word)


def _price_unit(unit: Unit, pricer: Pricer) -> tuple[float, float]:
    """(energy per action, area) of a logic unit: once per library, component, widths and
    operations per action (the schemes of a sweep share most of their units)."""
    # A window sum's N - 1 additions are counted per layer (Count.WINDOW_SUM), not per action.
    ops = 1 if unit.kind is UnitKind.ZERO_POINT_WINDOW_SUM else unit.ops_per_action
    # enum members are singletons: their ids stand for them (hashing one calls Python code)
    return pricer.derived(("unit_price", id(unit.component), unit.widths, ops), lambda: _priced_unit(unit, ops, pricer))


def _priced_unit(unit: Unit, ops: int, pricer: Pricer) -> tuple[float, float]:
    if unit.component is Component.XNOR_GATE:  # not a library component: its logic_gate cells
        xnor = xnor_cost(pricer, unit.widths["bits"])
        return xnor.energy_pj * ops, xnor.area_um2
    component = str(unit.component)
    return pricer.energy_pj(component, **unit.widths) * ops, pricer.area_um2(component, **unit.widths)


def priced_units(datapaths: Sequence[Datapath], pricer: Pricer, tables: WorkloadTables, group_size: int,
                 exclude: Collection[UnitKind] = ()) -> tuple[PricedUnit, ...]:
    """Every live (not offline) unit of the classes' datapaths, in the order they first appear
    (body first), each priced once per class; once per library, datapaths, workload and group
    size (every design point of a sweep with the same scheme shares them)."""
    key = ("priced_units", *map(id, datapaths), id(tables), group_size, tuple(exclude))
    return pricer.derived(key, lambda: _priced_units(datapaths, pricer, tables, group_size, exclude),
                          keep=(*datapaths, tables))


def unit_leakage_mw(unit: Unit | None, pricer: Pricer) -> float:
    """Static power of one instance of a logic unit (0 where absent or the library gives none)."""
    if unit is None:
        return 0.0
    if unit.component is Component.XNOR_GATE:
        return xnor_cost(pricer, unit.widths["bits"]).leakage_mw
    return pricer.derived(("unit_leakage", id(unit.component), unit.widths),
                          lambda: pricer.leakage_mw(str(unit.component), **unit.widths))


def _priced_units(datapaths: Sequence[Datapath], pricer: Pricer, tables: WorkloadTables, group_size: int,
                  exclude: Collection[UnitKind]) -> tuple[PricedUnit, ...]:

    def live(dp: Datapath) -> dict[tuple[UnitKind, Placement], Unit]:
        return {(u.kind, u.placement): u for u in dp.units if u.placement is not Placement.OFFLINE and u.kind not in exclude}

    per_class = [live(dp) for dp in datapaths]
    keys: list[tuple[UnitKind, Placement]] = []
    for units in per_class:
        keys += [k for k in units if k not in keys]
    out = []
    for key in keys:
        units = tuple(c.get(key) for c in per_class)
        unit = next(u for u in units if u is not None)
        memory = unit.component is Component.SRAM
        leakage = 0.0
        if memory:
            entries = _table_entries(unit, tables, group_size)
            priced = [_price_memory(u, pricer, entries) if u else (0.0, 0.0) for u in units]
            leakage = max(_table_leakage_mw(u, pricer, entries) for u in units if u is not None)
        else:
            priced = [_price_unit(u, pricer) if u else (0.0, 0.0) for u in units]
        several = len({p for k, p in keys if k is unit.kind}) > 1
        out.append(PricedUnit(units, tuple(e for e, _ in priced), tuple(a for _, a in priced), memory,
                              unit.placement if several else None, leakage))
    return tuple(out)


def bom_counts(t: WorkloadTables, group_sizes: Sequence[int]) -> dict[Count, np.ndarray]:
    """Per-layer actions of the bill-of-materials placements (docs/cost-model.md §3)."""
    s = t.shapes
    out_channels = s.out_channels_per_group * s.groups
    group = np.asarray(group_sizes, dtype=float)[:, None]
    return {
        Count.PER_OUTPUT: s.output_elements,
        Count.PER_OUTPUT_PIXEL: s.output_pixels * s.groups,
        Count.WINDOW_SUM: (s.reduction_length - 1) * s.output_pixels * s.groups,
        Count.PER_OUTPUT_CHANNEL: out_channels,
        Count.PER_CHANNEL_GROUP: np.ceil(out_channels / group),
    }
