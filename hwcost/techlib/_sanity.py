"""Physical sanity of a component's models over its declared range, checked when a library loads.

Coefficients are checked one by one by the model parsers (finite, in range, exponents positive
where the law needs growth). This module checks what they add up to: every quantity of a
component is evaluated on a grid over its ``valid`` range (every ``one_of`` value, else
:data:`GRID_POINTS` points per parameter, both ends included) and must be

- a finite number, between 0 and :data:`MAX_PRICE` (1e18 pJ per action or um2; DRAM moving a
  terabit at 8 pJ/bit is 8e12 pJ), so that nothing downstream overflows; an energy is above 0
  (every action costs energy, so efficiencies such as TOPS/W stay finite);
- for the laws that model growth (``Model.monotone``: linear, product, nlogn, power_law, adc),
  non-decreasing in every parameter: a 32x32 multiplier never costs less than a 4x4 one.

A problem is reported at the quantity's key path (``components.sram.energy_pj.read``) with the
parameter values where it shows.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from hwcost._config import Checker, join_key
from hwcost.techlib.library import ComponentModel, Quantity
from hwcost.techlib.models import Kind, ParamRange

__all__ = ["MAX_PRICE", "GRID_POINTS", "check_component"]

MAX_PRICE = 1e18
GRID_POINTS = 9


def check_component(ck: Checker, component: ComponentModel, key: str) -> bool:
    """Record every implausible quantity of ``component`` (at ``key``) in ``ck``; True when sane."""
    grid = _grid(component.params)
    quantities = [(join_key(join_key(key, "energy_pj"), action), q) for action, q in component.energy.items()]
    quantities.append((join_key(key, "area_um2"), component.area))
    if component.leakage is not None:
        quantities.append((join_key(key, "leakage_mw"), component.leakage))
    problems = [_quantity_problem(q, grid) for _, q in quantities]
    for (qkey, _), problem in zip(quantities, problems):
        if problem is not None:
            ck.error(qkey, problem)
    return all(p is None for p in problems)


def _axis(rng: ParamRange) -> np.ndarray:
    if rng.one_of is not None:
        return np.asarray(rng.one_of, dtype=float)
    if rng.minimum > 0 and rng.maximum / rng.minimum > 100:  # wide ranges: geometric spacing
        points = np.geomspace(rng.minimum, rng.maximum, GRID_POINTS)
    else:
        points = np.linspace(rng.minimum, rng.maximum, GRID_POINTS)
    if rng.integer:
        points = np.round(points)
    points[0], points[-1] = rng.minimum, rng.maximum
    points = np.sort(points)  # np.unique's values; np.unique imports numpy.ma (~8 ms of a cold evaluate)
    return points[np.concatenate(([True], points[1:] != points[:-1]))]


def _grid(params: Mapping[str, ParamRange]) -> dict[str, np.ndarray]:
    """Every combination of the axes, as arrays of one shape (axis i along dimension i)."""
    axes = [_axis(rng) for rng in params.values()]
    return dict(zip(params, np.meshgrid(*axes, indexing="ij"))) if axes else {}


def _at(grid: Mapping[str, np.ndarray], index: tuple[int, ...]) -> str:
    return ", ".join(f"{name}={values[index]:g}" for name, values in grid.items()) or "any parameters"


def _quantity_problem(quantity: Quantity, grid: Mapping[str, np.ndarray]) -> str | None:
    unit = quantity.kind.label
    model = quantity.model
    try:
        with np.errstate(all="ignore"):
            values = np.asarray(model.evaluate(grid), dtype=float)
    except (OverflowError, ZeroDivisionError, ValueError) as exc:
        return f"the {model.name} model cannot be evaluated over the valid range ({exc})"
    shape = next(iter(grid.values())).shape if grid else ()
    values = np.broadcast_to(values, shape)
    bad = ~np.isfinite(values)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        return (f"the {model.name} model gives {values[index]} {unit} at {_at(grid, index)}: not a finite "
                "number; check its coefficients")
    floor = (values <= 0, f"not above 0 {unit} (every action costs energy)") if quantity.kind is Kind.ENERGY \
        else (values < 0, f"below 0 {unit}")
    for test, what in (floor, (values > MAX_PRICE, f"above the sanity limit of {MAX_PRICE:g} {unit}")):
        if test.any():
            index = tuple(int(i) for i in np.argwhere(test)[0])
            return f"the {model.name} model gives {values[index]:g} {unit} at {_at(grid, index)}, {what}"
    if model.monotone:
        return _falls(model.name, unit, values, grid)
    return None


def _falls(model: str, unit: str, values: np.ndarray, grid: Mapping[str, np.ndarray]) -> str | None:
    """Where a growth law decreases along a parameter, if anywhere."""
    for axis, name in enumerate(grid):
        steps = np.diff(values, axis=axis)
        tolerance = 1e-9 * np.maximum(np.abs(values).max(), 1e-300)
        falling = steps < -tolerance
        if falling.any():
            index = tuple(int(i) for i in np.argwhere(falling)[0])
            later = tuple(i + (d == axis) for d, i in enumerate(index))
            return (f"the {model} law falls as {name} grows: {values[index]:g} {unit} at {_at(grid, index)}, "
                    f"{values[later]:g} {unit} at {_at(grid, later)}; it must not decrease")
    return None
