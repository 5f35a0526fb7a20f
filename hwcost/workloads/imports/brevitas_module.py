"""The quantizers of Brevitas layers (``Xilinx/brevitas`` 0.13), read from the modules' public state
exactly as Brevitas' QONNX export writes them, so that a model imported directly and its
``export_qonnx`` file give every layer the same :class:`LayerQuant`.

What the export handlers (``brevitas/export/onnx/qonnx/handler.py``) put in a ``Quant`` node, and
hence what is read here:

| ``Quant`` field | weights (``WeightQuantProxyFromInjector``) | activations (``ActQuantProxyFromInjector``) |
|---|---|---|
| bit width | ``layer.quant_weight().bit_width`` | ``proxy.bit_width()`` |
| signed | ``layer.quant_weight().signed`` | ``proxy.is_signed`` |
| narrow | ``layer.weight_quant.is_narrow_range`` | ``proxy.is_narrow_range`` |
| scale | ``layer.quant_weight().scale`` | ``proxy.scale()`` |
| zero-point | ``layer.quant_weight().zero_point`` | ``proxy.zero_point()`` |

A bit width of 1 is exported as ``BipolarQuant``. The fields become a TensorQuant by the rules of
the QONNX reader (``onnx_quant.py``, ``docs/models.md``): power-of-two scales (Brevitas'
``restrict_scaling_type=RestrictValueType.POWER_OF_TWO``) are ``pot``, any other scale the
``real_scale`` type; one scale is per tensor, one per output channel per channel; a non-zero
zero-point is ``static``; ``narrow`` counts on signed grids only.

A layer's input quantizer is, as the QONNX reader walks the exported graph, the nearest one before
it through operations that keep a tensor on its grid (:data:`GRID_MODULES`, :data:`GRID_FUNCTIONS`,
:data:`GRID_METHODS`; the torch forms of ``onnx_quant.GRID_KEEPING``): the layer's own
``input_quant``, else a ``QuantReLU`` / ``QuantIdentity`` / ``QuantHardTanh`` (its ``act_quant``,
else its ``input_quant``) or a Brevitas layer's ``output_quant``. Brevitas is imported only when a
Brevitas module is read.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hwcost.errors import HwcostError
from hwcost.schemes.scheme import Granularity, ScaleType, TensorQuant, ZeroPoint
from hwcost.workloads.imports.precision import LayerQuant, scale_type_of

__all__ = ["ACT_LAYERS", "GRID_MODULES", "GRID_METHODS", "NotReadable", "grid_functions", "is_act_layer",
           "is_brevitas", "layer_quant", "require_brevitas"]

ACT_LAYERS = frozenset({"QuantReLU", "QuantIdentity", "QuantHardTanh"})
"""Brevitas activation layers read as quantizers (no MACs); other Brevitas modules that are not
convolutions or linear layers are refused."""

# torch operations that export to an ONNX operator of onnx_quant.GRID_KEEPING (Relu, Clip, MaxPool,
# Identity, Dropout, Flatten, Reshape, Squeeze, Unsqueeze, Transpose, Pad, GlobalMaxPool, Cast) or
# to none at all (contiguous, detach).
GRID_MODULES = frozenset({"ReLU", "ReLU6", "Hardtanh", "Identity", "Dropout", "Dropout2d", "Flatten", "MaxPool1d",
                          "MaxPool2d", "AdaptiveMaxPool2d"})
GRID_METHODS = frozenset({"relu", "relu_", "clamp", "clamp_", "view", "reshape", "flatten", "contiguous", "permute",
                          "transpose", "squeeze", "unsqueeze", "to", "float", "detach"})


class NotReadable(Exception):
    """A Brevitas quantizer hwcost cannot read (collected by the torch reader with the node)."""


def require_brevitas() -> Any:
    """The ``brevitas.proxy`` module, or one clear HwcostError naming the extra to install."""
    try:
        import brevitas.proxy
    except ImportError:
        raise HwcostError.single("reading Brevitas modules needs brevitas: pip install 'hwcost[brevitas]'",
                                 key="model") from None
    return brevitas.proxy


def is_brevitas(module: Any) -> bool:
    """A module of the Brevitas package (a quantized layer or a quantizer): traced as a leaf."""
    return type(module).__module__.split(".")[0] == "brevitas"


def is_act_layer(module: Any) -> bool:
    return is_brevitas(module) and type(module).__name__ in ACT_LAYERS


def grid_functions(torch: Any) -> frozenset[Any]:
    """The torch functions of :data:`GRID_METHODS`' kind (see the module docstring)."""
    f = torch.nn.functional
    return frozenset({f.relu, f.relu6, f.hardtanh, f.dropout, f.max_pool2d, f.adaptive_max_pool2d, f.pad, torch.relu,
                      torch.clamp, torch.flatten, torch.reshape, torch.squeeze, torch.unsqueeze, torch.transpose})


