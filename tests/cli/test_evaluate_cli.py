import json
from pathlib import Path

import pytest

from hwcost.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_carries_the_documented_keys(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "evaluate", "--scheme", "lsq+", "--bits", "4", "--format", "json")
    assert code == 0
    data = json.loads(out)
    for key in ("energy_pj", "area_um2", "latency_cycles", "tops_per_w", "macs", "breakdown"):
        assert key in data
    assert {"unit", "category", "energy_pj", "area_um2"} <= set(data["breakdown"][0])
    assert sum(r["energy_pj"] for r in data["breakdown"]) == pytest.approx(data["energy_pj"])
    assert data["weight_bits"] == 4 and data["workload"] == "resnet20" and data["node"] == "45nm"


def test_table_shows_totals_then_breakdown(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "evaluate", "--scheme", "pot", "--weight-bits", "4", "--act-bits", "8")
    assert code == 0
    assert out.index("energy per inference") < out.index("requant_shifter")
    assert "W4/A8" in out


def test_csv_is_one_header_and_one_row(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "evaluate", "--format", "csv", "--workload", "vgg7")
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 2 and "energy_pj" in lines[0]


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["--workload", "resnet99"], "resnet99"),
        (["--scheme", "nope"], "known schemes"),
        (["--node", "3nm"], "3nm"),
        (["--scheme", "asymmetric", "--zero-point", "fold"], "--zero-point: 'fold'"),  # under the flag typed
    ],
)
def test_bad_input_exits_2_with_one_message(capsys: pytest.CaptureFixture[str], argv: list[str], needle: str) -> None:
    code, out, err = run(capsys, "evaluate", *argv)
    assert code == 2 and out == ""
    assert needle in err and "Traceback" not in err


def test_bad_arch_file_names_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    arch = tmp_path / "arch.yaml"
    arch.write_text("template: mac_array\npe_rows: 0\ndataflow: diagonal\nbuffer: 3\n")
    code, _, err = run(capsys, "evaluate", "--arch-file", str(arch))
    assert code == 2
    assert f"{arch}:2: pe_rows: expected an integer >= 1, got 0" in err
    assert "dataflow: expected one of weight_stationary, output_stationary" in err
    assert "buffer: unknown key 'buffer'" in err
