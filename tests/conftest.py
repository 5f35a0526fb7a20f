"""Suite-wide fixtures: no test writes to the user's cache or depends on another's cache."""

from collections.abc import Iterator
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(scope="session", autouse=True)
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("hwcost-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HWCOST_CACHE_DIR", str(path))
        yield path
