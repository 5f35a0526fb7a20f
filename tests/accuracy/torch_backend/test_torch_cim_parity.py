"""numpy <-> torch parity of the CIM forward mode: partial-sum readout, ADC (fixed and
MSE-calibrated flexible range), the readout options (active rows, weight bits and differential
pairs combined before the ADC, pulse-count inputs), cell and partial-sum noise drawn from the same
generator, and a whole network on the macro (forward, straight-through gradients) - float64, <= 1e-6."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from hwcost.arch.cim_macro.config import (
    CimMacroParams,
    InputEncoding,
    PairSubtraction,
    SignedWeights,
    WeightAccumulation,
)
from hwcost.schemes.presets import get_scheme
from hwcost.accuracy.cim.matmul import attach_cim
from hwcost.accuracy.cim.noise import NO_NOISE, CimNoise, NoiseTarget
from hwcost.accuracy.cim.readout import AdcRange, CimLayout, CodeRange, FixedStepAdc, MseAdc, cim_product
from hwcost.accuracy.nn.loss import softmax_cross_entropy
from hwcost.accuracy.nn.params import EVAL, StepContext
from hwcost.accuracy.torch_backend.cim import attach_torch_cim, torch_cim_product
from test_torch_parity import _pair, _params, close

CASES = [
    # macro (rows, cell bits, pulse bits, ADC bits), encoding, input codes, weight codes
    (CimMacroParams(16, 1, 1, 3), SignedWeights.DIFFERENTIAL, CodeRange(0, 15), CodeRange(-8, 7)),
    (CimMacroParams(32, 2, 2, 5), SignedWeights.OFFSET, CodeRange(0, 15), CodeRange(-7, 7)),
    (CimMacroParams(8, 1, 2, 4), SignedWeights.DIGITAL, CodeRange(-8, 7), CodeRange(-8, 7)),
    (CimMacroParams(64, 1, 1, 8), SignedWeights.DIFFERENTIAL, CodeRange(0, 3), CodeRange(-3, 3)),
    # the readout options: (weights combined, pairs subtracted, active rows, input encoding)
    (CimMacroParams(16, 1, 1, 3, SignedWeights.DIFFERENTIAL, WeightAccumulation.ANALOG, PairSubtraction.ANALOG, 5),
     SignedWeights.DIFFERENTIAL, CodeRange(0, 15), CodeRange(-8, 7)),
    (CimMacroParams(32, 2, 2, 5, SignedWeights.DIFFERENTIAL, WeightAccumulation.DIGITAL, PairSubtraction.ANALOG, 12),
     SignedWeights.DIFFERENTIAL, CodeRange(-8, 7), CodeRange(-7, 7)),
    (CimMacroParams(8, 1, 2, 4, SignedWeights.OFFSET, WeightAccumulation.ANALOG, PairSubtraction.DIGITAL, 3),
     SignedWeights.OFFSET, CodeRange(-8, 7), CodeRange(-8, 7)),
    (CimMacroParams(24, 2, 2, 4, SignedWeights.DIFFERENTIAL, WeightAccumulation.ANALOG, PairSubtraction.DIGITAL, 7,
                    InputEncoding.PWM), SignedWeights.DIFFERENTIAL, CodeRange(0, 15), CodeRange(-7, 7)),
]
NOISES = [NO_NOISE, CimNoise(0.1, NoiseTarget.WEIGHTS), CimNoise(0.05, NoiseTarget.PSUM)]


@pytest.mark.parametrize("noise", NOISES, ids=["no-noise", "cells", "psums"])
@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("flexible", [False, True], ids=["fixed", "flexible"])
def test_cim_product(case: int, noise: CimNoise, flexible: bool) -> None:
    macro, encoding, a_range, w_range = CASES[case]
    rng = np.random.default_rng(case)
    a = rng.integers(a_range.lo, a_range.hi + 1, (40, 50))
    w = rng.integers(w_range.lo, w_range.hi + 1, (6, 50))
    layout = CimLayout(replace(macro, signed_weights=encoding), 50, a_range, w_range)
    adc = MseAdc(macro.adc_bits) if flexible else FixedStepAdc(layout.fixed_step)
    want = cim_product(a, w, layout, adc, noise, np.random.default_rng(9))
    codes, step = torch_cim_product(torch.from_numpy(a).double(), torch.from_numpy(w).double(), layout, adc, noise,
                                    np.random.default_rng(9))
    assert step == pytest.approx(want.adc_step, rel=1e-12)
    close(codes, want.codes, f"case {case} codes")
    if noise is NO_NOISE and macro.adc_bits >= layout.lossless_bits:
        assert np.array_equal(codes.numpy(), a @ w.T)  # a lossless ADC computes the exact product


NETWORK_MACROS = {
    "per-bit": CimMacroParams(32, 1, 1, 4),
    "analog": CimMacroParams(32, 1, 1, 5, SignedWeights.DIFFERENTIAL, WeightAccumulation.ANALOG, PairSubtraction.ANALOG, 16),
}


@pytest.mark.parametrize(("readout", "adc_range"), [("per-bit", AdcRange.FIXED), ("per-bit", AdcRange.FLEXIBLE),
                                                   ("analog", AdcRange.FLEXIBLE)])  # flexible: the signed MSE step
def test_network_on_the_macro(adc_range: AdcRange, readout: str, fresh_model, digits) -> None:
    net, tnet = _pair(fresh_model, digits, get_scheme("lsq", 4, 4), "mlp")
    macro, noise = NETWORK_MACROS[readout], CimNoise(0.05, NoiseTarget.WEIGHTS)
    attach_cim(net, macro, adc_range, noise)
    attach_torch_cim(tnet, macro, adc_range, noise)
    calibration = digits.x_train[:64]
    close(tnet(torch.from_numpy(calibration), EVAL), net.forward(calibration, EVAL), "calibration pass")
    x, y = digits.x_train[64:112], digits.y_train[64:112]
    logits = net.forward(x, StepContext(True, 0.5, np.random.default_rng(4)))
    net.backward(softmax_cross_entropy(logits, y)[1])
    out = tnet(torch.from_numpy(x), StepContext(True, 0.5, np.random.default_rng(4)))
    F.cross_entropy(out, torch.from_numpy(y)).backward()
    close(out, logits, "training forward on the macro")
    for label, p, t in _params(net, tnet):
        close(t.grad, p.grad, f"straight-through gradient of {label}")
    test = digits.x_test[:100]
    close(tnet(torch.from_numpy(test), StepContext(False, rng=np.random.default_rng([0, 3, 0]))),
          net.forward(test, StepContext(False, rng=np.random.default_rng([0, 3, 0]))), "noisy evaluation")
