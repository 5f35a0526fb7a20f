"""Print the cost tables of docs/studies/fixed_point_types.md from the realisations study.

The page's tables are this script's output, pasted::

    hwcost study run studies/fixed_point_types_realisations.yaml --out out/fixed_point_types_realisations
    python studies/fixed_point_types/page_tables.py out/fixed_point_types_realisations/results.csv

prints, in the page's format,

- ``Every realisation at W4`` (and W2, W8): ResNet-20 on the weight-stationary MAC array, per
  realisation the energy per inference (µJ), TOPS/W and ×LSQ = TOPS/W ÷ LSQ's TOPS/W on
  ``45nm-lp`` and on ``45nm`` (with the static energy, leakage × latency, in % of the total),
  the area on ``45nm-lp`` (mm²) and the accuracy delta against LSQ;
- the loss-factor tables for ``45nm-lp`` and ``45nm``: LSQ's TOPS/W ÷ the realisation's, per
  workload and width, each cell ``ws / os / cim / dcim`` (– where the template refuses the
  realisation), values in 2.5–3.5 (the claim is 3.0) in bold.

``--units`` adds the by-unit energies of ResNet-20 W4 (``ws`` and ``os``, ``45nm-lp``) that the
page's "What the units say" quotes, ``--summary`` the ranges its bullets quote.

Accuracy is not a cost: the realisations study measures none. The accuracy column comes from
``--accuracy out/fixed_point_types/results.csv`` (the main study, ``studies/fixed_point_types.yaml``)
when given, the paired per-seed differences computed from its ``accuracy_measured_by_seed_pct``;
otherwise from MEASURED_DIFF_BY_SEED below, the differences that study measured.

Bad input (a missing file, column or design point) is one message naming the file and what is
missing, exit status 2.
"""
from __future__ import annotations

import argparse
import csv
import math
import statistics
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# The reference every ratio is taken against: integer LSQ, offset folded, rescaled at the output.
REFERENCE = "lsq"
LSQ_PLUS = "lsq+"
POT = "lsq-pot"

# Row order and labels of the page's tables (scheme names as the study writes them).
ROWS: tuple[tuple[str, str], ...] = (
    ("lsq", "LSQ, integer (fold, rescale at the output): the reference"),
    ("lsq-pot", "LSQ, power-of-two steps (rescale = shift)"),
    ("lsq+", "LSQ+, offset folded into the bias"),
    ("lsq+-runtime", "LSQ+, offset at run time"),
    ("lsq+-pre-subtract", "LSQ+, q_x − Z_x per input"),
    ("lsq+-per-mac", "LSQ+, β·w in every PE (per-MAC)"),
    ("lsq+-operand8", "LSQ+, affine dequant per input, 8-bit operands"),
    ("lsq+-operand16", "LSQ+, affine dequant per input, 16-bit operands"),
    ("lsq-operand8", "LSQ, dequant per input, 8-bit operands"),
    ("lsq-operand16", "LSQ, dequant per input, 16-bit operands"),
    ("lsq+-fp16", "LSQ+, fake-quant graph in FP16"),
    ("lsq+-fp32", "LSQ+, fake-quant graph in FP32"),
)
# Realisations of LSQ with LSQ's trained network, and those of LSQ+ with LSQ+'s (a realisation
# is a choice of inference hardware; it does not enter training).
SAME_NETWORK_AS_LSQ = frozenset({"lsq-operand8", "lsq-operand16"})
BITS = (2, 4, 8)
WORKLOADS = (("resnet20", "ResNet-20"), ("resnet18", "ResNet-18"))
ARCHS = ("ws", "os", "cim", "dcim")
NODE_LP, NODE_HP = "45nm-lp", "45nm"
BOLD_RANGE = (2.5, 3.5)  # the claim is ~3x

