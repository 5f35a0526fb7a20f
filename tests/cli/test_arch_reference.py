"""docs/arch-reference.md is the page the code writes, and lists every key of every template."""

from __future__ import annotations

from pathlib import Path

import pytest

from hwcost.arch.keys import template_keys
from hwcost.arch.reference import REFERENCE_PAGE, reference_markdown
from hwcost.arch.registry import template_named, template_names
from hwcost.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_page_is_current() -> None:
    committed = (ROOT / REFERENCE_PAGE).read_text(encoding="utf-8")
    assert committed == reference_markdown(), (
        f"{REFERENCE_PAGE} is stale: run 'hwcost arch reference --out {REFERENCE_PAGE}'")


def test_the_page_has_a_row_per_key_with_its_default() -> None:
    page = reference_markdown()
    for name in template_names():
        section = page.split(f"## `{name}`")[1].split("\n## ")[0]
        for key in template_keys(template_named(name)):
            row = next(line for line in section.splitlines() if line.startswith(f"| `{key.name}` |"))
            assert f"`{key.flag}`" in row
            if key.default is not None:
                assert f"`{key.default}`" in row


def test_the_command_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ref.md"
    assert main(["arch", "reference", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == reference_markdown()
    assert main(["arch", "keys", "dcim"]) == 0
    assert "--weight-group-bits" in capsys.readouterr().out
    assert main(["arch", "keys", "nope"]) == 2
    assert "TEMPLATE: unknown template 'nope'" in capsys.readouterr().err
