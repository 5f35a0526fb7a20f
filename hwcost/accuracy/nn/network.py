"""A sequence of layers with forward, backward, parameters and a flat state for caching."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from hwcost.accuracy.nn.layers import QuantDense
from hwcost.accuracy.nn.params import Param, StepContext

__all__ = ["Module", "Network"]


class Module(Protocol):
    params: list[Param]

    def forward(self, x: np.ndarray, ctx: StepContext) -> np.ndarray: ...

    def backward(self, grad_out: np.ndarray) -> np.ndarray: ...


class Network:
    """Layers applied in order; the first and last :class:`QuantDense` are the first/last layers."""

    def __init__(self, layers: list[Module]):
        self.layers = layers

    @property
    def dense_layers(self) -> list[QuantDense]:
        return [layer for layer in self.layers if isinstance(layer, QuantDense)]

    @property
    def params(self) -> list[Param]:
        return [p for layer in self.layers for p in layer.params]

    def forward(self, x: np.ndarray, ctx: StepContext) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x, ctx)
        return x

    def backward(self, grad_out: np.ndarray) -> None:
        for layer in reversed(self.layers):
            grad_out = layer.backward(grad_out)

    def predict(self, x: np.ndarray, ctx: StepContext, batch_size: int = 512) -> np.ndarray:
        """Class predictions, evaluated in batches."""
        out = [self.forward(x[i : i + batch_size], ctx).argmax(axis=1) for i in range(0, len(x), batch_size)]
        return np.concatenate(out)

    def state(self) -> dict[str, np.ndarray]:
        """Full-precision weights and batch-norm statistics, by position."""
        out: dict[str, np.ndarray] = {}
        for i, layer in enumerate(self.dense_layers):
            out[f"{i}.weight"], out[f"{i}.bias"] = layer.weight.value, layer.bias.value
            if layer.bn is not None:
                out[f"{i}.gamma"], out[f"{i}.beta"] = layer.bn.gamma.value, layer.bn.beta.value
                out[f"{i}.mean"], out[f"{i}.var"] = layer.bn.running_mean, layer.bn.running_var
        return {k: np.array(v, copy=True) for k, v in out.items()}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        for i, layer in enumerate(self.dense_layers):
            layer.weight.value, layer.bias.value = state[f"{i}.weight"].copy(), state[f"{i}.bias"].copy()
            if layer.bn is not None:
                layer.bn.gamma.value, layer.bn.beta.value = state[f"{i}.gamma"].copy(), state[f"{i}.beta"].copy()
                layer.bn.running_mean, layer.bn.running_var = state[f"{i}.mean"].copy(), state[f"{i}.var"].copy()
