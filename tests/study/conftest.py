"""Study fixtures: a private accuracy cache and a writer of small study files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from study_support import SMALL


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("hwcost-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HWCOST_CACHE_DIR", str(path))
        yield path


@pytest.fixture
def write_study(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str = SMALL, name: str = "study.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
