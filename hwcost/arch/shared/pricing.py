"""What the MAC-array and CIM templates share: technology-library pricing with memoisation, the
post-processing units of the bill of materials, the buffer/DRAM/element-wise rows, the per-layer
counts of those units, and the per-point plan cache.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from hwcost.arch.tables import WorkloadTables
from hwcost.classify import Datapath, Placement, Unit, UnitKind, classify
from hwcost.classify.datapath import Component
from hwcost.report import Category
from hwcost.schemes import QuantScheme
from hwcost.techlib import TechLib

__all__ = [
    "Term",
    "PricedRow",
    "Sums",
    "price",
    "classify_body_edge",
    "count_key",
    "price_unit_pair",
    "row_name",
    "buffer_rows",
    "bom_counts",
    "split_body_edge",
    "row_energies",
    "add_buffer_sums",
    "PlanCache",
    "SRAM_MIN_BYTES",
]

# Tables smaller than the CACTI sweep's smallest macro (1 KiB, sram_cacti7_sweep.csv) are
# register files: priced per word from the library's flip-flop. Narrower words than the sweep's
# narrowest port (32 bits) occupy a 32-bit port.
SRAM_MIN_BYTES = 1024
SRAM_MIN_PORT_BITS = 32

# Actions per count key: (summed over body layers, summed over first/last layers), each (points,).
Sums = dict[str, tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Term:
    """``energy_body_pj`` per action on body layers, ``energy_edge_pj`` on first/last layers."""

    count: str  # key of the action counts (a key of Sums)
    energy_body_pj: float
    energy_edge_pj: float


@dataclass(frozen=True)
class PricedRow:
    name: str
    category: Category
    terms: tuple[Term, ...]
    area_um2: float
    source: str = "techlib"


_PRICES: dict[tuple[object, ...], float] = {}
_LIBS: dict[int, TechLib] = {}  # keeps every priced library alive, so its id stays unique


def price(lib: TechLib, quantity: str, component: str, action: str | None = None, **params: float) -> float:
    """``lib.energy_pj`` (quantity "energy") or ``lib.area_um2`` ("area"), memoised: sweeps price
    the same few components thousands of times."""
    key = (id(lib), quantity, component, action, tuple(sorted(params.items())))
    value = _PRICES.get(key)
    if value is None or _LIBS.get(id(lib)) is not lib:
        _LIBS[id(lib)] = lib
        raw = lib.energy_pj(component, action, **params) if quantity == "energy" else lib.area_um2(component, **params)
        value = _PRICES[key] = float(raw)
    return value


def classify_body_edge(scheme: QuantScheme, t: WorkloadTables) -> tuple[Datapath, Datapath, bool]:
    """The datapaths of the body and of the first/last layers (each sized for its longest
    reduction), and whether the first/last layers run in floating point."""
    body = classify(scheme, t.max_reduction_body)
    edge = classify(scheme, t.max_reduction_edge, edge_layer=True)
    fp_edge = edge.of_kind(UnitKind.MAC_MULTIPLIER)[0].component is Component.FP_MULTIPLIER
    return body, edge, fp_edge


def count_key(unit: Unit) -> str:
    if unit.kind is UnitKind.ZERO_POINT_WINDOW_SUM:
        return "window_sum"  # N - 1 additions per output pixel, N per layer (not the max N)
    return unit.placement.value


def _table_entries(unit: Unit, tables: WorkloadTables, group_size: int) -> int:
    channels = tables.max_out_channels
    return channels if unit.placement is Placement.PER_OUTPUT_CHANNEL else math.ceil(channels / group_size)


def _price_memory(unit: Unit, lib: TechLib, entries: int) -> tuple[float, float]:
    """(energy per write + read of one word, area) of a per-channel table (docs/cost-model.md §3)."""
    word = unit.widths["width_bits"]
    port = max(word, SRAM_MIN_PORT_BITS)
    capacity = entries * port / 8
    if capacity >= SRAM_MIN_BYTES:
        e = price(lib, "energy", "sram", "read", capacity_bytes=capacity, width_bits=port)
        e += price(lib, "energy", "sram", "write", capacity_bytes=capacity, width_bits=port)
        return e, price(lib, "area", "sram", capacity_bytes=capacity, width_bits=port)
    return 2 * price(lib, "energy", "register", bits=word), entries * price(lib, "area", "register", bits=word)


def _price_unit(unit: Unit, lib: TechLib) -> tuple[float, float]:
    # A window sum's N - 1 additions are counted per layer (key "window_sum"), not per action.
    ops = 1 if unit.kind is UnitKind.ZERO_POINT_WINDOW_SUM else unit.ops_per_action
    component = str(unit.component)
    return price(lib, "energy", component, **unit.widths) * ops, price(lib, "area", component, **unit.widths)


def price_unit_pair(
    body: Unit | None, edge: Unit | None, lib: TechLib, tables: WorkloadTables, group_size: int
) -> tuple[float, float, float, float, bool]:
    """(energy body, area body, energy edge, area edge, is_memory) of one unit kind; a unit
    missing from one datapath costs 0 there. Memories are priced as whole tables."""
    unit = body or edge
    assert unit is not None
    if unit.component is Component.SRAM:
        entries = _table_entries(unit, tables, group_size)
        (eb, ab), (ee, ae) = [_price_memory(u, lib, entries) if u else (0.0, 0.0) for u in (body, edge)]
        return eb, ab, ee, ae, True
    (eb, ab), (ee, ae) = [_price_unit(u, lib) if u else (0.0, 0.0) for u in (body, edge)]
    return eb, ab, ee, ae, False


def row_name(unit: Unit, keys: Sequence[tuple[UnitKind, Placement]]) -> str:
    """The kind's name, qualified by the placement when the kind sits in several places."""
    placements = {p for k, p in keys if k is unit.kind}
    return unit.kind.value if len(placements) == 1 else f"{unit.kind.value}@{unit.placement.value}"


