"""Integer-only execution: requantization arithmetic and agreement with fake-quant."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hwcost.errors import HwcostError
from hwcost.schemes import BNHandling, BNRealisation, ScaleRealisation, ZeroPointRealisation
from hwcost.schemes.presets import PRESET_NAMES, get_scheme
from hwcost.accuracy.integer import to_integer_model
from hwcost.accuracy.integer.model import IntDense
from hwcost.accuracy.integer.requant import DyadicRescale, FloatRescale, quantize_multiplier, rounding_shift, shift_of
from hwcost.accuracy.nn.params import EVAL
from hwcost.accuracy.qat.attach import quantize_network
from hwcost.accuracy.train import TrainSettings, train


def test_rounding_shift_is_round_half_up() -> None:
    x = np.arange(-20, 21)
    for n in (1, 2, 3):
        np.testing.assert_array_equal(rounding_shift(x, np.int64(n)), np.floor(x / 2**n + 0.5))


def test_dyadic_multiplier_is_accurate_to_m0_bits() -> None:
    m = np.array([0.9999999, 0.5, 0.013, 3.7, -0.2])
    m0, shift = quantize_multiplier(m, 16)
    assert np.all(np.abs(m0) < 2**15) and np.all(np.abs(m0) >= 2**14)
    np.testing.assert_allclose(m0 * 2.0 ** (-shift.astype(float)), m, rtol=2**-14)
    acc = np.array([[1000, -777, 12345, 3, 99]])
    np.testing.assert_allclose(DyadicRescale.of(m, 32).apply(acc), np.floor(acc * m + 0.5), atol=1)
    np.testing.assert_array_equal(FloatRescale(np.array([0.25])).apply(np.array([[6]])), [[2]])
    np.testing.assert_array_equal(shift_of(np.array([0.125, 2.0])).shift, [3, -1])
    with pytest.raises(HwcostError):
        shift_of(np.array([0.3]))


def _qat(digits, fresh_model, scheme, model="mlp", epochs=1):
    net = fresh_model(model, scheme.bn is not BNHandling.NONE)
    quantize_network(net, scheme, digits.x_train[:256])
    train(net, digits.x_train[:512], digits.y_train[:512], TrainSettings(epochs, 0.01), np.random.default_rng(1))
    return net


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_integer_model_agrees_with_fake_quant(digits, fresh_model, name: str) -> None:
    scheme = get_scheme(name, 4, 4)
    net = _qat(digits, fresh_model, scheme)
    integer = to_integer_model(net, scheme).predict(digits.x_test)
    fake = net.predict(digits.x_test, EVAL)
    assert np.mean(integer != fake) <= 0.005


def test_cnn_integer_model_agrees_at_two_bits(digits, fresh_model) -> None:
    for name in ("bn-unfused", "asymmetric"):
        scheme = get_scheme(name, 2, 2)
        net = _qat(digits, fresh_model, scheme, "cnn")
        x = digits.x_test[:200]
        assert np.mean(to_integer_model(net, scheme).predict(x) != net.predict(x, EVAL)) <= 0.005


def test_zero_point_realisations_compute_identical_integers(digits, fresh_model) -> None:
    base = replace(get_scheme("asymmetric", 4, 4))
    net = _qat(digits, fresh_model, base)
    x = digits.x_test[:100]
    logits = {}
    for realisation in (ZeroPointRealisation.RUNTIME, ZeroPointRealisation.PRE_SUBTRACT):
        scheme = replace(base, zero_point_realisation=realisation)
        model = to_integer_model(net, scheme)
        logits[realisation] = model.logits(x)
        runtime_stages = [s for s in model.stages if isinstance(s, IntDense) and s.weight_zero.any()]
        assert bool(runtime_stages) == (realisation is ZeroPointRealisation.RUNTIME)
    np.testing.assert_array_equal(*logits.values())


def test_centred_weights_fold_and_runtime_agree(digits, fresh_model) -> None:
    base = get_scheme("csq", 2, 2)
    net = _qat(digits, fresh_model, base)
    x = digits.x_test[:100]
    runtime = to_integer_model(net, replace(base, zero_point_realisation=ZeroPointRealisation.RUNTIME))
    np.testing.assert_array_equal(to_integer_model(net, base).logits(x), runtime.logits(x))


def test_operand_scale_realisation_matches_fake_quant(digits, fresh_model) -> None:
    scheme = replace(get_scheme("pot", 4, 4), scale_realisation=ScaleRealisation.OPERAND)
    net = _qat(digits, fresh_model, scheme)
    assert np.mean(to_integer_model(net, scheme).predict(digits.x_test) != net.predict(digits.x_test, EVAL)) <= 0.005


def test_unfused_bn_merged_and_separate_compute_what_is_priced(digits, fresh_model) -> None:
    """Merged (default): no BN stage, gamma' inside a per-channel rescale M*gamma' and M*beta'
    added to the product before the rounding shift; separate: a BN multiply-add of its own. Both
    agree with fake-quant."""
    base = get_scheme("bn-unfused", 4, 4)
    net = _qat(digits, fresh_model, base)
    x, fake = digits.x_test, net.predict(digits.x_test, EVAL)
    merged = to_integer_model(net, base)
    separate = to_integer_model(net, replace(base, bn_realisation=BNRealisation.SEPARATE))
    for model in (merged, separate):
        assert np.mean(model.predict(x) != fake) <= 0.005
    hidden_merged = next(s for s in merged.stages if isinstance(s, IntDense) and s.rescale is not None)
    hidden_separate = next(s for s in separate.stages if isinstance(s, IntDense) and s.rescale is not None)
    assert hidden_merged.bn_scale is None and hidden_separate.bn_scale is not None
    assert np.any(hidden_merged.rescale.offset != 0)
    # Hand check of one channel: M*gamma' = gamma' * S_w * S_x / S_out, as a 12-bit M0 (4-bit outputs).
    layer = next(lay for lay in net.dense_layers if lay.bn is not None and not lay.bn_folded)
    gamma = layer.bn.gamma.value * layer.bn.inv_std()
    w_step = layer.w_quant.integer_codes(layer.effective_weights()[0])[2]
    expected = gamma * w_step * layer.a_quant.integer_params().step / hidden_merged.output.step
    m0, shift = hidden_merged.rescale.m0, hidden_merged.rescale.shift
    assert np.all(np.abs(m0) < 2**11)
    np.testing.assert_allclose(m0 * 2.0 ** (-shift.astype(float)), expected, rtol=2**-10)


def test_operand_dequant_factor_is_an_operand_bits_word(digits, fresh_model) -> None:
    scheme = replace(get_scheme("symmetric", 4, 4), scale_realisation=ScaleRealisation.OPERAND, operand_bits=12)
    net = _qat(digits, fresh_model, scheme)
    stages = [s for s in to_integer_model(net, scheme).stages if isinstance(s, IntDense)]
    assert all(abs(s.prep.m0) < 2**11 for s in stages)  # the priced dequant multiplier is code x 12 bits
