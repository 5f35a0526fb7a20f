"""QONNX and QDQ quantizers: each layer's bits, signedness, narrow range, zero-points, scale type and
granularity against the graph as built; the scheme that prices the model exactly (checked against
the same network priced with a preset), and models with more precision classes than body +
first/last priced with each layer at its own precision."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

import hwcost
from hwcost.cli import main
from hwcost.errors import HwcostError
from hwcost.schemes import Granularity, ScaleType, TensorQuant, ZeroPoint
from hwcost.workloads import Layer, LayerKind, PoolOp, Workload
from hwcost.workloads.layer import LayerPrecision

from onnx_builders import QONNX, const, model_of, qonnx_cnn, quant, save

W8_PC = TensorQuant(8, True, narrow_range=True, scale_type=ScaleType.POT, granularity=Granularity.CHANNEL)
A8 = TensorQuant(8, False, scale_type=ScaleType.POT)


def test_qonnx_mixed_precision_per_layer(tmp_path) -> None:
    path = save(qonnx_cnn([(8, 8), (4, 4), (2, 4), (8, 8)]), tmp_path / "mixed.onnx")
    model = hwcost.import_model(path)
    assert model.origin == "qonnx" and model.quantized
    got = {layer.name: (q.weights, q.activations) for layer, q in zip(model.compute_layers, model.quant)}
    from dataclasses import replace

    assert got == {
        "conv0": (W8_PC, A8),
        "conv1": (replace(W8_PC, bits=4), replace(A8, bits=4)),
        "conv2": (replace(W8_PC, bits=2), replace(A8, bits=4)),
        "fc": (W8_PC, A8),  # the fc's input is the Trunc after the pool: 8 bits, unsigned
    }
    # each layer's own scheme, classified like any other: conv2 multiplies 2-bit weights by 4-bit inputs
    schemes = model.layer_schemes()
    assert [(s.weights.bits, s.activations.bits) for s in schemes] == [(8, 8), (4, 4), (2, 4), (8, 8)]
    conv2 = hwcost.classify(schemes[2], 16 * 9)
    assert (conv2.weight_operand_bits, conv2.act_operand_bits) == (2, 4)
    # two body precisions (W4/A4 and W2/A4) and W8/A8 first/last layers: three precision classes.
    # The scheme is the first of the most common body precisions (conv1's), first/last at 8 bits;
    # conv2 carries its own quantizers.
    scheme = model.scheme()
    assert (scheme.weights, scheme.activations, scheme.first_last_bits) == (replace(W8_PC, bits=4), replace(A8, bits=4), 8)
    own = [layer.precision for layer in model.compute_layers]
    assert own[0] is None and own[1] is None and own[3] is None and own[2] is not None
    conv2_scheme = own[2].resolve(scheme)
    assert (conv2_scheme.weights, conv2_scheme.activations) == (replace(W8_PC, bits=2), replace(A8, bits=4))
    report = hwcost.evaluate(scheme, workload=model)
    assert [l.precision_class for l in report.layers] == ["first/last", "body", "class 2", "first/last"]
    assert [l.bits for l in report.layers] == ["W8/A8", "W4/A4", "W2/A4", "W8/A8"]
    # conv1 and conv2 have the same shapes: on the body's 4-bit PEs both take one pass per MAC, so
    # they have the same cycles; conv2's 2-bit weights move half the weight bits
    assert report.layers[1].latency_cycles == report.layers[2].latency_cycles
    assert report.layers[2].energy_pj < report.layers[1].energy_pj
    # the DRAM (which does not leak and is not touched by the element-wise layers) is all in the layers
    dram = sum(e for l in report.layers for c, e in l.energy_by_category if c.value == "dram")
    assert dram == pytest.approx(report.by_category()["dram"][0], rel=1e-12)
    # the same network written by hand with conv2's precision as a LayerPrecision prices the same
    hand = replace(model, layers=tuple(replace(layer, precision=LayerPrecision(scheme=conv2_scheme))
                                       if layer.name == "conv2" else replace(layer, precision=None)
                                       for layer in model.layers))
    again = hwcost.evaluate(scheme, workload=hand)
    assert again.energy_pj == pytest.approx(report.energy_pj, rel=1e-12)
    assert [l.energy_pj for l in again.layers] == pytest.approx([l.energy_pj for l in report.layers], rel=1e-12)
    assert main(["evaluate", "--model", path, "--by-layer"]) == 0


def _expected_cnn() -> Workload:
    """The layers of :func:`qonnx_cnn` with three convolutions, by hand."""
    conv = dict(kind=LayerKind.CONV, kernel_hw=(3, 3), padding_hw=(1, 1), input_hw=(16, 16))
    layers = (
        Layer("c0", in_channels=3, out_channels=16, is_first=True, **conv),
        Layer("c1", in_channels=16, out_channels=16, **conv),
        Layer("c2", in_channels=16, out_channels=16, **conv),
        Layer("gap", LayerKind.POOL, 16, 16, input_hw=(16, 16), kernel_hw=(16, 16), stride_hw=(16, 16),
              pool_op=PoolOp.AVG),
        Layer("fc", LayerKind.FC, 16, 10, is_last=True),
    )
    return Workload("hand", "none", (3, 16, 16), "by hand", layers)


def test_a_pot_model_prices_exactly_as_the_pot_preset_on_the_same_layers(tmp_path) -> None:
    # per-tensor, full-range pot weights: the 'pot' preset's grids (W4/A4 body, 8-bit first/last)
    nodes_model = qonnx_cnn([(8, 8), (4, 4), (4, 4), (8, 8)])
    for node in nodes_model.graph.node:
        for a in node.attribute:
            if a.name == "narrow":
                a.i = 0
    for init in nodes_model.graph.initializer:  # one scale per tensor
        if init.name.startswith("wq") and init.name.endswith(".scale"):
            init.CopyFrom(const(init.name, 0.125))
    model = hwcost.import_model(save(nodes_model, tmp_path / "pot.onnx"))
    assert all("pot" in r["presets"] and "symmetric" not in r["presets"] for r in model.precision_rows())
    scheme = model.scheme()
    assert (scheme.weights.bits, scheme.activations.bits, scheme.first_last_bits) == (4, 4, 8)
    report = hwcost.evaluate(scheme, workload=model)
    preset = hwcost.evaluate("pot", 4, workload=_expected_cnn())
    assert report.macs == preset.macs == 16 * 16 * 16 * 27 + 2 * 16 * 16 * 16 * 144 + 16 * 10
    assert report.energy_pj == pytest.approx(preset.energy_pj, rel=1e-12)
    assert [l.energy_pj for l in report.layers] == pytest.approx([l.energy_pj for l in preset.layers], rel=1e-12)
    # the first and the last layer run on the 8-bit datapath: their energy per MAC is above the body's
    per_mac = [l.energy_pj / l.macs for l in report.layers]
    assert per_mac[0] > per_mac[1] and per_mac[3] > per_mac[1]


def test_a_float_scale_is_dyadic_and_a_signed_input_is_its_own_class(tmp_path) -> None:
    model = hwcost.import_model(save(qonnx_cnn([(8, 8), (4, 4), (4, 4), (8, 8)], pot=False, input_signed=True),
                                     tmp_path / "float.onnx"))
    first = model.quant[0].activations
    assert first is not None and (first.signed, first.scale_type) == (True, ScaleType.DYADIC)
    assert model.quant[1].weights is not None and model.quant[1].weights.scale_type is ScaleType.DYADIC
    # deployed as an integer multiply and shift by default, as an FP rescale with real_scale="float"
    units = {u.kind.value for u in hwcost.classify(model.layer_schemes()[1], 144).units}
    assert {"requant_multiplier", "requant_shifter"} <= units and "fp_multiplier" not in units
    as_float = hwcost.import_model(model.file, real_scale="float")
    assert as_float.quant[1].weights is not None and as_float.quant[1].weights.scale_type is ScaleType.FLOAT
    assert "fp_multiplier" in {u.kind.value for u in hwcost.classify(as_float.layer_schemes()[1], 144).units}
    # signed 8-bit image inputs: conv0 is not the body's (unsigned) grids at 8 bits, so it is a
    # class of its own; the fc follows the first/last rule at 8 bits
    scheme = model.scheme()
    assert scheme.first_last_bits == 8 and not scheme.activations.signed
    conv0 = model.compute_layers[0].precision
    assert conv0 is not None and conv0.resolve(scheme).activations.signed
    assert model.compute_layers[3].precision is None
    report = hwcost.evaluate(scheme, workload=model)
    assert [l.precision_class for l in report.layers] == ["class 2", "body", "body", "first/last"]


def test_bipolar_weights_and_a_zero_point(tmp_path) -> None:
    act, inits = quant("act", "x", 4, False, 0.5, zero=3.0)
    inits += [const("w", np.zeros((4, 3, 1, 1))), const("ws", 0.25)]
    nodes = [act,
             helper.make_node("BipolarQuant", ["w", "ws"], ["wb"], name="binarise", domain=QONNX),
             helper.make_node("Conv", [act.output[0], "wb"], ["y"], name="conv", kernel_shape=[1, 1])]
    model = hwcost.import_model(save(model_of(nodes, inits, [1, 3, 4, 4]), tmp_path / "bnn.onnx"))
    q = model.quant[0]
    assert q.weights == TensorQuant(1, True, centred=True, scale_type=ScaleType.POT)
    assert q.activations == TensorQuant(4, False, zero_point=ZeroPoint.STATIC, scale_type=ScaleType.POT)
    assert q.source == "node 'binarise' (BipolarQuant); node 'act' (Quant)"


def _qdq_model(act_zero: int, weight_axis_scales: list[float]) -> object:
    """x -> QuantizeLinear(uint8) -> DequantizeLinear -> Conv(int8 weights -> DequantizeLinear) x 3."""
    nodes, inits, src = [], [], "x"
    for i in range(3):
        inits += [const(f"s{i}", 0.02), const(f"z{i}", act_zero, np.uint8),
                  const(f"w{i}", np.zeros((4, 3 if i == 0 else 4, 3, 3)), np.int8),
                  const(f"ws{i}", weight_axis_scales), const(f"wz{i}", np.zeros(len(weight_axis_scales)), np.int8)]
        nodes += [helper.make_node("QuantizeLinear", [src, f"s{i}", f"z{i}"], [f"q{i}"], name=f"quant{i}"),
                  helper.make_node("DequantizeLinear", [f"q{i}", f"s{i}", f"z{i}"], [f"d{i}"], name=f"dequant{i}"),
                  helper.make_node("DequantizeLinear", [f"w{i}", f"ws{i}", f"wz{i}"], [f"wd{i}"], name=f"wdq{i}", axis=0),
                  helper.make_node("Conv", [f"d{i}", f"wd{i}"], [f"c{i}"], name=f"conv{i}", kernel_shape=[3, 3],
                                   pads=[1, 1, 1, 1]),
                  helper.make_node("Relu", [f"c{i}"], [f"r{i}"], name=f"relu{i}")]
        src = f"r{i}"
    nodes.append(helper.make_node("Identity", [src], ["y"], name="out"))
    return model_of(nodes, inits, [1, 3, 8, 8], opset=13)


def test_qdq_reads_integer_types_zero_points_and_per_channel_scales(tmp_path) -> None:
    model = hwcost.import_model(save(_qdq_model(128, [0.1, 0.2, 0.3, 0.05]), tmp_path / "qdq.onnx"))
    assert model.origin == "qdq"
    q = model.quant[1]
    assert q.weights == TensorQuant(8, True, granularity=Granularity.CHANNEL)
    assert q.activations == TensorQuant(8, False, zero_point=ZeroPoint.STATIC)
    assert q.source == "node 'wdq1' (DequantizeLinear); node 'dequant1' (DequantizeLinear)"
    assert model.precision_rows()[1]["presets"] == []  # per-channel weights with affine activations: no preset
    scheme = model.scheme()  # one precision everywhere: the first/last layers are the body at 8 bits
    assert (scheme.first_last_bits, scheme.activations.zero_point) == (8, ZeroPoint.STATIC)
    # symmetric uint8 activations and per-tensor power-of-two weight scales
    plain = hwcost.import_model(save(_qdq_model(0, [0.125]), tmp_path / "plain.onnx"))
    assert plain.quant[0].weights == TensorQuant(8, True, scale_type=ScaleType.POT)
    assert plain.precision_rows()[0]["presets"] == []  # pot weights with dyadic activations


def test_evaluate_model_by_layer_sums_to_the_total(tmp_path, capsys) -> None:
    path = save(qonnx_cnn([(8, 8), (4, 4), (4, 4), (8, 8)]), tmp_path / "cnn.onnx")
    assert main(["evaluate", "--model", path, "--by-layer", "--format", "json"]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    layers = sum(l["energy_pj"] for l in data["layers"])
    assert [(r["layer"], r["weight_bits"], r["act_bits"]) for r in data["model"]["layers"]] == \
        [("conv0", 8, 8), ("conv1", 4, 4), ("conv2", 4, 4), ("fc", 8, 8)]
    assert layers + data["elementwise_energy_pj"] == pytest.approx(data["energy_pj"], rel=1e-9)
    assert main(["evaluate", "--model", path, "--by-layer"]) == 0
    out = capsys.readouterr().out
    assert "W8/A8" in out and "W4/A4" in out
    assert main(["evaluate", "--model", path, "--bits", "4"]) == 2
    assert "the model's quantizers set each layer's precision: drop --bits" in capsys.readouterr().err


def test_explain_shows_each_class_of_its_own(tmp_path, capsys) -> None:
    path = save(qonnx_cnn([(8, 8), (4, 4), (2, 4), (8, 8)]), tmp_path / "mixed.onnx")
    assert main(["explain", "--model", path]) == 0
    out = capsys.readouterr().out
    assert "first/last W8/A8; at their own precision: conv2 W2/A4" in out
    # conv2's datapath: 2b x 4b products over N = 16 x 3 x 3 = 144: 2 + 4 + 8 accumulator bits
    assert "layers at their own precision (conv2):" in out and "multiplier 2b signed x 4b unsigned, accumulator 14b" in out


def _three_convs(middle: str) -> object:
    """Three 1x1 convolutions, the outer two W4/A4; the middle one 'float', or 'weights' only quantized."""
    nodes, inits, src = [], [], "x"
    for i in range(3):
        x_in, w_in = src, f"w{i}"
        if i != 1 or middle == "weights":
            w, more_w = quant(f"wq{i}", f"w{i}", 4, True, 0.125, narrow=True)
            nodes.append(w)
            inits += more_w
            w_in = w.output[0]
        if i != 1:
            a, more = quant(f"act{i}", src, 4, False, 0.125)
            nodes.append(a)
            inits += more
            x_in = a.output[0]
        inits.append(const(f"w{i}", np.zeros((4, 3 if i == 0 else 4, 1, 1))))
        nodes.append(helper.make_node("Conv", [x_in, w_in], [f"c{i}"], name=f"conv{i}", kernel_shape=[1, 1]))
        src = f"c{i}"
    return model_of(nodes, inits, [1, 3, 4, 4], output=src)


def test_a_half_quantized_layer_is_refused_naming_it(tmp_path) -> None:
    path = save(_three_convs("weights"), tmp_path / "half.onnx")
    with pytest.raises(HwcostError, match="half.onnx: layers: layers with quantized weights but float input "
                                          "activations, or the reverse, cannot be priced: conv1"):
        hwcost.import_model(path).scheme()


def test_a_float_layer_between_quantized_ones_is_refused_naming_it(tmp_path, capsys) -> None:
    path = save(_three_convs("float"), tmp_path / "float_mid.onnx")
    with pytest.raises(HwcostError, match="float_mid.onnx: layers: layers left in floating point between quantized "
                                          "layers cannot be priced .*: conv1;"):
        hwcost.import_model(path).scheme()
    assert main(["evaluate", "--model", path]) == 2
    assert "conv1" in capsys.readouterr().err
