"""The digital compute-in-memory (DCIM) template's configuration: SRAM bit cells with a bitwise gate
per cell, an adder tree per column group, shift-accumulation over bit-serial inputs and weight groups.

A macro is a ``rows x cols`` array of 6T SRAM bit cells. Columns are grouped in cell groups of
``weight_group_bits`` cells: one group holds ``weight_group_bits`` bits of one weight, and each
cell drives a two-input gate (NOR2 on the complementary operands: a bitwise AND) with the input
bit of its row. Each cell group has one adder tree summing the ``rows`` products (1 b x
``weight_group_bits`` b) of the active rows; a shift-accumulator per group adds the tree's sum,
shifted, once per input bit (inputs enter bit-serially, one bit per cycle), and the weight groups
of a weight are combined by a shift-add. Equations and the source of every default:
``docs/digital-cim.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar

from hwcost._config import Checker
from hwcost.arch.gating import PowerGating, read_power_gating
from hwcost.arch.shared.memory import MemorySystem, read_number_keys

__all__ = ["DigitalCimConfig", "DIGITAL_CIM_DEFAULTS", "digital_cim_from_mapping", "MACROS_MAX"]

MACROS_MAX = 1_000_000


@dataclass(frozen=True)
class DigitalCimConfig(MemorySystem):
    """Parameters of the digital-CIM template (YAML: ``template: digital_cim``); defaults from
    Chih et al., ISSCC 2021 (paper 16.4), TSMC 22 nm all-digital SRAM CIM macro, 64 kb
    (docs/digital-cim.md §1 says which are stated and which derived)."""

    template: ClassVar[str] = "digital_cim"

    # 256 x 256 = 64 kb: the macro's stated capacity (64 kb); its split into rows and columns is
    # not in what was read of the paper -- a square array of the stated capacity [A].
    rows: int = 256
    cols: int = 256
    # 4-bit cell groups: weights of 4/8/12/16 b, i.e. in 4-bit groups [secondary, docs/digital-cim.md].
    weight_group_bits: int = 4
    macros: int | None = None  # None: as many as the network's weights need (weights resident)
    # Idle macros powered (none) or gated (idle), cells soft, periphery hard, as on cim_macro
    # (docs/cim-model.md §6).
    power_gating: PowerGating = PowerGating.NONE
    post_lanes: int = 16  # as the cim_macro template: equal post-processing throughput
    # 400 MHz [D]: 16.3 TOPS/mm2 x 0.202 mm2 (macro) / (2 x 64 kb / 4 b / 4 cycles) MACs per cycle.
    clock_mhz: float = 400.0
    name: str = "digital_cim"

    @property
    def analog_macro(self) -> None:
        return None  # exact digital arithmetic: nothing changes the numbers

    @property
    def trees_per_macro(self) -> int:
        return self.cols // self.weight_group_bits

    def describe(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "cols": self.cols,
            "weight_group_bits": self.weight_group_bits,
            "macros": "auto" if self.macros is None else self.macros,
            "power_gating": self.power_gating.value,
            "glb_kib": self.glb_kib,
        }


DIGITAL_CIM_DEFAULTS = DigitalCimConfig()

_INT_KEYS = {
    "rows": (2, 4096),
    "cols": (1, 4096),
    "weight_group_bits": (1, 16),
    "post_lanes": (1, 4096),
}


def digital_cim_from_mapping(data: Mapping[str, Any], check: Checker, prefix: str = "") -> DigitalCimConfig | None:
    """Build a DigitalCimConfig from a mapping (YAML); problems go to ``check``."""
    names = [f.name for f in fields(DigitalCimConfig) if f.compare]  # source_file is not a key
    check.keys(data, prefix, optional=["template"] + names)
    values = read_number_keys(data, check, prefix, _INT_KEYS, {})
    if "name" in data:
        values["name"] = check.string(data["name"], f"{prefix}name")
    if "power_gating" in data:
        values["power_gating"] = read_power_gating(check, data["power_gating"], f"{prefix}power_gating")
    macros_ok = True
    if "macros" in data:
        value = data["macros"]
        if value == "auto" or value is None:
            values["macros"] = None
        elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MACROS_MAX:
            check.error(f"{prefix}macros", f"expected auto or an integer in [1, {MACROS_MAX}]; got {value!r}")
            macros_ok = False
        else:
            values["macros"] = value
    if not macros_ok or any(v is None for k, v in values.items() if k != "macros") or check.problems:
        return None
    config = replace(DIGITAL_CIM_DEFAULTS, **values)
    if config.cols % config.weight_group_bits:
        key = "weight_group_bits" if "weight_group_bits" in data or "cols" not in data else "cols"
        check.error(f"{prefix}{key}", f"weight_group_bits ({config.weight_group_bits}) must divide cols ({config.cols})")
    if config.glb_bank_bytes < 1024:
        check.error(f"{prefix}glb_banks", f"a bank of {config.glb_bank_bytes:g} B ({config.glb_kib:g} KiB in "
                    f"{config.glb_banks} banks) is below the smallest SRAM the library prices (1 KiB)")
    return None if check.problems else config
