"""The accelerator-template protocol: what every template implements, and what it returns.

A template (``mac_array``, ``cim_macro``, or one a user registers) is an object with a name and
four functions; :mod:`hwcost.evaluate` runs them for any template and names none:

1. ``from_mapping(data, check, prefix)``  YAML mapping -> its configuration (problems to ``check``);
2. ``plan(scheme, config, pricer, tables, datapaths)``  one design point -> a :class:`Plan`: its
   priced breakdown rows (energy per action, area), computed once per distinct point;
3. ``count(configs, plans, tables)``  a group of points on one workload -> :class:`GroupActions`:
   actions per count key and cycles, vectorised over points x layers;
4. ``settings(config, plan, tables)``  the template's lines of a report's settings;
5. ``ideal_layer(config, scheme)``  the layer that maps perfectly onto the design (its peak).

Optionally, ``block_key(config)`` and ``plan_block(scheme, configs, pricer, tables, datapaths)``
price a block of points at once: each point's plan, and the block's rows with every number a
float or an array over the configurations (``docs/architecture.md``, "Blocks"); the evaluation
uses them when a template has them.

``counts_layer_by_layer = True`` says that ``count`` computes each layer's counts from that
layer's row of the tables and the point alone (no sum, maximum or order across layers): a sweep
then counts each distinct layer once (:mod:`hwcost.arch.shared.distinct`).

``cost_stand_in(config)`` says which configuration prices a point whose accuracy-only settings
(for example ADC bits the library cannot price) the cost model refused.

The configuration is a frozen dataclass extending
:class:`~hwcost.arch.shared.memory.MemorySystem` (clock, global buffer, DRAM) with the template's
own keys and the few properties of :class:`ArchConfig`. ``docs/architecture.md`` walks through
adding a template.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

import numpy as np

from hwcost._config import Checker
from hwcost.arch.shared.bom import BodyEdge
from hwcost.arch.shared.pricing import PricedRow, Pricer
from hwcost.arch.shared.tables import IdealLayer, WorkloadTables
from hwcost.schemes import QuantScheme

if TYPE_CHECKING:
    from hwcost.arch.cim_macro.config import CimMacroParams

__all__ = ["ArchConfig", "Plan", "GroupActions", "Template", "Setting"]

Setting = tuple[str, Any]  # one (name, value) line of a report's settings


class ArchConfig(Protocol):
    """What the evaluation needs of any template's configuration."""

    template: ClassVar[str]  # the name the template is registered under
    name: str
    clock_mhz: float
    glb_kib: float
    glb_width_bits: int
    source_file: str | None  # the arch file it was read from, for messages

    @property
    def post_lanes(self) -> int:
        """Post-processing lanes: they run the element-wise layers, one output per lane per cycle."""
        ...

    @property
    def analog_macro(self) -> "CimMacroParams | None":
        """What an analog macro does to the numbers (accuracy side), or ``None`` for a digital array."""
        ...

    def describe(self) -> dict[str, object]:
        """The parameters a results table shows."""
        ...


class Plan(Protocol):
    """What the evaluation needs of any template's plan of one design point."""

    @property
    def rows(self) -> tuple[PricedRow, ...]: ...

    @property
    def group_size(self) -> int:
        """Output channels sharing one scale (per-channel-group tables)."""
        ...


@dataclass(frozen=True)
class GroupActions:
    """A template's counts for a group of points on one workload.

    ``per_layer`` maps each count key the template's rows use (its own, and the shared traffic
    counts ``glb_read_bits`` ... ``dram_write_bits`` and ``per_input``) to actions of shape
    (points, layers); the bill-of-materials placements, the buffer accesses and the element-wise
    operations are added by the evaluation. Cycles are (points, layers); ``peak_macs_per_cycle``
    (points,) is what full utilisation means on this template.
    """

    per_layer: Mapping[Enum, np.ndarray]
    compute_cycles: np.ndarray
    memory_cycles: np.ndarray
    latency_cycles: np.ndarray
    peak_macs_per_cycle: np.ndarray
    mapping: np.ndarray | None = None  # (points, layers) str: the mapping each layer got, when chosen per layer


C = TypeVar("C")
P = TypeVar("P")


class Template(Protocol[C, P]):
    """An accelerator template: see the module docstring."""

    name: str
    aliases: tuple[str, ...]  # other names accepted for ``template:`` and ``--arch``
    defaults: C

    def from_mapping(self, data: Mapping[str, Any], check: Checker, prefix: str = "") -> C | None: ...

    def plan(self, scheme: QuantScheme, config: C, pricer: Pricer, tables: WorkloadTables, datapaths: BodyEdge) -> P: ...

    def count(self, configs: Sequence[C], plans: Sequence[P], tables: WorkloadTables) -> GroupActions: ...

    def settings(self, config: C, plan: P, tables: WorkloadTables) -> tuple[Setting, ...]: ...

    def cost_stand_in(self, config: C) -> C | None: ...

    def ideal_layer(self, config: C, scheme: QuantScheme) -> IdealLayer: ...
