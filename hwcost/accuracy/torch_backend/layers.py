"""Torch layers mirroring :mod:`hwcost.accuracy.nn.layers`: a quantizable linear/conv layer
with its own batch norm (unfused, or folded into the weights before they are quantized), and the
parameter-free layers; all take the step context of :mod:`hwcost.accuracy.nn.params`.

- :class:`TorchBatchNorm` is the numpy :class:`~hwcost.accuracy.nn.batchnorm.BatchNorm`: biased
  batch variance for normalising *and* for the running statistics (momentum 0.9, eps 1e-5),
  unlike ``torch.nn.BatchNorm2d`` (unbiased running variance); folding uses ``rsqrt``, which is
  bit-equal to numpy's ``1 / sqrt`` (max-calibrated steps put a weight exactly on the grid's edge,
  so a one-ulp difference would flip its straight-through mask).
- :class:`QLayer` computes ``y = Q_w(W) Q_a(x) + round(b / (S_w S_a)) S_w S_a`` (Jacob et al. 2018
  eq. 11, straight-through for the bias), then BN unless folded (Jacob eq. 14: ``W gamma/sigma``
  and ``beta + (b - mu) gamma/sigma`` with frozen statistics). Weights are stored as the numpy
  layer stores them, ``(out, in * k * k)``, so states move between the backends unchanged. A
  matmul policy (the CIM macro, :mod:`hwcost.accuracy.torch_backend.cim`) replaces the product.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from hwcost.accuracy.nn.batchnorm import BN_EPS, BN_MOMENTUM
from hwcost.accuracy.nn.matmul import MatmulScales
from hwcost.accuracy.nn.params import StepContext
from hwcost.accuracy.qat.config import QuantizerConfig
from hwcost.accuracy.torch_backend.quantizers import TorchActQuantizer, TorchWeightQuantizer
from hwcost.accuracy.torch_backend.kernels import straight_through

__all__ = ["Conv", "TorchBatchNorm", "QLayer", "Relu", "MaxPool", "Flatten", "GlobalAvgPool", "Sequence", "Residual",
           "TorchMatmul", "StepModule"]


@dataclass(frozen=True)
class Conv:
    """Square kernel, ``stride``, ``padding`` on every side."""

    kernel: int
    padding: int
    stride: int = 1


class TorchMatmul(Protocol):
    def __call__(self, patches: torch.Tensor, weights: torch.Tensor, ctx: StepContext, scales: MatmulScales | None) -> torch.Tensor:
        """``(M, K) x (C_out, K) -> (M, C_out)``."""
        ...


class StepModule(nn.Module):
    """A module whose forward takes the step context."""

    def forward(self, x: torch.Tensor, ctx: StepContext) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError


class TorchBatchNorm(nn.Module):
    """``gamma (y - mu) / sqrt(var + eps) + beta`` per channel (dimension 1)."""

    def __init__(self, channels: int):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))
        self.register_buffer("running_mean", torch.zeros(channels, dtype=torch.float64))
        self.register_buffer("running_var", torch.ones(channels, dtype=torch.float64))

    def inv_std(self, dtype: torch.dtype) -> torch.Tensor:
        return torch.rsqrt(self.running_var + BN_EPS).to(dtype)  # bit-equal to numpy's 1 / sqrt (torch.sqrt is not)

    def fold(self, w: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        c = self.gamma.to(w.dtype) * self.inv_std(w.dtype)
        return w * c[:, None], self.beta.to(w.dtype) + (b - self.running_mean.to(w.dtype)) * c

    def forward(self, y: torch.Tensor, training: bool) -> torch.Tensor:
        """Torch's fused batch norm (4x faster than the expression; the same values to rounding);
        in training it also returns the batch mean and the unbiased variance (momentum 1), from
        which the numpy layer's running statistics (biased variance) are updated."""
        gamma, beta = self.gamma.to(y.dtype), self.beta.to(y.dtype)
        if not training:
            return F.batch_norm(y, self.running_mean.to(y.dtype), self.running_var.to(y.dtype), gamma, beta,
                                training=False, eps=BN_EPS)
        mean = torch.zeros(y.shape[1], dtype=y.dtype, device=y.device)
        var = torch.ones(y.shape[1], dtype=y.dtype, device=y.device)
        out = F.batch_norm(y, mean, var, gamma, beta, training=True, momentum=1.0, eps=BN_EPS)
        n = y.numel() // y.shape[1]
        with torch.no_grad():
            self.running_mean.mul_(BN_MOMENTUM).add_((1 - BN_MOMENTUM) * mean.double())
            self.running_var.mul_(BN_MOMENTUM).add_((1 - BN_MOMENTUM) * var.double() * ((n - 1) / n))
        return out


