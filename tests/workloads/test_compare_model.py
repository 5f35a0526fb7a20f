"""hwcost compare --model: two quantized models (or a model on two arrays) side by side."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import hwcost
from hwcost.cli import main

from onnx_builders import qonnx_cnn, save


def test_compare_two_models_equals_their_separate_evaluations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    w4 = save(qonnx_cnn([(8, 8), (4, 4), (4, 4), (8, 8)]), tmp_path / "w4.onnx")
    w2 = save(qonnx_cnn([(8, 8), (2, 4), (2, 4), (8, 8)]), tmp_path / "w2.onnx")
    assert main(["compare", "--model", w4, "--model", w2, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    energies = []
    for path in (w4, w2):
        model = hwcost.import_model(path)
        energies.append(hwcost.evaluate(model.scheme(), workload=model).energy_pj)
    assert list(out["totals"]["energy_pj"].values()) == pytest.approx(energies, rel=1e-12)
    # each configuration is priced at its model's own precision: the 2-bit body is a different datapath
    assert energies[0] != energies[1] and len(set(out["labels"])) == 2


def test_compare_model_refuses_precision_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    w4 = save(qonnx_cnn([(8, 8), (4, 4), (4, 4), (8, 8)]), tmp_path / "w4.onnx")
    assert main(["compare", "--model", w4, "--node", "45nm", "--node", "45nm-lp", "--bits", "4"]) == 2
    assert "the model's quantizers set each layer's precision: drop bits" in capsys.readouterr().err
    assert main(["compare", "--model", w4, "--node", "45nm", "--node", "45nm-lp"]) == 0
    assert "45nm-lp" in capsys.readouterr().out
