"""The quantizers of an ONNX graph: QONNX ``Quant`` / ``BipolarQuant`` / ``Trunc`` nodes
(Brevitas, FINN, hls4ml; domains ``qonnx.custom_op.general``, ``finn.custom_op.general``,
``onnx.brevitas``) and standard ``QuantizeLinear`` / ``DequantizeLinear`` pairs (QDQ).

For each compute layer the reader walks back from the weight input and from the data input
through operators that keep a tensor on its grid (:data:`GRID_KEEPING`) to the quantizer that
made it, and reads a :class:`~hwcost.schemes.TensorQuant`:

| field | QONNX ``Quant`` (``IntQuant``) | ``BipolarQuant`` | ``Trunc`` | QDQ ``DequantizeLinear`` |
|---|---|---|---|---|
| bits | ``bitwidth`` input | 1 | ``out_bitwidth`` input | the integer type (int8 -> 8, uint4 -> 4) |
| signed | ``signed`` attribute (default 1) | yes (levels +-s) | ``signed`` (default 1) | int vs uint type |
| narrow_range | ``narrow`` (signed grids) | - | ``narrow`` | no such flag: full range |
| zero_point | ``zeropt`` != 0: static | none (centred) | ``zeropt`` != 0 | ``x_zero_point`` != 0 |
| scale_type | pot when every scale is 2^k, else dyadic (or float: ``real_scale``; :func:`scale_type_of`) | same | same | same |
| granularity | one scale: tensor; one per output channel: channel | same | same | same |

The QONNX operator definitions are those of ``fastmachinelearning/qonnx``
(``docs/qonnx-custom-ops``: IntQuant v1, BipolarQuant v1, Trunc v1/v2); QDQ those of the ONNX
operator set (QuantizeLinear / DequantizeLinear, opsets 10-23).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from hwcost.errors import HwcostError
from hwcost.schemes.scheme import Granularity, ScaleType, TensorQuant, ZeroPoint
from hwcost.workloads.imports.precision import scale_type_of

__all__ = ["QONNX_DOMAINS", "QONNX_OPS", "GRID_KEEPING", "Graph", "tensor_quant"]

QONNX_DOMAINS = frozenset({"qonnx.custom_op.general", "finn.custom_op.general", "onnx.brevitas", "finn"})
QONNX_OPS = frozenset({"Quant", "IntQuant", "BipolarQuant", "Trunc"})
# Operators whose output values lie on their input's grid (max of, reshaping or padding with zero
# codes), so that a quantizer before them is the quantizer of what follows.
GRID_KEEPING = frozenset({"Relu", "Clip", "MaxPool", "Identity", "Dropout", "Flatten", "Reshape", "Squeeze",
                          "Unsqueeze", "Transpose", "Pad", "GlobalMaxPool", "Cast"})

# ONNX TensorProto element types of the integer codes of a QDQ tensor: (bits, signed).
_QDQ_TYPES = {2: (8, False), 3: (8, True), 4: (16, False), 5: (16, True), 12: (32, False), 6: (32, True),
              21: (4, False), 22: (4, True), 25: (2, False), 26: (2, True)}


@dataclass(frozen=True)
class Graph:
    """What the readers need of an ONNX graph: producers, constants, element types, the file."""

    producer: Mapping[str, tuple[int, Any]]  # tensor -> (node index, NodeProto)
    constants: Mapping[str, np.ndarray]  # initializers and Constant outputs
    elem_type: Mapping[str, int]  # tensor -> TensorProto element type (inferred)
    file: str
    labels: Mapping[int, str]  # node index -> "node 'name' (Op)"
    real_scale: ScaleType = ScaleType.DYADIC  # the type of a scale that is not a power of two

    def error(self, index: int, message: str) -> HwcostError:
        return HwcostError.single(f"{self.labels[index]}: {message}", file=self.file, key="nodes")


def _is_qonnx(node: Any) -> bool:
    return node.op_type in QONNX_OPS and (node.domain in QONNX_DOMAINS or node.domain.startswith(("qonnx", "finn")))


def _attr(node: Any, name: str, default: int) -> int:
    for a in node.attribute:
        if a.name == name:
            return int(a.i)
    return default


def _constant(graph: Graph, index: int, node: Any, position: int, what: str, required: bool = True) -> np.ndarray | None:
    name = node.input[position] if len(node.input) > position else ""
    if not name:
        if required:
            raise graph.error(index, f"needs its {what} input")
        return None
    value = graph.constants.get(name)
    if value is None:
        raise graph.error(index, f"its {what} '{name}' is computed at run time; hwcost reads quantizers whose "
                                 "parameters are constants (initializers)")
    return value


def _bits(graph: Graph, index: int, value: np.ndarray) -> int:
    flat = np.asarray(value, dtype=float).ravel()
    if flat.size != 1 or not np.isfinite(flat[0]) or flat[0] != round(flat[0]) or not 1 <= flat[0] <= 32:
        raise graph.error(index, f"its bit width must be one integer 1..32, got {flat.tolist()[:4]}")
    return int(flat[0])


def _scales(graph: Graph, index: int, value: np.ndarray) -> np.ndarray:
    flat = np.asarray(value, dtype=float).ravel()
    if flat.size == 0 or not np.all(np.isfinite(flat)) or np.any(flat <= 0):
        raise graph.error(index, "its scales must be finite numbers > 0")
    return flat


def _granularity(graph: Graph, index: int, scales: np.ndarray, channels: int | None, role: str) -> Granularity:
    if scales.size == 1:
        return Granularity.TENSOR
    if role == "weights" and scales.size == channels:
        return Granularity.CHANNEL
    if role == "weights":
        raise graph.error(index, f"{scales.size} scales for {channels} output channels: hwcost reads one scale per "
                                 "tensor or one per output channel")
    raise graph.error(index, f"{scales.size} activation scales: per-channel activation scales break the shared-scale "
                             "inner product (Krishnamoorthi 2018 §2.6); hwcost prices per-tensor activations")


def _zero_point(value: np.ndarray | None) -> ZeroPoint:
    return ZeroPoint.NONE if value is None or not np.any(np.asarray(value, dtype=float)) else ZeroPoint.STATIC


def _qonnx(graph: Graph, index: int, node: Any, channels: int | None, role: str) -> TensorQuant:
    if node.op_type == "BipolarQuant":
        scales = _scales(graph, index, _constant(graph, index, node, 1, "scale"))
        return TensorQuant(bits=1, signed=True, centred=True, scale_type=scale_type_of(scales, graph.real_scale),
                           granularity=_granularity(graph, index, scales, channels, role))
    if node.op_type == "Trunc":  # v1: x, scale, zeropt, in_bitwidth, out_bitwidth; v2 adds out_scale before it
        v2 = len(node.input) >= 6
        scale_at = 4 if v2 else 1
        scales = _scales(graph, index, _constant(graph, index, node, scale_at, "scale"))
        if not v2:
            shift = _bits(graph, index, _constant(graph, index, node, 3, "in_bitwidth")) - \
                _bits(graph, index, _constant(graph, index, node, 4, "out_bitwidth"))
            scales = scales * 2.0**shift
        bits = _bits(graph, index, _constant(graph, index, node, 5 if v2 else 4, "out_bitwidth"))
        zero = _constant(graph, index, node, 2, "zeropt")
    else:
        scales = _scales(graph, index, _constant(graph, index, node, 1, "scale"))
        zero = _constant(graph, index, node, 2, "zeropt")
        bits = _bits(graph, index, _constant(graph, index, node, 3, "bitwidth"))
    signed = bool(_attr(node, "signed", 1))
    # an unsigned narrow grid [0, 2^b - 2] needs the same datapath as [0, 2^b - 1]
    narrow = bool(_attr(node, "narrow", 0)) and signed
    return _tensor(graph, index, bits, signed, narrow, zero, scales, channels, role)


def _tensor(graph: Graph, index: int, bits: int, signed: bool, narrow: bool, zero: np.ndarray | None,
            scales: np.ndarray, channels: int | None, role: str) -> TensorQuant:
    tq = TensorQuant(bits=bits, signed=signed, narrow_range=narrow, zero_point=_zero_point(zero),
                     scale_type=scale_type_of(scales, graph.real_scale), granularity=_granularity(graph, index, scales, channels, role))
    problems = tq.problems(role)
    if problems:
        raise graph.error(index, "; ".join(f"{p.key}: {p.message}" for p in problems))
    return tq


def _dequantize(graph: Graph, index: int, node: Any, channels: int | None, role: str) -> TensorQuant:
    scales = _scales(graph, index, _constant(graph, index, node, 1, "x_scale"))
    zero = _constant(graph, index, node, 2, "x_zero_point", required=False)
    code_type = graph.elem_type.get(node.input[0])
    if code_type not in _QDQ_TYPES:
        raise graph.error(index, f"its codes have ONNX element type {code_type}; hwcost reads integer codes "
                                 "(int/uint 2, 4, 8, 16, 32)")
    bits, signed = _QDQ_TYPES[code_type]
    return _tensor(graph, index, bits, signed, False, zero, scales, channels, role)


def tensor_quant(graph: Graph, tensor: str, channels: int | None, role: str) -> tuple[TensorQuant | None, str]:
    """The quantizer of ``tensor`` (walking back through :data:`GRID_KEEPING` operators) and the
    node it was read from; (None, "") for a float tensor. ``channels``: the layer's output
    channels (a per-channel weight quantizer has that many scales)."""
    seen = 0
    while tensor in graph.producer and seen < 10_000:
        seen += 1
        index, node = graph.producer[tensor]
        if _is_qonnx(node):
            return _qonnx(graph, index, node, channels, role), graph.labels[index]
        if node.op_type == "DequantizeLinear" and node.domain in ("", "ai.onnx"):
            return _dequantize(graph, index, node, channels, role), graph.labels[index]
        if node.op_type not in GRID_KEEPING or not node.input:
            return None, ""
        tensor = node.input[0]
    return None, ""
