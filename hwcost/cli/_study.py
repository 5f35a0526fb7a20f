"""``hwcost study``: run a study file, redraw its figures, or check it.

    hwcost study run FILE --out DIR [--jobs N] [--executor local|dask] [--scheduler ADDRESS] [--formats png,svg,pdf] [--dry-run]
    hwcost study plot DIR [--formats png,svg,pdf]
    hwcost study check FILE
"""

from __future__ import annotations

import argparse
import os
import sys

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "study",
        help="sweep schemes x bits x hardware, attach accuracies, find Pareto fronts",
        description="Run a study file (see docs/studies.md): results.csv, pareto.csv, figures, report.md and report.html.",
    )
    sub = p.add_subparsers(dest="study_command", metavar="ACTION", required=True)
    run = sub.add_parser("run", help="run (or resume) a study into a results folder")
    run.add_argument("file", metavar="FILE", help="the study YAML file")
    run.add_argument("--out", metavar="DIR", required=True, help="results folder; an interrupted run resumes from it")
    run.add_argument(
        "--jobs", type=int, help=f"worker processes for measured accuracies (local executor, or dask's local cluster; default: the CPU count, {os.cpu_count()})"
    )
    run.add_argument("--executor", choices=["local", "dask"], default="local",
                     help="where accuracy jobs run (default local); dask without --scheduler starts a local Dask cluster of --jobs workers")
    run.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (with --executor dask)")
    run.add_argument("--no-figures", action="store_true", help="write tables and report only (draw later with 'hwcost study plot')")
    run.add_argument("--formats", metavar="LIST", type=_formats, help=f"figure file formats, comma-separated, png among them: {FORMAT_WORDS} (default png)")
    run.add_argument("--dry-run", action="store_true",
                     help="print what the run would price and train (journal, accuracy cache), then exit; writes nothing")
    run.set_defaults(run=_run)
    plot = sub.add_parser("plot", help="redraw the figures of a results folder")
    plot.add_argument("folder", metavar="DIR", help="a folder written by 'hwcost study run'")
    plot.add_argument("--formats", metavar="LIST", type=_formats, help=f"figure file formats, comma-separated, png among them: {FORMAT_WORDS} (default: those of the run)")
    plot.set_defaults(run=_plot)
    check = sub.add_parser("check", help="check a study file and count its design points")
    check.add_argument("file", metavar="FILE", help="the study YAML file")
    check.set_defaults(run=_check)


FORMAT_WORDS = "png, svg, pdf"  # hwcost.study.figures.FigureFormat (not imported here: start-up stays light)


def _formats(text: str) -> tuple:  # tuple[FigureFormat, ...], imported lazily
    """``png,svg`` -> the formats; argparse reports a ValueError as an invalid --formats value."""
    from hwcost.study.figures import FigureFormat

    words = [w.strip() for w in text.split(",")]
    known = {f.value: f for f in FigureFormat}
    if not words or any(w not in known for w in words) or "png" not in words:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of {FORMAT_WORDS} with png among them (report.md embeds it); got '{text}'")
    return tuple(dict.fromkeys(known[w] for w in words))


def _executor(args: argparse.Namespace):  # noqa: ANN202 - ExecutorSpec, imported lazily
    from hwcost.errors import HwcostError
    from hwcost.study import ExecutorKind, ExecutorSpec

    kind = ExecutorKind(args.executor)
    if kind is ExecutorKind.DASK and args.scheduler and args.jobs is not None:
        raise HwcostError.single("--jobs does not apply with --scheduler: the Dask cluster's workers set the parallelism", key="--jobs")
    jobs = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
    return ExecutorSpec(kind, jobs=1 if args.scheduler else jobs, scheduler=args.scheduler)


