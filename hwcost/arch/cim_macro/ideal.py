"""How many row groups the peak's ideal layer of a CIM template spans (docs/cim-model.md §5).

The peak is the design at full utilisation on an ideal layer that maps perfectly onto it
(docs/cost-model.md §6). On the MAC array that layer has a reduction of at least
``PEAK_STREAM_LENGTH`` = 1024, so every output's post-processing (requantization, bias, clamp on
the ``post_lanes`` lanes) is shared by about 1024 MACs, as on a large network layer (a 3 x 3 x C
reduction of ResNet's later stages is 576-4608 long). A CIM macro holds R rows, so a reduction
that long spans RG = ceil(1024 / R) row groups, each in its own macro, their partial sums added
by the row-group accumulator -- as a real layer's long reduction is. The macros are shared out as
RG row groups x M / RG column tiles: RG is the smallest divisor of M that is at least
ceil(1024 / R), so every macro holds one tile and works every cycle, and no weight is reloaded
(at most M row groups: a single macro's ideal layer is one row group of R rows). With
``macros: auto`` the design has as many macros as the layer needs: RG of them, one column tile.

    >>> ideal_row_groups(128, 108), ideal_row_groups(128, 8), ideal_row_groups(128, 7), ideal_row_groups(128, None)
    (9, 8, 7, 8)
    >>> ideal_row_groups(2304, 1), ideal_row_groups(1152, 4), ideal_row_groups(256, 1)
    (1, 1, 1)
"""

from __future__ import annotations

from hwcost.arch.shared.tables import PEAK_STREAM_LENGTH

__all__ = ["ideal_row_groups"]


def ideal_row_groups(rows: int, macros: int | None) -> int:
    """Row groups of the ideal layer: the smallest divisor of ``macros`` that is at least
    ceil(PEAK_STREAM_LENGTH / rows) (all of them when none is), or that count itself for
    ``macros`` None (auto)."""
    wanted = -(-PEAK_STREAM_LENGTH // rows)
    if macros is None:
        return wanted
    return next(d for d in range(min(wanted, macros), macros + 1) if macros % d == 0)
