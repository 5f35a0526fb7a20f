"""``hwcost import``: what hwcost reads from a model file -- each compute layer's shape, MACs,
precision and the presets it matches, and the scheme that prices it (or why it cannot).

    hwcost import my.onnx
    hwcost import dynamic.onnx --input-shape 3,224,224 --format json
"""

from __future__ import annotations

import argparse

from hwcost.cli._model import add_real_scales, parse_shape, precision_table, summary_line
from hwcost.cli._output import to_json

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "import", help="read an ONNX / QONNX / QDQ model: layers, per-layer precision, matching presets",
        description="Read a model file as hwcost prices it: every compute layer's shape and MACs, its weight and "
                    "activation quantizers, the presets they match, and the scheme that prices the model "
                    "(docs/models.md).",
    )
    p.add_argument("model", metavar="FILE", help="an .onnx file (plain ONNX, QONNX or QDQ)")
    p.add_argument("--input-shape", metavar="C,H,W", type=parse_shape,
                   help="the input's size after the batch, when the file leaves it dynamic")
    add_real_scales(p)
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from hwcost.cli._model import load_model
    from hwcost.errors import HwcostError

    model = load_model(args)
    scheme, refusal = None, None
    if model.quantized:
        try:
            scheme = model.scheme()
        except HwcostError as err:
            refusal = "; ".join(p.message for p in err.problems)
    if args.format == "json":
        print(to_json({
            "model": model.file, "origin": model.origin, "macs": model.total_macs, "weights": model.total_weights,
            "bn": model.bn.value, "layers": model.precision_rows(),
            "scheme": None if scheme is None else {
                "name": scheme.name, "weight_bits": scheme.weights.bits, "act_bits": scheme.activations.bits,
                "first_last_bits": scheme.first_last_bits, "bn": scheme.bn.value},
            "refusal": refusal,
        }))
        return 0
    lines = [summary_line(model, scheme), f"{model.total_macs:,} MACs, {model.total_weights:,} weights, batch norm "
             f"{model.bn.value}", "", precision_table(model), ""]
    if refusal is not None:
        lines.append(f"cannot be priced exactly by today's engine: {refusal}")
    elif scheme is None:
        lines.append("no quantizers: price it at a scheme and bits: hwcost evaluate --model FILE --scheme NAME --bits B")
    else:
        lines.append(f"priced by: hwcost evaluate --model {model.file} (each layer at its own precision)")
    print("\n".join(lines))
    return 0
