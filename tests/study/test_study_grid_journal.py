"""Grid expansion and the results journal."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from hwcost.errors import HwcostError
from hwcost.study import expand, load_study
from hwcost.study.journal import JOURNAL_NAME, Journal


def test_grid_order_dedup_and_skips(write_study: Callable[..., Path]) -> None:
    grid = expand(load_study(write_study()))
    described = [(g.point.scheme.name, g.point.scheme.weights.bits, g.point.scheme.zero_point_realisation.value, g.point.arch.pe_rows) for g in grid.points]
    # lsq's own realisation is 'fold', so 'scheme' and 'fold' are one point; asymmetric cannot fold.
    assert described == [
        ("lsq", 2, "fold", 8), ("lsq", 2, "fold", 16), ("lsq", 4, "fold", 8), ("lsq", 4, "fold", 16),
        ("asymmetric", 2, "runtime", 8), ("asymmetric", 2, "runtime", 16), ("asymmetric", 4, "runtime", 8), ("asymmetric", 4, "runtime", 16),
    ]
    assert [(s.scheme, s.weight_bits, s.zero_point, s.arch) for s in grid.skipped] == [("asymmetric", 2, "fold", "*"), ("asymmetric", 4, "fold", "*")]
    assert "weight zero-point" in grid.skipped[0].reason
    assert len({g.cost_key for g in grid.points}) == len(grid.points)


def test_journal_drops_a_torn_tail_and_keeps_whole_lines(tmp_path: Path) -> None:
    with Journal(tmp_path, {"hwcost": "x"}) as j:
        j.append({"kind": "accuracy", "key": "a", "accuracy_pct": 1.5})
        j.append({"kind": "costs", "keys": ["p", "q"], "columns": ["energy_pj"], "rows": [[1.0], [2.0]]})
    path = tmp_path / JOURNAL_NAME
    whole = path.read_bytes()
    path.write_bytes(whole + b'{"kind": "accuracy", "key": "b", "accur')  # killed mid-write
    with Journal(tmp_path, {"hwcost": "x"}) as j:
        assert j.has("accuracy", "a") and not j.has("accuracy", "b")
        assert j.get("costs", "q") == {"energy_pj": 2.0}
        assert path.read_bytes() == whole
        j.append({"kind": "accuracy", "key": "a", "accuracy_pct": 9.0})  # a duplicate never wins
        assert j.get("accuracy", "a")["accuracy_pct"] == 1.5
    lines = path.read_text().splitlines()
    assert [json.loads(line)["kind"] for line in lines] == ["header", "accuracy", "costs", "accuracy"]


def test_journal_is_locked_and_versioned(tmp_path: Path) -> None:
    with Journal(tmp_path, {"hwcost": "x"}):
        with pytest.raises(HwcostError, match="another 'hwcost study run'"):
            Journal(tmp_path, {"hwcost": "x"}).__enter__()
    with pytest.raises(HwcostError, match="another hwcost version"):
        with Journal(tmp_path, {"hwcost": "y"}):
            pass
