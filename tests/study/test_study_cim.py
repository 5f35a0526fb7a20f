"""CIM-aware accuracy in studies: a cim_macro point is measured on its own macro under each
combination of the accuracy-only settings (``accuracy.measured.cim``), a MAC point once,
digitally; the settings are results columns and part of the journal keys; ADC bits the techlib
cannot price keep accuracy-only rows. Accuracy is a fast injected fake, nothing is trained."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from study_support import fake_cim_accuracy

from hwcost.arch.cim_macro.config import SignedWeights
from hwcost.cli import main
from hwcost.errors import HwcostError
from hwcost.schemes import get_scheme
from hwcost.study import load_study, run_study
from hwcost.study.accuracy import AccuracyJob, AccuracyOutcome
from hwcost.study.figures import select
from hwcost.study.journal import JOURNAL_NAME
from hwcost.accuracy import AdcRange, NoiseTarget

CIM_STUDY = """\
name: tiny_cim
schemes: [lsq]
bits: [4]
archs:
  - template: cim_macro
    name: cim
    rows: 64
    signed_weights: offset
    adc_bits: [9, 5]  # 9 b: beyond the column readouts' 1-8 b, so accuracy-only
  - template: mac_array
    name: mac
nodes: [45nm]
workloads: [resnet20]
accuracy:
  source: measured
  measured:
    model: mlp
    dataset: digits
    epochs: 1
    fp_epochs: 1
    seeds: [0, 1]
    cim:
      adc_range: [fixed, flexible]
      noise_sigma: [0.0, 0.1]
      noise_on: weights
      two_stage: [false, true]
      stage2_epochs: 3
      stage2_lr: 0.002
objectives:
  - maximise: accuracy_measured_pct
  - minimise: energy_pj
