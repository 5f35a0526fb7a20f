"""What a measurement takes besides the scheme (:class:`AccuracySettings`), what it gives
(:class:`AccuracyResult`), the :class:`Backend` it trains on, and the protocol constants shared by
both backends (:mod:`hwcost.accuracy.measure`, :mod:`hwcost.accuracy.torch_backend.measure`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from hwcost.errors import Problem
from hwcost.accuracy import cache
from hwcost.accuracy.cim.two_stage import CimSettings
from hwcost.accuracy.data import size_problems
from hwcost.accuracy.models import ALL_MODELS, MODEL_NAMES

__all__ = ["Backend", "AccuracySettings", "AccuracyResult", "CODE_VERSION", "CALIBRATION_SIZE", "LATER_DEFAULTS"]

CODE_VERSION = 1  # bump when a change alters measured numbers: it invalidates cached results
CALIBRATION_SIZE = 256


class Backend(Enum):
    """Where the network trains: the numpy reference or PyTorch (``hwcost[torch]``)."""

    NUMPY = "numpy"
    TORCH = "torch"


# Settings added after the first cache entries were written: left out of cache keys at these
# values, so that earlier entries stay valid.
LATER_DEFAULTS = {"backend": "numpy", "data_dir": None, "train_size": None, "test_size": None}


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
