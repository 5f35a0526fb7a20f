"""Loading technology libraries: validate a YAML document, then build a frozen ``TechLib``.

``load_techlib("45nm")`` reads the shipped ``hwcost/techlib/data/45nm.yaml``;
``load_techlib("my_lib.yaml")`` reads a user file. Both run the same validator, which checks
every key, type, unit-named key, range and model name and reports *all* problems at once with
file, line and dotted key path. The format is documented in ``docs/techlib.md``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from hwcost._config import Checker, read_yaml
from hwcost._config import join_key as _join
from hwcost.errors import HwcostError
from hwcost.techlib._sanity import check_component
from hwcost.techlib.library import ComponentModel, Derivation, Flavour, Quantity, TechLib, VariantComponent
from hwcost.techlib.models import MAX_COEFFICIENT, MODELS, UNITS, Kind, ParamRange, Wire, unit_of
from hwcost.techlib.spread import Spread, parse_spread

__all__ = ["load_techlib", "list_techlibs", "parse_techlib", "DATA_DIR"]

DATA_DIR = Path(__file__).resolve().parent / "data"

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
_TOP_REQUIRED = ("name", "node_nm", "vdd_v", "flavour", "source", "components")
_TOP_OPTIONAL = ("note", "derived", "leakage_mw")
_COMPONENT_REQUIRED = ("source", "valid", "energy_pj", "area_um2")
_VARIANT_REQUIRED = ("source", "select", "variants")
_OPTIONAL = ("note", "derived", "leakage_mw", "spread")
MAX_NODE_NM = 1000.0  # process nodes from 1 nm to 1 um


def list_techlibs() -> tuple[str, ...]:
    """Names of the shipped technology libraries, e.g. ``('45nm',)``."""
    return tuple(sorted(path.stem for path in DATA_DIR.glob("*.yaml")))


def load_techlib(name_or_path: str | Path) -> TechLib:
    """A shipped library by name (``"45nm"``) or a user YAML file by path."""
    text = str(name_or_path)
    if not isinstance(name_or_path, Path) and text in list_techlibs():
        return _load_shipped(text)
    path = Path(name_or_path)
    if text.strip() and (path.suffix in (".yaml", ".yml") or path.exists() or "/" in text):
        return _load_file(path)
    raise HwcostError.single(
        f"unknown technology library '{text}'; shipped libraries: {', '.join(list_techlibs())} "
        "(or give the path of a YAML file)"
    )


@lru_cache(maxsize=None)
def _load_shipped(name: str) -> TechLib:
    """Shipped files do not change while hwcost runs, and a TechLib is immutable: parse once."""
    return _load_file(DATA_DIR / f"{name}.yaml")


def _load_file(path: Path) -> TechLib:
    doc = read_yaml(path)
    return parse_techlib(doc.data, file=doc.file, lines=doc.lines)


def parse_techlib(data: Any, file: str | None = None, lines: Mapping[str, int] | None = None) -> TechLib:
    """Validate a library given as plain data (as YAML loads it) and build the ``TechLib``."""
    ck = Checker(file, lines)
    lib = _library(ck, data)
    ck.raise_if_any()
    assert lib is not None  # every None path recorded a problem
    return lib


def _library(ck: Checker, data: Any) -> TechLib | None:
    top = ck.mapping(data, "")
    if top is None:
        return None
    ck.keys(top, "", required=_TOP_REQUIRED, optional=_TOP_OPTIONAL)
    name = _field(ck, top, "", "name", ck.string)
    node_nm = _field(ck, top, "", "node_nm", ck.number, minimum=0.0, exclusive_minimum=True, maximum=MAX_NODE_NM)
    vdd_v = _field(ck, top, "", "vdd_v", ck.number, minimum=0.0, maximum=5.0, exclusive_minimum=True)
    flavour = _field(ck, top, "", "flavour", ck.choice, choices=[f.value for f in Flavour])
    source = _field(ck, top, "", "source", ck.string)
    note = _optional_string(ck, top, "", "note")
    derived = _derived(ck, top, "")
    components = _components(ck, top["components"]) if "components" in top else None
    if components is not None and vdd_v is not None and not _wires_at_supply(ck, components, float(vdd_v)):
        return None
    if None in (name, node_nm, vdd_v, flavour, source, components):
        return None
    if "derived" in top and derived is None:
        return None
    return TechLib(
        name, float(node_nm), float(vdd_v), Flavour(flavour), source, components,  # type: ignore[arg-type]
        note, derived, file=ck.file,
    )


def _wires_at_supply(
    ck: Checker, components: Mapping[str, ComponentModel | VariantComponent], vdd_v: float
) -> bool:
    """Every ``wire`` model swings the library's own supply: its ``vdd_v`` is the library's."""
    ok = True
    for name, comp in components.items():
        parts = ({_join(_join(_join("components", name), "variants"), v): c for v, c in comp.variants.items()}
                 if isinstance(comp, VariantComponent) else {_join("components", name): comp})
        for key, part in parts.items():
            for action, quantity in part.energy.items():
                model = quantity.model
                if isinstance(model, Wire) and not math.isclose(model.vdd_v, vdd_v, rel_tol=1e-9):
                    ck.error(_join(_join(_join(key, "energy_pj"), action), "vdd_v"),
                             f"expected the library's supply vdd_v = {vdd_v:g} V (a wire swings the "
                             f"supply of the logic that drives it); got {model.vdd_v:g} V")
                    ok = False
    return ok


def _components(ck: Checker, value: Any) -> dict[str, ComponentModel | VariantComponent] | None:
    mapping = ck.mapping(value, "components")
    if mapping is None:
        return None
    if not mapping:
        ck.error("components", "expected at least one component")
        return None
    out: dict[str, ComponentModel | VariantComponent] = {}
    for name, body in mapping.items():
        key = _join("components", str(name))
        if not _identifier(ck, name, key, "component name"):
            continue
        body = ck.mapping(body, key)
        if body is None:
            continue
        build = _variant_component if "variants" in body else _component
        built = build(ck, name, body, key)
        if built is not None:
            out[name] = built
    return out if len(out) == len(mapping) else None


def _component(ck: Checker, name: str, body: Mapping[str, Any], key: str) -> ComponentModel | None:
    keys_ok = ck.keys(body, key, required=_COMPONENT_REQUIRED, optional=_OPTIONAL)
    source = _field(ck, body, key, "source", ck.string)
    note = _optional_string(ck, body, key, "note")
    derived = _derived(ck, body, key)
    params = _params(ck, body.get("valid"), _join(key, "valid")) if "valid" in body else None
    if params is None:
        return None
    ekey, akey = _join(key, "energy_pj"), _join(key, "area_um2")
    energy = _actions(body["energy_pj"], ekey, ck, params) if "energy_pj" in body else None
    area = _quantity(body["area_um2"], akey, ck, Kind.AREA, params) if "area_um2" in body else None
    lkey = _join(key, "leakage_mw")
    leakage = _quantity(body["leakage_mw"], lkey, ck, Kind.LEAKAGE, params) if "leakage_mw" in body else None
    if not keys_ok or None in (source, energy, area) or "derived" in body and derived is None:
        return None
    if "leakage_mw" in body and leakage is None:
        return None
    spread = _spread(ck, body, key)
    if "spread" in body and spread is None:
        return None
    component = ComponentModel(name, source, params, energy, area, note, derived, leakage, spread)
    return component if check_component(ck, component, key) else None


def _variant_component(
    ck: Checker, name: str, body: Mapping[str, Any], key: str
) -> VariantComponent | None:
    keys_ok = ck.keys(body, key, required=_VARIANT_REQUIRED, optional=_OPTIONAL)
    source = _field(ck, body, key, "source", ck.string)
    note = _optional_string(ck, body, key, "note")
    derived = _derived(ck, body, key)
    select = _field(ck, body, key, "select", ck.string)
    if select is not None and (not _IDENTIFIER.match(select) or unit_of(select) is not None):
        ck.error(_join(key, "select"),
                 f"expected a categorical parameter name without a unit (e.g. cell); got '{select}'")
        select = None
    vkey = _join(key, "variants")
    variants = ck.mapping(body["variants"], vkey)
    if variants is not None and not variants:
        ck.error(vkey, "expected at least one variant")
    built: dict[str, ComponentModel] = {}
    for vname, vbody in (variants or {}).items():
        k = _join(vkey, str(vname))
        if not _identifier(ck, vname, k, "variant name") or (vbody := ck.mapping(vbody, k)) is None:
            continue
        if "variants" in vbody:
            ck.error(_join(k, "variants"), "variants cannot be nested")
            continue
        if "spread" in vbody:
            ck.error(_join(k, "spread"), f"give the spread on {name} itself (components.{name}.spread): "
                                         "it holds for every variant")
            continue
        comp = _component(ck, f"{name} ({select}={vname})", vbody, k)
        if comp is not None:
            built[vname] = comp
    if not keys_ok or None in (source, select, variants) or len(built) != len(variants or {}):
        return None
    spread = _spread(ck, body, key)
    if "derived" in body and derived is None or "spread" in body and spread is None:
        return None
    return VariantComponent(name, source, select, built, note, derived, spread)  # type: ignore[arg-type]


def _params(ck: Checker, value: Any, key: str) -> dict[str, ParamRange] | None:
    mapping = ck.mapping(value, key)
    if mapping is None:
        return None
    out: dict[str, ParamRange] = {}
    ok = True
    for name, spec in mapping.items():
        pkey = _join(key, str(name))
        unit = unit_of(name) if isinstance(name, str) and _IDENTIFIER.match(name) else None
        if unit is None:
            units = ", ".join(UNITS)
            ck.error(pkey, f"parameter names carry their unit: expected a name ending in one of {units} "
                           f"(e.g. bits, a_bits, capacity_bytes); got '{name}'")
            ok = False
            continue
        rng = _param_range(ck, name, spec, pkey, UNITS[unit])
        if rng is None:
            ok = False
        else:
            out[name] = rng
    return out if ok else None


def _param_range(ck: Checker, name: str, spec: Any, key: str, integer: bool) -> ParamRange | None:
    if isinstance(spec, Mapping):
        if not ck.keys(spec, key, required=["one_of"]):
            return None
        items = ck.sequence(spec["one_of"], _join(key, "one_of"))
        if items is None:
            return None
        values = [_bound(ck, v, _join(_join(key, "one_of"), i), integer) for i, v in enumerate(items)]
        if not values or None in values:
            if not values:
                ck.error(_join(key, "one_of"), "expected at least one value")
            return None
        ordered = tuple(sorted(set(values)))  # type: ignore[arg-type]
        return ParamRange(name, ordered[0], ordered[-1], integer, ordered)
    if not isinstance(spec, list) or len(spec) != 2:
        ck.error(key, "expected [min, max] (inclusive) or {one_of: [values]}; "
                      f"got {spec!r}")
        return None
    low = _bound(ck, spec[0], _join(key, 0), integer)
    high = _bound(ck, spec[1], _join(key, 1), integer)
    if low is None or high is None:
        return None
    if low > high:
        ck.error(key, f"expected min <= max; got [{low:g}, {high:g}]")
        return None
    return ParamRange(name, low, high, integer)


def _bound(ck: Checker, value: Any, key: str, integer: bool) -> float | None:
    number = ck.number(value, key, minimum=0.0, exclusive_minimum=True, maximum=MAX_COEFFICIENT)
    if number is not None and integer and number != int(number):
        ck.error(key, f"expected a whole number (the unit counts bits, bytes or words); got {number:g}")
        return None
    return None if number is None else float(number)


def _actions(
    value: Any, key: str, ck: Checker, params: Mapping[str, ParamRange]
) -> dict[str, Quantity] | None:
    mapping = ck.mapping(value, key)
    if mapping is None:
        return None
    if not mapping or "model" in mapping:
        ck.error(key, "expected a mapping from action name to its model (e.g. read: {model: ...})")
        return None
    out = {}
    for action, block in mapping.items():
        akey = _join(key, str(action))
        if not _identifier(ck, action, akey, "action name"):
            continue
        quantity = _quantity(block, akey, ck, Kind.ENERGY, params)
        if quantity is not None:
            out[action] = quantity
    return out if len(out) == len(mapping) else None


def _quantity(
    value: Any, key: str, ck: Checker, kind: Kind, params: Mapping[str, ParamRange]
) -> Quantity | None:
    block = ck.mapping(value, key)
    if block is None:
        return None
    model_name = ck.choice(block.get("model"), _join(key, "model"), list(MODELS))
    if model_name is None:
        return None
    model_cls = MODELS[model_name]
    if kind not in model_cls.kinds:
        kinds = ", ".join(k.value for k in model_cls.kinds)
        ck.error(_join(key, "model"), f"model '{model_name}' prices {kinds} only")
        return None
    model = model_cls.parse(ck, block, key, kind, params)
    source = _optional_string(ck, block, key, "source")
    note = _optional_string(ck, block, key, "note")
    if model is None:
        return None
    return Quantity(kind, model, source, note)


def _derived(ck: Checker, body: Mapping[str, Any], key: str) -> Derivation | None:
    if "derived" not in body:
        return None
    dkey = _join(key, "derived")
    spec = ck.mapping(body["derived"], dkey)
    required = ["from", "method", "energy_factor", "area_factor"]
    optional = ["delay_factor", "note"]
    if spec is None or not ck.keys(spec, dkey, required=required, optional=optional):
        return None
    origin = ck.string(spec["from"], _join(dkey, "from"))
    method = ck.string(spec["method"], _join(dkey, "method"))
    positive = {"minimum": 0.0, "exclusive_minimum": True, "maximum": MAX_COEFFICIENT}
    energy = ck.number(spec["energy_factor"], _join(dkey, "energy_factor"), **positive)
    area = ck.number(spec["area_factor"], _join(dkey, "area_factor"), **positive)
    delay = _field(ck, spec, dkey, "delay_factor", ck.number, **positive)
    note = _optional_string(ck, spec, dkey, "note")
    if None in (origin, method, energy, area) or "delay_factor" in spec and delay is None:
        return None
    delay_factor = None if delay is None else float(delay)
    return Derivation(origin, method, float(energy), float(area),  # type: ignore[arg-type]
                      note, delay_factor)


def _spread(ck: Checker, body: Mapping[str, Any], key: str) -> Spread | None:
    """The component's ``spread:`` block when present (``hwcost.techlib.spread``)."""
    return parse_spread(ck, body["spread"], _join(key, "spread")) if "spread" in body else None


def _field(
    ck: Checker, body: Mapping[str, Any], key: str, name: str, check: Callable[..., Any], **kw: Any
) -> Any:
    """Check ``body[name]`` when present; a missing required key was reported by ``Checker.keys``."""
    return check(body[name], _join(key, name), **kw) if name in body else None


def _optional_string(ck: Checker, body: Mapping[str, Any], key: str, name: str) -> str | None:
    return _field(ck, body, key, name, ck.string)


def _identifier(ck: Checker, name: Any, key: str, what: str) -> bool:
    if isinstance(name, str) and _IDENTIFIER.match(name):
        return True
    ck.error(key, f"expected a {what} of lower-case letters, digits and '_'; got {name!r}")
    return False
