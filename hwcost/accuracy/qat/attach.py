"""Turning a trained full-precision network into a quantization-aware one for a scheme.

Every linear/conv layer gets a weight quantizer and an input-activation quantizer configured from
the scheme (:mod:`hwcost.accuracy.qat.config`); the first and last layers use ``first_last_bits`` for both
(``None``: the scheme's bits everywhere). With BN handling ``folded``, batch norm is folded with
its frozen running statistics into the weights before they are quantized (Jacob et al. 2018
eq. 14; statistics frozen as in HAWQ-V3 App. D); with ``unfused`` it stays a separate affine
stage after the integer product. Learned parameters are initialised from one calibration batch.
"""

from __future__ import annotations

import numpy as np

from hwcost.schemes import BNHandling, QuantScheme
from hwcost.accuracy.qat.config import activation_config, weight_config
from hwcost.accuracy.nn.layers import QuantDense
from hwcost.accuracy.nn.network import Network
from hwcost.accuracy.nn.params import EVAL

__all__ = ["layer_bits", "quantize_network"]


def layer_bits(scheme: QuantScheme, index: int, n_layers: int) -> tuple[int | None, int | None]:
    """Weight and input-activation bits of dense layer ``index`` of ``n_layers`` (``None``: FP).

    First and last layers use ``first_last_bits``; when that is ``None`` they stay in full
    precision (PACT, DoReFa), except that the last layer's input is still the previous layer's
    quantized output, at the scheme's activation bits.

    >>> from hwcost.schemes import QuantScheme, TensorQuant
    >>> a = TensorQuant(bits=2, signed=False)
    >>> s = QuantScheme("x", TensorQuant(bits=2, signed=True, centred=True), a, a, first_last_bits=8)
    >>> [layer_bits(s, i, 3) for i in range(3)]
    [(8, 8), (2, 2), (8, 8)]
    >>> from dataclasses import replace
    >>> [layer_bits(replace(s, first_last_bits=None), i, 3) for i in range(3)]
    [(None, None), (2, 2), (None, 2)]
    """
    first, last = index == 0, index == n_layers - 1
    if not (first or last):
        return scheme.weights.bits, scheme.activations.bits
    if scheme.first_last_bits is not None:
        return scheme.first_last_bits, scheme.first_last_bits
    return None, (None if first else scheme.activations.bits)


def quantize_network(net: Network, scheme: QuantScheme, calibration_x: np.ndarray) -> None:
    """Attach quantizers to ``net`` (in place) and initialise them on ``calibration_x``."""
    dense = net.dense_layers
    for i, layer in enumerate(dense):
        w_bits, a_bits = layer_bits(scheme, i, len(dense))
        layer.attach_quantizers(
            None if w_bits is None else weight_config(scheme, w_bits),
            None if a_bits is None else activation_config(scheme, a_bits),
        )
        layer.bn_folded = layer.bn is not None and scheme.bn is BNHandling.FOLDED
    x = calibration_x
    for layer in net.layers:
        if isinstance(layer, QuantDense):
            layer.initialise_quantizers(x)
        x = layer.forward(x, EVAL)
    for layer in dense:
        layer.quantized = True
