"""The realisations that price LSQ+'s offset and fake-quant deployment (issue: the Tehran claim).

Each expectation is a hand count: widths from acc_bits = b_w + b_a + ceil(log2 N) + [both
unsigned], energies from the library's Horowitz 45 nm rows (FP16 multiply 1.1 pJ, add 0.4 pJ).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

import hwcost
from hwcost.classify import classify
from hwcost.errors import HwcostError
from hwcost.schemes import get_scheme
from hwcost.schemes.scheme import ScaleRealisation, ZeroPointRealisation


def _kinds(scheme, n: int = 576) -> list[tuple[str, str, str, dict[str, int]]]:
    return [(u.kind.value, u.placement.value, u.component.value, dict(u.widths.items())) for u in classify(scheme, n).units]


def test_per_mac_offset_adds_a_multiplier_and_a_subtractor_in_every_pe() -> None:
    scheme = replace(get_scheme("lsq+", 4, 4), zero_point_realisation=ZeroPointRealisation.PER_MAC)
    units = _kinds(scheme)
    # 4b signed weights x 4b unsigned codes over N = 576: acc = 4 + 4 + 10 = 18; no operand widening
    assert ("mac_multiplier", "per_mac", "int_multiplier", {"a_bits": 4, "b_bits": 4}) in units
    assert ("zero_point_multiplier", "per_mac", "int_multiplier", {"a_bits": 4, "b_bits": 4}) in units
    assert ("zero_point_subtractor", "per_mac", "int_adder", {"bits": 18}) in units
    # the folded realisation has neither
    folded = _kinds(get_scheme("lsq+", 4, 4))
    assert not [u for u in folded if u[0].startswith("zero_point")]


def test_per_mac_is_refused_for_weight_offsets() -> None:
    with pytest.raises(HwcostError, match="zero_point_realisation: 'per-mac' prices the activation-offset term"):
        replace(get_scheme("asymmetric", 4, 4), zero_point_realisation=ZeroPointRealisation.PER_MAC)


@pytest.mark.parametrize("realisation, bits", [(ScaleRealisation.FAKE_QUANT_FP16, 16), (ScaleRealisation.FAKE_QUANT_FP32, 32)])
def test_fake_quant_runs_fp_macs_on_dequantized_codes(realisation: ScaleRealisation, bits: int) -> None:
    lsq_plus = classify(replace(get_scheme("lsq+", 4, 4), scale_realisation=realisation))
    lsq = classify(replace(get_scheme("lsq", 4, 4), scale_realisation=realisation))
    assert lsq_plus.weight_operand_bits == lsq_plus.act_operand_bits == lsq_plus.accumulator_bits == bits
    fp = {"bits": bits}
    units = [(u.kind.value, u.placement.value, u.component.value, dict(u.widths.items())) for u in lsq_plus.units]
    for unit in [("int_to_fp", "per_input", "shifter", fp), ("dequant_multiplier", "per_input", "fp_multiplier", fp),
                 ("mac_multiplier", "per_mac", "fp_multiplier", fp), ("accumulator", "per_mac", "fp_adder", fp),
                 ("fp_multiplier", "per_output", "fp_multiplier", fp)]:
        assert unit in units
    # LSQ+'s offset is one FP add per input, the only unit LSQ lacks besides the output zero-point
    extra = {(u.kind, u.placement) for u in lsq_plus.units} - {(u.kind, u.placement) for u in lsq.units}
    assert {(k.value, p.value) for k, p in extra} == {("zero_point_subtractor", "per_input"),
                                                      ("output_zero_point_adder", "per_output")}
    # the integer requantization is gone
    assert not lsq_plus.of_kind(hwcost.UnitKind.REQUANT_MULTIPLIER)


def test_fake_quant_fp16_mac_costs_horowitz_fp16_multiply_and_add() -> None:
    report = hwcost.evaluate("lsq+", 4, scale_at="fake-quant-fp16")
    rows = {r.unit: r for r in report.breakdown}
    # every layer (first/last included) multiplies in FP16: 1.1 pJ and adds 0.4 pJ per MAC (Horowitz 2014)
    assert (rows["mac_multiplier"].energy_pj - rows["mac_multiplier"].static_pj) / report.macs == pytest.approx(1.1)
    assert (rows["accumulator"].energy_pj - rows["accumulator"].static_pj) / report.macs == pytest.approx(0.4)


def test_lsq_pot_has_the_datapath_of_pot_and_trains_like_lsq() -> None:
    assert _kinds(get_scheme("lsq-pot", 4, 4)) == _kinds(get_scheme("pot", 4, 4))
    assert get_scheme("lsq-pot").training is get_scheme("lsq").training


@pytest.mark.parametrize("arch", ["cim", "dcim"])
def test_cim_templates_refuse_fp_macs_and_per_mac_units_under_the_right_key(arch: str) -> None:
    with pytest.raises(HwcostError, match=r"^scale_realisation: scale_realisation 'fake-quant-fp16' runs FP16 MACs"):
        hwcost.evaluate("lsq+", 4, arch=arch, scale_at="fake-quant-fp16")
    with pytest.raises(HwcostError, match=r"^first_last_bits: scheme 'pact' keeps its first/last layers in floating point"):
        hwcost.evaluate("pact", 4, arch=arch)
    # a per-MAC unit has nowhere to sit in the array (this path used to raise a NameError)
    with pytest.raises(HwcostError, match=r"needs a per-MAC zero_point_multiplier"):
        hwcost.evaluate("lsq+", 4, arch=arch, zero_point="per-mac")
