"""Static power of CIM macros and the power gating of idle ones (docs/cim-model.md §6), shared by
the analog (``cim_macro``) and digital (``digital_cim``) templates.

A macro part leaking P mW per macro on M macros leaks, over an inference of latency T:

- ``power_gating: none``: P M T -- the row's leakage, times the latency, as every leaking row;
- ``idle``: P (f M T + (1 - f) sum_l u_l t_l): every macro leaks at least the residual
  fraction f of a gated macro -- 1/3 for the cells, soft-gated so that they keep their weights;
  1/260 for the periphery, hard-gated -- and the u_l macros layer l uses leak the rest over its
  t_l cycles: a count of active macro-cycles priced (1 - f) P per cycle.
"""

from __future__ import annotations

from enum import Enum

import numpy as np

from hwcost.arch.cim_macro.config import PowerGating
from hwcost.arch.shared.pricing import Pricer, Term

__all__ = ["sram_macro_args", "sram_leakage_mw_per_bit", "macro_leakage"]

# The CACTI sweep behind the library's SRAM law has ports of 32..256 bits; its leakage does not
# depend on the port (exponent 0).
_PORT_MIN_BITS, _PORT_MAX_BITS = 32, 256


def sram_macro_args(rows: int, cols: int, pricer: Pricer) -> dict[str, float]:
    """The library's SRAM law at a macro's capacity (at least its smallest table) and a port of the
    macro's columns (clamped to the law's ports)."""
    return dict(capacity_bytes=max(rows * cols / 8, pricer.sram_range().min_bytes),
                width_bits=min(max(cols, _PORT_MIN_BITS), _PORT_MAX_BITS))


def sram_leakage_mw_per_bit(rows: int, cols: int, pricer: Pricer) -> float:
    """The library's SRAM leakage law (CACTI 7, the library's flavour) per bit, at the macro's capacity."""
    args = sram_macro_args(rows, cols, pricer)
    return pricer.leakage_mw("sram", **args) / (8 * args["capacity_bytes"])


def macro_leakage(gating: PowerGating, clock_mhz: float, macros: int, per_macro_mw: float,
                  active_cycles: Enum, residual: float) -> tuple[float, tuple[Term, ...]]:
    """(the row's leakage in mW while the design runs, its static terms) for a part leaking
    ``per_macro_mw`` in each of ``macros`` macros and ``residual`` of it when gated;
    ``active_cycles`` is the count key of the macros-in-use x cycles (module docstring)."""
    if gating is PowerGating.NONE or not np.any(per_macro_mw):  # (an array: a block's points, all 0 or none)
        return macros * per_macro_mw, ()
    f = residual
    per_cycle_pj = (1 - f) * per_macro_mw * 1e3 / clock_mhz  # mW x (1 / f_clk) s, in pJ
    return f * macros * per_macro_mw, (Term(active_cycles, per_cycle_pj, per_cycle_pj, static=True),)
