"""CIM-aware training and evaluation: the two-stage framework of the NTHU CIM work.

Stage 1 is the ordinary quantization-aware training of :func:`hwcost.accuracy.measure_accuracy`.
Then every linear/conv layer runs on the CIM macro model (:mod:`hwcost.accuracy.cim.readout`): row groups of
``rows``, bit-sliced weights, ``input_bits_per_pulse``-bit input pulses, ``adc_bits`` ADCs with a
fixed or a flexible (calibrated) range, and optional Gaussian noise on cells or partial sums.

- ``two_stage=False``: the stage-1 network is deployed as is (flexible ADC intervals are
  calibrated on the calibration images): the accuracy a QAT model keeps on the macro.
- ``two_stage=True``: stage 2 fine-tunes ``stage2_epochs`` epochs with the CIM forward (ADC and
  noise in the loop, straight-through gradients), seed ``[seed, 2]``.

Test accuracy is the mean over ``eval_trials`` noise draws, trial ``t`` seeded ``[seed, 3, t]``
(one trial without noise: the macro is then deterministic).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

import numpy as np

from hwcost.arch.cim_macro.config import CimMacroParams, SignedWeights
from hwcost.errors import Problem
from hwcost.accuracy.cim.readout import AdcRange
from hwcost.accuracy.cim.matmul import attach_cim
from hwcost.accuracy.data import Dataset
from hwcost.accuracy.nn.network import Network
from hwcost.accuracy.nn.params import EVAL, StepContext
from hwcost.accuracy.cim.noise import CimNoise, NoiseTarget
from hwcost.accuracy.train import TrainSettings, accuracy, train

__all__ = ["CimOutcome", "CimSettings", "cim_accuracies", "cim_stage"]

_INT_RANGES = {"rows": (1, 4096), "cell_bits": (1, 8), "input_bits_per_pulse": (1, 8), "adc_bits": (1, 16),
               "stage2_epochs": (0, 1000), "eval_trials": (1, 1000)}
_ENUMS: dict[str, type[Enum]] = {"adc_range": AdcRange, "signed_weights": SignedWeights, "noise_on": NoiseTarget}


@dataclass(frozen=True)
class CimSettings:
    """The macro a measurement runs on, its noise, and whether stage 2 fine-tunes on it.

    ``rows``, ``cell_bits``, ``input_bits_per_pulse``, ``adc_bits`` and ``signed_weights`` are the
    ``cim_macro`` template's (defaults included), so one study point has its cost and its
    accuracy; ADC bits below the cost library's range (e.g. 3) are allowed here.

    >>> CimSettings(rows=64, adc_bits=4).macro
    CimMacroParams(rows=64, cell_bits=1, input_bits_per_pulse=1, adc_bits=4, signed_weights=<SignedWeights.DIFFERENTIAL: 'differential'>)
    """

    rows: int = 128
    cell_bits: int = 1
    input_bits_per_pulse: int = 1
    adc_bits: int = 8
    adc_range: AdcRange = AdcRange.FIXED
    signed_weights: SignedWeights = SignedWeights.DIFFERENTIAL
    noise_sigma: float = 0.0
    noise_on: NoiseTarget = NoiseTarget.WEIGHTS
    two_stage: bool = False
    stage2_epochs: int = 10  # as stage 1's QAT
    stage2_lr: float = 0.005  # half the stage-1 QAT rate: 0.01 diverged at coarse fixed-range ADCs
    eval_trials: int = 5

    @property
    def macro(self) -> CimMacroParams:
        return CimMacroParams(self.rows, self.cell_bits, self.input_bits_per_pulse, self.adc_bits, self.signed_weights)

    @property
    def noise(self) -> CimNoise:
        return CimNoise(float(self.noise_sigma), self.noise_on)

    @classmethod
    def from_macro(cls, m: CimMacroParams, **overrides: Any) -> CimSettings:
        """The settings of an analog macro (plus training and noise overrides)."""
        return replace(cls(m.rows, m.cell_bits, m.input_bits_per_pulse, m.adc_bits, signed_weights=m.signed_weights),
                       **overrides)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CimSettings:
        return cls(**{k: (_ENUMS[k](v) if k in _ENUMS else v) for k, v in data.items()})

    def problems(self) -> list[Problem]:
        out = []
        for key, (lo, hi) in _INT_RANGES.items():
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                out.append(Problem(f"expected an integer in [{lo}, {hi}], got {value!r}", key=f"cim.{key}"))
        for key, enum in _ENUMS.items():
            if not isinstance(getattr(self, key), enum):
                valid = ", ".join(m.value for m in enum)
                out.append(Problem(f"expected one of {valid}, got {getattr(self, key)!r}", key=f"cim.{key}"))
        checks = (("noise_sigma", 0.0, 1.0, True), ("stage2_lr", 0.0, 10.0, False))
        for key, lo, hi, closed in checks:
            v = getattr(self, key)
            ok = not isinstance(v, bool) and isinstance(v, (int, float)) and (lo <= v <= hi if closed else lo < v < hi)
            if not ok:
                out.append(Problem(f"expected a number in {'[' if closed else '('}{lo}, {hi}{']' if closed else ')'}, "
                                   f"got {v!r}", key=f"cim.{key}"))
        if not isinstance(self.two_stage, bool):
            out.append(Problem(f"expected true or false, got {self.two_stage!r}", key="cim.two_stage"))
        return out


@dataclass(frozen=True)
class CimOutcome:
    """Test accuracy on the macro (mean and standard deviation over noise trials) and of the
    same stage-1 network on the exact digital product."""

    accuracy: float
    accuracy_std: float
    digital_accuracy: float


def cim_accuracies(net: Network, x: np.ndarray, y: np.ndarray, cim: CimSettings, seed: int) -> np.ndarray:
    """Accuracy of a CIM-attached ``net`` per noise trial (seeded ``[seed, 3, t]``)."""
    trials = cim.eval_trials if cim.noise.active else 1
    out = []
    for t in range(trials):
        ctx = StepContext(training=False, rng=np.random.default_rng([seed, 3, t]))
        out.append(float(np.mean(net.predict(x, ctx) == y)))
    return np.array(out)


def cim_stage(net: Network, data: Dataset, cim: CimSettings, seed: int, batch_size: int, calibration: np.ndarray) -> CimOutcome:
    """Put the stage-1 ``net`` on the macro (in place), fine-tune if two-stage, measure."""
    digital = accuracy(net, data.x_test, data.y_test)
    attach_cim(net, cim.macro, cim.signed_weights, cim.adc_range, cim.noise)
    if cim.adc_range is AdcRange.FLEXIBLE:
        net.forward(calibration, EVAL)  # first forward: each layer's ADC interval from its partial sums
    if cim.two_stage and cim.stage2_epochs > 0:
        stage2 = TrainSettings(cim.stage2_epochs, cim.stage2_lr, batch_size)
        train(net, data.x_train, data.y_train, stage2, np.random.default_rng([seed, 2]), "CIM stage 2")
    accs = cim_accuracies(net, data.x_test, data.y_test, cim, seed)
    return CimOutcome(float(accs.mean()), float(accs.std()), digital)
