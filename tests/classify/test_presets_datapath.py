"""One test per preset: its units, placements and widths at W4/A4, N = 576 (3x3x64).

Expected widths follow from the formulas, not from a run: acc = b_w + b_a + ceil(log2 576) (= 10)
+ [both unsigned]; a window sum is b_a + 10 bits; M0 is sized for the 4-bit outputs,
m0_bits = b_out + 1 + 7 = 12 (``m0_bits: auto``: 7 guard bits, NVDLA's 16 at int8); a per-channel
(M0, n) entry is m0_bits + ceil(log2(acc + 1)) bits.
"""

from dataclasses import replace

import pytest

from hwcost.classify import Datapath, UnitKind, classify
from hwcost.schemes import PRESET_NAMES, BNRealisation, ScaleType, ZeroPointRealisation, get_scheme

MAC = ("mac_multiplier", "per_mac", {"a_bits": 4, "b_bits": 4})
ACC18 = ("accumulator", "per_mac", {"bits": 4 + 4 + 10})
BIAS18 = ("bias_adder", "per_output", {"bits": 18})
DYADIC18 = (
    ("requant_multiplier", "per_output", {"a_bits": 18, "b_bits": 12}),
    ("requant_shifter", "per_output", {"bits": 18}),
)
CLAMP18 = ("clamp", "per_output", {"bits": 18})
# The bias words, one per output channel, as wide as the bias adder.
BIAS_MEM18 = ("bias_memory", "per_output_channel", {"width_bits": 18})
BIAS_MEM19 = ("bias_memory", "per_output_channel", {"width_bits": 19})
SCALE_TABLE = ("scale_memory", "per_output_channel", {"width_bits": 12 + 5})  # ceil(log2 19) = 5
# Centred weights folded: odd integers 2i - 15 need 5 signed bits; acc = 5 + 4 + 10.
CENTRED = (
    ("zero_point_subtractor", "offline", {"bits": 5}),
    ("mac_multiplier", "per_mac", {"a_bits": 5, "b_bits": 4}),
    ("accumulator", "per_mac", {"bits": 19}),
    ("bias_adder", "per_output", {"bits": 19}),
    ("requant_multiplier", "per_output", {"a_bits": 19, "b_bits": 12}),
    ("requant_shifter", "per_output", {"bits": 19}),
    ("clamp", "per_output", {"bits": 19}),
    BIAS_MEM19,
)
SYMMETRIC = (MAC, ACC18, BIAS18, *DYADIC18, CLAMP18, BIAS_MEM18)
PER_CHANNEL = (MAC, ACC18, BIAS18, *DYADIC18, SCALE_TABLE, CLAMP18, BIAS_MEM18)