"""

CIM_VALUES = ["cim_adc_range", "cim_noise_sigma", "cim_noise_on", "cim_two_stage", "cim_stage2_epochs"]


class Recorder:
    """In-process measure that keeps every job it is given."""

    def __init__(self) -> None:
        self.jobs: list[AccuracyJob] = []

    def __call__(self, job: AccuracyJob) -> AccuracyOutcome:
        self.jobs.append(job)
        return fake_cim_accuracy(job)


def _run(path: Path, out: Path) -> tuple[Recorder, pd.DataFrame]:
    recorder = Recorder()
    outcome = run_study(load_study(path), out, measure=recorder, progress=False, figures=False)
    return recorder, outcome.results


def test_cim_settings_reach_the_job_from_the_arch_and_the_axes(write_study: Callable[..., Path], tmp_path: Path) -> None:
    recorder, results = _run(write_study(CIM_STUDY), tmp_path / "out")
    cim_jobs = [j for j in recorder.jobs if j.cim is not None]
    digital = [j for j in recorder.jobs if j.cim is None]
    # 2 ADC widths x 2 ranges x 2 noise levels x 2 trainings x 2 seeds; the MAC array once per seed
    assert len(cim_jobs) == 32 and len(digital) == 2 and len({j.key for j in recorder.jobs}) == 34
    for job in cim_jobs:
        c = job.cim
        assert (c.rows, c.cell_bits, c.input_bits_per_pulse, c.signed_weights) == (64, 1, 1, SignedWeights.OFFSET)  # the arch's
        assert c.adc_bits in (9, 5) and c.stage2_lr == (0.002 if c.two_stage else 0.005) and c.eval_trials == 5
        assert c.noise_on is NoiseTarget.WEIGHTS and c.stage2_epochs == (3 if c.two_stage else 10)
    seen = {(j.cim.adc_bits, j.cim.adc_range, j.cim.noise_sigma, j.cim.two_stage) for j in cim_jobs}
    assert seen == {(b, r, s, t) for b in (9, 5) for r in AdcRange for s in (0.0, 0.1) for t in (False, True)}
    # one row per CIM variant (9-bit ADC points too, accuracy-only), one for the MAC array
    assert len(results) == 2 * 8 + 1
    assert list(results.columns[8:13]) == CIM_VALUES
    mac = results[results.arch == "mac"].iloc[0]
    assert (mac.cim_adc_range, mac.cim_noise_sigma, mac.cim_noise_on, mac.cim_two_stage, mac.cim_stage2_epochs) == ("none", 0.0, "none", False, 0)
    assert mac.accuracy_measured_pct == pytest.approx(97.95) and math.isnan(mac.digital_accuracy_measured_pct)
    row = results[(results.arch == "cim(adc_bits=5)") & (results.cim_adc_range == "flexible") & (results.cim_noise_sigma == 0.1)
                  & results.cim_two_stage.astype(bool)].iloc[0]
    expected = [fake_cim_accuracy(j).accuracy_pct for j in cim_jobs
                if j.cim.adc_bits == 5 and j.cim.adc_range is AdcRange.FLEXIBLE and j.cim.noise_sigma == 0.1 and j.cim.two_stage]
    assert row.accuracy_measured_pct == pytest.approx(sum(expected) / 2) and row.cim_noise_on == "weights" and row.cim_stage2_epochs == 3
    assert row.digital_accuracy_measured_pct == pytest.approx(97.0)


def test_adc_bits_the_techlib_cannot_price_keep_accuracy_only_rows(write_study: Callable[..., Path], tmp_path: Path) -> None:
    _, results = _run(write_study(CIM_STUDY), tmp_path / "out")
    three = results[results.arch == "cim(adc_bits=9)"]
    assert len(three) == 8 and three.energy_pj.isna().all() and three.area_um2.isna().all()
    assert three.accuracy_measured_pct.notna().all() and (three.adc_bits == 9).all()
    assert three.filter(like="energy_pj.").isna().all().all()  # no made-up zero breakdown
    skipped = pd.read_csv(tmp_path / "out" / "skipped.csv")
    assert list(skipped.arch) == ["cim(adc_bits=9)"] and "adc" in skipped.reason[0] and "[1, 8]" in skipped.reason[0]
    pareto = pd.read_csv(tmp_path / "out" / "pareto.csv")
    assert "cim(adc_bits=9)" not in set(pareto.arch)


def test_fronts_are_per_noise_level_and_the_mac_array_is_noise_free(write_study: Callable[..., Path], tmp_path: Path) -> None:
    _, results = _run(write_study(CIM_STUDY), tmp_path / "out")
    pareto = pd.read_csv(tmp_path / "out" / "pareto.csv", keep_default_na=False)
    front = pareto[pareto.front == "accuracy_measured_pct vs energy_pj"]
    # the only priced CIM width (5 bits) is the cheapest point: its best variant tops each noise level's front
    for sigma in (0.0, 0.1):
        level = results[(results.cim_noise_sigma == sigma) & (results.arch == "cim(adc_bits=5)")]
        on = front[front.cim_noise_sigma == sigma]
        assert on.accuracy_measured_pct.max() == pytest.approx(level.accuracy_measured_pct.max())
        assert set(on.arch) <= {"cim(adc_bits=5)", "mac"}
    assert set(front[front.cim_noise_sigma == 0.1].cim_noise_on) == {"weights"}
    assert "mac" not in set(front[front.cim_noise_sigma == 0.1].arch)  # noise-free: in the noise-free front only
    meta = json.loads((tmp_path / "out" / "study.json").read_text())
    assert meta["group_by"] == ["workload", "cim_noise_on", "cim_noise_sigma"]


def test_journal_keys_hold_every_cim_setting(write_study: Callable[..., Path], tmp_path: Path) -> None:
    path = write_study(CIM_STUDY)
    out = tmp_path / "out"
    _run(path, out)
    again, _ = _run(path, out)
    assert again.jobs == []  # resumed: nothing measured twice
    # a changed accuracy-only setting is a new job; the unchanged ones (and the MAC array) are reused
    changed, results = _run(write_study(CIM_STUDY.replace("stage2_epochs: 3", "stage2_epochs: 4")), out)
    assert len(changed.jobs) == 16 and all(j.cim is not None and j.cim.two_stage for j in changed.jobs)
    assert (results[results.cim_two_stage.astype(bool)].cim_stage2_epochs == 4).all()
    changed, _ = _run(write_study(CIM_STUDY.replace("stage2_lr: 0.002", "stage2_lr: 0.003")), out)
    assert len(changed.jobs) == 16  # the learning rate of stage 2 is in the key too (of two-stage runs only)
    changed, _ = _run(write_study(CIM_STUDY.replace("signed_weights: offset", "signed_weights: digital")), out)
    assert len(changed.jobs) == 32 and all(j.cim.signed_weights is SignedWeights.DIGITAL for j in changed.jobs)
    records = [json.loads(line) for line in (out / JOURNAL_NAME).read_text().splitlines()]
    keys = [r["key"] for r in records if r["kind"] == "accuracy"]
    assert len(keys) == len(set(keys)) == 34 + 16 + 16 + 32


def test_a_digital_jobs_key_did_not_change() -> None:
    """MAC-array jobs keep the key they had before CIM jobs existed (their journals stay valid).
    The key moved once since, on purpose: the scheme gained bn_realisation and m0_bits auto
    (issue 19), which change the integer-only accuracy a job measures."""
    job = AccuracyJob(get_scheme("lsq", 4, 4), "mlp", "digits", "", 10, 20, 0, 64, 0.05, 0.01, True)
    assert job.key == "accuracy-151d2384952d5d7075c99d88781da834"


def test_without_cim_axes_a_cim_point_is_measured_once_per_seed_on_its_macro(write_study: Callable[..., Path], tmp_path: Path) -> None:
    text = CIM_STUDY[: CIM_STUDY.index("    cim:\n")] + CIM_STUDY[CIM_STUDY.index("objectives:"):]
    recorder, results = _run(write_study(text), tmp_path / "out")
    assert len(recorder.jobs) == 2 * 2 + 2
    for job in (j for j in recorder.jobs if j.cim is not None):
        assert (job.cim.adc_range, job.cim.noise_sigma, job.cim.two_stage) == (AdcRange.FIXED, 0.0, False)
    assert len(results) == 3 and list(results.columns[8:13]) == CIM_VALUES


def test_mac_only_studies_have_no_cim_columns(write_study: Callable[..., Path], tmp_path: Path) -> None:
    from study_support import SMALL, fake_accuracy

    out = run_study(load_study(write_study(SMALL)), tmp_path / "o", measure=fake_accuracy, progress=False, figures=False)
    assert not {c for c in out.results.columns if c.startswith("cim_")} and "digital_accuracy_measured_pct" not in out.results.columns


def test_check_counts_accuracy_only_points(write_study: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["study", "check", str(write_study(CIM_STUDY))]) == 0
    captured = capsys.readouterr()
    assert "2 design points, 1 combinations skipped (1 of them kept accuracy-only), 34 accuracy runs" in captured.out
    assert "column_adc (readout=sar): bits = 9 is not valid" in captured.err


BAD = [
    ("      stage2_lr: 0.002\n", "      stage2_lr: 0.002\n      adc_rnage: fixed\n", "accuracy.measured.cim.adc_rnage", "unknown key 'adc_rnage'; valid keys: adc_range"),
    # A macro key under accuracy.measured.cim: it belongs to the study's cim_macro arch.
    ("      stage2_lr: 0.002\n", "      stage2_lr: 0.002\n      rows: 64\n", "accuracy.measured.cim.rows",
     "'rows' is a key of the cim_macro arch, not of accuracy.measured.cim: set it on the study's cim_macro entry under 'archs'"),
    ("      stage2_lr: 0.002\n", "      stage2_lr: 0.002\n      adc_bits: [4, 5]\n", "accuracy.measured.cim.adc_bits",
     "'adc_bits' is a key of the cim_macro arch"),
    ("adc_range: [fixed, flexible]", "adc_range: [fixed, wide]", "accuracy.measured.cim.adc_range[1]", "expected one of fixed, flexible"),
    ("noise_sigma: [0.0, 0.1]", "noise_sigma: [0.0, 1.5]", "accuracy.measured.cim.noise_sigma[1]", "expected a number <= 1"),
    ("noise_sigma: [0.0, 0.1]", "noise_sigma: [0.1, 0.1]", "accuracy.measured.cim.noise_sigma", "values must be distinct"),
    ("noise_sigma: [0.0, 0.1]", "noise_sigma: []", "accuracy.measured.cim.noise_sigma", "non-empty list"),
    ("noise_on: weights", "noise_on: cells", "accuracy.measured.cim.noise_on", "expected one of weights, psum"),
    ("two_stage: [false, true]", "two_stage: [0, 1]", "accuracy.measured.cim.two_stage[0]", "expected true or false"),
    ("stage2_epochs: 3", "stage2_epochs: 0", "accuracy.measured.cim.stage2_epochs", "expected an integer >= 1"),
    ("stage2_lr: 0.002", "stage2_lr: [0.002, 0.01]", "accuracy.measured.cim.stage2_lr", "expected a number"),
    (CIM_STUDY[CIM_STUDY.index("    cim:\n"):CIM_STUDY.index("objectives:")], "    cim: fixed\n", "accuracy.measured.cim", "expected a mapping"),
    ("  - template: cim_macro\n    name: cim\n    rows: 64\n    signed_weights: offset\n    adc_bits: [9, 5]  # 9 b: beyond the column readouts' 1-8 b, so accuracy-only\n", "",
     "accuracy.measured.cim", "'cim' is unused: no architecture of the study is a cim_macro"),
]


def test_a_macro_key_and_an_unknown_key_are_both_reported(write_study: Callable[..., Path],
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = write_study(CIM_STUDY.replace("      stage2_lr: 0.002\n", "      stage2_lr: 0.002\n      rows: 64\n      adc_rnage: fixed\n"))
    assert main(["study", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "accuracy.measured.cim.rows: 'rows' is a key of the cim_macro arch" in err
    assert "accuracy.measured.cim.adc_rnage: unknown key 'adc_rnage'" in err and "'rows'" not in err.split("adc_rnage")[-1]


@pytest.mark.parametrize(("old", "new", "key", "message"), BAD, ids=[b[2] + ":" + b[3][:20] for b in BAD])
def test_bad_cim_settings_exit_2_naming_the_key(
    old: str, new: str, key: str, message: str, write_study: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert old in CIM_STUDY
    path = write_study(CIM_STUDY.replace(old, new))
    assert main(["study", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hwcost: error: ") and "Traceback" not in err
    line = next(line for line in err.splitlines() if f": {key}: " in line)
    assert message in line and f"{path}:" in line  # file, line and key


def test_figures_select_and_group_by_cim_columns(write_study: Callable[..., Path], tmp_path: Path) -> None:
    figures = """\
