"""The MAC-array accelerator template: a PE grid, a global buffer, DRAM and post-processing.

A PE holds the classifier's ``mac_multiplier`` and ``accumulator`` with their registers; the
global buffer (GLB) is one SRAM; post-processing lanes at the array edge host the per-output,
per-pixel and per-channel units of the bill of materials. Every default names its source.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["Dataflow", "PinnedCost", "MacArrayConfig", "MAC_ARRAY_DEFAULTS"]


class Dataflow(Enum):
    """How layers map onto the PE grid (Chen et al., ISCA 2016 taxonomy)."""

    WEIGHT_STATIONARY = "weight_stationary"  # rows = reduction, cols = output channels (TPU-like)
    OUTPUT_STATIONARY = "output_stationary"  # rows = output pixels, cols = output channels


@dataclass(frozen=True)
class PinnedCost:
    """A unit's cost fixed by the user (a synthesized MAC, a measured SRAM) instead of the library.

    ``energy_pj`` is per action (one MAC for PE units, one access for memories, one operation for
    post-processing units); ``area_um2`` per instance.
    """

    energy_pj: float
    area_um2: float
    source: str


@dataclass(frozen=True)
class MacArrayConfig:
    """Parameters of the MAC-array template (YAML: ``template: mac_array``)."""

    pe_rows: int = 16  # issue default; 16x16 as in many edge accelerators
    pe_cols: int = 16
    clock_mhz: float = 1000.0  # issue default 1 GHz
    dataflow: Dataflow = Dataflow.WEIGHT_STATIONARY
    # 128 KiB: the order of Eyeriss's 108 KB global buffer (Chen et al., JSSC 2017).
    glb_kib: float = 128.0
    # 64-bit port: the access width of Horowitz's SRAM figures and the CACTI sweep's reference.
    glb_width_bits: int = 64
    # One LPDDR4-3200 x32 channel: 3200 MT/s x 4 B = 12.8 GB/s (JEDEC JESD209-4).
    dram_bandwidth_gbps: float = 12.8
    pinned: tuple[tuple[str, PinnedCost], ...] = ()  # (unit name, cost) pairs, hashable
    name: str = "mac_array"

    def describe(self) -> dict[str, object]:
        """The parameters a results table shows."""
        return {"dataflow": self.dataflow.value, "pe_rows": self.pe_rows, "pe_cols": self.pe_cols, "glb_kib": self.glb_kib}

    def pinned_cost(self, unit: str) -> PinnedCost | None:
        return dict(self.pinned).get(unit)

    @property
    def num_pes(self) -> int:
        return self.pe_rows * self.pe_cols

    @property
    def glb_bits(self) -> float:
        return self.glb_kib * 1024 * 8

    @property
    def dram_bits_per_cycle(self) -> float:
        return self.dram_bandwidth_gbps * 1e9 * 8 / (self.clock_mhz * 1e6)


MAC_ARRAY_DEFAULTS = MacArrayConfig()
