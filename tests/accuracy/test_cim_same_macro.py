"""Accuracy and cost describe one CIM macro: the cost side's lossless ADC bits and quantized
layers equal the accuracy side's on the same network; ``accuracy measure --cim`` takes the arch's
keys (file and flags, validated by the template); a study measures each cim_macro point on that
point's own macro, every readout option included."""

from __future__ import annotations

import copy
import itertools
import json
import math
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pytest

import hwcost
from hwcost.arch.cim_macro.config import CimMacroParams, PairSubtraction, WeightAccumulation
from hwcost.arch.registry import load_arch
from hwcost.cli import main
from hwcost.schemes.presets import get_scheme
from hwcost.study import load_study, run_study
from hwcost.study.accuracy import AccuracyJob, AccuracyOutcome
from hwcost.study.grid import content_key
from hwcost.accuracy.cim.matmul import attach_cim
from hwcost.accuracy.cim.noise import NO_NOISE
from hwcost.accuracy.cim.readout import AdcRange
from hwcost.accuracy.qat.attach import quantize_network

# The numpy mlp on digits (hwcost/accuracy/models.py: 64 -> 128 -> 128 -> 128 -> 10) as a workload.
MLP_WORKLOAD = """\
name: digits_mlp
dataset: digits
input: {channels: 1, in_hw: 8}
source: hwcost/accuracy/models.py mlp (flatten -> 128 -> 128 -> 128 -> 10) on the 8x8 digits
layers:
  - {name: fc1, kind: fc, in: 64, out: 128, first: true}
  - {name: fc2, kind: fc, in: 128, out: 128}
  - {name: fc3, kind: fc, in: 128, out: 128}
  - {name: fc4, kind: fc, in: 128, out: 10, last: true}
"""


@pytest.fixture(scope="module")
def mlp(fresh_model, digits):
    net = fresh_model("mlp", True)
    quantize_network(net, get_scheme("lsq", 4, 4), digits.x_train[:128])
    return net


@pytest.mark.parametrize(("acc", "pair", "active", "adc_bits"), [
    (WeightAccumulation.DIGITAL, PairSubtraction.DIGITAL, None, 5),
    (WeightAccumulation.DIGITAL, PairSubtraction.ANALOG, None, 8),  # 9 b in the 128-row layers, 8 b in the first
    (WeightAccumulation.DIGITAL, PairSubtraction.ANALOG, 32, 8),
    (WeightAccumulation.ANALOG, PairSubtraction.DIGITAL, 32, 8),
    (WeightAccumulation.ANALOG, PairSubtraction.ANALOG, None, 8),
])
def test_cost_and_accuracy_sides_see_the_same_lossless_bits(mlp, tmp_path: Path, acc, pair, active, adc_bits) -> None:
    workload = tmp_path / "mlp.yaml"
    workload.write_text(MLP_WORKLOAD, encoding="utf-8")
    arch = replace(load_arch("cim"), weight_accumulation=acc, pair_subtraction=pair, active_rows=active, adc_bits=adc_bits)
    settings = dict(hwcost.evaluate("lsq", 4, arch=arch, workload=str(workload)).settings)
    layouts = [p.layout for p in attach_cim(copy.deepcopy(mlp), arch.macro_params, AdcRange.FIXED, NO_NOISE)]
    assert settings["lossless_adc_bits"] == max(lay.lossless_bits for lay in layouts)
    assert settings["adc_quantized_layers"] == sum(lay.adc_quantizes for lay in layouts)


ARGS = ["accuracy", "measure", "--scheme", "lsq", "--bits", "4", "--epochs", "1", "--fp-epochs", "1", "--format", "json"]


def test_cli_takes_the_arch_file_and_the_evaluate_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    arch_file = tmp_path / "cim.yaml"
    arch_file.write_text("template: cim_macro\nrows: 64\ncell: rram_1t1r\ncell_bits: 2\nadc_bits: 6\n"
                         "weight_accumulation: analog\npair_subtraction: analog\n", encoding="utf-8")
    assert main([*ARGS, "--cim", "--arch-file", str(arch_file), "--active-rows", "16", "--dac-bits", "2",
                 "--input-encoding", "pwm"]) == 0
    cim = json.loads(capsys.readouterr().out)["cim"]
    want = replace(load_arch(str(arch_file)), active_rows=16, input_bits_per_pulse=2, input_encoding=
                   hwcost.arch.cim_macro.config.InputEncoding.PWM).macro_params
    got = {f.name: cim[f.name] for f in fields(CimMacroParams)}
    assert got == {"rows": 64, "cell_bits": 2, "input_bits_per_pulse": 2, "adc_bits": 6, "signed_weights": "differential",
                   "weight_accumulation": "analog", "pair_subtraction": "analog", "active_rows": 16, "input_encoding": "pwm"}
    assert want == hwcost.accuracy.CimSettings.from_dict(cim).macro


