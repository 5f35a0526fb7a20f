"""``hwcost accuracy measure``."""

from __future__ import annotations

import json

import pytest

from hwcost.cli import main

QUICK = ["--epochs", "1", "--fp-epochs", "2"]


def test_measure_prints_a_table_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["accuracy", "measure", "--scheme", "lsq", "--bits", "4", *QUICK]) == 0
    table = capsys.readouterr().out
    assert "lsq" in table and "integer_%" in table and "fp_%" in table
    assert main(["accuracy", "measure", "--scheme", "lsq", "--weight-bits", "4", "--act-bits", "4", *QUICK, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["weight_bits"] == 4 and data["from_cache"] is True and 0 <= data["accuracy"] <= 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scheme", "nope"], "unknown scheme"),
        (["--scheme", "lsq", "--dataset", "data.csv"], "unknown dataset"),
        (["--scheme", "lsq", "--bits", "0"], "bits"),
        (["--scheme", "lsq", "--epochs", "-2"], "epochs"),
    ],
)
def test_user_errors_exit_2_with_one_message(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    assert main(["accuracy", "measure", *args, "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hwcost: error:") and message in err and "Traceback" not in err