EXPECTED = {
    "pot": ((4, 4, 18), (MAC, ACC18, BIAS18, ("requant_shifter", "per_output", {"bits": 18}), CLAMP18, BIAS_MEM18)),
    # LSQ trained with power-of-two steps: the integer datapath of 'pot', a shift for the rescale.
    "lsq-pot": ((4, 4, 18), (MAC, ACC18, BIAS18, ("requant_shifter", "per_output", {"bits": 18}), CLAMP18, BIAS_MEM18)),
    "symmetric": ((4, 4, 18), SYMMETRIC),
    "per-channel": ((4, 4, 18), PER_CHANNEL),
    # uint8-style weights and activations: both unsigned, acc = 4 + 4 + 10 + 1.
    "asymmetric": ((4, 4, 19), (
        ("mac_multiplier", "per_mac", {"a_bits": 4, "b_bits": 4}),
        ("accumulator", "per_mac", {"bits": 19}),
        ("zero_point_window_sum", "per_output_pixel", {"bits": 4 + 10}),
        ("zero_point_multiplier", "per_output_pixel", {"a_bits": 14, "b_bits": 4}),
        ("zero_point_subtractor", "per_output", {"bits": 19}),
        ("bias_adder", "per_output", {"bits": 19}),
        ("requant_multiplier", "per_output", {"a_bits": 19, "b_bits": 12}),
        ("requant_shifter", "per_output", {"bits": 19}),
        ("output_zero_point_adder", "per_output", {"bits": 19}),
        ("clamp", "per_output", {"bits": 19}),
        BIAS_MEM19,
    )),
    "lsq": ((4, 4, 18), SYMMETRIC),
    "lsq+": ((4, 4, 18), (MAC, ACC18, BIAS18, *DYADIC18, ("output_zero_point_adder", "per_output", {"bits": 18}), CLAMP18, BIAS_MEM18)),
    "pact": ((5, 4, 19), CENTRED),
    "dorefa": ((5, 4, 19), CENTRED),
    "csq": ((5, 4, 19), CENTRED),
    "dyadic": ((4, 4, 18), PER_CHANNEL),
    "bn-fused": ((4, 4, 18), SYMMETRIC),
    # Unfused BN merged into the rescale (bn_realisation: merged): gamma' rides in a per-channel
    # (M0, n); B = M*beta'*2^n is added to the 18 + 12 = 30-bit product before the shift, and sits
    # beside (M0, n) in the table (17 + 30 bits); no BN multiplier.
    "bn-unfused": ((4, 4, 18), (
        MAC, ACC18,
        ("bn_adder", "per_output", {"bits": 18 + 12}),
        ("scale_memory", "per_output_channel", {"width_bits": 12 + 5 + 30}),
        *DYADIC18, CLAMP18,
    )),
    "ssr": ((4, 4, 18), SYMMETRIC),
    "sq": ((4, 4, 18), PER_CHANNEL),
}


def _bom(dp: Datapath) -> tuple[tuple[str, str, dict[str, int]], ...]:
    return tuple((u.kind.value, u.placement.value, dict(u.widths)) for u in dp.units)


def test_every_preset_is_pinned() -> None:
    assert set(EXPECTED) == set(PRESET_NAMES)


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_preset_units_and_widths(name: str) -> None:
    (w_bits, a_bits, acc_bits), units = EXPECTED[name]
    dp = classify(get_scheme(name, 4, 4), 576)
    assert (dp.weight_operand_bits, dp.act_operand_bits, dp.accumulator_bits) == (w_bits, a_bits, acc_bits)
    assert _bom(dp) == units
    assert all(u.reason for u in dp.units)


BN_SEPARATE = (
    MAC, ACC18,
    ("bn_multiplier", "per_output", {"a_bits": 18, "b_bits": 12}),
    ("bn_adder", "per_output", {"bits": 18}),
    ("bn_parameter_memory", "per_output_channel", {"width_bits": 12 + 18}),
)


def test_bn_unfused_separate_keeps_its_multiply_add() -> None:
    scheme = replace(get_scheme("bn-unfused", 4, 4), bn_realisation=BNRealisation.SEPARATE)
    assert _bom(classify(scheme, 576)) == (*BN_SEPARATE, *DYADIC18, CLAMP18)


def test_bn_unfused_under_a_shift_keeps_the_per_channel_multiplier_whatever_the_realisation() -> None:
    s = get_scheme("bn-unfused", 4, 4)
    pot = replace(s, **{t: replace(getattr(s, t), scale_type=ScaleType.POT) for t in ("weights", "activations", "outputs")})
    shift = ("requant_shifter", "per_output", {"bits": 18})
    for realisation in BNRealisation:
        assert _bom(classify(replace(pot, bn_realisation=realisation), 576)) == (*BN_SEPARATE, shift, CLAMP18)


def test_bn_unfused_merged_under_a_float_scale_stores_two_fp32_words_per_channel() -> None:
    s = get_scheme("bn-unfused", 4, 4)
    fp = replace(s, weights=replace(s.weights, scale_type=ScaleType.FLOAT))
    bom = _bom(classify(fp, 576))
    assert ("scale_memory", "per_output_channel", {"width_bits": 2 * 32}) in bom  # M*gamma', M*beta'
    assert ("bn_adder", "per_output", {"bits": 32}) in bom and not classify(fp, 576).has(UnitKind.BN_MULTIPLIER)
    assert [k for k, _, _ in bom].count("fp_multiplier") == 1  # the rescale's, gamma' inside it


