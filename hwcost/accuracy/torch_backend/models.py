"""The models of the torch backend: the numpy ``mlp`` and ``cnn``, and the CIFAR networks the
published quantization studies report (their cost workloads are ``hwcost/workloads/data``).

- ``mlp``, ``cnn``: as :mod:`hwcost.accuracy.models` (same layers, same initial weights for the
  same generator), so numpy and torch train the same network.
- ``resnet20`` (He et al., CVPR 2016, §4.2): 3x3 conv 16, three stages of three basic blocks at
  16/32/64 channels (stride 2 and a 1x1 projection shortcut with BN on the first block of stages
  2 and 3, option B as the ``resnet20`` workload), global average pooling, fc.
- ``vgg7`` (Li et al., "Ternary Weight Networks", arXiv:1605.04711 §4): 2x(128-C3) MP2
  2x(256-C3) MP2 2x(512-C3) MP2 1024-FC, fc classifier.
- ``resnet18``, CIFAR variant (He et al. 2016 Table 1 with a 3x3 stride-1 stem and no max pool,
  as the CIFAR ResNet-18 of the quantization literature): four stages of two basic blocks at
  64/128/256/512 channels, projection shortcuts, global average pooling, fc.

Batch norm and ReLU follow every hidden linear/conv layer (no BN when the scheme's ``bn`` is
``none``). The first conv and the last fc are the scheme's first/last layers.
"""

from __future__ import annotations

import numpy as np
import torch

from hwcost.errors import HwcostError
from hwcost.accuracy.models import ALL_MODELS, CNN_CHANNELS, MLP_HIDDEN
from hwcost.accuracy.nn.params import StepContext
from hwcost.accuracy.torch_backend.layers import (
    Conv,
    Flatten,
    GlobalAvgPool,
    MaxPool,
    QLayer,
    Relu,
    Residual,
    Sequence,
    StepModule,
)

__all__ = ["TORCH_MODELS", "TorchNetwork", "build_torch_model"]

TORCH_MODELS: tuple[str, ...] = ALL_MODELS
K3 = Conv(kernel=3, padding=1)


