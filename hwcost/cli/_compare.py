"""``hwcost compare``: two or more configurations side by side.

    hwcost compare --scheme lsq --scheme lsq+ --bits 4
    hwcost compare --config "scheme=lsq+,bits=4,node=45nm" --config "scheme=lsq+,bits=4,node=45nm-lp"
    hwcost compare --arch cim --adc-bits 4 --adc-bits 6 --adc-bits 8 --format csv
    hwcost compare --model a.onnx --model b.onnx      (each at its quantizers' per-layer precision)

Repeating a flag of the axes below lists its values; the configurations are every combination,
in the order typed (the first is the reference). ``--config`` gives each configuration in full
(``key=value`` pairs: the axes and any key of the template, ``docs/arch-reference.md``); the
flags then set what the configurations share. Printed: the totals side by side with their ratios
to the first, and each unit's energy and area with its delta to the first (the deltas add up to
the total delta).
"""

from __future__ import annotations

import argparse
import itertools
from typing import Any

from hwcost.cli._model import add_real_scales, parse_shape
from hwcost.cli._output import FORMATS, format_table, to_csv, to_json
from hwcost.cli._uncertainty import add_uncertainty_arguments, band_lines, ratio_lines, samples_of

__all__ = ["register"]

# Axis flags: flag -> (the design_point option, argparse type).
AXES: dict[str, tuple[str, Any]] = {
    "--scheme": ("scheme", str), "--bits": ("bits", int), "--weight-bits": ("weight_bits", int),
    "--act-bits": ("act_bits", int), "--zero-point": ("zero_point", str), "--scale-at": ("scale_at", str),
    "--arch": ("arch", str), "--node": ("node", str), "--techlib": ("techlib", str), "--workload": ("workload", str),
    "--model": ("model", str),
}


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "compare", help="two or more configurations side by side: totals, ratios, per-unit deltas",
        description="Price two or more configurations and compare them to the first: totals side by side with "
                    "their ratios, and every unit's energy and area with its delta.",
    )
    for flag, (option, kind) in AXES.items():
        p.add_argument(flag, dest=f"axis_{option}", action="append", type=kind, metavar=option.upper(),
                       help=f"{option}; repeat to compare values")
    p.add_argument("--input-shape", metavar="C,H,W", type=parse_shape,
                   help="a --model input's size after the batch, when the file leaves it dynamic")
    add_real_scales(p)
    p.add_argument("--config", action="append", metavar="KEY=VALUE,...",
                   help="one configuration in full, e.g. scheme=lsq+,bits=4,node=45nm-lp,pe_rows=32; repeat")
    p.add_argument("--scope", choices=["array", "core", "system"], default="system",
                   help="what the totals count (default system, DRAM included)")
    p.add_argument("--format", choices=FORMATS, default="table")
    add_uncertainty_arguments(p)
    arch = p.add_argument_group("template keys (each repeatable; shared when given once)")
    for name, keys in _arch_keys().items():
        arch.add_argument(keys[0].flag, dest=f"key_{name}", action="append", metavar="VALUE",
                          help=f"{keys[0].values} ({', '.join(k.template for k in keys)})")
    p.set_defaults(run=run)


def _arch_keys() -> dict[str, list[Any]]:
    from hwcost.cli._arch_flags import arch_keys_by_name

    return arch_keys_by_name()


def _value(text: str) -> Any:
    """``4`` -> 4, ``2.5`` -> 2.5, ``true`` -> True, anything else as text (the template and
    design_point check it)."""
    if text.strip().lower() in ("true", "false"):
        return text.strip().lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _parse_config(text: str) -> dict[str, Any]:
    from hwcost.errors import HwcostError

    known = set(AXES_OPTIONS) | set(_arch_keys())
    out: dict[str, Any] = {}
    for part in (p.strip() for p in text.split(",")):
        key, sep, value = part.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key or not value.strip():
            raise HwcostError.single(f"'{part}' is not key=value (in '{text}')", key="--config")
        if key not in known:
            raise HwcostError.single(f"unknown key '{key}' (in '{text}'); keys: {', '.join(AXES_OPTIONS)} and the "
                                     "template's (hwcost arch keys)", key="--config")
        if key in out:
            raise HwcostError.single(f"'{key}' given twice (in '{text}')", key="--config")
        out[key] = value.strip() if key in ("scheme", "zero_point", "scale_at", "arch", "node", "techlib", "workload",
                                            "model") \
            else _value(value.strip())
    return out


