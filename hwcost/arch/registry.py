"""The one registry of accelerator templates, and loading a configuration from a name, a YAML
file, a mapping or command-line overrides.

``mac_array``, ``cim_macro`` and ``digital_cim`` are registered here; :func:`register_template` adds another
(``docs/architecture.md``). A configuration finds its template by its ``template`` class
attribute, so nothing outside a template's folder needs to know its type.

A shipped template's module is imported when one of its names is first used (:data:`SHIPPED`):
pricing a MAC array does not import the CIM macros (issue 20, start-up). Anything that needs
every template (``TEMPLATES``, :func:`template_names`, an unknown name) imports them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace
from enum import Enum
from pathlib import Path
from typing import Any

from hwcost._config import Checker, read_yaml
from hwcost.arch.template import ArchConfig, Template
from hwcost.errors import HwcostError, Problem

__all__ = [
    "TEMPLATES",
    "register_template",
    "template_named",
    "template_of",
    "template_names",
    "load_arch",
    "arch_from_mapping",
    "with_overrides",
]

# The shipped templates, in registration order: name -> (module, attribute, aliases). The aliases
# are the templates' own (tests/arch/test_registry_lazy.py checks that the two agree); they
# are written here so that a name finds its module without importing the others.
SHIPPED: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "mac_array": ("hwcost.arch.mac_array.template", "MAC_ARRAY", ("mac",)),
    "cim_macro": ("hwcost.arch.cim_macro.template", "CIM_MACRO", ("cim",)),
    "digital_cim": ("hwcost.arch.digital_cim.template", "DIGITAL_CIM", ("dcim",)),
}

# Every accepted name (aliases included) -> template, for the templates loaded so far; the
# public ``TEMPLATES`` is this dict once every shipped template is in it (module __getattr__).
_TEMPLATES: dict[str, Template[Any, Any]] = {}
# A name or alias of a shipped template not imported yet -> its name.
_NOT_LOADED: dict[str, str] = {n: name for name, (_, _, aliases) in SHIPPED.items() for n in (name, *aliases)}


def __getattr__(name: str) -> Any:
    if name == "TEMPLATES":  # every accepted name (aliases included) -> template
        return _all_templates()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _all_templates() -> dict[str, Template[Any, Any]]:
    """``TEMPLATES``: every shipped template imported, then the ones registered since."""
    for name in dict.fromkeys(_NOT_LOADED.values()):
        _load_shipped(name)
    globals()["TEMPLATES"] = _TEMPLATES
    return _TEMPLATES


def _load_shipped(name: str) -> Template[Any, Any]:
    """Import the shipped template ``name`` and register it, keeping the registration order."""
    import importlib

    module, attribute, _ = SHIPPED[name]
    template = getattr(importlib.import_module(module), attribute)
    if _NOT_LOADED.get(name) == name:  # not loaded before
        _register(template)
        for n in (template.name, *template.aliases):
            _NOT_LOADED.pop(n, None)
        ordered = {n: _TEMPLATES[n] for n in dict.fromkeys([*_shipped_names(), *_TEMPLATES]) if n in _TEMPLATES}
        _TEMPLATES.clear()
        _TEMPLATES.update(ordered)
    return template


def _shipped_names() -> list[str]:
    return [n for name, (_, _, aliases) in SHIPPED.items() for n in (name, *aliases)]


def _accepted_names() -> list[str]:
    """Every accepted name in registration order (the keys of ``TEMPLATES``) without importing a
    template: while a shipped one is not loaded, nothing else is registered (register_template
    loads them all first), so the names are the shipped ones as :data:`SHIPPED` lists them."""
    return _shipped_names() if _NOT_LOADED else list(_TEMPLATES)


def _is_name(name: str) -> bool:
    return name in _TEMPLATES or name in _NOT_LOADED


def register_template(template: Template[Any, Any]) -> None:
    """Make ``template`` known to ``load_arch``, arch files, studies and the evaluation.

    Its configuration class must carry ``template = <its name>``; names and aliases must be new.
    """
    _all_templates()
    _register(template)


def _register(template: Template[Any, Any]) -> None:
    taken = [n for n in (template.name, *template.aliases) if _TEMPLATES.get(n, template) is not template]
    if taken:
        raise HwcostError.single(f"template names already registered: {', '.join(taken)}", key="template")
    if getattr(type(template.defaults), "template", None) != template.name:
        raise HwcostError.single(
            f"the configuration class of template '{template.name}' must set template = '{template.name}'", key="template")
    for name in (template.name, *template.aliases):
        _TEMPLATES[name] = template


def template_names() -> list[str]:
    """The canonical names of the registered templates, in registration order."""
    return list(dict.fromkeys(t.name for t in _all_templates().values()))


def template_named(name: str) -> Template[Any, Any]:
    if name in _TEMPLATES:
        return _TEMPLATES[name]
    if name in _NOT_LOADED:
        return _load_shipped(_NOT_LOADED[name])
    raise HwcostError.single(f"unknown template '{name}'; templates: {', '.join(_accepted_names())}", key="template")


def template_of(config: ArchConfig) -> Template[Any, Any]:
    """The template a configuration belongs to."""
    return template_named(type(config).template)


def load_arch(name_or_path: str | Path) -> Any:
    """A template by name (``mac_array``) with its defaults, or a YAML arch file."""
    if isinstance(name_or_path, str) and _is_name(name_or_path):
        return template_named(name_or_path).defaults
    path = Path(name_or_path)
    if not str(name_or_path).strip() or (path.suffix not in (".yaml", ".yml") and not path.is_file()):
        known = ", ".join(_accepted_names())
        raise HwcostError.single(f"unknown architecture '{name_or_path}'; templates: {known}, or a YAML file", key="arch")
    doc = read_yaml(path)
    check = Checker.for_document(doc)
    data = check.mapping(doc.data, "")
    if data is None:
        check.raise_if_any()
    config = arch_from_mapping(data, check)
    check.raise_if_any()
    assert config is not None
    return replace(config, source_file=str(path))


def arch_from_mapping(data: Mapping[str, Any], check: Checker) -> Any:
    """Build the template ``data["template"]`` names (an alias such as ``cim`` is accepted) from a
    mapping; every problem goes to ``check`` and ``None`` is returned."""
    name = check.choice(data.get("template"), "template", _accepted_names())
    if name is None:
        return None
    return template_named(name).from_mapping(data, check)


def _short_name(template: Template[Any, Any]) -> str:
    return min((template.name, *template.aliases), key=len)


def with_overrides(config: ArchConfig, overrides: Mapping[str, Any], source: str = "command line",
                   flags: Mapping[str, str] | None = None) -> Any:
    """``config`` with the given keys replaced, validated like a YAML file (one HwcostError).

    ``flags`` maps each key to the name the user typed for it (``input_bits_per_pulse`` ->
    ``--dac-bits``); by default a key is reported as itself. Every problem is reported under
    what the user typed: a key the template lacks names its flag, the template and the templates
    that have it; a value the template refuses is keyed by its flag; a relation broken by a
    typed value (``adc_share`` no longer dividing ``cols``) is keyed by the flags typed and names
    the key left as configured and the flag that sets it. Problems that concern no key get
    ``(source)`` appended.
    """
    template = template_of(config)
    names = [f.name for f in fields(config)]  # type: ignore[arg-type]
    typed = {k: (flags or {}).get(k, k) for k in overrides}
    foreign = [k for k in overrides if k not in names]
    if foreign:
        owners = [_short_name(t) for t in map(template_named, template_names())
                  if all(k in [f.name for f in fields(t.defaults)] for k in foreign)]
        named = ", ".join(typed[k] for k in foreign)
        where = (f"options that apply to the {' or '.join(owners)} template only (add --arch {owners[0]})" if owners
                 else "no template has such an option")
        raise HwcostError.single(f"{named}: not an option of the {template.name} template; {where}", key="arch")
    merged = {k: (v.value if isinstance(v, Enum) else v) for k, v in ((n, getattr(config, n)) for n in names)}
    merged = {k: v for k, v in merged.items() if k not in ("pinned", "source_file")}
    merged.update(overrides)
    check = Checker()
    built = template.from_mapping(merged, check)
    if built is None:
        raise HwcostError(_as_typed(check.problems, typed, overrides, names, flags or {}, source))
    kept = {"pinned": config.pinned} if "pinned" in names else {}  # type: ignore[attr-defined]
    return replace(built, source_file=config.source_file, **kept)


def _as_typed(problems: list[Problem], typed: Mapping[str, str], overrides: Mapping[str, Any], names: list[str],
              flags: Mapping[str, str], source: str) -> list[Problem]:
    """Problems of an overridden configuration keyed by what the user typed (with_overrides)."""
    values = ", ".join(f"{typed[k]} {v.value if isinstance(v, Enum) else v}" for k, v in overrides.items())
    out: list[Problem] = []
    for p in problems:
        if p.key in typed:
            p = replace(p, key=typed[p.key])
        elif p.key in names:  # a key left as configured, whose relation to a typed one broke
            p = replace(p, key=values, message=f"{p.key}: {p.message} ({p.key} as configured; set it with "
                                                 f"{flags.get(p.key, p.key)})")
        else:
            p = replace(p, message=f"{p.message} ({source})")
        if p not in out:
            out.append(p)
    return out
