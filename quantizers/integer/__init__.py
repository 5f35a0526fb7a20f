"""Integer-only execution of a trained quantized network (int weights, int64-emulated
accumulators, int32 bias, requantization as the classifier's bill of materials says)."""

from quantizers.integer.convert import to_integer_model
from quantizers.integer.model import IntegerModel

__all__ = ["IntegerModel", "to_integer_model"]
