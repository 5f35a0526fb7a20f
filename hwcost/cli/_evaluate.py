"""``hwcost evaluate``: the cost of one inference of a network under a quantization scheme."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hwcost.cli._arch_flags import add_arch_arguments
from hwcost.cli._model import SchemeDefault, add_model_arguments, model_columns, model_fields, model_summary
from hwcost.cli._output import FORMATS, format_table, to_csv, to_json, write_figures
from hwcost.cli._uncertainty import add_uncertainty_arguments, band_columns, band_lines, samples_of
from hwcost.report import Condition, Scope
from hwcost.schemes.scheme import ScaleRealisation, ZeroPointRealisation

__all__ = ["register"]


def add_point_arguments(p: argparse.ArgumentParser) -> None:
    """The options that define a design point (shared with other sub-commands)."""
    p.add_argument("--scheme", default=SchemeDefault("lsq"), help="preset name (default lsq); see `hwcost explain --help`")
    p.add_argument("--scheme-file", metavar="FILE", help="a user scheme in YAML (overrides --scheme)")
    p.add_argument("--bits", type=int, help="weight and activation bits (default: the scheme's)")
    p.add_argument("--weight-bits", type=int, help="weight bits (overrides --bits)")
    p.add_argument("--act-bits", type=int, help="activation bits (overrides --bits)")
    p.add_argument("--zero-point", choices=[z.value for z in ZeroPointRealisation], help="zero-point realisation")
    p.add_argument("--scale-at", choices=[s.value for s in ScaleRealisation],
                   help="where the scale is applied (fake-quant-fp16/fp32: the fake-quant graph in floating point)")
    p.add_argument("--arch", default="mac_array",
                   help="accelerator template: mac_array (default), cim or dcim; its keys are flags (below)")
    p.add_argument("--arch-file", metavar="FILE", help="accelerator description in YAML (overrides --arch)")
    p.add_argument("--node", help="shipped technology library (default: 45nm, with low-power devices (45nm-lp) when "
                                  "the design's clock is slow enough for them, as the CIM macro's 150 MHz is)")
    p.add_argument("--techlib", metavar="FILE", help="a technology library YAML file (overrides --node)")
    p.add_argument("--workload", help="network name or workload YAML file (default resnet20)")
    add_model_arguments(p)
    p.add_argument("--peak", action="store_true",
                   help="the design's peak: full utilisation on an ideal layer that maps perfectly (no workload)")
    add_arch_arguments(p)


def point_from_args(args: argparse.Namespace) -> Any:
    from hwcost.cli._arch_flags import arch_from_args
    from hwcost.cli._flags import bits_flags, realisation_flags, under_flags
    from hwcost.errors import HwcostError
    from hwcost.schemes import load_scheme

    if args.peak and args.workload is not None:
        raise HwcostError.single("--peak prices an ideal layer, not a network: drop --workload", key="--workload")
    scheme = load_scheme(args.scheme_file) if args.scheme_file else args.scheme
    arch = arch_from_args(args)
    if args.model is not None or args.input_shape is not None:  # a model: its layers (and precision)
        from hwcost.cli._model import model_point

        return model_point(args, scheme, arch)
    flags = {**bits_flags(args.weight_bits, args.act_bits), **realisation_flags(args.zero_point, args.scale_at),
             "scheme": "--scheme", "workload": "--workload", "": "--techlib" if args.techlib else "--node"}
    with under_flags(flags):
        return _design_point(args, scheme, arch)


def _design_point(args: argparse.Namespace, scheme: Any, arch: Any) -> Any:
    from hwcost.evaluate import design_point

    return design_point(
        scheme,
        args.bits,
        weight_bits=args.weight_bits,
        act_bits=args.act_bits,
        arch=arch,
        node=args.node,
        techlib=args.techlib,
        workload="peak" if args.peak else ("resnet20" if args.workload is None else args.workload),
        zero_point=args.zero_point,
        scale_at=args.scale_at,
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "evaluate",
        help="energy, area and latency of one inference",
        description="Price one inference of a network on an accelerator under a quantization scheme.",
    )
    add_point_arguments(p)
    p.add_argument("--scope", choices=["array", "core", "system"], default="system",
                   help="what the figures count: the array (PE array or CIM macros with their periphery and "
                        "post-processing), the core (all on chip) or the system (with DRAM; default)")
    p.add_argument("--by-layer", action="store_true",
                   help="add a table of every compute layer: MACs, energy, cycles, utilisation (JSON always has "
                        "it; with --format csv, one row per layer with its energy by category and by unit)")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--plot", metavar="DIR", type=Path,
                   help="write layers.png and .svg here: each compute layer's energy by category and its utilisation")
    add_uncertainty_arguments(p)
    p.set_defaults(run=run)


def _table(report: Any) -> str:
    settings = dict(report.settings)
    head = (
        f"{report.scheme}  W{report.weight_bits}/A{report.act_bits}  "
        f"zero-point {settings.get('zero_point')}, scale at {settings.get('scale_at')}  |  "
        f"{report.arch} on {report.node}  |  {report.workload} ({report.macs / 1e6:,.1f} M MACs)"
    )
    if report.condition is Condition.PEAK:
        head = head.replace(f"|  {report.workload} (", "|  peak: ideal layer (", 1)
    if report.scope is not Scope.SYSTEM:
        head += f"  |  {report.scope.value} scope"
    totals = [
        ("energy per inference", f"{report.energy_pj / 1e6:,.3f} uJ"),
        ("of which static", f"{report.static_energy_pj / 1e6:,.3f} uJ (leakage x latency)"),
        ("energy per MAC", f"{report.energy_per_mac_pj:.4f} pJ"),
        ("efficiency", f"{report.tops_per_w:.3f} TOPS/W"),
        ("area", f"{report.area_um2 / 1e6:.4f} mm2"),
        ("area efficiency", f"{report.tops_per_mm2:.4f} TOPS/mm2"),
        ("latency", f"{report.latency_cycles:,.0f} cycles = {report.latency_s * 1e3:.4f} ms"),
        ("utilisation", f"{100 * report.utilisation:.1f} %"),
        *_macro_line(settings),
    ]
    width = max(len(k) for k, _ in totals)
    lines = [head, ""] + [f"  {k.ljust(width)}  {v}" for k, v in totals] + [""]
    e_total, a_total = report.energy_pj, report.area_um2

    def shares(energy: float, area: float) -> list[str]:
        return [f"{energy / 1e3:,.1f}", f"{100 * (energy / e_total):.1f}", f"{area:,.0f}", f"{100 * (area / a_total):.1f}"]

    cats = [[c, *shares(e, a)] for c, (e, a) in report.by_category().items()]
    lines.append(format_table(["category", "energy_nJ", "%", "area_um2", "%"], cats, align="lrrrr"))
    lines.append("")
    rows = [[r.unit, r.category.value, f"{r.actions:,.0f}", *shares(r.energy_pj, r.area_um2)] for r in report.breakdown]
    lines.append(format_table(["unit", "category", "actions", "energy_nJ", "%", "area_um2", "%"], rows, align="llrrrrr"))
    lines += _cim_lines(settings)
    pinned = [r for r in report.breakdown if r.source != "techlib"]
    lines += [f"pinned: {r.unit} from {r.source}" for r in pinned]
    unused = settings.get("pinned_not_in_bill_of_materials")
    if unused:
        lines.append(f"pinned but not in this point's bill of materials: {unused}")
    return "\n".join(lines)


def _cim_lines(settings: dict[str, Any]) -> list[str]:
    """The CIM macro's configuration and whether its ADC quantizes partial sums."""
    if "adc_note" not in settings:
        return []
    s = settings
    return [
        "",
        f"cim macro: {s['rows']}x{s['cols']} {s['cell']} cells of {s['cell_bits']} b, "
        f"{s['input_bits_per_pulse']} b per input pulse, {s['adc_bits']} b ADC per {s['adc_share']} columns, "
        f"{s['macros']} macros ({'weights resident' if s['weights_resident'] else 'streamed layers rewritten per inference'})",
        f"accumulation: weight bits {s['weight_accumulation']}, inputs {s['input_encoding']}, pair subtraction "
        f"{s['pair_subtraction']}, {s['active_rows']} rows per conversion; {s['conversions_per_mac']:.4g} conversions per MAC",
        f"signed weights: {s['signed_weights']}; signed inputs: {s['signed_inputs']}; "
        f"row groups up to {s['max_row_groups']} ({s['row_split_extra_conversions']:,.0f} extra conversions, "
        f"{s['row_group_adds']:,.0f} row-group adds)",
        f"{s['adc_note']}",
    ]


