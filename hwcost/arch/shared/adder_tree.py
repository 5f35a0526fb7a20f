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

Binary layers (``mac_realisation: xnor-popcount``) sum 1-bit products, for which a binary tree of
multi-bit adders is the wrong circuit: :func:`popcount_cost` prices the carry-save compressor of
full adders that counts them (Wallace 1964; Dadda 1965), with :func:`full_adder_cost` built from
the library's ``logic_gate`` cells, as is the product's XNOR gate (:func:`xnor_cost`). The
library has no full-adder or XNOR component of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from hwcost.arch.shared.pricing import Pricer

__all__ = ["AdderTree", "TreeCost", "adder_tree", "tree_cost", "xnor_cost", "full_adder_cost", "popcount_cost",
           "FULL_ADDER_GATES", "XNOR_AS"]


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


# --- binary layers: XNOR gates and popcounts from the library's logic gates ------------------

# XNOR2 is XOR2 with its output sense inverted; the library's gate calibration (ZigZag-IMC's
# nand2/nor2/xor2) has no xnor2, so an XNOR is priced as one XOR2 [A] (the inverted sense costs
# at most an inverter; in static CMOS the two gates are built alike).
XNOR_AS = "xor2"

# A full adder as two half adders and a carry OR (Mano & Ciletti, *Digital Design*, 5th ed.,
# §4.5): s = (a XOR b) XOR c_in, c_out = a*b + c_in*(a XOR b). The library prices NAND2, not
# AND2/OR2, so the AND-OR carry is its NAND-NAND form (De Morgan, no inverter):
# c_out = NAND(NAND(a, b), NAND(c_in, a XOR b)). Per full adder: 2 XOR2 + 3 NAND2.
FULL_ADDER_GATES: tuple[tuple[str, int], ...] = (("xor2", 2), ("nand2", 3))


def _gates(pricer: Pricer, gates: tuple[tuple[str, int], ...]) -> TreeCost:
    return TreeCost(
        energy_pj=sum(k * pricer.energy_pj("logic_gate", gate=g) for g, k in gates),
        area_um2=sum(k * pricer.area_um2("logic_gate", gate=g) for g, k in gates),
        leakage_mw=sum(k * pricer.leakage_mw("logic_gate", gate=g) for g, k in gates),
    )


def xnor_cost(pricer: Pricer, gates: int = 1) -> TreeCost:
    """``gates`` XNOR2 gates evaluating once: each the library's ``logic_gate`` xor2 (:data:`XNOR_AS`)."""
    return _gates(pricer, ((XNOR_AS, gates),))


def full_adder_cost(pricer: Pricer) -> TreeCost:
    """One full adder from the library's gates, 2 XOR2 + 3 NAND2 (:data:`FULL_ADDER_GATES`).

    At 45 nm: 2 x 0.7996 + 3 x 0.533 = 3.198 fJ, close to 1/8 of Horowitz's 0.03 pJ 8-bit add
    (ISSCC 2014), 3.75 fJ per bit."""
    return _gates(pricer, FULL_ADDER_GATES)


def popcount_cost(inputs: int, pricer: Pricer) -> TreeCost:
    """The popcount of ``inputs`` = N 1-bit values, evaluating once: N full adders' worth.

    E_pop(N) = (N - p) E_FA + p E_FA = N E_FA, p = ceil(log2(N + 1)) the count's bits: the N - p
    full adders of a Wallace/Dadda carry-save compressor (Wallace, IEEE TEC 1964; Dadda, Alta
    Frequenza 1965) and a p-bit final adder of full adders (a ripple-carry adder is one full adder
    per bit, Weste & Harris, *CMOS VLSI Design*, 4th ed., §11.2). An upper bound: every full
    adder takes three bits of one weight and returns two (one a weight up), a half adder two and
    two, so any counter of full and half adders that turns N input bits into the p bits of the
    count uses exactly N - p full adders, plus at most one half adder per bit of the count (a
    column resolved from low to high weight needs a half adder only when two bits are left);
    here every one of those p is priced as a full adder. Area and leakage likewise N full adders.
    A single input is its own count: no adder.

    >>> from hwcost.techlib import load_techlib
    >>> pricer = Pricer(load_techlib("45nm"))
    >>> round(popcount_cost(64, pricer).energy_pj / full_adder_cost(pricer).energy_pj, 6)
    64.0
    """
    fa = full_adder_cost(pricer)
    if inputs <= 1:
        return TreeCost(0.0, 0.0, 0.0)
    return TreeCost(inputs * fa.energy_pj, inputs * fa.area_um2, inputs * fa.leakage_mw)
