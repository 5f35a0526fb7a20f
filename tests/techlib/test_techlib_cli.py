"""``hwcost techlib``: list, show, validate, price; user errors exit 2 with one message."""

import json
from pathlib import Path

import pytest

from hwcost.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list(capsys) -> None:
    code, out, _ = run(capsys, "techlib", "list", "--format", "json")
    assert code == 0
    (row,) = [r for r in json.loads(out) if r["name"] == "45nm"]
    assert (row["node_nm"], row["vdd_v"], row["flavour"]) == (45.0, 0.9, "HP")
    assert "Horowitz" in row["source"]


def test_show_names_every_component_model_and_source(capsys) -> None:
    code, out, _ = run(capsys, "techlib", "show", "45nm")
    assert code == 0
    for name in ("int_adder", "int_multiplier", "sram", "adc", "cim_cell cell=rram_1t1r"):
        assert f"\n{name}" in out or f"\n  {name}" in out
    assert ("energy_pj.read   grid   log-log grid capacity_bytes x width_bits -> pJ: 13 x 4 points, "
            "capacity_bytes 1024..4194304, width_bits 32..256") in out
    assert "CACTI 7 sweep at 45 nm" in out


def test_show_json_is_the_file_format(capsys) -> None:
    code, out, _ = run(capsys, "techlib", "show", "45nm", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert data["components"]["int_multiplier"]["energy_pj"]["multiply"]["model"] == "product"


def test_price_json(capsys) -> None:
    code, out, _ = run(capsys, "techlib", "price", "45nm", "int_multiplier",
                       "--param", "a_bits=8", "--param", "b_bits=8", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["component"] == "int_multiplier"
    assert data["energy_pj"] == pytest.approx(0.2)
    assert data["area_um2"] == pytest.approx(282)


def test_price_table_with_action_and_variant(capsys) -> None:
    code, out, _ = run(capsys, "techlib", "price", "45nm", "sram", "--action", "write",
                       "--param", "capacity_bytes=8192", "--param", "width_bits=64")
    # CACTI 7, 45 nm, 8 KB x 64 b write: 6.5023 pJ (cacti7_sram_sweep.yaml; the law read 6.924)
    assert code == 0 and "sram" in out and "6.502" in out
    code, out, _ = run(capsys, "techlib", "price", "45nm", "cim_cell", "--param", "cell=sram_6t")
    assert code == 0 and "compute" in out and "0.324" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["adcx", "--param", "bits=4"], "no component 'adcx'; it defines: adc, cim_cell"),
        (["adc", "--param", "bits=12"], "adc: bits = 12 is not valid; expected bits in [4, 10]"),
        (["adc", "--param", "bits"], "--param expects KEY=VALUE"),
        (["adc", "--param", "bits=8", "--action", "read"], "adc has no action 'read'; its actions are: convert"),
        (["sram", "--param", "capacity_bytes=8192", "--param", "width_bits=64"], "pass --action"),
        (["int_adder"], "int_adder: missing parameter bits"),
    ],
)
def test_price_errors_exit_2_with_one_message(capsys, argv: list[str], message: str) -> None:
    code, out, err = run(capsys, "techlib", "price", "45nm", *argv)
    assert code == 2
    assert out == ""
    assert err.startswith("hwcost: error: ") and message in err
    assert "Traceback" not in err


def test_validate_ok(capsys, tmp_path: Path, tiny_yaml: str) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(tiny_yaml)
    assert run(capsys, "techlib", "validate", str(path)) == (0, "ok\n", "")


@pytest.mark.parametrize(
    "old, new, message",
    [
        # missing key
        ("vdd_v: 0.9\n", "", "lib.yaml:1: missing required key 'vdd_v'"),
        # wrong type
        ("node_nm: 45", "node_nm: forty-five", "lib.yaml:2: node_nm: expected a number, got string 'forty-five'"),
        # negative energy
        ("fixed_pj: 0.01", "fixed_pj: -0.01",
         "lib.yaml:12: components.int_adder.energy_pj.add.fixed_pj: expected a number >= 0, got -0.01"),
        # unknown model
        ("add: {model: linear", "add: {model: cubic",
         "lib.yaml:12: components.int_adder.energy_pj.add.model: expected one of constant, linear"),
        # parameter range out of range
        ("bits: [1, 64]", "bits: [64, 8]", "lib.yaml:10: components.int_adder.valid.bits: expected min <= max; got [64, 8]"),
        ("bits: [1, 64]", "bits: [0, 64]", "lib.yaml:10: components.int_adder.valid.bits[0]: expected a number > 0, got 0"),
        # YAML syntax error
        ("bits: [1, 64]", "bits: [1, 64", "lib.yaml:11: components.int_adder.valid.bits: YAML syntax error"),
    ],
)
def test_validate_malformed_library_exits_2_naming_the_key(
    capsys, tmp_path: Path, old: str, new: str, message: str, tiny_yaml: str
) -> None:
    assert old in tiny_yaml
    path = tmp_path / "lib.yaml"
    path.write_text(tiny_yaml.replace(old, new))
    code, out, err = run(capsys, "techlib", "validate", str(path))
    assert code == 2
    assert out == ""
    assert message in err
    assert "Traceback" not in err


def test_validate_reports_every_problem(capsys, tmp_path: Path, tiny_yaml: str) -> None:
    path = tmp_path / "lib.yaml"
    path.write_text(tiny_yaml.replace("flavour: HP", "flavour: XX").replace("per_bit_um2: 4", "per_bit_um2: -4"))
    code, _, err = run(capsys, "techlib", "validate", str(path))
    assert code == 2
    assert "2 problems:" in err and "flavour" in err and "components.int_adder.area_um2.per_bit_um2" in err


def test_validate_missing_file(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, "techlib", "validate", str(tmp_path / "none.yaml"))
    assert code == 2 and "file not found" in err
