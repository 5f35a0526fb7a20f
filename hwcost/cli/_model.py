"""``--model FILE`` and ``--input-shape``: a model's layers, and its quantizers as each layer's
precision, wherever a network is named (``evaluate``, ``explain``); ``docs/models.md``.

A quantized model fixes every layer's precision, so ``--scheme``, ``--scheme-file``, ``--bits``,
``--weight-bits`` and ``--act-bits`` are refused with it; ``--zero-point`` and ``--scale-at`` (how
the hardware realises zero-points and scales, not what the model learned) still apply. A model
without quantizers is priced at the scheme and bits given, like ``--workload``.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from hwcost.cli._output import format_table

if TYPE_CHECKING:
    from hwcost.schemes import QuantScheme
    from hwcost.workloads.imports import ImportedModel

__all__ = ["add_model_arguments", "add_real_scales", "parse_shape", "load_model", "model_point", "model_summary", "model_columns", "model_fields", "explain_model",
           "precision_table", "summary_line",
           "layer_columns", "SchemeDefault"]


class SchemeDefault(str):
    """The ``--scheme`` default: a str that tells it was not typed."""


def parse_shape(text: str) -> tuple[int, ...]:
    """``3,224,224`` (or ``3x224x224``) -> (3, 224, 224).

    >>> parse_shape("3x32x32")
    (3, 32, 32)
    """
    parts = text.replace("x", ",").split(",")
    try:
        values = tuple(int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes after the batch such as 3,224,224, got '{text}'") from None
    if not values or min(values) < 1 or max(values) > 1 << 20:
        raise argparse.ArgumentTypeError(f"expected sizes 1..1048576 such as 3,224,224, got '{text}'")
    return values


def add_model_arguments(p: argparse.ArgumentParser, quantizers: bool = True) -> None:
    what = ("its layers; its quantizers set each layer's precision" if quantizers else "its layers")
    p.add_argument("--model", metavar="FILE", help=f"an ONNX / QONNX / QDQ model file: {what} (docs/models.md)")
    p.add_argument("--input-shape", metavar="C,H,W", type=parse_shape,
                   help="the model input's size after the batch, when the file leaves it dynamic")
    if quantizers:
        add_real_scales(p)


def add_real_scales(p: argparse.ArgumentParser) -> None:
    p.add_argument("--real-scales", choices=("dyadic", "float"), default="dyadic",
                   help="a model scale that is not a power of two is deployed as a dyadic M0*2^-n (default) or "
                        "rescaled in floating point")


def load_model(args: argparse.Namespace, flag: str = "--model") -> ImportedModel:
    """The model named by ``flag`` (``--model``, or an ``.onnx`` ``--workload``)."""
    from hwcost.cli._flags import under_flags
    from hwcost.workloads.imports import import_model

    source = args.model if flag == "--model" else args.workload
    with under_flags({"model": flag, "input_shape": "--input-shape", "real_scale": "--real-scales", "": flag}):
        return import_model(source, input_shape=args.input_shape, real_scale=getattr(args, "real_scales", "dyadic"))


def _refuse_precision_flags(args: argparse.Namespace) -> None:
    from hwcost.errors import HwcostError

    typed = [flag for flag, value in (("--bits", args.bits), ("--weight-bits", args.weight_bits),
                                      ("--act-bits", args.act_bits), ("--scheme-file", args.scheme_file)) if value is not None]
    if args.scheme is not None and not isinstance(args.scheme, SchemeDefault):
        typed.insert(0, "--scheme")
    if typed:
        raise HwcostError.single(f"the model's quantizers set each layer's precision: drop {', '.join(typed)} (to price "
                                 "its layers at another precision, name it with --workload)", key=typed[0])


def model_point(args: argparse.Namespace, scheme: Any, arch: Any) -> Any:
    """The design point of ``--model``: the model's own scheme when it is quantized (the flags
    that would override it refused), else ``scheme`` at the bits given; of an ``.onnx``
    ``--workload`` with ``--input-shape``: its layer shapes at ``scheme`` and the bits given."""
    from hwcost.cli._flags import bits_flags, realisation_flags, under_flags
    from hwcost.errors import HwcostError
    from hwcost.evaluate import design_point

    workload = getattr(args, "workload", None)
    if args.model is None:  # --input-shape: the layer shapes of an .onnx --workload
        if workload is None or not str(workload).lower().endswith(".onnx"):
            raise HwcostError.single("sizes the input of an ONNX model: give --model FILE (or --workload FILE.onnx)",
                                     key="--input-shape")
    elif workload is not None or getattr(args, "peak", False):
        flag = "--workload" if workload is not None else "--peak"
        raise HwcostError.single(f"--model names the network: drop {flag}", key="--model")
    model = load_model(args, "--model" if args.model is not None else "--workload")
    node_flag = "--techlib" if args.techlib else "--node"
    flags = {**bits_flags(args.weight_bits, args.act_bits), **realisation_flags(args.zero_point, args.scale_at),
             "scheme": "--scheme", "": node_flag}
    if model.quantized and args.model is not None:
        _refuse_precision_flags(args)
        scheme, bits, weight_bits, act_bits = model.scheme(), None, None, None
        flags = {**realisation_flags(args.zero_point, args.scale_at), "": node_flag}
    else:
        bits, weight_bits, act_bits = args.bits, args.weight_bits, args.act_bits
    with under_flags(flags):
        return design_point(scheme, bits, weight_bits=weight_bits, act_bits=act_bits, arch=arch, node=args.node,
                            techlib=args.techlib, workload=model, zero_point=args.zero_point, scale_at=args.scale_at)


def _bits(model: ImportedModel, index: int) -> str:
    q = model.quant[index]
    w = "fp32" if q.weights is None else str(q.weights.bits)
    a = "fp32" if q.activations is None else str(q.activations.bits)
    return f"W{w}/A{a}"


def layer_columns(model: ImportedModel, names: tuple[str, ...] | list[str]) -> tuple[list[str], list[list[str]]]:
    """Extra columns of the by-layer table: each layer's bits and the presets its grids match."""
    rows = {r["layer"]: r for r in model.precision_rows()}
    index = {layer.name: i for i, layer in enumerate(model.compute_layers)}
    out = []
    for name in names:
        row = rows.get(name)
        out.append(["-", "-"] if row is None else [_bits(model, index[name]), _presets(row["presets"])])
    return ["bits", "preset"], out


