"""Stateful activation quantizer (one step per tensor, Krishnamoorthi 2018 §2.6).

Calibrated steps follow a running average (momentum 0.9) of the batch range during training and
are frozen at evaluation; learned steps are LSQ parameters (gradient scale ``1/sqrt(N Q_P)``, N
features per example); PACT learns its clipping level alpha; DoReFa activations use ``[0, 1]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwcost.errors import HwcostError
from hwcost.accuracy.qat.config import InitMethod, OffsetSource, QuantizerConfig, StepSource
from hwcost.accuracy.kernels.grid import IntGrid
from hwcost.accuracy.kernels.lsq import lsq_grad_scale, lsq_init_step, mse_step_offset
from hwcost.accuracy.nn.params import Param, StepContext
from hwcost.accuracy.kernels.pact import pact_clip, pact_clip_grads
from hwcost.accuracy.kernels.uniform import fake_quant, fake_quant_grads, pot_step, snap_offset
from hwcost.accuracy.qat.weight_quantizer import rounding_for

__all__ = ["ActQuantizer", "ActQuantParams", "EMA_MOMENTUM"]

EMA_MOMENTUM = 0.9


@dataclass(frozen=True)
class ActQuantParams:
    """What integer inference needs of an activation grid: real = step * (code - zero_point)."""

    step: float
    zero_point: int
    code_lo: int
    code_hi: int


class ActQuantizer:
    """Fake-quantizes a layer's input activations."""

    def __init__(self, config: QuantizerConfig):
        self.config = config
        self.step = Param("step", np.ones(1), decay=False)
        self.offset = Param("offset", np.zeros(1), decay=False)
        self.alpha = Param("alpha", np.ones(1), decay=True)  # PACT regularises alpha with L2
        self.running_low, self.running_high = 0.0, 1.0
        self._cache: tuple | None = None

    @property
    def params(self) -> list[Param]:
        src = self.config.step_source
        out = [self.alpha] if src is StepSource.PACT else [self.step] if src is StepSource.LEARNED else []
        return out + ([self.offset] if self.config.offset_source is OffsetSource.LEARNED else [])

    def initialise(self, x: np.ndarray) -> None:
        """Initialise running range, learned step/offset and PACT alpha from a first batch."""
        cfg = self.config
        self.running_low, self.running_high = self._batch_range(x)
        self.alpha.value[0] = max(self.running_high, 1e-3)
        if cfg.init is InitMethod.LSQ_PLUS and cfg.offset_source is not OffsetSource.NONE:
            self.step.value[0], self.offset.value[0] = mse_step_offset(x, cfg.grid)
        else:
            self.step.value[0] = lsq_init_step(x, cfg.grid.top)
            self.offset.value[0] = self.running_low - cfg.grid.lo * self.step.value[0]

    def _batch_range(self, x: np.ndarray) -> tuple[float, float]:
        low, high = min(float(x.min()), 0.0), max(float(x.max()), 0.0)
        if self.config.offset_source is OffsetSource.NONE and self.config.grid.lo < 0:
            high = max(high, -low)  # symmetric signed grid
        return low, max(high, 1e-8)

    def step_offset(self) -> tuple[float, float]:
        """Current effective step and integer-snapped offset."""
        cfg, grid = self.config, self.config.grid
        if cfg.step_source is StepSource.PACT:
            step = max(float(self.alpha.value[0]), 1e-8) / grid.top
        elif cfg.step_source is StepSource.LEARNED:
            step = max(float(self.step.value[0]), 1e-8)
        elif cfg.step_source is StepSource.UNIT_RANGE:
            step = 1.0 / grid.top
        elif cfg.offset_source is OffsetSource.NONE:
            step = self.running_high / grid.top
        else:
            step = (self.running_high - self.running_low) / (grid.hi - grid.lo)
        if cfg.offset_source is OffsetSource.LEARNED:
            offset = float(self.offset.value[0])
        elif cfg.offset_source is OffsetSource.CALIBRATED:
            offset = self.running_low - grid.lo * step
        else:
            offset = 0.0
        step = float(pot_step(np.array(step))) if cfg.pot else step
        return step, float(snap_offset(np.array(offset), np.array(step)))

    def integer_params(self) -> ActQuantParams:
        """Step, zero-point and code range of the trained grid (PACT's alpha can clip below top).

        Codes are the rounding indices ``k`` in ``[lo, hi]``; real = step * (k - zero_point).
        """
        grid: IntGrid = self.config.grid
        if grid.half:
            raise HwcostError.single("integer-only execution supports centred grids for weights only", key="activations.centred")
        step, offset = self.step_offset()
        hi = grid.hi
        if self.config.step_source is StepSource.PACT:
            hi = min(hi, int(np.floor(float(self.alpha.value[0]) / step + 0.5)))
        return ActQuantParams(step=step, zero_point=int(round(-offset / step)), code_lo=grid.lo, code_hi=hi)

    def forward(self, x: np.ndarray, ctx: StepContext) -> np.ndarray:
        cfg = self.config
        if ctx.training and cfg.step_source is StepSource.CALIBRATED:
            low, high = self._batch_range(x)
            self.running_low = EMA_MOMENTUM * self.running_low + (1 - EMA_MOMENTUM) * low
            self.running_high = EMA_MOMENTUM * self.running_high + (1 - EMA_MOMENTUM) * high
        step, offset = self.step_offset()
        y = pact_clip(x, float(self.alpha.value[0])) if cfg.step_source is StepSource.PACT else x
        rounding = rounding_for(cfg, ctx)
        self._cache = (x, y, step, offset, rounding)
        return fake_quant(y, step, offset, cfg.grid, rounding)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        x, y, step, offset, rounding = self._cache
        cfg = self.config
        g = fake_quant_grads(y, step, offset, cfg.grid, rounding, grad_out)
        scale = lsq_grad_scale(int(np.prod(x.shape[1:])), cfg.grid.top)
        if cfg.step_source is StepSource.LEARNED:
            self.step.grad += float(g.step.sum()) * scale
        if cfg.offset_source is OffsetSource.LEARNED:
            self.offset.grad += float(g.offset.sum()) * scale
        if cfg.step_source is StepSource.PACT:
            alpha = float(self.alpha.value[0])
            grad_y = np.where(x >= alpha, grad_out, g.x)  # PACT eq. 3: STE through the round
            grad_x, grad_alpha = pact_clip_grads(x, alpha, grad_y)
            self.alpha.grad += grad_alpha
            return grad_x
        return g.x
