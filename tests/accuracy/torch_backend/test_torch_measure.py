"""``measure_accuracy(..., backend="torch")``: the protocol, labels, integer twin, CIM, errors."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from hwcost.cli import main
from hwcost.errors import HwcostError
from hwcost.schemes.presets import get_scheme
from hwcost.accuracy import CimSettings, measure_accuracy
from hwcost.accuracy.datasets.cifar import write_batch

QUICK = {"epochs": 1, "fp_epochs": 2}
SMALL = {"epochs": 1, "fp_epochs": 1, "train_size": 400}


@pytest.fixture(scope="module")
def cnn_results() -> dict[str, object]:
    scheme = get_scheme("lsq", 4, 4)
    return {b: measure_accuracy(scheme, model="cnn", backend=b, use_cache=False, **QUICK) for b in ("numpy", "torch")}


def test_torch_trains_the_numpy_network_to_the_same_accuracy(cnn_results) -> None:
    numpy_r, torch_r = cnn_results["numpy"], cnn_results["torch"]
    assert torch_r.settings.backend == "torch" and torch_r.label == "digits, cnn"
    assert abs(torch_r.fp_accuracy - numpy_r.fp_accuracy) <= 0.02 and abs(torch_r.accuracy - numpy_r.accuracy) <= 0.02
    assert torch_r.accuracy > 0.9


def test_the_numpy_twin_runs_integer_only(cnn_results) -> None:
    r = cnn_results["torch"]
    assert r.integer_accuracy is not None and abs(r.integer_accuracy - r.accuracy) <= 0.005


def test_torch_results_are_reproducible_and_cached() -> None:
    scheme = get_scheme("pact", 4, 4)
    first = measure_accuracy(scheme, backend="torch", seed=3, **SMALL)
    assert measure_accuracy(scheme, backend="torch", seed=3, use_cache=False, **SMALL) == first
    assert measure_accuracy(scheme, backend="torch", seed=3, **SMALL).from_cache
    assert not measure_accuracy(scheme, seed=3, **SMALL).from_cache  # numpy is another measurement


def test_resnet20_on_user_cifar10(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        labels = rng.integers(0, 10, 8)
        write_batch(tmp_path / name, rng.integers(0, 256, (8, 3072), dtype=np.uint8), labels)
    r = measure_accuracy(get_scheme("lsq", 4, 4), model="resnet20", dataset="cifar10", data_dir=tmp_path,
                         backend="torch", integer=False, epochs=1, fp_epochs=1, batch_size=16, use_cache=False)
    assert r.label == "cifar10, resnet20" and r.integer_accuracy is None and 0.0 <= r.accuracy <= 1.0


def test_cim_on_the_torch_backend() -> None:
    cim = CimSettings(rows=32, adc_bits=4, adc_range=__import__("hwcost.accuracy", fromlist=["AdcRange"]).AdcRange.FLEXIBLE)
    r = measure_accuracy(get_scheme("lsq", 4, 4), backend="torch", cim=cim, use_cache=False, **QUICK)
    assert r.cim == cim and r.digital_accuracy is not None and 0.5 < r.accuracy <= r.digital_accuracy + 0.02


def test_backend_errors_exit_2(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["accuracy", "measure", "--scheme", "lsq", "--model", "resnet20", "--no-cache"]) == 2
    assert "--backend torch" in capsys.readouterr().err
    assert main(["accuracy", "measure", "--scheme", "lsq", "--model", "vgg7", "--backend", "torch", "--no-cache"]) == 2
    assert "--no-integer" in capsys.readouterr().err
    with pytest.raises(HwcostError, match="valid backends: numpy, torch"):
        measure_accuracy(get_scheme("lsq"), backend="jax")
    monkeypatch.setitem(sys.modules, "torch", None)
    assert main(["accuracy", "measure", "--scheme", "lsq", "--backend", "torch", "--no-cache", *["--epochs", "1"]]) == 2
    err = capsys.readouterr().err
    assert r"hwcost[torch]" in err and "Traceback" not in err


def test_cli_table_names_dataset_model_and_backend(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["accuracy", "measure", "--scheme", "lsq", "--bits", "4", "--backend", "torch", "--epochs", "1",
                 "--fp-epochs", "1", "--train-size", "300", "--model", "cnn"]) == 0
    out = capsys.readouterr().out
    assert "test accuracy on digits, cnn" in out and "torch" in out
