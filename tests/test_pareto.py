"""Non-dominated sorting: equal to brute force on random data (property-based)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hwcost import pareto
from hwcost.errors import HwcostError
from hwcost.pareto import Objective, Sense, non_dominated, pareto_ranks, pareto_table


def _dominates(a: np.ndarray, b: np.ndarray, senses: list[Sense]) -> bool:
    better_or_equal = all((x >= y) if s is Sense.MAXIMISE else (x <= y) for x, y, s in zip(a, b, senses))
    strictly = any((x > y) if s is Sense.MAXIMISE else (x < y) for x, y, s in zip(a, b, senses))
    return better_or_equal and strictly


def _brute_front(values: np.ndarray, senses: list[Sense], alive: list[int]) -> list[int]:
    return [i for i in alive if not any(_dominates(values[j], values[i], senses) for j in alive if j != i)]


def _brute_ranks(values: np.ndarray, senses: list[Sense]) -> list[int]:
    ranks = [0] * len(values)
    alive = [i for i in range(len(values)) if not np.isnan(values[i]).any()]
    rank = 0
    while alive:
        rank += 1
        front = _brute_front(values, senses, alive)
        for i in front:
            ranks[i] = rank
        alive = [i for i in alive if i not in front]
    return ranks


# Few distinct values so that ties and duplicate points are common; NaN marks a missing value.
_values = st.sampled_from([0.0, 1.0, 2.0, 2.5, 3.0, -1.0, 1e9, float("nan")])


@st.composite
def _problems(draw: st.DrawFn) -> tuple[np.ndarray, list[Sense]]:
    k = draw(st.integers(1, 4))
    n = draw(st.integers(0, 30))
    values = draw(arrays(float, (n, k), elements=_values))
    senses = draw(st.lists(st.sampled_from(list(Sense)), min_size=k, max_size=k))
    return values, senses


@settings(max_examples=300, deadline=None)
@given(_problems())
def test_front_equals_brute_force(problem: tuple[np.ndarray, list[Sense]]) -> None:
    values, senses = problem
    valid = [i for i in range(len(values)) if not np.isnan(values[i]).any()]
    expected = set(_brute_front(values, senses, valid))
    assert set(np.flatnonzero(non_dominated(values, senses)).tolist()) == expected


@settings(max_examples=200, deadline=None)
@given(_problems())
def test_ranks_equal_brute_force(problem: tuple[np.ndarray, list[Sense]]) -> None:
    values, senses = problem
    assert pareto_ranks(values, senses).tolist() == _brute_ranks(values, senses)


@settings(max_examples=50, deadline=None)
@given(arrays(float, st.tuples(st.integers(1, 40), st.just(2)), elements=st.floats(-1e6, 1e6)))
def test_blocked_comparison_equals_one_block(values: np.ndarray) -> None:
    senses = [Sense.MAXIMISE, Sense.MINIMISE]
    whole = non_dominated(values, senses)
    old = pareto._BLOCK_ELEMENTS
    try:
        pareto._BLOCK_ELEMENTS = 3  # one row per block
        assert non_dominated(values, senses).tolist() == whole.tolist()
        assert pareto_ranks(values, senses).tolist() == _brute_ranks(values, senses)
    finally:
        pareto._BLOCK_ELEMENTS = old


def test_wrong_shape_is_rejected() -> None:
    with pytest.raises(ValueError):
        non_dominated(np.zeros((3, 2)), [Sense.MINIMISE])


def test_pareto_table_groups_and_pairs() -> None:
    results = pd.DataFrame(
        {
            "workload": ["a", "a", "a", "b", "b"],
            "acc": [90.0, 80.0, 70.0, 50.0, 40.0],
            "energy_pj": [5.0, 1.0, 3.0, 9.0, 9.0],
            "area_um2": [1.0, 2.0, 0.5, 1.0, 2.0],
        }
    )
    objectives = [Objective("acc", Sense.MAXIMISE), Objective("energy_pj", Sense.MINIMISE), Objective("area_um2", Sense.MINIMISE)]
    table = pareto_table(results, objectives, group_by=["workload"])
    assert table.columns[0] == "front"
    fronts = list(dict.fromkeys(table["front"]))
    assert fronts == ["acc vs energy_pj", "acc vs area_um2", "energy_pj vs area_um2", "acc vs energy_pj vs area_um2"]
    first = table[table["front"] == "acc vs energy_pj"]
    assert first[["workload", "acc"]].values.tolist() == [["a", 90.0], ["a", 80.0], ["b", 50.0]]
    with pytest.raises(HwcostError, match="no results column"):
        pareto_table(results, [Objective("x", Sense.MAXIMISE), objectives[1]])