figures:
  - name: acc
    kind: bars
    column: [accuracy_measured_pct, digital_accuracy_measured_pct]
    where: {cim_noise_sigma: 0}
    x: adc_bits
    hue: [cim_adc_range, cim_two_stage]
  - name: front
    kind: pareto
    objectives: [{maximise: accuracy_measured_pct}, {minimise: energy_pj}]
    hue: [cim_adc_range, cim_two_stage]
    label: adc_bits
"""
    spec = load_study(write_study(CIM_STUDY + figures))
    run_study(spec, tmp_path / "out", measure=fake_cim_accuracy, progress=False)
    acc = pd.read_csv(tmp_path / "out" / "figures" / "acc.csv")
    assert len(acc) == 9 and set(acc.adc_bits) == {0, 9, 5}  # noise-free variants and the MAC array (0: no ADC)
    front = pd.read_csv(tmp_path / "out" / "figures" / "front.csv")
    assert {"cim_noise_sigma", "on_front"} <= set(front.columns) and front.on_front.any()
    assert main(["study", "plot", str(tmp_path / "out")]) == 0


def test_cim_figure_columns_need_cim_points(write_study: Callable[..., Path]) -> None:
    from study_support import SMALL

    bad = SMALL + "figures:\n  - {name: a, kind: bars, column: energy_pj, x: adc_bits}\n"
    with pytest.raises(HwcostError) as info:
        load_study(write_study(bad))
    assert any(p.key == "figures[0].x" and "expected one of" in p.message for p in info.value.problems)


def test_select_compares_numbers_as_numbers() -> None:
    frame = pd.DataFrame({"cim_noise_sigma": [0.0, 0.1, 0.0], "cim_adc_range": ["fixed", "flexible", "none"]})
    assert list(select(frame, ((("cim_noise_sigma", ("0",)),),)).index) == [0, 2]
    assert list(select(frame, ((("cim_noise_sigma", ("0.1",)), ("cim_adc_range", ("flexible",))),)).index) == [1]