# LSQ+ - LSQ and lsq-pot - LSQ, percentage points, per seed (seeds 0, 1, 2), as measured by
# studies/fixed_point_types.yaml (Fashion-MNIST, small CNN, torch backend, 20,000 training
# images, 2 full-precision + 2 QAT epochs, fake-quant accuracy; run of 2026-12-02, page commit
# e8b22a5): accuracy_measured_by_seed_pct of out/fixed_point_types/results.csv, paired by seed,
# rounded to 0.01 pp as the page's "Accuracy on Fashion-MNIST" table prints them.
MEASURED_DIFF_BY_SEED: Mapping[tuple[str, int], tuple[float, ...]] = {
    (LSQ_PLUS, 2): (+0.18, +0.02, +0.17),
    (LSQ_PLUS, 4): (-0.15, -0.10, +0.09),
    (LSQ_PLUS, 8): (+0.02, +0.17, -0.12),
    (POT, 2): (-1.62, -0.32, -1.05),
    (POT, 4): (-0.13, -0.02, -0.07),
    (POT, 8): (-0.19, +0.22, -0.15),
}

COST_COLUMNS = ("energy_pj", "static_energy_pj", "tops_per_w", "area_um2")
KEY_COLUMNS = ("scheme", "weight_bits", "arch", "node", "workload")
# energy_pj.<name> columns that sum units (the rest are units; dram is both)
CATEGORIES = frozenset({"compute", "quantization overhead", "on-chip memory", "cim array", "cim periphery"})
UNITS_SCHEMES = ("lsq", "lsq+-per-mac", "lsq+-operand8", "lsq+-operand16", "lsq+-fp16", "lsq+-fp32")


class InputError(Exception):
    """Bad input: the message names the file and what is wrong with it."""


@dataclass(frozen=True)
class Point:
    """One priced design point of the realisations study."""

    energy_pj: float
    static_energy_pj: float
    tops_per_w: float
    area_um2: float
    energy_by_unit_pj: Mapping[str, float]


Key = tuple[str, int, str, str, str]  # scheme, weight bits, arch, node, workload


def _float(text: str) -> float:
    return float(text) if text not in ("", "nan") else math.nan


def read_points(path: Path) -> dict[Key, Point]:
    """The study's results.csv as {(scheme, bits, arch, node, workload): Point}."""
    try:
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    if not rows:
        raise InputError(f"{path}: no design points")
    missing = [c for c in KEY_COLUMNS + COST_COLUMNS if c not in rows[0]]
    if missing:
        raise InputError(f"{path}: no column {', '.join(missing)} (a results.csv of hwcost study run?)")
    points = {}
    for line, r in enumerate(rows, start=2):
        try:
            key = (r["scheme"], int(r["weight_bits"]), r["arch"], r["node"], r["workload"])
            units = {c.removeprefix("energy_pj."): _float(v) for c, v in r.items()
                     if c.startswith("energy_pj.") and v not in ("", "nan")}
            points[key] = Point(*(_float(r[c]) for c in COST_COLUMNS), energy_by_unit_pj=units)
        except ValueError as e:
            raise InputError(f"{path}:{line}: {e}") from None
    return points


def _get(points: Mapping[Key, Point], key: Key, source: Path) -> Point:
    if key not in points:
        raise InputError(f"{source}: no design point scheme={key[0]} weight_bits={key[1]} arch={key[2]} "
                         f"node={key[3]} workload={key[4]}")
    return points[key]


def mean_sd(diffs: Sequence[float]) -> str:
    """'+0.12 ± 0.09': mean and sample standard deviation over the seeds, in pp."""
    m = statistics.fmean(diffs)
    sd = statistics.stdev(diffs) if len(diffs) > 1 else math.nan
    return f"{m:+.2f} ± {sd:.2f}"


def read_accuracy(path: Path) -> dict[tuple[str, int], tuple[float, ...]]:
    """Paired per-seed differences against LSQ from the main study's results.csv."""
    try:
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    column = "accuracy_measured_by_seed_pct"
    if not rows or column not in rows[0]:
        raise InputError(f"{path}: no column {column} (a results.csv of studies/fixed_point_types.yaml?)")
    by_seed: dict[tuple[str, int], tuple[float, ...]] = {}
    for line, r in enumerate(rows, start=2):
        try:
            key = (r["scheme"], int(r["weight_bits"]))
            # the same for every array, node and workload: one accuracy per scheme and width
            by_seed.setdefault(key, tuple(float(a) for a in r[column].split(";")))
        except (KeyError, ValueError) as e:
            raise InputError(f"{path}:{line}: {column}: {e}") from None
    diffs = {}
    for scheme in (LSQ_PLUS, POT):
        for bits in BITS:
            if (scheme, bits) not in by_seed or (REFERENCE, bits) not in by_seed:
                raise InputError(f"{path}: no accuracy of {scheme} or {REFERENCE} at {bits} bits")
            a, ref = by_seed[(scheme, bits)], by_seed[(REFERENCE, bits)]
            if len(a) != len(ref):
                raise InputError(f"{path}: {scheme} and {REFERENCE} at {bits} bits have different seed counts")
            diffs[(scheme, bits)] = tuple(x - y for x, y in zip(a, ref))
    return diffs


