"""``hwcost explain``: the bill of materials a quantization scheme needs, with the reasons.

    hwcost explain --scheme lsq+ --bits 4 --zero-point pre-subtract
    hwcost explain --scheme-file my_scheme.yaml --reduction-length 4608 --format json
    hwcost explain --model my_qonnx.onnx     # each layer's precision, then the body's and the first/last layers' datapaths
"""

from __future__ import annotations

import argparse
import textwrap
from typing import TYPE_CHECKING

from hwcost.cli._model import add_real_scales, parse_shape
from hwcost.cli._output import format_table, to_json
from hwcost.schemes.scheme import ScaleRealisation, ZeroPointRealisation

if TYPE_CHECKING:
    from hwcost.classify import Datapath
    from hwcost.schemes import QuantScheme

__all__ = ["register"]

_ZERO_POINTS = tuple(z.value for z in ZeroPointRealisation)
_SCALES = tuple(s.value for s in ScaleRealisation)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "explain", help="the datapath units a scheme needs, with the equation behind each",
        description="Classify a quantization scheme into the datapath units integer inference needs.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--scheme", metavar="NAME", help="a preset name (pot, lsq, lsq+, ...)")
    source.add_argument("--scheme-file", metavar="FILE", help="a scheme YAML file")
    source.add_argument("--model", metavar="FILE", help="a quantized ONNX / QONNX / QDQ model: its layers' precision and "
                                                         "the datapaths that price them (docs/models.md)")
    parser.add_argument("--input-shape", metavar="C,H,W", type=parse_shape,
                        help="with --model: the input's size after the batch, when the file leaves it dynamic")
    add_real_scales(parser)
    parser.add_argument("--bits", type=int, metavar="B", help="weight and activation bits (default: the scheme's)")
    parser.add_argument("--weight-bits", type=int, metavar="B", help="weight bits (overrides --bits)")
    parser.add_argument("--act-bits", type=int, metavar="B", help="activation bits (overrides --bits)")
    parser.add_argument("--zero-point", choices=_ZERO_POINTS, help="zero-point realisation (default: the scheme's)")
    parser.add_argument("--scale-at", choices=_SCALES, help="where the scale is applied (default: the scheme's)")
    parser.add_argument("--reduction-length", type=int, metavar="N",
                        help="C_in*k_h*k_w of the layer (default 576 = 3*3*64)")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.set_defaults(run=_run)


def _scheme(args: argparse.Namespace) -> QuantScheme:
    from hwcost.cli._flags import bits_flags, realisation_flags, under_flags
    from hwcost.schemes import get_scheme, load_scheme

    with under_flags({"scheme": "--scheme", "": "--scheme"}):
        scheme = get_scheme(args.scheme) if args.scheme else load_scheme(args.scheme_file)
    flags = {**bits_flags(args.weight_bits, args.act_bits), **realisation_flags(args.zero_point, args.scale_at)}
    with under_flags(flags):
        weight_bits = args.weight_bits if args.weight_bits is not None else args.bits
        act_bits = args.act_bits if args.act_bits is not None else args.bits
        return _realised(scheme.with_bits(weight_bits, act_bits), args)


def _realised(scheme: QuantScheme, args: argparse.Namespace) -> QuantScheme:
    """``scheme`` with the --zero-point and --scale-at realisations typed."""
    from dataclasses import replace

    from hwcost.schemes import ScaleRealisation, ZeroPointRealisation

    if args.zero_point:
        scheme = replace(scheme, zero_point_realisation=ZeroPointRealisation(args.zero_point))
    if args.scale_at:
        scheme = replace(scheme, scale_realisation=ScaleRealisation(args.scale_at))
    return scheme


def _run(args: argparse.Namespace) -> int:
    from hwcost.classify import DEFAULT_REDUCTION_LENGTH, classify
    from hwcost.cli._flags import under_flags

    if args.model is not None:
        from hwcost.cli._model import explain_model

        return explain_model(args, _realised, _table)
    scheme = _scheme(args)
    n = DEFAULT_REDUCTION_LENGTH if args.reduction_length is None else args.reduction_length
    with under_flags({"reduction_length": "--reduction-length"}):
        datapath = classify(scheme, n)
    if args.format == "json":
        print(to_json(datapath.to_dict()))
    else:
        print(_table(datapath))
    return 0


def _table(datapath: Datapath) -> str:
    from hwcost.classify import UnitKind
    from hwcost.classify.datapath import Component

    s = datapath.scheme
    sign = {True: "signed", False: "unsigned"}
    multiplier = datapath.of_kind(UnitKind.MAC_MULTIPLIER)[0]
    if multiplier.component is Component.FP_MULTIPLIER:  # fake-quant or FP32 layers: floating-point MACs
        fp = f"FP{multiplier.widths['bits']}"
        operands = f"multiplier {fp} x {fp}, accumulator {fp}"
    else:
        operands = (f"multiplier {datapath.weight_operand_bits}b {sign[datapath.weight_operand_signed]} x "
                    f"{datapath.act_operand_bits}b {sign[datapath.act_operand_signed]}, "
                    f"accumulator {datapath.accumulator_bits}b")
    head = [
        f"scheme {s.name}: W{s.weights.bits}/A{s.activations.bits}, zero-point {s.zero_point_realisation.value}, "
        f"scale at {s.scale_realisation.value}, N = {datapath.reduction_length}",
        operands,
        "",
    ]
    rows = [
        [i, u.kind.value, u.placement.value, str(u.component),
         " ".join(f"{k}={v}" for k, v in u.widths.items()), u.ops_per_action]
        for i, u in enumerate(datapath.units, 1)
    ]
    table = format_table(["#", "unit", "placement", "component", "widths", "ops/action"], rows)
    reasons = [
        textwrap.fill(f"[{i}] {u.reason}", width=100, subsequent_indent="    ")
        for i, u in enumerate(datapath.units, 1)
    ]
    notes = [textwrap.fill(f"note: {n}", width=100, subsequent_indent="      ") for n in datapath.notes]
    return "\n".join(head + [table, "", "why:"] + reasons + ([""] + notes if notes else []))
