"""The shortcuts a sweep of schemes x designs takes on the CIM templates (issue 20, speed): a block's
prices kept for the next scheme of equal operands over the same configuration objects
(``BlockMemo``), and the counts computed once per distinct (configuration, operands) pair and
gathered to every point (``distinct_points``). Each point's numbers must be exactly those it has
without them: the grid's sweep is compared value for value (no tolerance) with the same sweep
planning and counting every point by itself, and with sweeps of each point alone (totals to a few
ulps: test_cim_blocks.py); the memo and the pairing are checked against hand counts."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pandas as pd
import pytest

from hwcost import CimMacroConfig, DesignPoint, sweep
from hwcost.arch.cim_macro.config import CellType, PowerGating, SignedWeights
from hwcost.arch.cim_macro.plan import BlockMemo
from hwcost.arch.cim_macro import template as cim_template
from hwcost.arch.cim_macro.template import CimMacroTemplate, distinct_points
from hwcost.arch.digital_cim.config import DigitalCimConfig
from hwcost.arch.digital_cim.template import DigitalCimTemplate
from hwcost.evaluate import CostCache
from hwcost.report import Category
from hwcost.schemes import get_scheme
from hwcost.techlib import load_techlib
from hwcost.workloads import load_workload

# lsq and lsq+ at 4 bits have the same operand widths on the macro (their blocks share prices and
# counts) but not the same post-processing (lsq+ adds a zero point); per-channel has other operands.
SCHEMES = (("lsq", 4), ("lsq+", 4), ("per-channel", 4), ("lsq", 2))


def _cim_designs() -> list[CimMacroConfig]:
    designs = [CimMacroConfig(rows=r, cols=c, adc_bits=a, macros=m, power_gating=g, signed_weights=SignedWeights.OFFSET)
               for r, c, a, m, g in itertools.product((64, 256), (64, 128), (3, 8), (None, 8), PowerGating)]
    return designs + [CimMacroConfig(rows=128, cols=128, cell=CellType.RRAM_1T1R, cell_bits=2, macros=m) for m in (None, 16)]


def _dcim_designs() -> list[DigitalCimConfig]:
    return [DigitalCimConfig(rows=r, cols=c, weight_group_bits=g, macros=m, power_gating=p)
            for r, c, g, m, p in itertools.product((64, 256), (128, 256), (2, 4), (None, 64), PowerGating)]


def _grid(designs: list) -> list[DesignPoint]:
    """Every scheme over the same configuration objects (schemes x designs), scheme-major."""
    lib, workload = load_techlib("45nm"), load_workload("resnet18")
    return [DesignPoint(get_scheme(name, bits, bits), d, lib, workload) for name, bits in SCHEMES for d in designs]


def _all_distinct(configs: list, ops: list, settings: object = None) -> tuple[list[int], None]:
    return list(range(len(configs))), None


_TEMPLATES = {CimMacroConfig: CimMacroTemplate, DigitalCimConfig: DigitalCimTemplate}
_TOTALS = {"energy_pj", "static_energy_pj", "area_um2", "tops_per_w", "tops_per_mm2", "energy_per_mac_pj"}


@pytest.mark.parametrize("designs", [_cim_designs, _dcim_designs], ids=["cim_macro", "digital_cim"])
def test_a_schemes_by_designs_sweep_equals_it_without_the_shortcuts(designs, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same sweep with every point planned alone (no blocks, so no memo) and counted point by
    point (no pairs gathered): every value of every column identical."""
    points = _grid(designs())
    together = sweep(points)
    monkeypatch.delattr(_TEMPLATES[type(points[0].arch)], "plan_block")
    monkeypatch.setattr(cim_template, "distinct_points", _all_distinct)  # (both templates count through it)
    pd.testing.assert_frame_equal(together, sweep(points), check_exact=True)


