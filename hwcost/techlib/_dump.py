"""Writing a ``TechLib`` back as plain data in the YAML format that ``parse_techlib`` reads.

The round trip ``parse_techlib(techlib_to_dict(lib)) == lib`` holds, so a derived library (a
node-scaled copy, issue 9) can be built as a ``TechLib`` and written with ``yaml.safe_dump``.
"""

from __future__ import annotations

from typing import Any

from hwcost.techlib.library import Component, Derivation, Quantity, TechLib, VariantComponent
from hwcost.techlib.models import ParamRange

__all__ = ["techlib_to_dict"]


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


def _component(comp: Component | VariantComponent) -> dict[str, Any]:
    out: dict[str, Any] = {"source": comp.source}
    _provenance(out, comp.note, comp.derived)
    if isinstance(comp, VariantComponent):
        out["select"] = comp.select
        out["variants"] = {name: _component(variant) for name, variant in comp.variants.items()}
        return out
    out["valid"] = {name: _range(rng) for name, rng in comp.params.items()}
    out["energy_pj"] = {action: _quantity(q) for action, q in comp.energy.items()}
    out["area_um2"] = _quantity(comp.area)
    return out


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
        if derived.note is not None:
            record["note"] = derived.note
        out["derived"] = record
