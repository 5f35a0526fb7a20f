"""Torch autograd functions mirroring :mod:`hwcost.accuracy.kernels` (the numpy reference).

:class:`FakeQuant` is the affine fake-quantization kernel (Jacob et al. 2018 eq. 1; LSQ+
Bhalgat et al. 2020 eq. 2) with the exact chain-rule backward of
:func:`hwcost.accuracy.kernels.uniform.fake_quant_grads`: ``R'(u)`` for the input inside the
clipping range, ``(R(u) + half) - R'(u)(u + half)`` for the step (LSQ, Esser et al. 2020 eq. 3)
and ``1 - R'(u)`` for the offset (LSQ+ eq. 5), the outside values ``R(lo|hi) + half`` and 1.
:class:`PactQuant` adds PACT's clip with the gradient of Choi et al. 2018 eq. 3. The rounding is
hard round-half-up (straight-through) or SSR's sigmoid soft round (Chen 2021), as
:mod:`hwcost.accuracy.kernels.rounding`. :func:`scale_grad` multiplies a gradient by LSQ's
``g = 1/sqrt(N Q_P)``; :func:`straight_through` swaps a value's forward for another one.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from hwcost.accuracy.kernels.grid import IntGrid

__all__ = ["TorchRounding", "FakeQuant", "PactQuant", "fake_quant", "pact_quant", "scale_grad", "straight_through",
           "pot_step", "snap_offset"]


@dataclass(frozen=True)
class TorchRounding:
    """Hard rounding (``temperature is None``) or SSR at ``temperature``."""

    temperature: float | None = None

    def round(self, u: torch.Tensor) -> torch.Tensor:
        floor = torch.floor(u + 0.5) if self.temperature is None else torch.floor(u)
        if self.temperature is None:
            return floor
        return floor + 0.5 * (1.0 + torch.tanh(0.5 * (self.temperature * (u - floor - 0.5))))

    def derivative(self, u: torch.Tensor) -> torch.Tensor:
        if self.temperature is None:
            return torch.ones_like(u)
        s = 0.5 * (1.0 + torch.tanh(0.5 * (self.temperature * (u - torch.floor(u) - 0.5))))
        return self.temperature * s * (1.0 - s)


def _sum_to(grad: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """``grad`` summed over the dimensions ``like`` was broadcast along."""
    if grad.shape == like.shape:
        return grad
    lead = grad.dim() - like.dim()
    g = grad.sum(dim=tuple(range(lead))) if lead else grad
    dims = tuple(i for i, n in enumerate(like.shape) if n == 1 and g.shape[i] != 1)
    return (g.sum(dim=dims, keepdim=True) if dims else g).reshape(like.shape)


def _forward(y: torch.Tensor, step: torch.Tensor, offset: torch.Tensor, grid: IntGrid, rounding: TorchRounding) -> torch.Tensor:
    u = (y - offset) / step - grid.half
    return step * (rounding.round(torch.clamp(u, grid.lo, grid.hi)) + grid.half) + offset


def _partials(y: torch.Tensor, step: torch.Tensor, offset: torch.Tensor, grid: IntGrid, rounding: TorchRounding):
    u = (y - offset) / step - grid.half
    inside = (u > grid.lo) & (u < grid.hi)
    clipped = torch.clamp(u, grid.lo, grid.hi)
    k = rounding.round(clipped)
    slope = rounding.derivative(clipped)
    zero = torch.zeros((), dtype=y.dtype, device=y.device)
    d_x = torch.where(inside, slope, zero)
    d_step = torch.where(inside, (k + grid.half) - slope * (u + grid.half), k + grid.half)
    d_offset = torch.where(inside, 1.0 - slope, torch.ones((), dtype=y.dtype, device=y.device))
    return d_x, d_step, d_offset


class FakeQuant(torch.autograd.Function):
    """``x_hat = step (R(clip((x - offset)/step - half, lo, hi)) + half) + offset``."""

    @staticmethod
    def forward(ctx, x, step, offset, grid: IntGrid, rounding: TorchRounding):  # type: ignore[override]
        ctx.save_for_backward(x, step, offset)
        ctx.grid, ctx.rounding = grid, rounding
        return _forward(x, step, offset, grid, rounding)

    @staticmethod
    def backward(ctx, grad_out):  # type: ignore[override]
        x, step, offset = ctx.saved_tensors
        d_x, d_step, d_offset = _partials(x, step, offset, ctx.grid, ctx.rounding)
        return grad_out * d_x, _sum_to(grad_out * d_step, step), _sum_to(grad_out * d_offset, offset), None, None


class PactQuant(torch.autograd.Function):
    """PACT (Choi et al. 2018 eq. 1-3): ``y = clip(x, 0, alpha)`` then fake quantization at a
    ``step`` held constant; ``dy_q/dalpha = 1`` where ``x >= alpha``, the STE through the round
    for ``0 < x < alpha``, 0 below."""

    @staticmethod
    def forward(ctx, x, alpha, step, offset, grid: IntGrid, rounding: TorchRounding):  # type: ignore[override]
        y = torch.minimum(torch.clamp(x, min=0.0), alpha)
        ctx.save_for_backward(x, alpha, y, step, offset)
        ctx.grid, ctx.rounding = grid, rounding
        return _forward(y, step, offset, grid, rounding)

    @staticmethod
    def backward(ctx, grad_out):  # type: ignore[override]
        x, alpha, y, step, offset = ctx.saved_tensors
        d_x, _, _ = _partials(y, step, offset, ctx.grid, ctx.rounding)
        above = x >= alpha
        zero = torch.zeros((), dtype=x.dtype, device=x.device)
        grad_x = torch.where((x > 0.0) & ~above, grad_out * d_x, zero)
        grad_alpha = torch.where(above, grad_out, zero).sum().reshape(alpha.shape)
        return grad_x, grad_alpha, None, None, None, None


def fake_quant(x: torch.Tensor, step: torch.Tensor, offset: torch.Tensor, grid: IntGrid, rounding: TorchRounding) -> torch.Tensor:
    return FakeQuant.apply(x, step, offset, grid, rounding)


def pact_quant(x: torch.Tensor, alpha: torch.Tensor, step: torch.Tensor, grid: IntGrid, rounding: TorchRounding) -> torch.Tensor:
    return PactQuant.apply(x, alpha, step, torch.zeros_like(step), grid, rounding)


class _ScaleGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):  # type: ignore[override]
        ctx.save_for_backward(scale)
        return x.clone()

    @staticmethod
    def backward(ctx, grad_out):  # type: ignore[override]
        (scale,) = ctx.saved_tensors
        return grad_out * scale, None


def scale_grad(x: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """``x`` forward; its gradient times ``scale`` (LSQ's g, Esser et al. 2020 §2.2)."""
    return _ScaleGrad.apply(x, scale)


class _StraightThrough(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, value):  # type: ignore[override]
        return value.detach().clone()

    @staticmethod
    def backward(ctx, grad_out):  # type: ignore[override]
        return grad_out, None


def straight_through(x: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    """``value`` forward (bit-exact: ``x + (value - x)`` is not), the identity backward to ``x``."""
    return _StraightThrough.apply(x, value)


def pot_step(step: torch.Tensor) -> torch.Tensor:
    """``2^round(log2 step)``, as :func:`hwcost.accuracy.kernels.uniform.pot_step`."""
    return torch.exp2(torch.floor(torch.log2(step) + 0.5))


def snap_offset(offset: torch.Tensor, step: torch.Tensor) -> torch.Tensor:
    """``step * round(offset / step)``: an integer zero-point (Jacob et al. 2018 §3)."""
    return step * torch.floor(offset / step + 0.5)