def accuracy_cell(scheme: str, bits: int, diffs: Mapping[tuple[str, int], Sequence[float]]) -> str:
    if scheme == REFERENCE:
        return "0 (reference)"
    if scheme in SAME_NETWORK_AS_LSQ:
        return "0 (same network as LSQ)"
    if scheme == POT:
        return mean_sd(diffs[(POT, bits)])
    cell = mean_sd(diffs[(LSQ_PLUS, bits)])
    return cell if scheme == LSQ_PLUS else cell + " †"


def width_table(points: Mapping[Key, Point], bits: int, diffs: Mapping[tuple[str, int], Sequence[float]],
                source: Path) -> list[str]:
    """'Every realisation at W<bits>': ResNet-20, weight-stationary array."""
    out = [f"**W{bits}A{bits}, ResNet-20, weight-stationary array** (energy per inference; TOPS/W; area; "
           "×LSQ = TOPS/W over LSQ's)",
           "",
           "| realisation | 45nm-lp energy µJ | TOPS/W | ×LSQ | 45nm energy µJ (static %) | TOPS/W | ×LSQ | "
           "area mm² (45nm-lp) | accuracy Δ vs LSQ (pp) |",
           "|---|---|---|---|---|---|---|---|---|"]
    ref = {n: _get(points, (REFERENCE, bits, "ws", n, "resnet20"), source) for n in (NODE_LP, NODE_HP)}
    for scheme, label in ROWS:
        lp = _get(points, (scheme, bits, "ws", NODE_LP, "resnet20"), source)
        hp = _get(points, (scheme, bits, "ws", NODE_HP, "resnet20"), source)
        cells = [f"`{scheme}`: {label}",
                 f"{lp.energy_pj / 1e6:.1f}", f"{lp.tops_per_w:.3f}", f"{lp.tops_per_w / ref[NODE_LP].tops_per_w:.2f}",
                 f"{hp.energy_pj / 1e6:.1f} ({100 * hp.static_energy_pj / hp.energy_pj:.0f})", f"{hp.tops_per_w:.3f}",
                 f"{hp.tops_per_w / ref[NODE_HP].tops_per_w:.2f}",
                 f"{lp.area_um2 / 1e6:.3f}", accuracy_cell(scheme, bits, diffs)]
        out.append("| " + " | ".join(cells) + " |")
    return out


def loss_factor(points: Mapping[Key, Point], scheme: str, bits: int, arch: str, node: str, workload: str,
                source: Path) -> float | None:
    """LSQ's TOPS/W over the realisation's; None where the template refused the realisation."""
    key = (scheme, bits, arch, node, workload)
    if key not in points:
        return None
    return _get(points, (REFERENCE, bits, arch, node, workload), source).tops_per_w / points[key].tops_per_w


def _factor_text(v: float | None) -> str:
    if v is None:
        return "–"
    text = f"{v:.2f}"
    return f"**{text}**" if BOLD_RANGE[0] <= float(text) <= BOLD_RANGE[1] else text


