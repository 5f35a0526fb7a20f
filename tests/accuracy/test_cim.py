"""CIM forward mode: exactness at lossless ADC bits, row-group splitting, ADC, slicing, noise."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from hwcost.arch.cim_macro.config import CimMacroParams, SignedWeights
from hwcost.schemes.presets import get_scheme
from hwcost.accuracy.cim.readout import (
    AdcRange,
    CimLayout,
    CodeRange,
    FixedStepAdc,
    MseAdc,
    adc_convert,
    cim_product,
    column_sums,
    mse_adc_step,
    slice_inputs,
    slice_weights,
)
from hwcost.accuracy.cim.matmul import CimMatmul, attach_cim
from hwcost.accuracy.nn.params import EVAL, StepContext
from hwcost.accuracy.cim.noise import NO_NOISE, CimNoise, NoiseTarget
from hwcost.accuracy.qat.attach import quantize_network

ENCODINGS = list(SignedWeights)


def _operands(seed: int, m: int, k: int, c: int, a_range: CodeRange, w_range: CodeRange) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.integers(a_range.lo, a_range.hi + 1, (m, k))
    a[rng.random((m, k)) < 0.3] = 0  # ReLU-like sparsity
    return a, rng.integers(w_range.lo, w_range.hi + 1, (c, k))


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize(("cell_bits", "pulse_bits"), [(1, 1), (2, 1), (2, 3), (4, 2)])
@pytest.mark.parametrize("a_range", [CodeRange(0, 15), CodeRange(-8, 7), CodeRange(0, 255)])
def test_lossless_adc_gives_the_exact_integer_product(encoding, cell_bits, pulse_bits, a_range) -> None:
    w_range = CodeRange(-8, 7)
    a, w = _operands(cell_bits + pulse_bits, 9, 70, 5, a_range, w_range)
    for rows in (16, 64, 128):
        layout = CimLayout(CimMacroParams(rows, cell_bits, pulse_bits, 8, encoding), 70, a_range, w_range)
        layout = CimLayout(CimMacroParams(rows, cell_bits, pulse_bits, layout.lossless_bits, encoding), 70, a_range, w_range)
        assert not layout.adc_quantizes and layout.fixed_step == 1.0
        out = cim_product(a, w, layout, FixedStepAdc(layout.fixed_step), NO_NOISE, None)
        np.testing.assert_array_equal(out.codes, a @ w.T)


@pytest.mark.parametrize(("a_range", "pulse_bits"), [(CodeRange(0, 255), 3), (CodeRange(-16, 15), 2), (CodeRange(-30, 30), 1)])
def test_slices_reassemble_the_codes(a_range: CodeRange, pulse_bits: int) -> None:
    a, _ = _operands(0, 4, 50, 1, a_range, a_range)
    x = slice_inputs(a, a_range, pulse_bits)
    assert x.values.max() <= 2**pulse_bits - 1 and x.values.min() >= 0
    np.testing.assert_array_equal(x.values @ x.shifts, a)
    for encoding in ENCODINGS:
        w = slice_weights(a, a_range, 2, encoding)
        np.testing.assert_array_equal((w.values @ w.shifts - w.offset).T, a)


def _direct(a: np.ndarray, w: np.ndarray, rows: int, bits_a: int, bits_w: int, step: float, adc_bits: int) -> np.ndarray:
    """Reference: loops over row groups, input bits and the differential pair's weight bits
    (1-bit cells, bit-serial inputs), one ADC conversion per group, bit and column."""
    out = np.zeros((a.shape[0], w.shape[0]))
    for start in range(0, a.shape[1], rows):
        ag, wg = a[:, start : start + rows], w[:, start : start + rows]
        for i in range(bits_a):
            xi = (ag >> i) & 1
            for sign, part in ((1, np.maximum(wg, 0)), (-1, np.maximum(-wg, 0))):
                for j in range(bits_w):
                    psum = xi @ ((part >> j) & 1).T
                    q = step * np.clip(np.floor(psum / step + 0.5), 0, 2**adc_bits - 1)
                    out += sign * 2.0 ** (i + j) * q
    return out


@pytest.mark.parametrize(("rows", "adc_bits", "step"), [(16, 3, None), (32, 4, None), (20, 3, 2.7), (100, 8, None)])
def test_row_group_splitting_matches_a_direct_computation(rows: int, adc_bits: int, step: float | None) -> None:
    a_range, w_range = CodeRange(0, 15), CodeRange(-7, 7)
    a, w = _operands(rows, 11, 90, 6, a_range, w_range)
    layout = CimLayout(CimMacroParams(rows, 1, 1, adc_bits), 90, a_range, w_range)
    step = layout.fixed_step if step is None else step
    assert step == layout.fixed_step or rows == 20
    got = cim_product(a, w, layout, FixedStepAdc(step), NO_NOISE, None).codes
    np.testing.assert_allclose(got, _direct(a, w, rows, 4, 3, step, adc_bits), rtol=0, atol=1e-9)
    sums = column_sums(np.ones((2, 90, 1)), np.ones((90, 3)), rows)
    np.testing.assert_array_equal(sums.sum(axis=0), np.full((2, 1, 3), 90.0))
    assert sums.shape[0] == -(-90 // rows)


def test_fixed_range_adc_merges_two_to_the_missing_bits_levels() -> None:
    layout = CimLayout(CimMacroParams(64, 1, 1, 4), 200, CodeRange(0, 15), CodeRange(-8, 7))
    assert layout.lossless_bits == 7 and layout.fixed_step == 8.0 and layout.full_scale == 64.0
    v = np.arange(0.0, 65.0)
    q = adc_convert(v, layout.fixed_step, 4)
    assert set(np.unique(q)) <= set(8.0 * np.arange(16)) and q.max() == 64.0
    assert np.all(np.diff(q) >= 0) and np.all(np.abs(q - v) <= 4.0)  # half a step
    assert adc_convert(np.array([200.0, -3.0]), 8.0, 4).tolist() == [120.0, 0.0]  # clipped to the codes


def test_flexible_interval_is_the_mse_step_and_never_below_one_level() -> None:
    rng = np.random.default_rng(0)
    psums = np.floor(rng.exponential(4.0, 50_000))
    step = mse_adc_step(psums, 3)
    errors = {s: np.mean((adc_convert(psums, s, 3) - psums) ** 2) for s in (1.0, step, psums.max() / 7)}
    assert step >= 1.0 and errors[step] <= min(errors.values()) + 1e-9
    assert mse_adc_step(np.array([0.0, 2.0, 7.0]), 3) == 1.0
    assert MseAdc(3, previous=10.0, momentum=0.5).step(psums) == pytest.approx(0.5 * 10.0 + 0.5 * step)


@pytest.mark.parametrize("target", list(NoiseTarget))
def test_noise_is_reproducible_with_a_seed(target: NoiseTarget) -> None:
    a_range, w_range = CodeRange(0, 15), CodeRange(-8, 7)
    a, w = _operands(3, 20, 100, 8, a_range, w_range)
    layout = CimLayout(CimMacroParams(32, 1, 1, 6), 100, a_range, w_range)
    noise = CimNoise(0.2 if target is NoiseTarget.WEIGHTS else 0.01, target)  # the ADC rounds small noise away

    def run(seed: int | None) -> np.ndarray:
        rng = None if seed is None else np.random.default_rng(seed)
        return cim_product(a, w, layout, FixedStepAdc(1.0), noise, rng).codes

    np.testing.assert_array_equal(run(7), run(7))
    assert not np.array_equal(run(7), run(8))
    np.testing.assert_array_equal(run(None), a @ w.T)  # no generator: the noiseless macro
    assert abs(np.mean(run(7) - a @ w.T)) < 0.1 * np.std(a @ w.T)


@pytest.fixture(scope="module")
def quantized(fresh_model, digits):
    """Stage-1-like quantized networks (no training needed for the exactness checks)."""
    nets = {}
    for model in ("mlp", "cnn"):
        net = fresh_model(model, True)
        quantize_network(net, get_scheme("lsq", 4, 4), digits.x_train[:128])
        nets[model] = net
    return nets


@pytest.mark.parametrize("model", ["mlp", "cnn"])
@pytest.mark.parametrize("adc_range", list(AdcRange))
def test_lossless_cim_mode_equals_the_plain_quantized_layers(quantized, digits, model: str, adc_range: AdcRange) -> None:
    net = copy.deepcopy(quantized[model])
    x = digits.x_test[: 64 if model == "mlp" else 16]
    plain = net.forward(x, EVAL)
    rows = 64
    lossless = max(p.layout.lossless_bits for p in attach_cim(copy.deepcopy(net), CimMacroParams(rows, 1, 1, 8),
                                                                 adc_range, NO_NOISE))
    policies = attach_cim(net, CimMacroParams(rows, 1, 1, lossless), adc_range, NO_NOISE)
    assert all(isinstance(p, CimMatmul) and not p.layout.adc_quantizes for p in policies)
    cim = net.forward(x, EVAL)
    np.testing.assert_allclose(cim, plain, rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(cim.argmax(axis=1), plain.argmax(axis=1))
    lossy = attach_cim(net, CimMacroParams(rows, 1, 1, 3), adc_range, NO_NOISE)
    assert any(p.layout.adc_quantizes for p in lossy) and not np.allclose(net.forward(x, EVAL), plain)


def test_training_forward_uses_straight_through_gradients(quantized, digits) -> None:
    net = copy.deepcopy(quantized["mlp"])
    attach_cim(net, CimMacroParams(64, 1, 1, 4), AdcRange.FLEXIBLE, CimNoise(0.1))
    ctx = StepContext(training=True, rng=np.random.default_rng(0))
    out = net.forward(digits.x_train[:32], ctx)
    net.backward(np.ones_like(out) / out.size)
    layer = net.dense_layers[1]
    assert np.isfinite(layer.weight.grad).all() and np.abs(layer.weight.grad).sum() > 0
    assert all(p.adc_step is not None and p.adc_step >= 1.0 for p in (l.matmul for l in net.dense_layers)
               if p.layout.adc_quantizes)
