"""Integer-only execution of a trained quantized network (int weights, int64-emulated
accumulators, int32 bias, requantization as the classifier's bill of materials says)."""

from hwcost.accuracy.integer.convert import to_integer_model
from hwcost.accuracy.integer.model import IntegerModel

__all__ = ["IntegerModel", "to_integer_model"]
