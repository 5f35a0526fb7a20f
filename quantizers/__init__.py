"""Numpy quantizers and measured accuracy: the accuracy half of every Pareto front.

``measure_accuracy(scheme, model="mlp", dataset="digits", ...) -> AccuracyResult`` trains a small
model in full precision, fine-tunes it quantization-aware with quantizers configured from the
scheme's fields, and measures fake-quant and integer-only test accuracy. See ``docs/accuracy.md``.
"""

from quantizers.measure import AccuracyResult, AccuracySettings, measure_accuracy

__all__ = ["AccuracyResult", "AccuracySettings", "measure_accuracy"]
