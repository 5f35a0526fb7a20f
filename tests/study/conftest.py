"""Study fixtures: a private accuracy cache and a writer of small study files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

SMALL = """\
name: small
description: Two schemes at two widths, two arrays, measured with a fake.
schemes: [lsq, asymmetric]
bits: [2, 4]
zero_point: [scheme, fold]
archs:
  - template: mac_array
    name: ws
    pe_rows: [8, 16]
nodes: [45nm]
workloads: [resnet20]
accuracy:
  source: both
  measured: {model: mlp, dataset: digits, epochs: 1, fp_epochs: 1, seeds: [0, 1]}
  table: literature
objectives:
  - maximise: accuracy_measured_pct
  - minimise: energy_pj
  - minimise: area_um2
"""


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
