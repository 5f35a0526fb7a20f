"""``power_gating``: one key, one set of values (none | idle) on every template; the former
spellings (true/false on the MAC array, idle_macros on the CIM templates) are refused naming
file, line, key and the value to write instead (hwcost/arch/gating.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hwcost.arch.gating import PowerGating
from hwcost.arch.keys import template_keys
from hwcost.arch.registry import template_named
from hwcost.cli import main

TEMPLATES = ("mac_array", "cim_macro", "digital_cim")


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_has_the_same_key_and_values(template: str) -> None:
    key = next(k for k in template_keys(template_named(template)) if k.name == "power_gating")
    assert key.choices == ("none", "idle") and key.default == "none"
    assert template_named(template).defaults.power_gating is PowerGating.NONE


def test_members_are_true_only_when_gating() -> None:
    assert bool(PowerGating.IDLE) and not bool(PowerGating.NONE)


@pytest.mark.parametrize(("template", "old", "advice"), [
    ("mac_array", "true", "write idle (true) or none (false)"),
    ("mac_array", "false", "write idle (true) or none (false)"),
    ("cim_macro", "idle_macros", "write idle"),
    ("digital_cim", "idle_macros", "write idle"),
    ("cim_macro", "true", "write idle (true) or none (false)"),
])
def test_former_spellings_name_the_new_one(tmp_path: Path, capsys: pytest.CaptureFixture[str], template: str,
                                           old: str, advice: str) -> None:
    path = tmp_path / "arch.yaml"
    path.write_text(f"template: {template}\npower_gating: {old}\n")
    assert main(["evaluate", "--arch-file", str(path)]) == 2
    err = capsys.readouterr().err
    assert "arch.yaml:2" in err and "power_gating" in err and advice in err and "Traceback" not in err


@pytest.mark.parametrize("template", TEMPLATES)
def test_idle_is_accepted_and_lowers_static_energy(tmp_path: Path, template: str) -> None:
    from hwcost import evaluate
    from hwcost.arch.registry import load_arch
    from dataclasses import replace

    arch = load_arch(template)
    plain = evaluate("lsq", 4, arch=arch)
    gated = evaluate("lsq", 4, arch=replace(arch, power_gating=PowerGating.IDLE))
    assert gated.latency_cycles == plain.latency_cycles
    assert gated.energy_pj < plain.energy_pj


def test_the_flag_takes_the_same_values(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:  # argparse refuses it, exit 2, naming the flag and the values
        main(["evaluate", "--arch", "cim", "--power-gating", "idle_macros"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "--power-gating" in err and "'none', 'idle'" in err
