"""The worked example of docs/architecture.md runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hwcost.arch import registry

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _python_blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S)


def test_the_architecture_page_adds_a_template_that_evaluates(capsys: pytest.CaptureFixture[str]) -> None:
    saved = dict(registry.TEMPLATES)
    blocks = _python_blocks(DOCS / "architecture.md")
    assert len(blocks) == 1
    namespace: dict[str, object] = {}
    try:
        exec(compile(blocks[0], "docs/architecture.md", "exec"), namespace)
    finally:
        registry.TEMPLATES.clear()
        registry.TEMPLATES.update(saved)
    frame = namespace["frame"]
    report = namespace["report"]
    assert list(frame["arch"]) == ["scalar_core", "mac_array"]
    assert frame["energy_pj"][0] == pytest.approx(report.energy_pj)  # type: ignore[attr-defined]
    assert "TOPS/W, utilisation" in capsys.readouterr().out


def test_the_readmes_python_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    readme = DOCS.parent / "README.md"
    (block,) = _python_blocks(readme)
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    frame = namespace["frame"]
    assert len(frame) == 2 * 3 * 16 * 16  # schemes x bits x rows x columns, as the comment says
    assert frame["pe_rows"].nunique() == 16 and (frame["energy_pj"] > 0).all()
