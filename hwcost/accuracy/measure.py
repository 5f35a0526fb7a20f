"""``measure_accuracy``: train full precision, fine-tune quantization-aware, measure, cache.

Protocol (every step seeded, so a rerun gives identical numbers):

1. load the dataset (fixed stratified split) and build the model (BN unless the scheme has none);
2. full-precision training, ``fp_epochs`` epochs, seed ``[seed, 0]`` (cached on disk, shared by
   every scheme with the same model, data, epochs and seed);
3. attach the scheme's quantizers, initialise them on the first ``CALIBRATION_SIZE`` training
   examples and fine-tune ``epochs`` epochs with seed ``[seed, 1]``;
4. test accuracy of the fake-quant model (hard rounding) and, if asked, of its integer-only
   execution (:mod:`hwcost.accuracy.integer`);
5. with ``cim`` settings, instead: the model on the CIM macro model, optionally after stage-2
   CIM-aware fine-tuning (:mod:`hwcost.accuracy.cim.two_stage`, ``docs/cim-training.md``).

The result is cached under a key of every input: the scheme (all fields but its description),
the settings, the dataset content and ``CODE_VERSION``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from hwcost.errors import HwcostError, Problem
from hwcost.schemes import BNHandling, QuantScheme
from hwcost.accuracy import cache
from hwcost.accuracy.data import Dataset, load_dataset
from hwcost.accuracy.integer import to_integer_model
from hwcost.accuracy.models import MODEL_NAMES, build_model
from hwcost.accuracy.nn.network import Network
from hwcost.accuracy.qat.attach import quantize_network
from hwcost.accuracy.train import TrainSettings, accuracy, train
from hwcost.accuracy.cim.two_stage import CimSettings, cim_stage

__all__ = ["AccuracySettings", "AccuracyResult", "measure_accuracy", "CODE_VERSION", "CALIBRATION_SIZE"]

CODE_VERSION = 1  # bump when a change alters measured numbers: it invalidates cached results
CALIBRATION_SIZE = 256


@dataclass(frozen=True)
class AccuracySettings:
    """Every input of a measurement besides the scheme."""

    model: str = "mlp"
    dataset: str = "digits"
    epochs: int = 10  # QAT fine-tuning epochs (0: post-training quantization)
    fp_epochs: int = 20
    seed: int = 0
    batch_size: int = 64
    lr: float = 0.05  # full-precision learning rate (cosine decay)
    qat_lr: float = 0.01
    integer: bool = True  # also run integer-only inference

    def problems(self) -> list[Problem]:
        out = []
        if self.model not in MODEL_NAMES:
            out.append(Problem(f"unknown model '{self.model}'; valid models: {', '.join(MODEL_NAMES)}", key="model"))
        for key, low in (("epochs", 0), ("fp_epochs", 1), ("seed", 0), ("batch_size", 1)):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                out.append(Problem(f"expected an integer >= {low}, got {value!r}", key=key))
        for key in ("lr", "qat_lr"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 10:
                out.append(Problem(f"expected a number in (0, 10), got {value!r}", key=key))
        return out


@dataclass(frozen=True)
class AccuracyResult:
    """Test accuracies (fractions in [0, 1]) of one scheme, with the settings that produced them."""

    scheme: str
    weight_bits: int
    act_bits: int
    accuracy: float  # fake-quant model after QAT (with ``cim``: on the macro, mean over noise trials)
    fp_accuracy: float  # the full-precision model QAT started from
    integer_accuracy: float | None  # integer-only execution, when computed
    settings: AccuracySettings
    cim: CimSettings | None = None  # the CIM macro the accuracy was measured on
    cim_accuracy_std: float | None = None  # over noise trials
    digital_accuracy: float | None = None  # with ``cim``: the stage-1 model on the exact product
    from_cache: bool = field(default=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return cache.plain(self) | {"from_cache": self.from_cache}

    @classmethod
    def from_dict(cls, data: dict[str, Any], from_cache: bool = False) -> "AccuracyResult":
        fields = {k: v for k, v in data.items() if k not in ("settings", "from_cache", "cim")}
        cim = None if data.get("cim") is None else CimSettings.from_dict(data["cim"])
        return cls(**fields, settings=AccuracySettings(**data["settings"]), cim=cim, from_cache=from_cache)


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
                              None, settings, cim, out.accuracy_std, out.digital_accuracy)
    int_acc = None
    if settings.integer:
        int_acc = float(np.mean(to_integer_model(net, scheme).predict(data.x_test) == data.y_test))
    return AccuracyResult(scheme.name, scheme.weights.bits, scheme.activations.bits,
                          accuracy(net, data.x_test, data.y_test), fp_acc, int_acc, settings)


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
) -> AccuracyResult:
    """Measured test accuracy of ``scheme`` on ``model`` / ``dataset`` ("digits" or a ``.npz``);
    with ``cim``, on that CIM macro (integer-only execution is then not run).

    A top-level, picklable function: parallel processes may call it at once; they share the
    on-disk cache (``$HWCOST_CACHE_DIR``) through atomic writes.
    """
    if not isinstance(scheme, QuantScheme):
        raise HwcostError.single(f"expected a QuantScheme, got {type(scheme).__name__}", key="scheme")
    settings = AccuracySettings(model, str(dataset), epochs, fp_epochs, seed, batch_size, lr, qat_lr, integer)
    problems = settings.problems() + ([] if cim is None else _cim_problems(scheme, cim))
    if problems:
        raise HwcostError(problems)
    data = load_dataset(dataset)
    key = cache.cache_key("acc", {"v": CODE_VERSION, "scheme": scheme, "settings": replace(settings, dataset=""),
                                  "data": data.fingerprint} | ({} if cim is None else {"cim": cim}))
    if use_cache:
        hit = cache.read_json(key)
        if hit is not None:
            return replace(AccuracyResult.from_dict(hit, from_cache=True), settings=settings)
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
