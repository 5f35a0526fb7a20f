"""One adder-tree law for every template: a binary tree over ``inputs`` operands of ``operand_bits``.

Width convention: each adder is priced at its **operand** width. Level l (l = 1 at the leaves)
adds pairs of (g + l - 1)-bit operands and produces a (g + l)-bit sum, carry-out included; the
library's ``int_adder`` with ``bits = b`` is such a b-bit adder, as Horowitz's "8b add" row (ISSCC
2014) is the addition of two 8-bit operands and an n-bit ripple-carry adder is n full adders whose
last carry is the sum's top bit (Weste & Harris, *CMOS VLSI Design*, 4th ed., §11.2). An odd
operand passes to the next level unchanged, so an n-input tree has n - 1 adders in
ceil(log2 n) levels and its sum has g + ceil(log2 n) bits (the growth the classifier's
accumulator width ``b_w + b_a + ceil(log2 N)`` counts).

The MAC array's adder-tree PE (``hwcost/arch/mac_array/plan.py``) and the digital-CIM macro's
column trees (``hwcost/arch/digital_cim/plan.py``) both use :func:`adder_tree` and
:func:`tree_cost`.
"""

from __future__ import annotations

from dataclasses import dataclass

from hwcost.arch.shared.pricing import Pricer

__all__ = ["AdderTree", "TreeCost", "adder_tree", "tree_cost"]


@dataclass(frozen=True)
class AdderTree:
    """One adder tree of ``inputs`` operands of ``operand_bits``: its adders per level and their
    operand widths, leaves first."""

    inputs: int
    operand_bits: int
    levels: tuple[tuple[int, int], ...]  # (adders, operand bits) per level

    @property
    def adders(self) -> int:
        return sum(n for n, _ in self.levels)  # = inputs - 1

    @property
    def output_bits(self) -> int:
        return self.operand_bits + len(self.levels)


def adder_tree(inputs: int, operand_bits: int) -> AdderTree:
    """The binary tree over ``inputs`` operands of ``operand_bits`` bits.

    >>> adder_tree(16, 8).levels   # 8 + 4 + 2 + 1 adders of 8, 9, 10 and 11-bit operands
    ((8, 8), (4, 9), (2, 10), (1, 11))
    >>> t = adder_tree(12, 8); t.adders, t.output_bits   # 12 -> 6 -> 3 -> 2 -> 1
    (11, 12)
    """
    levels = []
    n, bits = inputs, operand_bits
    while n > 1:
        levels.append((n // 2, bits))
        n, bits = n - n // 2, bits + 1
    return AdderTree(inputs, operand_bits, tuple(levels))


@dataclass(frozen=True)
class TreeCost:
    """A whole tree's energy when every adder adds once, its area and its leakage."""

    energy_pj: float
    area_um2: float
    leakage_mw: float


def tree_cost(tree: AdderTree, pricer: Pricer) -> TreeCost:
    """Sum over the levels of adders x the library's ``int_adder`` at the level's operand width."""
    return TreeCost(
        energy_pj=sum(n * pricer.energy_pj("int_adder", bits=b) for n, b in tree.levels),
        area_um2=sum(n * pricer.area_um2("int_adder", bits=b) for n, b in tree.levels),
        leakage_mw=sum(n * pricer.leakage_mw("int_adder", bits=b) for n, b in tree.levels),
    )
