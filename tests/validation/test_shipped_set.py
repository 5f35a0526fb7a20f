"""The shipped validation set: every entry loads and cites a source, the set is as large as its
page says, and its figures are pinned — a model change that moves any chip's ratio or the
summary shows in the snapshot's diff (regenerate it with ``python tests/validation/snapshot.py``)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from hwcost.validation import ChipClass, load_chips

sys.path.insert(0, str(Path(__file__).parent))
from snapshot import SNAPSHOT, snapshot  # noqa: E402


def test_every_entry_loads_and_cites_a_year_and_a_venue() -> None:
    chips = load_chips()
    assert len(chips) >= 30
    by_class = {c: sum(chip.chip_class is c for chip in chips) for c in ChipClass}
    assert by_class[ChipClass.DIGITAL] >= 12
    assert by_class[ChipClass.CIM_ANALOG] + by_class[ChipClass.CIM_DIGITAL] >= 12
    for chip in chips:
        assert re.search(r"\b(19|20)\d\d\b", chip.source), chip.name
        assert len(chip.source) > 40 and chip.notes, chip.name


def test_the_validation_figures_are_the_pinned_snapshot() -> None:
    expected = json.loads(SNAPSHOT.read_text())
    got = snapshot()
    assert got["ratios"].keys() == expected["ratios"].keys()
    for name, ratio in expected["ratios"].items():
        assert got["ratios"][name] == (None if ratio is None else pytest.approx(ratio, rel=1e-3)), name
    assert got["summary"] == {c: {k: (pytest.approx(v, rel=1e-3) if isinstance(v, float) else v) for k, v in s.items()}
                              for c, s in expected["summary"].items()}
