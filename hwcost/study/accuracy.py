"""Measured-accuracy jobs: what to train, its journal key, and the function that runs it.

One job is one training run of ``quantizers.measure_accuracy`` for one scheme (at its bits and
realisations) and one seed. Jobs are plain frozen data and ``measure_job`` is a top-level
function, so both pickle to worker processes and Dask workers. The quantizers package keeps its
own on-disk cache (``$HWCOST_CACHE_DIR``), so a job measured by an earlier study is not trained
again either.
"""

from __future__ import annotations

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
    seed: int

    @property
    def key(self) -> str:
        return content_key("accuracy", self)


@dataclass(frozen=True)
class AccuracyOutcome:
    """Test accuracy of the quantized network and of its full-precision start, in percent."""

    accuracy_pct: float
    fp_accuracy_pct: float


Measure = Callable[[AccuracyJob], AccuracyOutcome]


def jobs_for(scheme: QuantScheme, settings: MeasuredSettings) -> tuple[AccuracyJob, ...]:
    """One job per seed, in the order of the study's seeds."""
    return tuple(
        AccuracyJob(scheme, settings.model.value, settings.dataset, settings.dataset_sha256, settings.epochs, seed)
        for seed in settings.seeds
    )


def measure_job(job: AccuracyJob) -> AccuracyOutcome:
    """Run one job with ``quantizers.measure_accuracy`` (imported here: workers import lazily)."""
    from quantizers import measure_accuracy

    result = measure_accuracy(job.scheme, model=job.model, dataset=job.dataset, epochs=job.epochs, seed=job.seed)
    return AccuracyOutcome(accuracy_pct=100.0 * float(result.accuracy), fp_accuracy_pct=100.0 * float(result.fp_accuracy))
