"""Batch normalisation over the rows of an ``(M, C)`` matrix (all positions of a channel), and
its folding into the preceding weights (Jacob et al. 2018 eq. 14; HAWQ-V3 App. D)."""

from __future__ import annotations

import numpy as np

from hwcost.accuracy.nn.params import Param

__all__ = ["BatchNorm", "BN_EPS", "BN_MOMENTUM"]

BN_EPS = 1e-5
BN_MOMENTUM = 0.9


class BatchNorm:
    """``gamma (y - mu) / sqrt(var + eps) + beta`` with batch statistics while training."""

    def __init__(self, channels: int):
        self.gamma = Param("bn.gamma", np.ones(channels), decay=False)
        self.beta = Param("bn.beta", np.zeros(channels), decay=False)
        self.running_mean = np.zeros(channels)
        self.running_var = np.ones(channels)
        self._cache: tuple | None = None

    @property
    def params(self) -> list[Param]:
        return [self.gamma, self.beta]

    def inv_std(self) -> np.ndarray:
        """``1 / sqrt(running_var + eps)``: the frozen statistics used when folding."""
        return 1.0 / np.sqrt(self.running_var + BN_EPS)

    def fold(self, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``w gamma / sigma`` and ``beta + (b - mu) gamma / sigma`` with the running statistics.

        >>> bn = BatchNorm(1); bn.running_mean[:] = 1.0; bn.running_var[:] = 4.0 - BN_EPS
        >>> bn.fold(np.array([[2.0]]), np.array([3.0]))
        (array([[1.]]), array([1.]))
        """
        c = self.gamma.value * self.inv_std()
        return w * c[:, None], self.beta.value + (b - self.running_mean) * c

    def fold_backward(
        self, w: np.ndarray, b: np.ndarray, grad_w: np.ndarray, grad_b: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Gradients of :meth:`fold` to ``w`` and ``b``; accumulates ``gamma``/``beta`` grads."""
        inv = self.inv_std()
        c = self.gamma.value * inv
        self.gamma.grad += (grad_w * w).sum(axis=1) * inv + grad_b * (b - self.running_mean) * inv
        self.beta.grad += grad_b
        return grad_w * c[:, None], grad_b * c

    def forward(self, y: np.ndarray, training: bool) -> np.ndarray:
        if training:
            mean, var = y.mean(axis=0), y.var(axis=0)
            self.running_mean = BN_MOMENTUM * self.running_mean + (1 - BN_MOMENTUM) * mean
            self.running_var = BN_MOMENTUM * self.running_var + (1 - BN_MOMENTUM) * var
        else:
            mean, var = self.running_mean, self.running_var
        inv = 1.0 / np.sqrt(var + BN_EPS)
        normed = (y - mean) * inv
        self._cache = (normed, inv, training)
        return self.gamma.value * normed + self.beta.value

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        normed, inv, training = self._cache
        self.gamma.grad += (grad_out * normed).sum(axis=0)
        self.beta.grad += grad_out.sum(axis=0)
        g = grad_out * self.gamma.value
        if not training:
            return g * inv
        m = grad_out.shape[0]
        return inv / m * (m * g - g.sum(axis=0) - normed * (g * normed).sum(axis=0))
