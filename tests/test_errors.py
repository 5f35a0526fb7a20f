from pathlib import Path

import pytest

from hwcost._config import Checker, read_yaml
from hwcost.errors import HwcostError


def test_problem_names_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("a:\n  b: -1\n  c: 2\n")
    doc = read_yaml(path)
    check = Checker.for_document(doc)
    check.number(doc.data["a"]["b"], "a.b", minimum=0)
    check.keys(doc.data["a"], "a", required=["b"], optional=[])
    with pytest.raises(HwcostError) as info:
        check.raise_if_any()
    text = str(info.value)
    assert f"{path}:2: a.b: expected a number >= 0, got -1" in text
    assert f"{path}:3: a.c: unknown key 'c'; valid keys: b" in text
    assert text.startswith("2 problems:")


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("a: 1\nb: [1, 2\nc: 3\n")
    with pytest.raises(HwcostError) as info:
        read_yaml(path)
    assert str(path) in str(info.value)
    assert "YAML syntax error" in str(info.value)


def test_missing_file() -> None:
    with pytest.raises(HwcostError, match="file not found"):
        read_yaml("/nonexistent/file.yaml")


def test_error_survives_pickling() -> None:
    """Errors raised in worker processes reach the parent whole, not as one problem per character."""
    import pickle

    err = HwcostError.single("accumulator x M0 needs 74 bits", key="m0_bits")
    back = pickle.loads(pickle.dumps(err))
    assert back.problems == err.problems
    assert str(back) == "m0_bits: accumulator x M0 needs 74 bits"