def buffer_rows(glb_kib: float, glb_width_bits: int, lanes: int, lib: TechLib, act_bits: int) -> list[PricedRow]:
    """Global buffer, DRAM and the element-wise layers (docs/cost-model.md §3)."""
    glb_args = dict(capacity_bytes=glb_kib * 1024, width_bits=glb_width_bits)
    e_rd, e_wr = (price(lib, "energy", "sram", a, **glb_args) for a in ("read", "write"))
    d_rd, d_wr = (price(lib, "energy", "dram", a, bits=1) for a in ("read", "write"))
    e_add = price(lib, "energy", "int_adder", bits=act_bits + 1)  # sum of two act_bits operands
    e_cmp = price(lib, "energy", "comparator", bits=act_bits)
    pool_bits = act_bits + 6  # a 7x7 average-pool window sum: ceil(log2 49) = 6 more bits
    e_pool = price(lib, "energy", "int_adder", bits=pool_bits)
    ew_area = lanes * (price(lib, "area", "int_adder", bits=pool_bits) + price(lib, "area", "comparator", bits=act_bits))
    return [
        PricedRow(
            "glb",
            Category.ON_CHIP_MEMORY,
            (Term("glb_read_accesses", e_rd, e_rd), Term("glb_write_accesses", e_wr, e_wr)),
            price(lib, "area", "sram", **glb_args),
        ),
        PricedRow(
            "dram",
            Category.DRAM,
            (Term("dram_read_bits", d_rd, d_rd), Term("dram_write_bits", d_wr, d_wr)),
            price(lib, "area", "dram", bits=1),
        ),
        PricedRow(
            "elementwise",
            Category.COMPUTE,
            (Term("residual_adds", e_add, e_add), Term("max_pool_compares", e_cmp, e_cmp), Term("avg_pool_adds", e_pool, e_pool)),
            ew_area,
        ),
    ]


