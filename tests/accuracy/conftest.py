"""Shared fixtures: a private cache directory and one small model trained on digits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from hwcost.accuracy.data import Dataset, load_dataset
from hwcost.accuracy.models import build_model
from hwcost.accuracy.nn.network import Network
from hwcost.accuracy.train import TrainSettings, train


@pytest.fixture(autouse=True, scope="session")
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from threadpoolctl import threadpool_limits  # small matrices: one BLAS thread, as measure_accuracy

    path = tmp_path_factory.mktemp("hwcost-cache")
    with pytest.MonkeyPatch.context() as mp, threadpool_limits(limits=1, user_api="blas"):
        mp.setenv("HWCOST_CACHE_DIR", str(path))
        yield path


@pytest.fixture(scope="session")
def digits() -> Dataset:
    return load_dataset("digits")


@pytest.fixture(scope="session")
def fp_states(digits: Dataset) -> dict[tuple[str, bool], dict[str, np.ndarray]]:
    """Full-precision weights of ``mlp`` (with and without BN) and ``cnn``, a few epochs each."""
    out = {}
    for model, bn, epochs in (("mlp", True, 8), ("mlp", False, 8), ("cnn", True, 3)):
        rng = np.random.default_rng(0)
        net = build_model(model, digits.input_shape, digits.classes, bn, rng)
        train(net, digits.x_train, digits.y_train, TrainSettings(epochs, 0.05), rng)
        out[(model, bn)] = net.state()
    return out


@pytest.fixture(scope="session")
def fresh_model(digits: Dataset, fp_states: dict) -> Callable[[str, bool], Network]:
    """A new network holding the trained full-precision weights of ``(model, batch_norm)``."""

    def make(model: str, bn: bool) -> Network:
        net = build_model(model, digits.input_shape, digits.classes, bn, np.random.default_rng(0))
        net.load_state(fp_states[(model, bn)])
        return net

    return make
