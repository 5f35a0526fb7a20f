"""Reading a torch ``nn.Module`` into an :class:`ImportedModel`, by ``torch.fx`` tracing.

The module is traced symbolically (``torch.fx.Tracer``) with convolutions, linear layers, pooling,
batch norm and quantized layers kept whole, then run once on the example input to record every
tensor's shape. Graph nodes, in order:

| torch | workload layer |
|---|---|
| ``nn.Conv1d`` / ``nn.Conv2d`` (groups, depthwise, stride, dilation, padding) | ``conv`` / ``depthwise`` |
| ``nn.Linear`` | ``fc`` (over M > 1 rows: a 1x1 ``conv`` on M x 1 pixels) |
| ``nn.MaxPool2d``, ``nn.AvgPool2d``, ``nn.AdaptiveAvg/MaxPool2d``, ``F.max_pool2d``, ``F.avg_pool2d``, ``x.mean((2, 3))`` | ``pool`` |
| ``a + b``, ``torch.add`` of two activations | ``add`` |
| a quantized layer of the hwcost torch backend (``QLayer``) | ``conv`` / ``fc`` with its quantizers' bits and grids |
| Brevitas ``QuantConv1d`` / ``QuantConv2d`` / ``QuantLinear`` | ``conv`` / ``depthwise`` / ``fc`` with its quantizers (:mod:`.brevitas_module`) |
| Brevitas ``QuantReLU``, ``QuantIdentity``, ``QuantHardTanh`` | none (their quantizers are the next layer's input grid) |
| ReLU, clamping, reshaping, dropout, batch norm, softmax, ``torch.cat`` | none (no MACs) |

Any other module or function is refused, each listed with the node. A quantized layer is read by
its attributes (``conv``, ``in_channels``, ``weight``, ``w_quant.config``, ``a_quant.config``,
``quantized``, ``bn``, ``bn_folded``), so the cost side never imports the accuracy side. A
Brevitas layer is read from its quantizers' public state as its QONNX export would write them
(:mod:`.brevitas_module`). The module runs in eval mode (as Brevitas' export runs it, so that
no runtime statistic moves); each submodule's training flag is restored afterwards.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from typing import Any

from hwcost.errors import HwcostError, Problem
from hwcost.schemes.scheme import BNHandling, Granularity, ScaleType, TensorQuant, ZeroPoint
from hwcost.workloads.imports import brevitas_module as brevitas
from hwcost.workloads.imports.geometry import symmetric_padding
from hwcost.workloads.imports.model import ImportedModel, LayerEntry, build_model
from hwcost.workloads.imports.precision import FLOAT, LayerQuant
from hwcost.workloads.layer import LayerKind, PoolOp

__all__ = ["read_module"]

_FREE_MODULES = ("ReLU", "ReLU6", "Hardtanh", "Dropout", "Dropout2d", "Flatten", "Identity", "Softmax", "LogSoftmax",
                 "BatchNorm1d", "BatchNorm2d")
_FREE_METHODS = frozenset({"relu", "relu_", "clamp", "clamp_", "view", "reshape", "flatten", "contiguous", "permute",
                           "transpose", "squeeze", "unsqueeze", "size", "dim", "to", "float", "detach", "softmax"})
_ADD_METHODS = frozenset({"add", "add_", "__add__", "__iadd__"})


def _require_torch() -> Any:
    try:
        import torch
        import torch.fx  # noqa: F401
    except ImportError:
        raise HwcostError.single("reading torch modules needs torch: pip install 'hwcost[torch]'", key="model") from None
    return torch


def _is_qlayer(module: Any) -> bool:
    """A quantizable layer of the hwcost torch backend (duck-typed: the cost side does not import it)."""
    return all(hasattr(module, a) for a in ("w_quant", "a_quant", "conv", "in_channels", "weight", "quantized"))


def _free_functions(torch: Any) -> set[Any]:
    f = torch.nn.functional
    return {f.relu, f.relu6, f.hardtanh, f.dropout, f.softmax, f.log_softmax, torch.relu, torch.flatten, torch.cat,
            torch.clamp, torch.reshape, torch.squeeze, torch.unsqueeze, operator.getitem, getattr, torch.transpose,
            f.batch_norm}


def read_module(module: Any, *, input_shape: tuple[int, ...] | None = None, example_input: Any = None,
                real_scale: ScaleType = ScaleType.DYADIC) -> ImportedModel:
    """The workload of ``module`` on ``example_input`` (a tensor or a tuple of forward arguments),
    or on zeros of shape (1, *input_shape). ``real_scale``: the type of a Brevitas scale that is
    not a power of two (as for a QONNX file)."""
    torch = _require_torch()
    if not isinstance(module, torch.nn.Module):
        raise HwcostError.single(f"expected an ONNX file or a torch nn.Module, got {type(module).__name__}", key="model")
    if example_input is None:
        if input_shape is None:
            raise HwcostError.single("a torch module needs example_input= (or input_shape=) to trace its shapes",
                                     key="input_shape")
        example_input = torch.zeros(1, *input_shape)
    args = example_input if isinstance(example_input, tuple) else (example_input,)
    gm, shapes = _trace(torch, module, args)
    label = type(module).__name__
    entries, problems, unfused = [], [], False
    modules = dict(gm.named_modules())
    free_functions = _free_functions(torch)
    context = _Context(modules, brevitas.grid_functions(torch), real_scale)
    for node in gm.graph.nodes:
        where = f"{label} node '{node.name}'"
        try:
            if node.op == "call_module":
                sub = modules[node.target]
                unfused |= type(sub).__name__.startswith("BatchNorm") or (
                    _is_qlayer(sub) and sub.bn is not None and not sub.bn_folded)
                entry = _module_entry(torch, node, sub, shapes, where, context)
            elif node.op in ("call_function", "call_method"):
                entry = _function_entry(torch, node, shapes, where, free_functions)
            else:
                entry = None
        except (_Unsupported, brevitas.NotReadable) as exc:
            problems.append(Problem(f"{where}: {exc}", None, "model"))
            continue
        if entry is not None:
            entries.append(entry)
    if problems:
        raise HwcostError(problems)
    first = args[0]
    dims = tuple(first.shape[1:]) + (1, 1)
    return build_model(label, f"traced from the torch module {label} by hwcost.import_model", (dims[0], dims[1], dims[2]),
                       entries, bn=BNHandling.UNFUSED if unfused else BNHandling.FOLDED, origin="torch", file=None)


class _Unsupported(Exception):
    """A node the reader cannot turn into a layer (collected, then raised as one HwcostError)."""


@dataclass(frozen=True)
class _Context:
    """What reading a Brevitas layer's quantizers needs beyond the node: the traced modules, the
    torch functions that keep a tensor on its grid, the type of a real-valued scale."""

    modules: dict[str, Any]
    grid_functions: frozenset[Any]
    real_scale: ScaleType


def _trace(torch: Any, module: Any, args: tuple[Any, ...]) -> tuple[Any, dict[str, tuple[int, ...]]]:
    fx = torch.fx

    class Tracer(fx.Tracer):
        def is_leaf_module(self, m: Any, qualname: str) -> bool:
            return _is_qlayer(m) or brevitas.is_brevitas(m) or super().is_leaf_module(m, qualname)

    try:
        graph = Tracer().trace(module)
        gm = fx.GraphModule(module, graph)
    except Exception as exc:  # noqa: BLE001 - fx's TraceError and whatever the module's forward raises
        raise HwcostError.single(f"torch.fx cannot trace {type(module).__name__} ({exc.__class__.__name__}: "
                                 f"{str(exc)[:300]}); export it to ONNX and import the file", key="model") from None
    shapes: dict[str, tuple[int, ...]] = {}

    class Recorder(fx.Interpreter):
        def run_node(self, n: Any) -> Any:
            result = super().run_node(n)
            value = getattr(result, "value", result)  # a Brevitas QuantTensor carries its tensor as .value
            if isinstance(value, torch.Tensor):
                shapes[n.name] = tuple(int(d) for d in value.shape)
            return result

    training = {m: m.training for m in module.modules()}
    try:
        module.eval()
        with torch.no_grad():
            Recorder(gm).run(*args)
    except Exception as exc:  # noqa: BLE001 - the forward pass on the example input failed
        raise HwcostError.single(f"running {type(module).__name__} on the example input failed "
                                 f"({exc.__class__.__name__}: {str(exc)[:300]})", key="example_input") from None
    finally:
        for m, flag in training.items():
            m.training = flag
    return gm, shapes


def _shape_of(node: Any, shapes: dict[str, tuple[int, ...]], what: str) -> tuple[int, ...]:
    if not hasattr(node, "name") or node.name not in shapes:
        raise _Unsupported(f"its {what} is not a tensor")
    return shapes[node.name]


def _chw(dims: tuple[int, ...]) -> tuple[int, tuple[int, int]]:
    if len(dims) not in (2, 3, 4) or dims[0] != 1:
        raise _Unsupported(f"a tensor of shape {list(dims)}; hwcost reads [1, C], [1, C, L] or [1, C, H, W]")
    rest = list(dims[2:]) + [1, 1]
    return dims[1], (rest[0], rest[1])


def _two(value: Any) -> tuple[int, int]:
    if isinstance(value, (tuple, list)):
        return (int(value[0]), int(value[1]) if len(value) > 1 else 1)
    return (int(value), int(value))


def _conv_fields(name: str, in_dims: tuple[int, ...], out_dims: tuple[int, ...], out_channels: int, kernel: Any,
                 stride: Any, padding: Any, dilation: Any, groups: int) -> dict[str, Any]:
    channels, hw = _chw(in_dims)
    _, out_hw = _chw(out_dims)
    one_d = len(in_dims) == 3
    k = (int(kernel[0]), 1) if one_d else _two(kernel)
    s = (int(stride[0]), 1) if one_d else _two(stride)
    d = (int(dilation[0]), 1) if one_d else _two(dilation)
    pad = (0, 0) if isinstance(padding, str) else ((int(padding[0]), 0) if one_d else _two(padding))
    solved = []
    for axis in range(2):
        preferred = pad[axis] - (d[axis] - 1) * (k[axis] - 1) / 2
        p = symmetric_padding(hw[axis], k[axis], s[axis], out_hw[axis], preferred)
        if p is None:
            raise _Unsupported(f"its output size {out_hw[axis]} has no symmetric padding for kernel {k[axis]}, "
                               f"stride {s[axis]} on {hw[axis]}")
        solved.append(p)
    kind = LayerKind.DEPTHWISE if groups == channels and groups > 1 else LayerKind.CONV
    return dict(name=name, kind=kind, in_channels=channels, out_channels=out_channels, input_hw=hw, kernel_hw=k,
                stride_hw=s, padding_hw=(solved[0], solved[1]), groups=groups)


def _linear_fields(name: str, in_dims: tuple[int, ...], out_features: int) -> dict[str, Any]:
    rows = math.prod(in_dims[:-1])
    if rows == 1:
        return dict(name=name, kind=LayerKind.FC, in_channels=in_dims[-1], out_channels=out_features)
    return dict(name=name, kind=LayerKind.CONV, in_channels=in_dims[-1], out_channels=out_features, input_hw=(rows, 1))


def _module_entry(torch: Any, node: Any, sub: Any, shapes: dict[str, tuple[int, ...]], where: str,
                  context: _Context) -> LayerEntry | None:
    nn = torch.nn
    name = str(node.target)
    if isinstance(sub, (nn.Conv1d, nn.Conv2d, nn.Linear)):
        x = _shape_of(node.args[0], shapes, "input")
        if isinstance(sub, nn.Linear):
            fields, channels = _linear_fields(name, x, sub.out_features), sub.out_features
        else:
            fields = _conv_fields(name, x, shapes[node.name], sub.out_channels, sub.kernel_size, sub.stride,
                                  sub.padding, sub.dilation, sub.groups)
            channels = sub.out_channels
        if not brevitas.is_brevitas(sub):
            return LayerEntry(fields, where)
        quant = brevitas.layer_quant(node, sub, channels, context.modules, context.grid_functions,
                                     context.real_scale)
        return LayerEntry(fields, where, quant)
    if brevitas.is_act_layer(sub):
        return None  # a quantizer (and an activation): no MACs
    if _is_qlayer(sub):
        return _qlayer_entry(node, sub, shapes, where)
    if isinstance(sub, (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
        op = PoolOp.MAX if "Max" in type(sub).__name__ else PoolOp.AVG
        x = _shape_of(node.args[0], shapes, "input")
        if isinstance(sub, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
            return _adaptive(name, x, shapes[node.name], op, where)
        stride = sub.stride if sub.stride is not None else sub.kernel_size
        return _pool_entry(name, x, shapes[node.name], op, sub.kernel_size, stride, sub.padding, where)
    if type(sub).__name__ in _FREE_MODULES and not brevitas.is_brevitas(sub):
        return None
    raise _Unsupported(f"unsupported module {type(sub).__name__} ('{node.target}')")


def _pool_entry(name: str, x: tuple[int, ...], y: tuple[int, ...], op: PoolOp, kernel: Any, stride: Any, padding: Any,
                where: str) -> LayerEntry:
    channels, hw = _chw(x)
    _, out_hw = _chw(y)
    k, s, p = _two(kernel), _two(stride), _two(padding)
    solved = [symmetric_padding(hw[a], k[a], s[a], out_hw[a], p[a]) for a in range(2)]
    if None in solved:
        raise _Unsupported(f"its output {out_hw} has no symmetric padding for kernel {k}, stride {s} on {hw}")
    return LayerEntry(dict(name=name, kind=LayerKind.POOL, in_channels=channels, out_channels=channels, input_hw=hw,
                           kernel_hw=k, stride_hw=s, padding_hw=(solved[0], solved[1]), pool_op=op), where)


def _adaptive(name: str, x: tuple[int, ...], y: tuple[int, ...], op: PoolOp, where: str) -> LayerEntry:
    _, hw = _chw(x)
    _, out_hw = _chw(y)
    if hw[0] % out_hw[0] or hw[1] % out_hw[1]:
        raise _Unsupported(f"adaptive pooling {hw} -> {out_hw} has windows of unequal sizes")
    k = (hw[0] // out_hw[0], hw[1] // out_hw[1])
    return _pool_entry(name, x, y, op, k, k, 0, where)


def _tensor_quant(config: Any) -> TensorQuant:
    """A quantizer's settings (the torch backend's ``QuantizerConfig``) as a TensorQuant."""
    grid = config.grid
    centred = bool(grid.half)
    signed = centred or grid.lo < 0
    narrow = signed and not centred and grid.lo == -(2 ** (config.bits - 1)) + 1
    offset = getattr(config.offset_source, "value", "none")
    zero_point = {"none": ZeroPoint.NONE, "calibrated": ZeroPoint.STATIC, "learned": ZeroPoint.LEARNED}[offset]
    return TensorQuant(bits=int(config.bits), signed=signed, zero_point=zero_point,
                       scale_type=ScaleType.POT if config.pot else ScaleType.DYADIC,
                       granularity=Granularity(config.granularity.value), group_size=config.group_size,
                       narrow_range=narrow, centred=centred,
                       learned_scale=getattr(config.step_source, "value", "") == "learned")


def _qlayer_entry(node: Any, sub: Any, shapes: dict[str, tuple[int, ...]], where: str) -> LayerEntry:
    x = _shape_of(node.args[0], shapes, "input")
    out = int(sub.weight.shape[0])
    name = str(node.target)
    if sub.conv is None:
        fields = _linear_fields(name, (1, math.prod(x[1:])), out)
    else:
        c = sub.conv
        fields = _conv_fields(name, x, shapes[node.name], out, (c.kernel, c.kernel), (c.stride, c.stride),
                              (c.padding, c.padding), (1, 1), 1)
    quant = FLOAT
    if sub.quantized and (sub.w_quant is not None or sub.a_quant is not None):
        quant = LayerQuant(None if sub.w_quant is None else _tensor_quant(sub.w_quant.config),
                           None if sub.a_quant is None else _tensor_quant(sub.a_quant.config), "QLayer quantizers")
    return LayerEntry(fields, where, quant)


def _function_entry(torch: Any, node: Any, shapes: dict[str, tuple[int, ...]], where: str,
                    free: set[Any]) -> LayerEntry | None:
    f = torch.nn.functional
    target = node.target
    is_add = target in (operator.add, operator.iadd, torch.add) or (node.op == "call_method" and target in _ADD_METHODS)
    if is_add:
        tensors = [a for a in node.args[:2] if hasattr(a, "name") and a.name in shapes]
        if len(tensors) < 2:
            return None  # a bias or a constant offset: folded
        a, b = (shapes[t.name] for t in tensors)
        if a != b:
            raise _Unsupported(f"adds tensors of shapes {list(a)} and {list(b)}; hwcost reads residual additions of equal shapes")
        channels, hw = _chw(a)
        return LayerEntry(dict(name=node.name, kind=LayerKind.ADD, in_channels=channels, out_channels=channels,
                               input_hw=hw), where)
    if target in (f.max_pool2d, f.avg_pool2d):
        x = _shape_of(node.args[0], shapes, "input")
        params = list(node.args[1:]) + [None, None, None]
        kernel = node.kwargs.get("kernel_size", params[0])
        stride = node.kwargs.get("stride", params[1]) or kernel
        padding = node.kwargs.get("padding", params[2] if params[2] is not None else 0)
        op = PoolOp.MAX if target is f.max_pool2d else PoolOp.AVG
        return _pool_entry(node.name, x, shapes[node.name], op, kernel, stride, padding, where)
    if target in (f.adaptive_avg_pool2d, f.adaptive_max_pool2d):
        op = PoolOp.MAX if target is f.adaptive_max_pool2d else PoolOp.AVG
        return _adaptive(node.name, _shape_of(node.args[0], shapes, "input"), shapes[node.name], op, where)
    if target in ("mean", torch.mean):
        x = _shape_of(node.args[0], shapes, "input")
        dims = node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else None)
        dims = (dims,) if isinstance(dims, int) else tuple(dims or ())
        if len(x) != 4 or {d % 4 for d in dims} != {2, 3}:
            raise _Unsupported(f"a mean over {dims} of a {list(x)} tensor; hwcost reads a mean over the spatial axes")
        channels, hw = _chw(x)
        return LayerEntry(dict(name=node.name, kind=LayerKind.POOL, in_channels=channels, out_channels=channels,
                               input_hw=hw, kernel_hw=hw, stride_hw=hw, pool_op=PoolOp.AVG), where)
    if target in free or (node.op == "call_method" and target in _FREE_METHODS):
        return None
    shown = target if isinstance(target, str) else getattr(target, "__name__", repr(target))
    raise _Unsupported(f"unsupported operation {shown}")
