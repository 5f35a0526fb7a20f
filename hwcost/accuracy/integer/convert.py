"""Trained quantized network -> :class:`IntegerModel`, realised as the classifier's datapath says.

For every linear/conv layer :func:`hwcost.classify.classify` gives the bill of materials; the
conversion reads from it how to realise each step: a weight offset pre-subtracted offline
(odd codes of a centred grid, or ``q_w - Z_w``) or corrected at run time with window sums; an
activation zero-point folded into the bias or pre-subtracted per input; operands dequantized to
``operand_bits`` fixed-point words (scale realisation ``operand``); unfused batch norm as a
per-channel multiply-add (``bn_realisation: separate``, or under a shift) or merged into a
per-channel rescale whose offset M*beta' is added to the product before the rounding shift
(``merged``); and the rescale as a shift, a dyadic ``M0 * 2^-n`` or an FP32 multiply.
Edge layers the classifier leaves in FP32 become float stages.
"""

from __future__ import annotations

import numpy as np

from hwcost.classify import Datapath, Placement, UnitKind, classify
from hwcost.schemes import QuantScheme
from hwcost.accuracy.integer.model import FloatDense, IntDense, IntegerModel, IntFlatten, IntPool, OperandPrep, OutputGrid, Stage
from hwcost.accuracy.integer.requant import DyadicRescale, FloatRescale, Rescale, quantize_multiplier, shift_of
from hwcost.accuracy.nn.layers import Flatten, MaxPool2d, QuantDense, ReLU
from hwcost.accuracy.nn.network import Network

__all__ = ["to_integer_model", "layer_datapath"]


def _has(dp: Datapath, kind: UnitKind, placement: Placement | None = None) -> bool:
    return any(u.kind is kind and (placement is None or u.placement is placement) for u in dp.units)


def layer_datapath(scheme: QuantScheme, layer: QuantDense, edge: bool) -> Datapath:
    return classify(scheme, int(layer.weight.value.shape[1]), has_bias=layer.has_bias, edge_layer=edge)


def _grid(layer: QuantDense) -> OutputGrid:
    p = layer.a_quant.integer_params()
    return OutputGrid(p.step, p.zero_point, p.code_lo, p.code_hi)


def _rescale(dp: Datapath, m: np.ndarray, m0_bits: int, offset_steps: np.ndarray | None = None) -> Rescale:
    """The rescale by ``m`` the datapath prices; ``offset_steps`` (output steps) is a merged BN's
    M*beta', added to the product before the rounding (never with a pure shift: the classifier
    keeps a BN multiplier there)."""
    if _has(dp, UnitKind.FP_MULTIPLIER):
        return FloatRescale(m) if offset_steps is None else FloatRescale(m, offset_steps)
    if _has(dp, UnitKind.REQUANT_MULTIPLIER):
        return DyadicRescale.of(m, m0_bits, offset_steps)
    return shift_of(m)


def _fixed_point_bits(max_abs: float, word_bits: int) -> int:
    """Fraction bits that fit ``max_abs`` into a signed ``word_bits`` word."""
    return word_bits - 1 - int(np.ceil(np.log2(max(max_abs, 1e-30))))


def _operands(dp: Datapath, scheme: QuantScheme, layer: QuantDense, w: np.ndarray):
    """Weight operands, their runtime offset, the input preparation and the accumulator step."""
    codes, z_w, w_step = layer.w_quant.integer_codes(w)
    grid = _grid(layer)
    centred_runtime = layer.w_quant.config.grid.half and _has(dp, UnitKind.ZERO_POINT_WINDOW_SUM)
    if centred_runtime:  # unsigned codes i: 2k + 1 = 2i - (2^b - 1)
        levels = layer.w_quant.config.grid.levels
        codes, z_w = codes + (levels - 1), np.full_like(z_w, levels - 1)
    elif _has(dp, UnitKind.ZERO_POINT_SUBTRACTOR, Placement.OFFLINE):
        codes, z_w = codes - z_w[:, None], np.zeros_like(z_w)
    if _has(dp, UnitKind.DEQUANT_MULTIPLIER, Placement.OFFLINE):  # scale realisation 'operand'
        real_w = w_step[:, None] * (codes - z_w[:, None])
        f_w = _fixed_point_bits(float(np.abs(real_w).max()), scheme.operand_bits)
        f_a = _fixed_point_bits(grid.step * max(abs(grid.lo - grid.zero_point), abs(grid.hi - grid.zero_point)), scheme.operand_bits)
        # S_x * 2^f_a as an operand_bits-wide fixed-point factor: the dequant multiplier the
        # classifier prices is a_code_bits x operand_bits (DEQUANT rule, Krishnamoorthi 2018 §2.1).
        m0, shift = quantize_multiplier(np.array(grid.step * 2.0**f_a), scheme.operand_bits)
        if _has(dp, UnitKind.DEQUANT_SHIFTER):
            m0, shift = np.array(1), shift_of(np.array(grid.step * 2.0**f_a)).shift
        weights = np.floor(real_w * 2.0**f_w + 0.5).astype(np.int64)
        prep = OperandPrep(zero=grid.zero_point, m0=int(m0), shift=int(shift))
        return weights, np.zeros_like(z_w), prep, 0, np.full(len(codes), 2.0 ** -(f_w + f_a))
    if _has(dp, UnitKind.ZERO_POINT_SUBTRACTOR, Placement.PER_INPUT):
        return codes, z_w, OperandPrep(zero=grid.zero_point), 0, w_step * grid.step
    return codes, z_w, OperandPrep(zero=0), grid.zero_point, w_step * grid.step