def test_m0_width_follows_the_outputs_unless_pinned() -> None:
    # b_out + 1 + 7: 10, 12, 16 bits at 2-, 4- and 8-bit outputs; an explicit width wins.
    for bits, m0 in ((2, 10), (4, 12), (8, 16)):
        (mult,) = classify(get_scheme("lsq", bits, bits), 576).of_kind(UnitKind.REQUANT_MULTIPLIER)
        assert mult.widths["b_bits"] == m0
    (mult,) = classify(replace(get_scheme("lsq", 4, 4), m0_width=32), 576).of_kind(UnitKind.REQUANT_MULTIPLIER)
    assert mult.widths["b_bits"] == 32


def test_pot_shifts_and_never_multiplies() -> None:
    dp = classify(get_scheme("pot", 4, 4))
    assert dp.has(UnitKind.REQUANT_SHIFTER)
    assert not dp.has(UnitKind.REQUANT_MULTIPLIER)
    assert not dp.has(UnitKind.FP_MULTIPLIER)


def test_lsq_plus_pre_subtract_widens_the_activation_operand() -> None:
    scheme = replace(get_scheme("lsq+", 4, 4), zero_point_realisation=ZeroPointRealisation.PRE_SUBTRACT)
    dp = classify(scheme)
    assert dp.act_operand_bits == 5 and dp.act_operand_signed
    (sub,) = dp.of_kind(UnitKind.ZERO_POINT_SUBTRACTOR)
    assert (sub.placement.value, dict(sub.widths)) == ("per_input", {"bits": 5})
    (mac,) = dp.of_kind(UnitKind.MAC_MULTIPLIER)
    assert dict(mac.widths) == {"a_bits": 4, "b_bits": 5}
    assert dp.accumulator_bits == 4 + 5 + 10


def test_lsq_plus_fold_has_a_bias_and_no_subtractor() -> None:
    dp = classify(get_scheme("lsq+", 4, 4))
    assert dp.has(UnitKind.BIAS_ADDER)
    assert not dp.has(UnitKind.ZERO_POINT_SUBTRACTOR)
    assert dp.act_operand_bits == 4
    (bias,) = dp.of_kind(UnitKind.BIAS_ADDER)
    assert "Z_x" in bias.reason and "BN folded" in bias.reason  # both constants in one adder


def test_lsq_and_lsq_plus_differ_exactly_by_the_offset() -> None:
    plain = {(k, p) for k, p, _ in _bom(classify(get_scheme("lsq", 4, 4)))}
    plus = {(k, p) for k, p, _ in _bom(classify(get_scheme("lsq+", 4, 4)))}
    assert plus - plain == {("output_zero_point_adder", "per_output")}
    assert plain <= plus


def test_asymmetric_runtime_window_sum_costs_n_minus_one_adds_per_pixel() -> None:
    dp = classify(get_scheme("asymmetric", 8, 8), 3 * 3 * 256)
    (ws,) = dp.of_kind(UnitKind.ZERO_POINT_WINDOW_SUM)
    assert ws.placement.value == "per_output_pixel"
    assert ws.ops_per_action == 2304 - 1
    assert dict(ws.widths) == {"bits": 8 + 12}
    assert dp.accumulator_bits == 8 + 8 + 12 + 1  # 29 <= 32, Jacob et al.'s int32


def test_training_only_presets_say_so_and_match_their_base() -> None:
    for name, base in (("ssr", "bn-fused"), ("sq", "per-channel")):
        trained, plain = classify(get_scheme(name, 4, 4)), classify(get_scheme(base, 4, 4))
        assert _bom(trained) == _bom(plain)
        assert any("training method" in note and base in note for note in trained.notes)
