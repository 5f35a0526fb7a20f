"""Writing a study's results folder, and reading it back to redraw the figures.

Files (every one written to a temporary name and renamed into place, so a reader never sees a
half-written file): ``results.csv``, ``pareto.csv``, ``skipped.csv``, ``study.json`` (what
``hwcost study plot`` needs: objectives, grouping, figures and their formats), ``figures/*.png``
(and ``.svg`` / ``.pdf`` when asked for), ``report.md`` and ``report.html`` (interactive, self-contained).
With an ``uncertainty`` block, ``study.json`` records its samples and seed, and the figures draw
the bands results.csv carries (``hwcost.study.bands``).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hwcost.errors import HwcostError
from hwcost.pareto import Objective, Sense
from hwcost.study.figures import ALL_SELECTABLE, FigureKind, FigureSpec, bars_data, figure_plain, figures_from_plain, select
from hwcost.study.grid import Skipped
from hwcost.study.report_html import render_report_html
from hwcost.study.report_md import render_report
from hwcost.study.results import group_columns
from hwcost.study.spec import StudySpec

if TYPE_CHECKING:
    import pandas as pd

    from hwcost.study.figures import FigureFormat

__all__ = ["write_outputs", "redraw", "FIGURES"]

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


def _meta(spec: StudySpec, group_by: Sequence[str], formats: Sequence["FigureFormat"]) -> dict[str, Any]:
    meta = {
        "name": spec.name,
        "description": spec.description,
        "study_file": spec.file,
        "accuracy_source": spec.accuracy.source.value,
        "objectives": [{o.sense.value: o.column} for o in spec.objectives],
        "group_by": list(group_by),
        "figure_formats": [f.value for f in formats],
    }
    if spec.figures:
        meta["figures"] = [figure_plain(f) for f in spec.figures]
    if spec.uncertainty is not None:
        meta["uncertainty"] = dataclasses.asdict(spec.uncertainty)
    return meta


def _reference_text(f: FigureSpec) -> str:
    return " ".join(str(v) for _, v in f.relative_to)


def draw_requested(results: "pd.DataFrame", figures: Sequence[FigureSpec], folder: Path, formats: Sequence["FigureFormat"] | None = None) -> tuple[Path, ...]:
    """The study file's own figures: ``<name>.<format>`` for each of ``formats`` (default: PNG)
    and ``<name>.csv`` (the numbers shown)."""
    import numpy as np

    from hwcost.pareto import non_dominated
    from hwcost.study.figures import STUDY_FORMATS
    from hwcost.study.results import figure_share_column
    from hwcost.study.plots import bars_figure, breakdown_figure, pareto_figure, save_figure

    formats = STUDY_FORMATS if formats is None else formats

    files: list[Path] = []
    keep = [c for c in ALL_SELECTABLE if c in results.columns]
    group_by = list(group_columns(results))
    for f in figures:
        if f.kind is FigureKind.BARS:
            data = bars_data(results, f)
            fig = bars_figure(data, f.columns, f.x, f.hue, f.stack, _reference_text(f))
        elif f.kind is FigureKind.BREAKDOWN:
            chosen = select(results, f.where)
            fig = breakdown_figure(chosen, f.total, f.by)
            parts = [c for c in chosen.columns if c.startswith(f"{f.total}.")]
            data = chosen[keep + [f.total] + [c for c in (f"{f.total}_p10", f"{f.total}_p90") if c in chosen.columns] + parts]
        else:
            chosen = select(results, f.where)
            share = figure_share_column(f.name)
            fig = pareto_figure(chosen, f.objectives, group_by, None if f.hue == ("scheme",) else f.hue, f.label,
                                share if share in chosen.columns else None)
            columns = [o.column for o in f.objectives]
            data = chosen[keep + columns + [c for c in (share,) if c in chosen.columns]].copy()
            data["on_front"] = False
            for _, part in data.groupby(group_by, sort=False):
                values = part[columns].to_numpy(dtype=float)
                finite = np.isfinite(values).all(axis=1)
                front = np.zeros(len(part), dtype=bool)
                front[finite] = non_dominated(values[finite], [o.sense for o in f.objectives])
                data.loc[part.index, "on_front"] = front
        if f.title:
            fig.suptitle(f.title, fontsize=9)
        files += save_figure(fig, folder, f.name, formats)
        files.append(write_text(folder / f"{f.name}.csv", data.to_csv(index=False, lineterminator="\n")))
    return tuple(files)


def write_outputs(
    folder: Path, spec: StudySpec, results: "pd.DataFrame", pareto: "pd.DataFrame", skipped: tuple[Skipped, ...], figures: bool,
    formats: Sequence["FigureFormat"] | None = None,
) -> tuple[Path, ...]:
    """Write the folder's tables, figures (unless ``figures`` is False; in each of ``formats``,
    default PNG) and report."""
    from hwcost.study.figures import STUDY_FORMATS
    from hwcost.study.plots import study_figures

    formats = STUDY_FORMATS if formats is None else tuple(formats)

    files = [
        write_text(folder / "results.csv", results.to_csv(index=False, lineterminator="\n")),
        write_text(folder / "pareto.csv", pareto.to_csv(index=False, lineterminator="\n")),
        write_text(folder / META, json.dumps(_meta(spec, group_columns(results), formats), indent=2) + "\n"),
    ]
    if skipped:
        import pandas as pd

        table = pd.DataFrame([dataclasses.asdict(s) for s in skipped])
        files.append(write_text(folder / "skipped.csv", table.to_csv(index=False, lineterminator="\n")))
    drawn: tuple[Path, ...] = ()
    if figures:
        drawn = study_figures(results, spec.objectives, folder / FIGURES, breakdowns=not spec.figures, group_by=group_columns(results),
                              formats=formats)
        drawn += draw_requested(results, spec.figures, folder / FIGURES, formats)
    files += drawn
    report = render_report(spec, results, pareto, skipped, [f.relative_to(folder) for f in drawn])
    files.append(write_text(folder / "report.md", report))
    files.append(write_text(folder / "report.html", render_report_html(spec, results)))
    return tuple(files)


def _read_meta(folder: Path) -> tuple[tuple[Objective, ...], tuple[FigureSpec, ...], tuple["FigureFormat", ...]]:
    from hwcost.study.figures import STUDY_FORMATS, FigureFormat

    path = folder / META
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
        objectives = tuple(Objective(column, Sense(sense)) for entry in meta["objectives"] for sense, column in entry.items())
        requested = figures_from_plain(meta["figures"], str(path)) if "figures" in meta else ()
        # a folder written before the formats were recorded had PNG and SVG
        formats = tuple(FigureFormat(f) for f in meta["figure_formats"]) if "figure_formats" in meta else STUDY_FORMATS + (FigureFormat.SVG,)
        return objectives, requested, formats
    except (FileNotFoundError, NotADirectoryError):
        raise HwcostError.single("not a study results folder (no study.json); run 'hwcost study run' first", file=folder) from None
    except OSError as exc:
        raise HwcostError.single(f"cannot read the study description ({exc.strerror})", file=path) from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise HwcostError.single(f"cannot read the study description ({exc})", file=path) from None


def redraw(folder: str | Path, formats: Sequence["FigureFormat"] | None = None) -> tuple[Path, ...]:
    """Redraw the figures of a results folder from its ``results.csv`` and ``study.json``, in
    ``formats`` (default: those the run wrote, recorded in ``study.json``)."""
    import pandas as pd

    from hwcost.study.plots import study_figures

    folder = Path(folder)
    objectives, requested, written = _read_meta(folder)
    formats = written if formats is None else tuple(formats)
    try:
        results = pd.read_csv(folder / "results.csv", keep_default_na=False, na_values=[""])
    except FileNotFoundError:
        raise HwcostError.single("no results.csv in this folder", file=folder) from None
    needed = [o.column for o in objectives] + ["scheme", "weight_bits", "act_bits", "workload", "arch"]
    missing = [c for c in needed if c not in results.columns]
    if missing:
        raise HwcostError.single(f"results.csv lacks the columns {', '.join(missing)}", file=folder / "results.csv")
    group_by = group_columns(results)
    return study_figures(results, objectives, folder / FIGURES, breakdowns=not requested, group_by=group_by, formats=formats) + draw_requested(
        results, requested, folder / FIGURES, formats
    )
