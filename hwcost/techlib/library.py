"""``TechLib``: a checked technology library that prices components.

A library maps component names (``int_adder``, ``sram``, ``cim_cell``, ...) to a
:class:`ComponentModel`: its valid parameter ranges, one energy model per action and one area model.
A :class:`VariantComponent` (``cim_cell``) picks one of several components by a categorical
parameter (``cell="sram_6t"``). Pricing checks every parameter — whole arrays — against the
component's valid range, then evaluates the model; nothing is defaulted or extrapolated.

>>> from hwcost.techlib import load_techlib
>>> lib = load_techlib("45nm")
>>> round(lib.energy_pj("int_multiplier", a_bits=8, b_bits=8), 3)
0.2
>>> lib.area_um2("int_adder", bits=[8, 16, 32]).round(0).tolist()
[36.0, 69.0, 135.0]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

import numpy as np

from hwcost.errors import HwcostError
from hwcost.techlib.models import Kind, Model, ParamRange
from hwcost.techlib.spread import Spread, default_spreads

__all__ = ["Flavour", "Quantity", "Derivation", "ComponentModel", "VariantComponent", "TechLib"]


class Flavour(Enum):
    """Transistor flavour of the process (Stillmaker & Baas 2017 fit HP and LP separately)."""

    HP = "HP"  # high performance
    LP = "LP"  # low power


@dataclass(frozen=True)
class Quantity:
    """One priced quantity: the energy of an action (pJ) or the area (um2), with its provenance."""

    kind: Kind
    model: Model
    source: str | None = None
    note: str | None = None

    def scaled(self, factor: float) -> "Quantity":
        return replace(self, model=self.model.scaled(factor))


@dataclass(frozen=True)
class Derivation:
    """Provenance of a derived (e.g. node-scaled) library or component: which library it came
    from, how, and the factors applied to energy and area (and, for a node-scaled library, the
    factor by which gate delay changed: multiply a clock period by it)."""

    from_lib: str
    method: str
    energy_factor: float
    area_factor: float
    note: str | None = None
    delay_factor: float | None = None


@dataclass(frozen=True)
class ComponentModel:
    """A priceable unit: valid parameter ranges, energy per action, area and, where the library
    has a source for it, leakage power."""

    name: str
    source: str
    params: Mapping[str, ParamRange]
    energy: Mapping[str, Quantity]
    area: Quantity
    note: str | None = None
    derived: Derivation | None = None
    leakage: Quantity | None = None  # static power in mW; None: the library gives none
    spread: Spread | None = None  # its own spread; None: the shipped default (TechLib.spread_of)

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(self.energy)

    def quantity(self, action: str | None) -> Quantity:
        if action is None:
            if len(self.energy) == 1:
                return next(iter(self.energy.values()))
            raise HwcostError.single(
                f"{self.name} has several actions ({', '.join(self.energy)}); pass action=..."
            )
        try:
            return self.energy[action]
        except KeyError:
            raise HwcostError.single(
                f"{self.name} has no action '{action}'; its actions are: {', '.join(self.energy)}"
            ) from None

    def values(self, params: Mapping[str, Any]) -> dict[str, float | np.ndarray]:
        """The parameters as floats or float arrays, each checked against its valid range."""
        if params.keys() != self.params.keys():
            self._mismatch(params)
        return {name: _checked(self.name, rng, params[name]) for name, rng in self.params.items()}

    def price(self, quantity: Quantity, params: Mapping[str, Any]) -> float | np.ndarray:
        """The quantity at ``params``; a result that is not a finite number is an HwcostError
        naming the component, the quantity and the inputs (never inf or nan)."""
        values = self.values(params)
        try:
            with np.errstate(all="ignore"):
                result = np.asarray(quantity.model.evaluate(values), dtype=float)
        except (OverflowError, ZeroDivisionError):
            result = np.asarray(np.inf)
        if not np.isfinite(result).all():
            self._not_finite(quantity, values, result)
        shapes = [np.shape(v) for v in values.values() if np.ndim(v)]
        if shapes:
            shape = np.broadcast_shapes(*shapes)
            if result.shape != shape:
                result = np.broadcast_to(result, shape).copy()
            return result
        return float(result)

    def _not_finite(self, quantity: Quantity, values: Mapping[str, Any], result: np.ndarray) -> None:
        shape = np.broadcast_shapes(result.shape, *(np.shape(v) for v in values.values()))
        result = np.broadcast_to(result, shape)
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(result))[0])

        def at(value: Any) -> float:
            return float(np.broadcast_to(np.asarray(value, dtype=float), shape)[index])

        inputs = ", ".join(f"{name}={at(v):g}" for name, v in values.items()) or "no parameters"
        action = next((a for a, q in self.energy.items() if q is quantity), None)
        what = quantity.kind.value if action is None else f"energy_pj of '{action}'"
        raise HwcostError.single(
            f"{self.name}: {what} at {inputs} is not a finite number ({float(result[index])}); "
            f"the {quantity.model.name} model's coefficients overflow there"
        )

    def _mismatch(self, params: Mapping[str, Any]) -> None:
        expected = ", ".join(r.describe() for r in self.params.values()) or "no parameters"
        missing = [p for p in self.params if p not in params]
        unknown = [p for p in params if p not in self.params]
        what = []
        if missing:
            what.append(f"missing parameter {', '.join(missing)}")
        if unknown:
            what.append(f"unknown parameter {', '.join(unknown)}")
        raise HwcostError.single(f"{self.name}: {'; '.join(what)}; it takes {expected}")


def _checked(component: str, rng: ParamRange, value: Any) -> float | np.ndarray:
    if type(value) in (int, float) and rng.one_of is None:  # fast path for scalars
        x = float(value)
        if rng.minimum <= x <= rng.maximum and not (rng.integer and x != int(x)):
            return x
    try:
        x = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise HwcostError.single(
            f"{component}: {rng.name} must be a number or an array of numbers; got {value!r} "
            f"(valid: {rng.describe()})"
        ) from None
    if x.size == 0:
        return x
    if rng.one_of is not None:
        bad = ~np.isin(x, rng.one_of)
    elif rng.minimum <= x.min() and x.max() <= rng.maximum:  # NaN fails both comparisons
        bad = None
    else:
        bad = ~((x >= rng.minimum) & (x <= rng.maximum))
    if bad is None and rng.integer and np.any(x != np.round(x)):
        bad = x != np.round(x)
    if bad is not None and np.any(bad):
        first = x[bad].flat[0] if x.ndim else float(x)
        whole = " (whole numbers)" if rng.integer else ""
        raise HwcostError.single(
            f"{component}: {rng.name} = {first:g} is not valid; expected {rng.describe()}{whole}"
        )
    return x


@dataclass(frozen=True)
class VariantComponent:
    """A component with one model set per variant, chosen by a categorical parameter
    (``cim_cell`` with ``cell="sram_6t"`` or ``cell="rram_1t1r"``)."""

    name: str
    source: str
    select: str
    variants: Mapping[str, ComponentModel]
    note: str | None = None
    derived: Derivation | None = None
    spread: Spread | None = None  # its own spread, for every variant; None: the shipped default

    def pick(self, params: Mapping[str, Any]) -> tuple[ComponentModel, dict[str, Any]]:
        rest = dict(params)
        choice = rest.pop(self.select, None)
        choices = ", ".join(self.variants)
        if choice is None:
            raise HwcostError.single(f"{self.name}: missing parameter {self.select}; one of {choices}")
        if not isinstance(choice, str) or choice not in self.variants:
            raise HwcostError.single(f"{self.name}: {self.select} = {choice!r} is not one of {choices}")
        return self.variants[choice], rest


@dataclass(frozen=True)
class TechLib:
    """A technology library: process facts and the components it can price.

    ``energy_pj(component, action=None, **params)`` and ``area_um2(component, **params)`` return
    a float for scalar parameters and an ndarray (the broadcast shape) for array parameters.
    """

    name: str
    node_nm: float
    vdd_v: float
    flavour: Flavour
    source: str
    components: Mapping[str, ComponentModel | VariantComponent]
    note: str | None = None
    derived: Derivation | None = None
    file: str | None = field(default=None, compare=False)

    def energy_pj(self, component: str, action: str | None = None, **params: Any) -> float | np.ndarray:
        comp, rest = self.resolve(component, params)
        return comp.price(comp.quantity(action), rest)

    def area_um2(self, component: str, **params: Any) -> float | np.ndarray:
        comp, rest = self.resolve(component, params)
        return comp.price(comp.area, rest)

    def has_leakage(self, component: str, **params: Any) -> bool:
        """Whether the library gives ``component`` a leakage model."""
        comp, _ = self.resolve(component, params)
        return comp.leakage is not None

    def leakage_mw(self, component: str, **params: Any) -> float | np.ndarray:
        """Static power of one instance while powered, in mW (an error if the library has none)."""
        comp, rest = self.resolve(component, params)
        if comp.leakage is None:
            raise HwcostError.single(f"technology library {self.name} gives {component} no leakage model",
                                     key=f"components.{component}.leakage_mw")
        return comp.price(comp.leakage, rest)

    def spread_of(self, component: str) -> Spread | None:
        """How sure ``component``'s numbers are: the library's own ``spread:`` block, else the shipped
        default of that name (``hwcost/data/uncertainty/spreads.yaml``), else None."""
        comp = self.components.get(component)
        own = comp.spread if comp is not None else None
        return own if own is not None else default_spreads().get(component)

    def resolve(self, component: str, params: Mapping[str, Any]) -> tuple[ComponentModel, Mapping[str, Any]]:
        """The component that prices ``component`` with ``params`` (picking a variant)."""
        try:
            comp = self.components[component]
        except KeyError:
            known = ", ".join(sorted(self.components))
            raise HwcostError.single(
                f"technology library {self.name} has no component '{component}'; it defines: {known}"
            ) from None
        if isinstance(comp, VariantComponent):
            return comp.pick(params)
        return comp, params
