"""ONNX import: shapes, MACs and parameters against hand counts and the shipped networks; bad files,
unsupported operators and dynamic shapes exit 2 naming the file and the node."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

import hwcost
from hwcost.cli import main
from hwcost.errors import HwcostError
from hwcost.workloads import LayerKind, list_workloads, load_workload

from onnx_builders import const, model_of, save, workload_to_onnx


def _layers(model: hwcost.ImportedModel) -> dict[str, hwcost.Layer]:
    return {layer.name: layer for layer in model.layers}


def test_conv_depthwise_pool_gemm_against_hand_counts(tmp_path) -> None:
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        # TensorFlow 'SAME' at stride 2: pads (0, 0, 1, 1)
        helper.make_node("Conv", ["r1", "w2"], ["c2"], name="dw", group=8, kernel_shape=[3, 3], pads=[0, 0, 1, 1],
                         strides=[2, 2]),
        helper.make_node("BatchNormalization", ["c2", "g", "b", "m", "v"], ["n2"], name="bn"),
        helper.make_node("MaxPool", ["n2"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p"], ["f"], name="flat"),
        helper.make_node("Gemm", ["f", "wf", "bf"], ["y"], name="fc", transB=1),
    ]
    inits = [const("w1", np.zeros((8, 3, 3, 3))), const("b1", np.zeros(8)), const("w2", np.zeros((8, 1, 3, 3))),
             const("wf", np.zeros((10, 128))), const("bf", np.zeros(10))] + [const(n, np.ones(8)) for n in "gbmv"]
    model = hwcost.import_model(save(model_of(nodes, inits, ["N", 3, 16, 16]), tmp_path / "tiny.onnx"))
    layers = _layers(model)
    assert list(layers) == ["conv1", "dw", "pool", "fc"]
    # conv1: 16x16 outputs x 8 channels x (3 x 3 x 3) = 55,296 MACs
    assert layers["conv1"].output_hw == (16, 16) and layers["conv1"].macs == 16 * 16 * 8 * 27
    # depthwise, stride 2: 8x8 outputs x 8 channels x 9 = 4,608 MACs
    dw = layers["dw"]
    assert (dw.kind, dw.groups, dw.output_hw, dw.macs) == (LayerKind.DEPTHWISE, 8, (8, 8), 8 * 8 * 8 * 9)
    assert layers["pool"].output_hw == (4, 4)
    assert (layers["fc"].kind, layers["fc"].in_channels, layers["fc"].macs) == (LayerKind.FC, 128, 1280)
    assert model.total_weights == 8 * 27 + 8 * 9 + 1280
    assert layers["conv1"].is_first and layers["fc"].is_last and not dw.is_first
    assert model.bn is hwcost.schemes.BNHandling.UNFUSED  # a BatchNormalization node is left in the graph
    assert not model.quantized and model.origin == "onnx"


def test_dilation_grouped_conv_and_a_matmul_over_a_sequence(tmp_path) -> None:
    nodes = [
        # dilation 2, pads 2: the 3x3 kernel spans 5 pixels; output 32x32; 2 groups
        helper.make_node("Conv", ["x", "w"], ["c"], name="dilated", kernel_shape=[3, 3], dilations=[2, 2],
                         pads=[2, 2, 2, 2], group=2),
        helper.make_node("Transpose", ["c"], ["t"], name="to_rows", perm=[0, 2, 3, 1]),
        helper.make_node("Reshape", ["t", "rows"], ["s"], name="rows"),
        helper.make_node("MatMul", ["s", "wm"], ["m"], name="proj"),
        helper.make_node("Add", ["m", "bias"], ["y"], name="bias_add"),
    ]
    inits = [const("w", np.zeros((8, 2, 3, 3))), const("rows", [1, 1024, 8], np.int64), const("wm", np.zeros((8, 6))),
             const("bias", np.zeros(6))]
    layers = _layers(hwcost.import_model(save(model_of(nodes, inits, [1, 4, 32, 32]), tmp_path / "d.onnx")))
    assert list(layers) == ["dilated", "proj"]  # the bias add is folded
    # 32x32 outputs x 8 channels x (4/2 x 3 x 3) MACs
    assert layers["dilated"].output_hw == (32, 32) and layers["dilated"].macs == 1024 * 8 * 18
    # the same weights on 1024 rows: a 1x1 convolution on 1024 x 1 pixels, 1024 x 8 x 6 MACs
    proj = layers["proj"]
    assert (proj.kind, proj.input_hw, proj.macs, proj.weights) == (LayerKind.CONV, (1024, 1), 1024 * 48, 48)


@pytest.mark.parametrize("name", list_workloads())
def test_each_shipped_network_written_to_onnx_imports_with_its_macs_and_parameters(tmp_path, name: str) -> None:
    workload = load_workload(name)
    model = hwcost.import_model(save(workload_to_onnx(workload), tmp_path / f"{name}.onnx"))
    assert model.total_macs == workload.total_macs
    assert model.total_weights == workload.total_weights
    got = [(l.name, l.kind, l.macs, l.weights, l.output_hw, l.input_elements, l.output_elements) for l in model.layers]
    want = [(l.name, l.kind, l.macs, l.weights, l.output_hw, l.input_elements, l.output_elements) for l in workload.layers]
    assert got == want
    assert [l.name for l in model.layers if l.is_first or l.is_last] == \
        [l.name for l in workload.layers if l.is_first or l.is_last]


def test_an_imported_network_prices_like_its_yaml(tmp_path) -> None:
    path = save(workload_to_onnx(load_workload("resnet20")), tmp_path / "resnet20.onnx")
    from_yaml = hwcost.evaluate("lsq", 4, workload="resnet20")
    from_onnx = hwcost.evaluate("lsq", 4, workload=path)  # load_workload reads an .onnx file's shapes
    assert from_onnx.energy_pj == pytest.approx(from_yaml.energy_pj, rel=1e-12)
    assert from_onnx.latency_cycles == from_yaml.latency_cycles


def _exit_and_message(capsys, argv: list[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().err


def test_a_corrupt_file_exits_2_naming_it(tmp_path, capsys) -> None:
    bad = tmp_path / "broken.onnx"
    bad.write_bytes(b"\x08\x07this is not a protobuf\xff\xff")
    code, err = _exit_and_message(capsys, ["import", str(bad)])
    assert code == 2 and "broken.onnx" in err and "not a readable ONNX model" in err and "Traceback" not in err


def test_an_unsupported_operator_is_listed_by_type_and_node(tmp_path, capsys) -> None:
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[1, 1]),
        helper.make_node("Sigmoid", ["c"], ["s"], name="gate"),
        helper.make_node("LSTM", ["s", "W", "R"], ["y"], name="rnn", hidden_size=4),
    ]
    path = save(model_of(nodes, [const("w", np.zeros((4, 3, 1, 1)))], [1, 3, 8, 8]), tmp_path / "odd.onnx")
    with pytest.raises(HwcostError) as info:
        hwcost.import_model(path)
    messages = [p.message for p in info.value.problems]
    assert messages[0] == "unsupported operator Sigmoid: node 'gate' (Sigmoid)"
    assert messages[1].startswith("unsupported operator LSTM: node 'rnn' (LSTM); hwcost reads ")
    assert all(p.file == path for p in info.value.problems)
    code, err = _exit_and_message(capsys, ["evaluate", "--model", path])
    assert code == 2 and "odd.onnx" in err and "node 'gate'" in err and "node 'rnn'" in err


def test_a_dynamic_input_asks_for_its_shape(tmp_path, capsys) -> None:
    nodes = [helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[3, 3])]
    path = save(model_of(nodes, [const("w", np.zeros((4, 3, 3, 3)))], ["N", 3, "H", "W"]), tmp_path / "dyn.onnx")
    with pytest.raises(HwcostError, match=r"input 'x' has dynamic or unknown dimensions \[\?, 3, \?, \?\]"):
        hwcost.import_model(path)
    code, err = _exit_and_message(capsys, ["import", path])
    assert code == 2 and "dyn.onnx" in err and "--input-shape 3,224,224" in err
    model = hwcost.import_model(path, input_shape=(3, 10, 12))
    assert model.layers[0].output_hw == (8, 10) and model.total_macs == 8 * 10 * 4 * 27
    assert main(["import", path, "--input-shape", "3,10,12"]) == 0
    capsys.readouterr()
    # the shapes only, at a scheme and bits: --workload with --input-shape
    assert main(["evaluate", "--workload", path, "--input-shape", "3,10,12", "--bits", "4", "--format", "json"]) == 0
    import json

    assert json.loads(capsys.readouterr().out)["macs"] == 8 * 10 * 4 * 27
    code, err = _exit_and_message(capsys, ["evaluate", "--input-shape", "3,10,12"])
    assert code == 2 and "--input-shape: sizes the input of an ONNX model" in err


def test_a_product_of_two_activations_names_its_node(tmp_path) -> None:
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[1, 1]),
             helper.make_node("MatMul", ["c", "c"], ["y"], name="attention")]
    path = save(model_of(nodes, [const("w", np.zeros((4, 3, 1, 1)))], [1, 3, 4, 4]), tmp_path / "att.onnx")
    with pytest.raises(HwcostError, match=r"att.onnx: nodes: node 'attention' \(MatMul\): a product of two activations"):
        hwcost.import_model(path)


def test_a_missing_extra_names_the_install_command(monkeypatch, tmp_path) -> None:
    import builtins

    real = builtins.__import__

    def no_onnx(name, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        if name == "onnx" or name.startswith("onnx."):
            raise ImportError("No module named 'onnx'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_onnx)
    with pytest.raises(HwcostError, match=r"pip install 'hwcost\[onnx\]'"):
        hwcost.import_model(tmp_path / "any.onnx")


def test_a_study_names_a_model_file_as_a_workload(tmp_path) -> None:
    from hwcost.study import load_study, run_study

    save(workload_to_onnx(load_workload("vgg7")), tmp_path / "net.onnx")
    study = tmp_path / "study.yaml"
    study.write_text("name: onnx\nschemes: [pot]\nbits: [4]\narchs:\n  - template: mac_array\n    name: mac\n"
                     "nodes: [45nm]\nworkloads: [net.onnx]\nobjectives:\n  - minimise: energy_pj\n  - minimise: area_um2\n")
    spec = load_study(study)
    assert [w.value.total_macs for w in spec.workloads] == [load_workload("vgg7").total_macs]
    results = run_study(spec, tmp_path / "out", progress=False, figures=False).results
    assert results["energy_pj"].iloc[0] == pytest.approx(hwcost.evaluate("pot", 4, workload="vgg7").energy_pj, rel=1e-12)
    study.write_text(study.read_text().replace("net.onnx", "missing.onnx"))
    with pytest.raises(HwcostError, match=r"workloads\[0\]: unknown workload 'missing.onnx'; shipped: .*, or an "
                                          r"existing YAML or ONNX model file"):
        load_study(study)


def test_the_models_page_example_runs(tmp_path, monkeypatch, capsys) -> None:
    import json
    import re
    from pathlib import Path

    page = Path(__file__).resolve().parents[2] / "docs" / "models.md"
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S)
    assert len(blocks) == 1
    monkeypatch.chdir(tmp_path)
    exec(compile(blocks[0], "docs/models.md", "exec"), {})
    assert main(["evaluate", "--model", "my.onnx", "--by-layer", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # the page's hand counts: 32x32x32x27 + 16x16x64x288 + 16x16x64x576 + 8x8x128x576 + 128x10
    assert [l["macs"] for l in data["layers"]] == [884_736, 4_718_592, 9_437_184, 4_718_592, 1_280]
    assert data["macs"] == 19_760_384
    total = sum(l["energy_pj"] for l in data["layers"]) + data["elementwise_energy_pj"]
    assert total == pytest.approx(data["energy_pj"], rel=1e-9)
    assert main(["import", "my.onnx"]) == 0
    assert "body W4/A4" in capsys.readouterr().out