AXES_OPTIONS = tuple(option for option, _ in AXES.values())


def _configs(args: argparse.Namespace) -> list[tuple[str, dict[str, Any]]]:
    """(what the user typed for it, the configuration) of every configuration."""
    from hwcost.errors import HwcostError

    axes = {option: getattr(args, f"axis_{option}") for option in AXES_OPTIONS if getattr(args, f"axis_{option}")}
    axes |= {name: [_value(v) for v in values] for name in _arch_keys()
             if (values := getattr(args, f"key_{name}"))}
    if args.config:
        repeated = [name for name, values in axes.items() if len(values) > 1]
        if repeated:
            flag = "--" + repeated[0].replace("_", "-")
            raise HwcostError.single("with --config, a flag sets what every configuration shares: give it once",
                                     key=flag)
        shared = {name: values[0] for name, values in axes.items()}
        return [(f"--config {text}", shared | _parse_config(text)) for text in args.config]
    names = list(axes)
    combos = list(itertools.product(*(axes[n] for n in names)))
    return [(" ".join(f"--{n.replace('_', '-')} {v}" for n, v in zip(names, combo) if len(axes[n]) > 1) or "flags",
             dict(zip(names, combo))) for combo in combos]


def _points(args: argparse.Namespace) -> list[dict[str, Any]]:
    from hwcost.cli._flags import renamed
    from hwcost.compare import point_of
    from hwcost.errors import HwcostError, Problem

    configs = _configs(args)
    if len(configs) < 2:
        raise HwcostError.single("give two or more configurations: repeat a flag (--scheme lsq --scheme lsq+) or "
                                 "--config", key="--config" if args.config else "--scheme")
    points = []
    for typed, config in configs:
        config = _with_model(config, args, typed)
        flags = {k: f"--{k.replace('_', '-')}" if not args.config else k for k in config}
        try:
            point_of({"workload": "resnet20"} | config, flags=flags)  # checked here, under what was typed
        except HwcostError as err:
            err = renamed(err, {"arch": "--arch" if not args.config else "arch"})
            raise HwcostError([Problem(p.message, p.file, f"{typed}: {p.key}" if p.key else typed, p.line)
                               if p.file is None else p for p in err.problems]) from None
        points.append({"workload": "resnet20"} | config)
    return points


def _with_model(config: dict[str, Any], args: argparse.Namespace, typed: str) -> dict[str, Any]:
    """A configuration whose ``model`` names an ONNX / QONNX / QDQ file: that model is its network,
    and a quantized model's own quantizers set each layer's precision (docs/models.md)."""
    if "model" not in config:
        return config
    from hwcost.cli._flags import under_flags
    from hwcost.errors import HwcostError
    from hwcost.workloads.imports import import_model

    config = dict(config)
    source = config.pop("model")
    flag = "--model" if not args.config else "model"
    if "workload" in config:
        raise HwcostError.single(f"{typed}: the model names the network: drop the workload", key=flag)
    with under_flags({"model": flag, "input_shape": "--input-shape", "real_scale": "--real-scales", "": flag}):
        model = import_model(source, input_shape=args.input_shape, real_scale=args.real_scales)
    if model.quantized:
        given = [k for k in ("scheme", "bits", "weight_bits", "act_bits") if k in config]
        if given:
            raise HwcostError.single(f"{typed}: the model's quantizers set each layer's precision: drop "
                                     f"{', '.join(given)}", key=flag)
        config["scheme"] = model.scheme()
    return config | {"workload": model}


def run(args: argparse.Namespace) -> int:
    from hwcost.compare import compare
    from hwcost.report import Scope

    samples = samples_of(args)
    comparison = compare(_points(args), scope=Scope(args.scope))
    if args.format == "json":
        extra = comparison.uncertainty_dict(samples, args.seed) if samples else {}
        print(to_json(comparison.as_dict() | extra))
    elif args.format == "csv":
        frame = comparison.to_frame()
        rows = frame.values.tolist() + (_band_rows(comparison, samples, args.seed) if samples else [])
        print(to_csv(list(frame.columns), rows), end="")  # one row per quantity and configuration
    else:
        print(_table(comparison) + (_band_table(comparison, samples, args.seed) if samples else ""))
    return 0


