"""The CIM matmul policy: a quantized layer's product run through :func:`hwcost.accuracy.cim.readout.cim_product`.

:class:`CimMatmul` is injected into a :class:`~hwcost.accuracy.nn.layers.QuantDense` in place of the
dense product (``layer.matmul``). Its forward turns the fake-quantized operands back into integer
codes with the layer's code steps (``MatmulScales``), runs the macro model and scales the
accumulated codes back; its backward is the straight-through estimator: the gradients of the
ideal product ``patches @ weights.T``, as if ADC and noise were identity (the STE of QAT, here
through the partial-sum quantizer too).

The array holds integer levels only: during training the codes are rounded (SSR's soft codes and
SQ's full-precision channels become hard codes in the array); at evaluation they must already be
integers. A flexible-interval ADC keeps one step per layer: the first forward (calibration)
sets it, training forwards follow the batches with an EMA, evaluation freezes it.
"""

from __future__ import annotations

import numpy as np

from hwcost.arch.cim_macro.config import CimMacroParams
from hwcost.errors import HwcostError
from hwcost.accuracy.cim.readout import (
    AdcPolicy,
    AdcRange,
    CimLayout,
    CodeRange,
    FixedStepAdc,
    MseAdc,
    cim_product,
)
from hwcost.accuracy.qat.config import OffsetSource, QuantizerConfig
from hwcost.accuracy.nn.matmul import DenseMatmul, MatmulScales
from hwcost.accuracy.nn.network import Network
from hwcost.accuracy.nn.params import StepContext
from hwcost.accuracy.cim.noise import CimNoise

__all__ = ["CimMatmul", "attach_cim", "code_range", "detach_cim"]

GRID_TOLERANCE = 1e-6  # |value / step - round(value / step)| allowed at evaluation


def code_range(config: QuantizerConfig) -> CodeRange:
    """Integer codes of a quantizer's grid (``code_scale * (k + half)``); with a zero-point the
    array sees ``k - Z``: signed and one bit wider (the cost model's ``pre-subtract``).

    >>> from hwcost.schemes import get_scheme
    >>> from hwcost.accuracy.qat.config import activation_config, weight_config
    >>> s = get_scheme("lsq", 4, 4)
    >>> code_range(weight_config(s, 4)), code_range(activation_config(s, 4))
    (CodeRange(lo=-8, hi=7), CodeRange(lo=0, hi=15))
    """
    g = config.grid
    lo, hi = int(g.code_scale * (g.lo + g.half)), int(g.code_scale * (g.hi + g.half))
    if config.offset_source is OffsetSource.NONE:
        return CodeRange(lo, hi)
    return CodeRange(-(hi - lo), hi - lo)


def _codes(values: np.ndarray, step: np.ndarray | float, training: bool) -> np.ndarray:
    u = values / step
    k = np.floor(u + 0.5)
    if not training and u.size and float(np.max(np.abs(u - k))) > GRID_TOLERANCE:
        raise ValueError("CIM forward: operands are not on their integer grid")
    return k


class CimMatmul:
    """``MatmulPolicy`` of one layer on the CIM macro (``layout``), ADC range and noise injected."""

    def __init__(self, layout: CimLayout, adc_range: AdcRange, noise: CimNoise):
        self.layout = layout
        self.adc_range = adc_range
        self.noise = noise
        self.adc_step: float | None = None  # flexible interval, in column-sum levels

    def adc(self, training: bool) -> AdcPolicy:
        if not self.layout.adc_quantizes or self.adc_range is AdcRange.FIXED:
            return FixedStepAdc(self.layout.fixed_step)
        if training or self.adc_step is None:
            return MseAdc(self.layout.macro.adc_bits, previous=self.adc_step, signed=self.layout.signed_sum)
        return FixedStepAdc(self.adc_step)

    def forward(
        self, patches: np.ndarray, weights: np.ndarray, ctx: StepContext, scales: MatmulScales | None
    ) -> np.ndarray:
        if scales is None:
            raise HwcostError.single("the CIM forward mode runs quantized layers only (integer inputs and weights)",
                                     key="first_last_bits")
        a = _codes(patches, scales.activation_step, ctx.training)
        w = _codes(weights, scales.weight_step[:, None], ctx.training)
        product = cim_product(a, w, self.layout, self.adc(ctx.training), self.noise, ctx.rng)
        if self.adc_range is AdcRange.FLEXIBLE and (ctx.training or self.adc_step is None):
            self.adc_step = product.adc_step
        return product.codes * (scales.activation_step * scales.weight_step)

    def backward(
        self, patches: np.ndarray, weights: np.ndarray, grad_out: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        return DenseMatmul().backward(patches, weights, grad_out)


def attach_cim(net: Network, macro: CimMacroParams, adc_range: AdcRange, noise: CimNoise) -> list[CimMatmul]:
    """Give every linear/conv layer of a quantized ``net`` its own CIM policy (in place), all on
    one ``macro`` (its signed-weight encoding and readout options included)."""
    policies = []
    for i, layer in enumerate(net.dense_layers):
        if not (layer.quantized and layer.w_quant and layer.a_quant):
            raise HwcostError.single(
                f"layer {i} keeps floating-point weights or inputs; the CIM array computes integer dot "
                "products only: set first_last_bits (e.g. 8)", key="first_last_bits")
        layout = CimLayout(macro, int(layer.weight.value.shape[1]),
                           code_range(layer.a_quant.config), code_range(layer.w_quant.config))
        layer.matmul = CimMatmul(layout, adc_range, noise)
        policies.append(layer.matmul)
    return policies


def detach_cim(net: Network) -> None:
    """Back to the exact digital product."""
    for layer in net.dense_layers:
        layer.matmul = DenseMatmul()
