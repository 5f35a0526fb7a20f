"""Running studies: outputs, determinism, resuming after a crash or a kill, executors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from study_support import SMALL, Counting, fake_accuracy

from hwcost.cli import main
from hwcost.errors import HwcostError
from hwcost.pareto import pareto_table
from hwcost.study import ExecutorKind, ExecutorSpec, load_study, run_study
from hwcost.study.journal import JOURNAL_NAME
from hwcost.study.plots import PNG_AND_SVG, FigureFormat

TABLES = ("results.csv", "pareto.csv", "skipped.csv", "report.md", "study.json")


def _tables(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in TABLES}


def _journal_keys(folder: Path, kind: str) -> list[str]:
    lines = (folder / JOURNAL_NAME).read_text().splitlines()
    records = [json.loads(line) for line in lines if line.endswith("}")]
    return [r["key"] for r in records if r["kind"] == kind]


@pytest.fixture
def reference(write_study: Callable[..., Path], tmp_path: Path) -> Path:
    """The small study run once, uninterrupted, in-process."""
    run_study(load_study(write_study()), tmp_path / "reference", measure=fake_accuracy, progress=False, figures=False)
    return tmp_path / "reference"


def test_outputs(reference: Path) -> None:
    results = pd.read_csv(reference / "results.csv")
    assert len(results) == 8
    assert list(results.columns[:8]) == ["scheme", "weight_bits", "act_bits", "zero_point", "scale_at", "arch", "node", "workload"]
    assert {"accuracy_measured_pct", "accuracy_measured_sd_pct", "integer_accuracy_measured_pct", "accuracy_table_pct", "energy_pj", "area_um2"} <= set(results.columns)
    for _, row in results.iterrows():  # each seed's accuracy, whose mean is the column's
        by_seed = [float(a) for a in row.accuracy_measured_by_seed_pct.split(";")]
        assert len(by_seed) == row.seeds and sum(by_seed) / len(by_seed) == pytest.approx(row.accuracy_measured_pct, abs=1e-4)
    assert results["seeds"].eq(2).all()
    # mean over seeds 0 and 1 of the fake (which subtracts 0.1 per seed unit)
    lsq2 = results[(results.scheme == "lsq") & (results.weight_bits == 2)].iloc[0]
    assert lsq2.accuracy_measured_pct == pytest.approx(97.0 - 30 / 4 - 0.05 - 0.6)
    pareto = pd.read_csv(reference / "pareto.csv")
    spec_objectives = load_study(reference.parent / "study.yaml").objectives
    expected = pareto_table(results, spec_objectives, group_by=["workload"])
    pd.testing.assert_frame_equal(pareto.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False)
    report = (reference / "report.md").read_text()
    assert "## Pareto-optimal points" in report and "asymmetric" in report and "weight zero-point" in report
    assert len(pd.read_csv(reference / "skipped.csv")) == 2


def test_second_run_recomputes_nothing_and_writes_the_same(write_study: Callable[..., Path], reference: Path) -> None:
    before = _tables(reference)
    measure = Counting()
    outcome = run_study(load_study(write_study()), reference, measure=measure, progress=False, figures=False)
    assert measure.calls == [] and outcome.points_costed == 0 and outcome.runs_measured == 0
    assert _tables(reference) == before


def test_resume_after_a_crash_gives_identical_tables(write_study: Callable[..., Path], reference: Path, tmp_path: Path) -> None:
    spec = load_study(write_study())
    out = tmp_path / "crashed"
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_study(spec, out, measure=Counting(fail_after=3), progress=False, figures=False)
    assert len(_journal_keys(out, "accuracy")) == 3 and not (out / "results.csv").exists()
    resumed = Counting()
    outcome = run_study(spec, out, measure=resumed, progress=False, figures=False)
    assert outcome.points_costed == 0 and len(resumed.calls) == outcome.runs - 3
    assert not set(resumed.calls) & set(_journal_keys(out, "accuracy")[:3])
    keys = _journal_keys(out, "accuracy")
    assert len(keys) == len(set(keys)) == outcome.runs
    assert _tables(out) == _tables(reference)


KILL_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[3])
from study_support import slow_fake_accuracy
from hwcost.study import ExecutorKind, ExecutorSpec, load_study, run_study
run_study(load_study(sys.argv[1]), sys.argv[2], executor=ExecutorSpec(ExecutorKind.LOCAL, jobs=2),
          measure=slow_fake_accuracy, progress=False, figures=False)
"""


