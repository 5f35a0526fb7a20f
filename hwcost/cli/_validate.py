"""``hwcost validate``: predicted against published figures of real chips."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from hwcost.cli._output import FORMATS, format_table, to_csv, to_json, write_figures
from hwcost.cli._uncertainty import add_uncertainty_arguments, samples_of

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "validate",
        help="hwcost against published silicon",
        description="Price each chip of a validation file as its paper states it, at the paper's scope and "
                    "condition, and compare with the published TOPS/W. Default: the shipped set "
                    "(docs/validation.md).",
    )
    p.add_argument("files", nargs="*", metavar="FILE", help="validation files (default: the shipped set)")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--plot", metavar="DIR", type=Path, help="write validation.png and .svg (predicted vs published) here")
    add_uncertainty_arguments(p)
    p.set_defaults(run=run)


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else value


def _number(value: float | None, digits: int = 3) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}g}"


def _rows(results: Any) -> list[dict[str, Any]]:
    return [
        {
            "name": r.chip.name,
            "class": r.chip.chip_class.value,
            "scope": r.chip.published.scope.value,
            "condition": r.chip.published.condition.value,
            "devices": r.devices,
            "published_tops_per_w": r.chip.published.tops_per_w,
            "predicted_tops_per_w": r.predicted_tops_per_w,
            "ratio": r.ratio,
            "published_tops_per_mm2": r.chip.published.tops_per_mm2,
            "predicted_tops_per_mm2": r.predicted_tops_per_mm2,
            "not_priced": r.error,
            "source": r.chip.source,
        }
        for r in results
    ]


def _band_fields(result: Any) -> dict[str, Any]:
    """A chip's TOPS/W band and whether the published figure is inside it (``--uncertainty``)."""
    b = result.band
    return {"tops_per_w_p10": b.tops_per_w.p10 if b else None, "tops_per_w_p50": b.tops_per_w.p50 if b else None,
            "tops_per_w_p90": b.tops_per_w.p90 if b else None, "inside_band": result.inside_band}


def _prediction_fields(band: Any) -> dict[str, Any]:
    """A chip's prediction band against silicon (the technology band times the leave-one-out
    model-form discrepancy, hwcost.validation.prediction) and the discrepancy it was drawn with."""
    d = band.discrepancy if band else None
    return {"prediction_tops_per_w_p10": band.tops_per_w.p10 if band else None,
            "prediction_tops_per_w_p50": band.tops_per_w.p50 if band else None,
            "prediction_tops_per_w_p90": band.tops_per_w.p90 if band else None,
            "inside_prediction_band": band.inside if band else None,
            "discrepancy_mean_ln": d.mean_ln if d else None, "discrepancy_sd_ln": d.sd_ln if d else None,
            "discrepancy_n": d.n if d else None, "discrepancy_pool": d.pool.value if d else None}


def _prediction_table(rows: list[dict[str, Any]], coverage: dict[str, Any]) -> str:
    chips = [[r["name"], r["class"], _number(r["published_tops_per_w"]), _number(r["prediction_tops_per_w_p10"]),
              _number(r["prediction_tops_per_w_p50"]), _number(r["prediction_tops_per_w_p90"]),
              "-" if r["inside_prediction_band"] is None else "yes" if r["inside_prediction_band"] else "no",
              _number(r["discrepancy_mean_ln"], 2), _number(r["discrepancy_sd_ln"], 2),
              "-" if r["discrepancy_pool"] is None else f"{r['discrepancy_pool']} ({r['discrepancy_n']})"]
             for r in rows]
    summary = [[c, v.n, v.inside, _number(v.fraction, 2), f"{v.claimed:.2f}", _number(v.median_width),
                _number(v.median_technology_width)] for c, v in coverage.items()]
    return "\n".join([
        "", "prediction band against silicon: the technology band times exp(m + s z), m and s the mean and standard "
            "deviation of ln(published / predicted) over the other priced chips of the class (all classes' when the "
            "class has fewer than 3 others); the chip's own ratio is never used (docs/uncertainty.md)",
        format_table(["chip", "class", "published TOPS/W", "p10", "p50", "p90", "inside", "m", "s", "pool (chips)"],
                     chips, align="llrrrrlrrl"),
        "", "published TOPS/W inside the prediction band (leave-one-out); width: median p90 / p10",
        format_table(["class", "n", "inside", "fraction", "claimed", "width", "technology width"], summary,
                     align="lrrrrrr")])


