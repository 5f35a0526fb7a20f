"""Running a study: grid -> costs -> accuracies -> tables -> figures -> report.

Pipeline, top to bottom:

1. ``expand``         the study's axes -> design points (and the combinations skipped);
2. ``_cost_phase``    price every point not yet in the journal with one vectorised ``sweep``
                      (a CIM point refused only for its ADC bits keeps an accuracy-only row);
3. ``_accuracy_phase`` measure every (scheme, bits, [CIM macro and variant,] seed) not yet in
                      the journal, in parallel, journaling each result as it completes;
4. ``build_results``  join costs and accuracies (from the journal only, so an interrupted and
                      resumed run gives the same tables as an uninterrupted one);
5. ``pareto_table``   the non-dominated points per objective pair, per workload;
   (with ``uncertainty``: ``hwcost.study.bands`` journals each point's static energy per row,
   adds each point's p10 / p50 / p90 and each row's share of the samples on the fronts;)
6. ``write_outputs``  results.csv, pareto.csv, skipped.csv, study.json, figures (PNG; SVG / PDF
                      when ``formats`` asks), report.md.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm import tqdm

from hwcost.arch.registry import template_of
from hwcost.evaluate import CostCache, sweep
from hwcost.pareto import pareto_table
from hwcost.study.accuracy import AccuracyJob, Measure, in_accuracy_cache, jobs_for, measure_job
from hwcost.study.executors import ExecutorKind, ExecutorSpec, completed, open_executor
from hwcost.errors import HwcostError
from hwcost.study.grid import Grid, GridPoint, Skipped, expand, reason_of, unpriced
from hwcost.study.journal import JOURNAL_NAME, Journal
from hwcost.study.outputs import write_outputs
from hwcost.study.results import build_results, group_columns
from hwcost.study.spec import StudySpec

if TYPE_CHECKING:
    import pandas as pd

    from hwcost.study.figures import FigureFormat

__all__ = ["StudyOutcome", "run_study", "price_grid", "accuracy_only", "accuracy_jobs", "LOCAL_SERIAL",
           "StudyPlan", "plan_study", "in_accuracy_cache"]

LOCAL_SERIAL = ExecutorSpec(ExecutorKind.LOCAL, jobs=1)


@dataclass(frozen=True)
class StudyOutcome:
    """What a run produced, and how much of it this run computed (the rest came from the journal)."""

    folder: Path
    results: "pd.DataFrame"
    pareto: "pd.DataFrame"
    skipped: tuple[Skipped, ...]
    points: int
    points_costed: int
    runs: int
    runs_measured: int
    files: tuple[Path, ...]
    accuracy_only: int = 0  # unpriced CIM points (ADC bits outside the techlib) with accuracy-only rows

    def _repr_html_(self) -> str:
        """Jupyter: the counts, the Pareto-optimal points and the results, as HTML tables (the
        columns carry their units: energy_pj, area_um2, accuracy_measured_pct; long tables are
        cut in the middle)."""
        import html

        head = (f"<p>{self.points} design points in {html.escape(str(self.folder))} ({len(self.skipped)} combinations "
                f"skipped), {self.runs} accuracy runs</p>")
        pareto = self.pareto.to_html(index=False, max_rows=40, float_format=lambda v: f"{v:.6g}", na_rep="")
        results = self.results.to_html(index=False, max_rows=40, float_format=lambda v: f"{v:.6g}", na_rep="")
        return f"<div>{head}<h4>Pareto-optimal points (pareto.csv)</h4>{pareto}<h4>results (results.csv)</h4>{results}</div>"


def _native(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def price_grid(pending: Sequence[GridPoint]) -> tuple["pd.DataFrame | None", list[GridPoint], list[tuple[GridPoint, str]]]:
    """One vectorised sweep of ``pending``: (cost frame, points priced, (point, reason) refused).

    When the sweep refuses (a template that cannot run a scheme, say), the points are tried one
    by one to find which; the others are then swept together. One cost cache serves every
    sweep, so a point's plan is made once however many sweeps it is in.
    """
    cache = CostCache()
    try:
        return sweep([g.point for g in pending], cache), list(pending), []
    except HwcostError:
        pass
    priced, refused = [], []
    for g in pending:
        try:
            sweep([g.point], cache)
            priced.append(g)
        except HwcostError as exc:
            refused.append((g, reason_of(exc)))
    return (sweep([g.point for g in priced], cache) if priced else None), priced, refused


def accuracy_only(g: GridPoint) -> bool:
    """Whether a point the cost model refused keeps an accuracy-only row: one refused only for a
    setting that matters to accuracy alone (a ``cim_macro``'s ADC resolution: the techlib's ADC
    model covers a range of bits, the accuracy side any), i.e. one whose template's cost stand-in
    prices."""
    stand_in = template_of(g.point.arch).cost_stand_in(g.point.arch)
    if stand_in is None:
        return False
    try:
        sweep([replace(g.point, arch=stand_in)])
    except HwcostError:
        return False
    return True


def _cost_phase(grid: Grid, journal: Journal) -> int:
    """Price the points the journal lacks in one sweep, journaled as one batch record; points
    the model refuses are journaled with the reason (and whether they keep an accuracy-only row)."""
    pending = [g for g in grid.points if not (journal.has("costs", g.cost_key) or journal.has("unpriced", g.cost_key))]
    if not pending:
        return 0
    frame, priced, refused = price_grid(pending)
    if frame is not None:
        rows = [[_native(v) for v in row] for row in frame.itertuples(index=False, name=None)]
        journal.append({"kind": "costs", "keys": [g.cost_key for g in priced], "columns": list(frame.columns), "rows": rows})
    if refused:
        keys, rows = [g.cost_key for g, _ in refused], [[r, accuracy_only(g)] for g, r in refused]
        journal.append({"kind": "unpriced", "keys": keys, "columns": ["reason", "accuracy_only"], "rows": rows})
    return len(priced)


def _priced(grid: Grid, journal: Journal, measured: bool) -> tuple[list[GridPoint], list[Skipped], set[str]]:
    """(points with rows, in grid order; refusals; keys of the accuracy-only points among them,
    which exist only when the study ``measured`` accuracies)."""
    priced = [g for g in grid.points if journal.has("costs", g.cost_key)]
    records = {g.cost_key: journal.get("unpriced", g.cost_key) for g in grid.points if not journal.has("costs", g.cost_key)}
    refused = [unpriced(g, records[g.cost_key]["reason"]) for g in grid.points if g.cost_key in records]
    if not priced:
        raise HwcostError.single(f"the cost model priced no design point; the first refusal: {refused[0].reason}", key="archs")
    only = {k for k, r in records.items() if measured and r.get("accuracy_only")}
    return [g for g in grid.points if g.cost_key not in records or g.cost_key in only], refused, only


def accuracy_jobs(spec: StudySpec, points: Sequence[GridPoint]) -> tuple[AccuracyJob, ...]:
    """Every distinct measured-accuracy job of these points, in grid order (a CIM point's
    variants in their order, each with its seeds)."""
    m = spec.accuracy.measured
    if m is None:
        return ()
    jobs = {
        job.key: job
        for g in points
        for variant in m.variants(g.point.arch)
        for job in jobs_for(g.point.scheme, g.point.arch, m, variant)
    }
    return tuple(jobs.values())


def _accuracy_phase(
    jobs: tuple[AccuracyJob, ...], journal: Journal, executor: ExecutorSpec, measure: Measure, progress: bool | None
) -> int:
    pending = [job for job in jobs if not journal.has("accuracy", job.key)]
    if not pending:
        return 0
    disable = None if progress is None else not progress
    with open_executor(executor) as pool, tqdm(total=len(pending), desc="accuracy", unit="run", disable=disable) as bar:
        for job, outcome in completed(pool, measure, pending):
            journal.append(
                {"kind": "accuracy", "key": job.key, **dataclasses.asdict(outcome)}
            )
            bar.update()
    return len(pending)


def cost_records() -> dict[str, str]:
    """The journal's cost-derived record kinds, each tied to the current cost model
    (:mod:`hwcost.study.fingerprint`): rows priced by another model are priced again."""
    from hwcost.study.bands import ROWS_KIND
    from hwcost.study.fingerprint import cost_model_fingerprint

    model = cost_model_fingerprint()
    return {"costs": model, "unpriced": model, ROWS_KIND: model}


def run_study(
    spec: StudySpec,
    folder: str | Path,
    executor: ExecutorSpec = LOCAL_SERIAL,
    measure: Measure = measure_job,
    progress: bool | None = None,
    figures: bool = True,
    formats: "Sequence[FigureFormat] | None" = None,
) -> StudyOutcome:
    """Run (or resume) ``spec`` into ``folder``; ``progress=None`` shows a bar on a terminal only.

    ``measure`` runs one accuracy job; inject another (a top-level, picklable function when the
    executor uses processes or Dask) to test or to plug in other training code. ``figures=False``
    skips drawing (``hwcost study plot`` draws them later); ``formats`` are the figures' file
    formats (default PNG alone; PNG must be among them: report.md embeds it).
    """
    from hwcost import __version__

    formats = _checked_formats(formats)
    folder = Path(folder)
    grid = expand(spec)
    with Journal(folder, {"hwcost": __version__}, cost_records()) as journal:
        costed = _cost_phase(grid, journal)
        points, refused, only = _priced(grid, journal, spec.accuracy.measured is not None)
        skipped = grid.skipped + tuple(refused)
        jobs = accuracy_jobs(spec, points)
        measured = _accuracy_phase(jobs, journal, executor, measure, progress)
        results = build_results(spec, points, journal, only)
        pareto_samples = None
        if spec.uncertainty is not None:
            results, pareto_samples = _with_bands(spec, points, journal, only, results)
        pareto = pareto_table(results, spec.objectives, group_by=group_columns(results), samples=pareto_samples)
        files = write_outputs(folder, spec, results, pareto, skipped, figures, formats)
    return StudyOutcome(folder, results, pareto, skipped, len(points) - len(only), costed, len(jobs), measured, files, len(only))


def _with_bands(spec: StudySpec, points: Sequence[GridPoint], journal: Journal, only: set[str],
                results: "pd.DataFrame") -> tuple["pd.DataFrame", dict[str, np.ndarray]]:
    """The results with their bands and Pareto shares, and each sampled objective per sample and
    row (for pareto.csv's shares): :mod:`hwcost.study.bands`."""
    from hwcost.study import bands

    bands.static_phase(points, journal, only)
    samples = bands.study_samples(spec, points, journal, only)
    rows = bands.row_points(spec, points)
    sampled = bands.objective_samples(results, samples, rows)
    return bands.with_bands(results, spec, group_columns(results), sampled), sampled


def _checked_formats(formats: "Sequence[FigureFormat] | None") -> "tuple[FigureFormat, ...]":
    from hwcost.study.figures import STUDY_FORMATS, FigureFormat

    if formats is None:
        return STUDY_FORMATS
    chosen = tuple(dict.fromkeys(formats))
    if FigureFormat.PNG not in chosen:
        raise HwcostError.single("the figure formats must include png (report.md embeds the PNG)", key="formats")
    return chosen


# --- dry run: what ``run_study`` would do, computed without writing anything ----------------------


@dataclass(frozen=True)
class StudyPlan:
    """What ``run_study(spec, folder)`` would do now (``hwcost study run --dry-run``).

    Design points: ``points`` in the grid (after the combinations the grid skips), of which
    ``points_journaled`` already have a cost record at the current cost model (priced or refused)
    and ``points_to_price`` would be priced now. Accuracy runs: ``runs`` distinct jobs of the
    points with rows, of which ``runs_journaled`` are in the folder's journal,
    ``runs_cached`` are not but are in the accuracy cache ($HWCOST_CACHE_DIR/accuracy: read, not
    trained), and ``runs_to_train`` are in neither and would train:
    ``runs = runs_journaled + runs_cached + runs_to_train``.
    """

    folder: Path
    journal_exists: bool
    points: int
    points_journaled: int
    points_to_price: int
    points_refused: int  # refused by the cost model (journaled or found now), accuracy-only rows included
    accuracy_only: int  # of the refused, those keeping an accuracy-only row
    runs: int
    runs_journaled: int
    runs_cached: int
    runs_to_train: int
    ignored_records: int = 0  # journal records of another cost model (priced again)
    train_keys: tuple[str, ...] = ()  # journal keys of the jobs that would train, in grid order


def _read_journal(folder: Path) -> Journal:
    """The folder's journal indexed read-only, by the rules a run applies (header check,
    cost-model filter, first record of a key wins): :meth:`Journal.read_only`."""
    from hwcost import __version__

    return Journal.read_only(folder, {"hwcost": __version__}, cost_records())


def plan_study(spec: StudySpec, folder: str | Path, cached: Callable[[AccuracyJob], bool] = in_accuracy_cache) -> StudyPlan:
    """What ``run_study(spec, folder)`` would price and train, without writing anything: no
    folder, journal, lock or cache entry. The points the journal lacks are priced in memory
    (as ``hwcost study check`` does) to learn which the cost model refuses, since only points
    with rows have accuracy runs; each job the journal lacks is looked up in the accuracy cache
    with ``cached`` (default :func:`in_accuracy_cache`)."""
    folder = Path(folder)
    grid = expand(spec)
    journal = _read_journal(folder)
    measured = spec.accuracy.measured is not None

    def journaled(g: GridPoint) -> bool:
        return journal.has("costs", g.cost_key) or journal.has("unpriced", g.cost_key)

    pending = [g for g in grid.points if not journaled(g)]
    refusals = price_grid(pending)[2] if pending else []
    refused_now = {g.cost_key: g for g, _ in refusals}
    refused_journaled = {g.cost_key for g in grid.points if journal.has("unpriced", g.cost_key) and not journal.has("costs", g.cost_key)}
    only = {k for k in refused_journaled if measured and journal.get("unpriced", k).get("accuracy_only")}
    only |= {k for k, g in refused_now.items() if measured and accuracy_only(g)}
    refused = refused_journaled | set(refused_now)
    if grid.points and len(refused) == len(grid.points):  # as run_study would (``_priced``)
        first = grid.points[0].cost_key
        reason = journal.get("unpriced", first)["reason"] if first in refused_journaled else refusals[0][1]
        raise HwcostError.single(f"the cost model priced no design point; the first refusal: {reason}", key="archs")
    with_rows = [g for g in grid.points if g.cost_key not in refused or g.cost_key in only]
    jobs = accuracy_jobs(spec, with_rows) if with_rows else ()
    unjournaled = [job for job in jobs if not journal.has("accuracy", job.key)]
    train = [job for job in unjournaled if not cached(job)]
    return StudyPlan(
        folder=folder,
        journal_exists=(folder / JOURNAL_NAME).is_file(),
        points=len(grid.points),
        points_journaled=len(grid.points) - len(pending),
        points_to_price=len(pending),
        points_refused=len(refused),
        accuracy_only=len(only),
        runs=len(jobs),
        runs_journaled=len(jobs) - len(unjournaled),
        runs_cached=len(unjournaled) - len(train),
        runs_to_train=len(train),
        ignored_records=journal.ignored,
        train_keys=tuple(job.key for job in train),
    )
