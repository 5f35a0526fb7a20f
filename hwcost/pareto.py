"""Non-dominated sorting of design points, vectorised in numpy.

A point *dominates* another when it is at least as good in every objective and strictly better
in one. ``non_dominated`` marks the Pareto front; ``pareto_ranks`` sorts all points into fronts
(1 = the Pareto front, 2 = the front once the first is removed, ...; Deb et al., NSGA-II, IEEE
TEVC 2002). Rows with a NaN objective take part in no comparison and get rank 0.

Under uncertainty (``docs/uncertainty.md``, "Studies"), ``front_share`` gives the share of samples
in which each point is on the front, the objectives sampled (samples x points x objectives); a
point is *robust* when that share is at least ``ROBUST_SHARE`` (0.9).

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import numpy as np

from hwcost.errors import HwcostError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Sense", "Objective", "non_dominated", "pareto_ranks", "pareto_table", "objective_pairs", "front_share",
           "pareto_shares", "ROBUST_SHARE"]

# A point is *robust* on a front when it is on the front in at least this share of the samples
# of the technology's spreads (docs/uncertainty.md, "Studies").
ROBUST_SHARE = 0.9

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


def _front_2d(costs: np.ndarray) -> np.ndarray:
    """:func:`non_dominated` of two minimised costs, for every sample at once: ``costs`` is
    (samples, n, 2) without NaN, the result (samples, n).

    Sorted lexicographically, a point is dominated exactly when some point *strictly before its
    block of equal points* has a second cost no larger (an equal point dominates nothing), so
    one sort and one running minimum per sample decide every point: O(n log n) per sample.
    """
    samples, n = costs.shape[:2]
    c1, c2 = costs[..., 0], costs[..., 1]
    order = np.lexsort((c2, c1), axis=-1)
    s1, s2 = np.take_along_axis(c1, order, axis=1), np.take_along_axis(c2, order, axis=1)
    new = np.ones((samples, n), dtype=bool)
    new[:, 1:] = (s1[:, 1:] != s1[:, :-1]) | (s2[:, 1:] != s2[:, :-1])
    start = np.maximum.accumulate(np.where(new, np.arange(n), 0), axis=1)  # first position of each block
    before = np.concatenate([np.full((samples, 1), np.inf), np.minimum.accumulate(s2, axis=1)[:, :-1]], axis=1)
    on_sorted = ~(np.take_along_axis(before, start, axis=1) <= s2)
    front = np.empty_like(on_sorted)
    np.put_along_axis(front, order, on_sorted, axis=1)
    return front


_ELITES = 32  # points tried against every point first, in _front_many


def _front_many(costs: np.ndarray) -> np.ndarray:
    """:func:`non_dominated` of three or more minimised costs for every sample: ``costs`` is
    (samples, n, k) without NaN, the result (samples, n).

    Dominance is transitive, so a point dominated by anything is dominated by a point of the
    front: a few *elites* (the points of the front of the per-point median costs that dominate
    the most others there) rule out most points in every sample at once, and each sample's front
    is then that of its remaining candidates among themselves (a candidate dominated by a
    non-candidate would be dominated by an elite, transitively).
    """
    samples, n, _ = costs.shape
    median = np.median(costs, axis=0)
    elites = np.flatnonzero(non_dominated(median, [Sense.MINIMISE] * costs.shape[2]))
    if len(elites) > _ELITES:
        beaten = np.concatenate([_dominated_by(median, rows) for rows in _row_blocks(n, median.shape[1])])[:, elites].sum(axis=0)
        elites = elites[np.argsort(-beaten, kind="stable")[:_ELITES]]
    candidate = np.ones((samples, n), dtype=bool)
    step = max(1, _BLOCK_ELEMENTS // max(1, len(elites) * n * costs.shape[2]))
    for start in range(0, samples, step):
        block = costs[start:start + step]  # (b, n, k)
        e = block[:, elites][:, :, None, :]  # (b, E, 1, k)
        x = block[:, None, :, :]  # (b, 1, n, k)
        candidate[start:start + step] = ~((e <= x).all(axis=3) & (e < x).any(axis=3)).any(axis=1)
    front = np.zeros((samples, n), dtype=bool)
    minimise = [Sense.MINIMISE] * costs.shape[2]
    for s in range(samples):
        rows = np.flatnonzero(candidate[s])
        front[s, rows] = non_dominated(costs[s, rows], minimise)
    return front


def front_share(values: np.ndarray, senses: Sequence[Sense]) -> np.ndarray:
    """The share of samples in which each point is on the Pareto front: ``values`` has shape
    (samples, n, k), one set of objective values per sample (an objective that is not sampled
    repeats its value); returns (n,). A point with a NaN objective in any sample is on no front:
    NaN. Two objectives: one sort per sample, vectorised over the samples (:func:`_front_2d`);
    more: elites first, then one :func:`non_dominated` of the remaining candidates per sample
    (:func:`_front_many`).

    >>> v = np.array([[[1.0, 2.0], [2.0, 1.0]], [[1.0, 2.0], [1.0, 1.0]]])   # 2 samples, 2 points
    >>> front_share(v, (Sense.MINIMISE, Sense.MINIMISE)).tolist()
    [0.5, 1.0]
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 3 or values.shape[2] != len(senses):
        raise ValueError(f"values must have shape (samples, n, {len(senses)}), got {values.shape}")
    costs = values * np.array([-1.0 if s is Sense.MAXIMISE else 1.0 for s in senses])
    valid = ~np.isnan(costs).any(axis=(0, 2))
    share = np.full(values.shape[1], np.nan)
    sub = costs[:, valid]
    if sub.shape[1] == 0 or sub.shape[0] == 0:
        return share
    on = _front_2d(sub) if len(senses) == 2 else _front_many(sub)
    share[valid] = on.mean(axis=0)
    return share


