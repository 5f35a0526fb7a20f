"""A minimal valid technology library, for tests that break it one key at a time, and a writer of
library files."""

from collections.abc import Callable
from pathlib import Path

import pytest

_TINY = """\
name: tiny
node_nm: 45
vdd_v: 0.9
flavour: HP
source: test fixture
components:
  int_adder:
    source: test
    valid:
      bits: [1, 64]
    energy_pj:
      add: {model: linear, fixed_pj: 0.01, per_bit_pj: 0.003}
    area_um2: {model: linear, fixed_um2: 2, per_bit_um2: 4}
"""


@pytest.fixture
def tiny_yaml() -> str:
    return _TINY


@pytest.fixture
def lib_file(tmp_path: Path) -> Callable[[str], Path]:
    """Write a library's text to ``lib.yaml`` in the test's folder and return its path."""

    def write(text: str) -> Path:
        path = tmp_path / "lib.yaml"
        path.write_text(text)
        return path

    return write