def _presets(names: list[str]) -> str:
    return ", ".join(names) if names else "none"


def summary_line(model: ImportedModel, scheme: QuantScheme | None) -> str:
    """``model my.onnx (qonnx): 7 compute layers; body W4/A4 ..., first/last 8 bits``."""
    head = f"model {model.file or model.name} ({model.origin}): {len(model.compute_layers)} compute layers"
    if scheme is None:
        return f"{head}, no quantizers"
    edge = "fp32" if scheme.first_last_bits is None else f"W{scheme.first_last_bits}/A{scheme.first_last_bits}"
    rows = model.precision_rows()
    follows = [r for r, layer in zip(rows, model.compute_layers) if layer.precision is None]
    body = [r for r in follows if not r["edge"]] or follows or rows
    own = [(r["layer"], f"W{r['weight_bits']}/A{r['act_bits']}") for r, layer in zip(rows, model.compute_layers)
           if layer.precision is not None]
    line = (f"{head}; body W{scheme.weights.bits}/A{scheme.activations.bits} ({body[0]['precision']}; presets: "
            f"{_presets(body[0]['presets'])}), first/last {edge}")
    if own:
        shown = ", ".join(f"{name} {bits}" for name, bits in own[:8]) + (f", ... ({len(own)} layers)" if len(own) > 8 else "")
        line += f"; at their own precision: {shown}"
    return line


def precision_table(model: ImportedModel) -> str:
    """Every compute layer with its shape, MACs, precision and the presets it matches."""
    rows = []
    for r, layer in zip(model.precision_rows(), model.compute_layers):
        shape = f"{layer.in_channels}->{layer.out_channels}"
        if layer.kind.value != "fc":
            shape += f" k{'x'.join(map(str, layer.kernel_hw))} s{layer.stride_hw[0]} @{'x'.join(map(str, layer.input_hw))}"
        rows.append([r["layer"], r["kind"] + (" *" if r["edge"] else ""), shape, f"{r['macs']:,}", r["precision"],
                     _presets(r["presets"])])
    table = format_table(["layer", "kind", "shape", "MACs", "precision", "presets"], rows, align="lllrll")
    return table + "\n(* first/last layer)"