def _sampled(frame: "pd.DataFrame", rows: np.ndarray, objectives: Sequence[Objective],
             samples: "Mapping[str, np.ndarray]") -> np.ndarray:
    """(samples, len(rows), k): each objective's sampled values (``samples[column]``, shape
    (samples, len(frame))) at ``rows`` (positions in ``frame``), or its value in ``frame``."""
    count = next(iter(samples.values())).shape[0]
    out = np.empty((count, len(rows), len(objectives)))
    for j, o in enumerate(objectives):
        if o.column in samples:
            out[:, :, j] = samples[o.column][:, rows]
        else:
            out[:, :, j] = frame[o.column].to_numpy(dtype=float)[rows]
    return out


def _group_rows(frame: "pd.DataFrame", group_by: Sequence[str]) -> list[np.ndarray]:
    """Positions of the rows of each group, in the order :func:`pareto_table` visits them."""
    if not group_by:
        return [np.arange(len(frame))]
    return [np.asarray(i) for i in frame.groupby(list(group_by), sort=False).indices.values()]


def pareto_shares(frame: "pd.DataFrame", objectives: Sequence[Objective], samples: "Mapping[str, np.ndarray]",
                  group_by: Sequence[str] = ()) -> np.ndarray:
    """The share of samples in which each row of ``frame`` is on the front of ``objectives``
    within its ``group_by`` group (:func:`front_share`); ``samples`` maps each sampled objective
    column to its values, shape (samples, len(frame)) aligned with ``frame``'s rows. NaN for a
    row with a missing objective (or outside every group)."""
    share = np.full(len(frame), np.nan)
    for rows in _group_rows(frame, group_by):
        share[rows] = front_share(_sampled(frame, rows, objectives, samples), [o.sense for o in objectives])
    return share


def objective_pairs(objectives: Sequence[Objective]) -> list[tuple[Objective, ...]]:
    """Every pair of objectives, then all of them together when there are more than two."""
    pairs: list[tuple[Objective, ...]] = list(itertools.combinations(objectives, 2))
    if len(objectives) > 2:
        pairs.append(tuple(objectives))
    return pairs


def front_name(objectives: Sequence[Objective]) -> str:
    """``accuracy_measured_pct vs energy_pj``: how a front is named in tables and files."""
    return " vs ".join(o.column for o in objectives)


def pareto_table(results: "pd.DataFrame", objectives: Sequence[Objective], group_by: Sequence[str] = (),
                 samples: "Mapping[str, np.ndarray] | None" = None) -> "pd.DataFrame":
    """The non-dominated rows of ``results`` for every objective pair (and all together).

    Fronts are computed separately within each group of ``group_by`` columns (accuracies of
    different networks are not comparable). Columns: ``front``, then those of ``results``; rows
    in the order of the pairs, the groups, then ``results``. With ``samples`` (sampled objective
    columns, each (samples, len(results)): :func:`pareto_shares`), each row also carries
    ``pareto_share``, the share of the samples in which it is on *its row's* front, and
    ``pareto_robust`` (share >= :data:`ROBUST_SHARE`).
    """
    import pandas as pd

    missing = [o.column for o in objectives if o.column not in results.columns]
    if missing:
        raise HwcostError.single(f"no results column {', '.join(missing)}", key="objectives")
    frames = []
    for combo in objective_pairs(objectives):
        senses = [o.sense for o in combo]
        groups = results.groupby(list(group_by), sort=False) if group_by else [((), results)]
        shares = None if samples is None else pareto_shares(results, combo, samples, group_by)
        for _, group in groups:
            mask = non_dominated(group[[o.column for o in combo]].to_numpy(dtype=float), senses)
            chosen = group[mask].assign(front=front_name(combo))
            if shares is not None:
                share = shares[results.index.get_indexer(chosen.index)]
                chosen = chosen.assign(pareto_share=share, pareto_robust=share >= ROBUST_SHARE)
            frames.append(chosen)
    if not frames:
        return results.iloc[0:0].assign(front=pd.Series(dtype=str))
    table = pd.concat(frames, ignore_index=True)
    return table[["front"] + [c for c in table.columns if c != "front"]]
