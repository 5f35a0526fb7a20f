"""Stillmaker & Baas 2017 node-scaling fits: energy quadratic in Vdd, delay cubic, area factors.

A. Stillmaker and B. Baas, "Scaling equations for the accurate prediction of CMOS device
performance from 180 nm to 7 nm", Integration 58 (2017) 74-81. Per node (and, at 45 nm and
below, per flavour HP/LP) the paper fits

    delay  D(V) = a3 V^3 + a2 V^2 + a1 V + a0
    energy E(V) = b2 V^2 + b1 V + b0

and a quantity moves from (node1, V1) to (node2, V2) by X2(V2) / X1(V1). Area has no supply
dependence: the paper's area matrix, of which hwcost ships the 45 nm row, so that
area(n1 -> n2) = a45(n2) / a45(n1) (exact for scaling from 45 nm). 28 and 22 nm are not in the
paper: their fits are the linear interpolation in node_nm of the 32 and 20 nm coefficients (and
nominal supply and area factor), and they say so. The coefficients are read from
``hwcost/data/techscaling/stillmaker_baas_2017.yaml``; their sources are recorded there.

Supply window (hwcost's rule, not the paper's): the paper's per-node voltage ranges were not
available to us, so a supply is accepted from 0.6x to 1.1x the fit's nominal supply. Inside
that window every fit is positive and its energy grows with the supply.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from hwcost._config import read_yaml
from hwcost.errors import HwcostError
from hwcost.techlib.library import Flavour

__all__ = [
    "NodeFit", "NodeFactors", "node_fit", "node_factors", "vdd_factor", "supported_nodes", "round_sig",
    "DATA_FILE",
]

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "techscaling" / "stillmaker_baas_2017.yaml"
VDD_WINDOW = (0.6, 1.1)  # accepted supply, as a multiple of the fit's nominal supply (hwcost's rule)
PAPER = "Stillmaker-Baas 2017"


@dataclass(frozen=True)
class NodeFit:
    """One node's fit for one flavour (``flavour`` is None where one fit serves HP and LP)."""

    label: str
    node_nm: float
    flavour: Flavour | None
    delay: tuple[float, float, float, float]  # a3, a2, a1, a0
    energy: tuple[float, float, float]  # b2, b1, b0
    vdd_nominal_v: float
    area_vs_45nm: float
    interpolated_from: tuple[float, float] | None = None

    def energy_at(self, vdd_v: float) -> float:
        """E(V) = b2 V^2 + b1 V + b0 (relative units; only ratios mean anything)."""
        b2, b1, b0 = self.energy
        return b2 * vdd_v**2 + b1 * vdd_v + b0

    def delay_at(self, vdd_v: float) -> float:
        """D(V) = a3 V^3 + a2 V^2 + a1 V + a0 (relative units)."""
        a3, a2, a1, a0 = self.delay
        return ((a3 * vdd_v + a2) * vdd_v + a1) * vdd_v + a0

    @property
    def vdd_range_v(self) -> tuple[float, float]:
        return VDD_WINDOW[0] * self.vdd_nominal_v, VDD_WINDOW[1] * self.vdd_nominal_v

    def describe(self) -> str:
        flavour = self.flavour.value if self.flavour else "HP/LP"
        where = f"{self.node_nm:g} nm {flavour}"
        if self.interpolated_from:
            hi, lo = self.interpolated_from
            where += f" (interpolated between {hi:g} and {lo:g} nm)"
        return where

    def check_vdd(self, vdd_v: float, what: str) -> None:
        low, high = self.vdd_range_v
        if not low - 1e-9 <= vdd_v <= high + 1e-9:
            raise HwcostError.single(
                f"{what} Vdd {vdd_v:g} V is outside {low:.3g}-{high:.3g} V, the supplies hwcost "
                f"accepts for the {PAPER} {self.describe()} fit ({VDD_WINDOW[0]:g}-"
                f"{VDD_WINDOW[1]:g}x its nominal {self.vdd_nominal_v:g} V)"
            )


@dataclass(frozen=True)
class NodeFactors:
    """The logic factors from (source fit, supply) to (target fit, supply)."""

    source: NodeFit
    target: NodeFit
    vdd_from_v: float
    vdd_to_v: float
    energy: float
    area: float
    delay: float

    @property
    def interpolated(self) -> bool:
        return self.target.interpolated_from is not None or self.source.interpolated_from is not None

    def describe(self) -> str:
        s, t = self.source, self.target
        return (
            f"energy E_{t.label}({self.vdd_to_v:g} V) / E_{s.label}({self.vdd_from_v:g} V) = "
            f"{self.energy:g}; area a45({t.node_nm:g}) / a45({s.node_nm:g}) = {self.area:g}; "
            f"delay D_{t.label}({self.vdd_to_v:g} V) / D_{s.label}({self.vdd_from_v:g} V) = "
            f"{self.delay:g}"
        )


def round_sig(value: float, digits: int = 6) -> float:
    """``value`` to ``digits`` significant digits (every factor hwcost writes is rounded so).

    >>> round_sig(0.068412345), round_sig(28910.16, 4)
    (0.0684123, 28910.0)
    """
    return float(f"{value:.{digits}g}")


