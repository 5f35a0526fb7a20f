"""A study's jobs share one load of their dataset per process (issue 20: the sample study's
warm re-run loaded and hashed the digits 66 times to build cache keys), with the same results
as loading it for every job."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import hwcost.accuracy.data as data_module
from hwcost.accuracy import measure_accuracy
from hwcost.schemes import get_scheme
from hwcost.study import accuracy as study_accuracy
from hwcost.study.accuracy import AccuracyJob, measure_job


def _job(seed: int) -> AccuracyJob:
    # digits, a 1-epoch MLP on 300 training / 200 test examples: a real training run in ~0.1 s
    return AccuracyJob(get_scheme("lsq", 4), "mlp", "digits", "", 1, 1, seed, 64, 0.05, 0.01, False,
                       train_size=300, test_size=200)


def test_jobs_load_the_dataset_once_and_match_a_fresh_load(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HWCOST_CACHE_DIR", str(tmp_path / "cache"))
    study_accuracy._dataset.cache_clear()
    loads = []
    real = data_module.load_dataset

    def counting(*args: object, **kwargs: object) -> data_module.Dataset:
        loads.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(data_module, "load_dataset", counting)
    outcomes = [measure_job(_job(seed)) for seed in (0, 1, 0)]  # the third is a cache hit
    assert len(loads) == 1
    assert outcomes[2] == outcomes[0]
    shared, fresh_data = study_accuracy._dataset("digits", "", None, 300, 200), real("digits", None, 300, 200)
    for name in ("x_train", "y_train", "x_test", "y_test"):  # no job wrote to what the next one trains on
        assert np.array_equal(getattr(shared, name), getattr(fresh_data, name)), name
    # the same accuracy as measure_accuracy loading the data itself, without the cache
    for seed, outcome in zip((0, 1), outcomes):
        fresh = measure_accuracy(get_scheme("lsq", 4), "mlp", "digits", 1, 1, seed, 64, 0.05, 0.01, False, use_cache=False,
                                 train_size=300, test_size=200)
        assert outcome.accuracy_pct == pytest.approx(100.0 * fresh.accuracy, abs=0) and outcome.fp_accuracy_pct == 100.0 * fresh.fp_accuracy
    study_accuracy._dataset.cache_clear()