def _coverage_table(coverage: dict[str, Any], samples: int, seed: int) -> str:
    rows = [[c, v.n, v.inside, _number(v.fraction, 2), f"{v.claimed:.2f}"] for c, v in coverage.items()]
    return "\n".join(["", f"published TOPS/W inside hwcost's p10-p90 band ({samples} samples, seed {seed}; "
                           "docs/uncertainty.md)",
                       format_table(["class", "n", "inside", "fraction", "claimed"], rows, align="lrrrr")])


def _band_chips(rows: list[dict[str, Any]]) -> str:
    chips = [[r["name"], r["class"], _number(r["published_tops_per_w"]), _number(r["tops_per_w_p10"]),
              _number(r["tops_per_w_p50"]), _number(r["tops_per_w_p90"]),
              "-" if r["inside_band"] is None else "yes" if r["inside_band"] else "no"] for r in rows]
    return format_table(["chip", "class", "published TOPS/W", "p10", "p50", "p90", "inside"], chips,
                        align="llrrrrl")


def _table(rows: list[dict[str, Any]], summary: dict[str, Any]) -> str:
    chips = [[r["name"], r["class"], r["scope"], r["condition"], r["devices"] or "-", _number(r["published_tops_per_w"]),
              _number(r["predicted_tops_per_w"]), _number(r["ratio"], 2)] for r in rows]
    lines = [format_table(["chip", "class", "scope", "condition", "devices", "published TOPS/W", "hwcost TOPS/W",
                           "ratio"], chips, align="lllllrrr"), ""]
    lines.append(format_table(
        ["class", "n", "not priced", "within 2x", "within 3x", "median |log10 ratio|", "median ratio"],
        [[c, s.n, s.not_priced, _number(s.within_2x, 2), _number(s.within_3x, 2), _number(s.median_abs_log10_ratio, 2),
          _number(s.median_ratio, 2)] for c, s in summary.items()],
        align="lrrrrrr"))
    missing = [r for r in rows if r["not_priced"]]
    if missing:
        lines += ["", "not priced:"] + [f"  {r['name']}: {r['not_priced']}" for r in missing]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from hwcost.validation import SHIPPED_SET, compare, load_chips, summarise

    from hwcost.validation.compare import coverage
    from hwcost.validation.prediction import prediction_bands, prediction_coverage

    samples = samples_of(args)
    chips = tuple(c for f in (args.files or [SHIPPED_SET]) for c in load_chips(f))
    results = compare(chips, samples, args.seed)
    summary = summarise(results)
    rows = _rows(results)
    if samples:
        predicted = prediction_bands(results)
        rows = [row | _band_fields(r) | _prediction_fields(b) for row, r, b in zip(rows, results, predicted)]
        covered = coverage(results)
        covered_prediction = prediction_coverage(results, predicted)
    if args.plot is not None:
        from hwcost.validation.plot import save_validation_figure

        write_figures(lambda folder: save_validation_figure(results, folder), args.plot)
    if args.format == "json":
        finite = {c: {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in asdict(s).items()}
                  for c, s in summary.items()}
        bands = {"band_coverage": {c: {"n": v.n, "inside": v.inside, "claimed": v.claimed}
                                   for c, v in covered.items()},
                 "prediction_coverage": {c: {"n": v.n, "inside": v.inside, "claimed": v.claimed,
                                             "median_p90_over_p10": _finite(v.median_width),
                                             "technology_median_p90_over_p10": _finite(v.median_technology_width)}
                                         for c, v in covered_prediction.items()}} if samples else {}
        print(to_json({"chips": rows, "summary": finite, **bands}))
    elif args.format == "csv":
        print(to_csv(list(rows[0]), [list(r.values()) for r in rows]), end="")
    else:
        print(_table(rows, summary))
        if samples:
            print("\n" + _band_chips(rows) + "\n" + _coverage_table(covered, samples, args.seed))
            print(_prediction_table(rows, covered_prediction))
    return 0
