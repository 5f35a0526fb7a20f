"""Measured-accuracy jobs: what to train, its journal key, and the function that runs it.

One job is one training run of ``hwcost.accuracy.measure_accuracy`` for one scheme (at its bits and
realisations) and one seed. On a ``cim_macro`` point it is one run per CIM variant as well, on
that macro: the job's ``CimSettings`` are built from the point's architecture's
``CimMacroParams`` (every field of it: rows, cell bits, input bits per pulse and encoding, ADC
bits, signed-weight encoding, weight accumulation, pair subtraction, active rows -- the macro its
cost was priced with; the study cannot give these keys a second time) and one combination of the
study's accuracy-only CIM settings. Any other point is
measured once, digitally. Jobs are plain frozen data and ``measure_job`` is a top-level
function, so both pickle to worker processes and Dask workers. The accuracy package keeps its
own on-disk cache (``$HWCOST_CACHE_DIR``), so a job measured by an earlier study is not trained
again either. Each process loads (and fingerprints, for the cache key) a study's dataset once,
not once per job: its jobs share the arrays.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from hwcost.arch.cim_macro.config import CimMacroConfig, CimMacroParams
from hwcost.arch.template import ArchConfig
from hwcost.schemes import QuantScheme
from hwcost.study.grid import content_key
from hwcost.study.spec import CimAxes, CimVariant, MeasuredSettings
from hwcost.accuracy.cache import plain
from hwcost.accuracy.cim.two_stage import CimSettings

if TYPE_CHECKING:
    from hwcost.accuracy.data import Dataset

__all__ = ["AccuracyJob", "AccuracyOutcome", "Measure", "measure_job", "in_accuracy_cache", "jobs_for", "cim_settings"]


@dataclass(frozen=True)
class AccuracyJob:
    """Train and test ``scheme`` once with these settings and this seed; with ``cim``, on that
    CIM macro (``None``: digital execution)."""

    scheme: QuantScheme
    model: str
    dataset: str
    dataset_sha256: str
    epochs: int
    fp_epochs: int
    seed: int
    batch_size: int
    lr: float
    qat_lr: float
    integer: bool
    cim: CimSettings | None = None
    backend: str = "numpy"
    data_dir: str | None = None
    train_size: int | None = None
    test_size: int | None = None

    @property
    def key(self) -> str:
        """Hash of every field (a digital job's key leaves out the empty ``cim``, and every job the
        later fields at their defaults, so a job has the key it had before they existed)."""
        inputs: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        for name, default in _LATER_DEFAULTS.items():
            if inputs[name] == default:
                del inputs[name]
        if self.cim is not None:  # the macro's accumulation options, likewise
            cim = plain(self.cim)
            inputs["cim"] = {k: v for k, v in cim.items() if not (k in _CIM_LATER_DEFAULTS and v == _CIM_LATER_DEFAULTS[k])}
        return content_key("accuracy", inputs)


_LATER_DEFAULTS: dict[str, Any] = {"cim": None, "backend": "numpy", "data_dir": None, "train_size": None, "test_size": None}
# CimSettings fields added with the accumulation options, at the values that reproduce the readout before them.
_CIM_LATER_DEFAULTS: dict[str, Any] = {"weight_accumulation": "digital", "pair_subtraction": "digital",
                                       "active_rows": None, "input_encoding": None}


@dataclass(frozen=True)
class AccuracyOutcome:
    """Test accuracies in percent: the quantized network (fake-quant; on a CIM macro, the mean
    over noise trials), its full-precision start, its integer-only execution (NaN when not
    measured) and, for CIM jobs, the stage-1 network on the exact digital product (else NaN)."""

    accuracy_pct: float
    fp_accuracy_pct: float
    integer_accuracy_pct: float = math.nan
    digital_accuracy_pct: float = math.nan


Measure = Callable[[AccuracyJob], AccuracyOutcome]


def cim_settings(macro: CimMacroParams, variant: CimVariant, axes: CimAxes) -> CimSettings:
    """The ``macro`` (as its cost is priced, every field) under one variant of the accuracy-only
    settings; stage-2 settings without stage 2 and noise trials without noise keep the defaults.

    >>> from hwcost.study.spec import CimAxes
    >>> axes = CimAxes()
    >>> s = cim_settings(CimMacroConfig(rows=64, adc_bits=5).macro_params, axes.variants()[0], axes)
    >>> (s.rows, s.adc_bits, s.adc_range.value, s.noise_sigma, s.two_stage)
    (64, 5, 'fixed', 0.0, False)
    """
    defaults = CimSettings()  # for the settings that cannot matter: one key per computation
    noisy = variant.noise_on is not None
    return CimSettings.from_macro(
        macro,
        adc_range=variant.adc_range,
        noise_sigma=variant.noise_sigma,
        noise_on=variant.noise_on if noisy else defaults.noise_on,
        two_stage=variant.two_stage,
        stage2_epochs=variant.stage2_epochs if variant.two_stage else defaults.stage2_epochs,
        stage2_lr=axes.stage2_lr if variant.two_stage else defaults.stage2_lr,
        eval_trials=axes.eval_trials if noisy else defaults.eval_trials,
    )


def jobs_for(scheme: QuantScheme, arch: ArchConfig, settings: MeasuredSettings, variant: CimVariant | None = None) -> tuple[AccuracyJob, ...]:
    """One job per seed, in the order of the study's seeds: on ``arch``'s macro under
    ``variant`` for a CIM point, digital otherwise (``variant`` is then ``None``)."""
    m = settings
    cim = None
    if variant is not None:
        macro = arch.analog_macro
        assert macro is not None, "a CIM variant needs a point on an analog macro"
        cim = cim_settings(macro, variant, m.cim)
    return tuple(
        AccuracyJob(
            scheme, m.model.value, m.dataset, m.dataset_sha256, m.epochs, m.fp_epochs, seed, m.batch_size, m.lr, m.qat_lr, m.integer, cim,
            m.backend.value, m.data_dir, m.train_size, m.test_size,
        )
        for seed in m.seeds
    )


@functools.lru_cache(maxsize=1)
def _dataset(dataset: str, dataset_sha256: str, data_dir: str | None, train_size: int | None, test_size: int | None) -> "Dataset":
    """The job's dataset, loaded once per process (a study has one; ``dataset_sha256`` keys a
    user's file by content). Jobs share its arrays and never write to them (checked in
    tests/study/test_study_dataset_once.py; they stay writable: torch warns on read-only ones)."""
    from hwcost.accuracy.data import load_dataset

    return load_dataset(dataset, data_dir, train_size, test_size)


def _measure(job: AccuracyJob, only_cached: bool = False) -> Any:
    """``hwcost.accuracy.measure_accuracy`` with the job's arguments (imported here: workers
    import lazily); the data set loaded once per process."""
    from hwcost.accuracy import measure_accuracy

    return measure_accuracy(
        job.scheme,
        model=job.model,
        dataset=job.dataset,
        epochs=job.epochs,
        fp_epochs=job.fp_epochs,
        seed=job.seed,
        batch_size=job.batch_size,
        lr=job.lr,
        qat_lr=job.qat_lr,
        integer=job.integer,
        cim=job.cim,
        backend=job.backend,
        data_dir=job.data_dir,
        train_size=job.train_size,
        test_size=job.test_size,
        data=_dataset(job.dataset, job.dataset_sha256, job.data_dir, job.train_size, job.test_size),
        only_cached=only_cached,
    )


def in_accuracy_cache(job: AccuracyJob) -> bool:
    """Whether the accuracy cache holds ``job``'s result (the data set is loaded, its fingerprint
    is in the key; nothing is trained or written)."""
    return _measure(job, only_cached=True) is not None


def measure_job(job: AccuracyJob) -> AccuracyOutcome:
    """Run one job with ``hwcost.accuracy.measure_accuracy``."""
    result = _measure(job)

    def pct(value: float | None) -> float:
        return math.nan if value is None else 100.0 * float(value)

    return AccuracyOutcome(pct(result.accuracy), pct(result.fp_accuracy), pct(result.integer_accuracy), pct(result.digital_accuracy))
