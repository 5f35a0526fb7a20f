"""The two small numpy models: ``mlp`` and ``cnn`` (the torch backend has these and the CIFAR networks).

- ``mlp``: flatten -> 128 -> 128 -> 128 -> classes (linear, [BN], ReLU per hidden layer).
- ``cnn``: conv3x3 16 -> conv3x3 32 -> maxpool 2 -> conv3x3 32 -> maxpool 2 -> linear classes.

Both have two layers between the first and the last, so the scheme's bits act on more than one
layer while the first/last layers run at ``first_last_bits``. Batch norm follows every hidden
layer unless the scheme's BN handling is ``none``.
"""

from __future__ import annotations

import numpy as np

from hwcost.errors import HwcostError
from hwcost.accuracy.nn.layers import ConvShape, Flatten, MaxPool2d, QuantDense, ReLU
from hwcost.accuracy.nn.matmul import MatmulPolicy
from hwcost.accuracy.nn.network import Module, Network

__all__ = ["MODEL_NAMES", "TORCH_ONLY_MODELS", "ALL_MODELS", "build_model"]

MODEL_NAMES: tuple[str, ...] = ("mlp", "cnn")  # numpy (and torch)
TORCH_ONLY_MODELS: tuple[str, ...] = ("resnet20", "vgg7", "resnet18")  # hwcost.accuracy.torch_backend.models
ALL_MODELS: tuple[str, ...] = MODEL_NAMES + TORCH_ONLY_MODELS
MLP_HIDDEN: tuple[int, ...] = (128, 128, 128)
CNN_CHANNELS: tuple[int, int, int] = (16, 32, 32)


def _mlp(shape: tuple[int, ...], classes: int, bn: bool, rng: np.random.Generator, mm: MatmulPolicy | None) -> Network:
    layers: list[Module] = [Flatten()]
    width = int(np.prod(shape))
    for hidden in MLP_HIDDEN:
        layers += [QuantDense(width, hidden, rng, batch_norm=bn, matmul=mm), ReLU()]
        width = hidden
    layers.append(QuantDense(width, classes, rng, matmul=mm))
    return Network(layers)


def _cnn(shape: tuple[int, ...], classes: int, bn: bool, rng: np.random.Generator, mm: MatmulPolicy | None) -> Network:
    if len(shape) != 3 or shape[1] % 4 or shape[2] % 4:
        raise HwcostError.single(
            f"model 'cnn' needs images (channels, height, width) with height and width divisible by 4; got {shape}",
            key="model",
        )
    c1, c2, c3 = CNN_CHANNELS
    k = ConvShape(kernel=3, padding=1)
    layers: list[Module] = [
        QuantDense(shape[0] * 9, c1, rng, conv=k, batch_norm=bn, matmul=mm), ReLU(),
        QuantDense(c1 * 9, c2, rng, conv=k, batch_norm=bn, matmul=mm), ReLU(), MaxPool2d(2),
        QuantDense(c2 * 9, c3, rng, conv=k, batch_norm=bn, matmul=mm), ReLU(), MaxPool2d(2),
        Flatten(),
        QuantDense(c3 * (shape[1] // 4) * (shape[2] // 4), classes, rng, matmul=mm),
    ]  # fmt: skip
    return Network(layers)


def build_model(
    name: str,
    input_shape: tuple[int, ...],
    classes: int,
    batch_norm: bool,
    rng: np.random.Generator,
    matmul: MatmulPolicy | None = None,
) -> Network:
    """A freshly initialised model; ``matmul`` is injected into every linear/conv layer.

    >>> net = build_model("mlp", (1, 8, 8), 10, True, np.random.default_rng(0))
    >>> [layer.weight.value.shape for layer in net.dense_layers]
    [(128, 64), (128, 128), (128, 128), (10, 128)]
    """
    builders = {"mlp": _mlp, "cnn": _cnn}
    if name not in builders:
        raise HwcostError.single(f"unknown model '{name}'; valid models: {', '.join(MODEL_NAMES)}", key="model")
    return builders[name](tuple(input_shape), classes, batch_norm, rng, matmul)
