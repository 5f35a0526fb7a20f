"""The CIM forward mode in torch, mirroring :mod:`hwcost.accuracy.cim.readout`,
:mod:`hwcost.accuracy.cim.matmul` and :mod:`hwcost.accuracy.cim.two_stage` (the numpy reference).

One layer's integer product split into row groups of the macro's ``rows`` summed ``active_rows``
at a time, inputs in ``input_bits_per_pulse``-bit pulses, weights bit-sliced into ``cell_bits``
cells (differential pairs or offset-stored), a weight's bit columns and its pair combined before
the ADC or after it (the numpy :func:`~hwcost.accuracy.cim.readout.conversion_plan` and
:func:`~hwcost.accuracy.cim.readout.activation_rows` are reused), every converted sum through an
``adc_bits`` ADC of fixed or flexible (MSE-calibrated) range, unipolar or, for a pair difference,
two's complement, Gaussian noise on cells or partial sums (NTHU patent US 11,899,742 and its
two-stage CIM training; partial-sum quantization as US 11,423,315):

    y[m, o] = sum_r sum_i s_i sum_u d_u ADC( sum_{k in r} x_i[m, k] * sum_j a_ju cell_j[k, o] )

The backward is the straight-through estimator through ADC and noise (the ideal product's
gradients). Noise is drawn from the step's numpy generator in the order and shapes the numpy
model draws it, so both backends see the same chip instances.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from hwcost.arch.cim_macro.config import CimMacroParams, SignedWeights
from hwcost.errors import HwcostError
from hwcost.accuracy.cim.matmul import GRID_TOLERANCE, code_range
from hwcost.accuracy.cim.noise import CimNoise, NoiseTarget
from hwcost.accuracy.cim.readout import (
    MAX_CHUNK_ELEMENTS,
    MSE_SAMPLES,
    SAMPLE_SEED,
    AdcPolicy,
    AdcRange,
    CimLayout,
    CodeRange,
    FixedStepAdc,
    MseAdc,
    adc_code_range,
    conversion_plan,
)
from hwcost.accuracy.cim.two_stage import CimOutcome, CimSettings
from hwcost.accuracy.data import Dataset
from hwcost.accuracy.nn.matmul import MatmulScales
from hwcost.accuracy.nn.params import EVAL, StepContext
from hwcost.accuracy.train import TrainSettings
from hwcost.accuracy.torch_backend.kernels import straight_through
from hwcost.accuracy.torch_backend.models import TorchNetwork
from hwcost.accuracy.torch_backend.train import torch_accuracy, train_torch

__all__ = ["TorchSlices", "torch_cim_product", "TorchCimMatmul", "attach_torch_cim", "torch_cim_stage"]

FLOAT32_TOLERANCE = 1e-3  # float32 operands: |u - round(u)| allowed at evaluation (numpy, float64: 1e-6)


class TorchSlices:
    """Unsigned slices ``values (..., S)``, shift-add weights ``shifts (S,)``, stored offset."""

    def __init__(self, values: torch.Tensor, shifts: torch.Tensor, offset: int = 0):
        self.values, self.shifts, self.offset = values, shifts, offset


def _unsigned(u: torch.Tensor, bits: int, width: int, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    n = -(-bits // width)
    shift = width * torch.arange(n, device=u.device)
    values = (u[..., None] >> shift) & ((1 << width) - 1)
    return values.to(dtype), torch.exp2(shift.to(dtype))


def slice_inputs(codes: torch.Tensor, r: CodeRange, pulse_bits: int, dtype: torch.dtype) -> TorchSlices:
    """As :func:`hwcost.accuracy.cim.readout.slice_inputs`: two's complement, sign slice last."""
    c = codes.to(torch.int64)
    if not r.signed:
        return TorchSlices(*_unsigned(c, r.unsigned_bits, pulse_bits, dtype))
    b = r.twos_complement_bits
    u = c & ((1 << b) - 1)
    low, shifts = _unsigned(u & ((1 << (b - 1)) - 1), max(b - 1, 1), pulse_bits, dtype)
    sign = (u >> (b - 1)).to(dtype)[..., None]
    sign_shift = torch.tensor([-(2.0 ** (b - 1))], dtype=dtype, device=codes.device)
    return TorchSlices(torch.cat([low, sign], dim=-1), torch.cat([shifts, sign_shift]))


