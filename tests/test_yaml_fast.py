"""The YAML reader with libyaml's scanner (when PyYAML has it) gives every shipped and documented
file the same data and the same line for every key as PyYAML's own, and a text it cannot read
the problem PyYAML's reader tells."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hwcost import _yaml
from hwcost.errors import HwcostError

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted({*ROOT.glob("hwcost/data/**/*.yaml"), *ROOT.glob("studies/**/*.yaml"), *ROOT.glob("examples/**/*.yaml")})


def test_pyyaml_here_has_libyaml() -> None:
    # the dev environment's PyYAML wheel is built with libyaml: the fast reader is the one tested
    assert yaml.__with_libyaml__ and _yaml._FastLoader is not None


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_both_readers_give_the_same_data_and_lines(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fast = _yaml._parse(text, str(path), _yaml._FastLoader)
    slow = _yaml._parse(text, str(path), _yaml._Loader)
    assert fast.data == slow.data and fast.lines == slow.lines


@pytest.mark.parametrize("text", ["a: [1, 2\nb: 3\n", "template---\n: cim\n", "a: 1\n  b: 2\n", "a: {b: 1\n"])
def test_a_text_that_is_not_yaml_gets_pyyamls_words(text: str) -> None:
    with pytest.raises(_yaml._NotYaml) as slow:
        _yaml._parse(text, "f.yaml", _yaml._Loader)
    with pytest.raises(HwcostError) as got:
        _yaml.parse_yaml(text, "f.yaml")
    assert got.value.problems == slow.value.problem.problems
