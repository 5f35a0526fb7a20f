"""Writing a ``TechLib`` back as plain data in the YAML format that ``parse_techlib`` reads.

The round trip ``parse_techlib(techlib_to_dict(lib)) == lib`` holds, so a derived library (a
node-scaled copy) can be built as a ``TechLib`` and written with :func:`techlib_yaml`, which
lays the file out like the hand-written ones (short lists and number maps inline, long text
folded) under a comment header.
"""

from __future__ import annotations

from typing import Any

import yaml

from hwcost.techlib.library import ComponentModel, Derivation, Quantity, TechLib, VariantComponent
from hwcost.techlib.models import ParamRange
from hwcost.techlib.spread import spread_to_dict

__all__ = ["techlib_to_dict", "techlib_yaml"]

_INLINE_CHARS = 90  # a collection of numbers shorter than this is written on one line
_FOLD_CHARS = 60  # a string longer than this is written as a folded block


def techlib_yaml(lib: TechLib, header: str = "") -> str:
    """The library as YAML text, preceded by ``header`` (each line becomes a ``#`` comment)."""
    comment = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    body = yaml.dump(techlib_to_dict(lib), Dumper=_Dumper, sort_keys=False, width=100,
                     allow_unicode=True)
    return comment + ("\n" if comment else "") + body


class _Dumper(yaml.SafeDumper):
    """Block mappings; inline lists and maps of numbers; folded long strings."""


def _inline(value: Any) -> bool:
    if isinstance(value, dict):
        items = list(value.values())
    elif isinstance(value, list):
        items = value
    else:
        return isinstance(value, (int, float))
    return all(_inline(v) and not isinstance(v, dict) or isinstance(v, list) and _inline(v)
               for v in items) and len(repr(value)) < _INLINE_CHARS


def _represent_dict(dumper: yaml.SafeDumper, data: dict) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=_inline(data))


def _represent_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=_inline(data))


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = ">" if len(data) > _FOLD_CHARS and "\n" not in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


def _represent_float(dumper: yaml.SafeDumper, data: float) -> yaml.Node:
    if data.is_integer() and abs(data) < 1e15:  # 64.0 -> 64, as a person writes it
        return dumper.represent_int(int(data))
    return dumper.represent_float(data)


_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(float, _represent_float)
_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(str, _represent_str)


def techlib_to_dict(lib: TechLib) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": lib.name,
        "node_nm": lib.node_nm,
        "vdd_v": lib.vdd_v,
        "flavour": lib.flavour.value,
        "source": lib.source,
    }
    _provenance(out, lib.note, lib.derived)
    out["components"] = {name: _component(comp) for name, comp in lib.components.items()}
    return out


def _component(comp: ComponentModel | VariantComponent) -> dict[str, Any]:
    out: dict[str, Any] = {"source": comp.source}
    _provenance(out, comp.note, comp.derived)
    if isinstance(comp, VariantComponent):
        out["select"] = comp.select
        out["variants"] = {name: _component(variant) for name, variant in comp.variants.items()}
        _spread(out, comp)
        return out
    out["valid"] = {name: _range(rng) for name, rng in comp.params.items()}
    out["energy_pj"] = {action: _quantity(q) for action, q in comp.energy.items()}
    out["area_um2"] = _quantity(comp.area)
    if comp.leakage is not None:
        out["leakage_mw"] = _quantity(comp.leakage)
    _spread(out, comp)
    return out


def _spread(out: dict[str, Any], comp: ComponentModel | VariantComponent) -> None:
    """The component's own spread (a shipped default is not written into the file)."""
    if comp.spread is not None:
        out["spread"] = spread_to_dict(comp.spread)


def _range(rng: ParamRange) -> Any:
    if rng.one_of is not None:
        return {"one_of": [_number(v) for v in rng.one_of]}
    return [_number(rng.minimum), _number(rng.maximum)]


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _quantity(q: Quantity) -> dict[str, Any]:
    out: dict[str, Any] = {"model": q.model.name, **q.model.to_dict(q.kind)}
    if q.source is not None:
        out["source"] = q.source
    if q.note is not None:
        out["note"] = q.note
    return out


def _provenance(out: dict[str, Any], note: str | None, derived: Derivation | None) -> None:
    if note is not None:
        out["note"] = note
    if derived is not None:
        record: dict[str, Any] = {
            "from": derived.from_lib,
            "method": derived.method,
            "energy_factor": derived.energy_factor,
            "area_factor": derived.area_factor,
        }
        if derived.delay_factor is not None:
            record["delay_factor"] = derived.delay_factor
        if derived.note is not None:
            record["note"] = derived.note
        out["derived"] = record