@pytest.mark.parametrize(("extra", "message"), [
    (["--cim", "--cell-bits", "2"], "--cell-bits: a sram_6t cell holds exactly 1 bit"),
    (["--cim", "--rows", "64", "--active-rows", "65"], "--active-rows: expected at most rows (64)"),
    (["--cim", "--pair-subtraction", "both"], "--pair-subtraction: expected one of digital, analog"),
    (["--cim", "--dac-bits", "2", "--input-encoding", "bit_serial"], "--input-encoding: a bit_serial input"),
    (["--weight-accumulation", "analog"], "--weight-accumulation: options of the CIM macro; add --cim"),
])
def test_cli_refuses_a_macro_the_cost_side_would_refuse(extra, message, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*ARGS, "--no-cache", *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_cli_refuses_an_arch_without_an_analog_readout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    arch_file = tmp_path / "mac.yaml"
    arch_file.write_text("template: mac_array\n", encoding="utf-8")
    assert main([*ARGS, "--no-cache", "--cim", "--arch-file", str(arch_file)]) == 2
    err = capsys.readouterr().err
    assert "--arch-file" in err and "no ADC readout" in err and "Traceback" not in err


STUDY = """\
name: cim_options
schemes: [lsq]
bits: [4]
archs:
  - template: cim_macro
    name: cim
    rows: 64
    adc_bits: 5
    weight_accumulation: [digital, analog]
    pair_subtraction: analog
    active_rows: 32
nodes: [45nm]
workloads: [resnet20]
accuracy:
  source: measured
  measured:
    model: mlp
    dataset: digits
    epochs: 1
    fp_epochs: 1
    seeds: [0]
    cim:
      adc_range: [fixed, flexible]
objectives:
  - maximise: accuracy_measured_pct
  - minimise: energy_pj
"""


def test_a_study_measures_each_point_on_its_own_macro(tmp_path: Path) -> None:
    jobs: list[tuple[AccuracyJob, object]] = []
    path = tmp_path / "study.yaml"
    path.write_text(STUDY, encoding="utf-8")
    spec = load_study(path)

    def measure(job: AccuracyJob) -> AccuracyOutcome:
        jobs.append(job)
        return AccuracyOutcome(90.0, 95.0, math.nan, 95.0)

    run_study(spec, tmp_path / "out", measure=measure, progress=False, figures=False)
    macros = {a.weight_accumulation: a.macro_params for a in spec.archs}
    assert len(jobs) == 4 and set(macros) == set(WeightAccumulation)
    for job in jobs:
        assert job.cim.macro == macros[job.cim.weight_accumulation]  # every field, the arch's
        assert (job.cim.pair_subtraction, job.cim.active_rows, job.cim.rows) == (PairSubtraction.ANALOG, 32, 64)


def test_a_default_readout_keeps_its_journal_key() -> None:
    """The accumulation options at their defaults leave a job's key as it was before them: the
    key of the former CimSettings fields, written out here."""
    from hwcost.accuracy import CimSettings

    job = AccuracyJob(get_scheme("lsq", 4, 4), "mlp", "digits", "0" * 64, 1, 1, 0, 64, 0.05, 0.01, True,
                      CimSettings(rows=64, adc_bits=5))
    former = {"rows": 64, "cell_bits": 1, "input_bits_per_pulse": 1, "adc_bits": 5, "adc_range": "fixed",
              "signed_weights": "differential", "noise_sigma": 0.0, "noise_on": "weights", "two_stage": False,
              "stage2_epochs": 10, "stage2_lr": 0.005, "eval_trials": 5}
    inputs = {f.name: getattr(job, f.name) for f in fields(job) if f.name not in ("backend", "data_dir", "train_size",
                                                                                    "test_size")}
    assert job.key == content_key("accuracy", {**inputs, "cim": former})
    analog = replace(job, cim=replace(job.cim, weight_accumulation=WeightAccumulation.ANALOG))
    assert analog.key != job.key
