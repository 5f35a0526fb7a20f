"""A template that prices a block of design points at once (``plan_block``) gives every point the
numbers its own plan gives: a sweep of a varied grid priced in blocks equals, to the last bit, the
same sweep priced point by point (the template's ``plan`` for each point), and the grid really is
priced in blocks of several points.

(The same point swept alone may differ from it swept in a group in the last bit of a few
counts: numpy's reductions over points x layers arrays round by their shape. That is why the
comparison is of one sweep priced both ways.)"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import hwcost
from hwcost.arch.gating import PowerGating
from hwcost.arch.mac_array.config import Dataflow, PeStyle
from hwcost.arch.mac_array.plan import _Block, block_key
from hwcost.arch.mac_array.template import MacArrayTemplate
from hwcost.arch.registry import template_of
from hwcost.evaluate import CostCache, _plan_group

LIB = hwcost.load_techlib("45nm")


def _mac_grid() -> list[hwcost.DesignPoint]:
    """Schemes x PE grids x local buffers x dataflows, and blocks of adder-tree, gated and
    buffer-less arrays, on two workloads."""
    schemes = [hwcost.get_scheme(name, w, a) for name, (w, a) in
               itertools.product(("lsq", "lsq+", "per-channel", "bn-unfused"), ((4, 4), (2, 8), (8, 8)))]
    arrays = [hwcost.MacArrayConfig(pe_rows=r, pe_cols=c, acc_buffer_kib=acc, input_buffer_kib=ib, dataflow=df)
              for r, c, acc, ib, df in itertools.product((4, 16, 40), (8, 16, 64), (16.0, 64.0), (2.0, 8.0), Dataflow)]
    arrays += [hwcost.MacArrayConfig(pe_rows=r, pe_cols=c, pe_style=PeStyle.ADDER_TREE) for r, c in
               itertools.product((8, 16), (4, 16, 32))]
    arrays += [hwcost.MacArrayConfig(pe_rows=r, pe_cols=c, power_gating=PowerGating.IDLE, dataflow=Dataflow.AUTO)
               for r, c in itertools.product((8, 32), (8, 32))]
    arrays += [hwcost.MacArrayConfig(pe_cols=c, acc_buffer_kib=0.0, input_buffer_kib=0.0) for c in (8, 16)]
    points = []
    for workload in (hwcost.load_workload("resnet20"), hwcost.load_workload("mobilenetv2")):
        points += [hwcost.DesignPoint(s, a, LIB, workload) for s, a in itertools.product(schemes, arrays)]
    return points


def test_a_mac_array_grid_priced_in_blocks_equals_it_priced_point_by_point(monkeypatch: pytest.MonkeyPatch) -> None:
    points = _mac_grid()
    in_blocks = hwcost.sweep(points)
    monkeypatch.delattr(MacArrayTemplate, "plan_block")  # the evaluation falls back on plan() per point
    monkeypatch.delattr(MacArrayTemplate, "block_key")
    by_point = hwcost.sweep(points)
    assert list(in_blocks.columns) == list(by_point.columns)
    numbers = in_blocks.select_dtypes("number").columns
    assert np.array_equal(in_blocks[numbers].to_numpy(), by_point[numbers].to_numpy())
    text = in_blocks.columns.difference(numbers)
    assert in_blocks[text].equals(by_point[text])


def test_the_grid_is_priced_in_blocks_of_several_points() -> None:
    points = [p for p in _mac_grid() if p.workload.name == "resnet20"]
    _, blocks = _plan_group(template_of(points[0].arch), points, CostCache().tables(points[0].workload), CostCache())
    assert blocks is not None
    sizes = sorted(len(index) for index, _ in blocks)
    # 12 schemes; per scheme: the 144 accumulate-style arrays (3 x 3 grids x 2 x 2 buffers x 4
    # register dataflows: WS, OS, IS, auto) in one block (their buffers all present), the 36
    # row-stationary ones (scratchpads, not registers) in another, the adder trees in one block
    # per row count (2), the gated arrays (1) and the buffer-less arrays (1).
    assert len(blocks) == 12 * 6
    assert sizes[-1] == 3 * 3 * 2 * 2 * 4


def test_a_block_refuses_configurations_that_do_not_share_its_key() -> None:
    a, b = hwcost.MacArrayConfig(), hwcost.MacArrayConfig(glb_width_bits=128)
    assert block_key(a) != block_key(b)
    assert block_key(a) == block_key(hwcost.MacArrayConfig(pe_rows=4, pe_cols=64, acc_buffer_kib=8.0, glb_kib=256.0))
    with pytest.raises(ValueError, match="block_key"):
        _Block([a, b])
