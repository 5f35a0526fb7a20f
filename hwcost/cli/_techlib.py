"""``hwcost techlib``: list, show, validate and price technology libraries.

    hwcost techlib list
    hwcost techlib show 45nm
    hwcost techlib validate my_lib.yaml
    hwcost techlib price 45nm int_multiplier --param a_bits=8 --param b_bits=8 --format json
    hwcost techlib scale --from 45nm --to 7nm --flavour HP --out 7nm.yaml
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from hwcost.cli._output import FORMATS, format_table, to_csv, to_json
from hwcost.errors import HwcostError

__all__ = ["register"]



# The scaling rules' names (hwcost.techlib.scaling.ScalingRule), written out so that building the
# parser imports no model; tests/cli/test_cli_techlib_rules.py keeps them equal.
SCALING_RULES = ("logic", "sram-cacti", "sram-cacti-law", "adc-survey", "cim-cell", "unchanged", "wire")

def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "techlib", help="technology libraries: list, show, validate, price, scale",
        description="Technology libraries: the energy (pJ) and area (um2) of datapath components.",
    )
    sub = parser.add_subparsers(dest="techlib_command", metavar="ACTION", required=True)

    p = sub.add_parser("list", help="shipped libraries with node, Vdd and source")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(run=_run_list)

    p = sub.add_parser("show", help="every component of a library: model, parameters, source")
    p.add_argument("library", metavar="NAME", help="a shipped library (45nm) or a YAML file")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=_run_show)

    p = sub.add_parser("validate", help="check a library file; print ok or every problem")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(run=_run_validate)

    p = sub.add_parser("price", help="energy and area of one component")
    p.add_argument("library", metavar="NAME", help="a shipped library (45nm) or a YAML file")
    p.add_argument("component", metavar="COMPONENT")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="a component parameter, e.g. bits=8 (repeat for each parameter)")
    p.add_argument("--action", default=None, help="energy action (needed when there are several)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(run=_run_price)

    p = sub.add_parser(
        "scale", help="scale a library to another process node (Stillmaker-Baas 2017)",
        description="Write a library for another node: logic by Stillmaker & Baas 2017 (one "
                    "flavour), SRAM refitted on the CACTI 7 sweep where it covers the node, ADC "
                    "energy kept on the survey envelope, DRAM unchanged, CIM cells with F^2. "
                    "Every component records how it was derived. See docs/adding-a-node.md.",
    )
    p.add_argument("--from", dest="source", required=True, metavar="NAME",
                   help="the library to scale: a shipped one (45nm) or a YAML file")
    p.add_argument("--to", required=True, metavar="NODE", help="the target node, e.g. 7nm")
    p.add_argument("--flavour", default=None, metavar="HP|LP|auto",
                   help="transistor flavour of the fits (default: the source library's); auto: LP when "
                        "its MAC path meets the clock period of --clock-mhz, else HP (docs/adding-a-node.md)")
    p.add_argument("--clock-mhz", type=float, default=1000.0, metavar="MHZ",
                   help="the clock --flavour auto chooses for (default 1000, the templates' default clock)")
    p.add_argument("--vdd", type=float, default=None, metavar="VOLTS",
                   help="target supply in volts (default: the node's nominal supply)")
    p.add_argument("--rule", action="append", default=[], metavar="COMPONENT=RULE",
                   help=f"scaling rule of a component ({', '.join(SCALING_RULES)}); repeat for each")
    p.add_argument("--name", default=None, help="name of the new library (default: e.g. 7nm)")
    p.add_argument("--out", required=True, metavar="FILE", help="the YAML file to write ('-': print it)")
    p.set_defaults(run=_run_scale)


def _run_list(args: argparse.Namespace) -> int:
    from hwcost.techlib import list_techlibs, load_techlib

    libs = sorted((load_techlib(name) for name in list_techlibs()), key=lambda lib: -lib.node_nm)
    headers = ["name", "node_nm", "vdd_v", "flavour", "components", "source"]
    rows = [
        [lib.name, lib.node_nm, lib.vdd_v, lib.flavour.value, len(lib.components), lib.source]
        for lib in libs
    ]
    if args.format == "json":
        print(to_json([dict(zip(headers, row)) for row in rows]))
    elif args.format == "csv":
        print(to_csv(headers, rows), end="")
    else:
        # The table shows the source up to its first colon or semicolon; `show NAME` has it all.
        short = [row[:-1] + [_first_clause(row[-1])] for row in rows]
        print(format_table(headers, short))
    return 0


def _first_clause(text: str, limit: int = 90) -> str:
    head = text.replace(":", ";").split(";")[0].strip()
    return head if len(head) <= limit else head[: limit - 3] + "..."


def _run_show(args: argparse.Namespace) -> int:
    from hwcost.techlib import load_techlib, techlib_to_dict

    lib = load_techlib(args.library)
    if args.format == "json":
        print(to_json(techlib_to_dict(lib)))
        return 0
    print(f"{lib.name}: {lib.node_nm:g} nm {lib.flavour.value}, Vdd {lib.vdd_v:g} V")
    print(f"source: {lib.source}")
    if lib.derived:
        print(f"derived: {_derivation(lib.derived)}")
    for name, comp in lib.components.items():
        print()
        variants = getattr(comp, "variants", None)
        if variants is None:
            _print_component(name, comp)
            continue
        print(f"{name}  (pick with {comp.select}=: {', '.join(variants)})")
        print(f"  source: {comp.source}")
        if comp.note:
            print(f"  note: {comp.note}")
        for vname, variant in variants.items():
            _print_component(f"{name} {comp.select}={vname}", variant, indent="  ")
    return 0


def _print_component(label: str, comp: Any, indent: str = "") -> None:
    ranges = ", ".join(r.describe() for r in comp.params.values()) or "no parameters"
    print(f"{indent}{label}  ({ranges})")
    rows = [[f"energy_pj.{a}", q.model.name, q.model.describe(q.kind)] for a, q in comp.energy.items()]
    rows.append(["area_um2", comp.area.model.name, comp.area.model.describe(comp.area.kind)])
    for line in format_table(["quantity", "model", "law"], rows).splitlines():
        print(f"{indent}  {line}")
    print(f"{indent}  source: {comp.source}")
    if comp.note:
        print(f"{indent}  note: {comp.note}")
    if comp.derived:
        print(f"{indent}  derived: {_derivation(comp.derived)}")
    for label, q in [*((f"energy_pj.{a}", q) for a, q in comp.energy.items()), ("area_um2", comp.area)]:
        if q.source:
            print(f"{indent}  source ({label}): {q.source}")
        if q.note:
            print(f"{indent}  note ({label}): {q.note}")


def _derivation(d: Any) -> str:
    delay = "" if d.delay_factor is None else f", delay x{d.delay_factor:g}"
    return (f"from {d.from_lib} by {d.method}; energy x{d.energy_factor:g}, area "
            f"x{d.area_factor:g}{delay}")


def _run_scale(args: argparse.Namespace) -> int:
    from pathlib import Path

    from hwcost.cli._flags import under_flags
    from hwcost.techlib import load_techlib, scale_techlib, techlib_yaml
    from hwcost.techlib._stillmaker import node_fit
    from hwcost.techlib.scaling import ScalingRule, parse_node_nm

    with under_flags({"": "--from"}):
        source = load_techlib(args.source)
    auto = args.flavour is not None and args.flavour.lower() == "auto"
    flavour = _flavour(args.flavour) if args.flavour is not None and not auto else source.flavour
    rules = dict(_parse_rule(text, ScalingRule) for text in args.rule)
    with under_flags({"": "--to"}):
        to_nm = parse_node_nm(args.to)
    why = None
    if auto:
        from hwcost.techlib.flavour import choose_flavour

        if not math.isfinite(args.clock_mhz) or args.clock_mhz <= 0:
            raise HwcostError.single(f"expected a clock in MHz > 0, got {args.clock_mhz}", key="--clock-mhz")
        with under_flags({"": "--to"}):
            choice = choose_flavour(to_nm, args.clock_mhz)
        flavour, why = choice.flavour, f"Flavour {choice.flavour.value} chosen by --flavour auto: {choice.reason}."
    with under_flags({"": "--to"}):
        target = node_fit(to_nm, flavour)
    if args.vdd is not None:
        if not math.isfinite(args.vdd) or args.vdd <= 0:
            raise HwcostError.single(f"expected a supply in volts > 0, got {args.vdd}", key="--vdd")
        with under_flags({"": "--vdd"}):
            target.check_vdd(args.vdd, "the target")
    with under_flags({"": "--from"}):
        lib = scale_techlib(source, to_nm, flavour=flavour, vdd_v=args.vdd, rules=rules, name=args.name)
    command = f"hwcost techlib scale --from {args.source} --to {to_nm:g}nm --flavour {flavour.value}"
    command += "".join(f" --{k} {v}" for k, v in (("vdd", args.vdd), ("name", args.name)) if v)
    command += "".join(f" --rule {text}" for text in args.rule)
    text = techlib_yaml(lib, _header(lib, command) + (f"\n{why}" if why else ""))
    if args.out == "-":
        print(text, end="")
        return 0
    try:
        Path(args.out).write_text(text)
    except OSError as exc:
        raise HwcostError.single(f"cannot write {args.out} ({exc.strerror or exc.__class__.__name__})",
                                 key="--out") from None
    print(f"wrote {args.out}: {lib.name}, {lib.node_nm:g} nm {lib.flavour.value} at {lib.vdd_v:g} V, "
          f"from {source.name}")
    print(f"derived: {_derivation(lib.derived)}")
    if why:
        print(why)
    print(format_table(["component", "energy_factor", "area_factor", "method"], _scale_rows(lib)))
    return 0


def _header(lib: Any, command: str) -> str:
    method = lib.derived.method
    flags = f" -- INTERPOLATED: {method.split(', ', 1)[1]}" if "interpolated" in method else ""
    return (
        f"{lib.name}: {lib.node_nm:g} nm {lib.flavour.value} technology library for hwcost, Vdd "
        f"{lib.vdd_v:g} V{flags}.\n"
        f"GENERATED by `{command}` -- do not edit by hand; rerun it.\n"
        "Every component records `derived:` -- from what, by which rule and with which energy and "
        "area factors.\n"
        "How: docs/adding-a-node.md. Format: docs/techlib.md."
    )


def _scale_rows(lib: Any) -> list[list[Any]]:
    rows = []
    for name, comp in lib.components.items():
        parts = getattr(comp, "variants", {name: comp})
        for label, part in parts.items():
            d = part.derived
            shown = name if label == name else f"{name}[{label}]"
            rows.append([shown, d.energy_factor, d.area_factor, d.method.split(":")[0]])
    return rows


def _flavour(text: str) -> Any:
    from hwcost.techlib import Flavour

    try:
        return Flavour(text.upper())
    except ValueError:
        raise HwcostError.single(f"--flavour expects HP, LP or auto; got '{text}'") from None


def _parse_rule(text: str, rule_type: Any) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    rules = ", ".join(r.value for r in rule_type)
    try:
        if not sep or not key.strip():
            raise ValueError
        return key.strip(), rule_type(value.strip())
    except ValueError:
        raise HwcostError.single(f"--rule expects COMPONENT=RULE with RULE one of {rules}; "
                                 f"got '{text}'") from None


def _run_validate(args: argparse.Namespace) -> int:
    from hwcost.techlib import load_techlib
    from pathlib import Path

    load_techlib(Path(args.file))
    print("ok")
    return 0


def _run_price(args: argparse.Namespace) -> int:
    from hwcost.techlib import load_techlib

    from hwcost.cli._flags import under_flags

    lib = load_techlib(args.library)
    params = dict(_parse_param(text) for text in args.param)
    if args.component not in lib.components:
        lib.resolve(args.component, params)  # the error naming the components the library has
    with under_flags({"": "--param"}):
        comp, _ = lib.resolve(args.component, params)
    action = args.action if args.action is not None else _only_action(comp)
    with under_flags({"": "--action"}):
        comp.quantity(action)
    with under_flags({"": "--param"}):
        energy = lib.energy_pj(args.component, action, **params)
        area = lib.area_um2(args.component, **params)
    if args.format == "json":
        print(to_json({"component": args.component, "action": action, "params": params,
                       "energy_pj": energy, "area_um2": area}))
    else:
        headers = ["component", "action", "energy_pj", "area_um2"]
        print(format_table(headers, [[args.component, action, energy, area]]))
    return 0


def _only_action(comp: Any) -> str:
    if len(comp.actions) == 1:
        return comp.actions[0]
    actions = ", ".join(comp.actions)
    raise HwcostError.single(f"{comp.name} has several actions ({actions}); pass --action")


def _parse_param(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise HwcostError.single(f"--param expects KEY=VALUE (e.g. bits=8); got '{text}'")
    value = value.strip()
    for convert in (int, float):
        try:
            number = convert(value)
        except (ValueError, OverflowError):
            continue
        if not math.isfinite(number):
            raise HwcostError.single(f"{key.strip()}={value}: expected a finite number", key="--param")
        return key.strip(), number
    return key.strip(), value
