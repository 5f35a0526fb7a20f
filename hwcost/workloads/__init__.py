"""Workloads: the layer tables of the networks a study prices, loaded from YAML data files.

Built-in: ResNet-20 and VGG-7 (CIFAR-10, 32x32x3); ResNet-18, VGG-16 and MobileNetV2 (ImageNet,
224x224x3). Users pass their own file with ``load_workload("path/to/net.yaml")``; the format is
in ``docs/workloads.md``.

>>> from hwcost.workloads import load_workload
>>> net = load_workload("resnet18")
>>> net.layer("layer4.1.conv2").output_hw, int(net.compute_arrays.macs.sum()) == net.total_macs
((7, 7), True)
"""

from hwcost.workloads.layer import (
    COMPUTE_KINDS,
    Layer,
    LayerArrays,
    LayerKind,
    LayerPrecision,
    PoolOp,
    Workload,
)
from hwcost.workloads.loader import list_workloads, load_workload, parse_workload

__all__ = [
    "COMPUTE_KINDS",
    "Layer",
    "LayerArrays",
    "LayerKind",
    "LayerPrecision",
    "PoolOp",
    "Workload",
    "list_workloads",
    "load_workload",
    "parse_workload",
]