class QLayer(StepModule):
    """A linear layer or (with ``conv``) a convolution, with quantizer hooks and optional BN."""

    def __init__(self, in_features: int, out_features: int, rng: np.random.Generator, conv: Conv | None = None,
                 batch_norm: bool = False, in_channels: int | None = None):
        super().__init__()
        std = np.sqrt(2.0 / in_features)  # He et al. 2015, drawn as the numpy layer draws it
        self.weight = nn.Parameter(torch.from_numpy(rng.normal(0.0, std, (out_features, in_features))).float())
        self.has_bias = not batch_norm
        self.bias = nn.Parameter(torch.zeros(out_features), requires_grad=self.has_bias)
        self.conv = conv
        self.in_channels = in_channels
        self.bn = TorchBatchNorm(out_features) if batch_norm else None
        self.quantized = False
        self.bn_folded = False
        self.w_quant: TorchWeightQuantizer | None = None
        self.a_quant: TorchActQuantizer | None = None
        self.matmul: TorchMatmul | None = None  # None: the exact product (F.conv2d / F.linear)

    def attach_quantizers(self, weights: QuantizerConfig | None, activations: QuantizerConfig | None) -> None:
        where = {"device": self.weight.device, "dtype": self.weight.dtype}
        self.w_quant = None if weights is None else TorchWeightQuantizer(weights, int(self.weight.shape[0])).to(**where)
        self.a_quant = None if activations is None else TorchActQuantizer(activations).to(**where)

    def effective_weights(self, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
        w, b = self.weight.to(dtype), self.bias.to(dtype)
        return self.bn.fold(w, b) if self.bn_folded and self.bn is not None else (w, b)

    def initialise_quantizers(self, x: torch.Tensor) -> None:
        if self.a_quant is not None:
            self.a_quant.initialise(x)
        if self.w_quant is not None:
            self.w_quant.initialise(self.effective_weights(torch.float64)[0])

    def code_steps(self, x: torch.Tensor, w: torch.Tensor) -> MatmulScales | None:
        """Code steps of the input and of each weight row (centred grids: half steps)."""
        if not (self.quantized and self.w_quant and self.a_quant):
            return None
        a_step = self.a_quant.code_step(x) / self.a_quant.config.grid.code_scale
        w_step = self.w_quant.row_step(w) / self.w_quant.config.grid.code_scale
        return MatmulScales(activation_step=a_step, weight_step=w_step)  # type: ignore[arg-type]

    def _patches(self, x: torch.Tensor) -> torch.Tensor:
        c = self.conv
        assert c is not None
        cols = F.unfold(x, c.kernel, padding=c.padding, stride=c.stride)  # N, C*k*k, L
        return cols.transpose(1, 2).reshape(-1, cols.shape[1])

    def forward(self, x: torch.Tensor, ctx: StepContext) -> torch.Tensor:
        xq = self.a_quant(x, ctx) if self.quantized and self.a_quant else x
        w, b = self.effective_weights(x.dtype)
        w_hat = self.w_quant(w, ctx) if self.quantized and self.w_quant else w
        scales = self.code_steps(x, w)
        if scales is not None:
            s = (scales.weight_step * scales.activation_step).to(b.dtype)
            b = straight_through(b, s * torch.floor(b.detach() / s + 0.5))
        if self.matmul is not None:
            y = self._policy_product(xq, w_hat, b, ctx, scales)
        elif self.conv is None:
            y = F.linear(xq.reshape(xq.shape[0], -1), w_hat, b)
        else:
            c = self.conv
            y = F.conv2d(xq, w_hat.reshape(w_hat.shape[0], self.in_channels, c.kernel, c.kernel), b,
                         stride=c.stride, padding=c.padding)
        if self.bn is not None and not self.bn_folded:
            y = self.bn(y, ctx.training)
        return y

    def _policy_product(self, xq: torch.Tensor, w_hat: torch.Tensor, b: torch.Tensor, ctx: StepContext,
                        scales: MatmulScales | None) -> torch.Tensor:
        assert self.matmul is not None
        if self.conv is None:
            return self.matmul(xq.reshape(xq.shape[0], -1), w_hat, ctx, scales) + b
        n, _, h, w = xq.shape
        c = self.conv
        oh, ow = ((s + 2 * c.padding - c.kernel) // c.stride + 1 for s in (h, w))
        y = self.matmul(self._patches(xq), w_hat, ctx, scales) + b
        return y.reshape(n, oh, ow, -1).permute(0, 3, 1, 2)


class Relu(StepModule):
    def forward(self, x: torch.Tensor, ctx: StepContext) -> torch.Tensor:
        return F.relu(x)


class MaxPool(StepModule):
    def __init__(self, size: int = 2):
        super().__init__()
        self.size = size

    def forward(self, x: torch.Tensor, ctx: StepContext) -> torch.Tensor:
        return F.max_pool2d(x, self.size)


class Flatten(StepModule):
    def forward(self, x: torch.Tensor, ctx: StepContext) -> torch.Tensor:
        return x.reshape(x.shape[0], -1)


class GlobalAvgPool(StepModule):
    def forward(self, x: torch.Tensor, ctx: StepContext) -> torch.Tensor:
        return x.mean(dim=(2, 3))


class Sequence(StepModule):
    """Modules applied in order."""

    def __init__(self, modules: list[StepModule]):
        super().__init__()
        self.items = nn.ModuleList(modules)

    def forward(self, x: torch.Tensor, ctx: StepContext) -> torch.Tensor:
        for m in self.items:
            x = m(x, ctx)
        return x


class Residual(StepModule):
    """A basic block (He et al. 2016): ``relu(body(x) + shortcut(x))``; the shortcut is the
    identity or a 1x1 strided projection with BN (option B)."""

    def __init__(self, body: Sequence, shortcut: QLayer | None):
        super().__init__()
        self.body = body
        self.shortcut = shortcut

    def forward(self, x: torch.Tensor, ctx: StepContext) -> torch.Tensor:
        skip = x if self.shortcut is None else self.shortcut(x, ctx)
        return F.relu(self.body(x, ctx) + skip)
