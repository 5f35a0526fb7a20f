"""The parsed-YAML cache (hwcost._yaml.parse_yaml, issue 20): a text parsed once is read back
from disk without PyYAML, with the same data and key lines; an entry is used only for the very
text and reader it was made from; anything wrong with the cache costs a parse, never an error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hwcost import _yaml, _yaml_loader, _yaml_parsed
from hwcost._config import read_yaml
from hwcost.errors import HwcostError

TEXT = "name: x\nlayers:\n  - {kind: conv, bits: 4}\n  - {kind: fc, bits: 8}\nshared: &s [1, 2.5, null]\nagain: *s\n"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HWCOST_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("HWCOST_NO_YAML_CACHE", raising=False)
    return tmp_path / "yaml"


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts the reader parsed (a cache hit does not parse)."""
    seen: list[str] = []
    real = _yaml_loader.parse_uncached

    def counting(text: str, file: str) -> _yaml.ParsedYaml:
        seen.append(text)
        return real(text, file)

    monkeypatch.setattr(_yaml_loader, "parse_uncached", counting)
    return seen


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.marshal"))


def test_a_second_read_comes_from_the_cache_unchanged(cache: Path, parses: list[str]) -> None:
    first = _yaml.parse_yaml(TEXT, "a.yaml")
    second = _yaml.parse_yaml(TEXT, "b.yaml")
    assert parses == [TEXT] and len(_entries(cache)) == 1
    # what the reader gives, written out by hand: data and the line of every key path
    assert second.data == {"name": "x", "layers": [{"kind": "conv", "bits": 4}, {"kind": "fc", "bits": 8}],
                           "shared": [1, 2.5, None], "again": [1, 2.5, None]}
    assert second.lines["layers[1].bits"] == 4 and second.lines["again"] == 6 and second.lines[""] == 1
    assert second == first
    assert type(second.data["shared"][0]) is int and type(second.data["shared"][1]) is float


def test_a_changed_text_is_parsed_again(cache: Path, parses: list[str]) -> None:
    _yaml.parse_yaml(TEXT, "a.yaml")
    edited = TEXT.replace("bits: 8", "bits: 6")
    assert _yaml.parse_yaml(edited, "a.yaml").data["layers"][1]["bits"] == 6
    assert parses == [TEXT, edited] and len(_entries(cache)) == 2


def test_an_edited_file_is_read_as_it_now_is(cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "net.yaml"
    path.write_text("a: 1\nb: 2\n")
    assert read_yaml(path).data == {"a": 1, "b": 2}
    path.write_text("a: 1\n\nb: 3\n")
    doc = read_yaml(path)
    assert doc.data == {"a": 1, "b": 3} and doc.lines["b"] == 3


def test_another_reader_does_not_use_the_entry(cache: Path, parses: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _yaml.parse_yaml(TEXT, "a.yaml")
    # a new PyYAML, Python or hwcost reader is another fingerprint, so another key
    monkeypatch.setattr(_yaml, "_reader_fingerprint", lambda: b"another reader")
    _yaml.parse_yaml(TEXT, "a.yaml")
    assert parses == [TEXT, TEXT] and len(_entries(cache)) == 2


def test_the_fingerprint_covers_the_reader_sources() -> None:
    import hashlib

    import yaml

    sources = [Path(_yaml.__file__), Path(_yaml_parsed.__file__), Path(_yaml_loader.__file__), Path(yaml.__file__)]
    expected = hashlib.sha256(b"hwcost parsed-yaml cache 1\0" + sys.version.encode() + b"\0"
                              + b"".join(p.read_bytes() for p in sources)).digest()
    assert _yaml._reader_fingerprint() == expected


@pytest.mark.parametrize("damage", ["truncated", "flipped", "empty", "garbage", "other key"])
def test_a_damaged_entry_is_parsed_again_and_rewritten(cache: Path, parses: list[str], damage: str) -> None:
    expected = _yaml.parse_yaml(TEXT, "a.yaml")
    (entry,) = _entries(cache)
    raw = entry.read_bytes()
    entry.write_bytes({"truncated": raw[:-7], "flipped": raw[:-3] + bytes([raw[-3] ^ 1]) + raw[-2:], "empty": b"",
                       "garbage": os.urandom(len(raw)), "other key": bytes(32) + raw[32:]}[damage])
    assert _yaml.parse_yaml(TEXT, "a.yaml") == expected
    assert parses == [TEXT, TEXT] and entry.read_bytes() == raw
    assert _yaml.parse_yaml(TEXT, "a.yaml") == expected and len(parses) == 2


def test_a_problem_is_not_cached(cache: Path, parses: list[str]) -> None:
    text = "a: 1\na: 2\n"
    for _ in range(2):
        with pytest.raises(HwcostError, match="duplicate key 'a'") as err:
            _yaml.parse_yaml(text, "dup.yaml")
        assert err.value.problems[0].file == "dup.yaml" and err.value.problems[0].line == 2
    assert parses == [text, text] and _entries(cache) == []


def test_a_timestamp_is_read_but_not_kept(cache: Path, parses: list[str]) -> None:
    import datetime

    text = "measured: 2021-03-04\n"
    for _ in range(2):
        assert _yaml.parse_yaml(text, "t.yaml").data == {"measured": datetime.date(2021, 3, 4)}
    assert parses == [text, text] and _entries(cache) == []


def test_the_cache_can_be_turned_off(cache: Path, parses: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HWCOST_NO_YAML_CACHE", "1")
    _yaml.parse_yaml(TEXT, "a.yaml")
    _yaml.parse_yaml(TEXT, "a.yaml")
    assert parses == [TEXT, TEXT] and not cache.exists()


def test_a_cache_that_cannot_be_written_costs_a_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      parses: list[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("HWCOST_CACHE_DIR", str(blocker))  # <file>/yaml cannot be made
    assert _yaml.parse_yaml(TEXT, "a.yaml") == _yaml.parse_yaml(TEXT, "a.yaml")
    assert parses == [TEXT, TEXT] and not list(tmp_path.glob(".writing-*"))


def test_the_least_recently_used_entries_go(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_yaml, "MAX_CACHE_ENTRIES", 3)
    texts = [f"n: {i}\n" for i in range(3)]
    for i, text in enumerate(texts):
        _yaml.parse_yaml(text, "n.yaml")
        os.utime(_yaml._entry_for(text)[0], ns=(i * 10**9, i * 10**9))  # type: ignore[index]
    _yaml.parse_yaml(texts[0], "n.yaml")  # read: used last
    _yaml.parse_yaml("n: 3\n", "n.yaml")
    kept = {p.name for p in _entries(cache)}
    assert len(kept) == 3 and _yaml._entry_for(texts[1])[0].name not in kept  # type: ignore[index]
    assert _yaml._entry_for(texts[0])[0].name in kept  # type: ignore[index]


def test_a_cached_evaluate_does_not_load_pyyaml(tmp_path: Path) -> None:
    code = ("import contextlib, io, sys\nfrom hwcost.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
            "    main(['evaluate', '--bits', '4', '--format', 'json'])\n"
            "print('yaml' in sys.modules, len(out.getvalue()))")
    env = {**os.environ, "HWCOST_CACHE_DIR": str(tmp_path)}
    env.pop("HWCOST_NO_YAML_CACHE", None)
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env,
                           cwd=ROOT).stdout.split() for _ in range(2)]
    assert runs[0][0] == "True" and runs[1][0] == "False"  # the first run parses and fills the cache
    assert runs[0][1] == runs[1][1]
