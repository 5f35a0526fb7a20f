"""Binary layers (``mac_realisation: xnor-popcount``, the ``bnn`` preset): the datapath the
classifier gives, one layer's XNOR, popcount and threshold energy counted by hand from the
library's gate cells, the popcount's full-adder count and the threshold algebra checked
independently, and the bad inputs."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import hwcost
from hwcost.arch.mac_array.config import PeStyle
from hwcost.classify import UnitKind, classify
from hwcost.errors import HwcostError
from hwcost.evaluate import design_point, report_of
from hwcost.schemes import BNHandling, MacRealisation, get_scheme, load_scheme
from hwcost.techlib import load_techlib

LIB = load_techlib("45nm")
BNN = get_scheme("bnn")


def _kinds(dp) -> list[str]:
    return [u.kind.value for u in dp.units]


def test_a_binary_layer_is_xnor_popcount_threshold() -> None:
    # N = 3*3*64 = 576: the count 0..576 needs 10 bits; the threshold 0..577 needs 10 bits too
    dp = classify(BNN, 576)
    assert _kinds(dp) == ["mac_multiplier", "accumulator", "threshold_comparator", "threshold_memory"]
    xnor, count, compare, table = dp.units
    assert (str(xnor.component), dict(xnor.widths)) == ("xnor_gate", {"bits": 1})
    assert (str(count.component), dict(count.widths)) == ("int_adder", {"bits": 10})
    assert (str(compare.component), dict(compare.widths), compare.placement.value) == ("comparator", {"bits": 10}, "per_output")
    assert (table.placement.value, dict(table.widths)) == ("per_output_channel", {"width_bits": 10})
    assert dp.accumulator_bits == 10 and (dp.weight_operand_bits, dp.act_operand_bits) == (1, 1)
    # N = 2^k - 1: the count fits k bits, the threshold N + 1 = 2^k needs k + 1
    assert {u.kind: dict(u.widths) for u in classify(BNN, 255).units}[UnitKind.THRESHOLD_COMPARATOR] == {"bits": 9}


def test_every_bn_handling_and_a_bias_fold_into_the_threshold() -> None:
    for bn in BNHandling:
        dp = classify(replace(BNN, bn=bn), 576, has_bias=True)
        assert not {UnitKind.BIAS_ADDER, UnitKind.BN_MULTIPLIER, UnitKind.REQUANT_MULTIPLIER,
                    UnitKind.REQUANT_SHIFTER, UnitKind.CLAMP} & {u.kind for u in dp.units}


def test_first_and_last_layers_are_symmetric_int8() -> None:
    # 8b signed weights x 8b unsigned activations: acc = 8 + 8 + ceil(log2 576) = 26, dyadic rescale
    dp = classify(BNN, 576, edge_layer=True)
    mac = dp.of_kind(UnitKind.MAC_MULTIPLIER)[0]
    assert (str(mac.component), dict(mac.widths)) == ("int_multiplier", {"a_bits": 8, "b_bits": 8})
    assert dp.accumulator_bits == 26 and dp.has(UnitKind.REQUANT_MULTIPLIER)
    assert dp.scheme.mac_realisation is MacRealisation.MULTIPLY


def _greedy_counter(n: int) -> tuple[int, int, int]:
    """Full and half adders of a counter of n bits resolved column by column (an independent
    construction): a column of k >= 3 bits takes a full adder (3 bits -> 1 here, 1 up), of 2 a
    half adder. Returns (full adders, half adders, output bits)."""
    columns, fa, ha, j = [n], 0, 0, 0
    while j < len(columns):
        while columns[j] >= 2:
            if columns[j] >= 3:
                columns[j] -= 2
                fa += 1
            else:
                columns[j] -= 1
                ha += 1
            if j + 1 == len(columns):
                columns.append(0)
            columns[j + 1] += 1
        j += 1
    while columns and columns[-1] == 0:
        columns.pop()
    return fa, ha, len(columns)


@pytest.mark.parametrize("n", [2, 3, 4, 7, 8, 16, 64, 100, 255, 256, 576, 1024])
def test_a_counter_of_n_bits_needs_n_minus_p_full_adders_and_at_most_p_half_adders(n: int) -> None:
    fa, ha, bits = _greedy_counter(n)
    p = math.ceil(math.log2(n + 1))
    assert bits == p and fa == n - p and ha <= p  # so N full adders' worth bounds the popcount


def test_popcount_and_xnor_priced_from_the_librarys_gates() -> None:
    from hwcost.arch.shared.adder_tree import full_adder_cost, popcount_cost, xnor_cost
    from hwcost.arch.shared.pricing import Pricer

    pricer = Pricer(LIB)
    xor2 = LIB.energy_pj("logic_gate", gate="xor2")
    nand2 = LIB.energy_pj("logic_gate", gate="nand2")
    assert (xor2, nand2) == pytest.approx((0.0007996, 0.000533))  # 45nm.yaml logic_gate
    assert full_adder_cost(pricer).energy_pj == pytest.approx(2 * 0.0007996 + 3 * 0.000533)
    assert popcount_cost(16, pricer).energy_pj == pytest.approx(16 * (2 * 0.0007996 + 3 * 0.000533))
    area = 16 * (2 * LIB.area_um2("logic_gate", gate="xor2") + 3 * LIB.area_um2("logic_gate", gate="nand2"))
    assert popcount_cost(16, pricer).area_um2 == pytest.approx(area)
    assert xnor_cost(pricer).energy_pj == pytest.approx(0.0007996)
    assert popcount_cost(1, pricer).energy_pj == 0.0


@pytest.mark.parametrize("seed", range(5))
def test_the_threshold_reproduces_the_sign_of_the_batch_normed_sum(seed: int) -> None:
    # y = sign(g*(a*(2*pop - N) + b) + beta) for g*a > 0 against pop >= tau,
    # tau = ceil((N - (beta/g + b)/a)/2) clamped to 0..N + 1 (the rule's reason)
    rng = np.random.default_rng(seed)
    n = 576
    g, a = rng.uniform(0.1, 3.0), rng.uniform(0.01, 1.0)
    b, beta = rng.normal(0, 20), rng.normal(0, 20)
    pop = np.arange(n + 1)
    y = g * (a * (2 * pop - n) + b) + beta >= 0
    tau = min(max(math.ceil((n - (beta / g + b) / a) / 2), 0), n + 1)
    assert np.array_equal(y, pop >= tau)
    # g*a < 0: with the channel's weights negated the count is pop' = N - pop, and
    # -g*(a*(2*pop - N) + b) + beta = g*(a*(2*pop' - N) - b) + beta: the same form with b -> -b
    y_neg = -g * (a * (2 * pop - n) + b) + beta >= 0
    tau_neg = min(max(math.ceil((n - (beta / g - b) / a) / 2), 0), n + 1)
    assert np.array_equal(y_neg, (n - pop) >= tau_neg)


def _dynamic(row) -> float:
    return row.energy_pj - row.static_pj


def test_one_binary_layer_counted_by_hand_on_an_adder_tree() -> None:
    """The peak layer of a 16 x 16 adder-tree array: per MAC one XNOR (xor2); per column and cycle
    a popcount of R = 16 products, 16 full adders of 2 XOR2 + 3 NAND2, i.e. one full adder per MAC;
    per MAC 1/R of the column's accumulating adder at p = ceil(log2(N + 1)) bits; per output one
    comparison at the threshold's ceil(log2(N + 2)) bits."""
    arch = hwcost.MacArrayConfig(pe_rows=16, pe_cols=16, pe_style=PeStyle.ADDER_TREE)
    report = report_of(design_point("bnn", 1, arch=arch, techlib=LIB, workload="peak"))
    rows = {r.unit: r for r in report.breakdown}
    macs = report.macs
    outputs = rows["threshold_comparator"].actions
    n = round(macs / outputs)  # the ideal layer's reduction length
    p, t = math.ceil(math.log2(n + 1)), math.ceil(math.log2(n + 2))
    xor2, nand2 = 0.0007996, 0.000533  # 45nm.yaml logic_gate
    assert rows["mac_multiplier"].actions == macs
    assert _dynamic(rows["mac_multiplier"]) == pytest.approx(macs * xor2)
    e_fa = 2 * xor2 + 3 * nand2
    expected = macs * (16 * e_fa / 16 + LIB.energy_pj("int_adder", bits=p) / 16)
    assert _dynamic(rows["accumulator"]) == pytest.approx(expected)
    assert _dynamic(rows["threshold_comparator"]) == pytest.approx(outputs * LIB.energy_pj("comparator", bits=t))
    assert "requant_multiplier" not in rows or _dynamic(rows["requant_multiplier"]) == 0.0


