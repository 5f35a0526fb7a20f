"""The torch path of :func:`hwcost.accuracy.measure_accuracy`: the numpy protocol, step for step
(full-precision training seeded ``[seed, 0]`` and cached, QAT seeded ``[seed, 1]`` after the
quantizers are initialised on the first ``CALIBRATION_SIZE`` training images, hard-rounded test
accuracy; integer-only execution of an mlp/cnn on its numpy twin; the CIM stage of
:mod:`hwcost.accuracy.torch_backend.cim`)."""

from __future__ import annotations

import numpy as np
import torch

from hwcost.schemes import BNHandling, QuantScheme
from hwcost.accuracy import cache
from hwcost.accuracy.cim.two_stage import CimSettings
from hwcost.accuracy.data import Dataset
from hwcost.accuracy.integer import to_integer_model
from hwcost.accuracy.settings import CALIBRATION_SIZE, CODE_VERSION, AccuracyResult, AccuracySettings
from hwcost.accuracy.train import TrainSettings
from hwcost.accuracy.torch_backend import require_torch
from hwcost.accuracy.torch_backend.attach import quantize_torch_network
from hwcost.accuracy.torch_backend.models import TorchNetwork, build_torch_model
from hwcost.accuracy.torch_backend.train import default_device, torch_accuracy, torch_threads, train_torch
from hwcost.accuracy.torch_backend.twin import numpy_twin

__all__ = ["measure_torch", "full_precision_torch"]


def full_precision_torch(settings: AccuracySettings, data: Dataset, batch_norm: bool, use_cache: bool,
                         device: torch.device) -> tuple[TorchNetwork, float]:
    """The full-precision network (trained, or its cached state) and its test accuracy."""
    inputs = {"v": CODE_VERSION, "backend": "torch", "data": data.fingerprint, "bn": batch_norm,
              "model": settings.model, "epochs": settings.fp_epochs, "seed": settings.seed,
              "batch": settings.batch_size, "lr": settings.lr}
    key = cache.cache_key("fp", inputs)
    rng = np.random.default_rng([settings.seed, 0])
    net = build_torch_model(settings.model, data.input_shape, data.classes, batch_norm, rng).to(device)
    state = cache.read_arrays(key) if use_cache else None
    if state is None:
        torch.manual_seed(settings.seed)
        train_torch(net, data.x_train, data.y_train, TrainSettings(settings.fp_epochs, settings.lr, settings.batch_size),
                    rng, device, "full precision (torch)")
        if use_cache:
            cache.write_arrays(key, net.state())
    else:
        net.load_state(state)
    net.eval()
    return net, torch_accuracy(net, data.x_test, data.y_test, device)


def measure_torch(scheme: QuantScheme, settings: AccuracySettings, data: Dataset, use_cache: bool,
                  cim: CimSettings | None, threads: int | None = None) -> AccuracyResult:
    require_torch()
    device = default_device()
    batch_norm = scheme.bn is not BNHandling.NONE
    with torch_threads(threads):
        net, fp_acc = full_precision_torch(settings, data, batch_norm, use_cache, device)
        calibration = data.x_train[:CALIBRATION_SIZE]
        quantize_torch_network(net, scheme, calibration)
        qat = TrainSettings(settings.epochs, settings.qat_lr, settings.batch_size)
        train_torch(net, data.x_train, data.y_train, qat, np.random.default_rng([settings.seed, 1]), device,
                    f"QAT {scheme.name} (torch)")
        bits = (scheme.name, scheme.weights.bits, scheme.activations.bits)
        if cim is not None:
            from hwcost.accuracy.torch_backend.cim import torch_cim_stage

            out = torch_cim_stage(net, data, cim, settings.seed, settings.batch_size, calibration, device)
            return AccuracyResult(*bits, out.accuracy, fp_acc, None, settings, cim, out.accuracy_std,
                                  out.digital_accuracy, data.name)
        acc = torch_accuracy(net, data.x_test, data.y_test, device)
    int_acc = None
    if settings.integer:
        twin = numpy_twin(net, settings.model, scheme, data.input_shape, data.classes, batch_norm, calibration)
        int_acc = float(np.mean(to_integer_model(twin, scheme).predict(data.x_test) == data.y_test))
    return AccuracyResult(*bits, acc, fp_acc, int_acc, settings, dataset_label=data.name)
