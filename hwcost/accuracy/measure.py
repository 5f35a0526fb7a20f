"""``measure_accuracy``: train full precision, fine-tune quantization-aware, measure, cache.

Protocol (every step seeded, so a rerun gives identical numbers):

1. load the dataset (its own split, or a fixed stratified one; optional subsets) and build the
   model (BN unless the scheme has none) on the chosen backend: ``numpy`` (the reference
   implementation) or ``torch`` (:mod:`hwcost.accuracy.torch_backend`, the same quantizers as
   torch modules, and the CIFAR networks);
2. full-precision training, ``fp_epochs`` epochs, seed ``[seed, 0]`` (cached on disk, shared by
   every scheme with the same model, data, epochs and seed);
3. attach the scheme's quantizers, initialise them on the first ``CALIBRATION_SIZE`` training
   examples and fine-tune ``epochs`` epochs with seed ``[seed, 1]``;
4. test accuracy of the fake-quant model (hard rounding) and, if asked, of its integer-only
   execution (:mod:`hwcost.accuracy.integer`, numpy; a torch-trained mlp/cnn runs on its numpy twin);
5. with ``cim`` settings, instead: the model on the CIM macro model, optionally after stage-2
   CIM-aware fine-tuning (:mod:`hwcost.accuracy.cim.two_stage`, ``docs/cim-training.md``).

The result is cached under a key of every input: the scheme (all fields but its description),
the settings, the dataset content and ``CODE_VERSION``. Every result names its dataset and model
(:attr:`AccuracyResult.label`): a measured accuracy is never shown without them.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from hwcost.errors import HwcostError, Problem
from hwcost.schemes import BNHandling, QuantScheme
from hwcost.accuracy import cache
from hwcost.accuracy.data import Dataset, load_dataset
from hwcost.accuracy.integer import to_integer_model
from hwcost.accuracy.models import build_model
from hwcost.accuracy.settings import (
    CALIBRATION_SIZE,
    CODE_VERSION,
    LATER_DEFAULTS,
    AccuracyResult,
    AccuracySettings,
    Backend,
)
from hwcost.accuracy.nn.network import Network
from hwcost.accuracy.qat.attach import quantize_network
from hwcost.accuracy.train import TrainSettings, accuracy, train
from hwcost.accuracy.cim.two_stage import CimSettings, cim_stage

__all__ = ["Backend", "AccuracySettings", "AccuracyResult", "measure_accuracy", "CODE_VERSION", "CALIBRATION_SIZE"]  # re-exported

def _single_threaded_blas() -> contextlib.AbstractContextManager:
    """One BLAS thread: these matrices are small, and multi-threaded BLAS spins on a loaded
    machine (10x slower measured here) or under the study runner's parallel processes."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - without the datasets extra
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _full_precision(settings: AccuracySettings, data: Dataset, batch_norm: bool, use_cache: bool) -> tuple[Network, float]:
    inputs = {"v": CODE_VERSION, "data": data.fingerprint, "bn": batch_norm, "model": settings.model,
              "epochs": settings.fp_epochs, "seed": settings.seed, "batch": settings.batch_size, "lr": settings.lr}
    key = cache.cache_key("fp", inputs)
    rng = np.random.default_rng([settings.seed, 0])
    net = build_model(settings.model, data.input_shape, data.classes, batch_norm, rng)
    state = cache.read_arrays(key) if use_cache else None
    if state is None:
        train(net, data.x_train, data.y_train, TrainSettings(settings.fp_epochs, settings.lr, settings.batch_size), rng, "full precision")
        if use_cache:
            cache.write_arrays(key, net.state())
    else:
        net.load_state(state)
    return net, accuracy(net, data.x_test, data.y_test)


def _measure(scheme: QuantScheme, settings: AccuracySettings, data: Dataset, use_cache: bool,
             cim: CimSettings | None = None) -> AccuracyResult:
    net, fp_acc = _full_precision(settings, data, scheme.bn is not BNHandling.NONE, use_cache)
    quantize_network(net, scheme, data.x_train[:CALIBRATION_SIZE])
    rng = np.random.default_rng([settings.seed, 1])
    qat = TrainSettings(settings.epochs, settings.qat_lr, settings.batch_size)
    train(net, data.x_train, data.y_train, qat, rng, f"QAT {scheme.name}")
    if cim is not None:
        out = cim_stage(net, data, cim, settings.seed, settings.batch_size, data.x_train[:CALIBRATION_SIZE])
        return AccuracyResult(scheme.name, scheme.weights.bits, scheme.activations.bits, out.accuracy, fp_acc,
                              None, settings, cim, out.accuracy_std, out.digital_accuracy, data.name)
    int_acc = None
    if settings.integer:
        int_acc = float(np.mean(to_integer_model(net, scheme).predict(data.x_test) == data.y_test))
    return AccuracyResult(scheme.name, scheme.weights.bits, scheme.activations.bits,
                          accuracy(net, data.x_test, data.y_test), fp_acc, int_acc, settings, dataset_label=data.name)


