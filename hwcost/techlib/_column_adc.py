"""The CIM column-readout model of the 45 nm library, fitted on published CIM readouts.

``hwcost/data/techscaling/cim_column_adc.yaml`` lists the population: each point is one readout of
a published CIM macro or CIM simulator at one resolution, with its node, supply, sample rate,
energy per conversion and (where given) area, each sourced. This module

1. moves every point to 45 nm at 0.9 V with the Stillmaker-Baas 2017 energy and area factors
   (:func:`~hwcost.techlib._stillmaker.node_factors`, the same factors the scaler applies), and
2. fits, per readout, the ``column_adc`` law (:func:`hwcost.techlib.models.column_adc`)

       E = (fixed + per_bit * B + per_level * (2^B - 1)) * (f / 100 MHz)^k

   in log space (least squares of log(fit / point), coefficients >= 0), every source weighted
   equally (a source with eight points counts as much as one with one). Which terms a readout has is its circuit, not a fit choice:
   a SAR resolves B bits with a comparator decision each on a binary-weighted capacitor DAC
   (fixed, per_bit, per_level); a flash has 2^B - 1 comparators and a single-slope converter
   counts one step per level -- a ramp, or a counting / pulse-shrinking TDC (per_level only); a
   time-domain converter resolves its B bits by successive approximation of a time interval, a
   recursive TDC (per_bit only); a sense amplifier is a 1-bit flash. The rate exponent k is 0:
   the population cannot identify it (``RATE_EXPONENT``).

``45nm.yaml`` carries the result rounded to 4 significant digits; the test suite refits and
compares (tests/techlib/test_column_adc.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares

from hwcost._config import read_yaml
from hwcost.techlib._stillmaker import node_factors
from hwcost.techlib.library import Flavour

__all__ = ["READOUTS", "AdcPoint", "ReadoutFit", "adc_points", "fit_readouts", "fit_sar_area", "fit_area", "DATA_FILE",
           "REF_HZ", "RATE_EXPONENT"]

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "techscaling" / "cim_column_adc.yaml"
REF_HZ = 1.0e8
TARGET_NM, TARGET_VDD = 45.0, 0.9
READOUTS = ("sar", "flash", "single_slope", "time_domain", "sense_amp")
# The terms of each readout's circuit (module docstring): fixed, per bit, per level.
_TERMS = {"sar": (True, True, True), "flash": (False, False, True), "single_slope": (False, False, True),
          "time_domain": (False, True, False)}
# The population cannot identify a rate dependence: inside each source the rate is set by the
# resolution (NeuroSim 1/((B+1) ns), ZigZag-IMC 1/(1.48 B ns)), and across sources it is confounded
# with the source (ISAAC, the only >1 GS/s SAR, is also the only 32 nm SOI design); a free
# exponent runs to its bound (1: energy per conversion proportional to the rate, which no readout
# shows). So the energy per conversion is rate-independent over the population's span of rates
# (the techlib's valid range), the reading of CiMLoop's survey-fitted ADC model at <= 8 b below
# 1 GS/s (docs/cim-model.md §6).
RATE_EXPONENT = 0.0


@dataclass(frozen=True)
class AdcPoint:
    source: str
    readout: str
    bits: int
    node_nm: float
    vdd_v: float
    sample_rate_hz: float
    energy_pj: float
    area_um2: float | None
    energy_45_pj: float  # at 45 nm, 0.9 V
    area_45_um2: float | None


@dataclass(frozen=True)
class ReadoutFit:
    """Coefficients at 45 nm / 0.9 V and the relative residuals (fit / point - 1) per point."""

    readout: str
    fixed: float
    per_bit: float
    per_level: float
    rate_exponent: float
    residuals: tuple[float, ...]
    sources: tuple[str, ...]

    def energy_pj(self, bits: float, rate_hz: float) -> float:
        return ((self.fixed + self.per_bit * bits + self.per_level * (2.0**bits - 1))
                * (rate_hz / REF_HZ) ** self.rate_exponent)


@lru_cache(maxsize=1)
def adc_points() -> tuple[AdcPoint, ...]:
    raw = read_yaml(DATA_FILE).data
    sources = raw["sources"]
    out = []
    for src, bits, node, vdd, rate, energy, area in raw["points"]:
        f = node_factors(float(node), float(vdd), TARGET_NM, TARGET_VDD, Flavour.HP)
        out.append(AdcPoint(src, sources[src]["readout"], int(bits), float(node), float(vdd), float(rate),
                            float(energy), None if area is None else float(area), float(energy) * f.energy,
                            None if area is None else float(area) * f.area))
    return tuple(out)


def _solve(points: list[AdcPoint], terms: tuple[bool, bool, bool], area: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Least squares of log(fit / point), coefficients >= 0, each source's points weighted
    1 / sqrt(n_source); returns (fixed, per_bit, per_level) and the relative residuals."""
    b = np.array([p.bits for p in points], dtype=float)
    y = np.array([(p.area_45_um2 if area else p.energy_45_pj) for p in points])
    cols = np.stack([np.ones_like(b), b, 2.0**b - 1], axis=1)[:, list(terms)]
    counts = {p.source: sum(q.source == p.source for q in points) for p in points}
    w = np.array([1 / np.sqrt(counts[p.source]) for p in points])

    def residual(x: np.ndarray) -> np.ndarray:
        return w * np.log(np.maximum(cols @ x, 1e-30) / y)

    start = np.full(cols.shape[1], float(np.median(y / cols.sum(axis=1))))
    coef = least_squares(residual, start, bounds=(0.0, np.inf), xtol=1e-14, ftol=1e-14, gtol=1e-14).x
    full = np.zeros(3)
    full[list(np.flatnonzero(terms))] = coef
    return full, cols @ coef / y - 1


@lru_cache(maxsize=1)
def fit_readouts() -> dict[str, ReadoutFit]:
    """Energy fits per readout (module docstring); ``sense_amp`` is the flash at one bit."""
    pts = adc_points()
    fits = {}
    for readout, terms in _TERMS.items():
        mine = [p for p in pts if p.readout == readout]
        coef, res = _solve(mine, terms)
        fits[readout] = ReadoutFit(readout, *map(float, coef), RATE_EXPONENT, tuple(map(float, res)),
                                   tuple(sorted({p.source for p in mine})))
    flash = fits["flash"]
    fits["sense_amp"] = ReadoutFit("sense_amp", flash.per_level, 0.0, 0.0, flash.rate_exponent, (), flash.sources)
    return fits


@lru_cache(maxsize=None)
def fit_area(readout: str) -> tuple[np.ndarray, np.ndarray]:
    """Area at 45 nm against bits of a readout whose points give areas, with the terms of its
    energy law (no rate term: no area data spans rates); coefficients (fixed, per_bit,
    per_level) um2 and relative residuals. ``sar``: ISAAC and ZigZag-IMC; ``time_domain``: TIMELY."""
    mine = [p for p in adc_points() if p.readout == readout and p.area_45_um2 is not None]
    return _solve(mine, _TERMS[readout], area=True)


def fit_sar_area() -> tuple[np.ndarray, np.ndarray]:
    """:func:`fit_area` of the SAR readout."""
    return fit_area("sar")
