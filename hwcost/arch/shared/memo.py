"""What blocks of design points price from their settings alone, kept for the blocks that follow.

A sweep of schemes x designs plans one block per scheme over the same configurations; much of a
block's plan reads only the configurations and a few widths (the PE rows, the local buffers, the
global buffer's rows), the same for many schemes. :class:`SettingsMemo` keeps those values per
library (in its :class:`~hwcost.arch.shared.pricing.Pricer`), keyed by every setting they read,
and bounded, so that a stream of chunks keeps a bounded amount. A value is shared by the blocks
that ask for it: its arrays are made read-only (:func:`read_only`), so that no block can change
another's numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import numpy as np

from hwcost.arch.shared.pricing import PricedRow, Pricer

__all__ = ["SettingsMemo", "settings_memo", "read_only"]

T = TypeVar("T")


class SettingsMemo:
    """Values keyed by the settings they are made from. First in, first out, up to
    ``max_points`` design points in all (each value counts the points of the block that made it)."""

    def __init__(self, max_points: int = 100_000) -> None:
        self.max_points = max_points
        self.points = 0
        self._entries: dict[tuple[object, ...], tuple[Any, int]] = {}

    def get(self, key: tuple[object, ...], make: Callable[[], T], points: int) -> T:
        """The value of ``key``, made by ``make()`` when it is not kept (``points``: the design
        points it is made for, what the bound counts)."""
        hit = self._entries.get(key)
        if hit is None:
            hit = self._entries[key] = (make(), points)
            self.points += points
            while self.points > self.max_points and len(self._entries) > 1:
                self.points -= self._entries.pop(next(iter(self._entries)))[1]
        return hit[0]

    def __len__(self) -> int:
        return len(self._entries)


def settings_memo(pricer: Pricer, name: str) -> SettingsMemo:
    """The library's memo ``name`` (one per template: their keys differ)."""
    return pricer.derived(("settings_memo", name), SettingsMemo)


def read_only(rows: Iterable[PricedRow]) -> None:
    """Make every array of ``rows`` (an energy of a term, an area, a leakage) read-only."""
    for row in rows:
        for value in (row.area_um2, row.leakage_mw, *(e for t in row.terms for e in t.energies_pj)):
            if isinstance(value, np.ndarray):
                value.flags.writeable = False

