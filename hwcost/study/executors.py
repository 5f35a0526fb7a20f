"""Where measured-accuracy jobs run: in this process, in local worker processes, or on Dask.

``completed(executor, measure, jobs)`` yields ``(job, outcome)`` as each job finishes, so the
runner can journal results one by one. ``local`` with one job runs them here, in order;
``local`` with more uses a :class:`concurrent.futures.ProcessPoolExecutor`; ``dask`` submits to
the ``distributed`` scheduler at ``--scheduler ADDRESS``, or without an address to a
``distributed.LocalCluster`` it starts for the run (``jobs`` worker processes of one thread
each, like the process pool; closed when the run ends), through its ``concurrent.futures``
executor (``Client.get_executor``), so every kind shares one code path. A job that raises stops the
run: jobs not started are cancelled and the error propagates; finished ones stay journaled.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum

from hwcost.errors import HwcostError
from hwcost.study.accuracy import AccuracyJob, AccuracyOutcome, Measure

__all__ = ["ExecutorKind", "ExecutorSpec", "open_executor", "completed"]


class ExecutorKind(Enum):
    LOCAL = "local"  # this machine: in-process for --jobs 1, else worker processes
    DASK = "dask"  # a dask.distributed scheduler, or a local cluster started for the run


@dataclass(frozen=True)
class ExecutorSpec:
    """``kind``; ``jobs``: worker processes for ``local`` and for ``dask``'s local cluster;
    ``scheduler``: address for ``dask`` (``None``: start a local cluster)."""

    kind: ExecutorKind
    jobs: int
    scheduler: str | None = None

    def __post_init__(self) -> None:
        if self.jobs < 1:
            raise HwcostError.single(f"expected at least 1 job, got {self.jobs}", key="--jobs")
        if self.kind is ExecutorKind.LOCAL and self.scheduler:
            raise HwcostError.single("--scheduler applies to --executor dask only", key="--scheduler")


@contextmanager
def _dask_executor(address: str | None, workers: int) -> Iterator[cf.Executor]:
    """An executor on the scheduler at ``address``, or on a local cluster of ``workers``
    single-threaded worker processes when ``address`` is None."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise HwcostError.single("the dask executor needs dask.distributed: pip install 'hwcost[dask]'", key="--executor") from None
    with contextlib.ExitStack() as stack:
        if address is None:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
            stack.enter_context(cluster)
            address = cluster.scheduler_address
        try:
            client = Client(address, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise HwcostError.single(f"cannot reach the Dask scheduler at {address} ({exc})", key="--scheduler") from None
        stack.callback(client.close)
        yield client.get_executor(pure=False)


@contextmanager
def open_executor(spec: ExecutorSpec) -> Iterator[cf.Executor | None]:
    """The executor for ``spec``; ``None`` means "run in this process"."""
    if spec.kind is ExecutorKind.DASK:
        with _dask_executor(spec.scheduler, spec.jobs) as executor:
            yield executor
    elif spec.jobs == 1:
        yield None
    else:
        with cf.ProcessPoolExecutor(max_workers=spec.jobs, initializer=_quiet_worker) as executor:
            yield executor


def _quiet_worker() -> None:
    """Worker processes draw no progress bars of their own (the run draws one for all jobs)."""
    os.environ["TQDM_DISABLE"] = "1"


def completed(
    executor: cf.Executor | None, measure: Measure, jobs: Sequence[AccuracyJob]
) -> Iterator[tuple[AccuracyJob, AccuracyOutcome]]:
    """``(job, outcome)`` in order of completion (in order of ``jobs`` when run in-process)."""
    if executor is None:
        for job in jobs:
            yield job, measure(job)
        return
    futures = {executor.submit(measure, job): job for job in jobs}
    try:
        for future in cf.as_completed(futures):
            yield futures[future], future.result()
    finally:
        for future in futures:
            future.cancel()
