"""``hwcost evaluate`` has a flag for every key of every template, generated from the code; a
flag sets the same configuration as the key in Python; a flag of another template, or a value
the template refuses, is reported under the flag typed."""

from __future__ import annotations

import json
from dataclasses import fields, replace

import pytest

import hwcost
from hwcost.arch.keys import NOT_KEYS, KeyKind, template_keys
from hwcost.arch.registry import template_named, template_names, with_overrides
from hwcost.cli import build_parser, main
from hwcost.errors import HwcostError


def _evaluate_parser():  # noqa: ANN202
    parser = build_parser()
    return parser._subparsers._group_actions[0].choices["evaluate"]  # type: ignore[union-attr]


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main(["evaluate", *argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_every_key_of_every_template_is_a_flag() -> None:
    options = _evaluate_parser()._option_string_actions
    for name in template_names():
        config = type(template_named(name).defaults)
        keys = [f.name for f in fields(config) if f.compare and f.name not in NOT_KEYS]
        assert [k.name for k in template_keys(template_named(name))] == keys
        for key in keys:
            flag = "--" + key.replace("_", "-")
            assert flag in options and options[flag].dest == key, f"{name}.{key} has no flag of its own"


def test_each_key_has_a_kind_a_default_and_a_source() -> None:
    for name in template_names():
        template = template_named(name)
        for key in template_keys(template):
            assert key.source, f"{name}.{key.name}: no source comment next to the key"
            if key.kind is KeyKind.CHOICE:
                enum_value = getattr(template.defaults, key.name)
                assert key.default == (None if enum_value is None else enum_value.value)
                assert key.default is None or key.default in key.choices


def test_mac_array_flags_set_the_configuration(capsys: pytest.CaptureFixture[str]) -> None:
    got = _json(capsys, "--pe-rows", "8", "--pe-cols", "32", "--glb-kib", "64", "--dataflow", "output_stationary",
                "--clock-mhz", "500", "--bits", "4")
    arch = replace(hwcost.load_arch("mac_array"), pe_rows=8, pe_cols=32, glb_kib=64.0,
                   dataflow=hwcost.Dataflow.OUTPUT_STATIONARY, clock_mhz=500.0)
    report = hwcost.evaluate("lsq", 4, arch=arch)
    assert (got["pe_rows"], got["pe_cols"], got["glb_kib"], got["dataflow"]) == (8, 32, 64.0, "output_stationary")
    assert got["energy_pj"] == pytest.approx(report.energy_pj, rel=1e-12)
    assert got["latency_cycles"] == pytest.approx(report.latency_cycles, rel=1e-12)
    default = hwcost.evaluate("lsq", 4)
    assert got["energy_pj"] != pytest.approx(default.energy_pj, rel=1e-3)  # the flags changed something


def test_cim_flags_and_the_old_names(capsys: pytest.CaptureFixture[str]) -> None:
    got = _json(capsys, "--arch", "cim", "--rows", "64", "--adc-bits", "6", "--dac-bits", "2", "--macros", "auto",
                "--active-rows", "all", "--bits", "4")
    arch = replace(hwcost.load_arch("cim"), rows=64, adc_bits=6, input_bits_per_pulse=2, macros=None)
    assert got["energy_pj"] == pytest.approx(hwcost.evaluate("lsq", 4, arch=arch).energy_pj, rel=1e-12)
    same = _json(capsys, "--arch", "cim", "--rows", "64", "--adc-bits", "6", "--input-bits-per-pulse", "2", "--bits", "4",
                 "--macros", "auto")
    assert same["energy_pj"] == got["energy_pj"]


def error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["evaluate", *argv]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().removeprefix("hwcost: error: ")


@pytest.mark.parametrize("argv, message", [
    (["--arch", "cim", "--pe-rows", "8"],
     "--arch: --pe-rows: not an option of the cim_macro template; options that apply to the mac template only "
     "(add --arch mac)"),
    (["--arch", "dcim", "--adc-bits", "4", "--glb-kib", "64"],
     "--arch: --adc-bits: not an option of the digital_cim template; options that apply to the cim template only "
     "(add --arch cim)"),
    (["--pe-rows", "0"], "--pe-rows: expected an integer >= 1, got 0"),
    (["--glb-kib", "nan"], "--glb-kib: expected a finite number, got nan"),
    (["--arch", "cim", "--macros", "many"], "--macros: expected auto or an integer in [1, 1000000]; got 'many'"),
    (["--arch", "cim", "--dac-bits", "2", "--input-bits-per-pulse", "2"],
     "--dac-bits: --dac-bits and --input-bits-per-pulse set the same key (input_bits_per_pulse): give one"),
])
def test_problems_are_reported_under_the_flag_typed(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert error(capsys, *argv) == message


def test_a_choice_outside_the_template_choices_is_refused_by_argparse(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["evaluate", "--dataflow", "diagonal"])
    assert exit_.value.code == 2 and "--dataflow: invalid choice: 'diagonal'" in capsys.readouterr().err


def test_with_overrides_names_the_flag_typed_never_the_key() -> None:
    cim = hwcost.load_arch("cim")
    with pytest.raises(HwcostError) as err:
        with_overrides(cim, {"input_bits_per_pulse": 9}, flags={"input_bits_per_pulse": "--dac-bits"})
    assert [p.key for p in err.value.problems] == ["--dac-bits"]
    with pytest.raises(HwcostError) as err:  # a relation broken by a typed value: the flags typed, then the key
        with_overrides(cim, {"cols": 36}, flags={"cols": "--cols", "adc_share": "--adc-share"})
    (problem,) = err.value.problems
    assert problem.key == "--cols 36" and problem.message.startswith("adc_share: expected a divisor of cols (36)")
    assert problem.message.endswith("(adc_share as configured; set it with --adc-share)")
    with pytest.raises(HwcostError) as err:
        with_overrides(hwcost.load_arch("mac_array"), {"input_bits_per_pulse": 2}, flags={"input_bits_per_pulse": "--dac-bits"})
    assert str(err.value).startswith("arch: --dac-bits: not an option of the mac_array template")
    assert "input_bits_per_pulse" not in str(err.value)
