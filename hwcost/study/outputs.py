"""Writing a study's results folder, and reading it back to redraw the figures.

Files (every one written to a temporary name and renamed into place, so a reader never sees a
half-written file): ``results.csv``, ``pareto.csv``, ``skipped.csv``, ``study.json`` (what
``hwcost study plot`` needs: objectives and grouping), ``figures/*.png|svg`` and ``report.md``.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hwcost.errors import HwcostError
from hwcost.pareto import Objective, Sense
from hwcost.study.grid import Skipped
from hwcost.study.report import render_report
from hwcost.study.spec import StudySpec

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["GROUP_BY", "write_outputs", "redraw", "FIGURES"]

GROUP_BY = ("workload",)  # accuracies of different networks are not comparable
FIGURES = "figures"
META = "study.json"


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically and durably."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return path


def _meta(spec: StudySpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "description": spec.description,
        "study_file": spec.file,
        "accuracy_source": spec.accuracy.source.value,
        "objectives": [{o.sense.value: o.column} for o in spec.objectives],
        "group_by": list(GROUP_BY),
    }


def write_outputs(
    folder: Path, spec: StudySpec, results: "pd.DataFrame", pareto: "pd.DataFrame", skipped: tuple[Skipped, ...], figures: bool
) -> tuple[Path, ...]:
    """Write the folder's tables, figures (unless ``figures`` is False) and report."""
    from hwcost.plots import study_figures

    files = [
        write_text(folder / "results.csv", results.to_csv(index=False, lineterminator="\n")),
        write_text(folder / "pareto.csv", pareto.to_csv(index=False, lineterminator="\n")),
        write_text(folder / META, json.dumps(_meta(spec), indent=2) + "\n"),
    ]
    if skipped:
        import pandas as pd

        table = pd.DataFrame([dataclasses.asdict(s) for s in skipped])
        files.append(write_text(folder / "skipped.csv", table.to_csv(index=False, lineterminator="\n")))
    drawn = study_figures(results, spec.objectives, folder / FIGURES) if figures else ()
    files += drawn
    report = render_report(spec, results, pareto, skipped, [f.relative_to(folder) for f in drawn])
    files.append(write_text(folder / "report.md", report))
    return tuple(files)


def _read_meta(folder: Path) -> tuple[Objective, ...]:
    path = folder / META
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
        return tuple(Objective(column, Sense(sense)) for entry in meta["objectives"] for sense, column in entry.items())
    except FileNotFoundError:
        raise HwcostError.single("not a study results folder (no study.json); run 'hwcost study run' first", file=folder) from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise HwcostError.single(f"cannot read the study description ({exc})", file=path) from None


def redraw(folder: str | Path) -> tuple[Path, ...]:
    """Redraw the figures of a results folder from its ``results.csv`` and ``study.json``."""
    import pandas as pd

    from hwcost.plots import study_figures

    folder = Path(folder)
    objectives = _read_meta(folder)
    try:
        results = pd.read_csv(folder / "results.csv", keep_default_na=False, na_values=[""])
    except FileNotFoundError:
        raise HwcostError.single("no results.csv in this folder", file=folder) from None
    needed = [o.column for o in objectives] + ["scheme", "weight_bits", "act_bits", "workload", "arch"]
    missing = [c for c in needed if c not in results.columns]
    if missing:
        raise HwcostError.single(f"results.csv lacks the columns {', '.join(missing)}", file=folder / "results.csv")
    return study_figures(results, objectives, folder / FIGURES)
