"""torch import: a tiny module against hand counts; the torch backend's ResNet-20, traced, equals
the shipped ``resnet20`` workload; its quantized layers' bits are read from the modules."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import hwcost
from hwcost.accuracy.nn.params import EVAL
from hwcost.accuracy.torch_backend.attach import quantize_torch_network
from hwcost.accuracy.torch_backend.models import build_torch_model
from hwcost.errors import HwcostError
from hwcost.schemes import get_scheme
from hwcost.workloads import LayerKind, PoolOp, load_workload


class Tiny(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(8)
        self.dw = nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=8)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.relu(self.bn(self.stem(x)))
        y = y + self.dw(y)
        y = nn.functional.max_pool2d(y, 2)
        return self.fc(torch.flatten(self.pool(y), 1))


def test_a_tiny_module_against_hand_counts() -> None:
    model = hwcost.import_model(Tiny(), input_shape=(3, 32, 32))
    got = {l.name: l for l in model.layers}
    assert list(got) == ["stem", "dw", "add", "max_pool2d", "pool", "fc"]
    assert got["stem"].output_hw == (16, 16) and got["stem"].macs == 16 * 16 * 8 * 27
    dw = got["dw"]  # dilation 2, padding 2: 16x16 outputs, 9 MACs each
    assert (dw.kind, dw.output_hw, dw.macs) == (LayerKind.DEPTHWISE, (16, 16), 16 * 16 * 8 * 9)
    assert (got["add"].kind, got["add"].output_elements) == (LayerKind.ADD, 8 * 16 * 16)
    assert (got["max_pool2d"].pool_op, got["max_pool2d"].output_hw) == (PoolOp.MAX, (8, 8))
    assert (got["pool"].kernel_hw, got["pool"].output_hw) == ((8, 8), (1, 1))
    assert (got["fc"].kind, got["fc"].macs) == (LayerKind.FC, 40)
    assert model.bn.value == "unfused" and not model.quantized


def test_the_traced_torch_resnet20_is_the_shipped_workload() -> None:
    net = build_torch_model("resnet20", (3, 32, 32), 10, True, np.random.default_rng(0))
    model = hwcost.import_model(net, example_input=(torch.zeros(1, 3, 32, 32), EVAL))
    shipped = load_workload("resnet20")
    assert model.total_macs == shipped.total_macs == 40_813_184
    assert model.total_weights == shipped.total_weights
    # the same layers; the projection shortcut runs before its block's body in the torch module
    assert sorted(l.macs for l in model.layers) == sorted(l.macs for l in shipped.layers)
    assert sorted(l.output_elements for l in model.layers) == sorted(l.output_elements for l in shipped.layers)
    assert [l.kind for l in model.layers if l.is_first or l.is_last] == [LayerKind.CONV, LayerKind.FC]


def test_quantized_torch_layers_give_their_bits_and_price_as_the_preset() -> None:
    net = build_torch_model("resnet20", (3, 32, 32), 10, True, np.random.default_rng(0))
    x = np.random.default_rng(1).normal(size=(8, 3, 32, 32)).astype(np.float32)
    quantize_torch_network(net, get_scheme("lsq", 4, 4), x)
    model = hwcost.import_model(net, example_input=(torch.zeros(1, 3, 32, 32), EVAL))
    bits = [(q.weights.bits, q.activations.bits) for q in model.quant]  # type: ignore[union-attr]
    assert bits == [(8, 8)] + [(4, 4)] * 20 + [(8, 8)]  # LSQ: 8-bit first and last layers
    assert all("lsq" in r["presets"] for r in model.precision_rows())
    report = hwcost.evaluate(model.scheme(), workload=model)
    preset = hwcost.evaluate("lsq", 4, workload="resnet20")
    assert report.energy_pj == pytest.approx(preset.energy_pj, rel=1e-9)
    assert report.latency_cycles == pytest.approx(preset.latency_cycles, rel=1e-12)


def test_an_unsupported_module_is_listed_and_an_input_is_needed() -> None:
    with pytest.raises(HwcostError, match=r"Sequential node '_1': unsupported module GELU \('1'\)"):
        hwcost.import_model(nn.Sequential(nn.Conv2d(3, 4, 1), nn.GELU()), input_shape=(3, 4, 4))
    with pytest.raises(HwcostError, match=r"input_shape: a torch module needs example_input="):
        hwcost.import_model(Tiny())
