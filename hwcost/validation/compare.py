"""Price each chip of a validation set as its paper states it, at the paper's scope and
condition, and compare with the published figure.

Nothing here is tuned to a chip: the chip's geometry, node, supply and precision go into the
templates and the technology library as for any other design. A chip the model cannot price
(a node outside the scaler's fits, an ADC resolution outside the library's range) is kept with
the reason, and counted apart in the summary.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from hwcost._config import Checker
from hwcost.arch import registry
from hwcost.design_point import design_point
from hwcost.errors import HwcostError
from hwcost.evaluate import CostCache, report_of
from hwcost.techlib import Flavour, TechLib, choose_flavour, list_techlibs, load_techlib, scale_techlib
from hwcost.techlib.scaling import parse_node_nm
from hwcost.uncertainty import QUANTILES, Band, band, sample
from hwcost.validation.chips import Chip, ChipClass, Design

__all__ = ["ChipResult", "ClassSummary", "BandCoverage", "compare", "summarise", "coverage", "ALL"]

ALL = "all"  # the summary over every class


@dataclass(frozen=True)
class ChipResult:
    """One chip predicted against published; ``error`` says why it could not be priced."""

    chip: Chip
    predicted_tops_per_w: float | None
    predicted_tops_per_mm2: float | None = None
    error: str | None = None
    devices: str = ""  # the device flavour priced, and whether the paper states it or the clock rule chose it
    band: Band | None = None  # p10 / p50 / p90 under the library's spreads, when asked for (docs/uncertainty.md)
    # the TOPS/W of each sample the band is the quantiles of (shape (samples,)), when a band was asked for:
    # what the prediction band against silicon (hwcost.validation.prediction) multiplies by the discrepancy
    tops_per_w_samples: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def inside_band(self) -> bool | None:
        """Whether the published TOPS/W lies in the predicted p10-p90 band (None: no band)."""
        if self.band is None:
            return None
        return self.band.tops_per_w.p10 <= self.chip.published.tops_per_w <= self.band.tops_per_w.p90

    @property
    def ratio(self) -> float | None:
        """Predicted / published TOPS/W (> 1: hwcost is optimistic)."""
        p = self.predicted_tops_per_w
        return None if p is None else p / self.chip.published.tops_per_w

    @property
    def ratio_tops_per_mm2(self) -> float | None:
        p, published = self.predicted_tops_per_mm2, self.chip.published.tops_per_mm2
        return None if p is None or published is None else p / published


@dataclass(frozen=True)
class ClassSummary:
    """How close the predictions of one class come: n priced, fractions within 2x and 3x, the
    median |log10 ratio| and the median ratio (NaN when nothing was priced)."""

    n: int
    not_priced: int
    within_2x: float
    within_3x: float
    median_abs_log10_ratio: float
    median_ratio: float


def devices_of(design: Design, clock_mhz: float) -> tuple[Flavour, str]:
    """The device flavour a chip is priced with: the one its paper states, else the one the clock
    rule picks at its clock (:func:`hwcost.techlib.choose_flavour`: LP when a low-power MAC path
    meets the period), as a designer would choose it. The second item says which it was."""
    if design.flavour is not None:
        return Flavour(design.flavour), f"{design.flavour} (stated)"
    try:
        chosen = choose_flavour(parse_node_nm(design.node), clock_mhz).flavour
    except HwcostError:  # no LP fit at the node: the HP fits, as before the rule
        return Flavour.HP, "HP (no LP fit at the node)"
    return chosen, f"{chosen.value} (clock rule, {clock_mhz:g} MHz)"


def _techlib(design: Design, flavour: Flavour, libs: dict[tuple[object, ...], TechLib]) -> TechLib:
    """45 nm scaled to the node, the supply and the flavour (Stillmaker-Baas 2017 fits,
    ``docs/adding-a-node.md``); the shipped library when it is exactly that."""
    key = (design.node, design.vdd_v, flavour)
    lib = libs.get(key)
    if lib is None:
        shipped = design.node if design.node.endswith("nm") else f"{design.node}nm"
        base = load_techlib("45nm")
        if design.vdd_v is None and shipped in list_techlibs() and load_techlib(shipped).flavour is flavour:
            lib = load_techlib(shipped)
        else:
            lib = scale_techlib(base, parse_node_nm(design.node), flavour=flavour, vdd_v=design.vdd_v)
        libs[key] = lib
    return lib


def price_chip(chip: Chip, libs: dict[tuple[object, ...], TechLib], cache: CostCache, samples: int | None = None,
               seed: int = 0) -> ChipResult:
    """hwcost's figures for one chip at its published scope and condition; with ``samples``, its
    TOPS/W band too (and the samples it is the quantiles of)."""
    d = chip.design
    devices = ""
    try:
        check = Checker()
        arch = registry.arch_from_mapping(d.arch, check)
        check.raise_if_any()
        flavour, devices = devices_of(d, arch.clock_mhz)
        lib = _techlib(d, flavour, libs)
        point = design_point(d.scheme, weight_bits=d.weight_bits, act_bits=d.act_bits, arch=arch,
                             techlib=lib, workload=d.workload)
        report = report_of(point, cache, scope=chip.published.scope)
        spread = None if samples is None else band(report, samples, seed, lib)
        tops = None if samples is None else sample(report, samples, seed, lib).tops_per_w
    except HwcostError as exc:
        return ChipResult(chip, None, None, str(exc), devices)
    return ChipResult(chip, report.tops_per_w, report.tops_per_mm2, devices=devices, band=spread,
                      tops_per_w_samples=tops)


def compare(chips: Iterable[Chip], samples: int | None = None, seed: int = 0) -> tuple[ChipResult, ...]:
    """Every chip priced (libraries scaled once per node and supply); with ``samples``, each with
    its band (``samples`` draws from ``seed``)."""
    libs: dict[tuple[object, ...], TechLib] = {}
    cache = CostCache()
    return tuple(price_chip(chip, libs, cache, samples, seed) for chip in chips)


@dataclass(frozen=True)
class BandCoverage:
    """How many priced chips of a class have their published TOPS/W inside the predicted p10-p90
    band, against the share the band claims (80 %)."""

    n: int
    inside: int
    claimed: float = QUANTILES[-1] - QUANTILES[0]

    @property
    def fraction(self) -> float:
        return self.inside / self.n if self.n else math.nan


def coverage(results: Sequence[ChipResult]) -> dict[str, BandCoverage]:
    """Band coverage per class present (in ChipClass order), then ``all``; chips without a band
    (not priced) are not counted."""
    def of(rs: Sequence[ChipResult]) -> BandCoverage:
        banded = [r for r in rs if r.band is not None]
        return BandCoverage(len(banded), sum(bool(r.inside_band) for r in banded))

    out = {c.value: of([r for r in results if r.chip.chip_class is c])
           for c in ChipClass if any(r.chip.chip_class is c for r in results)}
    out[ALL] = of(results)
    return out


def _summary(results: Sequence[ChipResult]) -> ClassSummary:
    ratios = [r.ratio for r in results if r.ratio is not None]
    logs = [abs(math.log10(r)) for r in ratios]
    n = len(ratios)
    return ClassSummary(
        n=n,
        not_priced=len(results) - n,
        within_2x=sum(x <= math.log10(2) for x in logs) / n if n else math.nan,
        within_3x=sum(x <= math.log10(3) for x in logs) / n if n else math.nan,
        median_abs_log10_ratio=statistics.median(logs) if n else math.nan,
        median_ratio=statistics.median(ratios) if n else math.nan,
    )


def summarise(results: Sequence[ChipResult]) -> dict[str, ClassSummary]:
    """One summary per class present (in ChipClass order), then ``all``."""
    out = {c.value: _summary([r for r in results if r.chip.chip_class is c])
           for c in ChipClass if any(r.chip.chip_class is c for r in results)}
    out[ALL] = _summary(results)
    return out