def test_resume_after_a_kill_gives_identical_tables(write_study: Callable[..., Path], reference: Path, tmp_path: Path) -> None:
    study, out = write_study(), tmp_path / "killed"
    # the third call and later never return: the run has exactly two results when it is killed
    calls = tmp_path / "calls"
    calls.mkdir()
    env = dict(os.environ, FAKE_DELAY_S="0.1", FAKE_CALLS_DIR=str(calls), FAKE_BLOCK_AFTER="2")
    process = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(study), str(out), str(Path(__file__).parent)], env=env, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if (out / JOURNAL_NAME).exists() and len(_journal_keys(out, "accuracy")) >= 2:
            break
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)  # the run and its worker processes, mid-flight
    process.wait()
    done = _journal_keys(out, "accuracy")
    assert len(done) == 2, "the run must be killed part-way, after its first two results"
    resumed = Counting()
    outcome = run_study(load_study(study), out, measure=resumed, progress=False, figures=False)
    assert len(resumed.calls) == outcome.runs - len(done) and not set(resumed.calls) & set(done)
    keys = _journal_keys(out, "accuracy")
    assert len(keys) == len(set(keys)) == outcome.runs
    assert _tables(out) == _tables(reference)


def test_worker_processes_give_the_same_tables(write_study: Callable[..., Path], reference: Path, tmp_path: Path) -> None:
    run_study(load_study(write_study()), tmp_path / "pool", ExecutorSpec(ExecutorKind.LOCAL, jobs=2), measure=fake_accuracy, progress=False, figures=False)
    assert _tables(tmp_path / "pool") == _tables(reference)


def test_dask_cluster_gives_the_same_tables(write_study: Callable[..., Path], reference: Path, tmp_path: Path) -> None:
    import distributed  # hwcost[dask], in the dev extra: CI runs this, never skips it
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        executor = ExecutorSpec(ExecutorKind.DASK, jobs=1, scheduler=cluster.scheduler_address)
        outcome = run_study(load_study(write_study()), tmp_path / "dask", executor, measure=fake_accuracy, progress=False, figures=False)
    assert outcome.runs_measured == 8
    assert _tables(tmp_path / "dask") == _tables(reference)


def test_dask_without_a_scheduler_starts_a_local_cluster(write_study: Callable[..., Path], reference: Path, tmp_path: Path) -> None:
    # --executor dask without --scheduler: a LocalCluster of two worker processes, started and
    # closed by the run; tables byte-identical to the in-process run and to the process pool.
    outcome = run_study(load_study(write_study()), tmp_path / "local", ExecutorSpec(ExecutorKind.DASK, jobs=2), measure=fake_accuracy,
                        progress=False, figures=False)
    assert outcome.runs_measured == 8
    assert _tables(tmp_path / "local") == _tables(reference)
    run_study(load_study(write_study()), tmp_path / "pool", ExecutorSpec(ExecutorKind.LOCAL, jobs=2), measure=fake_accuracy, progress=False, figures=False)
    assert _tables(tmp_path / "local") == _tables(tmp_path / "pool")


def test_points_the_cost_model_refuses_are_skipped(write_study: Callable[..., Path], tmp_path: Path) -> None:
    text = SMALL.replace("[lsq, asymmetric]", "[lsq, pact]").replace("    name: ws\n    pe_rows: [8, 16]", "  - template: cim")
    outcome = run_study(load_study(write_study(text)), tmp_path / "cim", measure=fake_accuracy, progress=False, figures=False)
    refused = [s for s in outcome.skipped if s.arch == "cim_macro"]
    assert [(s.scheme, s.weight_bits) for s in refused] == [("pact", 2), ("pact", 4)]
    assert "floating point" in refused[0].reason
    assert set(outcome.results["arch"]) == {"mac_array", "cim_macro"} and len(outcome.results) == 6


