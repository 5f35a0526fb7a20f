"""The numpy network library: adjoints and gradients against finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from hwcost.accuracy.nn.im2col import col2im, im2col
from hwcost.accuracy.nn.layers import ConvShape, MaxPool2d, QuantDense
from hwcost.accuracy.nn.loss import softmax_cross_entropy
from hwcost.accuracy.nn.matmul import DenseMatmul
from hwcost.accuracy.nn.params import EVAL, StepContext

TRAIN = StepContext(training=True)


def test_col2im_is_the_adjoint_of_im2col() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 5, 5))
    cols = im2col(x, 3, 1)
    g = rng.normal(size=cols.shape)
    assert np.sum(cols * g) == pytest.approx(np.sum(x * col2im(g, x.shape, 3, 1)))


def _numeric_grad(f, array: np.ndarray, index: tuple[int, ...], eps: float = 1e-6) -> float:
    old = array[index]
    array[index] = old + eps
    up = f()
    array[index] = old - eps
    down = f()
    array[index] = old
    return (up - down) / (2 * eps)


@pytest.mark.parametrize("conv", [None, ConvShape(3, 1)])
def test_dense_layer_with_batch_norm_gradients(conv: ConvShape | None) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 2, 4, 4)) if conv else rng.normal(size=(6, 5))
    fan_in = 2 * 9 if conv else 5
    layer = QuantDense(fan_in, 3, rng, conv=conv, batch_norm=True)
    layer.bn.gamma.value[:] = [0.5, 1.5, -1.0]
    target = rng.normal(size=layer.forward(x, TRAIN).shape)

    def loss() -> float:
        return float(np.sum(layer.forward(x, TRAIN) * target))

    loss()
    grad_x = layer.backward(target)
    for idx in [(0, 1), (2, 0)] if conv is None else [(0, 1, 2, 3), (3, 0, 0, 0)]:
        assert grad_x[idx] == pytest.approx(_numeric_grad(loss, x, idx), rel=1e-4, abs=1e-7)
    for idx in [(0, 1), (2, 3)]:
        assert layer.weight.grad[idx] == pytest.approx(_numeric_grad(loss, layer.weight.value, idx), rel=1e-4, abs=1e-7)
    assert layer.bn.gamma.grad[1] == pytest.approx(_numeric_grad(loss, layer.bn.gamma.value, (1,)), rel=1e-4)


def test_folded_batch_norm_equals_batch_norm_at_evaluation() -> None:
    rng = np.random.default_rng(2)
    layer = QuantDense(5, 4, rng, batch_norm=True)
    for _ in range(5):
        layer.forward(rng.normal(size=(16, 5)), TRAIN)
    x = rng.normal(size=(8, 5))
    unfused = layer.forward(x, EVAL)
    layer.bn_folded = True
    np.testing.assert_allclose(layer.forward(x, EVAL), unfused, atol=1e-12)
    target = rng.normal(size=unfused.shape)

    def loss() -> float:
        return float(np.sum(layer.forward(x, EVAL) * target))

    loss()
    layer.backward(target)
    assert layer.bn.gamma.grad[2] == pytest.approx(_numeric_grad(loss, layer.bn.gamma.value, (2,)), rel=1e-5)
    assert layer.weight.grad[1, 3] == pytest.approx(_numeric_grad(loss, layer.weight.value, (1, 3)), rel=1e-5)


def test_max_pool_routes_the_gradient_to_one_winner() -> None:
    pool = MaxPool2d(2)
    x = np.array([[[[1.0, 3.0], [3.0, 0.0]]]])
    assert pool.forward(x, EVAL).item() == 3.0
    np.testing.assert_array_equal(pool.backward(np.ones((1, 1, 1, 1))), [[[[0.0, 1.0], [0.0, 0.0]]]])


def test_softmax_cross_entropy_gradient() -> None:
    logits = np.array([[0.2, -1.0, 0.5], [1.0, 0.0, -0.3]])
    labels = np.array([2, 0])
    _, grad = softmax_cross_entropy(logits, labels)
    assert grad[0, 1] == pytest.approx(_numeric_grad(lambda: softmax_cross_entropy(logits, labels)[0], logits, (0, 1)))


def test_layers_call_the_injected_matmul_policy() -> None:
    calls = []

    class CountingMatmul(DenseMatmul):
        def forward(self, patches, weights, ctx, scales):
            calls.append(patches.shape)
            return super().forward(patches, weights, ctx, scales)

    layer = QuantDense(2 * 9, 4, np.random.default_rng(0), conv=ConvShape(3, 1), matmul=CountingMatmul())
    layer.forward(np.ones((1, 2, 4, 4)), EVAL)
    assert calls == [(16, 18)]
