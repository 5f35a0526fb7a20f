"""The cost model's fingerprint changes with a file a cost comes from, and not with the study
runner, the accuracy side or the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from hwcost.study import fingerprint


def _package(root: Path) -> None:
    for rel, text in {"evaluate.py": "x = 1\n", "techlib/data/45nm.yaml": "a: 1\n", "study/runner.py": "y = 1\n",
                      "accuracy/train.py": "z = 1\n", "cli/__init__.py": "w = 1\n"}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _package(tmp_path)
    monkeypatch.setattr(fingerprint, "PACKAGE", tmp_path)
    fingerprint.cost_model_fingerprint.cache_clear()
    yield tmp_path
    fingerprint.cost_model_fingerprint.cache_clear()


def _changed(package: Path, rel: str) -> bool:
    before = fingerprint.cost_model_fingerprint()
    (package / rel).write_text((package / rel).read_text() + "# edited\n")
    fingerprint.cost_model_fingerprint.cache_clear()
    return fingerprint.cost_model_fingerprint() != before


@pytest.mark.parametrize(("rel", "moves"), [("evaluate.py", True), ("techlib/data/45nm.yaml", True),
                                            ("study/runner.py", False), ("accuracy/train.py", False),
                                            ("cli/__init__.py", False)])
def test_the_fingerprint_follows_the_cost_models_files(package: Path, rel: str, moves: bool) -> None:
    assert _changed(package, rel) is moves


def test_the_shipped_fingerprint_is_16_hex_digits_and_stable() -> None:
    fingerprint.cost_model_fingerprint.cache_clear()
    a = fingerprint.cost_model_fingerprint()
    fingerprint.cost_model_fingerprint.cache_clear()
    assert a == fingerprint.cost_model_fingerprint() and len(a) == 16 and int(a, 16) >= 0
