"""numpy <-> torch parity: the same inputs give the same forward values and gradients (<= 1e-6).

Torch runs in float64 here (the numpy reference's precision), so any difference is a difference
of method, not of rounding. Every preset scheme is run through a whole network (its weight and
activation quantizers, BN folded or not, SSR, SQ's channel draws, PACT, DoReFa, zero-points,
power-of-two and per-channel steps): one training step's logits and every parameter's gradient,
then an evaluation pass.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from hwcost.schemes import BNHandling
from hwcost.schemes.presets import PRESET_NAMES, get_scheme
from hwcost.accuracy.kernels.grid import IntGrid
from hwcost.accuracy.kernels.rounding import HardRound, SigmoidSoftRound
from hwcost.accuracy.kernels.uniform import fake_quant, fake_quant_grads
from hwcost.accuracy.nn.loss import softmax_cross_entropy
from hwcost.accuracy.nn.params import EVAL, StepContext
from hwcost.accuracy.qat.attach import quantize_network
from hwcost.accuracy.torch_backend.attach import quantize_torch_network
from hwcost.accuracy.torch_backend.kernels import TorchRounding, fake_quant as torch_fake_quant, pact_quant
from hwcost.accuracy.kernels.pact import pact_clip, pact_clip_grads
from hwcost.accuracy.torch_backend.models import build_torch_model

TOL = 1e-6


def close(a: np.ndarray | torch.Tensor, b: np.ndarray, what: str) -> float:
    """Max |a - b| relative to max(1, |b|); asserts it is within TOL."""
    a = a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)
    b = np.asarray(b, dtype=np.float64)
    err = float(np.max(np.abs(a - b), initial=0.0)) / max(1.0, float(np.max(np.abs(b), initial=0.0)))
    assert err <= TOL, f"{what}: {err:.3g}"
    return err


GRIDS = [IntGrid(-8, 7), IntGrid(-7, 7), IntGrid(0, 15), IntGrid(-2, 1, half=0.5)]


@pytest.mark.parametrize("grid", GRIDS, ids=["signed", "narrow", "unsigned", "centred"])
@pytest.mark.parametrize("temperature", [None, 12.0], ids=["ste", "ssr"])
def test_fake_quant_kernel(grid: IntGrid, temperature: float | None) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1.5, (6, 40))
    step, offset = rng.uniform(0.1, 0.4, (6, 1)), rng.uniform(-0.2, 0.2, (6, 1))
    ref_round = HardRound() if temperature is None else SigmoidSoftRound(temperature)
    up = rng.normal(size=x.shape)
    want = fake_quant(x, step, offset, grid, ref_round)
    grads = fake_quant_grads(x, step, offset, grid, ref_round, up)
    tx, ts, to = (torch.tensor(v, requires_grad=True) for v in (x, step, offset))
    out = torch_fake_quant(tx, ts, to, grid, TorchRounding(temperature))
    out.backward(torch.tensor(up))
    close(out, want, "forward")
    close(tx.grad, grads.x, "d/dx")
    close(ts.grad, grads.step.sum(axis=1, keepdims=True), "d/dstep")
    close(to.grad, grads.offset.sum(axis=1, keepdims=True), "d/doffset")


def test_pact_kernel() -> None:
    rng = np.random.default_rng(2)
    x, alpha, grid = rng.normal(0.5, 1.0, 200), 1.3, IntGrid(0, 3)
    step = alpha / grid.top
    up = rng.normal(size=x.shape)
    y = pact_clip(x, alpha)
    g = fake_quant_grads(y, step, 0.0, grid, HardRound(), up)
    want_x, want_alpha = pact_clip_grads(x, alpha, np.where(x >= alpha, up, g.x))
    tx, ta = torch.tensor(x, requires_grad=True), torch.tensor(alpha, dtype=torch.float64, requires_grad=True)
    out = pact_quant(tx, ta, torch.tensor(step, dtype=torch.float64), grid, TorchRounding())
    out.backward(torch.tensor(up))
    close(out, fake_quant(y, step, 0.0, grid, HardRound()), "forward")
    close(tx.grad, want_x, "d/dx")
    close(ta.grad, np.array(want_alpha), "d/dalpha")


def _pair(fresh_model, digits, scheme, model: str):
    """The numpy network and its torch twin (float64), both quantized for ``scheme``."""
    bn = scheme.bn is not BNHandling.NONE
    net = fresh_model(model, bn)
    tnet = build_torch_model(model, digits.input_shape, digits.classes, bn, np.random.default_rng(0)).double()
    tnet.load_state(net.state())
    calibration = digits.x_train[:128]
    quantize_network(net, scheme, calibration)
    quantize_torch_network(tnet, scheme, calibration)
    return net, tnet


def _params(net, tnet):
    """(name, numpy Param, torch parameter) of every trained parameter, layer by layer."""
    out = []
    for i, (a, b) in enumerate(zip(net.dense_layers, tnet.dense_layers)):
        pairs = [("weight", a.weight, b.weight)] + ([("bias", a.bias, b.bias)] if a.has_bias else [])
        if a.bn is not None:
            pairs += [("gamma", a.bn.gamma, b.bn.gamma), ("beta", a.bn.beta, b.bn.beta)]
        for q in ("w_quant", "a_quant"):
            qa, qb = getattr(a, q), getattr(b, q)
            if qa is not None:
                names = [p.name for p in qa.params]
                pairs += [(f"{q}.{n}", p, getattr(qb, n)) for n, p in zip(names, qa.params)]
        out += [(f"layer {i} {name}", p, t) for name, p, t in pairs]
    return out


SCHEMES = PRESET_NAMES


def _bits(name: str) -> int:
    return 2 if name in ("ssr", "csq", "lsq+") else 4


def _compare_step(name: str, net, tnet, x: np.ndarray, y: np.ndarray) -> None:
    ctx_np = StepContext(training=True, progress=0.3, rng=np.random.default_rng(7))
    ctx_t = StepContext(training=True, progress=0.3, rng=np.random.default_rng(7))
    logits = net.forward(x, ctx_np)
    _, grad = softmax_cross_entropy(logits, y)
    net.backward(grad)
    out = tnet(torch.from_numpy(x), ctx_t)
    F.cross_entropy(out, torch.from_numpy(y)).backward()
    close(out, logits, f"{name} training forward")
    for label, p, t in _params(net, tnet):
        close(t.grad if t.grad is not None else torch.zeros_like(t), p.grad, f"{name} gradient of {label}")


@pytest.mark.parametrize("name", SCHEMES)
def test_network_parity_for_every_quantizer(name: str, fresh_model, digits) -> None:
    """The mlp: initialisation, a training step (logits, every gradient), running statistics,
    an evaluation pass."""
    scheme = get_scheme(name, _bits(name), _bits(name))
    net, tnet = _pair(fresh_model, digits, scheme, "mlp")
    for label, p, t in _params(net, tnet):  # the same initialisation (LSQ, LSQ+, PACT alpha, ...)
        close(t, p.value, f"{name} init {label}")
    _compare_step(name, net, tnet, digits.x_train[:48], digits.y_train[:48])
    for a, b in zip(net.dense_layers, tnet.dense_layers):  # running statistics moved alike
        if a.a_quant is not None:  # (PACT and DoReFa keep the first layer in floating point)
            close(np.array([b.a_quant.running_low, b.a_quant.running_high]),
                  np.array([a.a_quant.running_low, a.a_quant.running_high]), f"{name} running range")
        if a.bn is not None:
            close(b.bn.running_var, a.bn.running_var, f"{name} BN running variance")
    close(tnet(torch.from_numpy(digits.x_test[:64]), EVAL), net.forward(digits.x_test[:64], EVAL), f"{name} evaluation")


@pytest.mark.parametrize("name", SCHEMES)
def test_conv_layer_parity_for_every_quantizer(name: str, fresh_model, digits) -> None:
    """Every layer of the cnn on its own (convolutions with BN, the 8-bit first layer, the fc),
    fed the input the network gives it: forward, input gradient, every parameter's gradient.
    Layer by layer, because max pooling routes a gradient to the first of equal values, and
    values equal on the quantization lattice may differ by an ulp between two summation orders."""
    scheme = get_scheme(name, _bits(name), _bits(name))
    net, tnet = _pair(fresh_model, digits, scheme, "cnn")
    x = digits.x_train[:24]
    rng = np.random.default_rng(5)
    for layer in net.layers:
        layer_t = None
        if layer in net.dense_layers:
            i = net.dense_layers.index(layer)
            layer_t = tnet.dense_layers[i]
            out = layer.forward(x, StepContext(True, 0.3, np.random.default_rng(7)))
            up = rng.normal(size=out.shape)
            grad_x = layer.backward(up)
            tx = torch.from_numpy(x).requires_grad_(True)
            out_t = layer_t(tx, StepContext(True, 0.3, np.random.default_rng(7)))
            out_t.backward(torch.from_numpy(up))
            close(out_t, out, f"{name} layer {i} forward")
            close(tx.grad, grad_x, f"{name} layer {i} input gradient")
            for label, p, t in _params(_Single(layer), _Single(layer_t)):
                close(t.grad if t.grad is not None else torch.zeros_like(t), p.grad, f"{name} layer {i} {label}")
        x = layer.forward(x, EVAL)


class _Single:
    def __init__(self, layer):
        self.dense_layers = [layer]


def test_sq_draws_the_same_channels(fresh_model, digits) -> None:
    net, tnet = _pair(fresh_model, digits, get_scheme("sq", 4, 4), "mlp")
    net.forward(digits.x_train[:16], StepContext(True, 0.1, np.random.default_rng(3)))
    tnet(torch.from_numpy(digits.x_train[:16]), StepContext(True, 0.1, np.random.default_rng(3)))
    mid = net.dense_layers[1]
    assert (~mid.w_quant._cache[-1]).sum() == 64  # half the 128 channels stay full precision at ratio 0.5
    assert np.array_equal(tnet.dense_layers[1].w_quant.last_mask, mid.w_quant._cache[-1])
