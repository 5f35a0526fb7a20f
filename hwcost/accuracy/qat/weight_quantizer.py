"""Stateful weight quantizer: the kernels of this package configured by a ``QuantizerConfig``.

Weights are 2-D ``(out_channels, fan_in)``. The step is per tensor, per output channel or per
group of ``group_size`` channels; calibrated steps follow the current weights (max |w| / top, or
min/max with a zero-point), learned ones are LSQ parameters. DoReFa normalises the weights first;
SQ quantizes only a stochastic subset of channels while its ratio is below 100 %.
"""

from __future__ import annotations

import numpy as np

from hwcost.schemes import Granularity
from hwcost.accuracy.qat.config import InitMethod, OffsetSource, QuantizerConfig, StepSource
from hwcost.accuracy.kernels.dorefa import dorefa_transform, dorefa_transform_grad
from hwcost.accuracy.kernels.lsq import lsq_grad_scale, lsq_init_step, lsq_plus_weight_step
from hwcost.accuracy.nn.params import Param, StepContext
from hwcost.accuracy.kernels.rounding import HardRound, RoundingPolicy, SigmoidSoftRound, ssr_temperature
from hwcost.accuracy.kernels.sq import channel_errors, select_quantized_channels, sq_ratio
from hwcost.accuracy.kernels.uniform import fake_quant, fake_quant_grads, pot_step, snap_offset

__all__ = ["WeightQuantizer", "rounding_for", "groups_of_rows"]


def rounding_for(config: QuantizerConfig, ctx: StepContext) -> RoundingPolicy:
    """SSR with the annealed temperature while training an SSR scheme; hard rounding otherwise."""
    if config.soft_round and ctx.training:
        start, end = config.ssr_temperatures
        return SigmoidSoftRound(ssr_temperature(ctx.progress, start, end))
    return HardRound()


def groups_of_rows(granularity: Granularity, group_size: int | None, rows: int) -> np.ndarray:
    """Index of the step each output row uses.

    >>> groups_of_rows(Granularity.GROUP, 2, 5)
    array([0, 0, 1, 1, 2])
    """
    if granularity is Granularity.TENSOR:
        return np.zeros(rows, dtype=np.int64)
    if granularity is Granularity.CHANNEL:
        return np.arange(rows, dtype=np.int64)
    return np.arange(rows, dtype=np.int64) // int(group_size or 1)


class WeightQuantizer:
    """Fake-quantizes a weight matrix and back-propagates to weights, step and offset."""

    def __init__(self, config: QuantizerConfig, rows: int):
        self.config = config
        self.group_of_row = groups_of_rows(config.granularity, config.group_size, rows)
        self.n_groups = int(self.group_of_row.max()) + 1
        self.step = Param("step", np.ones(self.n_groups), decay=False)
        self.offset = Param("offset", np.zeros(self.n_groups), decay=False)
        self._cache: tuple | None = None

    @property
    def params(self) -> list[Param]:
        out = [self.step] if self.config.step_source is StepSource.LEARNED else []
        return out + ([self.offset] if self.config.offset_source is OffsetSource.LEARNED else [])

    def initialise(self, w: np.ndarray) -> None:
        """Initialise learned step (LSQ or LSQ+) and offset (min) from full-precision weights."""
        t = self._transform(w)
        for g in range(self.n_groups):
            values = t[self.group_of_row == g]
            if self.config.init is InitMethod.LSQ_PLUS:
                self.step.value[g] = lsq_plus_weight_step(values, self.config.bits)
            else:
                self.step.value[g] = lsq_init_step(values, self.config.grid.top)
            self.offset.value[g] = float(values.min()) - self.config.grid.lo * self.step.value[g]

    def _transform(self, w: np.ndarray) -> np.ndarray:
        if self.config.dorefa:
            return dorefa_transform(w, self.group_of_row, self.n_groups)
        return w

    def _group_reduce(self, values: np.ndarray, reduce: np.ufunc) -> np.ndarray:
        out = np.full(self.n_groups, np.inf if reduce is np.minimum else -np.inf)
        reduce.at(out, self.group_of_row, values)
        return out

    def row_step_offset(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Effective step and (integer-snapped) offset of every output row, shape ``(rows, 1)``."""
        cfg, t = self.config, self._transform(w)
        low = np.minimum(self._group_reduce(t.min(axis=1), np.minimum), 0.0)
        high = np.maximum(self._group_reduce(t.max(axis=1), np.maximum), 0.0)
        if cfg.step_source is StepSource.LEARNED:
            step = self.step.value
        elif cfg.offset_source is OffsetSource.NONE:
            step = np.maximum(-low, high) / cfg.grid.top
        else:
            step = (high - low) / (cfg.grid.hi - cfg.grid.lo)
        step = np.maximum(step, 1e-8)
        if cfg.offset_source is OffsetSource.LEARNED:
            offset = self.offset.value
        elif cfg.offset_source is OffsetSource.CALIBRATED:
            offset = low - cfg.grid.lo * step
        else:
            offset = np.zeros(self.n_groups)
        step = pot_step(step) if cfg.pot else step
        offset = snap_offset(offset, step)
        return step[self.group_of_row, None], offset[self.group_of_row, None]

    def integer_codes(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Integer codes, zero-point per row and code step per row: real = step * (code - zero).

        Centred grids give the odd codes ``2k + 1`` with half the step (the CSQ levels of Asim et
        al., BMVC 2022).
        """
        grid = self.config.grid
        step, offset = self.row_step_offset(w)
        u = (self._transform(w) - offset) / step - grid.half
        k = HardRound().round(np.clip(u, grid.lo, grid.hi))
        codes = (grid.code_scale * (k + grid.half)).astype(np.int64)
        zero = np.rint(-grid.code_scale * offset[:, 0] / step[:, 0]).astype(np.int64)
        return codes, zero, step[:, 0] / grid.code_scale

    def forward(self, w: np.ndarray, ctx: StepContext) -> np.ndarray:
        t = self._transform(w)
        step, offset = self.row_step_offset(w)
        rounding = rounding_for(self.config, ctx)
        w_hat = fake_quant(t, step, offset, self.config.grid, rounding)
        mask = np.ones(w.shape[0], dtype=bool)
        ratio = sq_ratio(ctx.progress)
        if self.config.stochastic and ctx.training and ratio < 1.0 and ctx.rng is not None:
            mask = select_quantized_channels(channel_errors(t, w_hat), ratio, ctx.rng)
            w_hat = np.where(mask[:, None], w_hat, t)
        self._cache = (w, t, step, offset, rounding, mask)
        return w_hat

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        w, t, step, offset, rounding, mask = self._cache
        g = fake_quant_grads(t, step, offset, self.config.grid, rounding, grad_out)
        grad_t = np.where(mask[:, None], g.x, grad_out)
        quantized = mask[:, None].astype(float)
        n_per_group = np.bincount(self.group_of_row, minlength=self.n_groups) * w.shape[1]
        scale = np.array([lsq_grad_scale(int(n), self.config.grid.top) for n in n_per_group])
        for param, partial in ((self.step, g.step), (self.offset, g.offset)):
            if param in self.params:
                per_row = (partial * quantized).sum(axis=1)
                param.grad += np.bincount(self.group_of_row, per_row, self.n_groups) * scale
        if self.config.dorefa:
            return dorefa_transform_grad(w, self.group_of_row, self.n_groups, grad_t)
        return grad_t
