"""A residual add rescales its two inputs onto the output grid (Jacob et al. 2018 App. A.2; TFLite's
reference Add): hand counts of the units per element, and the report's element-wise row."""

from __future__ import annotations

import pytest

import hwcost
from hwcost.arch.shared.pricing import Pricer
from hwcost.arch.shared.residual import GUARD_BITS, residual_add
from hwcost.schemes import get_scheme
from hwcost.workloads import load_workload
from hwcost.workloads.layer import LayerKind

LIB = hwcost.load_techlib("45nm")


def test_power_of_two_inputs_are_shifted_then_added() -> None:
    pricer = Pricer(LIB)
    got = residual_add(get_scheme("pot", 4, 4), pricer)
    # two 5-bit shifts onto the output grid, one 6-bit add, two 5-bit comparisons (saturating cast)
    hand = 2 * pricer.energy_pj("shifter", bits=5) + pricer.energy_pj("int_adder", bits=6) \
        + 2 * pricer.energy_pj("comparator", bits=5)
    assert got.realisation == "pot" and got.energy_pj == pytest.approx(hand)


def test_dyadic_inputs_are_multiplied_added_with_guard_bits_and_shifted() -> None:
    pricer = Pricer(LIB)
    lsq, lsq_plus = (residual_add(get_scheme(s, 4, 4), pricer) for s in ("lsq", "lsq+"))
    wide = 4 + 1 + GUARD_BITS  # TFLite keeps 20 bits below the inputs
    m0 = 4 + 1 + 7  # m0_bits auto at 4-bit outputs (b_out + 1 + 7 guard bits, docs/schemes.md)
    assert get_scheme("lsq", 4, 4).m0_bits == m0
    hand = 2 * pricer.energy_pj("int_multiplier", a_bits=5, b_bits=m0) + pricer.energy_pj("int_adder", bits=wide) \
        + pricer.energy_pj("shifter", bits=wide) + 2 * pricer.energy_pj("comparator", bits=5)
    assert lsq.realisation == "dyadic" and lsq.energy_pj == pytest.approx(hand)
    # LSQ+'s offsets: q1 - Z1, q2 - Z2 and + Z3, three 5-bit additions more
    assert lsq_plus.energy_pj - lsq.energy_pj == pytest.approx(3 * pricer.energy_pj("int_adder", bits=5))


def test_the_report_charges_each_residual_element_once() -> None:
    net = load_workload("resnet20")
    elements = sum(layer.output_pixels * layer.out_channels for layer in net.layers if layer.kind is LayerKind.ADD)
    assert elements > 0
    rows = {s: {r.unit: r for r in hwcost.evaluate(s, 4).breakdown}["elementwise"] for s in ("pot", "lsq")}
    pricer = Pricer(LIB)
    per_element = residual_add(get_scheme("lsq", 4, 4), pricer).energy_pj - residual_add(get_scheme("pot", 4, 4), pricer).energy_pj
    dynamic = {s: r.energy_pj - r.static_pj for s, r in rows.items()}
    # pooling is the same under both schemes: the difference is the residual adds alone
    assert dynamic["lsq"] - dynamic["pot"] == pytest.approx(elements * per_element)