BN_GUARD_BITS = 16  # resolution of the BN result below the output step (separate BN stage)


def _bn_affine(layer: QuantDense) -> tuple[np.ndarray, np.ndarray]:
    gamma = layer.bn.gamma.value * layer.bn.inv_std()
    return gamma, layer.bn.beta.value - layer.bn.running_mean * gamma


def _bn_stage(dp: Datapath, scheme: QuantScheme, layer: QuantDense, acc_step: np.ndarray, out_step: float):
    """Unfused BN as a stage of its own (``bn_realisation: separate``, or under a power-of-two
    rescale, where gamma' cannot ride in a shift): ``gamma' * acc + beta'`` in integers, at the finer
    step ``acc_step / 2^f`` that puts ``BN_GUARD_BITS`` bits below the output step, so that
    ``beta'`` and the product keep the resolution the float BN has before the output rounding.
    Returns the multiply (``gamma' 2^f`` as a fixed-point factor), the shift ``beta'`` and the new step."""
    gamma, beta = _bn_affine(layer)
    f = max(0, int(np.ceil(np.log2(float(acc_step.max()) * 2.0**BN_GUARD_BITS / out_step))))
    step = acc_step / 2.0**f
    shift = np.floor(beta / step + 0.5).astype(np.int64)
    fp = any(u.kind is UnitKind.BN_MULTIPLIER and u.component.value == "fp_multiplier" for u in dp.units)
    scaled = gamma * 2.0**f
    return (FloatRescale(scaled) if fp else DyadicRescale.of(scaled, scheme.m0_bits)), shift, step


def _int_dense(dp: Datapath, scheme: QuantScheme, layer: QuantDense, output: OutputGrid | None, relu: bool) -> IntDense:
    w, b = layer.effective_weights()
    weights, z_w, prep, pad, acc_step = _operands(dp, scheme, layer, w)
    z_a = pad  # the activation zero-point still in the operands (0 once pre-subtracted)
    k = weights.shape[1]
    bias = np.floor(b / acc_step + 0.5).astype(np.int64)  # own bias or folded BN shift (0 if neither)
    bias = bias - z_a * weights.sum(axis=1) + k * z_w * z_a  # constant terms of Jacob eq. 7
    out_step = output.step if output is not None else float(acc_step.min())
    bn_scale = bn_shift = offset = None
    if layer.bn is not None and not layer.bn_folded:
        if _has(dp, UnitKind.BN_MULTIPLIER):
            bn_scale, bn_shift, acc_step = _bn_stage(dp, scheme, layer, acc_step, out_step)
        else:  # merged (bn_realisation: merged): y = (M*gamma')*acc + M*beta', one rescale per channel
            gamma, offset = _bn_affine(layer)
            acc_step = acc_step * gamma
    if output is None:
        return IntDense(layer.conv, prep, pad, weights, z_w, bias, bn_scale, bn_shift, None, output, relu,
                        logit_step=acc_step, logit_offset=offset)
    steps = None if offset is None else offset / output.step
    rescale = _rescale(dp, acc_step / output.step, scheme.m0_bits, steps)
    return IntDense(layer.conv, prep, pad, weights, z_w, bias, bn_scale, bn_shift, rescale, output, relu)


def _float_dense(layer: QuantDense, output: OutputGrid | None, relu: bool) -> FloatDense:
    w, b = layer.bn.fold(layer.weight.value, layer.bias.value) if layer.bn is not None else layer.effective_weights()
    return FloatDense(layer.conv, _grid(layer) if layer.a_quant else None, w, b, output, relu)


def to_integer_model(net: Network, scheme: QuantScheme) -> IntegerModel:
    """The integer model of a network trained by :func:`hwcost.accuracy.qat.attach.quantize_network`."""
    dense = net.dense_layers
    stages: list[Stage] = []
    for pos, layer in enumerate(net.layers):
        if isinstance(layer, QuantDense):
            i = dense.index(layer)
            output = _grid(dense[i + 1]) if i + 1 < len(dense) else None
            relu = pos + 1 < len(net.layers) and isinstance(net.layers[pos + 1], ReLU)
            if layer.w_quant is None:
                stages.append(_float_dense(layer, output, relu))
            else:
                dp = layer_datapath(scheme, layer, i in (0, len(dense) - 1))
                stages.append(_int_dense(dp, scheme, layer, output, relu))
        elif isinstance(layer, MaxPool2d):
            stages.append(IntPool(layer.size))
        elif isinstance(layer, Flatten):
            stages.append(IntFlatten())
    first = dense[0]
    return IntegerModel(_grid(first) if first.a_quant else None, tuple(stages))