@pytest.mark.parametrize("designs", [_cim_designs, _dcim_designs], ids=["cim_macro", "digital_cim"])
def test_a_schemes_by_designs_sweep_gives_each_point_its_own_numbers(designs) -> None:
    """Each point swept by itself: every breakdown row and setting equal exactly; a total (a sum
    over rows in the order they first appear in its sweep) to a few ulps."""
    points = _grid(designs())
    together = sweep(points)
    categories = {c.value for c in Category}
    for i, point in enumerate(points):
        alone = sweep([point])
        for column in together.columns:
            mine = together[column].iloc[i]
            if column not in alone.columns:  # a row the point does not have: 0 in the sweep of the grid
                assert mine == 0 or isinstance(mine, str), (i, column)
                continue
            its = alone[column].iloc[0]
            if column in _TOTALS or "@" in column or column.split(".", 1)[-1] in categories:
                assert mine == pytest.approx(its, rel=1e-14), (i, column)
            else:
                assert mine == its or (pd.isna(mine) and pd.isna(its)), (i, column, mine, its)


@pytest.mark.parametrize("designs", [_cim_designs, _dcim_designs], ids=["cim_macro", "digital_cim"])
def test_a_cost_cache_kept_across_sweeps_gives_the_same_numbers(designs) -> None:
    """A second sweep with the same cache, of the same points in the same order, takes every
    block's prices from the memo: the same frame."""
    points = _grid(designs())
    cache = CostCache()
    pd.testing.assert_frame_equal(sweep(points, cache), sweep(points, cache), check_exact=True)


@pytest.mark.parametrize("designs", [_cim_designs, _dcim_designs], ids=["cim_macro", "digital_cim"])
def test_equal_configurations_of_their_own_give_the_same_numbers(designs) -> None:
    """Every point with a configuration object of its own, equal to the shared one: the memo finds
    the block's prices by the configurations' values, and the frame is the same."""
    points = _grid(designs())
    own = [DesignPoint(p.scheme, replace(p.arch), p.techlib, p.workload) for p in points]
    assert len({id(p.arch) for p in own}) == len(own)
    pd.testing.assert_frame_equal(sweep(points), sweep(own), check_exact=True)


def test_distinct_points_pairs_configurations_by_identity_and_operands_by_value() -> None:
    a, b = CimMacroConfig(), CimMacroConfig()  # equal, but two objects: two configurations
    ops_1, ops_2, ops_3 = (1, 2), (1, 2), (3, 4)  # ops_1 == ops_2: one operands
    first, where = distinct_points([a, b, a, a, b], [ops_1, ops_1, ops_2, ops_3, ops_2])
    # pairs: (a, 12) (b, 12) (a, 12) (a, 34) (b, 12) -> three distinct, first at 0, 1, 3
    assert first == [0, 1, 3]
    assert where == [0, 1, 0, 2, 1]
    assert distinct_points([a, b], [ops_1, ops_1]) == ([0, 1], None)  # all distinct: nothing to gather
    # by their settings, a and b are one configuration: (a, 12) twice more, (a, 34) once
    assert distinct_points([a, b, a, a, b], [ops_1, ops_1, ops_2, ops_3, ops_2], lambda c: (c.rows, c.cols)) == (
        [0, 3], [0, 0, 0, 1, 0])


def test_the_block_memo_keeps_at_most_its_points_first_in_first_out() -> None:
    memo = BlockMemo(max_points=10)
    made = []

    def make(name: str):
        return lambda: made.append(name) or name

    assert memo.get(("a",), make("a"), (), 4) == "a"
    assert memo.get(("a",), make("a again"), (), 4) == "a"  # a hit: not made again
    memo.get(("b",), make("b"), (), 4)  # 8 points kept
    memo.get(("c",), make("c"), (), 4)  # 12 > 10: the oldest (a) goes
    assert made == ["a", "b", "c"] and memo.points == 8
    memo.get(("a",), make("a, second time"), (), 4)  # made again; b goes
    assert made[-1] == "a, second time" and memo.points == 8
    memo.get(("big",), make("big"), (), 50)  # more than the bound alone: kept, everything else goes
    assert memo.points == 50
    memo.get(("big",), make("big again"), (), 50)
    assert made[-1] == "big"
