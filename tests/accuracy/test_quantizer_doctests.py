"""The examples in the accuracy side's docstrings run (STYLE.md item 10: every kernel shows one)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import hwcost.accuracy

MODULES = sorted(m.name for m in pkgutil.walk_packages(hwcost.accuracy.__path__, "hwcost.accuracy."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
