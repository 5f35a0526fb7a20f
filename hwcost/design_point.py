"""A design point: the scheme at its bits, the accelerator, the technology library, the network
(or the accelerator's peak: ``workload="peak"``).

:func:`design_point` resolves names and files into a :class:`DesignPoint`; it is the only step of
an evaluation that reads files.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hwcost.arch.registry import load_arch
from hwcost.arch.template import ArchConfig
from hwcost.errors import HwcostError
from hwcost.report import Condition
from hwcost.schemes import QuantScheme, ScaleRealisation, ZeroPointRealisation, get_scheme
from hwcost.techlib import TechLib, load_techlib
from hwcost.workloads import Workload, load_workload

__all__ = ["DesignPoint", "design_point", "PEAK"]

PEAK = "peak"  # the workload name that asks for the design's peak (Condition.PEAK)


@dataclass(frozen=True)
class DesignPoint:
    """One fully specified design: the scheme at its bits, the accelerator, the library, and the
    network (``workload``) or, when ``workload`` is ``None``, the design's peak: full utilisation
    on an ideal layer that maps perfectly onto it (the template's ``ideal_layer``)."""

    scheme: QuantScheme
    arch: ArchConfig
    techlib: TechLib
    workload: Workload | None

    @property
    def condition(self) -> Condition:
        return Condition.PEAK if self.workload is None else Condition.WORKLOAD

    def describe(self) -> dict[str, Any]:
        s, a = self.scheme, self.arch
        return {
            "scheme": s.name,
            "weight_bits": s.weights.bits,
            "act_bits": s.activations.bits,
            "zero_point": s.zero_point_realisation.value,
            "scale_at": s.scale_realisation.value,
            "arch": a.name,
            **a.describe(),
            "node": self.techlib.name,
            "workload": PEAK if self.workload is None else self.workload.name,
        }


def _choice(enum: type, value: str | None, key: str) -> Any:
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        valid = ", ".join(m.value for m in enum)
        raise HwcostError.single(f"expected one of {valid}; got '{value}'", key=key) from None


DEFAULT_NODE_NM = 45  # the node of the shipped default libraries (45nm, 45nm-lp)


def default_node(clock_mhz: float) -> str:
    """The shipped 45 nm library whose device flavour the clock rule picks at ``clock_mhz``
    (:func:`hwcost.techlib.choose_flavour`: LP when a low-power MAC path meets the period, about
    295 MHz at 45 nm), so a design left without a node gets devices consistent with its clock.

    >>> default_node(1000.0), default_node(150.0)
    ('45nm', '45nm-lp')
    """
    from hwcost.techlib import Flavour, choose_flavour

    return "45nm-lp" if choose_flavour(DEFAULT_NODE_NM, clock_mhz).flavour is Flavour.LP else "45nm"


def design_point(
    scheme: str | QuantScheme = "lsq",
    bits: int | None = None,
    *,
    weight_bits: int | None = None,
    act_bits: int | None = None,
    arch: str | Path | ArchConfig = "mac_array",
    node: str | None = None,
    techlib: str | Path | TechLib | None = None,
    workload: str | Path | Workload | None = "resnet20",
    zero_point: str | None = None,
    scale_at: str | None = None,
) -> DesignPoint:
    """Resolve names and files into a :class:`DesignPoint` (the only step that reads files).

    ``bits`` sets weights and activations; ``weight_bits`` / ``act_bits`` override either.
    ``techlib`` (a library or a YAML path) takes precedence over ``node``. With neither, the
    45 nm library of the device flavour the clock rule picks at the design's clock
    (:func:`default_node`: ``45nm`` for the MAC array's 1 GHz, ``45nm-lp`` for the CIM macro's
    150 MHz); a node named explicitly is used as it is. ``workload`` is a
    network name, a workload file, a :class:`Workload`, or ``"peak"`` (or ``None``) for the
    design's peak.
    """
    base = get_scheme(scheme) if isinstance(scheme, str) else scheme
    wb = weight_bits if weight_bits is not None else bits
    ab = act_bits if act_bits is not None else bits
    chosen = base.with_bits(wb, ab)
    zp = _choice(ZeroPointRealisation, zero_point, "zero_point")
    sr = _choice(ScaleRealisation, scale_at, "scale_at")
    if zp is not None:
        chosen = replace(chosen, zero_point_realisation=zp)
    if sr is not None:
        chosen = replace(chosen, scale_realisation=sr)
    config = arch if not isinstance(arch, (str, Path)) else load_arch(arch)
    if isinstance(techlib, TechLib):
        lib = techlib
    else:
        lib = load_techlib(techlib if techlib is not None else node if node is not None else default_node(config.clock_mhz))
    return DesignPoint(
        scheme=chosen,
        arch=config,
        techlib=lib,
        workload=None if workload is None or workload == PEAK else
        workload if isinstance(workload, Workload) else load_workload(workload),
    )
