"""Weight and activation quantizers as torch modules, mirroring
:mod:`hwcost.accuracy.qat.weight_quantizer` and :mod:`hwcost.accuracy.qat.act_quantizer`.

They take the same :class:`~hwcost.accuracy.qat.config.QuantizerConfig` and are initialised by
the numpy quantizers' own ``initialise`` (LSQ ``2 mean|v|/sqrt(Q_P)``, LSQ+ ``mu +- 3 sigma`` and
MSE search), so both backends start from the same numbers. Calibrated steps and offsets are
constants in the backward, learned ones get LSQ's gradient scale ``g = 1/sqrt(N Q_P)``
(Esser et al. 2020), the power-of-two step and the integer-snapped offset are straight-through.
DoReFa (Zhou et al. 2016 eq. 9) holds its group maximum constant; SQ (Dong et al. 2017) draws
its full-precision channels from the numpy generator of the step, as the numpy quantizer does.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from hwcost.accuracy.kernels.lsq import lsq_grad_scale
from hwcost.accuracy.kernels.rounding import ssr_temperature
from hwcost.accuracy.kernels.sq import channel_errors, select_quantized_channels, sq_ratio
from hwcost.accuracy.nn.params import StepContext
from hwcost.accuracy.qat.act_quantizer import EMA_MOMENTUM, ActQuantizer
from hwcost.accuracy.qat.config import OffsetSource, QuantizerConfig, StepSource
from hwcost.accuracy.qat.weight_quantizer import WeightQuantizer, groups_of_rows
from hwcost.accuracy.torch_backend.kernels import (
    TorchRounding,
    fake_quant,
    pact_quant,
    pot_step,
    scale_grad,
    snap_offset,
    straight_through,
)

__all__ = ["TorchWeightQuantizer", "TorchActQuantizer", "rounding_for"]


def rounding_for(config: QuantizerConfig, ctx: StepContext) -> TorchRounding:
    """SSR at the annealed temperature while training an SSR scheme; hard rounding otherwise."""
    if config.soft_round and ctx.training:
        start, end = config.ssr_temperatures
        return TorchRounding(ssr_temperature(ctx.progress, start, end))
    return TorchRounding()


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy().astype(np.float64)


class TorchWeightQuantizer(nn.Module):
    """Fake-quantizes a weight matrix ``(rows, fan_in)``; one step per tensor, row or group."""

    def __init__(self, config: QuantizerConfig, rows: int):
        super().__init__()
        self.config = config
        groups = groups_of_rows(config.granularity, config.group_size, rows)
        self.n_groups = int(groups.max()) + 1
        self.register_buffer("group_of_row", torch.from_numpy(groups))
        self.step = nn.Parameter(torch.ones(self.n_groups), requires_grad=config.step_source is StepSource.LEARNED)
        self.offset = nn.Parameter(torch.zeros(self.n_groups), requires_grad=config.offset_source is OffsetSource.LEARNED)
        self.last_mask: np.ndarray | None = None

    def trained(self) -> list[nn.Parameter]:
        return [p for p in (self.step, self.offset) if p.requires_grad]

    def reference(self) -> WeightQuantizer:
        """A numpy quantizer holding this one's step and offset (for integer-only execution)."""
        ref = WeightQuantizer(self.config, int(self.group_of_row.shape[0]))
        ref.step.value, ref.offset.value = _numpy(self.step), _numpy(self.offset)
        return ref

    def initialise(self, w: torch.Tensor) -> None:
        """The numpy quantizer's initialisation on the same weights."""
        ref = WeightQuantizer(self.config, int(self.group_of_row.shape[0]))
        ref.initialise(_numpy(w))
        with torch.no_grad():
            self.step.copy_(torch.from_numpy(ref.step.value))
            self.offset.copy_(torch.from_numpy(ref.offset.value))

    def _transform(self, w: torch.Tensor) -> torch.Tensor:
        if not self.config.dorefa:
            return w
        t = torch.tanh(w)
        row_max = t.detach().abs().amax(dim=1)
        group_max = torch.zeros(self.n_groups, dtype=w.dtype, device=w.device).scatter_reduce(
            0, self.group_of_row, row_max, "amax", include_self=True)
        return t / torch.clamp(group_max, min=1e-12)[self.group_of_row, None]

    def _group(self, values: torch.Tensor, reduce: str) -> torch.Tensor:
        fill = float("inf") if reduce == "amin" else float("-inf")
        start = torch.full((self.n_groups,), fill, dtype=values.dtype, device=values.device)
        return start.scatter_reduce(0, self.group_of_row, values, reduce, include_self=True)

    def step_offset(self, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-group step and (integer-snapped) offset; learned ones carry their gradients."""
        cfg, grid = self.config, self.config.grid
        with torch.no_grad():
            low = torch.clamp(self._group(t.amin(dim=1), "amin"), max=0.0)
            high = torch.clamp(self._group(t.amax(dim=1), "amax"), min=0.0)
        n_per_group = torch.bincount(self.group_of_row, minlength=self.n_groups).to(t.dtype) * t.shape[1]
        g = 1.0 / torch.sqrt(n_per_group * grid.top)
        if cfg.step_source is StepSource.LEARNED:
            raw = scale_grad(self.step.to(t.dtype), g)
            step = straight_through(raw, torch.clamp(raw, min=1e-8))
        elif cfg.offset_source is OffsetSource.NONE:
            step = torch.clamp(torch.maximum(-low, high) / grid.top, min=1e-8)
        else:
            step = torch.clamp((high - low) / (grid.hi - grid.lo), min=1e-8)
        if cfg.offset_source is OffsetSource.LEARNED:
            offset = scale_grad(self.offset.to(t.dtype), g)
        elif cfg.offset_source is OffsetSource.CALIBRATED:
            offset = (low - grid.lo * step).detach()
        else:
            offset = torch.zeros_like(step).detach()
        if cfg.pot:
            step = straight_through(step, pot_step(step.detach()))
        return step, straight_through(offset, snap_offset(offset.detach(), step.detach()))

    def row_step(self, w: torch.Tensor) -> torch.Tensor:
        """Effective step of every output row (no gradient): the code step of the matmul."""
        with torch.no_grad():
            return self.step_offset(self._transform(w))[0][self.group_of_row]

    def forward(self, w: torch.Tensor, ctx: StepContext) -> torch.Tensor:
        t = self._transform(w)
        step, offset = self.step_offset(t)
        w_hat = fake_quant(t, step[self.group_of_row, None], offset[self.group_of_row, None], self.config.grid,
                           rounding_for(self.config, ctx))
        ratio = sq_ratio(ctx.progress)
        if self.config.stochastic and ctx.training and ratio < 1.0 and ctx.rng is not None:
            mask = select_quantized_channels(channel_errors(_numpy(t), _numpy(w_hat)), ratio, ctx.rng)
            self.last_mask = mask
            w_hat = torch.where(torch.from_numpy(mask).to(w.device)[:, None], w_hat, t)
        return w_hat


class TorchActQuantizer(nn.Module):
    """Fake-quantizes a layer's input activations (one step per tensor)."""

    def __init__(self, config: QuantizerConfig):
        super().__init__()
        self.config = config
        src = config.step_source
        self.step = nn.Parameter(torch.ones(1), requires_grad=src is StepSource.LEARNED)
        self.offset = nn.Parameter(torch.zeros(1), requires_grad=config.offset_source is OffsetSource.LEARNED)
        self.alpha = nn.Parameter(torch.ones(1), requires_grad=src is StepSource.PACT)  # L2-decayed (PACT)
        self.running_low, self.running_high = 0.0, 1.0

    def trained(self) -> list[nn.Parameter]:
        return [p for p in (self.alpha, self.step, self.offset) if p.requires_grad]

    def reference(self) -> ActQuantizer:
        """A numpy quantizer holding this one's state (for integer-only execution)."""
        ref = ActQuantizer(self.config)
        ref.step.value, ref.offset.value, ref.alpha.value = _numpy(self.step), _numpy(self.offset), _numpy(self.alpha)
        ref.running_low, ref.running_high = self.running_low, self.running_high
        return ref

    def initialise(self, x: torch.Tensor) -> None:
        ref = ActQuantizer(self.config)
        ref.initialise(_numpy(x))
        with torch.no_grad():
            self.step.fill_(float(ref.step.value[0]))
            self.offset.fill_(float(ref.offset.value[0]))
            self.alpha.fill_(float(ref.alpha.value[0]))
        self.running_low, self.running_high = ref.running_low, ref.running_high

    def _batch_range(self, x: torch.Tensor) -> tuple[float, float]:
        low, high = min(float(x.detach().min()), 0.0), max(float(x.detach().max()), 0.0)
        if self.config.offset_source is OffsetSource.NONE and self.config.grid.lo < 0:
            high = max(high, -low)
        return low, max(high, 1e-8)

    def step_offset(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Step and snapped offset as 0-d tensors; learned ones carry their gradients."""
        cfg, grid = self.config, self.config.grid
        g = torch.tensor(lsq_grad_scale(int(np.prod(x.shape[1:])), grid.top), dtype=x.dtype, device=x.device)

        def const(v: float) -> torch.Tensor:
            return torch.tensor(v, dtype=x.dtype, device=x.device)

        if cfg.step_source is StepSource.PACT:
            step = const(max(float(self.alpha.detach()), 1e-8) / grid.top)
        elif cfg.step_source is StepSource.LEARNED:
            raw = scale_grad(self.step.to(x.dtype)[0], g)
            step = straight_through(raw, torch.clamp(raw, min=1e-8))
        elif cfg.step_source is StepSource.UNIT_RANGE:
            step = const(1.0 / grid.top)
        elif cfg.offset_source is OffsetSource.NONE:
            step = const(self.running_high / grid.top)
        else:
            step = const((self.running_high - self.running_low) / (grid.hi - grid.lo))
        if cfg.offset_source is OffsetSource.LEARNED:
            offset = scale_grad(self.offset.to(x.dtype)[0], g)
        elif cfg.offset_source is OffsetSource.CALIBRATED:
            offset = const(self.running_low - grid.lo * float(step))
        else:
            offset = const(0.0)
        if cfg.pot:
            step = straight_through(step, pot_step(step.detach()))
        return step, straight_through(offset, snap_offset(offset.detach(), step.detach()))

    def code_step(self, x: torch.Tensor) -> float:
        with torch.no_grad():
            return float(self.step_offset(x)[0])

    def forward(self, x: torch.Tensor, ctx: StepContext) -> torch.Tensor:
        cfg = self.config
        if ctx.training and cfg.step_source is StepSource.CALIBRATED:
            low, high = self._batch_range(x)
            self.running_low = EMA_MOMENTUM * self.running_low + (1 - EMA_MOMENTUM) * low
            self.running_high = EMA_MOMENTUM * self.running_high + (1 - EMA_MOMENTUM) * high
        step, offset = self.step_offset(x)
        rounding = rounding_for(cfg, ctx)
        if cfg.step_source is StepSource.PACT:
            return pact_quant(x, self.alpha.to(x.dtype)[0], step.detach(), cfg.grid, rounding)
        return fake_quant(x, step, offset, cfg.grid, rounding)