def run(args: argparse.Namespace) -> int:
    from hwcost.evaluate import report_of

    from hwcost.cli._output import finite_or_error
    from hwcost.cli._priceable import attributed
    from hwcost.errors import HwcostError

    point = point_from_args(args)
    samples = samples_of(args)
    price = lambda p: report_of(p, scope=Scope(args.scope))  # noqa: E731
    try:
        report = price(point)
    except HwcostError as err:
        raise attributed(err, args, point, price) from None
    inputs = f"{report.scheme} W{report.weight_bits}/A{report.act_bits} on {report.arch}, {report.node}, {report.workload}"
    try:
        finite_or_error(report.as_dict(), inputs)
    except ZeroDivisionError:  # a ratio (TOPS/W, TOPS/mm2) of a total that is 0
        raise HwcostError.single(f"the energy, area or latency is 0 for {inputs}, so its efficiencies are not finite "
                                 "numbers; nothing printed") from None
    band = None if samples is None else report.band(samples, args.seed, getattr(point, "techlib", None))
    if args.format == "json":
        print(to_json({**report.as_dict(), **model_fields(args, point), **({"band": band.as_dict()} if band else {})}))
    elif args.format == "csv" and args.by_layer:  # one row per compute layer (CostReport.by_layer)
        frame = report.by_layer()
        print(to_csv(list(frame.columns), list(frame.itertuples(index=False, name=None))), end="")
    elif args.format == "csv":
        data = report.as_dict()
        data.pop("breakdown")
        data.pop("by_category")
        data.pop("layers")  # a list: --by-layer --format csv prints them, one row each
        for row in report.breakdown:
            data[f"energy_pj.{row.unit}"] = row.energy_pj
            data[f"area_um2.{row.unit}"] = row.area_um2
        data |= band_columns(band) if band else {}
        print(to_csv(list(data), [list(data.values())]), end="")
    else:
        layers = _layer_table(report, model_columns(args, point, report)) if args.by_layer else ""
        print(_table(report) + (band_lines(band, report) if band else "") + model_summary(args, point) + layers)
    for warning in report.warnings:  # area or utilisation of an implausible design (docs/cim-model.md §2)
        print(f"hwcost: warning: {warning}", file=sys.stderr)
    if args.plot is not None:
        from hwcost.layer_plot import save_layer_figure

        write_figures(lambda folder: save_layer_figure(report, folder), args.plot)
    return 0


