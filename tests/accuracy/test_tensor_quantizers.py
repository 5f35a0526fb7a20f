"""Weight and activation quantizers configured from scheme fields; DoReFa, SQ, LSQ scaling."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hwcost.schemes import Clipping, Granularity, QuantScheme, ScaleType, TensorQuant, TrainingMethod, ZeroPoint
from hwcost.schemes.presets import PRESET_NAMES, get_scheme
from hwcost.accuracy.qat.act_quantizer import ActQuantizer
from hwcost.accuracy.qat.config import OffsetSource, StepSource, activation_config, weight_config
from hwcost.accuracy.kernels.dorefa import dorefa_transform, dorefa_transform_grad
from hwcost.accuracy.kernels.lsq import lsq_grad_scale
from hwcost.accuracy.nn.params import EVAL, StepContext
from hwcost.accuracy.kernels.sq import SQ_RATIOS, channel_errors, select_quantized_channels, sq_ratio
from hwcost.accuracy.qat.weight_quantizer import WeightQuantizer

RNG = np.random.default_rng(0)
W = RNG.normal(0.0, 0.5, (6, 10))
TRAIN = StepContext(training=True, progress=0.0, rng=np.random.default_rng(1))


def _scheme(**weights) -> QuantScheme:
    a = TensorQuant(bits=4, signed=False)
    return QuantScheme("t", TensorQuant(bits=4, signed=True, **weights), a, a)


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_every_preset_configures_quantizers_from_its_fields(name: str) -> None:
    s = get_scheme(name, 4, 4)
    w, a = weight_config(s, 4), activation_config(s, 4)
    assert w.pot == (s.weights.scale_type is ScaleType.POT)
    assert (w.step_source is StepSource.LEARNED) == s.weights.learned_scale
    assert (a.step_source is StepSource.PACT) == (s.clipping is Clipping.PACT)
    assert (a.offset_source is OffsetSource.LEARNED) == (s.activations.zero_point is ZeroPoint.LEARNED and a.step_source is not StepSource.PACT)
    assert w.grid.half == (0.5 if s.weights.centred else 0.0)
    assert w.soft_round == (s.training is TrainingMethod.SSR) and w.stochastic == (s.training is TrainingMethod.SQ)


def test_per_channel_steps_follow_each_channel_maximum() -> None:
    q = WeightQuantizer(weight_config(_scheme(granularity=Granularity.CHANNEL), 4), rows=6)
    step, offset = q.row_step_offset(W)
    np.testing.assert_allclose(step[:, 0], np.abs(W).max(axis=1) / 7)
    assert not offset.any()
    w_hat = q.forward(W, EVAL)
    np.testing.assert_allclose(np.abs(w_hat).max(axis=1), np.abs(W).max(axis=1))


def test_group_and_pot_steps() -> None:
    q = WeightQuantizer(weight_config(_scheme(granularity=Granularity.GROUP, group_size=4, scale_type=ScaleType.POT), 4), rows=6)
    step = q.row_step_offset(W)[0][:, 0]
    assert len(set(step[:4])) == 1 and len(set(step[4:])) == 1
    np.testing.assert_array_equal(np.log2(step), np.round(np.log2(step)))


def test_narrow_range_drops_the_most_negative_code() -> None:
    q = WeightQuantizer(weight_config(_scheme(narrow_range=True), 4), rows=6)
    codes, zero, _ = q.integer_codes(W)
    assert codes.min() >= -7 and codes.max() <= 7 and not zero.any()


def test_centred_codes_are_odd_and_symmetric() -> None:
    q = WeightQuantizer(weight_config(_scheme(centred=True), 2), rows=6)
    codes, _, code_step = q.integer_codes(W)
    assert set(np.unique(codes)) <= {-3, -1, 1, 3}
    np.testing.assert_allclose(code_step[:, None] * codes, q.forward(W, EVAL))


def test_lsq_step_gradient_is_scaled_by_g() -> None:
    q = WeightQuantizer(weight_config(_scheme(learned_scale=True), 4), rows=6)
    q.initialise(W)
    np.testing.assert_allclose(q.step.value, 2 * np.abs(W).mean() / np.sqrt(7))  # LSQ initialisation
    q.forward(W, TRAIN)
    q.backward(np.ones_like(W))
    step = q.row_step_offset(W)[0]
    from hwcost.accuracy.kernels.uniform import fake_quant_grads
    from hwcost.accuracy.kernels.rounding import HardRound

    raw = fake_quant_grads(W, step, 0.0, q.config.grid, HardRound(), np.ones_like(W)).step.sum()
    assert q.step.grad[0] == pytest.approx(raw * lsq_grad_scale(W.size, 7))


def test_lsq_plus_activation_initialisation_and_offset_gradient() -> None:
    s = get_scheme("lsq+", 4, 4)
    q = ActQuantizer(activation_config(s, 4))
    x = RNG.normal(0.3, 1.0, (64, 20))
    q.initialise(x)
    step, offset = q.step_offset()
    assert step > 0 and offset < 0  # the MSE range covers the negative tail
    q.forward(x, TRAIN)
    q.backward(np.ones_like(x))
    u = (x - offset) / step
    outside = np.sum((u <= 0) | (u >= 15))
    assert q.offset.grad[0] == pytest.approx(outside * lsq_grad_scale(20, 15))


def test_pact_alpha_gradient_counts_clipped_inputs() -> None:
    q = ActQuantizer(activation_config(get_scheme("pact", 4, 4), 4))
    x = np.abs(RNG.normal(0.0, 1.0, (32, 8)))
    q.initialise(x)
    q.alpha.value[0] = 1.0
    q.forward(x, TRAIN)
    grad_x = q.backward(np.ones_like(x))
    assert q.alpha.grad[0] == pytest.approx(np.sum(x >= 1.0))
    assert np.all(grad_x[x >= 1.0] == 0)


def test_dorefa_transform_and_gradient() -> None:
    groups = np.zeros(6, dtype=np.int64)
    t = dorefa_transform(W, groups, 1)
    assert np.abs(t).max() == pytest.approx(1.0)
    eps = 1e-6
    w2 = W.copy()
    w2[1, 2] += eps
    m = np.abs(np.tanh(W)).max()
    fd = (np.tanh(w2[1, 2]) - np.tanh(W[1, 2])) / eps / m  # the maximum held constant
    assert dorefa_transform_grad(W, groups, 1, np.ones_like(W))[1, 2] == pytest.approx(fd, rel=1e-4)
    q = WeightQuantizer(weight_config(replace(get_scheme("dorefa", 2, 2)), 2), rows=6)
    levels = np.unique(q.forward(W, EVAL))
    np.testing.assert_allclose(levels, [-1.0, -1 / 3, 1 / 3, 1.0])  # DoReFa eq. 9 at k = 2


def test_sq_selection_and_schedule() -> None:
    errors = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
    assert [sq_ratio(p) for p in (0.0, 0.25, 0.5, 0.75, 0.99)] == list(SQ_RATIOS) + [1.0]
    for ratio, n in ((0.5, 4), (0.75, 6), (0.875, 7), (1.0, 8)):
        assert select_quantized_channels(errors, ratio, np.random.default_rng(0)).sum() == n
    counts = np.zeros(8)
    rng = np.random.default_rng(0)
    for _ in range(400):
        counts += select_quantized_channels(errors, 0.5, rng)
    assert counts[0] > counts[-1]  # low-error channels are the likelier to be quantized
    np.testing.assert_allclose(channel_errors(W, W), 0.0)


def test_sq_quantizes_a_fraction_of_channels_while_training() -> None:
    q = WeightQuantizer(weight_config(get_scheme("sq", 2, 2), 2), rows=6)
    w_hat = q.forward(W, StepContext(training=True, progress=0.0, rng=np.random.default_rng(0)))
    exact = np.all(w_hat == W, axis=1)
    assert exact.sum() == 3  # 50 % of 6 channels stay full precision
    assert not np.any(np.all(q.forward(W, EVAL) == W, axis=1))
