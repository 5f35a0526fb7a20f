"""Studies: sweep schemes, bits, realisations, accelerators, nodes and workloads; attach
accuracies; find the accuracy-vs-cost Pareto fronts; write tables, figures and a report.

>>> from hwcost.study import load_study, run_study        # doctest: +SKIP
>>> outcome = run_study(load_study("studies/sample.yaml"), "out/sample")   # doctest: +SKIP

The file format is in ``docs/studies.md``; ``hwcost study run FILE --out DIR`` is the command.
"""

from hwcost.study.accuracy import AccuracyJob, AccuracyOutcome, measure_job
from hwcost.study.executors import ExecutorKind, ExecutorSpec
from hwcost.study.grid import Grid, GridPoint, Skipped, expand
from hwcost.study.loader import load_study
from hwcost.study.outputs import redraw
from hwcost.study.runner import StudyOutcome, run_study
from hwcost.study.spec import AccuracySource, StudySpec
from hwcost.study.table import load_accuracy_table, literature_path

__all__ = [
    "AccuracyJob",
    "AccuracyOutcome",
    "AccuracySource",
    "ExecutorKind",
    "ExecutorSpec",
    "Grid",
    "GridPoint",
    "Skipped",
    "StudyOutcome",
    "StudySpec",
    "expand",
    "literature_path",
    "load_accuracy_table",
    "load_study",
    "measure_job",
    "redraw",
    "run_study",
]