def loss_table(points: Mapping[Key, Point], node: str, source: Path) -> list[str]:
    """The loss-factor table of one node: every realisation, workload, width and array."""
    out = [f"**{node}** — loss factor = TOPS/W of LSQ ÷ TOPS/W of the realisation, `ws / os / cim / dcim` "
           "(– : refused by the template)",
           "",
           "| realisation | ResNet-20 W2 | W4 | W8 | ResNet-18 W2 | W4 | W8 |",
           "|---|---|---|---|---|---|---|"]
    if not any(k[3] == node for k in points):
        raise InputError(f"{source}: no design point on node {node}")
    for scheme, _ in ROWS[1:]:
        cells = [" / ".join(_factor_text(loss_factor(points, scheme, b, a, node, w, source)) for a in ARCHS)
                 for w, _ in WORKLOADS for b in BITS]
        out.append(f"| `{scheme}` | " + " | ".join(cells) + " |")
    return out


def units_table(points: Mapping[Key, Point], source: Path) -> list[str]:
    """Energy per inference by unit (µJ), ResNet-20 W4, 45nm-lp, ws and os: each unit's total and
    what each realisation adds to LSQ's."""
    out = []
    for arch in ("ws", "os"):
        pts = {s: _get(points, (s, 4, arch, NODE_LP, "resnet20"), source) for s in UNITS_SCHEMES}
        units = sorted({u for p in pts.values() for u in p.energy_by_unit_pj if u not in CATEGORIES})
        out += [f"**By unit, µJ, ResNet-20 W4 `{arch}` 45nm-lp** (LSQ, then each realisation's extra over LSQ)", "",
                "| unit | " + " | ".join(f"`{s}`" for s in UNITS_SCHEMES) + " |",
                "|---" * (len(UNITS_SCHEMES) + 1) + "|"]
        ref = pts[REFERENCE]
        for u in ["(total)"] + units:
            def value(p: Point) -> float:
                return p.energy_pj if u == "(total)" else p.energy_by_unit_pj.get(u, 0.0)
            if all(value(p) == 0.0 for p in pts.values()):
                continue
            cells = [f"{value(ref) / 1e6:.2f}"] + [f"{(value(pts[s]) - value(ref)) / 1e6:+.2f}" for s in UNITS_SCHEMES[1:]]
            out.append(f"| {u} | " + " | ".join(cells) + " |")
        out.append("")
    return out


def _span(values: Iterable[float], fmt: str = "{:.2f}") -> str:
    v = [x for x in values if x is not None]
    return f"{fmt.format(min(v))}–{fmt.format(max(v))}" if v else "none"