class TorchNetwork(Sequence):
    """Layers in order; :attr:`dense_layers` lists every :class:`QLayer` in forward order (the first
    and the last are the first/last layers). :meth:`state` / :meth:`load_state` use the numpy
    :class:`~hwcost.accuracy.nn.network.Network`'s keys, so a state moves between backends."""

    @property
    def dense_layers(self) -> list[QLayer]:
        return [m for m in self.modules() if isinstance(m, QLayer)]

    def state(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for i, layer in enumerate(self.dense_layers):
            out[f"{i}.weight"], out[f"{i}.bias"] = layer.weight, layer.bias
            if layer.bn is not None:
                out[f"{i}.gamma"], out[f"{i}.beta"] = layer.bn.gamma, layer.bn.beta
                out[f"{i}.mean"], out[f"{i}.var"] = layer.bn.running_mean, layer.bn.running_var
        return {k: v.detach().cpu().numpy().astype(np.float64) for k, v in out.items()}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        with torch.no_grad():
            for i, layer in enumerate(self.dense_layers):
                pairs = [(layer.weight, "weight"), (layer.bias, "bias")]
                if layer.bn is not None:
                    pairs += [(layer.bn.gamma, "gamma"), (layer.bn.beta, "beta"), (layer.bn.running_mean, "mean"),
                              (layer.bn.running_var, "var")]
                for tensor, key in pairs:
                    tensor.copy_(torch.from_numpy(np.asarray(state[f"{i}.{key}"])).to(tensor.dtype))

    @torch.no_grad()
    def predict(self, x: np.ndarray, ctx: StepContext, device: torch.device, batch_size: int = 512) -> np.ndarray:
        dtype = next(self.parameters()).dtype
        out = []
        for i in range(0, len(x), batch_size):
            xb = torch.from_numpy(np.ascontiguousarray(x[i : i + batch_size])).to(device=device, dtype=dtype)
            out.append(self(xb, ctx).argmax(dim=1).cpu().numpy())
        return np.concatenate(out)


def _conv(c_in: int, c_out: int, rng: np.random.Generator, bn: bool, conv: Conv = K3) -> QLayer:
    return QLayer(c_in * conv.kernel**2, c_out, rng, conv=conv, batch_norm=bn, in_channels=c_in)


def _mlp(shape: tuple[int, ...], classes: int, bn: bool, rng: np.random.Generator) -> TorchNetwork:
    layers: list[StepModule] = [Flatten()]
    width = int(np.prod(shape))
    for hidden in MLP_HIDDEN:
        layers += [QLayer(width, hidden, rng, batch_norm=bn), Relu()]
        width = hidden
    return TorchNetwork(layers + [QLayer(width, classes, rng)])


def _cnn(shape: tuple[int, ...], classes: int, bn: bool, rng: np.random.Generator) -> TorchNetwork:
    c1, c2, c3 = CNN_CHANNELS
    return TorchNetwork([
        _conv(shape[0], c1, rng, bn), Relu(),
        _conv(c1, c2, rng, bn), Relu(), MaxPool(2),
        _conv(c2, c3, rng, bn), Relu(), MaxPool(2),
        Flatten(), QLayer(c3 * (shape[1] // 4) * (shape[2] // 4), classes, rng),
    ])  # fmt: skip


def _block(c_in: int, c_out: int, stride: int, rng: np.random.Generator, bn: bool) -> Residual:
    body = Sequence([_conv(c_in, c_out, rng, bn, Conv(3, 1, stride)), Relu(), _conv(c_out, c_out, rng, bn)])
    shortcut = None if stride == 1 and c_in == c_out else _conv(c_in, c_out, rng, bn, Conv(1, 0, stride))
    return Residual(body, shortcut)


def _resnet(shape: tuple[int, ...], classes: int, bn: bool, rng: np.random.Generator, widths: tuple[int, ...],
            blocks: int) -> TorchNetwork:
    layers: list[StepModule] = [_conv(shape[0], widths[0], rng, bn), Relu()]
    c_in = widths[0]
    for s, width in enumerate(widths):
        for b in range(blocks):
            layers.append(_block(c_in, width, 2 if s > 0 and b == 0 else 1, rng, bn))
            c_in = width
    return TorchNetwork(layers + [GlobalAvgPool(), QLayer(c_in, classes, rng)])


def _vgg7(shape: tuple[int, ...], classes: int, bn: bool, rng: np.random.Generator) -> TorchNetwork:
    layers: list[StepModule] = []
    c_in, size = shape[0], shape[1:]
    for width in (128, 256, 512):
        layers += [_conv(c_in, width, rng, bn), Relu(), _conv(width, width, rng, bn), Relu(), MaxPool(2)]
        c_in, size = width, (size[0] // 2, size[1] // 2)
    flat = c_in * size[0] * size[1]
    return TorchNetwork(layers + [Flatten(), QLayer(flat, 1024, rng, batch_norm=bn), Relu(), QLayer(1024, classes, rng)])


def build_torch_model(name: str, input_shape: tuple[int, ...], classes: int, batch_norm: bool,
                      rng: np.random.Generator) -> TorchNetwork:
    """A freshly initialised torch model (float32, on the CPU)."""
    shape = tuple(input_shape)
    if name not in TORCH_MODELS:
        raise HwcostError.single(f"unknown model '{name}'; valid models: {', '.join(TORCH_MODELS)}", key="model")
    if name != "mlp" and (len(shape) != 3 or shape[1] < 8 or shape[2] < 8 or (name == "cnn" and (shape[1] % 4 or shape[2] % 4))):
        need = "divisible by 4" if name == "cnn" else "at least 8"
        raise HwcostError.single(f"model '{name}' needs images (channels, height, width) with height and width {need}; "
                                 f"got {shape}", key="model")
    if name == "mlp":
        return _mlp(shape, classes, batch_norm, rng)
    if name == "cnn":
        return _cnn(shape, classes, batch_norm, rng)
    if name == "vgg7":
        return _vgg7(shape, classes, batch_norm, rng)
    widths, blocks = ((16, 32, 64), 3) if name == "resnet20" else ((64, 128, 256, 512), 2)
    return _resnet(shape, classes, batch_norm, rng, widths, blocks)
