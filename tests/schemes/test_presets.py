import pytest

from hwcost.errors import HwcostError
from hwcost.schemes import PRESET_NAMES, PRESETS, TRAINING_BASES, ScaleType, ZeroPoint, get_scheme

EXPECTED = (
    "pot", "symmetric", "per-channel", "asymmetric", "lsq", "lsq+", "pact",
    "dorefa", "csq", "dyadic", "bn-fused", "bn-unfused", "ssr", "sq", "lsq-pot",
)


def test_all_fifteen_presets_exist_in_order() -> None:
    assert PRESET_NAMES == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_preset_is_documented_and_named(name: str) -> None:
    scheme = PRESETS[name]
    assert scheme.name == name
    assert len(scheme.description) > 150
    assert f"'{name}'" in scheme.description  # carries a usage example


def test_get_scheme_sets_bits_and_keeps_first_last() -> None:
    scheme = get_scheme("lsq", weight_bits=3, act_bits=5)
    assert (scheme.weights.bits, scheme.activations.bits, scheme.outputs.bits) == (3, 5, 5)
    assert scheme.first_last_bits == 8
    assert get_scheme("pact", 2, 2).first_last_bits is None


def test_get_scheme_without_bits_is_the_preset() -> None:
    assert get_scheme("dyadic") == PRESETS["dyadic"]


def test_unknown_scheme_lists_known_names() -> None:
    with pytest.raises(HwcostError) as info:
        get_scheme("lsq++")
    text = str(info.value)
    assert "unknown scheme 'lsq++'" in text
    assert all(name in text for name in EXPECTED)


def test_bits_out_of_range_is_a_user_error() -> None:
    with pytest.raises(HwcostError, match="weights.bits"):
        get_scheme("lsq", weight_bits=0)
    with pytest.raises(HwcostError, match="activations.bits"):
        get_scheme("lsq", act_bits=33)


def test_axes_that_define_the_presets() -> None:
    assert get_scheme("pot").weights.scale_type is ScaleType.POT
    assert get_scheme("pot").outputs.scale_type is ScaleType.POT
    assert get_scheme("lsq+").activations.zero_point is ZeroPoint.LEARNED
    assert get_scheme("lsq").activations.zero_point is ZeroPoint.NONE
    assert get_scheme("asymmetric").weights.zero_point is ZeroPoint.STATIC
    assert get_scheme("csq").weights.centred and get_scheme("dorefa").weights.centred


@pytest.mark.parametrize("name", EXPECTED)
def test_outputs_share_the_activation_grid(name: str) -> None:
    scheme = PRESETS[name]
    assert scheme.outputs == scheme.activations


def test_training_only_presets_equal_their_base_except_training() -> None:
    from dataclasses import replace

    for name, base in TRAINING_BASES.items():
        trained, plain = PRESETS[name], PRESETS[base]
        assert trained.training is not plain.training
        assert replace(trained, name=base, training=plain.training) == plain
