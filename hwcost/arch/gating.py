"""The ``power_gating`` key, one spelling for every template.

``none``: nothing is gated. ``idle``: what a layer leaves idle is gated -- the MAC array's PE grid
in its idle cycles (docs/cost-model.md §6), a CIM template's macros the layer does not use, cells
soft and periphery hard (docs/cim-model.md §6, docs/digital-cim.md). Until issue 16's follow-up
the MAC array took true/false and the CIM templates none/idle_macros; those spellings are refused
with the one to write instead.

    >>> from hwcost._config import Checker
    >>> check = Checker("arch.yaml")
    >>> read_power_gating(check, "idle", "power_gating"), bool(PowerGating.IDLE), bool(PowerGating.NONE)
    (<PowerGating.IDLE: 'idle'>, True, False)
    >>> read_power_gating(check, True, "power_gating") is None, check.problems[0].message
    (True, 'true is the former MAC-array spelling; write idle (true) or none (false)')
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from hwcost._config import Checker

__all__ = ["PowerGating", "read_power_gating"]

# Former spellings -> the value that replaces them.
_RENAMED = {"idle_macros": "idle", "true": "idle", "false": "none"}


class PowerGating(Enum):
    """Power gating of what a layer leaves idle: ``none`` (nothing gated; no gating circuit
    assumed) or ``idle`` (the idle PE grid / idle macros gated, docs/cost-model.md §6 and
    docs/cim-model.md §6). A member is true when gating is on, so ``if config.power_gating``
    reads as it did when the MAC array's key was a boolean."""

    NONE = "none"
    IDLE = "idle"

    def __bool__(self) -> bool:
        return self is PowerGating.IDLE


def read_power_gating(check: Checker, value: Any, key: str) -> PowerGating | None:
    """The ``power_gating`` value of a file or flag, or ``None`` with the problem recorded at
    ``key``; a former spelling names the value to write instead."""
    if isinstance(value, bool) or value in ("idle_macros", "true", "false"):
        if isinstance(value, bool):
            check.error(key, f"{str(value).lower()} is the former MAC-array spelling; write idle (true) or none (false)")
        elif value == "idle_macros":
            check.error(key, "idle_macros is the former CIM spelling; write idle (the same meaning, one word for "
                        "every template)")
        else:
            check.error(key, f"{value!r} is the former MAC-array spelling; write {_RENAMED[value]}")
        return None
    chosen = check.choice(value, key, [m.value for m in PowerGating])
    return None if chosen is None else PowerGating(chosen)
