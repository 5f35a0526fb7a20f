"""Reading an ONNX graph (plain, QONNX or QDQ) into an :class:`ImportedModel`.

Shapes come from ONNX shape inference (``onnx.shape_inference.infer_shapes``, strict, with data
propagation) on a copy of the graph whose QONNX quantizers are replaced by ``Identity`` (they keep
their input's shape; the ONNX inferencer does not know them). The graph's one input gets batch 1;
a dimension left symbolic (``N``, ``height``) needs ``input_shape``. Operators, in graph order:

| ONNX operator | workload layer |
|---|---|
| ``Conv`` (groups, depthwise, stride, dilation, pads, ``auto_pad``) | ``conv`` / ``depthwise`` (groups = C_in > 1) |
| ``Gemm``, ``MatMul`` by a constant | ``fc``; over M > 1 rows (a sequence) a 1x1 ``conv`` on M x 1 pixels |
| ``MaxPool``, ``AveragePool``, ``GlobalMaxPool``, ``GlobalAveragePool``, spatial ``ReduceMean`` | ``pool`` |
| ``Add`` / ``Sum`` of two activations | ``add`` (an operand that is a constant is a bias: folded) |
| ``BatchNormalization`` | none; a BN left in the graph makes the scheme's ``bn`` ``unfused`` |
| ``Relu``, ``Clip``, reshaping, ``Concat``, ``Pad``, ``Softmax``, ``Mul``/``Div``/``Sub`` by a constant, quantizers | none (no MACs) |

Any other operator is refused, every one listed by op type and node name. Padding is read as the
symmetric padding with the output size inference gives (:mod:`.geometry`), so MACs are exact.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from hwcost.errors import HwcostError, Problem
from hwcost.schemes.scheme import BNHandling, ScaleType
from hwcost.workloads.imports.geometry import symmetric_padding
from hwcost.workloads.imports.model import ImportedModel, LayerEntry, build_model
from hwcost.workloads.imports.onnx_quant import GRID_KEEPING, QONNX_OPS, Graph, _is_qonnx, tensor_quant
from hwcost.workloads.imports.precision import FLOAT, LayerQuant
from hwcost.workloads.layer import LayerKind, PoolOp

__all__ = ["read_onnx", "SUPPORTED_OPS"]

_COMPUTE = frozenset({"Conv", "Gemm", "MatMul"})
_POOLS = frozenset({"MaxPool", "AveragePool", "GlobalMaxPool", "GlobalAveragePool", "ReduceMean"})
_ADDS = frozenset({"Add", "Sum"})
_BY_CONSTANT = frozenset({"Mul", "Div", "Sub"})
_FREE = GRID_KEEPING | {"BatchNormalization", "Concat", "Softmax", "LogSoftmax", "Constant", "ConstantOfShape", "Shape",
                        "Gather", "QuantizeLinear", "DequantizeLinear"}
SUPPORTED_OPS = _COMPUTE | _POOLS | _ADDS | _BY_CONSTANT | _FREE
"""Standard operators the reader knows (QONNX quantizers besides)."""

Dims = tuple[int | None, ...]


def _require_onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise HwcostError.single("reading ONNX models needs the onnx package: pip install 'hwcost[onnx]'",
                                 key="model") from None
    return onnx


def _label(index: int, node: Any) -> str:
    if node.name:
        return f"node '{node.name}' ({node.op_type})"
    out = node.output[0] if node.output else ""
    return f"node #{index} ({node.op_type}, output '{out}')"


def _load(onnx: Any, path: Path) -> Any:
    if not path.is_file():
        raise HwcostError.single("model file not found" if not path.exists() else "expected a model file",
                                 file=path, key="model")
    try:
        return onnx.load(str(path))
    except Exception as exc:  # noqa: BLE001 - protobuf's DecodeError and friends: a corrupt file
        raise HwcostError.single(f"not a readable ONNX model ({exc.__class__.__name__}: {str(exc)[:200]})",
                                 file=path, key="model") from None


def read_onnx(path: str | Path, input_shape: tuple[int, ...] | None = None,
              real_scale: ScaleType = ScaleType.DYADIC) -> ImportedModel:
    """The model in the ONNX file ``path``; ``input_shape`` (C, H, W) sets the input's size when
    the graph leaves it symbolic (the batch is always 1); ``real_scale`` is the scale type of a
    quantizer whose scales are not powers of two."""
    onnx = _require_onnx()
    path = Path(path)
    file = str(path)
    model = _load(onnx, path)
    graph = model.graph
    initialisers = {t.name for t in graph.initializer}
    inputs = [i for i in graph.input if i.name not in initialisers]
    if len(inputs) != 1:
        names = ", ".join(i.name for i in inputs) or "none"
        raise HwcostError.single(f"hwcost imports networks with one input; this graph has {len(inputs)} ({names})",
                                 file=file, key="graph.input")
    _check_operators(graph, file)
    dims = _input_dims(inputs[0], input_shape, file)
    shapes, elem = _infer(onnx, model, inputs[0].name, dims, file)
    constants = _constants(onnx, graph)
    labels = {i: _label(i, n) for i, n in enumerate(graph.node)}
    producer = {out: (i, n) for i, n in enumerate(graph.node) for out in n.output}
    g = Graph(producer, constants, elem, file, labels, ScaleType(real_scale))
    static = _static_tensors(graph, initialisers)
    entries: list[LayerEntry] = []
    unfused_bn = False
    for i, node in enumerate(graph.node):
        if all(t in static for t in node.input if t) and node.op_type not in _COMPUTE:
            continue  # computed from constants only: a weight's quantizer, a shape
        unfused_bn |= node.op_type == "BatchNormalization"
        entry = _entry(g, i, node, shapes, static)
        if entry is not None:
            entries.append(entry)
    origin = _origin(graph)
    return build_model(
        path.stem,
        f"imported from {path.name} ({origin}, opset {_opset(model)}) by hwcost.import_model",
        _workload_input(dims),
        entries,
        bn=BNHandling.UNFUSED if unfused_bn else BNHandling.FOLDED,
        origin=origin,
        file=file,
    )


def _opset(model: Any) -> int:
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)


def _origin(graph: Any) -> str:
    if any(_is_qonnx(n) for n in graph.node):
        return "qonnx"
    if any(n.op_type == "DequantizeLinear" for n in graph.node):
        return "qdq"
    return "onnx"


def _check_operators(graph: Any, file: str) -> None:
    problems = []
    for i, node in enumerate(graph.node):
        known = _is_qonnx(node) or (node.domain in ("", "ai.onnx") and node.op_type in SUPPORTED_OPS)
        if not known:
            domain = f" (domain {node.domain})" if node.domain not in ("", "ai.onnx") else ""
            problems.append(Problem(f"unsupported operator {node.op_type}{domain}: {_label(i, node)}", file, "nodes"))
    if problems:
        supported = ", ".join(sorted(SUPPORTED_OPS | QONNX_OPS))
        last = problems[-1]
        problems[-1] = Problem(f"{last.message}; hwcost reads {supported}", file, "nodes")
        raise HwcostError(problems)


def _input_dims(value_info: Any, input_shape: tuple[int, ...] | None, file: str) -> tuple[int, ...]:
    tensor = value_info.type.tensor_type
    dims = [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None for d in tensor.shape.dim]
    shown = "[" + ", ".join("?" if d is None else str(d) for d in dims) + "]"
    if input_shape is not None:
        given = tuple(int(v) for v in input_shape)
        if len(dims) and len(given) != len(dims) - 1:
            raise HwcostError.single(f"input '{value_info.name}' has {len(dims)} dimensions {shown} (batch first): "
                                     f"give the {len(dims) - 1} after the batch, got {len(given)}",
                                     file=file, key="input_shape")
        if min(given, default=0) < 1:
            raise HwcostError.single(f"expected sizes >= 1, got {given}", key="input_shape")
        return (1, *given)
    if len(dims) < 2 or any(d is None for d in dims[1:]):
        example = ",".join(str(d) if d else "224" for d in dims[1:]) or "3,224,224"
        raise HwcostError.single(
            f"input '{value_info.name}' has dynamic or unknown dimensions {shown}: give its shape after the batch, "
            f"e.g. --input-shape {example} (input_shape= in Python)", file=file, key="input_shape")
    return (1, *(int(d) for d in dims[1:]))


def _workload_input(dims: tuple[int, ...]) -> tuple[int, int, int]:
    rest = list(dims[1:]) + [1, 1, 1]
    if len(dims) == 2:
        return (rest[0], 1, 1)
    return (rest[0], rest[1], rest[2] if len(dims) >= 4 else 1)


def _infer(onnx: Any, model: Any, input_name: str, dims: tuple[int, ...], file: str) -> tuple[dict[str, Dims], dict[str, int]]:
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    for node in copy.graph.node:
        if _is_qonnx(node):  # shape-preserving; unknown to the ONNX inferencer
            keep = node.input[0]
            node.op_type, node.domain = "Identity", ""
            del node.input[:]
            node.input.append(keep)
            del node.attribute[:]
    for value in copy.graph.input:
        if value.name == input_name:
            shape = value.type.tensor_type.shape
            del shape.dim[:]
            for d in dims:
                shape.dim.add().dim_value = d
    del copy.graph.value_info[:]
    try:
        inferred = onnx.shape_inference.infer_shapes(copy, check_type=True, strict_mode=True, data_prop=True)
    except Exception as exc:  # noqa: BLE001 - InferenceError / ValidationError: the graph is inconsistent
        raise HwcostError.single(f"ONNX shape inference failed: {str(exc).strip()[:400]}", file=file, key="model") from None
    shapes: dict[str, Dims] = {}
    elem: dict[str, int] = {}
    g = inferred.graph
    for value in [*g.input, *g.value_info, *g.output]:
        t = value.type.tensor_type
        elem[value.name] = t.elem_type
        if t.HasField("shape"):
            shapes[value.name] = tuple(d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None
                                       for d in t.shape.dim)
    for init in g.initializer:
        shapes[init.name] = tuple(int(d) for d in init.dims)
        elem[init.name] = init.data_type
    return shapes, elem


def _constants(onnx: Any, graph: Any) -> dict[str, np.ndarray]:
    from onnx import numpy_helper

    out = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant" and node.output:
            for a in node.attribute:
                if a.name == "value":
                    out[node.output[0]] = numpy_helper.to_array(a.t)
                elif a.name in ("value_float", "value_int"):
                    out[node.output[0]] = np.asarray(a.f if a.name == "value_float" else a.i)
                elif a.name in ("value_floats", "value_ints"):
                    out[node.output[0]] = np.asarray(list(a.floats if a.name == "value_floats" else a.ints))
    return out


def _static_tensors(graph: Any, initialisers: set[str]) -> set[str]:
    """Tensors that do not depend on the input's values: initializers, constants, what is computed
    from them only (a quantized weight), and shapes."""
    static = set(initialisers)
    for node in graph.node:
        if node.op_type in ("Constant", "Shape") or (node.input and all(t in static for t in node.input if t)):
            static.update(node.output)
    return static


def _attrs(node: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for a in node.attribute:
        out[a.name] = list(a.ints) if a.ints else (a.i if a.type == 2 else (a.s.decode() if a.type == 3 else a.f))
    return out


def _shape(g: Graph, shapes: Mapping[str, Dims], index: int, tensor: str, what: str) -> tuple[int, ...]:
    dims = shapes.get(tensor)
    if dims is None or any(d is None for d in dims):
        raise g.error(index, f"shape inference left its {what} '{tensor}' without a static shape")
    return tuple(int(d) for d in dims)  # type: ignore[arg-type]


def _channels_hw(g: Graph, index: int, dims: tuple[int, ...], what: str) -> tuple[int, tuple[int, int]]:
    """(C, (H, W)) of an activation [1, C, H, W], [1, C, L] or [1, C]."""
    if len(dims) not in (2, 3, 4) or dims[0] != 1:
        raise g.error(index, f"its {what} has shape {list(dims)}; hwcost reads [1, C], [1, C, L] or [1, C, H, W]")
    spatial = list(dims[2:]) + [1, 1]
    return dims[1], (spatial[0], spatial[1])


def _entry(g: Graph, index: int, node: Any, shapes: Mapping[str, Dims], static: set[str]) -> LayerEntry | None:
    op = node.op_type
    if op == "Conv":
        return _conv(g, index, node, shapes, static)
    if op in ("Gemm", "MatMul"):
        return _matmul(g, index, node, shapes, static)
    if op in _POOLS:
        return _pool(g, index, node, shapes)
    if op in _ADDS:
        return _add(g, index, node, shapes, static)
    if op in _BY_CONSTANT and not any(t in static for t in node.input):
        raise g.error(index, f"{op} of two activations (an element-wise product) is not a layer hwcost prices; "
                             "a product by a constant is folded")
    return None


def _name(index: int, node: Any) -> str:
    return node.name or f"{node.op_type.lower()}_{index}"


def _quant(g: Graph, data: str, weights: str | None, channels: int) -> LayerQuant:
    w, w_src = tensor_quant(g, weights, channels, "weights") if weights else (None, "")
    a, a_src = tensor_quant(g, data, None, "activations")
    if w is None and a is None:
        return FLOAT
    return LayerQuant(w, a, "; ".join(s for s in (w_src, a_src) if s))


def _window(g: Graph, index: int, size: tuple[int, int], kernel: tuple[int, int], stride: tuple[int, int],
            out: tuple[int, int], pads: list[int], dilation: tuple[int, int]) -> tuple[int, int]:
    padding = []
    for axis in range(2):
        k_eff = dilation[axis] * (kernel[axis] - 1) + 1
        begin, end = (pads[axis], pads[axis + 2]) if len(pads) == 4 else ((pads[0], pads[1]) if axis == 0 and pads else (0, 0))
        preferred = (begin + end) / 2 - (k_eff - kernel[axis]) / 2
        p = symmetric_padding(size[axis], kernel[axis], stride[axis], out[axis], preferred)
        if p is None:
            raise g.error(index, f"its output size {out[axis]} along axis {axis} has no symmetric padding for a "
                                 f"{kernel[axis]}-wide kernel at stride {stride[axis]} on {size[axis]} "
                                 "(a dilated kernel with too little padding?)")
        padding.append(p)
    return (padding[0], padding[1])


def _pair(values: list[int] | None, default: int, rank: int) -> tuple[int, int]:
    values = list(values) if values else [default] * rank
    return (values[0], values[1] if len(values) > 1 else 1)


def _conv(g: Graph, index: int, node: Any, shapes: Mapping[str, Dims], static: set[str]) -> LayerEntry:
    x, w = node.input[0], node.input[1]
    if w not in static:
        raise g.error(index, "its weights are computed at run time; hwcost reads convolutions by constant weights")
    xs, ws = _shape(g, shapes, index, x, "input"), _shape(g, shapes, index, w, "weights")
    ys = _shape(g, shapes, index, node.output[0], "output")
    if len(xs) not in (3, 4):
        raise g.error(index, f"a {len(xs) - 2}-D convolution; hwcost reads 1-D and 2-D convolutions")
    a = _attrs(node)
    rank = len(xs) - 2
    channels, hw = _channels_hw(g, index, xs, "input")
    _, out_hw = _channels_hw(g, index, ys, "output")
    groups = int(a.get("group", 1))
    kernel = _pair(ws[2:], 1, rank)
    stride = _pair(a.get("strides"), 1, rank)
    dilation = _pair(a.get("dilations"), 1, rank)
    padding = _window(g, index, hw, kernel, stride, out_hw, list(a.get("pads", [])), dilation)
    kind = LayerKind.DEPTHWISE if groups == channels and groups > 1 else LayerKind.CONV
    fields = dict(name=_name(index, node), kind=kind, in_channels=channels, out_channels=ws[0], input_hw=hw,
                  kernel_hw=kernel, stride_hw=stride, padding_hw=padding, groups=groups)
    return LayerEntry(fields, g.labels[index], _quant(g, x, w, ws[0]))


def _matmul(g: Graph, index: int, node: Any, shapes: Mapping[str, Dims], static: set[str]) -> LayerEntry:
    a, b = node.input[0], node.input[1]
    if b not in static:
        raise g.error(index, "a product of two activations (attention) is not a layer hwcost prices; it reads "
                             f"{node.op_type} by constant weights")
    xs = _shape(g, shapes, index, a, "input")
    ys = _shape(g, shapes, index, node.output[0], "output")
    attrs = _attrs(node)
    if node.op_type == "Gemm" and attrs.get("transA", 0):
        xs = tuple(reversed(xs))
    features, outputs = xs[-1], ys[-1]
    rows = math.prod(xs[:-1])
    name = _name(index, node)
    if rows == 1:
        fields: dict[str, Any] = dict(name=name, kind=LayerKind.FC, in_channels=features, out_channels=outputs)
    else:  # the same weights on every row of a sequence: a 1x1 convolution over rows x 1 pixels
        fields = dict(name=name, kind=LayerKind.CONV, in_channels=features, out_channels=outputs, input_hw=(rows, 1))
    return LayerEntry(fields, g.labels[index], _quant(g, a, b, outputs))


def _pool(g: Graph, index: int, node: Any, shapes: Mapping[str, Dims]) -> LayerEntry:
    x = node.input[0]
    xs = _shape(g, shapes, index, x, "input")
    ys = _shape(g, shapes, index, node.output[0], "output")
    channels, hw = _channels_hw(g, index, xs, "input")
    op = PoolOp.MAX if "Max" in node.op_type else PoolOp.AVG
    a = _attrs(node)
    if node.op_type == "ReduceMean":
        axes = a.get("axes") or (g.constants[node.input[1]].tolist() if len(node.input) > 1 and node.input[1] in g.constants else None)
        spatial = set(range(2, len(xs)))
        if axes is None or {ax % len(xs) for ax in axes} != spatial or not spatial:
            raise g.error(index, f"a mean over axes {axes} of a {list(xs)} tensor; hwcost reads a mean over the "
                                 "spatial axes (global average pooling)")
    if node.op_type in ("GlobalMaxPool", "GlobalAveragePool", "ReduceMean"):
        kernel, stride, padding = hw, hw, (0, 0)
    else:
        rank = len(xs) - 2
        kernel = _pair(a.get("kernel_shape"), 1, rank)
        stride = _pair(a.get("strides"), 1, rank)
        _, out_hw = _channels_hw(g, index, ys, "output")
        padding = _window(g, index, hw, kernel, stride, out_hw, list(a.get("pads", [])), _pair(a.get("dilations"), 1, rank))
    fields = dict(name=_name(index, node), kind=LayerKind.POOL, in_channels=channels, out_channels=channels,
                  input_hw=hw, kernel_hw=kernel, stride_hw=stride, padding_hw=padding, pool_op=op)
    return LayerEntry(fields, g.labels[index])


def _add(g: Graph, index: int, node: Any, shapes: Mapping[str, Dims], static: set[str]) -> LayerEntry | None:
    operands = [t for t in node.input if t]
    if any(t in static for t in operands):
        return None  # a bias or an offset: folded into the layer before
    if len(operands) != 2:
        raise g.error(index, f"a sum of {len(operands)} activations; hwcost reads residual additions of two")
    first, second = (_shape(g, shapes, index, t, "input") for t in operands)
    if first != second:
        raise g.error(index, f"adds activations of shapes {list(first)} and {list(second)}; hwcost reads residual "
                             "additions of equal shapes")
    channels, hw = _channels_hw(g, index, first, "input")
    fields = dict(name=_name(index, node), kind=LayerKind.ADD, in_channels=channels, out_channels=channels, input_hw=hw)
    return LayerEntry(fields, g.labels[index])
