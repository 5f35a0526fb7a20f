"""When a design point cannot be priced, name the flag the user typed and the values it can take.

The technology library refuses a width it has no data for, e.g. ``int_adder: bits = 74`` for a
32-bit scheme's accumulator. That width is internal; what the user typed was ``--bits 32``.
:func:`attributed` tries the other values of each width flag the user gave (others as typed) and,
when some of them price, reports the flag, the value given, the library's reason and the values
that work. When no single typed flag can fix it, the error is reported under ``--techlib`` when
the user gave a library file (it cannot price this point), else kept as the library raised it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from hwcost.cli._flags import renamed, value_ranges
from hwcost.errors import HwcostError, Problem

__all__ = ["SEARCHED", "attributed"]

_POWERS = tuple(2**k for k in range(13))  # 1 .. 4096
# flag -> (argparse destination, values tried)
SEARCHED: Mapping[str, tuple[str, tuple[int, ...]]] = {
    "--bits": ("bits", tuple(range(1, 33))),
    "--weight-bits": ("weight_bits", tuple(range(1, 33))),
    "--act-bits": ("act_bits", tuple(range(1, 33))),
    "--adc-bits": ("adc_bits", tuple(range(1, 17))),
    "--dac-bits": ("dac_bits", tuple(range(1, 9))),
    "--cell-bits": ("cell_bits", tuple(range(1, 5))),
    "--rows": ("rows", _POWERS[3:]),
    "--cols": ("cols", _POWERS[3:]),
    "--adc-share": ("adc_share", _POWERS[:8]),
}
# CIM flags -> the template key they override
_ARCH_KEYS = {"--adc-bits": "adc_bits", "--dac-bits": "input_bits_per_pulse", "--cell-bits": "cell_bits",
              "--rows": "rows", "--cols": "cols", "--adc-share": "adc_share"}


def attributed(err: HwcostError, args: argparse.Namespace, point: Any, price: Callable[[Any], object]) -> HwcostError:
    """``err`` (raised by ``price(point)``) reported under the typed flags that can fix it."""
    if any(p.file is not None for p in err.problems):
        return err
    reason = "; ".join(p.message if p.key is None else f"{p.key}: {p.message}" for p in err.problems)
    problems = []
    for flag, (dest, candidates) in SEARCHED.items():
        given = getattr(args, dest, None)
        if given is None:
            continue
        working = [v for v in candidates if v != given and _prices(_variant(point, args, flag, v), price)]
        if working:
            problems.append(Problem(
                f"{given} cannot be priced on {point.techlib.name} ({reason}); with the other options as given, "
                f"{flag} can be {value_ranges(working)}", key=flag,
            ))
    if problems:
        return HwcostError(problems)
    if getattr(args, "techlib", None):  # the library file the user gave cannot price this point
        return renamed(err, {"": "--techlib"})
    return err


def _variant(point: Any, args: argparse.Namespace, flag: str, value: int) -> Any:
    """``point`` with ``flag`` set to ``value`` (None when that value is itself invalid)."""
    try:
        if flag in _ARCH_KEYS:
            from hwcost.arch.registry import with_overrides

            return replace(point, arch=with_overrides(point.arch, {_ARCH_KEYS[flag]: value}))
        weight = args.weight_bits if flag != "--weight-bits" and args.weight_bits is not None else value
        act = args.act_bits if flag != "--act-bits" and args.act_bits is not None else value
        if flag == "--weight-bits":
            act = point.scheme.activations.bits
        if flag == "--act-bits":
            weight = point.scheme.weights.bits
        return replace(point, scheme=point.scheme.with_bits(weight, act))
    except HwcostError:
        return None


def _prices(point: Any, price: Callable[[Any], object]) -> bool:
    if point is None:
        return False
    try:
        price(point)
    except HwcostError:
        return False
    return True