def _values(tensor: Any, what: str) -> np.ndarray:
    if tensor is None:
        raise NotReadable(f"its {what} is computed at run time; hwcost reads quantizers whose parameters are fixed "
                          "after calibration")
    return np.asarray(tensor.detach().cpu().double().numpy(), dtype=float).ravel()


def _granularity(scales: np.ndarray, channels: int | None, role: str) -> Granularity:
    if scales.size == 1:
        return Granularity.TENSOR
    if role == "weights" and scales.size == channels:
        return Granularity.CHANNEL
    if role == "weights":
        raise NotReadable(f"{scales.size} weight scales for {channels} output channels: hwcost reads one scale per "
                          "tensor or one per output channel")
    raise NotReadable(f"{scales.size} activation scales: per-channel activation scales break the shared-scale inner "
                      "product (Krishnamoorthi 2018 §2.6); hwcost prices per-tensor activations")


def _tensor_quant(bit_width: Any, signed: Any, narrow: Any, scale: Any, zero_point: Any, channels: int | None,
                  role: str, real: ScaleType) -> TensorQuant:
    """The fields of a QONNX ``Quant`` (or, at one bit, ``BipolarQuant``) node as a TensorQuant."""
    bits_value = _values(bit_width, "bit width")
    if bits_value.size != 1 or bits_value[0] != round(bits_value[0]) or not 1 <= bits_value[0] <= 32:
        raise NotReadable(f"its bit width must be one integer 1..32, got {bits_value.tolist()[:4]}")
    bits = int(bits_value[0])
    scales = _values(scale, "scale")
    if scales.size == 0 or not np.all(np.isfinite(scales)) or np.any(scales <= 0):
        raise NotReadable("its scales must be finite numbers > 0")
    granularity = _granularity(scales, channels, role)
    if bits == 1:  # exported as BipolarQuant: levels +-s
        return TensorQuant(bits=1, signed=True, centred=True, scale_type=scale_type_of(scales, real),
                           granularity=granularity)
    zero = ZeroPoint.STATIC if np.any(_values(zero_point, "zero-point")) else ZeroPoint.NONE
    tq = TensorQuant(bits=bits, signed=bool(signed), narrow_range=bool(narrow) and bool(signed), zero_point=zero,
                     scale_type=scale_type_of(scales, real), granularity=granularity)
    problems = tq.problems(role)
    if problems:
        raise NotReadable("; ".join(f"{p.key}: {p.message}" for p in problems))
    return tq


def _enabled(proxy: Any) -> bool:
    return proxy is not None and bool(getattr(proxy, "is_quant_enabled", False))


