"""Honest labels: a measured accuracy names its dataset and network in results, figures and the
report; a table accuracy names its source's; studies choose the backend and real datasets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from study_support import SMALL, fake_accuracy

from hwcost.cli import main
from hwcost.accuracy.datasets.idx import write_idx
from hwcost.study import load_study, run_study
from hwcost.study.accuracy import jobs_for
from hwcost.study.figures import FigureKind, FigureSpec, bars_data
from hwcost.study.plots import bars_figure, data_axis, pareto_figure

import numpy as np

MEASURED = "  measured: {model: mlp, dataset: digits, epochs: 1, fp_epochs: 1, seeds: [0, 1]}\n"


def test_results_report_and_figures_name_what_was_measured(write_study: Callable[..., Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    text = SMALL.replace("[lsq, asymmetric]", "[lsq, pact]")  # PACT has ResNet-20 rows in the literature table
    run_study(load_study(write_study(text)), out, measure=fake_accuracy, progress=False, figures=False)
    results = pd.read_csv(out / "results.csv")
    assert set(results["accuracy_dataset"]) == {"digits"} and set(results["accuracy_model"]) == {"mlp"}
    assert data_axis("accuracy_measured_pct", results).axis() == "accuracy on digits, mlp (%)"
    with_row = results[results["accuracy_table_pct"].notna()]
    assert not with_row.empty and set(with_row["table_network"]) == {"ResNet-20"} and set(with_row["table_dataset"]) == {"CIFAR-10"}
    assert data_axis("accuracy_table_pct", with_row).axis() == "published accuracy on CIFAR-10, ResNet-20 (%)"
    report = (out / "report.md").read_text()
    assert "accuracy on digits, mlp (%)" in report and "not those networks' accuracy" in report
    assert "| network | dataset |" in report and "| ResNet-20 | CIFAR-10 |" in report
    fig = pareto_figure(results, load_study(write_study(text)).objectives[:2])
    ax = fig.axes[0]
    assert ax.get_ylabel() == "accuracy on digits, mlp (%)" and ax.get_title().startswith("resnet20 (cost only)")
    columns = ("accuracy_measured_pct", "accuracy_table_pct")
    bars = FigureSpec("acc", FigureKind.BARS, columns=columns)
    ax = bars_figure(bars_data(results, bars), columns, "weight_bits", ("scheme",), False, "").axes[0]
    assert ax.get_title().startswith("resnet20") and ax.get_title().endswith(" design points\naccuracy measured on digits, mlp")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "accuracy on digits, mlp" in legend and "published accuracy on CIFAR-10, ResNet-20" in legend


def test_backend_and_real_datasets_in_a_study(write_study: Callable[..., Path], tmp_path: Path) -> None:
    folder = tmp_path / "fm"
    folder.mkdir()
    for stem, shape in (("train-images-idx3-ubyte", (20, 28, 28)), ("t10k-images-idx3-ubyte", (10, 28, 28))):
        write_idx(folder / f"{stem}.gz", np.zeros(shape, np.uint8))
        write_idx(folder / f"{stem.replace('images-idx3', 'labels-idx1')}.gz", np.zeros(shape[0], np.uint8))
    text = SMALL.replace(MEASURED, "  measured: {model: cnn, dataset: fashion-mnist, data_dir: fm, backend: torch, "
                                  "train_size: 12, epochs: 1, fp_epochs: 1, seeds: [0]}\n")
    spec = load_study(write_study(text))
    m = spec.accuracy.measured
    assert (m.backend.value, m.dataset_label, m.data_dir, m.train_size) == ("torch", "fashion-mnist", str(folder.resolve()), 12)
    point = next(iter(__import__("hwcost.study.grid", fromlist=["expand"]).expand(spec).points))
    job = jobs_for(point.point.scheme, point.point.arch, m)[0]
    assert (job.backend, job.train_size, job.data_dir) == ("torch", 12, str(folder.resolve()))


@pytest.mark.parametrize(
    ("measured", "key", "message"),
    [
        ("{model: resnet20, dataset: digits, epochs: 1, fp_epochs: 1, seeds: [0]}", "accuracy.measured.model", "backend: torch"),
        ("{model: mlp, dataset: digits, backend: jax, epochs: 1, fp_epochs: 1, seeds: [0]}", "accuracy.measured.backend", "valid backends"),
        ("{model: mlp, dataset: cifar10, data_dir: nowhere, epochs: 1, fp_epochs: 1, seeds: [0]}", "accuracy.measured.data_dir", "existing folder"),
        ("{model: mlp, dataset: cifar10, data_dir: ., epochs: 1, fp_epochs: 1, seeds: [0]}", "accuracy.measured.dataset", "cifar-10-python"),
        ("{model: mlp, dataset: digits, train_size: 0, epochs: 1, fp_epochs: 1, seeds: [0]}", "accuracy.measured.train_size", ">= 1"),
    ],
)
def test_bad_accuracy_settings_exit_2(write_study: Callable[..., Path], capsys: pytest.CaptureFixture[str], measured: str, key: str, message: str) -> None:
    path = write_study(SMALL.replace(MEASURED, f"  measured: {measured}\n"))
    assert main(["study", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert key in err and message in err and "Traceback" not in err
