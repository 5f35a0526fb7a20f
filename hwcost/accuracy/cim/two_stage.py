"""CIM-aware training and evaluation: the two-stage framework of the NTHU CIM work.

Stage 1 is the ordinary quantization-aware training of :func:`hwcost.accuracy.measure_accuracy`.
Then every linear/conv layer runs on the CIM macro model (:mod:`hwcost.accuracy.cim.readout`): row groups of
``rows`` summed ``active_rows`` at a time, bit-sliced weights (their bit columns and differential
pairs combined before the ADC or after it), ``input_bits_per_pulse``-bit input pulses,
``adc_bits`` ADCs with a fixed or a flexible (calibrated) range, and optional Gaussian noise on
cells or partial sums.

- ``two_stage=False``: the stage-1 network is deployed as is (flexible ADC intervals are
  calibrated on the calibration images): the accuracy a QAT model keeps on the macro.
- ``two_stage=True``: stage 2 fine-tunes ``stage2_epochs`` epochs with the CIM forward (ADC and
  noise in the loop, straight-through gradients), seed ``[seed, 2]``.

Test accuracy is the mean over ``eval_trials`` noise draws, trial ``t`` seeded ``[seed, 3, t]``
(one trial without noise: the macro is then deterministic).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from enum import Enum
from typing import Any

import numpy as np

from hwcost.arch.cim_macro.config import (
    ACTIVE_ROWS_MAX,
    CimMacroParams,
    InputEncoding,
    PairSubtraction,
    SignedWeights,
    WeightAccumulation,
)
from hwcost.errors import HwcostError, Problem
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
_ENUMS: dict[str, type[Enum]] = {"adc_range": AdcRange, "signed_weights": SignedWeights, "noise_on": NoiseTarget,
                                 "weight_accumulation": WeightAccumulation, "pair_subtraction": PairSubtraction}
_OPTIONAL_ENUMS: dict[str, type[Enum]] = {"input_encoding": InputEncoding}  # None: resolved from the pulse bits
# The macro's fields: every field of CimMacroParams is one of CimSettings (tests/accuracy/test_cim_options.py).
MACRO_FIELDS = tuple(f.name for f in fields(CimMacroParams))


def _typed(key: str, value: Any) -> Any:
    """A setting's value from its plain form (an enum's value, ``all`` for every row)."""
    if key in _ENUMS and not isinstance(value, Enum):
        return _ENUMS[key](value)
    if key in _OPTIONAL_ENUMS and value is not None and not isinstance(value, Enum):
        return _OPTIONAL_ENUMS[key](value)
    return None if key == "active_rows" and value == "all" else value


@dataclass(frozen=True)
class CimSettings:
    """The macro a measurement runs on, its noise, and whether stage 2 fine-tunes on it.

    The macro fields are exactly :class:`CimMacroParams`' (the ``cim_macro`` template's, defaults
    included): ``rows``, ``cell_bits``, ``input_bits_per_pulse``, ``adc_bits``,
    ``signed_weights``, ``weight_accumulation``, ``pair_subtraction``, ``active_rows`` and
    ``input_encoding``; :meth:`from_arch` takes them from an arch, so one study point has its cost
    and its accuracy on one macro. ADC bits below the cost library's range are allowed here.

    >>> CimSettings(rows=64, adc_bits=4).macro
    CimMacroParams(rows=64, cell_bits=1, input_bits_per_pulse=1, adc_bits=4, signed_weights=<SignedWeights.DIFFERENTIAL: 'differential'>)
    >>> CimSettings(active_rows=16, weight_accumulation=WeightAccumulation.ANALOG).macro.lossless_adc_bits(weight_bits=4)
    8
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
    # The accumulation options of the cim_macro template (docs/cim-model.md §1-§3); defaults as
    # CimMacroParams': per-bit columns shift-added, pairs converted apart, all rows at once.
    weight_accumulation: WeightAccumulation = WeightAccumulation.DIGITAL
    pair_subtraction: PairSubtraction = PairSubtraction.DIGITAL
    active_rows: int | None = None
    input_encoding: InputEncoding | None = None

    @property
    def macro(self) -> CimMacroParams:
        return CimMacroParams(**{name: getattr(self, name) for name in MACRO_FIELDS})

    @property
    def noise(self) -> CimNoise:
        return CimNoise(float(self.noise_sigma), self.noise_on)

    @classmethod
    def from_macro(cls, m: CimMacroParams, **overrides: Any) -> CimSettings:
        """The settings of an analog macro, every field of it (plus training and noise overrides,
        enums as members or their values)."""
        clash = sorted(set(overrides) & set(MACRO_FIELDS))
        if clash:
            raise TypeError(f"from_macro: {', '.join(clash)} come from the macro, not from overrides")
        return replace(cls(**{name: getattr(m, name) for name in MACRO_FIELDS}),
                       **{k: _typed(k, v) for k, v in overrides.items()})

    @classmethod
    def from_arch(cls, arch: Any, **overrides: Any) -> CimSettings:
        """The settings of an architecture's analog macro (``arch.analog_macro``), e.g. a
        ``CimMacroConfig`` loaded from an arch file."""
        macro = getattr(arch, "analog_macro", None)
        if macro is None:
            raise HwcostError.single(f"architecture '{getattr(arch, 'name', arch)}' has no analog macro (an ADC "
                                     "readout): its accuracy is the digital one", key="arch")
        return cls.from_macro(macro, **overrides)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CimSettings:
        """From plain values (enum values as text, ``active_rows`` ``all`` or None): JSON, the CLI."""
        return cls(**{k: _typed(k, v) for k, v in data.items()})

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
        return out + self._macro_problems()

    def _macro_problems(self) -> list[Problem]:
        """The accumulation options, checked as the cim_macro template checks them."""
        out = []
        a = self.active_rows
        if a is not None and (isinstance(a, bool) or not isinstance(a, int) or not 1 <= a <= ACTIVE_ROWS_MAX):
            out.append(Problem(f"expected all (None) or an integer in [1, {ACTIVE_ROWS_MAX}], got {a!r}", key="cim.active_rows"))
        elif a is not None and isinstance(self.rows, int) and a > self.rows:
            out.append(Problem(f"expected at most rows ({self.rows}), got {a}", key="cim.active_rows"))
        e = self.input_encoding
        if e is not None and not isinstance(e, InputEncoding):
            valid = ", ".join(m.value for m in InputEncoding)
            out.append(Problem(f"expected one of {valid} or None, got {e!r}", key="cim.input_encoding"))
        elif e is InputEncoding.BIT_SERIAL and self.input_bits_per_pulse != 1:
            out.append(Problem(f"a bit_serial input has 1 bit per pulse; got input_bits_per_pulse "
                               f"{self.input_bits_per_pulse} (a multi-bit slice is pwm or dac)", key="cim.input_encoding"))
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
    attach_cim(net, cim.macro, cim.adc_range, cim.noise)
    if cim.adc_range is AdcRange.FLEXIBLE:
        net.forward(calibration, EVAL)  # first forward: each layer's ADC interval from its partial sums
    if cim.two_stage and cim.stage2_epochs > 0:
        stage2 = TrainSettings(cim.stage2_epochs, cim.stage2_lr, batch_size)
        train(net, data.x_train, data.y_train, stage2, np.random.default_rng([seed, 2]), "CIM stage 2")
    accs = cim_accuracies(net, data.x_test, data.y_test, cim, seed)
    return CimOutcome(float(accs.mean()), float(accs.std()), digital)
