"""Non-dominated sorting of design points, vectorised in numpy.

A point *dominates* another when it is at least as good in every objective and strictly better
in one. ``non_dominated`` marks the Pareto front; ``pareto_ranks`` sorts all points into fronts
(1 = the Pareto front, 2 = the front once the first is removed, ...; Deb et al., NSGA-II, IEEE
TEVC 2002). Rows with a NaN objective take part in no comparison and get rank 0.

>>> import numpy as np
>>> values = np.array([[90.0, 5.0], [80.0, 1.0], [70.0, 3.0], [90.0, 5.0]])
>>> senses = (Sense.MAXIMISE, Sense.MINIMISE)   # accuracy up, energy down
>>> non_dominated(values, senses).tolist()
[True, True, False, True]
>>> pareto_ranks(values, senses).tolist()
[1, 1, 2, 1]
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import numpy as np

from hwcost.errors import HwcostError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Sense", "Objective", "non_dominated", "pareto_ranks", "pareto_table", "objective_pairs"]

# Bound on the booleans of one comparison block (rows x points x objectives), ~64 MiB.
_BLOCK_ELEMENTS = 1 << 26


class Sense(Enum):
    """Whether an objective is to be made large or small."""

    MAXIMISE = "maximise"
    MINIMISE = "minimise"


@dataclass(frozen=True)
class Objective:
    """One objective: a results column and its sense (``maximise: accuracy_measured_pct``)."""

    column: str
    sense: Sense

    def __str__(self) -> str:
        return f"{self.sense.value} {self.column}"


def _costs(values: np.ndarray, senses: Sequence[Sense]) -> np.ndarray:
    """Objectives as costs to minimise, shape (n, k), float."""
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[1] != len(senses):
        raise ValueError(f"values must have shape (n, {len(senses)}), got {values.shape}")
    sign = np.array([-1.0 if s is Sense.MAXIMISE else 1.0 for s in senses])
    return values * sign


def _dominated_by(costs: np.ndarray, rows: slice) -> np.ndarray:
    """``out[i, j]`` is True when point j dominates point ``rows.start + i``; shape (rows, n)."""
    block = costs[rows][:, None, :]
    others = costs[None, :, :]
    return (others <= block).all(axis=2) & (others < block).any(axis=2)


def _row_blocks(n: int, k: int) -> list[slice]:
    step = max(1, _BLOCK_ELEMENTS // max(1, n * k))
    return [slice(i, min(i + step, n)) for i in range(0, n, step)]


def non_dominated(values: np.ndarray, senses: Sequence[Sense]) -> np.ndarray:
    """Boolean mask of the points no other point dominates; rows with a NaN are False."""
    costs = _costs(values, senses)
    valid = ~np.isnan(costs).any(axis=1)
    mask = np.zeros(len(costs), dtype=bool)
    sub = costs[valid]
    if len(sub) == 0:
        return mask
    front = np.empty(len(sub), dtype=bool)
    for rows in _row_blocks(len(sub), sub.shape[1]):
        front[rows] = ~_dominated_by(sub, rows).any(axis=1)
    mask[valid] = front
    return mask


def pareto_ranks(values: np.ndarray, senses: Sequence[Sense]) -> np.ndarray:
    """Front number of every point (1 = Pareto front); 0 for rows with a NaN objective.

    Fast non-dominated sorting: count each point's dominators once (n x n), then peel fronts,
    subtracting the dominance of each removed front from the counts.
    """
    costs = _costs(values, senses)
    valid = ~np.isnan(costs).any(axis=1)
    ranks = np.zeros(len(costs), dtype=int)
    sub = costs[valid]
    if len(sub) == 0:
        return ranks
    dominated_by = np.concatenate([_dominated_by(sub, rows) for rows in _row_blocks(len(sub), sub.shape[1])])
    counts = dominated_by.sum(axis=1)
    sub_ranks = np.zeros(len(sub), dtype=int)
    remaining = np.ones(len(sub), dtype=bool)
    rank = 0
    while remaining.any():
        rank += 1
        front = remaining & (counts == 0)
        sub_ranks[front] = rank
        remaining &= ~front
        counts = counts - dominated_by[:, front].sum(axis=1)
    ranks[valid] = sub_ranks
    return ranks


def objective_pairs(objectives: Sequence[Objective]) -> list[tuple[Objective, ...]]:
    """Every pair of objectives, then all of them together when there are more than two."""
    pairs: list[tuple[Objective, ...]] = list(itertools.combinations(objectives, 2))
    if len(objectives) > 2:
        pairs.append(tuple(objectives))
    return pairs


def front_name(objectives: Sequence[Objective]) -> str:
    """``accuracy_measured_pct vs energy_pj``: how a front is named in tables and files."""
    return " vs ".join(o.column for o in objectives)


def pareto_table(results: "pd.DataFrame", objectives: Sequence[Objective], group_by: Sequence[str] = ()) -> "pd.DataFrame":
    """The non-dominated rows of ``results`` for every objective pair (and all together).

    Fronts are computed separately within each group of ``group_by`` columns (accuracies of
    different networks are not comparable). Columns: ``front``, then those of ``results``; rows
    in the order of the pairs, the groups, then ``results``.
    """
    import pandas as pd

    missing = [o.column for o in objectives if o.column not in results.columns]
    if missing:
        raise HwcostError.single(f"no results column {', '.join(missing)}", key="objectives")
    frames = []
    for combo in objective_pairs(objectives):
        senses = [o.sense for o in combo]
        groups = results.groupby(list(group_by), sort=False) if group_by else [((), results)]
        for _, group in groups:
            mask = non_dominated(group[[o.column for o in combo]].to_numpy(dtype=float), senses)
            frames.append(group[mask].assign(front=front_name(combo)))
    if not frames:
        return results.iloc[0:0].assign(front=pd.Series(dtype=str))
    table = pd.concat(frames, ignore_index=True)
    return table[["front"] + [c for c in table.columns if c != "front"]]
