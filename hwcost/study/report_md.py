"""``report.md``: what was swept, the figures, the Pareto points, where accuracies come from.

Pure text from the spec and the tables, with no clock or host in it, so a study run twice
writes the same report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hwcost.pareto import ROBUST_SHARE, objective_pairs
from hwcost.study.grid import Skipped
from hwcost.study.results import group_columns
from hwcost.study.spec import (
    CIM_COLUMNS,
    INTEGER_COLUMN,
    MEASURED_COLUMN,
    TABLE_COLUMN,
    StudySpec,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["render_report"]


def _cell(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-2):
            return f"{value:.4g}"
        return f"{value:.4g}" if abs(value) < 100 else f"{value:,.1f}"
    return str(value).replace("|", "\\|")


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines


def _setup(spec: StudySpec, results: "pd.DataFrame", skipped: Sequence[Skipped]) -> list[str]:
    def names(items: Sequence[Any]) -> str:
        return ", ".join(items) or "–"

    realisation = lambda xs: names(["scheme's own" if x is None else x.value for x in xs])  # noqa: E731
    lines = [
        f"- study file: `{spec.file}`",
        f"- schemes: {names([s.name for s in spec.schemes])}",
        f"- bits (weight/activation): {names([f'{w}/{a}' for w, a in spec.bit_pairs])}",
        f"- zero-point realisation: {realisation(spec.zero_points)}; scale applied at: {realisation(spec.scale_ats)}",
        f"- architectures: {names([a.name for a in spec.archs])}",
        f"- nodes: {names([n.name for n in spec.nodes])}; workloads: {names([w.name for w in spec.workloads])}",
        f"- design points: {len(results)} ({len(skipped)} combinations skipped, see below)",
    ]
    acc = spec.accuracy
    if acc.measured is not None:
        m = acc.measured
        lines.append(
            f"- measured accuracy (`{MEASURED_COLUMN}`, fake-quant; "
            + (f"`{INTEGER_COLUMN}`, integer-only): " if m.integer else "integer-only execution not measured): ")
            + f"`hwcost.accuracy.measure_accuracy` on {m.dataset_label}, {m.model.value} (columns `accuracy_dataset`, "
            f"`accuracy_model`; {m.backend.value} backend), "
            + (f"a subset of {m.train_size or 'all'} training / {m.test_size or 'all'} test images, " if m.train_size or m.test_size else "")
            + f"{m.fp_epochs} full-precision + {m.epochs} QAT epochs, batch {m.batch_size}, lr {m.lr:g} / QAT lr {m.qat_lr:g}, "
            f"seeds {', '.join(map(str, m.seeds))} (mean; sd across seeds). "
            + _measured_caveat(spec)
        )
        if spec.cim_accuracy:
            lines.append(_cim_setup(spec, results))
    if acc.table is not None:
        found = int(results[TABLE_COLUMN].notna().sum())
        lines.append(f"- table accuracy (`{TABLE_COLUMN}`): `{acc.table.label}`, {found} of {len(results)} points have a row")
    lines.append("- objectives: " + ", ".join(str(o) for o in spec.objectives))
    if spec.uncertainty is not None:
        u = spec.uncertainty
        lines.append(f"- uncertainty: {u.samples:,} samples of the technology's spreads (seed {u.seed}), one draw for every "
                     "point: `results.csv` has p10 / p50 / p90 of energy, TOPS/W and area (`energy_pj_p10` ...) and "
                     "`pareto_share`, the share of the samples in which a point is on the front of all the objectives; it "
                     f"is *robust* (`pareto_robust`) at >= {ROBUST_SHARE:.0%} (docs/uncertainty.md)")
    return lines


def _measured_caveat(spec: StudySpec) -> str:
    """Whether the measured network is the costed one: a workload of the same name and dataset."""
    m = spec.accuracy.measured
    assert m is not None
    other = [w.name for w in spec.workloads if (w.name, w.value.dataset) != (m.model.value, m.dataset_label)]
    if not other:
        return "The measured network and dataset are the costed workloads'."
    return (f"The costed workloads ({', '.join(other)}) are not this network: the measured accuracy ranks the "
            f"schemes on {m.dataset_label}, {m.model.value}, it is not those networks' accuracy.")


def _cim_setup(spec: StudySpec, results: "pd.DataFrame") -> str:
    assert spec.accuracy.measured is not None
    c = spec.accuracy.measured.cim
    swept = [
        ("ADC range", [r.value for r in c.adc_range]), ("noise sigma", [f"{v:g}" for v in c.noise_sigma]),
        ("noise on", [t.value for t in c.noise_on]), ("two-stage", [str(v).lower() for v in c.two_stage]),
        ("stage-2 epochs", [str(v) for v in c.stage2_epochs]),
    ]
    only = int((results["energy_pj"].isna()).sum()) if "energy_pj" in results.columns else 0
    return (
        "- CIM points (`cim_macro`): measured on the same macro as priced (rows, cell bits, input bits per pulse, "
        "ADC bits, signed-weight encoding), one run per combination of "
        + "; ".join(f"{name}: {', '.join(values)}" for name, values in swept)
        + f" (columns {', '.join(f'`{col}`' for col in CIM_COLUMNS)}); stage-2 lr {c.stage2_lr:g}, {c.eval_trials} noise trials. "
        "Other points are measured once, digitally. Fronts are computed per noise level."
        + (f" {only} rows are accuracy-only: the technology library cannot price their ADC (see skipped)." if only else "")
    )


def _constant_columns(headers: Sequence[str], rows: Sequence[Sequence[Any]], keep: int) -> tuple[list[str], list[list[Any]], str]:
    """Move the columns whose value is the same in every row (of the first ``len(headers) - keep``;
    the last ``keep`` columns, the objectives, always stay) out of the table into one sentence:
    ``constant: node 45nm, workload resnet20``. Returns the headers, the rows and the sentence
    (empty when no column is constant)."""
    described = len(headers) - keep
    same = [i for i in range(described) if len({_cell(r[i]) for r in rows}) == 1]
    if not same:
        return list(headers), [list(r) for r in rows], ""
    sentence = "constant: " + ", ".join(f"{headers[i]} {_cell(rows[0][i])}" for i in same)
    kept = [i for i in range(len(headers)) if i not in same]
    return [headers[i] for i in kept], [[r[i] for i in kept] for r in rows], sentence


def _fronts(spec: StudySpec, pareto: "pd.DataFrame") -> list[str]:
    from hwcost.study.plots import data_axis

    lines: list[str] = []
    for combo in objective_pairs(spec.objectives):
        name = " vs ".join(o.column for o in combo)
        front = pareto[pareto["front"] == name]
        cost = next((o.column for o in combo if "accuracy" not in o.column), combo[-1].column)
        front = front.sort_values([*group_columns(front), cost], kind="stable")  # per front, cheapest first
        lines += ["", f"### {name}", ""]
        if front.empty:
            lines.append("No point has values for all of these objectives.")
            continue
        shown = [data_axis(o.column, front) for o in combo]  # accuracies name their dataset and network
        cim = [c for c in CIM_COLUMNS if c in front.columns]
        headers = ["workload", "scheme", "W/A", "zero point", "scale at", "arch", "node"] + [c.removeprefix("cim_") for c in cim]
        headers += [q.axis() if q.unit else q.label for q in shown]
        share = ["pareto_share"] if "pareto_share" in front.columns else []  # with an uncertainty block
        headers += ["share of samples on the front"] * bool(share)
        rows = [
            [r["workload"], r["scheme"], f"{r['weight_bits']}/{r['act_bits']}", r["zero_point"], r["scale_at"], r["arch"], r["node"]]
            + [r[c] for c in cim]
            + [float(r[o.column]) * q.scale for o, q in zip(combo, shown)]
            + [float(r[c]) for c in share]
            for _, r in front.iterrows()
        ]
        headers, rows, constant = _constant_columns(headers, rows, keep=len(combo) + len(share))
        lines += [constant + ".", ""] if constant else []
        lines += _table(headers, rows)
    return lines


def _provenance(results: "pd.DataFrame") -> list[str]:
    if TABLE_COLUMN not in results.columns:
        return []
    used = results[results[TABLE_COLUMN].notna()]
    lines = ["", "## Published accuracies used", ""]
    if used.empty:
        return lines + ["No point of this study has a row in the accuracy table."]
    rows = [
        [r["workload"], r["scheme"], f"{r['weight_bits']}/{r['act_bits']}", r["table_network"], r["table_dataset"],
         float(r[TABLE_COLUMN])]
        + [r[c] for c in ("table_method", "table_citation", "table_where", "table_tag")]
        for _, r in used.drop_duplicates(["workload", "scheme", "weight_bits", "act_bits"]).iterrows()
    ]
    headers = ["workload", "scheme", "W/A", "network", "dataset", "accuracy %", "method", "citation", "where", "tag"]
    return lines + _table(headers, rows)


def render_report(
    spec: StudySpec, results: "pd.DataFrame", pareto: "pd.DataFrame", skipped: Sequence[Skipped], figures: Sequence[Path]
) -> str:
    lines = [f"# Study: {spec.name}", ""]
    if spec.description:
        lines += [spec.description.strip(), ""]
    lines += ["## Setup", ""] + _setup(spec, results, skipped)
    lines += ["", "## Figures", ""]
    lines += [f"![{f.stem}]({f.as_posix()})" for f in figures if f.suffix == ".png"] or ["Not drawn in this run."]
    lines += ["", "Redraw with `hwcost study plot <this folder>`; SVG versions sit next to the PNGs.", ""]
    lines += ["## Pareto-optimal points", ""]
    lines += ["Non-dominated points per objective pair (and all objectives), per workload; all columns in `pareto.csv`."]
    lines += _fronts(spec, pareto)
    lines += _provenance(results)
    if skipped:
        lines += ["", "## Skipped combinations", ""]
        lines += ["These combinations of the axes are no valid design points (also in `skipped.csv`); `*` stands for any:", ""]
        headers = ["scheme", "W/A", "zero point", "scale at", "arch", "node", "workload", "reason"]
        rows = [
            [s.scheme, f"{s.weight_bits}/{s.act_bits}", s.zero_point, s.scale_at, s.arch, s.node, s.workload, s.reason]
            for s in skipped
        ]
        lines += _table(headers, rows)
    return "\n".join(lines) + "\n"
