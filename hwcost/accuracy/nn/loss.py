"""Softmax cross-entropy."""

from __future__ import annotations

import numpy as np

__all__ = ["softmax_cross_entropy"]


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean loss and its gradient with respect to ``logits``.

    >>> loss, grad = softmax_cross_entropy(np.zeros((1, 2)), np.array([0]))
    >>> round(loss, 4), grad
    (0.6931, array([[-0.5,  0.5]]))
    """
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = logits.shape[0]
    loss = -float(log_probs[np.arange(n), labels].mean())
    grad = np.exp(log_probs)
    grad[np.arange(n), labels] -= 1.0
    return loss, grad / n
