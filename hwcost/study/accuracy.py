"""Measured-accuracy jobs: what to train, its journal key, and the function that runs it.

One job is one training run of ``quantizers.measure_accuracy`` for one scheme (at its bits and
realisations) and one seed. Jobs are plain frozen data and ``measure_job`` is a top-level
function, so both pickle to worker processes and Dask workers. The quantizers package keeps its
own on-disk cache (``$HWCOST_CACHE_DIR``), so a job measured by an earlier study is not trained
again either.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from hwcost.schemes import QuantScheme
from hwcost.study.grid import content_key
from hwcost.study.spec import MeasuredSettings

__all__ = ["AccuracyJob", "AccuracyOutcome", "Measure", "measure_job", "jobs_for"]


@dataclass(frozen=True)
class AccuracyJob:
    """Train and test ``scheme`` once with these settings and this seed."""

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

    @property
    def key(self) -> str:
        return content_key("accuracy", self)


@dataclass(frozen=True)
class AccuracyOutcome:
    """Test accuracies in percent: the quantized network (fake-quant), its full-precision start,
    and its integer-only execution (NaN when not measured)."""

    accuracy_pct: float
    fp_accuracy_pct: float
    integer_accuracy_pct: float = math.nan


Measure = Callable[[AccuracyJob], AccuracyOutcome]


def jobs_for(scheme: QuantScheme, settings: MeasuredSettings) -> tuple[AccuracyJob, ...]:
    """One job per seed, in the order of the study's seeds."""
    m = settings
    return tuple(
        AccuracyJob(
            scheme, m.model.value, m.dataset, m.dataset_sha256, m.epochs, m.fp_epochs, seed, m.batch_size, m.lr, m.qat_lr, m.integer
        )
        for seed in m.seeds
    )


def measure_job(job: AccuracyJob) -> AccuracyOutcome:
    """Run one job with ``quantizers.measure_accuracy`` (imported here: workers import lazily)."""
    from quantizers import measure_accuracy

    result = measure_accuracy(
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
    )
    integer = math.nan if result.integer_accuracy is None else 100.0 * float(result.integer_accuracy)
    return AccuracyOutcome(100.0 * float(result.accuracy), 100.0 * float(result.fp_accuracy), integer)
