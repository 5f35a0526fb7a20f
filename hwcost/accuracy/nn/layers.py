"""Layers: a quantizable linear/conv layer with optional batch norm, ReLU, max pooling, flatten.

:class:`QuantDense` is both the linear and the convolution layer: a conv is im2col followed by
the same matrix product. It carries two quantizer hooks (input activations, weights) and an
injectable :mod:`matmul policy <hwcost.accuracy.nn.matmul>`. Batch norm runs after the product
(full-precision training, the unfused-BN scheme) or is folded with its frozen statistics into
the weights before they are quantized (the BN-fused weight quantizer).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwcost.accuracy.qat.act_quantizer import ActQuantizer
from hwcost.accuracy.qat.config import QuantizerConfig
from hwcost.accuracy.nn.batchnorm import BatchNorm
from hwcost.accuracy.nn.im2col import col2im, conv_output_size, im2col
from hwcost.accuracy.nn.matmul import DenseMatmul, MatmulPolicy, MatmulScales
from hwcost.accuracy.nn.params import Param, StepContext
from hwcost.accuracy.qat.weight_quantizer import WeightQuantizer

__all__ = ["ConvShape", "QuantDense", "ReLU", "MaxPool2d", "Flatten", "quantize_bias"]


@dataclass(frozen=True)
class ConvShape:
    """Square kernel, stride 1, ``padding`` on every side."""

    kernel: int
    padding: int


def quantize_bias(b: np.ndarray, bias_step: np.ndarray) -> np.ndarray:
    """Round a bias onto the accumulator grid ``S_w * S_a`` (Jacob et al. 2018 eq. 11)."""
    return bias_step * np.floor(b / bias_step + 0.5)


class QuantDense:
    """``y = Q_w(W) Q_a(x) + b`` as a linear layer or (with ``conv``) a convolution."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        rng: np.random.Generator,
        conv: ConvShape | None = None,
        batch_norm: bool = False,
        matmul: MatmulPolicy | None = None,
    ):
        std = np.sqrt(2.0 / in_features)  # He et al. 2015 initialisation
        self.weight = Param("weight", rng.normal(0.0, std, (out_features, in_features)))
        self.bias = Param("bias", np.zeros(out_features), decay=False)
        self.has_bias = not batch_norm  # batch norm's shift makes a bias of its own redundant
        self.conv = conv
        self.bn = BatchNorm(out_features) if batch_norm else None
        self.matmul: MatmulPolicy = matmul or DenseMatmul()
        self.quantized = False
        self.bn_folded = False
        self.w_quant: WeightQuantizer | None = None
        self.a_quant: ActQuantizer | None = None
        self._cache: tuple | None = None

    @property
    def params(self) -> list[Param]:
        own = [self.weight] + ([self.bias] if self.has_bias else []) + (self.bn.params if self.bn else [])
        if self.quantized:
            own += [p for q in (self.w_quant, self.a_quant) if q is not None for p in q.params]
        return own

    def attach_quantizers(self, weights: QuantizerConfig | None, activations: QuantizerConfig | None) -> None:
        """Quantizer hooks; ``None`` leaves that tensor in full precision (unquantized edge layers)."""
        self.w_quant = None if weights is None else WeightQuantizer(weights, self.weight.value.shape[0])
        self.a_quant = None if activations is None else ActQuantizer(activations)

    def code_steps(self, w: np.ndarray) -> MatmulScales | None:
        """Steps of one integer code of the input and of each weight row (centred grids: half steps)."""
        if not (self.quantized and self.w_quant and self.a_quant):
            return None
        a_step = self.a_quant.step_offset()[0] / self.a_quant.config.grid.code_scale
        w_step = self.w_quant.row_step_offset(w)[0][:, 0] / self.w_quant.config.grid.code_scale
        return MatmulScales(activation_step=a_step, weight_step=w_step)

    def effective_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """Weights and bias the product uses: BN-folded ones when BN is folded."""
        if self.bn_folded:
            return self.bn.fold(self.weight.value, self.bias.value)
        return self.weight.value, self.bias.value

    def patches(self, x: np.ndarray, pad_value: float | int = 0) -> np.ndarray:
        if self.conv is None:
            return x.reshape(x.shape[0], -1)
        return im2col(x, self.conv.kernel, self.conv.padding, pad_value)

    def _unpatch(self, y: np.ndarray, x_shape: tuple[int, ...]) -> np.ndarray:
        if self.conv is None:
            return y
        n, _, h, w = x_shape
        oh, ow = (conv_output_size(s, self.conv.kernel, self.conv.padding) for s in (h, w))
        return y.reshape(n, oh, ow, -1).transpose(0, 3, 1, 2)

    def initialise_quantizers(self, x: np.ndarray) -> None:
        """Initialise learned quantizer parameters from full-precision inputs and weights."""
        if self.a_quant is not None:
            self.a_quant.initialise(x)
        if self.w_quant is not None:
            self.w_quant.initialise(self.effective_weights()[0])

    def forward(self, x: np.ndarray, ctx: StepContext) -> np.ndarray:
        xq = self.a_quant.forward(x, ctx) if self.quantized and self.a_quant else x
        patches = self.patches(xq)
        w, b = self.effective_weights()
        w_hat = self.w_quant.forward(w, ctx) if self.quantized and self.w_quant else w
        scales = self.code_steps(w)
        b_hat = b if scales is None else quantize_bias(b, scales.weight_step * scales.activation_step)
        y = self.matmul.forward(patches, w_hat, ctx, scales) + b_hat
        if self.bn is not None and not self.bn_folded:
            y = self.bn.forward(y, ctx.training)
        self._cache = (x.shape, patches, w, b, w_hat)
        return self._unpatch(y, x.shape)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        x_shape, patches, w, b, w_hat = self._cache
        g = grad_out if self.conv is None else grad_out.transpose(0, 2, 3, 1).reshape(-1, grad_out.shape[1])
        if self.bn is not None and not self.bn_folded:
            g = self.bn.backward(g)
        grad_b = g.sum(axis=0)  # straight through the bias rounding
        grad_patches, grad_w = self.matmul.backward(patches, w_hat, g)
        if self.quantized and self.w_quant:
            grad_w = self.w_quant.backward(grad_w)
        if self.bn_folded:
            grad_w, grad_b = self.bn.fold_backward(self.weight.value, self.bias.value, grad_w, grad_b)
        self.weight.grad += grad_w
        self.bias.grad += grad_b
        if self.conv is None:
            grad_x = grad_patches.reshape(x_shape)
        else:
            grad_x = col2im(grad_patches, x_shape, self.conv.kernel, self.conv.padding)
        return self.a_quant.backward(grad_x) if self.quantized and self.a_quant else grad_x


