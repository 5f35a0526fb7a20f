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
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np

from hwcost.errors import HwcostError, Problem
from hwcost.schemes import BNHandling, QuantScheme
from hwcost.accuracy import cache
from hwcost.accuracy.data import Dataset, load_dataset, size_problems
from hwcost.accuracy.integer import to_integer_model
from hwcost.accuracy.models import ALL_MODELS, MODEL_NAMES, build_model
from hwcost.accuracy.nn.network import Network
from hwcost.accuracy.qat.attach import quantize_network
from hwcost.accuracy.train import TrainSettings, accuracy, train
from hwcost.accuracy.cim.two_stage import CimSettings, cim_stage

__all__ = ["Backend", "AccuracySettings", "AccuracyResult", "measure_accuracy", "CODE_VERSION", "CALIBRATION_SIZE"]

CODE_VERSION = 1  # bump when a change alters measured numbers: it invalidates cached results
CALIBRATION_SIZE = 256


class Backend(Enum):
    """Where the network trains: the numpy reference or PyTorch (``hwcost[torch]``)."""

    NUMPY = "numpy"
    TORCH = "torch"


# Settings added after the first cache entries were written: left out of cache keys at these
# values, so that earlier entries stay valid.
_LATER_DEFAULTS = {"backend": "numpy", "data_dir": None, "train_size": None, "test_size": None}


@dataclass(frozen=True)
class AccuracySettings:
    """Every input of a measurement besides the scheme (``backend`` is a :class:`Backend` value)."""

    model: str = "mlp"
    dataset: str = "digits"
    epochs: int = 10  # QAT fine-tuning epochs (0: post-training quantization)
    fp_epochs: int = 20
    seed: int = 0
    batch_size: int = 64
    lr: float = 0.05  # full-precision learning rate (cosine decay)
    qat_lr: float = 0.01
    integer: bool = True  # also run integer-only inference
    backend: str = "numpy"
    data_dir: str | None = None  # where a named real dataset's files are (None: searched)
    train_size: int | None = None  # subsets (None: the whole split)
    test_size: int | None = None

    def problems(self) -> list[Problem]:
        out = []
        backends = [b.value for b in Backend]
        if self.backend not in backends:
            out.append(Problem(f"unknown backend {self.backend!r}; valid backends: {', '.join(backends)}", key="backend"))
        if self.model not in ALL_MODELS:
            out.append(Problem(f"unknown model '{self.model}'; valid models: {', '.join(ALL_MODELS)}", key="model"))
        elif self.model not in MODEL_NAMES and self.backend == Backend.NUMPY.value:
            out.append(Problem(f"model '{self.model}' trains on the torch backend only (numpy models: "
                               f"{', '.join(MODEL_NAMES)}); set backend: torch (--backend torch)", key="model"))
        elif self.model not in MODEL_NAMES and self.integer is True:
            out.append(Problem(f"integer-only execution runs the numpy models ({', '.join(MODEL_NAMES)}) only; "
                               f"for '{self.model}' set integer: false (--no-integer)", key="integer"))
        out += size_problems(self.train_size, self.test_size)
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
    dataset_label: str = ""  # the dataset as results show it: fashion-mnist, cifar10, digits, a file name
    from_cache: bool = field(default=False, compare=False)

    @property
    def label(self) -> str:
        """``dataset, model``: what the accuracy was measured on (``fashion-mnist, cnn``)."""
        return f"{self.dataset_label or Path(self.settings.dataset).name}, {self.settings.model}"

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
                              None, settings, cim, out.accuracy_std, out.digital_accuracy, data.name)
    int_acc = None
    if settings.integer:
        int_acc = float(np.mean(to_integer_model(net, scheme).predict(data.x_test) == data.y_test))
    return AccuracyResult(scheme.name, scheme.weights.bits, scheme.activations.bits,
                          accuracy(net, data.x_test, data.y_test), fp_acc, int_acc, settings, dataset_label=data.name)


def _key_settings(settings: AccuracySettings) -> dict[str, Any]:
    """The settings as they enter the cache key: the dataset by content, later settings only
    when they differ from the value every earlier entry had."""
    out = cache.plain(replace(settings, dataset="", data_dir=None))
    return {k: v for k, v in out.items() if not (k in _LATER_DEFAULTS and v == _LATER_DEFAULTS[k])}


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
) -> AccuracyResult:
    """Measured test accuracy of ``scheme`` on ``model`` / ``dataset`` (``digits``,
    ``fashion-mnist``, ``cifar10``, ``cifar100`` or a ``.npz``; ``data_dir`` where a named
    dataset's files are; ``train_size`` / ``test_size`` subsets), trained on ``backend``; with
    ``cim``, on that CIM macro (integer-only execution is then not run). ``threads``: torch
    intra-op threads (default ``$HWCOST_TORCH_THREADS`` or 1; not part of the result).

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
    data = load_dataset(dataset, data_dir, train_size, test_size)
    key = cache.cache_key("acc", {"v": CODE_VERSION, "scheme": scheme, "settings": _key_settings(settings),
                                  "data": data.fingerprint} | ({} if cim is None else {"cim": cim}))
    if use_cache:
        hit = cache.read_json(key)
        if hit is not None:
            return replace(AccuracyResult.from_dict(hit, from_cache=True), settings=settings, dataset_label=data.name)
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