def node_factors(
    from_nm: float, vdd_from_v: float, to_nm: float, vdd_to_v: float | None, flavour: Flavour
) -> NodeFactors:
    """Energy, area and delay factors from (from_nm, vdd_from_v) to (to_nm, vdd_to_v), both with
    the ``flavour`` fit; ``vdd_to_v=None`` takes the target's nominal supply. Factors are rounded
    to 6 significant digits.

    >>> f = node_factors(45, 1.0, 7, None, Flavour.HP)   # published: 0.056, 0.059, 0.259
    >>> round(f.energy, 3), f.area, round(f.delay, 3), f.vdd_to_v
    (0.056, 0.059, 0.259, 0.7)
    """
    source, target = node_fit(from_nm, flavour), node_fit(to_nm, flavour)
    vdd_to_v = target.vdd_nominal_v if vdd_to_v is None else vdd_to_v
    source.check_vdd(vdd_from_v, "the source library's")
    target.check_vdd(vdd_to_v, "the target")
    return NodeFactors(
        source, target, vdd_from_v, vdd_to_v,
        energy=round_sig(target.energy_at(vdd_to_v) / source.energy_at(vdd_from_v)),
        area=round_sig(target.area_vs_45nm / source.area_vs_45nm),
        delay=round_sig(target.delay_at(vdd_to_v) / source.delay_at(vdd_from_v)),
    )


def vdd_factor(fit: NodeFit, vdd_from_v: float, vdd_to_v: float) -> float:
    """E(V_to) / E(V_from) at one node: the fitted quadratic supply dependence."""
    fit.check_vdd(vdd_to_v, "the target")
    return round_sig(fit.energy_at(vdd_to_v) / fit.energy_at(vdd_from_v))


def node_fit(node_nm: float, flavour: Flavour) -> NodeFit:
    """The fit for ``node_nm`` and ``flavour``: the paper's; for 28 and 22 nm the paper's own
    interpolation between 32 and 20 nm; for any other node between two fits, the same linear
    interpolation between the two nearest (flagged as interpolated). Never extrapolated."""
    data = _data()
    for fit in data["fits"]:
        if fit.node_nm == node_nm and fit.flavour in (None, flavour):
            return fit
    if node_nm in data["interpolated"]:
        hi, lo = data["interpolated"][node_nm]
        return _interpolate(node_nm, node_fit(hi, flavour), node_fit(lo, flavour))
    nodes = sorted({fit.node_nm for fit in data["fits"] if fit.flavour in (None, flavour)})
    above = [n for n in nodes if n > node_nm]
    below = [n for n in nodes if n < node_nm]
    if above and below:  # any node between two fits: the two nearest, as the paper does for 28/22 nm
        return _interpolate(node_nm, node_fit(above[0], flavour), node_fit(below[-1], flavour))
    raise HwcostError.single(
        f"no {PAPER} fit for {node_nm:g} nm; the nodes it covers are {', '.join(supported_nodes())} "
        "and any node between two of them, interpolated (hwcost never extrapolates beyond them)"
    )


def supported_nodes() -> list[str]:
    """Node names the scaler accepts, e.g. ['180nm', ..., '28nm (interpolated)', ..., '7nm']; any
    node between two of them is accepted too, interpolated."""
    data = _data()
    nodes = {fit.node_nm: f"{fit.node_nm:g}nm" for fit in data["fits"]}
    nodes.update({n: f"{n:g}nm (interpolated)" for n in data["interpolated"]})
    return [nodes[n] for n in sorted(nodes, reverse=True)]


def _interpolate(node_nm: float, hi: NodeFit, lo: NodeFit) -> NodeFit:
    """Linear in node_nm between two fits, coefficient by coefficient [D] (hwcomponents'
    techscaling.py interpolates the same way): at any fixed V, E and D interpolate linearly."""
    w = (node_nm - lo.node_nm) / (hi.node_nm - lo.node_nm)  # weight of the larger node

    def mix(a: float, b: float) -> float:
        return w * a + (1.0 - w) * b

    return NodeFit(
        label=f"{hi.flavour.value if hi.flavour else ''}{node_nm:g}",
        node_nm=node_nm,
        flavour=hi.flavour,
        delay=tuple(mix(a, b) for a, b in zip(hi.delay, lo.delay)),  # type: ignore[arg-type]
        energy=tuple(mix(a, b) for a, b in zip(hi.energy, lo.energy)),  # type: ignore[arg-type]
        vdd_nominal_v=round_sig(mix(hi.vdd_nominal_v, lo.vdd_nominal_v)),
        area_vs_45nm=round_sig(mix(hi.area_vs_45nm, lo.area_vs_45nm)),
        interpolated_from=(hi.node_nm, lo.node_nm),
    )


@lru_cache(maxsize=None)
def _data() -> dict[str, Any]:
    """The shipped coefficients as typed fits (read once; the file is package data)."""
    raw = read_yaml(DATA_FILE).data
    area = {float(k): float(v) for k, v in raw["area_vs_45nm"].items()}
    fits = tuple(
        NodeFit(
            label=str(label),
            node_nm=float(f["node_nm"]),
            flavour=None if f["flavour"] == "both" else Flavour(f["flavour"]),
            delay=tuple(float(c) for c in f["delay"]),  # type: ignore[arg-type]
            energy=tuple(float(c) for c in f["energy"]),  # type: ignore[arg-type]
            vdd_nominal_v=float(f["vdd_nominal_v"]),
            area_vs_45nm=area[float(f["node_nm"])],
        )
        for label, f in raw["fits"].items()
    )
    interpolated = {float(k): (float(v[0]), float(v[1])) for k, v in raw["interpolated"].items()}
    return {"fits": fits, "interpolated": interpolated}
