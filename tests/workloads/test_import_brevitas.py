"""Brevitas import: a tiny Brevitas CNN read from its modules equals, layer by layer, its QONNX
export (``brevitas.export.export_qonnx``) read from the file; its MACs and bits are hand counts.
Brevitas is installed by the ``dev`` extra (``hwcost[brevitas]``): these tests never skip."""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

import pytest
import torch
from torch import nn

import hwcost
from hwcost.errors import HwcostError
from hwcost.schemes.scheme import Granularity, ScaleType, TensorQuant, ZeroPoint

with warnings.catch_warnings():  # brevitas warns that optional kernels (fast_hadamard_transform) are missing
    warnings.simplefilter("ignore")
    import brevitas.nn as qnn
    from brevitas.core.restrict_val import RestrictValueType
    from brevitas.export import export_qonnx
    from brevitas.graph.calibrate import calibration_mode
    from brevitas.quant import (
        Int8ActPerTensorFloat,
        ShiftedUint8WeightPerTensorFloat,
        SignedBinaryWeightPerTensorConst,
        Uint8ActPerTensorFloat,
    )

POT = RestrictValueType.POWER_OF_TWO


class TinyCNN(nn.Module):
    """8-bit first and last layers, a 4-bit body: per-channel power-of-two 4-bit weights, 4-bit
    unsigned activations (the image 8-bit signed; float scales where Brevitas' default has them)."""

    def __init__(self) -> None:
        super().__init__()
        body = dict(weight_bit_width=4, weight_scaling_per_output_channel=True, weight_restrict_scaling_type=POT,
                    bias=False)
        self.image = qnn.QuantIdentity(bit_width=8, return_quant_tensor=True)
        self.conv1 = qnn.QuantConv2d(3, 8, 3, padding=1, weight_bit_width=8, bias=False)
        self.relu1 = qnn.QuantReLU(bit_width=4, restrict_scaling_type=POT)
        self.conv2 = qnn.QuantConv2d(8, 16, 3, stride=2, padding=1, **body)
        self.relu2 = qnn.QuantReLU(bit_width=4, restrict_scaling_type=POT)
        self.dw = qnn.QuantConv2d(16, 16, 3, padding=1, groups=16, **body)
        self.relu3 = qnn.QuantReLU(bit_width=4, restrict_scaling_type=POT)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = qnn.QuantLinear(16, 10, bias=True, weight_bit_width=8, input_quant=Uint8ActPerTensorFloat)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.relu1(self.conv1(self.image(x)))
        y = self.relu2(self.conv2(y))
        y = self.relu3(self.dw(nn.functional.max_pool2d(y, 2)))
        return self.fc(torch.flatten(self.pool(y), 1))


