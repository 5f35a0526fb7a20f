"""measure_accuracy on a CIM macro: ADC bits, flexible intervals, two stages, noise, cache, CLI."""

from __future__ import annotations

import itertools
import json

import pytest

from hwcost.cli import main
from hwcost.errors import HwcostError
from hwcost.schemes.presets import get_scheme
from hwcost.accuracy import (
    AccuracyResult,
    AdcRange,
    CimSettings,
    NoiseTarget,
    measure_accuracy,
)

QUICK = {"epochs": 1, "fp_epochs": 2}
SCHEME = get_scheme("lsq", 4, 4)
ADC_BITS = (8, 7, 6, 5, 4, 3)


@pytest.fixture(scope="module")
def by_adc_bits() -> dict[int, AccuracyResult]:
    """Fixed-range ADC, no fine-tuning, no noise: 64 rows x 1-bit cells x bit-serial inputs are
    lossless at 7 bits; below, every bit doubles the step (nested grids). Measured on seeds 0-2
    the accuracy falls by >= 4 points per bit below 7, so the ordering is robust."""
    return {b: measure_accuracy(SCHEME, **QUICK, cim=CimSettings(rows=64, adc_bits=b)) for b in ADC_BITS}


def test_fewer_adc_bits_never_raise_accuracy(by_adc_bits) -> None:
    accs = [by_adc_bits[b].accuracy for b in ADC_BITS]
    assert all(more >= fewer for more, fewer in itertools.pairwise(accs)), accs
    assert accs[-1] < accs[0] - 0.3


def test_lossless_adc_keeps_the_digital_accuracy(by_adc_bits) -> None:
    for b in (8, 7):
        r = by_adc_bits[b]
        assert r.accuracy == r.digital_accuracy and r.cim_accuracy_std == 0.0 and r.integer_accuracy is None
    assert by_adc_bits[6].accuracy < by_adc_bits[6].digital_accuracy


def test_cim_results_are_cached_and_serialise(by_adc_bits) -> None:
    again = measure_accuracy(SCHEME, **QUICK, cim=CimSettings(rows=64, adc_bits=5))
    assert again.from_cache and again == by_adc_bits[5]
    data = json.loads(json.dumps(again.to_dict()))
    assert AccuracyResult.from_dict(data) == again and data["cim"]["adc_range"] == "fixed"
    plain = measure_accuracy(SCHEME, **QUICK)
    assert plain.cim is None and plain.accuracy == by_adc_bits[8].digital_accuracy


def test_flexible_interval_beats_the_fixed_range_at_low_bits(by_adc_bits) -> None:
    flexible = measure_accuracy(SCHEME, **QUICK, cim=CimSettings(rows=64, adc_bits=4, adc_range=AdcRange.FLEXIBLE))
    assert flexible.accuracy > by_adc_bits[4].accuracy + 0.2


def test_stage_two_recovers_adc_loss(by_adc_bits) -> None:
    two = measure_accuracy(SCHEME, **QUICK, cim=CimSettings(rows=64, adc_bits=5, two_stage=True, stage2_epochs=2))
    assert two.accuracy > by_adc_bits[5].accuracy + 0.1  # measured +18 / +22 points on seeds 0 / 1


def test_noise_aware_training_helps_under_partial_sum_noise() -> None:
    noisy = CimSettings(rows=64, adc_bits=6, adc_range=AdcRange.FLEXIBLE, noise_sigma=0.003,
                        noise_on=NoiseTarget.PSUM, eval_trials=2)
    deployed = measure_accuracy(SCHEME, **QUICK, cim=noisy)
    trained = measure_accuracy(SCHEME, **QUICK, cim=CimSettings(**{**noisy.__dict__, "two_stage": True, "stage2_epochs": 2}))
    assert deployed.cim_accuracy_std > 0 and deployed.accuracy < deployed.digital_accuracy - 0.1
    assert trained.accuracy > deployed.accuracy + 0.1  # measured +24 / +25 points on seeds 0 / 1
    assert measure_accuracy(SCHEME, **QUICK, cim=noisy, use_cache=False) == deployed  # seeded noise


def test_bad_cim_settings_are_hwcost_errors() -> None:
    with pytest.raises(HwcostError) as info:
        measure_accuracy(SCHEME, **QUICK, cim=CimSettings(rows=0, adc_bits=17, noise_sigma=-1.0, adc_range="fixed"))
    text = str(info.value)
    assert all(k in text for k in ("cim.rows", "cim.adc_bits", "cim.noise_sigma", "cim.adc_range"))
    with pytest.raises(HwcostError, match="first_last_bits"):
        measure_accuracy(get_scheme("pact", 4, 4), **QUICK, cim=CimSettings())
    with pytest.raises(HwcostError, match="CimSettings"):
        measure_accuracy(SCHEME, **QUICK, cim={"rows": 64})


def test_cli_cim_table_json_and_errors(capsys: pytest.CaptureFixture[str], by_adc_bits) -> None:
    args = ["accuracy", "measure", "--scheme", "lsq", "--bits", "4", "--epochs", "1", "--fp-epochs", "2"]
    assert main([*args, "--cim", "--rows", "64", "--adc-bits", "5", "--cell-bits", "1", "--input-bits-per-pulse", "1",
                 "--adc-range", "fixed"]) == 0
    table = capsys.readouterr().out
    assert "cim_%" in table and "digital_%" in table and f"{100 * by_adc_bits[5].accuracy:.2f}" in table
    assert main([*args, "--cim", "--rows", "64", "--adc-bits", "5", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["from_cache"] and data["cim"]["rows"] == 64 and data["accuracy"] == by_adc_bits[5].accuracy
    for bad, messages in ((["--adc-bits", "4"], ("add --cim",)), (["--cim", "--adc-bits", "0"], ("cim.adc_bits", "--adc-bits:")),
                          (["--cim", "--noise-sigma", "2"], ("cim.noise_sigma", "--noise-sigma:"))):
        assert main([*args, *bad, "--no-cache"]) == 2
        err = capsys.readouterr().err  # the key, or the flag when the CLI names flags
        assert any(m in err for m in messages) and "Traceback" not in err


def test_cim_cache_key_of_default_readout_options_is_the_former_key() -> None:
    # The fields CimSettings had before the readout options (weight_accumulation, pair_subtraction,
    # active_rows, input_encoding) were added: at their defaults, a cached result keeps its key.
    from hwcost.accuracy import cache
    from hwcost.accuracy.cim.two_stage import CimSettings
    from hwcost.accuracy.measure import _key_cim

    former = ("rows", "cell_bits", "input_bits_per_pulse", "adc_bits", "adc_range", "signed_weights", "noise_sigma",
              "noise_on", "two_stage", "stage2_epochs", "stage2_lr", "eval_trials")
    default = CimSettings()
    assert set(_key_cim(default)) == set(former)
    analog = CimSettings(weight_accumulation=type(default.weight_accumulation)("analog"))
    assert _key_cim(analog)["weight_accumulation"] == "analog"
    assert cache.cache_key("acc", {"cim": _key_cim(analog)}) != cache.cache_key("acc", {"cim": _key_cim(default)})