def test_figures_and_plot_command(write_study: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = SMALL.replace("bits: [2, 4]", "bits: [4]").replace("pe_rows: [8, 16]", "pe_rows: 16")
    out = tmp_path / "figs"
    outcome = run_study(load_study(write_study(text)), out, measure=fake_accuracy, progress=False, formats=PNG_AND_SVG)
    names = sorted(p.name for p in (out / "figures").iterdir())
    assert names == sorted(
        f"{stem}.{ext}"
        for stem in ("pareto_accuracy_measured_pct_vs_energy_pj", "pareto_accuracy_measured_pct_vs_area_um2", "pareto_area_um2_vs_energy_pj", "energy_breakdown", "area_breakdown",
                     "overhead")
        for ext in ("png", "svg")
    )
    assert "![pareto_accuracy_measured_pct_vs_energy_pj](figures/pareto_accuracy_measured_pct_vs_energy_pj.png)" in (out / "report.md").read_text()
    svg = (out / "figures" / "energy_breakdown.svg").read_bytes()
    for f in (out / "figures").iterdir():
        f.unlink()
    assert main(["study", "plot", str(out)]) == 0
    assert len(list((out / "figures").glob("*.png"))) == 6
    assert (out / "figures" / "energy_breakdown.svg").read_bytes() == svg  # redrawn identically
    assert len(outcome.files) > 10
    assert main(["study", "plot", str(tmp_path)]) == 2
    assert "not a study results folder" in capsys.readouterr().err


def test_figures_are_png_unless_asked(write_study: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Each format is one full draw: a study writes PNG alone by default (issue 20), SVG / PDF on request.
    text = SMALL.replace("bits: [2, 4]", "bits: [4]").replace("pe_rows: [8, 16]", "pe_rows: 16")
    out = tmp_path / "png"
    outcome = run_study(load_study(write_study(text)), out, measure=fake_accuracy, progress=False)
    figures = [f for f in outcome.files if f.parent.name == "figures"]
    assert len(figures) == 6 and {f.suffix for f in figures} == {".png"}
    assert json.loads((out / "study.json").read_text())["figure_formats"] == ["png"]
    assert main(["study", "plot", str(out), "--formats", "png,pdf"]) == 0
    assert len(list((out / "figures").glob("*.pdf"))) == 6 and not list((out / "figures").glob("*.svg"))
    assert (out / "figures" / "overhead.pdf").read_bytes()[:5] == b"%PDF-"
    with pytest.raises(SystemExit):
        main(["study", "plot", str(out), "--formats", "svg"])
    assert "--formats: expected a comma-separated list of png, svg, pdf with png among them" in capsys.readouterr().err
    with pytest.raises(HwcostError, match="must include png"):
        run_study(load_study(write_study(text)), out, measure=fake_accuracy, progress=False, formats=(FigureFormat.SVG,))


def test_cli_run_with_measured_accuracy(write_study: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """End to end through the command with real (tiny) quantization-aware training."""
    text = (
        SMALL.replace("[lsq, asymmetric]", "[lsq]").replace("bits: [2, 4]", "bits: [4]").replace("pe_rows: [8, 16]", "pe_rows: 16")
        .replace("epochs: 1, fp_epochs: 1, seeds: [0, 1]", "epochs: 0, fp_epochs: 1, seeds: [0]")
    )
    out = tmp_path / "cli"
    assert main(["study", "run", str(write_study(text)), "--out", str(out), "--jobs", "1", "--no-figures"]) == 0
    assert "1 design points (1 costed now), 1 accuracy runs (1 measured now" in capsys.readouterr().out
    row = pd.read_csv(out / "results.csv").iloc[0]
    assert 50.0 < row.accuracy_measured_pct <= 100.0 and 50.0 < row.fp_accuracy_measured_pct <= 100.0


def test_a_run_after_the_cost_model_changed_prices_again_and_keeps_the_accuracies(
        write_study: Callable[..., Path], reference: Path, tmp_path: Path) -> None:
    # a journal whose cost rows were written by another cost model (its fingerprint differs, as
    # after a change to the SRAM table): its points are priced again, its accuracy results kept
    from hwcost.study.fingerprint import cost_model_fingerprint

    study, out = write_study(), tmp_path / "resumed"
    first = run_study(load_study(study), out, measure=fake_accuracy, progress=False, figures=False)
    lines = (out / JOURNAL_NAME).read_text().splitlines()
    records = [json.loads(line) for line in lines]
    costs = [r for r in records if r["kind"] in ("costs", "unpriced")]
    assert costs and all(r["model"] == cost_model_fingerprint() for r in costs)
    stale = [dict(r, model="another model") if r["kind"] in ("costs", "unpriced") else r for r in records]
    (out / JOURNAL_NAME).write_text("".join(json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n" for r in stale))
    resumed = Counting()
    again = run_study(load_study(study), out, measure=resumed, progress=False, figures=False)
    assert again.points_costed == first.points_costed == first.points and resumed.calls == []
    assert _tables(out) == _tables(reference)
    # and a third run finds everything: nothing priced, nothing measured
    third = run_study(load_study(study), out, measure=Counting(), progress=False, figures=False)
    assert (third.points_costed, third.runs_measured) == (0, 0)


def test_a_forked_worker_does_not_keep_the_folder_locked(tmp_path: Path) -> None:
    # A worker forked while a run holds its folder's lock (the process pool's) closes its copy:
    # once the run is gone, a worker still alive does not keep the folder locked.
    from hwcost.study.journal import Journal

    ready_r, ready_w = os.pipe()
    stop_r, stop_w = os.pipe()
    with Journal(tmp_path, {}):
        pid = os.fork()
        if pid == 0:  # the worker: running (its fork hooks done), it outlives the run until told
            os.write(ready_w, b"r")
            os.read(stop_r, 1)
            os._exit(0)
        os.read(ready_r, 1)
    try:
        with Journal(tmp_path, {}):  # the run is over; its worker is still alive
            pass
    finally:
        os.write(stop_w, b"s")
        os.waitpid(pid, 0)
        for fd in (ready_r, ready_w, stop_r, stop_w):
            os.close(fd)
