"""Attaching a scheme's quantizers to a torch network, as :func:`hwcost.accuracy.qat.attach.quantize_network`
does to a numpy one (same layer bits, same BN handling, same initialisation order)."""

from __future__ import annotations

import numpy as np
import torch

from hwcost.schemes import BNHandling, QuantScheme
from hwcost.accuracy.nn.params import EVAL
from hwcost.accuracy.qat.attach import layer_bits
from hwcost.accuracy.qat.config import activation_config, weight_config
from hwcost.accuracy.torch_backend.layers import QLayer
from hwcost.accuracy.torch_backend.models import TorchNetwork

__all__ = ["quantize_torch_network"]


def quantize_torch_network(net: TorchNetwork, scheme: QuantScheme, calibration_x: np.ndarray) -> None:
    """Attach quantizers (in place) and initialise each from its full-precision input on
    ``calibration_x`` and its full-precision weights."""
    dense = net.dense_layers
    for i, layer in enumerate(dense):
        w_bits, a_bits = layer_bits(scheme, i, len(dense))
        layer.attach_quantizers(
            None if w_bits is None else weight_config(scheme, w_bits),
            None if a_bits is None else activation_config(scheme, a_bits),
        )
        layer.bn_folded = layer.bn is not None and scheme.bn is BNHandling.FOLDED

    def initialise(layer: torch.nn.Module, inputs: tuple) -> None:
        assert isinstance(layer, QLayer)
        layer.initialise_quantizers(inputs[0])

    hooks = [layer.register_forward_pre_hook(initialise) for layer in dense]
    param = next(net.parameters())
    try:
        with torch.no_grad():
            net(torch.from_numpy(np.ascontiguousarray(calibration_x)).to(device=param.device, dtype=param.dtype), EVAL)
    finally:
        for h in hooks:
            h.remove()
    for layer in dense:
        layer.quantized = True
