"""Bad input at the command line: one message naming the flag typed (or the file, line and key),
exit 2, never a traceback, never a number that is not finite."""

from __future__ import annotations

import math
import re
import time
from pathlib import Path

import pytest

from hwcost.cli import main
from hwcost.cli._output import format_table, to_json
from hwcost.errors import HwcostError
from hwcost.techlib._load import DATA_DIR


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, ""), err
    assert err.startswith("hwcost: error: ")
    return err[len("hwcost: error: "):].rstrip("\n")


def test_bits_the_library_cannot_price_name_the_flag_and_the_values_that_price(capsys: pytest.CaptureFixture[str]) -> None:
    message = error(capsys, "evaluate", "--bits", "32")
    found = re.fullmatch(r"--bits: 32 cannot be priced on 45nm \(int_adder: bits = (\d+) is not valid; expected bits in "
                         r"\[1, 64\] \(whole numbers\)\); with the other options as given, --bits can be 1\.\.(\d+)",
                         message)
    assert found is not None, message
    accumulator, top = int(found.group(1)), int(found.group(2))
    assert accumulator > 64
    assert run(capsys, "evaluate", "--bits", str(top))[0] == 0  # the range is the real one
    assert run(capsys, "evaluate", "--bits", str(top + 1))[0] == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["evaluate", "--bits", "0"], "--bits: expected an integer 1..32, got 0"),
        (["evaluate", "--weight-bits", "33", "--act-bits", "0"],
         "2 problems:\n  - --weight-bits: expected an integer 1..32, got 33\n  - --act-bits: expected an integer 1..32, got 0"),
        (["evaluate", "--arch", "cim", "--dac-bits", "9"], "--dac-bits: expected an integer <= 8, got 9"),
        (["evaluate", "--arch", "cim", "--cols", "33"],
         "--cols 33: adc_share: expected a divisor of cols (33); got 8 (adc_share as configured; set it with --adc-share)"),
        (["evaluate", "--scheme", "asymmetric", "--scale-at", "operand"],
         "--scale-at: scale_realisation 'operand' dequantizes r = S(q - Z) before the multiply, so zero-points are "
         "pre-subtracted: use zero_point_realisation 'pre-subtract'"),
        (["explain", "--scheme", "lsq", "--reduction-length", "0"], "--reduction-length: expected an integer >= 1, got 0"),
        (["explain", "--scheme", "lsq+", "--act-bits", "1"], "--act-bits: a 1-bit grid cannot carry a zero-point"),
        (["evaluate", "--dac-bits", "2"], "--arch: --dac-bits: not an option of the mac_array template; options "
                                          "that apply to the cim template only (add --arch cim)"),
        (["techlib", "price", "45nm", "int_adder", "--param", "bits=nan"], "--param: bits=nan: expected a finite number"),
        (["techlib", "price", "45nm", "int_adder", "--param", "bits=99"],
         "--param: int_adder: bits = 99 is not valid; expected bits in [1, 64] (whole numbers)"),
        (["techlib", "scale", "--from", "45nm", "--to", "7nm", "--vdd", "nan", "--out", "-"],
         "--vdd: expected a supply in volts > 0, got nan"),
        (["techlib", "scale", "--from", "45nm", "--to", "1e400", "--out", "-"],
         "--to: expected a process node such as 7nm or 22; got '1e400'"),
    ],
)
def test_a_value_is_reported_under_the_flag_typed(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert error(capsys, *argv) == message


def test_node_and_workload_name_their_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert error(capsys, "evaluate", "--node", "3nm").startswith("--node: unknown technology library '3nm'")
    assert error(capsys, "evaluate", "--workload", "nope").startswith("--workload: unknown workload 'nope'")
    # an empty name is not the current folder, nor the default
    assert error(capsys, "evaluate", "--node", "").startswith("--node: unknown technology library ''")
    assert error(capsys, "evaluate", "--workload", "").startswith("--workload: unknown workload ''")


def test_a_scheme_files_own_contradiction_names_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: one-bit\nbase: lsq+\nweights: {bits: 4}\nactivations:\n  bits: 1\n")
    assert error(capsys, "explain", "--scheme-file", str(path)) == (
        f"2 problems:\n  - {path}:4: activations.zero_point: a 1-bit grid cannot carry a zero-point\n"
        f"  - {path}:1: outputs.zero_point: a 1-bit grid cannot carry a zero-point")


@pytest.mark.parametrize("where", ["folder", "missing/x.yaml", "a_file/x.yaml"])
def test_scale_out_that_cannot_be_written_is_an_error_naming_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "a_file").write_text("")
    out = tmp_path / where
    message = error(capsys, "techlib", "scale", "--from", "45nm", "--to", "7nm", "--out", str(out))
    assert message.startswith(f"--out: cannot write {out} (")


