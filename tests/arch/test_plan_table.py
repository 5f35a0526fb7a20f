"""A group's plans without an object per point (``PlanTable``, ``BlockPlans``): each point's plan is
the one its block gives it, by index, in iteration and in a slice; a MAC-array block's views are
made only when asked for, and read what the block plan holds at the point's place."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import hwcost
from hwcost.arch.registry import template_of
from hwcost.arch.shared.pricing import BlockPlans, PlanTable, PointPlan
from hwcost.evaluate import CostCache, _group_sizes, _plan_group


def test_each_point_gets_the_plan_its_part_holds() -> None:
    table = PlanTable(5)
    table.add(np.array([0, 3]), BlockPlans("block", 2))
    table.add(np.array([1]), ("alone",))
    table.add(np.array([2, 4]), ["x", "y"])
    got = [(p.block, p.index) if isinstance(p, PointPlan) else p for p in table]
    assert got == [("block", 0), "alone", "x", ("block", 1), "y"]
    assert len(table) == 5 and table[-1] == "y" and table[1:3] == ["alone", "x"]
    assert (table[3].block, table[3].index) == ("block", 1)
    with pytest.raises(IndexError):
        BlockPlans("block", 2)[2]


def test_a_sweeps_plans_are_its_blocks_views_at_each_point() -> None:
    lib, workload = hwcost.load_techlib("45nm"), hwcost.load_workload("resnet20")
    schemes = [hwcost.get_scheme("lsq", 4, 4), hwcost.get_scheme("per-channel", 4, 4)]
    arrays = [hwcost.MacArrayConfig(pe_rows=r, pe_cols=c, glb_kib=g) for r, c, g in itertools.product((8, 16), (8, 32), (64.0, 256.0))]
    points = [hwcost.DesignPoint(s, a, lib, workload) for a, s in itertools.product(arrays, schemes)]
    points.append(hwcost.DesignPoint(schemes[0], hwcost.MacArrayConfig(pe_rows=4, pe_cols=4, glb_width_bits=128), lib, workload))
    cache = CostCache()
    plans, _ = _plan_group(template_of(points[0].arch), points, cache.tables(workload), cache)
    assert isinstance(plans, PlanTable) and len(plans) == len(points)
    for point, plan in zip(points, plans):
        alone = CostCache().plan(template_of(point.arch), point.scheme, point.arch, lib, cache.tables(workload))
        assert plan.acc_port_bits == alone.acc_port_bits and plan.glb_pj_per_bit == alone.glb_pj_per_bit
        assert plan.rows == alone.rows
    assert list(_group_sizes(plans)) == [float(p.group_size) for p in plans]
