"""Loading accelerator descriptions: a template name, or a YAML file validated at the edge."""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path
from typing import Any, Mapping

from hwcost._config import Checker, read_yaml
from hwcost.arch.cim_macro import CIM_MACRO_DEFAULTS, CimMacroConfig, cim_macro_from_mapping
from hwcost.arch.mac_array import MAC_ARRAY_DEFAULTS, Dataflow, MacArrayConfig, PinnedCost
from hwcost.errors import HwcostError

__all__ = ["ARCH_TEMPLATES", "arch_from_mapping", "load_arch", "mac_array_from_mapping", "ArchConfig"]

ArchConfig = MacArrayConfig | CimMacroConfig  # one member per template registered below

# Units of the MAC-array report whose cost an arch file may pin, besides the classifier's kinds.
MAC_ARRAY_FIXED_UNITS = ("pe_registers", "glb", "dram", "residual_adder", "pool_comparator")

_INT_KEYS = {"pe_rows": (1, 4096), "pe_cols": (1, 4096), "glb_width_bits": (8, 1024)}
_FLOAT_KEYS = {"clock_mhz": (1.0, 10000.0), "glb_kib": (1.0, 65536.0), "dram_bandwidth_gbps": (0.01, 10000.0)}


def _pinnable_units() -> tuple[str, ...]:
    from hwcost.classify import UnitKind

    return tuple(k.value for k in UnitKind) + MAC_ARRAY_FIXED_UNITS


def _pinned(check: Checker, value: Any, key: str) -> tuple[tuple[str, PinnedCost], ...]:
    mapping = check.mapping(value, key)
    if mapping is None:
        return ()
    known = _pinnable_units()
    out: dict[str, PinnedCost] = {}
    for unit, spec in mapping.items():
        ukey = f"{key}.{unit}"
        if unit not in known:
            check.error(ukey, f"unknown unit '{unit}'; units that can be pinned: {', '.join(known)}")
            continue
        spec = check.mapping(spec, ukey)
        if spec is None or not check.keys(spec, ukey, required=["energy_pj", "area_um2", "source"]):
            continue
        energy = check.number(spec["energy_pj"], f"{ukey}.energy_pj", minimum=0)
        area = check.number(spec["area_um2"], f"{ukey}.area_um2", minimum=0)
        source = check.string(spec["source"], f"{ukey}.source")
        if energy is not None and area is not None and source is not None:
            out[unit] = PinnedCost(energy, area, source)
    return tuple(out.items())


def mac_array_from_mapping(data: Mapping[str, Any], check: Checker, prefix: str = "") -> MacArrayConfig | None:
    """Build a MacArrayConfig from a validated mapping; problems go to ``check``."""
    names = [f.name for f in fields(MacArrayConfig)]
    check.keys(data, prefix, optional=["template"] + names)
    values: dict[str, Any] = {}
    for name, (lo, hi) in _INT_KEYS.items():
        if name in data:
            values[name] = check.number(data[name], f"{prefix}{name}", minimum=lo, maximum=hi, integer=True)
    for name, (lo, hi) in _FLOAT_KEYS.items():
        if name in data:
            values[name] = check.number(data[name], f"{prefix}{name}", minimum=lo, maximum=hi)
    if "dataflow" in data:
        flow = check.choice(data["dataflow"], f"{prefix}dataflow", [d.value for d in Dataflow])
        values["dataflow"] = None if flow is None else Dataflow(flow)
    if "pinned" in data:
        values["pinned"] = _pinned(check, data["pinned"], f"{prefix}pinned")
    if "name" in data:
        values["name"] = check.string(data["name"], f"{prefix}name")
    if any(v is None for v in values.values()) or check.problems:
        return None
    return replace(MAC_ARRAY_DEFAULTS, **values)


ARCH_TEMPLATES: dict[str, Any] = {
    "mac_array": MAC_ARRAY_DEFAULTS,
    "mac": MAC_ARRAY_DEFAULTS,
    "cim_macro": CIM_MACRO_DEFAULTS,
    "cim": CIM_MACRO_DEFAULTS,
}


def load_arch(name_or_path: str | Path) -> ArchConfig:
    """A template by name (``mac_array``) with its defaults, or a YAML arch file."""
    if isinstance(name_or_path, str) and name_or_path in ARCH_TEMPLATES:
        return ARCH_TEMPLATES[name_or_path]
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml") and not path.exists():
        known = ", ".join(ARCH_TEMPLATES)
        raise HwcostError.single(f"unknown architecture '{name_or_path}'; templates: {known}, or a YAML file", key="arch")
    doc = read_yaml(path)
    check = Checker.for_document(doc)
    data = check.mapping(doc.data, "")
    if data is None:
        check.raise_if_any()
    config = arch_from_mapping(data, check)
    check.raise_if_any()
    assert config is not None
    return config


_BUILDERS = {
    "mac_array": mac_array_from_mapping,
    "cim_macro": cim_macro_from_mapping,
}


def arch_from_mapping(data: Mapping[str, Any], check: Checker) -> ArchConfig | None:
    """Build the template ``data["template"]`` names (an alias such as ``cim`` is accepted) from a
    mapping; every problem goes to ``check`` and ``None`` is returned."""
    template = check.choice(data.get("template"), "template", list(ARCH_TEMPLATES))
    if template is None:
        return None
    canonical = next(t for t in _BUILDERS if ARCH_TEMPLATES[t] is ARCH_TEMPLATES[template])
    return _BUILDERS[canonical](data, check)
