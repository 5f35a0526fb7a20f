"""The torch models against the cost side's workloads: the same layers and weights."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from hwcost.workloads import load_workload
from hwcost.accuracy.nn.params import EVAL
from hwcost.accuracy.torch_backend.models import TORCH_MODELS, build_torch_model

CIFAR = (3, 32, 32)


def _weights(name: str, shape=CIFAR, classes: int = 10) -> tuple[int, int]:
    net = build_torch_model(name, shape, classes, True, np.random.default_rng(0))
    return len(net.dense_layers), sum(int(layer.weight.numel()) for layer in net.dense_layers)


@pytest.mark.parametrize("name", ["resnet20", "vgg7"])
def test_cifar_networks_match_their_workloads(name: str) -> None:
    workload = load_workload(name)
    assert _weights(name) == (len(workload.compute_layers), workload.total_weights)


def test_resnet18_is_the_cifar_variant_of_the_imagenet_workload() -> None:
    """CIFAR ResNet-18 = the ImageNet one with a 3x3 stem (no 7x7) and a 10-way fc."""
    imagenet = load_workload("resnet18")
    expected = imagenet.total_weights - 7 * 7 * 3 * 64 + 3 * 3 * 3 * 64 - 512 * 1000 + 512 * 10
    assert _weights("resnet18") == (len(imagenet.compute_layers), expected)


@pytest.mark.parametrize("name", TORCH_MODELS)
@pytest.mark.parametrize("shape", [(1, 28, 28), CIFAR], ids=["fashion-mnist", "cifar"])
def test_every_model_classifies_both_image_sizes(name: str, shape: tuple[int, ...]) -> None:
    net = build_torch_model(name, shape, 10, True, np.random.default_rng(0))
    assert net(torch.zeros((2,) + shape), EVAL).shape == (2, 10)


def test_importing_hwcost_does_not_import_torch() -> None:
    code = "import sys, hwcost, hwcost.accuracy, hwcost.study, hwcost.cli; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