class Variants(nn.Module):
    """A zero-point on the weights, a layer's own input and output quantizers, binary weights."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = qnn.QuantConv2d(3, 4, 1, bias=False, weight_quant=ShiftedUint8WeightPerTensorFloat,
                                    input_quant=Int8ActPerTensorFloat, output_quant=Int8ActPerTensorFloat)
        self.relu = nn.ReLU()
        self.fc = qnn.QuantLinear(4 * 4 * 4, 6, bias=False, weight_quant=SignedBinaryWeightPerTensorConst)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.relu(self.conv(x)), 1))


class Residual(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = qnn.QuantConv2d(3, 3, 1, weight_bit_width=4)
        self.add = qnn.QuantEltwiseAdd()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.add(self.conv(x), x)


def _both(net: nn.Module, shape: tuple[int, ...], tmp_path: Path) -> tuple[hwcost.ImportedModel, hwcost.ImportedModel]:
    """The model, its activation scales calibrated on random inputs, read from its modules and
    read from its QONNX export (TorchScript exporter)."""
    torch.manual_seed(0)
    x = torch.randn(1, *shape)
    with calibration_mode(net), torch.no_grad():
        for _ in range(2):
            net(3 * torch.randn(4, *shape))
    direct = hwcost.import_model(net, example_input=x, name="net")  # the name the file gives
    path = tmp_path / "net.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        export_qonnx(net, x, export_path=str(path), dynamo=False)
    return direct, hwcost.import_model(path)


def _same(direct: hwcost.ImportedModel, exported: hwcost.ImportedModel) -> None:
    compute = [(l.kind, l.macs, l.weights, l.output_elements) for l in direct.compute_layers]
    assert compute == [(l.kind, l.macs, l.weights, l.output_elements) for l in exported.compute_layers]
    assert [q.key() for q in direct.quant] == [q.key() for q in exported.quant]
    assert [q.weights for q in direct.quant] == [q.weights for q in exported.quant]
    assert [q.activations for q in direct.quant] == [q.activations for q in exported.quant]
    assert direct.total_macs == exported.total_macs and direct.bn is exported.bn


def test_a_brevitas_cnn_reads_as_its_qonnx_export_and_as_hand_counts(tmp_path: Path) -> None:
    torch.manual_seed(1)
    net = TinyCNN().eval()
    direct, exported = _both(net, (3, 16, 16), tmp_path)
    _same(direct, exported)
    # hand counts: conv1 16*16 outputs x 8 channels x 3*3*3; conv2 8*8 x 16 x 8*9; the depthwise
    # layer after a 2x2 max pool 4*4 x 16 x 9; fc 16 x 10
    assert [l.name for l in direct.compute_layers] == ["conv1", "conv2", "dw", "fc"]  # the modules
    assert [l.macs for l in direct.compute_layers] == [16 * 16 * 8 * 27, 8 * 8 * 16 * 72, 4 * 4 * 16 * 9, 160]
    assert direct.total_macs == 55_296 + 73_728 + 2_304 + 160
    w4 = TensorQuant(4, True, narrow_range=True, scale_type=ScaleType.POT, granularity=Granularity.CHANNEL)
    a4 = TensorQuant(4, False, scale_type=ScaleType.POT)
    w8 = TensorQuant(8, True, narrow_range=True)  # Brevitas' default weights: per tensor, float scale
    assert [q.weights for q in direct.quant] == [w8, w4, w4, w8]
    assert [q.activations for q in direct.quant] == [TensorQuant(8, True), a4, a4, TensorQuant(8, False)]
    assert [q.source for q in direct.quant] == ["conv1.weight_quant / image.act_quant",
                                                "conv2.weight_quant / relu1.act_quant",
                                                "dw.weight_quant / relu2.act_quant",
                                                "fc.weight_quant / fc.input_quant"]
    # the body is the 4-bit class; the 8-bit first/last layers are not the body's grid at 8 bits
    # (signed input, float scales), so they keep their own precision
    assert (direct.scheme().weights, direct.scheme().activations) == (w4, a4)
    assert direct.scheme() == exported.scheme()


@pytest.mark.filterwarnings("ignore:Computing zero point of output accumulator")  # brevitas, at run time
def test_zero_points_own_quantizers_and_binary_weights_read_as_exported(tmp_path: Path) -> None:
    net = Variants().eval()
    direct, exported = _both(net, (3, 4, 4), tmp_path)
    _same(direct, exported)
    conv, fc = direct.quant
    assert conv.weights == TensorQuant(8, False, zero_point=ZeroPoint.STATIC)
    assert conv.activations == TensorQuant(8, True)  # the layer's own input_quant
    assert fc.weights == TensorQuant(1, True, centred=True)  # BipolarQuant, levels +-0.1
    assert fc.activations == TensorQuant(8, True) and fc.source == "fc.weight_quant / conv.output_quant"


def test_real_scales_priced_as_float_on_request() -> None:
    from hwcost.workloads.imports.torch_module import read_module

    model = read_module(TinyCNN().eval(), input_shape=(3, 16, 16), real_scale=ScaleType.FLOAT)
    types = [(q.weights.scale_type, q.activations.scale_type) for q in model.quant]  # type: ignore[union-attr]
    float_, pot = ScaleType.FLOAT, ScaleType.POT
    assert types == [(float_, pot), (pot, pot), (pot, pot), (float_, float_)]  # the image: 2^-7 before calibration
    # import_model passes real_scale on to the module reader
    via_api = hwcost.import_model(TinyCNN().eval(), input_shape=(3, 16, 16), real_scale="float")
    assert [(q.weights.scale_type, q.activations.scale_type) for q in via_api.quant] == types  # type: ignore[union-attr]


def test_unreadable_brevitas_modules_are_listed_and_a_missing_brevitas_named(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(HwcostError, match=r"Residual node 'add': unsupported module QuantEltwiseAdd \('add'\)"):
        hwcost.import_model(Residual(), input_shape=(3, 4, 4))
    per_channel = dict(scaling_per_output_channel=True, per_channel_broadcastable_shape=(1, 3, 1, 1),
                       scaling_stats_permute_dims=(1, 0, 2, 3))
    act = nn.Sequential(qnn.QuantIdentity(bit_width=4, **per_channel), qnn.QuantConv2d(3, 4, 1))
    with pytest.raises(HwcostError, match=r"node '_1': 0.act_quant: 3 activation scales"):
        hwcost.import_model(act, input_shape=(3, 4, 4))
    monkeypatch.setitem(sys.modules, "brevitas.proxy", None)
    with pytest.raises(HwcostError, match=r"pip install 'hwcost\[brevitas\]'"):
        hwcost.import_model(nn.Sequential(qnn.QuantConv2d(3, 4, 1)), input_shape=(3, 4, 4))


def test_the_models_page_brevitas_example_prints_its_listing(capsys: pytest.CaptureFixture[str]) -> None:
    page = Path(__file__).resolve().parents[2] / "docs" / "models.md"
    blocks = re.findall(r"```py\n(.*?)```\n\n```\n(.*?)```", page.read_text(), flags=re.S)
    assert len(blocks) == 1
    code, listing = blocks[0]
    namespace: dict[str, object] = {}
    exec(compile(code, "docs/models.md", "exec"), namespace)  # noqa: S102 - the documentation's own example
    assert capsys.readouterr().out == listing
    # hand counts: conv1 32*32 x 32 x 27; conv2 16*16 x 64 x 32*9; conv3 8*8 x 128 x 64*9; fc 128 x 10
    assert namespace["model"].total_macs == 884_736 + 2 * 4_718_592 + 1_280  # type: ignore[attr-defined]