def slice_weights(codes: torch.Tensor, r: CodeRange, cell_bits: int, encoding: SignedWeights, dtype: torch.dtype) -> TorchSlices:
    """As :func:`hwcost.accuracy.cim.readout.slice_weights`: cells ``(K, C, S)``."""
    c = codes.to(torch.int64).T
    if not r.signed:
        return TorchSlices(*_unsigned(c, r.unsigned_bits, cell_bits, dtype))
    if encoding is SignedWeights.DIFFERENTIAL:
        pos, shifts = _unsigned(torch.clamp(c, min=0), r.magnitude_bits, cell_bits, dtype)
        neg, _ = _unsigned(torch.clamp(-c, min=0), r.magnitude_bits, cell_bits, dtype)
        return TorchSlices(torch.cat([pos, neg], dim=-1), torch.cat([shifts, -shifts]))
    b = r.twos_complement_bits
    offset = 1 << (b - 1)
    return TorchSlices(*_unsigned(c + offset, b, cell_bits, dtype), offset=offset)


def _normal(rng: np.random.Generator, shape: tuple[int, ...], dtype: type, like: torch.Tensor) -> torch.Tensor:
    return torch.from_numpy(rng.standard_normal(shape, dtype=dtype)).to(device=like.device, dtype=like.dtype)


def _perturb_cells(noise: CimNoise, cells: torch.Tensor, rng: np.random.Generator | None) -> torch.Tensor:
    if not noise.active or noise.target is not NoiseTarget.WEIGHTS or rng is None:
        return cells
    return cells * (1.0 + noise.sigma * _normal(rng, tuple(cells.shape), np.float64, cells))


def _perturb_psums(noise: CimNoise, psums: torch.Tensor, full_scale: float, rng: np.random.Generator | None) -> torch.Tensor:
    if not noise.active or noise.target is not NoiseTarget.PSUM or rng is None:
        return psums
    eps = rng.standard_normal(tuple(psums.shape), dtype=np.float32)
    eps *= noise.sigma * full_scale
    return psums + torch.from_numpy(eps).to(device=psums.device, dtype=psums.dtype)


def column_sums(x: torch.Tensor, cells: torch.Tensor, index: np.ndarray) -> torch.Tensor:
    """Partial sums ``(AG, M, S, N)`` of ``x (M, K, S)`` on ``cells (K, N)``, one per row
    activation ``index (AG, n)`` (:func:`hwcost.accuracy.cim.readout.activation_rows`)."""
    m, k, s = x.shape
    g, n = index.shape
    idx = torch.from_numpy(index).to(x.device)
    xg = torch.cat([x, x.new_zeros((m, 1, s))], dim=1)[:, idx, :]  # (M, AG, n, S)
    xg = xg.permute(1, 0, 3, 2).reshape(g, m * s, n)
    wg = torch.cat([cells, cells.new_zeros((1, cells.shape[1]))])[idx]  # (AG, n, N)
    return torch.bmm(xg, wg).reshape(g, m, s, cells.shape[1])


def adc_convert(psums: torch.Tensor, step: float, bits: int, signed: bool = False) -> torch.Tensor:
    """``step * clip(round(v / step), lo, hi)``, round half up (codes as the numpy ADC's)."""
    lo, hi = adc_code_range(bits, signed)
    return torch.clamp(torch.floor(psums / step + 0.5), lo, hi) * step


