import json
from pathlib import Path

import pytest

from hwcost.cli import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_bill_of_materials(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "explain", "--scheme", "lsq+", "--bits", "4", "--zero-point", "pre-subtract", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["scheme"] == "lsq+" and data["act_operand_bits"] == 5
    kinds = [u["kind"] for u in data["units"]]
    assert kinds[0] == "zero_point_subtractor" and "requant_multiplier" in kinds
    assert all({"kind", "placement", "widths", "reason"} <= set(u) for u in data["units"])


def test_table_lists_units_then_reasons(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "explain", "--scheme", "pot", "--bits", "4")
    assert code == 0
    assert "multiplier 4b signed x 4b unsigned, accumulator 18b" in out
    assert "requant_shifter" in out and "requant_multiplier" not in out
    assert "[4] M = S_w*S_x/S_out = 2^-n" in out


@pytest.mark.parametrize(("scale_at", "fp"), [("fake-quant-fp16", "FP16"), ("fake-quant-fp32", "FP32")])
def test_a_fake_quant_graph_says_its_macs_are_floating_point(capsys: pytest.CaptureFixture[str], scale_at: str,
                                                             fp: str) -> None:
    # its MAC multiplier and accumulator are FP units of the graph's precision, not integers
    code, out, _ = _run(capsys, "explain", "--scheme", "lsq+", "--bits", "4", "--scale-at", scale_at)
    assert code == 0
    assert out.splitlines()[1] == f"multiplier {fp} x {fp}, accumulator {fp}"
    assert "signed" not in out.splitlines()[1]


def test_bit_and_reduction_overrides(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "explain", "--scheme", "lsq", "--bits", "8", "--act-bits", "4",
                     "--reduction-length", "4608", "--format", "json")
    data = json.loads(out)
    assert (data["weight_bits"], data["act_bits"], data["accumulator_bits"]) == (8, 4, 8 + 4 + 13)


def test_training_methods_say_they_are_training_methods(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "explain", "--scheme", "sq", "--bits", "4")
    assert "note: SQ (stochastic quantization; Dong et al. 2017) is a training method" in out


def test_scheme_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: mine\nbase: asymmetric\nzero_point_realisation: pre-subtract\n")
    code, out, _ = _run(capsys, "explain", "--scheme-file", str(path), "--format", "json")
    assert code == 0 and json.loads(out)["weight_operand_bits"] == 9


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--scheme", "lsq++"], "unknown scheme 'lsq++'; known schemes: pot, symmetric, per-channel"),
        (["--scheme", "lsq", "--bits", "0"], "error: --bits: expected an integer 1..32, got 0\n"),
        (["--scheme", "lsq", "--act-bits", "33"], "error: --act-bits: expected an integer 1..32, got 33\n"),
        (["--scheme", "asymmetric", "--zero-point", "fold"], "'fold' cannot fold the weight zero-point"),
        (["--scheme", "lsq", "--reduction-length", "0"], "--reduction-length: expected an integer >= 1"),
    ],
)
def test_user_errors_exit_2_with_one_message(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, out, err = _run(capsys, "explain", *argv)
    assert code == 2 and out == ""
    assert err.startswith("hwcost: error: ") and message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: b\nbase: lsq\nweights: {bits: 4, colour: red}\n", "weights.colour: unknown key 'colour'; valid keys:"),
        ("name: b\nbase: lsq\nweights: {bits: 0}\n", ":3: weights.bits: expected an integer >= 1, got 0"),
        ("name: b\nbase: lsq\nactivations: {bits: 33}\n", ":3: activations.bits: expected an integer <= 32, got 33"),
        ("name: b\nbase: asymmetric\nzero_point_realisation: fold\n", ":3: zero_point_realisation: 'fold' cannot"),
        ("name: b\nbase: pact\nactivations: {signed: true}\n", "PACT clips to [0, alpha]"),
        ("name: b\nbase: csq\nweights: {zero_point: static}\n", "a centred (zero-free) grid cannot also have a zero-point"),
    ],
)
def test_bad_scheme_files_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    code, _, err = _run(capsys, "explain", "--scheme-file", str(path))
    assert code == 2
    assert str(path) in err and message in err