def _run(args: argparse.Namespace) -> int:
    from hwcost.study import load_study, run_study

    executor = _executor(args)
    spec = load_study(args.file)
    if args.dry_run:
        return _dry_run(spec, args.out)
    _results_folder(args.out)
    outcome = run_study(spec, args.out, executor=executor, figures=not args.no_figures, formats=args.formats)
    print(
        f"study '{spec.name}': {outcome.points} design points ({outcome.points_costed} costed now), "
        f"{outcome.runs} accuracy runs ({outcome.runs_measured} measured now, the rest from the journal)"
    )
    if outcome.skipped:
        print(f"{len(outcome.skipped)} combinations skipped (reasons in {args.out}/skipped.csv)")
    if outcome.accuracy_only:
        print(f"{outcome.accuracy_only} of them kept accuracy-only rows (CIM ADC bits the technology library cannot price)")
    print(f"wrote {args.out}/results.csv, pareto.csv, report.md, report.html and {args.out}/figures/")
    return 0


def _dry_run(spec, out: str) -> int:  # noqa: ANN001 - StudySpec, imported lazily
    """Print ``plan_study``'s counts, each with its reason; nothing is written (no folder either)."""
    from pathlib import Path

    from hwcost.errors import HwcostError
    from hwcost.study.runner import plan_study

    path = Path(out)
    if path.exists() and not path.is_dir():
        raise HwcostError.single(f"{out} exists and is not a folder", key="--out")
    plan = plan_study(spec, path)
    where = f"{out}/journal.jsonl" if plan.journal_exists else f"no journal in {out} yet"
    print(f"study '{spec.name}' dry run ({where}); nothing written")
    print(f"  {plan.points} design points")
    print(f"    {plan.points_journaled} in the journal at the current cost model: not priced again")
    stale = f"; {plan.ignored_records} journal records of another cost model are ignored" if plan.ignored_records else ""
    print(f"    {plan.points_to_price} would be priced now: not in the journal at the current cost model{stale}")
    if plan.points_refused:
        kept = f", {plan.accuracy_only} of them keep accuracy-only rows (ADC bits the technology library cannot price)" if plan.accuracy_only else ""
        print(f"    {plan.points_refused} refused by the cost model{kept}")
    print(f"  {plan.runs} accuracy runs")
    print(f"    {plan.runs_journaled} in the journal: read from it")
    print(f"    {plan.runs_cached} in the accuracy cache only: read from the cache, not trained")
    print(f"    {plan.runs_to_train} would TRAIN: in neither the journal nor the accuracy cache")
    return 0


def _results_folder(text: str) -> None:
    """Create the ``--out`` folder (or find it there); anything else is an error naming --out."""
    from pathlib import Path

    from hwcost.errors import HwcostError

    path = Path(text)
    if path.exists() and not path.is_dir():
        raise HwcostError.single(f"{text} exists and is not a folder", key="--out")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HwcostError.single(f"cannot create the folder {text} ({exc.strerror or exc.__class__.__name__})",
                                 key="--out") from None


def _plot(args: argparse.Namespace) -> int:
    from hwcost.study import redraw

    files = redraw(args.folder, args.formats)
    print("\n".join(str(f) for f in files))
    return 0


def _check(args: argparse.Namespace) -> int:
    from hwcost.study import expand, load_study
    from hwcost.study.grid import unpriced
    from hwcost.study.runner import accuracy_jobs, accuracy_only, price_grid

    spec = load_study(args.file)
    grid = expand(spec)
    _, priced, refused = price_grid(grid.points)
    skipped = list(grid.skipped) + [unpriced(g, reason) for g, reason in refused]
    only = [g for g, _ in refused if spec.accuracy.measured is not None and accuracy_only(g)]
    jobs = accuracy_jobs(spec, priced + only)
    kept = f" ({len(only)} of them kept accuracy-only)" if only else ""
    print(f"study '{spec.name}' is valid: {len(priced)} design points, {len(skipped)} combinations skipped{kept}, {len(jobs)} accuracy runs")
    for s in skipped:
        where = "" if s.arch == "*" else f" on {s.arch}/{s.node}/{s.workload}"
        what = f"{s.scheme} W{s.weight_bits}A{s.act_bits} zero_point={s.zero_point} scale_at={s.scale_at}{where}"
        print(f"  skipped {what}: {s.reason}", file=sys.stderr)
    return 0