def _adc_sample(psums: torch.Tensor) -> np.ndarray:
    """The partial sums the numpy ADC search looks at (the same fixed subset), as numpy."""
    flat = psums.reshape(-1)
    if flat.numel() > 4 * MSE_SAMPLES:
        idx = np.random.default_rng(SAMPLE_SEED).integers(0, flat.numel(), 4 * MSE_SAMPLES)
        flat = flat[torch.from_numpy(idx).to(flat.device)]
    return flat.detach().cpu().numpy().astype(np.float64)


def _converted_columns(cells: torch.Tensor, analog: np.ndarray, identity: bool, outputs: int, reference: bool) -> torch.Tensor:
    """As the numpy ``_converted_columns``: each weight's cell columns combined before the ADC."""
    if identity:
        return cells
    k, s = cells.shape[0], analog.shape[0]
    a = torch.from_numpy(analog).to(device=cells.device, dtype=cells.dtype)
    data = (cells[:, : outputs * s].reshape(k, outputs, s) @ a).reshape(k, -1)
    return torch.cat([data, cells[:, -1:]], dim=1) if reference else data


def torch_cim_product(a_codes: torch.Tensor, w_codes: torch.Tensor, layout: CimLayout, adc: AdcPolicy, noise: CimNoise,
                      rng: np.random.Generator | None) -> tuple[torch.Tensor, float]:
    """``a_codes (M, K) x w_codes (C, K)`` through the macro: accumulated codes and the ADC step."""
    dtype = a_codes.dtype
    a_rng = CodeRange(min(layout.input_range.lo, int(a_codes.min())), max(layout.input_range.hi, int(a_codes.max())))
    w_rng = CodeRange(min(layout.weight_range.lo, int(w_codes.min())), max(layout.weight_range.hi, int(w_codes.max())))
    layout = replace(layout, input_range=a_rng, weight_range=w_rng)
    macro, outputs, reference = layout.macro, w_codes.shape[0], layout.reference_column
    x = slice_inputs(a_codes, layout.input_range, macro.input_bits_per_pulse, dtype)
    w = slice_weights(w_codes, layout.weight_range, macro.cell_bits, layout.encoding, dtype)
    plan = conversion_plan(w.shifts.cpu().numpy(), macro)
    k, c, s_w = w.values.shape
    cells = w.values.reshape(k, c * s_w)
    if reference:
        cells = torch.cat([cells, torch.ones((k, 1), dtype=dtype, device=cells.device)], dim=1)
    cells = _perturb_cells(noise, cells, rng)
    columns = _converted_columns(cells, plan.analog, plan.identity, outputs, reference)
    shifts = torch.from_numpy(plan.shifts).to(device=cells.device, dtype=dtype)
    index = layout.activations
    m, s_a = a_codes.shape[0], x.shifts.shape[0]
    chunk = max(1, MAX_CHUNK_ELEMENTS // (index.shape[0] * s_a * columns.shape[1]))
    out, step = [], None
    for start in range(0, m, chunk):
        psums = _perturb_psums(noise, column_sums(x.values[start : start + chunk], columns, index), layout.full_scale, rng)
        step = adc.step(_adc_sample(psums)) if step is None else step
        q = adc_convert(psums, step, macro.adc_bits, layout.signed_sum)
        per_column = torch.tensordot(q.sum(dim=0), x.shifts, dims=([1], [0]))  # M, columns
        data = per_column[:, : outputs * len(shifts)].reshape(-1, outputs, len(shifts)) @ shifts
        out.append(data - w.offset * per_column[:, -1:] if reference else data)
    codes = torch.cat(out)
    if w.offset and layout.encoding is SignedWeights.DIGITAL:
        codes = codes - w.offset * a_codes.sum(dim=1, keepdim=True)
    return codes, float(layout.fixed_step if step is None else step)


def _codes(values: torch.Tensor, step: torch.Tensor | float, training: bool) -> torch.Tensor:
    u = values / step
    k = torch.floor(u + 0.5)
    tol = GRID_TOLERANCE if values.dtype == torch.float64 else FLOAT32_TOLERANCE
    if not training and u.numel() and float((u - k).abs().max()) > tol:
        raise ValueError("CIM forward: operands are not on their integer grid")
    return k


class TorchCimMatmul:
    """One layer's product on the macro (``layout``); straight-through backward."""

    def __init__(self, layout: CimLayout, adc_range: AdcRange, noise: CimNoise):
        self.layout = layout
        self.adc_range = adc_range
        self.noise = noise
        self.adc_step: float | None = None

    def adc(self, training: bool) -> AdcPolicy:
        if not self.layout.adc_quantizes or self.adc_range is AdcRange.FIXED:
            return FixedStepAdc(self.layout.fixed_step)
        if training or self.adc_step is None:
            return MseAdc(self.layout.macro.adc_bits, previous=self.adc_step, signed=self.layout.signed_sum)
        return FixedStepAdc(self.adc_step)

    def __call__(self, patches: torch.Tensor, weights: torch.Tensor, ctx: StepContext, scales: MatmulScales | None) -> torch.Tensor:
        if scales is None:
            raise HwcostError.single("the CIM forward mode runs quantized layers only (integer inputs and weights)",
                                     key="first_last_bits")
        w_step = torch.as_tensor(scales.weight_step, dtype=weights.dtype, device=weights.device)
        with torch.no_grad():
            a = _codes(patches.detach(), scales.activation_step, ctx.training)
            w = _codes(weights.detach(), w_step[:, None], ctx.training)
            codes, step = torch_cim_product(a, w, self.layout, self.adc(ctx.training), self.noise, ctx.rng)
            if self.adc_range is AdcRange.FLEXIBLE and (ctx.training or self.adc_step is None):
                self.adc_step = step
            cim = codes * (scales.activation_step * w_step)
        return straight_through(patches @ weights.T, cim)  # the ideal product's gradients


def attach_torch_cim(net: TorchNetwork, macro: CimMacroParams, adc_range: AdcRange, noise: CimNoise) -> list[TorchCimMatmul]:
    """Give every linear/conv layer of a quantized ``net`` its own CIM policy (in place), all on one ``macro``."""
    policies = []
    for i, layer in enumerate(net.dense_layers):
        if not (layer.quantized and layer.w_quant and layer.a_quant):
            raise HwcostError.single(
                f"layer {i} keeps floating-point weights or inputs; the CIM array computes integer dot "
                "products only: set first_last_bits (e.g. 8)", key="first_last_bits")
        layout = CimLayout(macro, int(layer.weight.shape[1]), code_range(layer.a_quant.config),
                           code_range(layer.w_quant.config))
        layer.matmul = TorchCimMatmul(layout, adc_range, noise)
        policies.append(layer.matmul)
    return policies


def torch_cim_stage(net: TorchNetwork, data: Dataset, cim: CimSettings, seed: int, batch_size: int,
                    calibration: np.ndarray, device: torch.device) -> CimOutcome:
    """As :func:`hwcost.accuracy.cim.two_stage.cim_stage`: deploy (in place), stage 2, measure."""
    digital = torch_accuracy(net, data.x_test, data.y_test, device)
    attach_torch_cim(net, cim.macro, cim.adc_range, cim.noise)
    dtype = next(net.parameters()).dtype
    if cim.adc_range is AdcRange.FLEXIBLE:
        with torch.no_grad():
            net(torch.from_numpy(np.ascontiguousarray(calibration)).to(device=device, dtype=dtype), EVAL)
    if cim.two_stage and cim.stage2_epochs > 0:
        stage2 = TrainSettings(cim.stage2_epochs, cim.stage2_lr, batch_size)
        train_torch(net, data.x_train, data.y_train, stage2, np.random.default_rng([seed, 2]), device, "CIM stage 2 (torch)")
    trials = cim.eval_trials if cim.noise.active else 1
    accs = np.array([torch_accuracy(net, data.x_test, data.y_test, device,
                                    StepContext(training=False, rng=np.random.default_rng([seed, 3, t])))
                     for t in range(trials)])
    return CimOutcome(float(accs.mean()), float(accs.std()), digital)
