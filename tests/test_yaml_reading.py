"""Reading YAML files: limits, duplicate keys, lines of every key, values YAML cannot build."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from hwcost._config import MAX_FILE_BYTES, Checker, read_yaml
from hwcost._yaml import MAX_ALIAS_NODES, MAX_DEPTH
from hwcost.errors import HwcostError
from hwcost.techlib._load import DATA_DIR


def _read_error(tmp_path: Path, text: str | bytes) -> HwcostError:
    path = tmp_path / "f.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    with pytest.raises(HwcostError) as info:
        read_yaml(path)
    assert len(info.value.problems) == 1
    assert info.value.problems[0].file == str(path)
    return info.value


def _bomb(levels: int) -> str:
    chain = "[&l0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]" + "".join(
        f", &l{k} [" + ", ".join([f"*l{k - 1}"] * 10) + "]" for k in range(1, levels + 1))
    return f"name: x\nbomb: {chain}, *l{levels}]\n"


def test_a_duplicate_key_is_an_error_naming_both_lines(tmp_path: Path) -> None:
    err = _read_error(tmp_path, "a: 1\nb:\n  c: 1\n  d: 2\n  c: 3\n")
    p = err.problems[0]
    assert (p.key, p.line) == ("b.c", 5)
    assert "duplicate key 'c' (first at line 3, again at line 5)" in p.message


def test_keys_that_load_equal_are_duplicates(tmp_path: Path) -> None:
    err = _read_error(tmp_path, "a: {0x10: x, 16: y}\n")
    assert "duplicate key '16'" in err.problems[0].message


def test_a_merge_key_is_not_a_duplicate_and_the_explicit_key_wins(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  x: 3\n")
    doc = read_yaml(path)
    assert doc.data["c"] == {"x": 3, "y": 2}
    assert doc.lines["c.x"] == 4


def test_nesting_deeper_than_the_limit_names_the_limit_and_line(tmp_path: Path) -> None:
    depth = MAX_DEPTH + 5
    err = _read_error(tmp_path, "name: x\ndeep: " + "[" * depth + "1" + "]" * depth + "\n")
    p = err.problems[0]
    assert "nesting-depth limit" in p.message and f"{MAX_DEPTH} levels" in p.message
    assert p.line == 2 and p.key is not None and p.key.startswith("deep[0][0]")


def test_nesting_within_the_limit_loads(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    depth = MAX_DEPTH - 2
    path.write_text("deep: " + "[" * depth + "7" + "]" * depth + "\n")
    value = read_yaml(path).data["deep"]
    for _ in range(depth - 1):
        value = value[0]
    assert value == [7]


def test_a_billion_laughs_is_refused_at_once_naming_the_anchor(tmp_path: Path) -> None:
    start = time.perf_counter()
    err = _read_error(tmp_path, _bomb(9))
    assert time.perf_counter() - start < 5.0
    p = err.problems[0]
    sizes = [11]  # l0: a list of ten 1s; each next level: a list of ten aliases of the previous
    for _ in range(9):
        sizes.append(1 + 10 * sizes[-1])
    expanded = 4 + 1 + sum(sizes) + sizes[-1]  # mapping, 2 keys, 'x', the outer list, l0..l9, *l9
    assert f"expand the document to {expanded:,} nodes from the 25 written" in p.message
    assert "alias-expansion limit" in p.message and f"{MAX_ALIAS_NODES:,}" in p.message
    assert (p.line, p.key) == (2, "bomb[9]")  # the largest anchor used more than once


def test_a_few_aliases_load_and_their_paths_have_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("a: &x\n  - 1\n  - 2\nb: *x\n")
    doc = read_yaml(path)
    assert doc.data == {"a": [1, 2], "b": [1, 2]}
    assert (doc.lines["b"], doc.lines["b[1]"]) == (4, 3)  # an aliased item: where it is written


@pytest.mark.parametrize("text", ["a: &r [1, *r]\n", "a: &r {b: *r}\n"])
def test_a_recursive_alias_is_refused(tmp_path: Path, text: str) -> None:
    err = _read_error(tmp_path, text)
    assert "recursive alias" in err.problems[0].message and err.problems[0].key == "a"


def test_a_file_over_the_size_limit_is_refused_without_reading_it(tmp_path: Path) -> None:
    err = _read_error(tmp_path, b"#" * (MAX_FILE_BYTES + 1))
    assert "file-size limit" in str(err) and f"{MAX_FILE_BYTES:,} bytes" in str(err)


def test_a_directory_or_a_device_is_refused(tmp_path: Path) -> None:
    with pytest.raises(HwcostError, match="got a directory"):
        read_yaml(tmp_path)
    if Path("/dev/zero").exists():
        with pytest.raises(HwcostError, match="got a device, pipe or socket"):
            read_yaml("/dev/zero")


def test_bytes_that_are_not_utf8_name_their_line(tmp_path: Path) -> None:
    err = _read_error(tmp_path, b"a: 1\nb: caf\xe9\n")
    assert err.problems[0].line == 2 and "byte 0xe9" in err.problems[0].message


@pytest.mark.parametrize(
    ("text", "key", "line", "message"),
    [
        ("a: 1\nwhen: 2021-13-45\n", "when", 2, "cannot read '2021-13-45' as timestamp"),
        ("a: 1\nn: !!int seven\n", "n", 2, "cannot read 'seven' as int"),
        ("a: 1\nn: " + "9" * 5000 + "\n", "n", 2, "as int"),
        ("a: 1\nb: [1\n", "b", 3, "YAML syntax error"),  # noticed at the end of the file
        ("a: 1\nb: x\x00\n", "b", 2, "character #x0000 is not allowed"),
        ("template---\n: cim\n", "template---", 2, "expected '<document start>'"),  # the scalar before it
    ],
)
def test_values_yaml_cannot_build_are_errors_at_their_key(
    tmp_path: Path, text: str, key: str, line: int, message: str
) -> None:
    p = _read_error(tmp_path, text).problems[0]
    assert (p.key, p.line) == (key, line) and message in p.message


def test_every_key_of_a_shipped_library_has_the_line_it_is_written_on() -> None:
    path = DATA_DIR / "45nm.yaml"
    doc = read_yaml(path)
    text = path.read_text().splitlines()
    for key in ("name", "components", "components.int_adder", "components.int_adder.valid.bits",
                "components.sram.energy_pj.read.interpolation"):
        leaf = key.rsplit(".", 1)[-1]
        assert text[doc.lines[key] - 1].lstrip().startswith(f"{leaf}:"), key


def test_a_missing_key_is_named_with_the_misspelling_the_file_has(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("block:\n  modelz: linear\n  fixed_pj: 1\n")
    doc = read_yaml(path)
    check = Checker.for_document(doc)
    check.choice(doc.data["block"].get("model"), "block.model", ["linear", "constant"])
    p = check.problems[0]
    assert p.line == 1 and p.key == "block.model"
    assert "missing required key 'model'" in p.message and "found 'modelz' at line 2: misspelt?" in p.message


def test_an_unknown_key_suggests_the_valid_one_and_a_problem_is_recorded_once() -> None:
    check = Checker("f.yaml", {"": 1, "templatez": 1})
    for _ in range(3):
        check.keys({"templatez": "x"}, "", optional=["template", "rows"])
    assert len(check.problems) == 1
    assert check.problems[0].message.endswith("valid keys: rows, template; did you mean 'template'?")


def test_numbers_too_large_are_refused_with_a_readable_message() -> None:
    check = Checker()
    assert check.number(10**30, "n", maximum=64, integer=True) is None
    assert check.number(float("inf"), "x") is None
    assert check.number(10**400, "y") is None
    assert [p.message for p in check.problems] == [
        "expected an integer <= 64, got a 31-digit integer",
        "expected a finite number, got inf",
        "expected a number of at most 9.0072e+15 in size, got a 401-digit integer",
    ]
