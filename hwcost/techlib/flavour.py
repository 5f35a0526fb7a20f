"""Choosing the device flavour (HP or LP) with the clock: LP when its MAC path meets the period.

Low-power (high-Vt) devices leak orders of magnitude less (``hwcost/techlib/_leakage.py``) but
switch slower. A design that leaves the flavour open (``hwcost techlib scale --flavour auto``)
gets LP when the slow devices still close timing at its clock, HP otherwise:

    t_path(flavour, node, V) = T_REF_NS x D_flavour,node(V) / D_HP45(V_REF)
    LP  if  1000 / clock_mhz >= t_path(LP, node, V_LP)  else  HP

- the **logic depth** is that of a 32-bit integer multiplier: Aladdin's TSMC 40 nm
  general-purpose synthesis of one closes a 1 ns clock with a 0.98 ns critical path
  (``MUL_1ns_critical_path_delay``, harvard-acc/ALADDIN ``common/power_func.h``) [P]: T_REF_NS.
  A PE's multiply-accumulate of at most 16-bit operands is shallower, so the rule errs towards
  HP. Those devices are taken as HP at 45 nm and V_REF = 1.0 V (the HP45 nominal supply);
- D is the Stillmaker & Baas 2017 delay fit (``hwcost/techlib/_stillmaker.py``), a cubic in V,
  of the flavour at the node; V_LP is the LP fit's nominal supply (where hwcost's LP libraries
  run; 1.1 V at 45 nm, 0.7 V at 7 nm).

At 45 nm the LP path is 0.98 ns x D_LP45(1.1) / D_HP45(1.0) = 3.39 ns: LP up to 295 MHz. At 7 nm
it is 0.567 ns: LP up to 1.76 GHz. An explicit flavour (a library that states one, ``--flavour
HP``) is never overridden; :func:`describe_flavour` says, for a report, which flavour a library
uses and what the rule would pick at the design's clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from hwcost.errors import HwcostError
from hwcost.techlib._stillmaker import PAPER, node_fit
from hwcost.techlib.library import Flavour, TechLib

__all__ = ["T_REF_NS", "V_REF", "FlavourChoice", "lp_path_ns", "choose_flavour", "describe_flavour"]

T_REF_NS = 0.98  # Aladdin 40 nm 32-bit multiplier's critical path at a 1 ns clock [P]
V_REF = 1.0  # the HP45 fit's nominal supply, at which that synthesis is taken


@dataclass(frozen=True)
class FlavourChoice:
    """The flavour the clock rule picks, the LP path it compared and why."""

    flavour: Flavour
    lp_path_ns: float
    period_ns: float
    reason: str


def lp_path_ns(node_nm: float) -> float:
    """The reference MAC path with LP devices at ``node_nm`` and the LP fit's nominal supply.

    >>> round(lp_path_ns(45), 2), round(lp_path_ns(7), 3)
    (3.39, 0.567)
    """
    lp, hp45 = node_fit(node_nm, Flavour.LP), node_fit(45, Flavour.HP)
    return T_REF_NS * lp.delay_at(lp.vdd_nominal_v) / hp45.delay_at(V_REF)


def choose_flavour(node_nm: float, clock_mhz: float) -> FlavourChoice:
    """LP when its reference path fits the clock period, else HP.

    >>> choose_flavour(45, 200).flavour, choose_flavour(45, 1000).flavour, choose_flavour(7, 1000).flavour
    (<Flavour.LP: 'LP'>, <Flavour.HP: 'HP'>, <Flavour.LP: 'LP'>)
    """
    if not clock_mhz > 0:
        raise HwcostError.single(f"expected a clock above 0 MHz; got {clock_mhz:g}", key="clock_mhz")
    path = lp_path_ns(node_nm)
    period = 1000.0 / clock_mhz
    meets = period >= path
    flavour = Flavour.LP if meets else Flavour.HP
    verb = "meets" if meets else "misses"
    reason = (f"LP's reference MAC path at {node_nm:g} nm ({path:.3g} ns: Aladdin's 32-bit multiplier, "
              f"{T_REF_NS:g} ns, x the {PAPER} LP/HP delay ratio) {verb} the {period:.3g} ns period of "
              f"{clock_mhz:g} MHz")
    return FlavourChoice(flavour, path, period, reason)


def describe_flavour(lib: TechLib, clock_mhz: float) -> str:
    """The report's line: the flavour the library states, and what the clock rule would pick.

    >>> from hwcost.techlib import load_techlib
    >>> describe_flavour(load_techlib("45nm"), 1000.0).split(";")[0]
    'HP, as library 45nm states it'
    """
    line = f"{lib.flavour.value}, as library {lib.name} states it"
    try:
        choice = choose_flavour(lib.node_nm, clock_mhz)
    except HwcostError:
        return line + f"; no {PAPER} LP fit at {lib.node_nm:g} nm to compare the clock with"
    agree = "agrees" if choice.flavour is lib.flavour else f"would pick {choice.flavour.value}"
    return f"{line}; the clock rule {agree}: {choice.reason}"
