"""Numpy quantizers and measured accuracy: the accuracy half of every Pareto front.

``measure_accuracy(scheme, model="mlp", dataset="digits", ...) -> AccuracyResult`` trains a small
model in full precision, fine-tunes it quantization-aware with quantizers configured from the
scheme's fields, and measures fake-quant and integer-only test accuracy. See ``docs/accuracy.md``.
``measure_accuracy(..., cim=CimSettings(rows=64, adc_bits=4, ...))`` measures it on a CIM macro
(ADC partial-sum quantization, noise, two-stage training): ``docs/cim-training.md``.
"""

from hwcost.arch.cim_macro.config import SignedWeights
from hwcost.accuracy.cim.readout import AdcRange
from hwcost.accuracy.measure import AccuracyResult, AccuracySettings, Backend, measure_accuracy
from hwcost.accuracy.cim.noise import NoiseTarget
from hwcost.accuracy.cim.two_stage import CimSettings

__all__ = ["AccuracyResult", "AccuracySettings", "Backend", "measure_accuracy", "CimSettings", "AdcRange", "NoiseTarget",
           "SignedWeights"]
