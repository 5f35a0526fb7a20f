"""``hwcost study run --dry-run`` / ``plan_study``: what a run would price and train, told in
advance and without writing anything (folder, journal, lock, accuracy cache)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from study_support import Counting, fake_accuracy

from hwcost.cli import main
from hwcost.study import expand, load_study, measure_job, run_study
from hwcost.study.journal import JOURNAL_NAME
from hwcost.study.runner import accuracy_jobs, plan_study


def _listing(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder``: (size, mtime in ns)."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


def test_fresh_folder_prices_every_point_and_trains_every_run(write_study: Callable[..., Path], tmp_path: Path) -> None:
    spec = load_study(write_study())
    grid = expand(spec)
    # hand count: a job depends on the scheme (bits, realisations) and the seed, not the array, so
    # the runs are the distinct schemes of the grid times the study's two seeds
    runs = len({g.point.scheme for g in grid.points}) * 2
    plan = plan_study(spec, tmp_path / "fresh")
    assert not plan.journal_exists
    assert (plan.points, plan.points_journaled, plan.points_to_price) == (len(grid.points), 0, len(grid.points))
    assert (plan.runs, plan.runs_journaled, plan.runs_cached, plan.runs_to_train) == (runs, 0, 0, runs)
    assert not (tmp_path / "fresh").exists()
    # the plan is what the run then does: every point priced, every planned run trained, no other
    counting = Counting()
    outcome = run_study(spec, tmp_path / "fresh", measure=counting, progress=False, figures=False)
    assert outcome.points_costed == plan.points_to_price
    assert sorted(counting.calls) == sorted(plan.train_keys)


def test_after_a_run_nothing_is_planned(write_study: Callable[..., Path], tmp_path: Path, private_cache: Path) -> None:
    spec = load_study(write_study())
    folder = tmp_path / "run"
    run_study(spec, folder, measure=fake_accuracy, progress=False, figures=False)
    before, cache_before = _listing(folder), _listing(private_cache)
    plan = plan_study(spec, folder)
    assert plan.journal_exists
    assert (plan.points_to_price, plan.points_journaled) == (0, plan.points)
    assert (plan.runs_journaled, plan.runs_cached, plan.runs_to_train) == (plan.runs, 0, 0)
    assert plan.runs == len(accuracy_jobs(spec, expand(spec).points))
    assert _listing(folder) == before and _listing(private_cache) == cache_before  # read only


def test_a_result_only_in_the_accuracy_cache_is_counted_cached_not_trained(
    write_study: Callable[..., Path], tmp_path: Path, private_cache: Path
) -> None:
    spec = load_study(write_study())
    jobs = accuracy_jobs(spec, expand(spec).points)
    measure_job(jobs[0])  # really trains (digits, 1 + 1 epochs) and caches in the suite's private cache
    cache_before = _listing(private_cache)
    assert cache_before
    plan = plan_study(spec, tmp_path / "fresh")
    assert (plan.runs_journaled, plan.runs_cached, plan.runs_to_train) == (0, 1, len(jobs) - 1)
    assert jobs[0].key not in plan.train_keys
    assert _listing(private_cache) == cache_before  # the look-up wrote no entry
    assert not (tmp_path / "fresh").exists()


def test_cli_dry_run_writes_no_folder(write_study: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "not-yet"
    assert main(["study", "run", str(write_study()), "--out", str(out), "--dry-run"]) == 0
    assert not out.exists()
    text = capsys.readouterr().out
    assert "8 design points" in text and "8 would be priced now" in text
    assert "8 accuracy runs" in text and "8 would TRAIN" in text and "0 in the accuracy cache only" in text


def test_cli_dry_run_on_a_file_is_an_error_naming_out(write_study: Callable[..., Path], tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "plain-file"
    file.write_text("x", encoding="utf-8")
    assert main(["study", "run", str(write_study()), "--out", str(file), "--dry-run"]) == 2
    assert "--out" in capsys.readouterr().err


def test_dry_run_leaves_a_journal_and_its_lock_untouched(write_study: Callable[..., Path], tmp_path: Path) -> None:
    spec = load_study(write_study())
    folder = tmp_path / "run"
    run_study(spec, folder, measure=fake_accuracy, progress=False, figures=False)
    (folder / ".lock").unlink()
    journal = (folder / JOURNAL_NAME).read_bytes()
    # a torn last line, as a killed run leaves it: a run would truncate it, the dry run does not
    (folder / JOURNAL_NAME).write_bytes(journal + b'{"kind": "accur')
    assert main(["study", "run", str(write_study()), "--out", str(folder), "--dry-run"]) == 0
    assert (folder / JOURNAL_NAME).read_bytes() == journal + b'{"kind": "accur'
    assert not (folder / ".lock").exists()


def test_cim_accuracy_only_points_are_planned_as_the_run_measures_them(write_study: Callable[..., Path], tmp_path: Path) -> None:
    """A CIM point refused only for its ADC bits keeps accuracy runs: planned fresh (found by
    pricing in memory) and after the run (read from the journal's refusal record) alike."""
    from test_study_cim import CIM_STUDY

    spec = load_study(write_study(CIM_STUDY))
    folder = tmp_path / "cim"
    plan = plan_study(spec, folder, cached=lambda job: False)
    # hand count: lsq W4A4 on three arrays; the 9-b-ADC macro is refused and keeps its accuracy rows
    assert (plan.points, plan.points_refused, plan.accuracy_only) == (3, 1, 1)
    counting = []

    def measure(job):  # noqa: ANN001, ANN202
        from study_support import fake_cim_accuracy

        counting.append(job.key)
        return fake_cim_accuracy(job)

    outcome = run_study(spec, folder, measure=measure, progress=False, figures=False)
    assert sorted(counting) == sorted(plan.train_keys) and outcome.runs == plan.runs
    assert outcome.accuracy_only == plan.accuracy_only
    again = plan_study(spec, folder, cached=lambda job: False)
    assert (again.accuracy_only, again.runs, again.runs_journaled, again.runs_to_train) == (plan.accuracy_only, plan.runs, plan.runs, 0)


def test_costs_of_another_cost_model_are_planned_to_be_priced_again(write_study: Callable[..., Path], tmp_path: Path) -> None:
    import json

    spec = load_study(write_study())
    folder = tmp_path / "run"
    run_study(spec, folder, measure=fake_accuracy, progress=False, figures=False)
    lines = [json.loads(line) for line in (folder / JOURNAL_NAME).read_text().splitlines()]
    stale = [{**r, "model": "another cost model"} if "model" in r else r for r in lines]
    assert stale != lines
    (folder / JOURNAL_NAME).write_text("".join(json.dumps(r) + "\n" for r in stale))
    plan = plan_study(spec, folder, cached=lambda job: False)
    assert (plan.points_journaled, plan.points_to_price) == (0, plan.points) and plan.ignored_records > 0
    assert (plan.runs_journaled, plan.runs_to_train) == (plan.runs, 0)  # accuracy runs are not cost-derived