# CimSettings fields added after results were cached, at the value every earlier entry had: left
# out of the key at that value, so a cached CIM measurement stays valid.
_LATER_CIM_DEFAULTS = {"weight_accumulation": "digital", "pair_subtraction": "digital", "active_rows": None,
                       "input_encoding": None}


def _key_cim(cim: CimSettings) -> dict[str, Any]:
    """The CIM settings as they enter the cache key (later fields only when not at their old value)."""
    out = cache.plain(cim)
    return {k: v for k, v in out.items() if not (k in _LATER_CIM_DEFAULTS and v == _LATER_CIM_DEFAULTS[k])}


def _key_settings(settings: AccuracySettings) -> dict[str, Any]:
    """The settings as they enter the cache key: the dataset by content, later settings only
    when they differ from the value every earlier entry had."""
    out = cache.plain(replace(settings, dataset="", data_dir=None))
    return {k: v for k, v in out.items() if not (k in LATER_DEFAULTS and v == LATER_DEFAULTS[k])}


def measure_accuracy(
    scheme: QuantScheme,
    model: str = "mlp",
    dataset: str | Path = "digits",
    epochs: int = 10,
    fp_epochs: int = 20,
    seed: int = 0,
    batch_size: int = 64,
    lr: float = 0.05,
    qat_lr: float = 0.01,
    integer: bool = True,
    use_cache: bool = True,
    cim: CimSettings | None = None,
    backend: Backend | str = Backend.NUMPY,
    data_dir: str | Path | None = None,
    train_size: int | None = None,
    test_size: int | None = None,
    threads: int | None = None,
    data: Dataset | None = None,
    *,
    only_cached: bool = False,
) -> AccuracyResult | None:
    """Measured test accuracy of ``scheme`` on ``model`` / ``dataset`` (``digits``,
    ``fashion-mnist``, ``cifar10``, ``cifar100`` or a ``.npz``; ``data_dir`` where a named
    dataset's files are; ``train_size`` / ``test_size`` subsets), trained on ``backend``; with
    ``cim``, on that CIM macro (integer-only execution is then not run). ``threads``: torch
    intra-op threads (default ``$HWCOST_TORCH_THREADS`` or 1; not part of the result).
    ``data``: that dataset already loaded (``load_dataset`` of the same arguments), so that a
    caller measuring many jobs loads and fingerprints it once (the study runner, per process).
    ``only_cached``: return the cached result, or ``None`` instead of training (the dataset is
    still loaded: the cache key holds its fingerprint); nothing is written (``hwcost study run
    --dry-run`` asks this of every job the journal lacks).

    A top-level, picklable function: parallel processes may call it at once; they share the
    on-disk cache (``$HWCOST_CACHE_DIR``) through atomic writes.
    """
    if not isinstance(scheme, QuantScheme):
        raise HwcostError.single(f"expected a QuantScheme, got {type(scheme).__name__}", key="scheme")
    backend_name = backend.value if isinstance(backend, Backend) else backend
    settings = AccuracySettings(model, str(dataset), epochs, fp_epochs, seed, batch_size, lr, qat_lr, integer,
                                backend_name, None if data_dir is None else str(data_dir), train_size, test_size)
    problems = settings.problems() + ([] if cim is None else _cim_problems(scheme, cim))
    if problems:
        raise HwcostError(problems)
    data = load_dataset(dataset, data_dir, train_size, test_size) if data is None else data
    inputs = {"v": CODE_VERSION, "scheme": scheme, "settings": _key_settings(settings),
              "data": data.fingerprint} | ({} if cim is None else {"cim": _key_cim(cim)})
    key = cache.cache_key("acc", inputs)
    if use_cache:
        hit = cache.read_json(key)
        if hit is None:  # cached while a field marked key_omit_default (mac_realisation) was still keyed
            legacy = cache.cache_key("acc", inputs, omit_defaults=False)
            hit = None if legacy == key else cache.read_json(legacy)
        if hit is not None:
            return replace(AccuracyResult.from_dict(hit, from_cache=True), settings=settings, dataset_label=data.name)
    if only_cached:
        return None
    if settings.backend == Backend.TORCH.value:
        from hwcost.accuracy.torch_backend import require_torch

        require_torch()  # a clear message, before anything imports torch
        from hwcost.accuracy.torch_backend.measure import measure_torch

        result = measure_torch(scheme, settings, data, use_cache, cim, threads)
    else:
        with _single_threaded_blas():
            result = _measure(scheme, settings, data, use_cache, cim)
    if use_cache:
        cache.write_json(key, result.to_dict())
    return result


def _cim_problems(scheme: QuantScheme, cim: CimSettings) -> list[Problem]:
    if not isinstance(cim, CimSettings):
        return [Problem(f"expected CimSettings, got {type(cim).__name__}", key="cim")]
    out = cim.problems()
    if scheme.first_last_bits is None:
        out.append(Problem(f"scheme '{scheme.name}' keeps its first/last layers in floating point; the CIM "
                           "array computes integer dot products only: set first_last_bits (e.g. 8)",
                           key="first_last_bits"))
    return out