def _band_rows(c: Any, samples: int, seed: int) -> list[list[Any]]:
    """CSV rows of the bands: ``<total>.p10`` ... per configuration (category ``band``), and
    ``<total>.ratio.p10`` ... and ``<total>.p_better`` per other configuration (category ``ratio band``)."""
    rows: list[list[Any]] = []
    for label, b in zip(c.labels, c.bands(samples, seed)):
        rows += [[f"{total}.{q}", "band", label, v, "", ""] for total, qs in b.as_dict().items()
                 if isinstance(qs, dict) for q, v in qs.items()]
    for label, bands in c.ratio_bands(samples, seed).items():
        for rb in bands:
            rows += [[f"{rb.total}.ratio.{q}", "ratio band", label, v, "", ""] for q, v in rb.ratio.as_dict().items()]
            rows.append([f"{rb.total}.p_better", "ratio band", label, rb.p_better, "", ""])
    return rows


def _band_table(c: Any, samples: int, seed: int) -> str:
    """Each configuration's band, then each ratio's band and the probability that the configuration
    beats the first (lower energy or area, higher TOPS/W), from the same draws."""
    parts = [f"\n\n{label}:" + band_lines(b, r)[1:] for label, b, r in zip(c.labels, c.bands(samples, seed), c.reports)]
    rows = [row for label, bands in c.ratio_bands(samples, seed).items()
            for row in ratio_lines(label, c.labels[0], bands)]
    parts.append("\n\nratios per sample (shared uncertainty cancels); p_better: the probability that the "
                 "configuration beats the first\n" + format_table(["ratio", "p10", "p50", "p90", "p_better"], rows,
                                                                  align="lrrrr"))
    return "".join(parts)


_SHOWN = (("energy per inference (uJ)", "energy_pj", 1e-6), ("of which static (uJ)", "static_energy_pj", 1e-6),
          ("energy per MAC (pJ)", "energy_per_mac_pj", 1.0), ("efficiency (TOPS/W)", "tops_per_w", 1.0),
          ("area (mm2)", "area_um2", 1e-6), ("area efficiency (TOPS/mm2)", "tops_per_mm2", 1.0),
          ("latency (cycles)", "latency_cycles", 1.0), ("utilisation (%)", "utilisation", 100.0))


def _num(value: float) -> str:
    """Four significant digits; whole numbers with separators from 10,000 up."""
    return f"{value:,.0f}" if abs(value) >= 1e4 else f"{value:.4g}"


def _table(c: Any) -> str:
    first, others = c.labels[0], list(enumerate(c.labels))[1:]
    head = [f"{i + 1}. {label}: {r.scheme} W{r.weight_bits}/A{r.act_bits} on {r.arch}, {r.node}, {r.workload}"
            f" ({r.scope.value} scope)" for i, (label, r) in enumerate(zip(c.labels, c.reports))]
    totals = [[name, *[_num(v * scale) for v in c.total(key)], *[f"{c.ratio(key)[i]:.4f}" for i, _ in others]]
              for name, key, scale in _SHOWN]
    ratio_heads = [f"{label} / {first}" for _, label in others]
    lines = head + ["", format_table(["total", *c.labels, *ratio_heads], totals, align="l" + "r" * (len(c.labels) + len(others)))]
    units = [u for u in c.units if any(u.energy_pj) or any(u.area_um2)]
    rows = [[u.unit, u.category.value, *[f"{e / 1e3:,.1f}" for e in u.energy_pj],
             *[f"{u.energy_delta_pj[i] / 1e3:+,.1f}" for i, _ in others],
             *[f"{u.area_delta_um2[i]:+,.0f}" for i, _ in others]] for u in units]
    energy = c.total("energy_pj")
    area = c.total("area_um2")
    rows.append(["total", "", *[f"{e / 1e3:,.1f}" for e in energy], *[f"{(energy[i] - energy[0]) / 1e3:+,.1f}" for i, _ in others],
                 *[f"{area[i] - area[0]:+,.0f}" for i, _ in others]])
    headers = ["unit", "category", *[f"energy_nJ {label}" for label in c.labels],
               *[f"delta_nJ {label}" for _, label in others], *[f"delta_um2 {label}" for _, label in others]]
    lines += ["", format_table(headers, rows, align="ll" + "r" * (len(headers) - 2))]
    return "\n".join(lines)