def test_a_device_is_refused_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    start = time.perf_counter()
    assert error(capsys, "evaluate", "--techlib", "/dev/zero") == "/dev/zero: expected a file, got a device, pipe or socket"
    assert time.perf_counter() - start < 5


def test_a_duplicate_key_is_an_error_naming_both_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the top-level supply only (the wire's block repeats it, indented)
    text = (DATA_DIR / "45nm.yaml").read_text().replace("\nvdd_v: 0.9\n", "\nvdd_v: 0.9\nvdd_v: 1.1\n", 1)
    path = tmp_path / "lib.yaml"
    path.write_text(text)
    line = text.splitlines().index("vdd_v: 1.1") + 1
    assert error(capsys, "techlib", "validate", str(path)) == (
        f"{path}:{line}: vdd_v: duplicate key 'vdd_v' (first at line {line - 1}, again at line {line}); "
        "a key may appear once per mapping")


def test_a_misspelt_template_names_the_misspelling(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "arch.yaml"
    path.write_text("# my macro\ntemplatez: cim_macro\nrows: 64\n")
    message = error(capsys, "evaluate", "--arch-file", str(path))
    assert message.startswith(f"{path}:2: template: missing required key 'template' (expected one of ")
    assert message.endswith("(found 'templatez' at line 2: misspelt?)")


def test_a_swept_arch_entry_reports_a_problem_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    study = (Path(__file__).parents[2] / "studies" / "sample.yaml").read_text()
    study = study.replace("  - template: cim_macro      # the CIM template with its defaults",
                          "  - template: cim_macro\n    rows: [64, 128, 256]\n    cell_bits: 3")
    path = tmp_path / "study.yaml"
    path.write_text(study)
    line = study.splitlines().index("    cell_bits: 3") + 1
    assert error(capsys, "study", "check", str(path)) == (
        f"{path}:{line}: archs[1].cell_bits: a sram_6t cell holds exactly 1 bit; got 3")


def test_an_accuracy_table_that_is_not_one_is_not_echoed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n")
    study = (Path(__file__).parents[2] / "studies" / "sample.yaml").read_text()
    path = tmp_path / "study.yaml"
    path.write_text(study.replace("source: both", "source: table").replace("table: literature", f"table: {secret}")
                    .split("  measured:")[0] + f"  table: {secret}\nobjectives:\n  - maximise: accuracy_table_pct\n"
                                                "  - minimise: energy_pj\n")
    message = error(capsys, "study", "check", str(path))
    assert "root" not in message.replace(str(tmp_path), "")
    assert f"{secret}:1: header: not an accuracy table: line 1 names none of the required columns" in message


def test_study_folders_that_are_files_are_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a_file = tmp_path / "results"
    a_file.write_text("")
    sample = str(Path(__file__).parents[2] / "studies" / "sample.yaml")
    assert error(capsys, "study", "run", sample, "--out", str(a_file)) == f"--out: {a_file} exists and is not a folder"
    assert error(capsys, "study", "plot", str(a_file)).endswith("not a study results folder (no study.json); "
                                                               "run 'hwcost study run' first")


def test_printers_refuse_numbers_that_are_not_finite() -> None:
    with pytest.raises(HwcostError, match=r"^energy_pj: the result is not a finite number \(inf\); nothing printed$"):
        to_json({"energy_pj": math.inf, "area_um2": 1.0})
    with pytest.raises(HwcostError, match=r"^tops_per_w\[1\]: the result is not a finite number \(nan\)"):
        format_table(["unit", "tops_per_w"], [["a", 1.0], ["b", math.nan]])
    assert to_json({"energy_pj": 1.5}) == '{\n  "energy_pj": 1.5\n}'
    with pytest.raises(HwcostError, match=r"^glb: a result in the table is not a finite number \(inf\)"):
        format_table(["unit", "%"], [["mac", "12.5"], ["glb", "inf"]])  # a number the caller formatted


def test_huge_but_finite_costs_print_no_inf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    arch = tmp_path / "arch.yaml"
    # the largest pinned cost accepted (1e15 pJ, the library's bound) still prints finite numbers
    arch.write_text("template: mac_array\npinned:\n  mac_multiplier: {energy_pj: 1.0e+15, area_um2: 150, source: x}\n")
    code, out, _ = run(capsys, "evaluate", "--arch-file", str(arch), "--by-layer")
    assert code == 0 and not re.search(r"(?<![\w.])-?(inf|nan)(?!\w)", out, re.I)
    assert "100.0" in out  # the multiplier's share, computed as a ratio first
    # beyond the bound, the file is refused at load, naming the key
    arch.write_text("template: mac_array\npinned:\n  mac_multiplier: {energy_pj: 1.0e+300, area_um2: 150, source: x}\n")
    code, _, err = run(capsys, "evaluate", "--arch-file", str(arch), "--by-layer")
    assert code == 2 and "arch.yaml:3: pinned.mac_multiplier.energy_pj" in err
