"""Quantizers and measured accuracy: the accuracy half of every Pareto front.

``measure_accuracy(scheme, model="mlp", dataset="digits", backend="numpy", ...) -> AccuracyResult``
trains a model in full precision, fine-tunes it quantization-aware with quantizers configured
from the scheme's fields, and measures fake-quant and integer-only test accuracy on digits,
Fashion-MNIST, CIFAR-10/100 or a user's ``.npz``; ``backend="torch"`` runs the same quantizers as
torch modules (``hwcost[torch]``; imported only then). See ``docs/accuracy.md``.
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