def _macro_line(settings: dict[str, Any]) -> list[tuple[str, str]]:
    """The macro count of a CIM design, and whether its weights stay or are reloaded."""
    if "macros" not in settings:
        return []
    s = settings
    reload = "all weights resident" if s["weights_resident"] else (
        f"{s['resident_layers']} layers resident, the others reloaded from {s['weight_reload_from']} every inference")
    return [("macros", f"{s['macros']} ({s['macros_needed']} needed for every weight; {reload})")]


def _layer_table(report: Any, extra: tuple[list[str], list[list[str]]] | None = None) -> str:
    """Every compute layer, then the element-wise layers, with their shares of the energy."""
    total = report.energy_pj
    rows = [[layer.name, f"{layer.macs:,.0f}", f"{layer.energy_pj / 1e3:,.1f}", f"{100 * (layer.energy_pj / total):.1f}",
             f"{layer.energy_pj / layer.macs:.3f}", f"{layer.latency_cycles:,.0f}", f"{100 * layer.utilisation:.1f}"]
            for layer in report.layers]
    rows.append(["element-wise layers", "0", f"{report.elementwise_energy_pj / 1e3:,.1f}",
                 f"{100 * (report.elementwise_energy_pj / total):.1f}", "-", "-", "-"])
    headers, align = ["layer", "MACs", "energy_nJ", "%", "pJ/MAC", "cycles", "util %"], "lrrrrrr"
    if any(layer.mapping for layer in report.layers):  # chosen per layer (dataflow auto)
        rows = [row + [layer.mapping] for row, layer in zip(rows, report.layers)] + [rows[-1] + ["-"]]
        headers, align = headers + ["mapping"], align + "l"
    if extra is None or "bits" not in extra[0]:  # each layer's precision and its class (docs/workloads.md)
        rows = [row + [layer.bits, layer.precision_class] for row, layer in zip(rows, report.layers)] + [rows[-1] + ["-", "-"]]
        headers, align = headers + ["bits", "class"], align + "ll"
    else:
        rows = [row + [layer.precision_class] for row, layer in zip(rows, report.layers)] + [rows[-1] + ["-"]]
        headers, align = headers + ["class"], align + "l"
    if extra is not None:  # --model: each layer's bits and the presets its grids match
        rows = [row + cells for row, cells in zip(rows, extra[1])] + [rows[-1] + ["-"] * len(extra[0])]
        headers, align = headers + extra[0], align + "l" * len(extra[0])
    return "\n\n" + format_table(headers, rows, align=align)
