"""User-defined schemes in YAML, validated at the edge like technology libraries.

A scheme file either spells out a scheme or starts from a preset (``base``) and overrides some
of its keys; a tensor mapping under ``base`` overrides only the fields it names. Without
``outputs`` the layer outputs use the activation grid (true of every preset). Example::

    name: lsq+-pot-weights
    base: lsq+
    weights: {bits: 4, scale_type: pot}
    activations: {bits: 4}
    zero_point_realisation: pre-subtract

Every problem (unknown key, bits outside 1..32, wrong type, contradictory options) is reported
at once, with the file, line and dotted key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace
from enum import Enum
from pathlib import Path
from typing import Any

from hwcost._config import Checker, YamlDocument, read_yaml
from hwcost.errors import HwcostError, Problem
from hwcost.schemes.presets import FIXED_WIDTH_PRESETS, PRESET_NAMES, PRESETS
from hwcost.schemes.scheme import (
    MAX_BITS,
    MIN_BITS,
    BNHandling,
    BNRealisation,
    Clipping,
    Granularity,
    MacRealisation,
    QuantScheme,
    ScaleRealisation,
    ScaleType,
    TensorQuant,
    TrainingMethod,
    ZeroPoint,
    ZeroPointRealisation,
)

__all__ = ["load_scheme", "scheme_from_mapping"]

_TENSORS = ("weights", "activations", "outputs")
_TENSOR_ENUMS: dict[str, type[Enum]] = {"zero_point": ZeroPoint, "scale_type": ScaleType, "granularity": Granularity}
_TENSOR_BOOLS = ("signed", "narrow_range", "centred", "learned_scale")
_SCHEME_ENUMS: dict[str, type[Enum]] = {
    "bn": BNHandling,
    "bn_realisation": BNRealisation,
    "clipping": Clipping,
    "zero_point_realisation": ZeroPointRealisation,
    "scale_realisation": ScaleRealisation,
    "mac_realisation": MacRealisation,
    "training": TrainingMethod,
}
_WORD_KEYS = ("m0_bits", "operand_bits")
_SCHEME_KEYS = ("base", "description", *_TENSORS, *_SCHEME_ENUMS, "first_last_bits", *_WORD_KEYS)


def load_scheme(path: str | Path) -> QuantScheme:
    """Read and validate a scheme file; every problem is raised at once as an HwcostError."""
    doc = read_yaml(path)
    return scheme_from_mapping(doc.data, doc)


def scheme_from_mapping(data: Any, doc: YamlDocument | None = None) -> QuantScheme:
    check = Checker.for_document(doc) if doc is not None else Checker()
    top = check.mapping(data, "")
    if top is None:
        check.raise_if_any()
    check.keys(top, "", required=["name"], optional=_SCHEME_KEYS)
    base = _base(check, top)
    values: dict[str, Any] = {"name": check.string(top["name"], "name") if "name" in top else None}
    if "description" in top:
        values["description"] = check.string(top["description"], "description")
    elif base is not None:
        values["description"] = f"User scheme based on preset '{base.name}'."
    for key in ("weights", "activations"):
        values[key] = _tensor(check, top, key, None if base is None else getattr(base, key))
    if "outputs" in top:
        values["outputs"] = _tensor(check, top, "outputs", values["activations"])
    else:
        values["outputs"] = values["activations"]
    for key, enum in _SCHEME_ENUMS.items():
        if key in top:
            values[key] = _enum(check, top[key], key, enum)
    if "first_last_bits" in top and top["first_last_bits"] is not None:
        values["first_last_bits"] = check.number(top["first_last_bits"], "first_last_bits", minimum=MIN_BITS, maximum=MAX_BITS, integer=True)
    elif "first_last_bits" in top:
        values["first_last_bits"] = None
    if top.get("m0_bits") == "auto":
        values["m0_width"] = None  # sized for the output (hwcost.schemes.auto_m0_bits)
    elif isinstance(top.get("m0_bits"), str):
        check.error("m0_bits", f"expected an integer 2..64 or 'auto', got {top['m0_bits']!r}")
    elif "m0_bits" in top:
        values["m0_width"] = check.number(top["m0_bits"], "m0_bits", minimum=2, maximum=64, integer=True)
    if "operand_bits" in top:
        values["operand_bits"] = check.number(top["operand_bits"], "operand_bits", minimum=2, maximum=64, integer=True)
    check.raise_if_any()
    return _build(check, base, values)


def _base(check: Checker, top: Mapping[str, Any]) -> QuantScheme | None:
    if "base" not in top:
        return None
    name = check.choice(top["base"], "base", (*PRESET_NAMES, *FIXED_WIDTH_PRESETS))
    return None if name is None else {**PRESETS, **FIXED_WIDTH_PRESETS}[name]


def _enum(check: Checker, value: Any, key: str, enum: type[Enum]) -> Any:
    chosen = check.choice(value, key, [m.value for m in enum])
    return None if chosen is None else enum(chosen)


def _tensor(check: Checker, top: Mapping[str, Any], key: str, start: TensorQuant | None) -> TensorQuant | None:
    """A tensor grid: all of it (no base), or overrides of ``start``."""
    if key not in top:
        if start is None:
            check.error(key, f"missing required key '{key}' (or give a 'base' preset to start from)")
        return start
    spec = check.mapping(top[key], key)
    if spec is None:
        return None
    names = [f.name for f in fields(TensorQuant)]
    required = ["bits", "signed"] if start is None else []
    check.keys(spec, key, required=required, optional=[n for n in names if n not in required])
    values: dict[str, Any] = {}
    if "bits" in spec:
        values["bits"] = check.number(spec["bits"], f"{key}.bits", minimum=MIN_BITS, maximum=MAX_BITS, integer=True)
    if spec.get("group_size") is not None:
        values["group_size"] = check.number(spec["group_size"], f"{key}.group_size", minimum=1, integer=True)
    elif "group_size" in spec:
        values["group_size"] = None
    for name in _TENSOR_BOOLS:
        if name in spec:
            values[name] = check.boolean(spec[name], f"{key}.{name}")
    for name, enum in _TENSOR_ENUMS.items():
        if name in spec:
            values[name] = _enum(check, spec[name], f"{key}.{name}", enum)
    if any(v is None and k != "group_size" for k, v in values.items()) or any(r not in spec for r in required):
        return None
    return TensorQuant(**values) if start is None else replace(start, **values)


def _build(check: Checker, base: QuantScheme | None, values: dict[str, Any]) -> QuantScheme:
    """The scheme; its own consistency problems (contradictions) re-raised with file and line."""
    try:
        return QuantScheme(**values) if base is None else replace(base, **values)
    except HwcostError as err:
        located = [Problem(p.message, check.file, p.key, check.line_of(p.key or "")) for p in err.problems]
        raise HwcostError(located) from None
