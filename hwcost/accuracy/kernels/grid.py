"""The integer grid of one quantized tensor, derived from its ``TensorQuant`` fields.

A grid is the range ``[lo, hi]`` of the rounding index ``k`` and a ``half`` offset: the value of
index ``k`` is ``step * (k + half)``. Ordinary grids have ``half = 0``: signed
``[-2^(b-1), 2^(b-1) - 1]`` (narrow range drops the most negative code, Jacob et al. 2018 §3.1),
unsigned ``[0, 2^b - 1]``. A centred grid (CSQ, Asim et al. 2022; DoReFa weights) has
``half = 0.5`` and ``k`` in ``[-2^(b-1), 2^(b-1) - 1]``: the zero-free odd levels
``step * (2k + 1) / 2``; integer hardware stores the odd code ``2k + 1`` with step ``step / 2``.
"""

from __future__ import annotations

from dataclasses import dataclass

from hwcost.errors import HwcostError
from hwcost.schemes import TensorQuant

__all__ = ["IntGrid", "grid_for"]


@dataclass(frozen=True)
class IntGrid:
    """Rounding-index range and half-step offset of a quantization grid.

    >>> g = IntGrid(lo=-2, hi=1, half=0.5)
    >>> g.top, g.levels, g.code_scale
    (1.5, 4, 2)
    """

    lo: int
    hi: int
    half: float = 0.0

    @property
    def top(self) -> float:
        """Largest level in units of the step (LSQ's Q_P for ordinary grids)."""
        return self.hi + self.half

    @property
    def levels(self) -> int:
        return self.hi - self.lo + 1

    @property
    def code_scale(self) -> int:
        """Integer codes are ``code_scale * (k + half)``: 2 for centred grids, else 1."""
        return 2 if self.half else 1


def grid_for(tq: TensorQuant, bits: int, key: str = "weights") -> IntGrid:
    """The grid of ``tq`` at ``bits`` (first/last layers override the scheme's bits).

    >>> from hwcost.schemes import TensorQuant
    >>> grid_for(TensorQuant(bits=4, signed=True, narrow_range=True), 4)
    IntGrid(lo=-7, hi=7, half=0.0)
    >>> grid_for(TensorQuant(bits=2, signed=True, centred=True), 2)
    IntGrid(lo=-2, hi=1, half=0.5)
    """
    if tq.centred:
        return IntGrid(lo=-(2 ** (bits - 1)), hi=2 ** (bits - 1) - 1, half=0.5)
    if not tq.signed:
        return IntGrid(lo=0, hi=2**bits - 1)
    if bits < 2:
        raise HwcostError.single(
            "a 1-bit signed grid has no symmetric levels; use centred: true (binary +-step/2)",
            key=f"{key}.bits",
        )
    lo = -(2 ** (bits - 1)) + (1 if tq.narrow_range else 0)
    return IntGrid(lo=lo, hi=2 ** (bits - 1) - 1)
