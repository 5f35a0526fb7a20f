"""The README's sample output of `hwcost evaluate --scheme lsq+ --bits 4` is what the command prints
today (every line it shows; '...' stands for rows it leaves out)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hwcost.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"
COMMAND = "$ hwcost evaluate --scheme lsq+ --bits 4\n"


def test_the_readme_sample_is_the_commands_output(capsys: pytest.CaptureFixture[str]) -> None:
    text = README.read_text()
    start = text.index(COMMAND) + len(COMMAND)
    sample = [line for line in text[start:text.index("```", start)].splitlines() if line != "..."]
    assert main(["evaluate", "--scheme", "lsq+", "--bits", "4"]) == 0
    printed = capsys.readouterr().out.splitlines()
    missing = [line for line in sample if line not in printed]
    assert not missing, f"README lines the command no longer prints: {missing}"
    shown = [line for line in printed if line in sample]
    assert shown == sample  # in the same order