def bom_counts(t: WorkloadTables, group_sizes: Sequence[int]) -> dict[str, np.ndarray]:
    """Per-layer actions of the bill-of-materials placements (docs/cost-model.md §3)."""
    s = t.shapes
    out_channels = s.out_channels_per_group * s.groups
    group = np.asarray(group_sizes, dtype=float)[:, None]
    return {
        "per_output": s.output_elements,
        "per_output_pixel": s.output_pixels * s.groups,
        "window_sum": (s.reduction_length - 1) * s.output_pixels * s.groups,
        "per_output_channel": out_channels,
        "per_channel_group": np.ceil(out_channels / group),
    }


def split_body_edge(per_layer: Mapping[str, Any], edge: np.ndarray, shape: tuple[int, int]) -> Sums:
    """Sum each (points, layers) count over the body layers and over the first/last layers."""
    sums: Sums = {}
    for key, values in per_layer.items():
        v = np.broadcast_to(values, shape)
        sums[key] = (v[:, ~edge].sum(axis=1), v[:, edge].sum(axis=1))
    return sums


def add_buffer_sums(sums: Sums, glb_width_bits: np.ndarray, act_bits: np.ndarray, t: WorkloadTables) -> None:
    """GLB accesses, including the element-wise layers' traffic, and element-wise operations."""
    ew_out = t.elementwise_outputs * act_bits
    ew_in = (t.elementwise_glb_bits_per_act_bit - t.elementwise_outputs) * act_bits
    zeros = np.zeros(len(act_bits))
    read, write = sums["glb_read_bits"], sums["glb_write_bits"]
    sums["glb_read_accesses"] = ((read[0] + ew_in) / glb_width_bits, read[1] / glb_width_bits)
    sums["glb_write_accesses"] = ((write[0] + ew_out) / glb_width_bits, write[1] / glb_width_bits)
    sums["residual_adds"] = (zeros + t.residual_add_elements, zeros)
    sums["max_pool_compares"] = (zeros + t.max_pool_compares, zeros)
    sums["avg_pool_adds"] = (zeros + t.avg_pool_adds, zeros)


def row_energies(rows_per_point: Sequence[Sequence[PricedRow]], sums: Sums) -> dict[str, dict[str, Any]]:
    """Energy, area, actions, category and source of every breakdown row, each an array over points."""
    n = len(rows_per_point)
    rows: dict[str, dict[str, Any]] = {}
    for d, point_rows in enumerate(rows_per_point):
        for row in point_rows:
            entry = rows.setdefault(
                row.name,
                {"category": row.category, "energy_pj": np.zeros(n), "area_um2": np.zeros(n), "actions": np.zeros(n), "source": {}},
            )
            energy = actions = 0.0
            for term in row.terms:
                body, edge = sums[term.count]
                energy += term.energy_body_pj * body[d] + term.energy_edge_pj * edge[d]
                actions += body[d] + edge[d]
            entry["energy_pj"][d] = energy
            entry["area_um2"][d] = row.area_um2
            entry["actions"][d] = actions
            entry["source"][d] = row.source
    return rows


P = TypeVar("P")


class PlanCache:
    """Plans of design points keyed by (scheme, arch, library, workload tables).

    Libraries and tables are keyed by identity (they hold dicts and arrays) and kept alive with
    the entry, so an id is never reused while its entry exists.
    """

    def __init__(self, max_entries: int = 16384):
        self._entries: dict[tuple[object, ...], tuple[TechLib, WorkloadTables, Any]] = {}
        self._max = max_entries

    def get(self, scheme: QuantScheme, arch: object, lib: TechLib, tables: WorkloadTables,
            build: Callable[[QuantScheme, Any, TechLib, WorkloadTables], P]) -> P:
        key = (scheme, arch, id(lib), id(tables))
        hit = self._entries.get(key)
        if hit is not None and hit[0] is lib and hit[1] is tables:
            return hit[2]
        if len(self._entries) >= self._max:
            self._entries.clear()
        plan = build(scheme, arch, lib, tables)
        self._entries[key] = (lib, tables, plan)
        return plan