def _act_quant(proxy: Any, where: str, real: ScaleType) -> TensorQuant:
    """An activation quantizer's fields, as ``BrevitasActQuantProxyHandler.prepare_for_export``."""
    proxies = require_brevitas()
    if not isinstance(proxy, proxies.ActQuantProxyFromInjector):
        raise NotReadable(f"{where} is a {type(proxy).__name__}; hwcost reads integer quantizers "
                          "(ActQuantProxyFromInjector)")
    if getattr(proxy, "is_groupwise", False):
        raise NotReadable(f"{where} is groupwise; hwcost prices per-tensor activations")
    try:
        return _tensor_quant(proxy.bit_width(), proxy.is_signed, proxy.is_narrow_range, proxy.scale(),
                             proxy.zero_point(), None, "activations", real)
    except NotReadable as exc:
        raise NotReadable(f"{where}: {exc}") from None


def _weight_quant(layer: Any, name: str, channels: int, real: ScaleType) -> TensorQuant | None:
    """A layer's weight quantizer, as ``BrevitasWeightQuantProxyHandler.prepare_for_export``."""
    proxy = getattr(layer, "weight_quant", None)
    if not _enabled(proxy):
        return None
    proxies = require_brevitas()
    if not isinstance(proxy, proxies.WeightQuantProxyFromInjector):
        raise NotReadable(f"{name}.weight_quant is a {type(proxy).__name__}; hwcost reads integer quantizers "
                          "(WeightQuantProxyFromInjector)")
    if getattr(proxy, "is_groupwise", False):
        raise NotReadable(f"{name}.weight_quant is groupwise; hwcost reads one scale per tensor or per output channel")
    qw = layer.quant_weight()
    try:
        return _tensor_quant(qw.bit_width, qw.signed, proxy.is_narrow_range, qw.scale, qw.zero_point, channels,
                             "weights", real)
    except NotReadable as exc:
        raise NotReadable(f"{name}.weight_quant: {exc}") from None


def _made_by(module: Any) -> tuple[Any, str] | None:
    """The quantizer at a Brevitas module's output, and its attribute: an activation layer's
    ``act_quant`` (else ``input_quant``, an activation keeping its grid), a layer's ``output_quant``."""
    order = ("act_quant", "input_quant") if is_act_layer(module) else ("output_quant",)
    for attr in order:
        proxy = getattr(module, attr, None)
        if _enabled(proxy):
            return proxy, attr
    return None


def _input_quant(node: Any, layer: Any, modules: dict[str, Any], grid_fns: frozenset[Any],
                 real: ScaleType) -> tuple[TensorQuant | None, str]:
    own = getattr(layer, "input_quant", None)
    if _enabled(own):
        return _act_quant(own, f"{node.target}.input_quant", real), f"{node.target}.input_quant"
    arg = node.args[0] if node.args else None
    for _ in range(10_000):
        if getattr(arg, "op", None) == "call_module":
            sub = modules[arg.target]
            if is_brevitas(sub):
                made = _made_by(sub)
                if made is not None:
                    where = f"{arg.target}.{made[1]}"
                    return _act_quant(made[0], where, real), where
                if not is_act_layer(sub):
                    return None, ""
            elif type(sub).__name__ not in GRID_MODULES:
                return None, ""
        elif getattr(arg, "op", None) == "call_function":
            if arg.target not in grid_fns:
                return None, ""
        elif getattr(arg, "op", None) != "call_method" or arg.target not in GRID_METHODS:
            return None, ""
        arg = arg.args[0] if arg.args else None
    return None, ""


def layer_quant(node: Any, layer: Any, channels: int, modules: dict[str, Any], grid_fns: frozenset[Any],
                real: ScaleType) -> LayerQuant:
    """A Brevitas convolution's or linear layer's weight and input-activation quantizers (``fx``
    node ``node`` in a graph whose modules are ``modules``; ``channels``: its output channels)."""
    name = str(node.target)
    weights = _weight_quant(layer, name, channels, real)
    activations, source = _input_quant(node, layer, modules, grid_fns, real)
    if weights is None and activations is None:
        return LayerQuant(None, None, "no quantizer")
    read = [f"{name}.weight_quant"] if weights is not None else []
    return LayerQuant(weights, activations, " / ".join(read + ([source] if source else [])))