def summary(points: Mapping[Key, Point], source: Path) -> list[str]:
    """The ranges the page's bullets quote, each over the design points it names."""
    w = [w for w, _ in WORKLOADS]
    mac = ("ws", "os")

    def factors(scheme: str, archs: Sequence[str], nodes: Sequence[str], bits: Sequence[int] = BITS) -> list[float]:
        return [f for a in archs for n in nodes for b in bits for wl in w
                if (f := loss_factor(points, scheme, b, a, n, wl, source)) is not None]

    both = (NODE_LP, NODE_HP)
    dev = {a: max(abs(1 / f - 1) for s in (LSQ_PLUS, "lsq+-runtime") for f in factors(s, (a,), both))
           for a in ARCHS}
    hp_static = [100 * p.static_energy_pj / p.energy_pj for k, p in points.items()
                 if k[0] == REFERENCE and k[3] == NODE_HP]
    static_by_arch = {a: [100 * p.static_energy_pj / p.energy_pj for k, p in points.items()
                          if k[0] == REFERENCE and k[3] == NODE_HP and k[2] == a] for a in ARCHS}
    same = {a: max(abs(loss_factor(points, f"lsq+-operand{ob}", b, a, n, wl, source)
                       / loss_factor(points, f"lsq-operand{ob}", b, a, n, wl, source) - 1)
                   for ob in (8, 16) for n in both for b in BITS for wl in w) for a in ARCHS}
    pot_gain = [100 * (1 / f - 1) for f in factors(POT, ARCHS, both)]
    pot_area = [100 * (1 - points[(POT, b, a, n, wl)].area_um2 / points[(REFERENCE, b, a, n, wl)].area_um2)
                for a in mac for n in both for b in BITS for wl in w]
    return [
        "Loss factors (LSQ's TOPS/W over the realisation's), min–max over ResNet-20 and -18:",
        f"- |TOPS/W of lsq+ and lsq+-runtime over LSQ's − 1|, max, %: "
        + ", ".join(f"{a} {100 * dev[a]:.2f}" for a in ARCHS),
        f"- pre-subtract, MAC array (ws, os), every width and node: {_span(factors('lsq+-pre-subtract', mac, both))}; "
        f"CIM macros: {_span(factors('lsq+-pre-subtract', ('cim', 'dcim'), both))}",
        f"- per-MAC, MAC array: 45nm-lp {_span(factors('lsq+-per-mac', mac, (NODE_LP,)))}, "
        f"45nm {_span(factors('lsq+-per-mac', mac, (NODE_HP,)))}",
        f"- W4 45nm-lp MAC array: operand8 {_span(factors('lsq+-operand8', mac, (NODE_LP,), (4,)))}, "
        f"operand16 {_span(factors('lsq+-operand16', mac, (NODE_LP,), (4,)))}, "
        f"fp16 {_span(factors('lsq+-fp16', mac, (NODE_LP,), (4,)))}, fp32 {_span(factors('lsq+-fp32', mac, (NODE_LP,), (4,)))}",
        f"- W8 45nm-lp MAC array: operand16 {_span(factors('lsq+-operand16', mac, (NODE_LP,), (8,)))}, "
        f"fp16 {_span(factors('lsq+-fp16', mac, (NODE_LP,), (8,)))}",
        f"- W2 45nm-lp MAC array, ResNet-18: operand16 "
        f"{_span(f for a in mac if (f := loss_factor(points, 'lsq+-operand16', 2, a, NODE_LP, 'resnet18', source)))}",
        f"- 45nm MAC array, operand16 and fp16, every width: "
        f"{_span(factors('lsq+-operand16', mac, (NODE_HP,)) + factors('lsq+-fp16', mac, (NODE_HP,)))}; "
        f"fp32 at W8: ws {_span(factors('lsq+-fp32', ('ws',), (NODE_HP,), (8,)))}, "
        f"os {_span(factors('lsq+-fp32', ('os',), (NODE_HP,), (8,)))}",
        "- lsq+-operandN's loss factor over lsq-operandN's − 1, max |…|, %: "
        + ", ".join(f"{a} {100 * same[a]:.2f}" for a in ARCHS),
        f"- lsq-pot: TOPS/W over LSQ's − 1, %: {_span(pot_gain)}; area saved on the MAC array, %: {_span(pot_area, '{:.1f}')}",
        f"- static energy of LSQ on 45nm, % of its energy: MAC array {_span(static_by_arch['ws'] + static_by_arch['os'], '{:.0f}')}, "
        f"cim {_span(static_by_arch['cim'], '{:.0f}')}, dcim {_span(static_by_arch['dcim'], '{:.0f}')} "
        f"(all arrays {_span(hp_static, '{:.0f}')})",
    ]


def page_tables(points: Mapping[Key, Point], diffs: Mapping[tuple[str, int], Sequence[float]], source: Path,
                units: bool = False, with_summary: bool = False) -> str:
    """Every table of the page, in its order: W4, W2, W8, the loss factors on 45nm-lp and 45nm."""
    blocks = [width_table(points, b, diffs, source) for b in (4, 2, 8)]
    blocks += [loss_table(points, n, source) for n in (NODE_LP, NODE_HP)]
    if units:
        blocks.append(units_table(points, source))
    if with_summary:
        blocks.append(summary(points, source))
    return "\n\n".join("\n".join(b).rstrip("\n") for b in blocks) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path, help="results.csv of studies/fixed_point_types_realisations.yaml")
    parser.add_argument("--accuracy", type=Path, default=None,
                        help="results.csv of studies/fixed_point_types.yaml (default: the differences it measured, "
                             "MEASURED_DIFF_BY_SEED)")
    parser.add_argument("--units", action="store_true", help="also the by-unit energies of ResNet-20 W4 on 45nm-lp")
    parser.add_argument("--summary", action="store_true", help="also the ranges the page's bullets quote")
    args = parser.parse_args(argv)
    try:
        points = read_points(args.results)
        diffs = read_accuracy(args.accuracy) if args.accuracy else MEASURED_DIFF_BY_SEED
        sys.stdout.write(page_tables(points, diffs, args.results, args.units, args.summary))
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