class ReLU:
    params: list[Param] = []

    def forward(self, x: np.ndarray, ctx: StepContext) -> np.ndarray:
        self._mask = x > 0
        return np.where(self._mask, x, 0.0)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return np.where(self._mask, grad_out, 0.0)


class MaxPool2d:
    """Non-overlapping ``size x size`` max pooling (commutes with monotone requantization)."""

    params: list[Param] = []

    def __init__(self, size: int = 2):
        self.size = size

    def forward(self, x: np.ndarray, ctx: StepContext) -> np.ndarray:
        n, c, h, w = x.shape
        s = self.size
        windows = x.reshape(n, c, h // s, s, w // s, s).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // s, w // s, s * s)
        winner = windows.argmax(axis=-1)  # one winner per window, the first on ties
        self._cache = (x.shape, winner)
        return np.take_along_axis(windows, winner[..., None], axis=-1)[..., 0]

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        (n, c, h, w), winner = self._cache
        s = self.size
        grad = np.zeros((n, c, h // s, w // s, s * s))
        np.put_along_axis(grad, winner[..., None], grad_out[..., None], axis=-1)
        return grad.reshape(n, c, h // s, w // s, s, s).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h, w)


class Flatten:
    params: list[Param] = []

    def forward(self, x: np.ndarray, ctx: StepContext) -> np.ndarray:
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out.reshape(self._shape)
