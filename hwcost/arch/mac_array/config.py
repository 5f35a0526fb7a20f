"""The MAC-array accelerator template's configuration: a PE grid, a global buffer, DRAM and
post-processing lanes.

A PE holds the classifier's ``mac_multiplier`` and ``accumulator`` with their registers; the
global buffer (GLB) is one SRAM; post-processing lanes at the array edge, one per column, host
the per-output, per-pixel and per-channel units of the bill of materials. Every default names
its source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from enum import Enum, StrEnum
from typing import Any, ClassVar

from hwcost._config import Checker
from hwcost.arch.gating import PowerGating, read_power_gating
from hwcost.arch.shared.memory import MemorySystem, read_number_keys
from hwcost.arch.shared.pricing import SharedRow
from hwcost.classify import UnitKind
from hwcost.techlib.models import MAX_COEFFICIENT

__all__ = ["Dataflow", "MappingObjective", "PeStyle", "PinnedCost", "MacArrayConfig", "MacRow", "MAC_ARRAY_DEFAULTS", "PINNABLE_UNITS",
           "mac_array_from_mapping"]


class Dataflow(Enum):
    """How layers map onto the PE grid (Chen et al., ISCA 2016 taxonomy; input stationary as in SCALE-Sim,
    Samajdar et al. ISPASS 2020; row stationary, with PE scratchpads, as in Eyeriss)."""

    WEIGHT_STATIONARY = "weight_stationary"  # rows = reduction, cols = output channels (TPU-like)
    OUTPUT_STATIONARY = "output_stationary"  # rows = output pixels, cols = output channels
    INPUT_STATIONARY = "input_stationary"  # rows = reduction, cols = output pixels (SCALE-Sim's IS)
    # rows = filter rows, cols = output rows; PEs with scratchpads (Eyeriss, Chen et al. ISCA 2016)
    ROW_STATIONARY = "row_stationary"
    # per layer, whichever of weight, output and input stationary costs less (``mapping_objective``);
    # not row stationary, whose PEs are other hardware (scratchpads, not registers)
    AUTO = "auto"


class MappingObjective(Enum):
    """What ``dataflow: auto`` minimises per layer: its energy (static included) or its energy x
    latency (ZigZag's and Timeloop's two usual objectives)."""

    ENERGY = "energy"
    EDP = "edp"


class PeStyle(Enum):
    """How a column reduces its products.

    ``accumulate``: every PE adds its product into its own accumulator register (a systolic array:
    TPU v1, Jouppi et al. ISCA 2017; Gemmini, Genc et al. DAC 2021). ``adder_tree``: the R
    products of a column meet in an adder tree and one accumulator per column adds the tree's sum
    (DianNao's NFU, Chen et al. ASPLOS 2014); inputs are broadcast along the rows, so one input
    register per row serves the C columns. Weight-stationary only.
    """

    ACCUMULATE = "accumulate"
    ADDER_TREE = "adder_tree"


class MacRow(StrEnum):
    """Breakdown rows of the MAC array besides the classifier's units and the memory system."""

    PE_REGISTERS = "pe_registers"  # input pipeline, accumulator and weight registers of each PE
    PE_SPADS = "pe_spads"  # row stationary: each PE's weight, input and partial-sum scratchpads
    SHIFT_ADD = "shift_add"  # combines the bit-slice partial products of a layer wider than the PE
    ACC_BUFFER = "acc_buffer"  # the partial-sum SRAM between the array and the global buffer
    INPUT_BUFFER = "input_buffer"  # the line buffer that turns input rows into the array's windows


# The rows an arch file may pin: every unit the classifier can place on the array, the PE
# registers, and the memory system's rows.
PINNABLE_UNITS: tuple[Enum, ...] = (*UnitKind, *MacRow, *SharedRow)


@dataclass(frozen=True)
class PinnedCost:
    """A unit's cost fixed by the user (a synthesized MAC, a measured SRAM) instead of the library.

    ``energy_pj`` is per action (one MAC for PE units, one access for memories, one operation for
    post-processing units and element-wise layers); ``area_um2`` per instance.
    """

    energy_pj: float
    area_um2: float
    source: str
    leakage_mw: float = 0.0  # static power per instance; the library's leakage is not added to a pinned unit


@dataclass(frozen=True)
class MacArrayConfig(MemorySystem):
    """Parameters of the MAC-array template (YAML: ``template: mac_array``)."""

    template: ClassVar[str] = "mac_array"

    # 16 x 16 PEs: the order of Eyeriss's 12 x 14 = 168 PEs (Chen et al., JSSC 2017).
    pe_rows: int = 16
    pe_cols: int = 16
    dataflow: Dataflow = Dataflow.WEIGHT_STATIONARY
    pe_style: PeStyle = PeStyle.ACCUMULATE
    # What `dataflow: auto` minimises per layer; energy, as the tool reports energy first.
    mapping_objective: MappingObjective = MappingObjective.ENERGY
    # 64 KiB accumulator buffer: Gemmini's default beside its 16 x 16 array (acc_capacity = 64 KiB;
    # ucb-bar/gemmini Configs.scala, Genc et al. DAC 2021). 0: none, partial sums go to the GLB.
    acc_buffer_kib: float = 64.0
    # 2 KiB input buffer: DianNao's NBin beside its 16 x 16 neural functional unit (Chen et al.,
    # ASPLOS 2014). 0: none, every activation fed to the array is read from the GLB.
    input_buffer_kib: float = 2.0
    # Row stationary's PE scratchpads, in words: Eyeriss's 224 x 16 b filter, 12 x 16 b ifmap and
    # 24 x 16 b psum spads (Chen, Krishna, Emer and Sze, "Eyeriss: an energy-efficient
    # reconfigurable accelerator for deep convolutional neural networks", IEEE JSSC 52(1), 2017).
    # A word holds one PE-wide operand (a partial sum: the accumulator's width).
    spad_weight_words: int = 224
    spad_input_words: int = 12
    spad_psum_words: int = 24
    # Power gating of the PE grid's idle cycles (idle; docs/cost-model.md §6). `none` by default: it
    # costs sleep transistors and wake-up latency, and the designs hwcost is validated against do
    # not all state it.
    power_gating: PowerGating = PowerGating.NONE
    pinned: tuple[tuple[Enum, PinnedCost], ...] = ()  # (unit, cost) pairs, hashable
    name: str = "mac_array"

    def describe(self) -> dict[str, object]:
        """The parameters a results table shows."""
        described: dict[str, object] = {
            "dataflow": self.dataflow.value, "mapping_objective": self.mapping_objective.value,
            "pe_style": self.pe_style.value, "pe_rows": self.pe_rows, "pe_cols": self.pe_cols, "glb_kib": self.glb_kib,
            "acc_buffer_kib": self.acc_buffer_kib, "input_buffer_kib": self.input_buffer_kib}
        if self.dataflow is Dataflow.ROW_STATIONARY:
            described.update(spad_weight_words=self.spad_weight_words, spad_input_words=self.spad_input_words,
                             spad_psum_words=self.spad_psum_words)
        return described

    def pinned_cost(self, unit: Enum) -> PinnedCost | None:
        return dict(self.pinned).get(unit)

    @property
    def num_pes(self) -> int:
        return self.pe_rows * self.pe_cols

    @property
    def post_lanes(self) -> int:
        return self.pe_cols  # one post-processing lane per column

    @property
    def analog_macro(self) -> None:
        return None


MAC_ARRAY_DEFAULTS = MacArrayConfig()

# A scratchpad up to 512 words: the largest register file the library's CACTI sweep covers.
_SPAD_KEYS = ("spad_weight_words", "spad_input_words", "spad_psum_words")
_INT_KEYS = {"pe_rows": (1, 4096), "pe_cols": (1, 4096), **{key: (1, 512) for key in _SPAD_KEYS}}
_FLOAT_KEYS = {"acc_buffer_kib": (0.0, 4096.0), "input_buffer_kib": (0.0, 4096.0)}


def _pinned(check: Checker, value: Any, key: str) -> tuple[tuple[Enum, PinnedCost], ...]:
    mapping = check.mapping(value, key)
    if mapping is None:
        return ()
    known = {u.value: u for u in PINNABLE_UNITS}
    out: dict[Enum, PinnedCost] = {}
    for unit, spec in mapping.items():
        ukey = f"{key}.{unit}"
        if unit not in known:
            check.error(ukey, f"the mac_array template has no unit '{unit}'; units that can be pinned: {', '.join(known)}")
            continue
        spec = check.mapping(spec, ukey)
        if spec is None or not check.keys(spec, ukey, required=["energy_pj", "area_um2", "source"],
                                          optional=["leakage_mw"]):
            continue
        # Bounded like a technology library's coefficients, so no total can overflow.
        energy = check.number(spec["energy_pj"], f"{ukey}.energy_pj", minimum=0, maximum=MAX_COEFFICIENT)
        area = check.number(spec["area_um2"], f"{ukey}.area_um2", minimum=0, maximum=MAX_COEFFICIENT)
        source = check.string(spec["source"], f"{ukey}.source")
        leakage = check.number(spec.get("leakage_mw", 0), f"{ukey}.leakage_mw", minimum=0, maximum=MAX_COEFFICIENT)
        if energy is not None and area is not None and source is not None and leakage is not None:
            out[known[unit]] = PinnedCost(energy, area, source, leakage)
    return tuple(out.items())


def mac_array_from_mapping(data: Mapping[str, Any], check: Checker, prefix: str = "") -> MacArrayConfig | None:
    """Build a MacArrayConfig from a mapping (YAML); problems go to ``check``."""
    names = [f.name for f in fields(MacArrayConfig) if f.compare]  # source_file is not a key
    check.keys(data, prefix, optional=["template"] + names)
    values = read_number_keys(data, check, prefix, _INT_KEYS, _FLOAT_KEYS)
    for key in ("acc_buffer_kib", "input_buffer_kib"):
        size = values.get(key)
        if size is not None and 0 < size < 1:
            check.error(f"{prefix}{key}", f"expected 0 (no such buffer) or at least 1 KiB (the smallest SRAM the "
                        f"library prices); got {size:g}")
            values[key] = None
    if "dataflow" in data:
        flow = check.choice(data["dataflow"], f"{prefix}dataflow", [d.value for d in Dataflow])
        values["dataflow"] = None if flow is None else Dataflow(flow)
    if "pe_style" in data:
        style = check.choice(data["pe_style"], f"{prefix}pe_style", [d.value for d in PeStyle])
        values["pe_style"] = None if style is None else PeStyle(style)
        if style == PeStyle.ADDER_TREE.value and values.get("dataflow") not in (None, Dataflow.WEIGHT_STATIONARY):
            check.error(f"{prefix}pe_style", "an adder tree reduces along the rows: it needs dataflow weight_stationary")
    if "mapping_objective" in data:
        objective = check.choice(data["mapping_objective"], f"{prefix}mapping_objective",
                                 [m.value for m in MappingObjective])
        values["mapping_objective"] = None if objective is None else MappingObjective(objective)
    if "power_gating" in data:
        values["power_gating"] = read_power_gating(check, data["power_gating"], f"{prefix}power_gating")
    if "pinned" in data:
        values["pinned"] = _pinned(check, data["pinned"], f"{prefix}pinned")
    if "name" in data:
        values["name"] = check.string(data["name"], f"{prefix}name")
    if any(v is None for v in values.values()) or check.problems:
        return None
    config = replace(MAC_ARRAY_DEFAULTS, **values)
    # (the default may be written with any dataflow: an arch file rebuilt from flags carries every key)
    if config.mapping_objective is not MAC_ARRAY_DEFAULTS.mapping_objective and config.dataflow is not Dataflow.AUTO:
        check.error(f"{prefix}mapping_objective", f"chooses each layer's dataflow under dataflow auto; this array's "
                    f"dataflow is {config.dataflow.value}, so it would be ignored")
        return None
    if config.dataflow is not Dataflow.ROW_STATIONARY:
        for key in _SPAD_KEYS:  # (compared with the default, as mapping_objective above)
            if getattr(config, key) != getattr(MAC_ARRAY_DEFAULTS, key):
                check.error(f"{prefix}{key}", f"sizes a row-stationary PE's scratchpad; this array's dataflow is "
                            f"{config.dataflow.value}, whose PEs have registers, so it would be ignored")
                return None
    if config.glb_bank_bytes < 1024:
        check.error(f"{prefix}glb_banks", f"a bank of {config.glb_bank_bytes:g} B ({config.glb_kib:g} KiB in "
                    f"{config.glb_banks} banks) is below the smallest SRAM the library prices (1 KiB)")
        return None
    return config
