"""ONNX graphs built inside the tests with ``onnx.helper``: a shipped workload written as a graph,
QONNX quantizers and QDQ pairs (no model file is shipped with the tests)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from hwcost.workloads import LayerKind, PoolOp, Workload

QONNX = "qonnx.custom_op.general"


def const(name: str, value: object, dtype: type = np.float32) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(value, dtype=dtype), name)


def zeros(name: str, shape: Sequence[int]) -> list[onnx.NodeProto]:
    """A ConstantOfShape node: a tensor of zeros of ``shape`` (its values are not stored)."""
    shape_const = helper.make_node("Constant", [], [f"{name}.shape"], name=f"{name}.shape",
                                   value=numpy_helper.from_array(np.asarray(shape, np.int64)))
    return [shape_const, helper.make_node("ConstantOfShape", [f"{name}.shape"], [name], name=f"{name}.zeros",
                                          value=numpy_helper.from_array(np.zeros(1, np.float32)))]


def model_of(nodes: list, inits: list, input_dims: Sequence[object], output: str = "y", opset: int = 17) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(input_dims))],
                              [helper.make_tensor_value_info(output, TensorProto.FLOAT, None)], inits)
    imports = [helper.make_opsetid("", opset), helper.make_opsetid(QONNX, 1)]
    return helper.make_model(graph, opset_imports=imports)


def save(model: onnx.ModelProto, path: object) -> str:
    onnx.save(model, str(path))
    return str(path)


def workload_to_onnx(workload: Workload) -> onnx.ModelProto:
    """The workload as an ONNX graph whose nodes carry the layer names: each layer reads the latest
    tensor of its input shape (MACs do not depend on which one), fc layers read a flattened tensor.
    Weights are ``ConstantOfShape`` nodes (VGG-16's 138 M zeros would take seconds to write)."""
    c, h, w = workload.input_shape
    latest: dict[tuple[int, ...], list[str]] = {(c, h, w): ["x"]}
    nodes, inits = [], []

    def take(shape: tuple[int, ...], count: int = 1) -> list[str]:
        names = latest.get(shape, [])
        if len(names) < count:
            raise AssertionError(f"no tensor of shape {shape} for the test graph")
        return names[-count:]

    def put(shape: tuple[int, ...], name: str) -> None:
        latest.setdefault(shape, []).append(name)

    for layer in workload.layers:
        out = f"{layer.name}.out"
        ih, iw = layer.input_hw
        if layer.kind in (LayerKind.CONV, LayerKind.DEPTHWISE):
            (src,) = take((layer.in_channels, ih, iw))
            weight = f"{layer.name}.weight"
            shape = (layer.out_channels, layer.in_channels // layer.groups, *layer.kernel_hw)
            nodes += zeros(weight, shape)
            p = layer.padding_hw
            nodes.append(helper.make_node("Conv", [src, weight], [out], name=layer.name, group=layer.groups,
                                          kernel_shape=list(layer.kernel_hw), strides=list(layer.stride_hw),
                                          pads=[p[0], p[1], p[0], p[1]]))
            put((layer.out_channels, *layer.output_hw), out)
        elif layer.kind is LayerKind.FC:
            flat = [k for k in latest if int(np.prod(k)) == layer.in_channels and len(latest[k])]
            src = latest[flat[-1]][-1] if flat else None
            assert src is not None, layer.name
            nodes.append(helper.make_node("Flatten", [src], [f"{layer.name}.flat"], name=f"{layer.name}.flatten"))
            weight = f"{layer.name}.weight"
            nodes += zeros(weight, (layer.out_channels, layer.in_channels))
            nodes.append(helper.make_node("Gemm", [f"{layer.name}.flat", weight], [out], name=layer.name, transB=1))
            latest.pop((layer.in_channels,), None)
            put((layer.out_channels,), out)
        elif layer.kind is LayerKind.ADD:
            a, b = take((layer.in_channels, ih, iw), 2)
            nodes.append(helper.make_node("Add", [a, b], [out], name=layer.name))
            put((layer.in_channels, ih, iw), out)
        else:
            (src,) = take((layer.in_channels, ih, iw))
            op = "MaxPool" if layer.pool_op is PoolOp.MAX else "AveragePool"
            p = layer.padding_hw
            nodes.append(helper.make_node(op, [src], [out], name=layer.name, kernel_shape=list(layer.kernel_hw),
                                          strides=list(layer.stride_hw), pads=[p[0], p[1], p[0], p[1]]))
            put((layer.in_channels, *layer.output_hw), out)
    last = nodes[-1].output[0]
    nodes.append(helper.make_node("Identity", [last], ["y"], name="output"))
    return model_of(nodes, inits, ["batch", c, h, w])


def quant(name: str, src: str, bits: int, signed: bool, scale: object, zero: object = 0.0, narrow: bool = False,
          op: str = "Quant") -> tuple[onnx.NodeProto, list[onnx.TensorProto]]:
    """A QONNX Quant node and its constant inputs."""
    inits = [const(f"{name}.scale", scale), const(f"{name}.zeropt", zero), const(f"{name}.bits", bits)]
    node = helper.make_node(op, [src, f"{name}.scale", f"{name}.zeropt", f"{name}.bits"], [f"{name}.out"], name=name,
                            domain=QONNX, signed=int(signed), narrow=int(narrow), rounding_mode="ROUND")
    return node, inits


def qonnx_cnn(layers: Sequence[tuple[int, int]], pot: bool = True, input_signed: bool = False) -> onnx.ModelProto:
    """A QONNX CNN on a 3x16x16 input: one 3x3 conv per (weight bits, activation bits) pair but the
    last (16 channels, padding 1, ReLU), then a global average pool, a Trunc and an fc at the last
    pair. Activation quantizers are unsigned (the input's as ``input_signed``), weight quantizers
    signed narrow-range per output channel; scales are powers of two when ``pot``."""
    nodes, inits = [], []
    src, channels = "x", 3
    scale = 0.125 if pot else 0.1
    for i, (w_bits, a_bits) in enumerate(layers[:-1]):
        signed = input_signed and i == 0
        node, more = quant(f"act{i}", src, a_bits, signed, scale)
        nodes.append(node)
        inits += more
        w, more = quant(f"wq{i}", f"w{i}", w_bits, True, np.full((16, 1, 1, 1), scale), narrow=True)
        nodes.append(w)
        inits += more + [const(f"w{i}", np.zeros((16, channels, 3, 3)))]
        nodes.append(helper.make_node("Conv", [node.output[0], w.output[0]], [f"conv{i}.out"], name=f"conv{i}",
                                      kernel_shape=[3, 3], pads=[1, 1, 1, 1]))
        nodes.append(helper.make_node("Relu", [f"conv{i}.out"], [f"relu{i}.out"], name=f"relu{i}"))
        src, channels = f"relu{i}.out", 16
    w_bits, a_bits = layers[-1]
    nodes.append(helper.make_node("GlobalAveragePool", [src], ["gap.out"], name="gap"))
    inits += [const("trunc.scale", scale), const("trunc.zeropt", 0.0), const("trunc.in_bits", a_bits + 8),
              const("trunc.out_scale", scale), const("trunc.out_bits", a_bits)]
    nodes.append(helper.make_node("Trunc", ["gap.out", "trunc.scale", "trunc.zeropt", "trunc.in_bits", "trunc.out_scale",
                                            "trunc.out_bits"], ["trunc.out"], name="trunc", domain=QONNX, signed=0))
    nodes.append(helper.make_node("Flatten", ["trunc.out"], ["flat"], name="flatten"))
    w, more = quant("wq_fc", "w_fc", w_bits, True, np.full((10, 1), scale), narrow=True)
    nodes.append(w)
    inits += more + [const("w_fc", np.zeros((10, 16))), const("b_fc", np.zeros(10))]
    nodes.append(helper.make_node("Gemm", ["flat", w.output[0], "b_fc"], ["y"], name="fc", transB=1))
    return model_of(nodes, inits, [1, 3, 16, 16])