def test_a_per_pe_array_accumulates_each_product_into_its_count() -> None:
    arch = hwcost.MacArrayConfig(pe_rows=16, pe_cols=16)
    report = report_of(design_point("bnn", 1, arch=arch, techlib=LIB, workload="peak"))
    rows = {r.unit: r for r in report.breakdown}
    n = round(report.macs / rows["threshold_comparator"].actions)
    p = math.ceil(math.log2(n + 1))
    assert _dynamic(rows["accumulator"]) == pytest.approx(report.macs * LIB.energy_pj("int_adder", bits=p))


def test_bnn_is_defined_at_one_bit_only() -> None:
    assert get_scheme("bnn", 1, 1) == BNN
    with pytest.raises(HwcostError) as err:
        get_scheme("bnn", 4, 4)
    assert err.value.problems[0].key == "weight_bits" and "1 bit" in str(err.value)


def test_xnor_popcount_needs_the_plus_minus_one_grid(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nbase: lsq\nmac_realisation: xnor-popcount\nweights: {bits: 1}\n")
    with pytest.raises(HwcostError) as err:
        load_scheme(path)
    keys = {p.key for p in err.value.problems}
    assert keys == {"weights.centred", "activations.bits", "outputs.bits"}
    assert all("{-1, +1}" in p.message and p.file for p in err.value.problems)


def test_an_unknown_mac_realisation_lists_the_valid_ones(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nbase: bnn\nmac_realisation: xnor\n")
    with pytest.raises(HwcostError) as err:
        load_scheme(path)
    (problem,) = err.value.problems
    assert problem.key == "mac_realisation" and problem.line == 3
    assert "multiply" in problem.message and "xnor-popcount" in problem.message


def test_a_user_scheme_based_on_bnn_loads(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nbase: bnn\nbn: unfused\n")
    scheme = load_scheme(path)
    assert scheme.mac_realisation is MacRealisation.XNOR_POPCOUNT and scheme.bn is BNHandling.UNFUSED


def test_binary_points_priced_in_blocks_equal_them_priced_point_by_point(monkeypatch: pytest.MonkeyPatch) -> None:
    """The popcount tree and the XNOR rows are array-safe over a block of MAC arrays
    (``plan_mac_block``): a bnn grid priced in blocks equals it priced point by point."""
    import itertools

    from hwcost.arch.mac_array.config import Dataflow
    from hwcost.arch.mac_array.template import MacArrayTemplate

    arrays = [hwcost.MacArrayConfig(pe_rows=r, pe_cols=c, acc_buffer_kib=acc, dataflow=df)
              for r, c, acc, df in itertools.product((4, 16), (8, 32), (16.0, 64.0), Dataflow)]
    arrays += [hwcost.MacArrayConfig(pe_rows=r, pe_cols=c, pe_style=PeStyle.ADDER_TREE)
               for r, c in itertools.product((8, 16), (4, 16, 32))]
    points = [hwcost.DesignPoint(BNN, a, LIB, hwcost.load_workload("resnet20")) for a in arrays]
    in_blocks = hwcost.sweep(points)
    monkeypatch.delattr(MacArrayTemplate, "plan_block")
    monkeypatch.delattr(MacArrayTemplate, "block_key")
    by_point = hwcost.sweep(points)
    numbers = in_blocks.select_dtypes("number").columns
    assert np.array_equal(in_blocks[numbers].to_numpy(), by_point[numbers].to_numpy())
