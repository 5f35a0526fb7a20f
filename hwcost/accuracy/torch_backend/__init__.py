"""The PyTorch backend: the numpy quantizers of :mod:`hwcost.accuracy` as torch modules.

Same ``QuantScheme`` -> same :class:`~hwcost.accuracy.qat.config.QuantizerConfig` -> the same
forward values and gradients as the numpy reference (``tests/accuracy/torch_backend`` checks
every quantizer to 1e-6 on the same inputs), 6-9x faster on CPU, on a GPU when one is present.
Models: ``mlp``, ``cnn`` (the numpy ones), ``resnet20``, ``vgg7``, ``resnet18`` (CIFAR variants).

Torch is an optional dependency (``pip install 'hwcost[torch]'``); nothing outside this package
imports it, and this package is imported only when a measurement asks for ``backend="torch"``.
"""

from __future__ import annotations

from types import ModuleType

from hwcost.errors import HwcostError

__all__ = ["require_torch"]


def require_torch() -> ModuleType:
    """``torch``, or a user error saying how to install it."""
    try:
        import torch
    except ImportError:
        raise HwcostError.single(
            "the torch backend needs PyTorch: pip install 'hwcost[torch]' (CPU build 2.13.0)", key="backend"
        ) from None
    return torch