def model_summary(args: argparse.Namespace, point: Any) -> str:
    """The ``--model`` line under the evaluate table ("" without a model)."""
    model = point.workload if getattr(args, "model", None) is not None else None
    if model is None:
        return ""
    return "\n\n" + summary_line(model, point.scheme if model.quantized else None)


def model_columns(args: argparse.Namespace, point: Any, report: Any) -> tuple[list[str], list[list[str]]] | None:
    """The by-layer table's extra columns with ``--model`` (None without a model)."""
    if getattr(args, "model", None) is None:
        return None
    return layer_columns(point.workload, [layer.name for layer in report.layers])


def explain_model(args: argparse.Namespace, realise: Any, table: Any) -> int:
    """``hwcost explain --model FILE``: every layer's precision, then the datapath of the body, of
    the first/last layers and of each class of layers at their own precision, sized for the
    largest reduction length each runs (as the engine sizes them); ``realise`` applies --zero-point / --scale-at, ``table`` prints a datapath."""
    from hwcost.classify import classify
    from hwcost.cli._flags import realisation_flags, under_flags
    from hwcost.cli._output import to_json
    from hwcost.errors import HwcostError

    model = load_model(args)
    _refuse_precision_flags(args)
    with under_flags({"layers": "--model"}):
        scheme = model.scheme()
    with under_flags({**realisation_flags(args.zero_point, args.scale_at), "reduction_length": "--reduction-length"}):
        scheme = realise(scheme, args)
        edge = [layer.is_first or layer.is_last for layer in model.compute_layers]
        lengths = [layer.reduction_length for layer in model.compute_layers]
        body_n = max((n for n, e in zip(lengths, edge) if not e), default=max(lengths))
        edge_n = max((n for n, e in zip(lengths, edge) if e), default=max(lengths))
        if args.reduction_length is not None:
            body_n = edge_n = args.reduction_length
        if body_n < 1:
            raise HwcostError.single(f"expected an integer >= 1, got {body_n}", key="--reduction-length")
        body, first_last = classify(scheme, body_n), classify(scheme, edge_n, edge_layer=True)
        own = _own_classes(model, scheme, args.reduction_length)
    if args.format == "json":
        print(to_json({"model": model.file, "layers": model.precision_rows(), "body": body.to_dict(),
                       "first_last": first_last.to_dict(),
                       "classes": [{"layers": names, **dp.to_dict()} for names, dp in own]}))
        return 0
    lines = [summary_line(model, scheme), "", precision_table(model), "", "body layers:", table(body), "",
             "first/last layers:", table(first_last)]
    for names, dp in own:
        lines += ["", f"layers at their own precision ({', '.join(names)}):", table(dp)]
    print("\n".join(lines))
    return 0


def _own_classes(model: ImportedModel, scheme: QuantScheme, reduction_length: int | None) -> list[tuple[list[str], Any]]:
    """Each precision class of layers with their own quantizers: its layers and its datapath,
    sized for the class's longest reduction (as the engine sizes it)."""
    from hwcost.classify import classify

    classes: dict[Any, list[Any]] = {}
    for layer in model.compute_layers:
        if layer.precision is not None:
            classes.setdefault(layer.precision, []).append(layer)
    return [([l.name for l in layers], classify(p.resolve(scheme), reduction_length or max(l.reduction_length for l in layers)))
            for p, layers in classes.items()]


def model_fields(args: argparse.Namespace, point: Any) -> dict[str, Any]:
    """The JSON output's ``model`` entry with ``--model``: the file, its format and each compute
    layer's precision and matching presets ({} without a model)."""
    if getattr(args, "model", None) is None:
        return {}
    model = point.workload
    return {"model": {"file": model.file, "origin": model.origin, "quantized": model.quantized, "bn": model.bn.value,
                      "layers": model.precision_rows()}}
