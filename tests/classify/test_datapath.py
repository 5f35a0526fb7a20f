from dataclasses import replace

import pytest

from hwcost.classify import COMPONENT_PARAMETERS, Component, Placement, Unit, UnitKind, Widths, classify
from hwcost.errors import HwcostError
from hwcost.schemes import PRESET_NAMES, BNHandling, Granularity, ScaleType, get_scheme


def test_widths_is_an_immutable_hashable_mapping() -> None:
    w = Widths.of(a_bits=8, b_bits=4)
    assert dict(w) == {"a_bits": 8, "b_bits": 4}
    assert hash(w) == hash(Widths.of(a_bits=8, b_bits=4))
    with pytest.raises(KeyError):
        w["bits"]
    assert (lambda **kw: kw)(**w) == {"a_bits": 8, "b_bits": 4}


def test_unit_widths_must_be_the_component_parameters() -> None:
    with pytest.raises(ValueError, match="int_multiplier takes"):
        Unit(UnitKind.MAC_MULTIPLIER, Placement.PER_MAC, Component.INT_MULTIPLIER, Widths.of(bits=8), "x")


@pytest.mark.parametrize("name", PRESET_NAMES)
@pytest.mark.parametrize("edge", [False, True])
def test_every_unit_can_be_priced_as_is(name: str, edge: bool) -> None:
    for unit in classify(get_scheme(name, 3, 5), 147, edge_layer=edge).units:
        assert tuple(unit.widths) == COMPONENT_PARAMETERS[unit.component]
        assert str(unit.component) == unit.component.value  # StrEnum: a techlib key as is


def test_to_dict_has_the_json_contract() -> None:
    data = classify(get_scheme("lsq+", 4, 4)).to_dict()
    assert data["scheme"] == "lsq+"
    assert set(data["units"][0]) >= {"kind", "placement", "widths", "reason"}
    assert data["units"][0]["widths"] == {"a_bits": 4, "b_bits": 4}


def test_group_granularity_uses_a_table_per_group() -> None:
    scheme = get_scheme("per-channel", 4, 4)
    scheme = replace(scheme, weights=replace(scheme.weights, granularity=Granularity.GROUP, group_size=16))
    dp = classify(scheme)
    (table,) = dp.of_kind(UnitKind.SCALE_MEMORY)
    assert table.placement is Placement.PER_CHANNEL_GROUP and dp.weight_group_size == 16


def test_float_scale_runs_the_rescale_in_fp32() -> None:
    s = get_scheme("lsq", 4, 4)
    s = replace(s, **{t: replace(getattr(s, t), scale_type=ScaleType.FLOAT) for t in ("weights", "activations", "outputs")})
    dp = classify(s)
    (fp,) = dp.of_kind(UnitKind.FP_MULTIPLIER)
    assert (fp.placement, fp.component, dict(fp.widths)) == (Placement.PER_OUTPUT, Component.FP_MULTIPLIER, {"bits": 32})
    assert dp.has(UnitKind.INT_TO_FP) and dp.has(UnitKind.FP_TO_INT)
    assert not dp.has(UnitKind.REQUANT_MULTIPLIER)


def test_one_float_tensor_makes_the_rescale_float_and_one_dyadic_makes_it_a_multiply() -> None:
    s = get_scheme("pot", 4, 4)
    assert classify(replace(s, outputs=replace(s.outputs, scale_type=ScaleType.DYADIC))).has(UnitKind.REQUANT_MULTIPLIER)
    assert classify(replace(s, weights=replace(s.weights, scale_type=ScaleType.FLOAT))).has(UnitKind.FP_MULTIPLIER)


def test_per_channel_weight_zero_points_multiply_per_output_and_sit_in_the_table() -> None:
    s = get_scheme("asymmetric", 4, 4)
    dp = classify(replace(s, weights=replace(s.weights, granularity=Granularity.CHANNEL)))
    (zp,) = dp.of_kind(UnitKind.ZERO_POINT_MULTIPLIER)
    assert zp.placement is Placement.PER_OUTPUT
    (table,) = dp.of_kind(UnitKind.SCALE_MEMORY)
    assert dict(table.widths) == {"width_bits": 12 + 5 + 4}  # M0 (4 + 1 + 7), n (acc 19 -> 5 bits), Z_w


def test_edge_layers_use_first_last_bits_or_fp32() -> None:
    dp = classify(get_scheme("lsq", 2, 2), edge_layer=True)
    assert (dp.weight_operand_bits, dp.act_operand_bits) == (8, 8)
    fp = classify(get_scheme("pact", 4, 4), edge_layer=True)
    (mac,) = fp.of_kind(UnitKind.MAC_MULTIPLIER)
    assert mac.component is Component.FP_MULTIPLIER and fp.accumulator_bits == 32


def test_bias_and_bn_none() -> None:
    s = replace(get_scheme("symmetric", 4, 4), bn=BNHandling.NONE)
    assert not classify(s).has(UnitKind.BIAS_ADDER)
    assert classify(s, has_bias=True).has(UnitKind.BIAS_ADDER)


def test_min_accumulator_bits_widens_only() -> None:
    s = get_scheme("symmetric", 4, 4)
    assert classify(s, min_accumulator_bits=32).accumulator_bits == 32
    assert classify(s, min_accumulator_bits=8).accumulator_bits == 18


def test_reduction_length_of_one_needs_no_window_adds() -> None:
    (ws,) = classify(get_scheme("asymmetric", 8, 8), 1).of_kind(UnitKind.ZERO_POINT_WINDOW_SUM)
    assert ws.ops_per_action == 0


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_bad_reduction_length_is_a_user_error(bad: object) -> None:
    with pytest.raises(HwcostError, match="reduction_length"):
        classify(get_scheme("lsq"), bad)  # type: ignore[arg-type]
