"""A torch-trained ``mlp`` / ``cnn`` as the numpy :class:`~hwcost.accuracy.nn.network.Network`
it mirrors: same weights, BN statistics and quantizer state. Integer-only execution
(:mod:`hwcost.accuracy.integer`) stays on the numpy side and runs on this twin."""

from __future__ import annotations

import numpy as np

from hwcost.schemes import QuantScheme
from hwcost.accuracy.models import MODEL_NAMES, build_model
from hwcost.accuracy.nn.network import Network
from hwcost.accuracy.qat.attach import quantize_network
from hwcost.accuracy.torch_backend.models import TorchNetwork

__all__ = ["numpy_twin"]


def numpy_twin(net: TorchNetwork, model: str, scheme: QuantScheme, input_shape: tuple[int, ...], classes: int,
               batch_norm: bool, calibration_x: np.ndarray) -> Network:
    """The numpy network holding ``net``'s state (``model`` must be a numpy model)."""
    assert model in MODEL_NAMES, f"no numpy twin of '{model}'"
    twin = build_model(model, input_shape, classes, batch_norm, np.random.default_rng(0))
    twin.load_state(net.state())
    quantize_network(twin, scheme, calibration_x.astype(np.float64))
    for mine, theirs in zip(twin.dense_layers, net.dense_layers):
        mine.w_quant = None if theirs.w_quant is None else theirs.w_quant.reference()
        mine.a_quant = None if theirs.a_quant is None else theirs.a_quant.reference()
    return twin
