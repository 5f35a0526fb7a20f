"""Parametric component models: tiny vectorised laws and the frozen records that hold their
coefficients.

A model prices one *quantity* of a component — the energy of one action in pJ, or the area in
um2 — as a function of the component's parameters (``bits``, ``capacity_bytes``, ...). Each law
is a pure numpy function (arrays broadcast); each model class holds the coefficients read from a
technology library, and knows how to check them (``parse``), evaluate them, scale them by a
factor (for node-scaled libraries, ``hwcost techlib scale``) and write them back (``to_dict``).

Registry (explicit, no import-time discovery) — ``MODELS``:

=========== ========================================================== ======================
model       law                                                        reads
=========== ========================================================== ======================
constant    y = value                                                  no parameter
linear      y = fixed + per_bit * b                                    one ``*bits`` param
product     y = ref * (a * b / ref_product_bits2) ** exponent          two ``*bits`` params
nlogn       y = per_mux * n * log2(n)                                  one ``*bits`` param
power_law   y = ref * prod_i (p_i / ref_i) ** exponent_i               every component param
table       1-D interpolation (linear or log-log) between points       one param
grid        bilinear interpolation (linear or log-log) on a 2-D grid   two params
adc         E = floor + FOM_W 2^b + (1/2) 10^((6.02 b + 1.76 - FOM_S)/10)  one ``*bits`` param
column_adc  y = (fixed + per_bit b + per_level (2^b - 1)) (f / ref_hz)^k   ``*bits`` and ``*hz``
wire        E = (1/2) p C V^2 * bits * length (on-chip wire, energy only)  ``*bits`` and ``*mm``
=========== ========================================================== ======================

Coefficient names carry the quantity's unit: ``fixed_pj`` / ``fixed_um2``, ``ref_pj`` /
``ref_um2``, ... Every coefficient in that unit scales linearly with a derived library's factor.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any, ClassVar

import numpy as np

from hwcost._config import Checker, join_key

__all__ = [
    "Kind",
    "ParamRange",
    "Model",
    "MODELS",
    "linear",
    "product_power_law",
    "nlogn",
    "power_law",
    "interpolate",
    "grid_interpolate",
    "adc_energy_pj",
    "column_adc",
    "wire_energy_pj",
    "unit_of",
]

# A parameter's unit is the end of its name (``bits``, ``a_bits``, ``capacity_bytes``, ``words``: the
# depth of a register file). Integer units only take whole values.
UNITS: dict[str, bool] = {"bits": True, "bytes": True, "words": True, "hz": False, "ns": False, "v": False,
                          "mm": False}


def unit_of(param: str) -> str | None:
    """The unit a parameter name ends with, or None.

    >>> unit_of("capacity_bytes"), unit_of("bits"), unit_of("cell")
    ('bytes', 'bits', None)
    """
    for unit in UNITS:
        if param == unit or param.endswith("_" + unit):
            return unit
    return None


class Kind(Enum):
    """The quantity a model prices; the value is the YAML key and carries the unit."""

    ENERGY = "energy_pj"
    AREA = "area_um2"
    LEAKAGE = "leakage_mw"  # static power while powered, whatever the activity

    @property
    def unit(self) -> str:
        return {Kind.ENERGY: "pj", Kind.AREA: "um2", Kind.LEAKAGE: "mw"}[self]

    @property
    def label(self) -> str:
        return {Kind.ENERGY: "pJ", Kind.AREA: "um2", Kind.LEAKAGE: "mW"}[self]


@dataclass(frozen=True)
class ParamRange:
    """Where a component parameter is valid: ``minimum..maximum`` inclusive, or ``one_of``."""

    name: str
    minimum: float
    maximum: float
    integer: bool
    one_of: tuple[float, ...] | None = None

    def describe(self) -> str:
        if self.one_of is not None:
            return f"{self.name} in {{{', '.join(_num(v) for v in self.one_of)}}}"
        return f"{self.name} in [{_num(self.minimum)}, {_num(self.maximum)}]"


def _whole(value: float) -> float | int:
    return int(value) if float(value).is_integer() and abs(value) < 1e15 else value


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else f"{value:g}"


# --- the laws ---------------------------------------------------------------------------------


def linear(x: Any, fixed: float, per_bit: float) -> Any:
    """Affine in the width: ripple-carry / prefix adders and registers grow ~linearly in bits.

    >>> float(linear(8, 0.006925, 0.002822))
    0.029501
    """
    return fixed + per_bit * x


def product_power_law(a: Any, b: Any, ref: float, ref_product: float, exponent: float) -> Any:
    """Array/Booth multipliers: partial products grow with a*b; Horowitz's 8b->32b ratios sit
    just under b^2 (ISSCC 2014), hence a fitted exponent on the product.

    >>> round(float(product_power_law(32, 32, 0.2, 64, 0.98855)), 3)
    3.1
    """
    return ref * (a * b / ref_product) ** exponent


def nlogn(n: Any, per_mux: float) -> Any:
    """Barrel shifter: log2(n) stages of n 2:1 multiplexers.

    >>> float(nlogn(32, 1.0))
    160.0
    """
    return per_mux * n * np.log2(n)


def power_law(
    values: Sequence[Any], ref: float, refs: Sequence[float], exponents: Sequence[float]
) -> Any:
    """y = ref * prod_i (values_i / refs_i) ** exponents_i (e.g. SRAM energy vs capacity, width).

    >>> round(float(power_law([32768], 10.0, [8192], [0.5])), 6)
    20.0
    """
    y = ref
    for value, r, e in zip(values, refs, exponents):
        y = y * (value / r) ** e
    return y


def interpolate(x: Any, xs: np.ndarray, ys: np.ndarray, loglog: bool) -> Any:
    """Piecewise-linear interpolation, in linear or log-log axes. Callers keep x inside xs.

    >>> round(float(interpolate(8, np.array([4.0, 16.0]), np.array([1.0, 4.0]), loglog=True)), 9)
    2.0
    """
    if loglog:
        return np.exp(np.interp(np.log(x), np.log(xs), np.log(ys)))
    return np.interp(x, xs, ys)


def grid_interpolate(x: Any, y: Any, xs: np.ndarray, ys: np.ndarray, zs: np.ndarray, loglog: bool) -> Any:
    """Bilinear interpolation of a rectangular grid, ``zs[i, j]`` at ``(xs[i], ys[j])``: in linear
    axes, or in log-log axes (ln z bilinear in ln x and ln y, i.e. a power law in each parameter
    between neighbouring grid lines). The grid's own points are returned exactly (to rounding), and
    a point between two neighbours on a grid line lies between their values. Arrays broadcast;
    callers keep (x, y) inside the grid (no extrapolation).

    >>> xs, ys = np.array([1024.0, 4096.0]), np.array([32.0, 128.0])
    >>> zs = np.array([[1.0, 4.0], [9.0, 36.0]])
    >>> grid_interpolate(np.array([1024, 4096, 2048]), 32, xs, ys, zs, loglog=True).round(9).tolist()
    [1.0, 9.0, 3.0]
    >>> round(float(grid_interpolate(2048, 64, xs, ys, zs, loglog=True)), 9)   # the geometric mean of the four corners
    6.0
    >>> float(grid_interpolate(2560, 80, xs, ys, zs, loglog=False))           # halfway in linear axes
    12.5
    """
    if loglog:
        return np.exp(_bilinear(np.log(x), np.log(y), np.log(xs), np.log(ys), np.log(zs)))
    return _bilinear(x, y, xs, ys, zs)


def _bilinear(x: Any, y: Any, xs: np.ndarray, ys: np.ndarray, zs: np.ndarray) -> Any:
    """Bilinear interpolation in the axes as given (the grid's logs for a log-log grid)."""
    u, i = _grid_cell(np.asarray(x, dtype=float), xs)
    v, j = _grid_cell(np.asarray(y, dtype=float), ys)
    return ((1 - u) * (1 - v) * zs[i, j] + u * (1 - v) * zs[i + 1, j]
            + (1 - u) * v * zs[i, j + 1] + u * v * zs[i + 1, j + 1])


def _grid_cell(t: np.ndarray, axis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The fraction u of the way from axis[i] to axis[i + 1] at which t lies, and i."""
    i = np.clip(np.searchsorted(axis, t, side="right") - 1, 0, len(axis) - 2)
    return (t - axis[i]) / (axis[i + 1] - axis[i]), i


def adc_energy_pj(
    bits: Any, floor_pj: float, fom_walden_fj_per_step: float, fom_schreier_db: float
) -> Any:
    """Energy per conversion: a technology floor, Walden's FOM_W * 2^ENOB and the thermal-noise
    term of Schreier's FOM_S = SNDR + 10 log10(f_s / 2 / P), i.e. E = (1/2) 10^((SNDR - FOM_S)/10),
    SNDR = 6.02 ENOB + 1.76 dB (Murmann, ADC Performance Survey 1997-2025). ENOB is taken = bits.

    >>> round(float(adc_energy_pj(12, 0.0, 0.0, 185.0)), 2)
    3.97
    """
    walden_pj = fom_walden_fj_per_step * 1e-3 * np.exp2(bits)
    sndr_db = 6.02 * bits + 1.76
    thermal_pj = 0.5e12 * 10.0 ** ((sndr_db - fom_schreier_db) / 10.0)
    return floor_pj + walden_pj + thermal_pj


def column_adc(bits: Any, rate_hz: Any, fixed: float, per_bit: float, per_level: float,
               ref_hz: float, rate_exponent: float) -> Any:
    """A column readout: a fixed part, a part per bit resolved (a SAR's comparator decisions) and a
    part per decision level (2^b - 1: a flash's comparators, a capacitive DAC's unit capacitors,
    a ramp's or a delay line's steps), times (f / ref_hz)^rate_exponent for the sample rate.

    >>> float(column_adc(4, 1e8, 0.0, 0.0, 1.0, 1e8, 0.5)), float(column_adc(1, 4e8, 1.0, 0.0, 0.0, 1e8, 0.5))
    (15.0, 2.0)
    """
    levels = np.exp2(bits) - 1
    return (fixed + per_bit * bits + per_level * levels) * (rate_hz / ref_hz) ** rate_exponent


def wire_energy_pj(bits: Any, length_mm: Any, capacitance_ff_per_mm: float, vdd_v: float,
                   transition_probability: float) -> Any:
    """Energy in pJ of moving ``bits`` bits over ``length_mm`` mm of full-swing CMOS wire:
    E = (1/2) p C V^2 per bit per mm. Each transition of a wire, rising or falling, dissipates
    (1/2) C V^2 (half of the C V^2 a rise draws from the supply is lost while charging, the other
    half when the wire is discharged); a bit makes a transition with probability ``p`` (0.5 for
    random data). C is the switched capacitance per mm (the wire plus its repeaters), in fF.

    Keckler et al., IEEE Micro 31(5) 2011, Table 1 (40 nm, 0.9 V): 256 random bits over 10 mm
    cost 310 pJ; with the 600 fF/mm of a repeated wire (Kogge et al., DARPA ExaScale study 2008,
    p. 220) the law gives

    >>> round(float(wire_energy_pj(256, 10.0, 600.0, 0.9, 0.5)), 2)
    311.04
    >>> round(float(wire_energy_pj(1, 1.0, 600.0, 0.9, 0.5)) * 1e3, 1)   # fJ per random bit per mm
    121.5
    """
    return 0.5e-3 * transition_probability * capacitance_ff_per_mm * vdd_v * vdd_v * bits * length_mm


# --- model records ----------------------------------------------------------------------------

_COMMON = ("model",)
_COMMON_OPTIONAL = ("source", "note")

MAX_COEFFICIENT = 1e15
"""Largest coefficient (and parameter bound) a library may state: far beyond any physical value,
low enough that products of a few of them stay finite."""

MAX_EXPONENT = 8.0
"""Exponents of the growth laws lie in (0, 8]: zero or negative would make a wider unit cheaper,
and nothing in a datapath grows faster than the eighth power of a width or a capacity."""

_EXPONENT = {"minimum": 0.0, "exclusive_minimum": True, "maximum": MAX_EXPONENT}


def _number(
    ck: Checker, block: Mapping[str, Any], name: str, key: str, minimum: float | None = 0.0,
    maximum: float | None = MAX_COEFFICIENT, **kw: Any
) -> float | None:
    value = ck.number(block.get(name), join_key(key, name), minimum=minimum, maximum=maximum, **kw)
    return None if value is None else float(value)


def _bits_params(
    ck: Checker, model: str, key: str, params: Mapping[str, ParamRange], count: int
) -> tuple[str, ...] | None:
    names = tuple(params)
    if len(names) == count and all(unit_of(p) == "bits" for p in names):
        return names
    want = "one parameter" if count == 1 else f"{count} parameters"
    got = ", ".join(names) or "none"
    ck.error(key, f"model '{model}' needs exactly {want} measured in bits in the component's "
                  f"'valid'; got {got}")
    return None


class Model:
    """Base of the coefficient records. Subclasses are frozen dataclasses."""

    name: ClassVar[str]
    kinds: ClassVar[tuple[Kind, ...]] = (Kind.ENERGY, Kind.AREA, Kind.LEAKAGE)
    monotone: ClassVar[bool] = True  # a growth law: never decreases as a parameter grows
    params: tuple[str, ...]

    @classmethod
    def coefficient_keys(cls, kind: Kind) -> tuple[str, ...]:
        raise NotImplementedError

    @classmethod
    def parse(
        cls, ck: Checker, block: Mapping[str, Any], key: str, kind: Kind, params: Mapping[str, ParamRange]
    ) -> "Model | None":
        raise NotImplementedError

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        raise NotImplementedError

    def scaled(self, factor: float) -> "Model":
        raise NotImplementedError

    def to_dict(self, kind: Kind) -> dict[str, Any]:
        raise NotImplementedError

    def describe(self, kind: Kind) -> str:
        raise NotImplementedError

    @classmethod
    def _keys_ok(cls, ck: Checker, block: Mapping[str, Any], key: str, kind: Kind) -> bool:
        required = _COMMON + cls.coefficient_keys(kind)
        return ck.keys(block, key, required=required, optional=_COMMON_OPTIONAL)


@dataclass(frozen=True)
class Constant(Model):
    value: float
    params: tuple[str, ...] = ()
    name: ClassVar[str] = "constant"

    @classmethod
    def coefficient_keys(cls, kind: Kind) -> tuple[str, ...]:
        return (f"value_{kind.unit}",)

    @classmethod
    def parse(cls, ck, block, key, kind, params):  # type: ignore[no-untyped-def]
        if not cls._keys_ok(ck, block, key, kind):
            return None
        value = _number(ck, block, f"value_{kind.unit}", key)
        return None if value is None else cls(value)

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        return np.float64(self.value)

    def scaled(self, factor: float) -> "Constant":
        return Constant(self.value * factor)

    def to_dict(self, kind: Kind) -> dict[str, Any]:
        return {f"value_{kind.unit}": self.value}

    def describe(self, kind: Kind) -> str:
        return f"{self.value:g} {kind.label}"


@dataclass(frozen=True)
class Linear(Model):
    param: str
    fixed: float
    per_bit: float
    name: ClassVar[str] = "linear"

    @property
    def params(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.param,)

    @classmethod
    def coefficient_keys(cls, kind: Kind) -> tuple[str, ...]:
        return (f"fixed_{kind.unit}", f"per_bit_{kind.unit}")

    @classmethod
    def parse(cls, ck, block, key, kind, params):  # type: ignore[no-untyped-def]
        names = _bits_params(ck, cls.name, key, params, 1)
        if not cls._keys_ok(ck, block, key, kind) or names is None:
            return None
        fixed = _number(ck, block, f"fixed_{kind.unit}", key)
        per_bit = _number(ck, block, f"per_bit_{kind.unit}", key)
        if fixed is None or per_bit is None:
            return None
        return cls(names[0], fixed, per_bit)

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        return linear(values[self.param], self.fixed, self.per_bit)

    def scaled(self, factor: float) -> "Linear":
        return Linear(self.param, self.fixed * factor, self.per_bit * factor)

    def to_dict(self, kind: Kind) -> dict[str, Any]:
        return {f"fixed_{kind.unit}": self.fixed, f"per_bit_{kind.unit}": self.per_bit}

    def describe(self, kind: Kind) -> str:
        return f"{self.fixed:g} + {self.per_bit:g} * {self.param} {kind.label}"


@dataclass(frozen=True)
class Product(Model):
    a_param: str
    b_param: str
    ref: float
    ref_product_bits2: float
    exponent: float
    name: ClassVar[str] = "product"

    @property
    def params(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.a_param, self.b_param)

    @classmethod
    def coefficient_keys(cls, kind: Kind) -> tuple[str, ...]:
        return (f"ref_{kind.unit}", "ref_product_bits2", "exponent")

    @classmethod
    def parse(cls, ck, block, key, kind, params):  # type: ignore[no-untyped-def]
        names = _bits_params(ck, cls.name, key, params, 2)
        if not cls._keys_ok(ck, block, key, kind) or names is None:
            return None
        ref = _number(ck, block, f"ref_{kind.unit}", key)
        ref_product = _number(ck, block, "ref_product_bits2", key, minimum=0.0, exclusive_minimum=True)
        exponent = _number(ck, block, "exponent", key, **_EXPONENT)
        if ref is None or ref_product is None or exponent is None:
            return None
        return cls(names[0], names[1], ref, ref_product, exponent)

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        a, b = values[self.a_param], values[self.b_param]
        return product_power_law(a, b, self.ref, self.ref_product_bits2, self.exponent)

    def scaled(self, factor: float) -> "Product":
        return replace(self, ref=self.ref * factor)

    def to_dict(self, kind: Kind) -> dict[str, Any]:
        return {
            f"ref_{kind.unit}": self.ref,
            "ref_product_bits2": self.ref_product_bits2,
            "exponent": self.exponent,
        }

    def describe(self, kind: Kind) -> str:
        ab = f"{self.a_param}*{self.b_param}"
        return f"{self.ref:g} * ({ab}/{self.ref_product_bits2:g})^{self.exponent:g} {kind.label}"


@dataclass(frozen=True)
class Nlogn(Model):
    param: str
    per_mux: float
    name: ClassVar[str] = "nlogn"

    @property
    def params(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.param,)

    @classmethod
    def coefficient_keys(cls, kind: Kind) -> tuple[str, ...]:
        return (f"per_mux_{kind.unit}",)

    @classmethod
    def parse(cls, ck, block, key, kind, params):  # type: ignore[no-untyped-def]
        names = _bits_params(ck, cls.name, key, params, 1)
        if not cls._keys_ok(ck, block, key, kind) or names is None:
            return None
        per_mux = _number(ck, block, f"per_mux_{kind.unit}", key)
        return None if per_mux is None else cls(names[0], per_mux)

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        return nlogn(values[self.param], self.per_mux)

    def scaled(self, factor: float) -> "Nlogn":
        return Nlogn(self.param, self.per_mux * factor)

    def to_dict(self, kind: Kind) -> dict[str, Any]:
        return {f"per_mux_{kind.unit}": self.per_mux}

    def describe(self, kind: Kind) -> str:
        return f"{self.per_mux:g} * {self.param}*log2({self.param}) {kind.label}"


@dataclass(frozen=True)
class PowerLaw(Model):
    params: tuple[str, ...]
    ref: float
    refs: tuple[float, ...]
    exponents: tuple[float, ...]
    name: ClassVar[str] = "power_law"

    @classmethod
    def coefficient_keys(cls, kind: Kind) -> tuple[str, ...]:
        return (f"ref_{kind.unit}", "ref", "exponent")

    @classmethod
    def parse(cls, ck, block, key, kind, params):  # type: ignore[no-untyped-def]
        if not cls._keys_ok(ck, block, key, kind):
            return None
        ref = _number(ck, block, f"ref_{kind.unit}", key)
        refs = cls._per_param(ck, block.get("ref"), join_key(key, "ref"), params, True)
        exps = cls._per_param(ck, block.get("exponent"), join_key(key, "exponent"), params, False)
        for name, rng in params.items():
            if rng.minimum <= 0:
                ck.error(join_key(key, "ref"),
                         f"power_law needs {name} > 0 everywhere; valid allows {rng.minimum:g}")
                return None
        if ref is None or refs is None or exps is None:
            return None
        names = tuple(params)
        return cls(names, ref, tuple(refs[n] for n in names), tuple(exps[n] for n in names))

    @staticmethod
    def _per_param(
        ck: Checker, value: Any, key: str, params: Mapping[str, ParamRange], positive: bool
    ) -> dict[str, float] | None:
        mapping = ck.mapping(value, key)
        if mapping is None or not ck.keys(mapping, key, required=list(params)):
            return None
        out = {}
        for name in params:
            # An exponent may be 0 (the quantity does not depend on that parameter, e.g. leakage on
            # the port width) but not negative: the law must not fall as a size grows.
            limits = {"minimum": 0.0, "exclusive_minimum": True, "maximum": MAX_COEFFICIENT} if positive \
                else {"minimum": 0.0, "maximum": MAX_EXPONENT}
            number = ck.number(mapping[name], join_key(key, name), **limits)
            if number is None:
                return None
            out[name] = float(number)
        if not positive and not any(v > 0 for v in out.values()):
            ck.error(key, "expected at least one exponent > 0 (a power law with none is a constant: use model constant)")
            return None
        return out

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        return power_law([values[p] for p in self.params], self.ref, self.refs, self.exponents)

    def scaled(self, factor: float) -> "PowerLaw":
        return PowerLaw(self.params, self.ref * factor, self.refs, self.exponents)

    def to_dict(self, kind: Kind) -> dict[str, Any]:
        return {
            f"ref_{kind.unit}": self.ref,
            "ref": dict(zip(self.params, self.refs)),
            "exponent": dict(zip(self.params, self.exponents)),
        }

    def describe(self, kind: Kind) -> str:
        laws = zip(self.params, self.refs, self.exponents)
        terms = " * ".join(f"({p}/{r:g})^{e:g}" for p, r, e in laws)
        return f"{self.ref:g}" + (f" * {terms}" if terms else "") + f" {kind.label}"


@dataclass(frozen=True)
class Table(Model):
    param: str
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    loglog: bool
    name: ClassVar[str] = "table"
    monotone: ClassVar[bool] = False  # measured points: checked finite and in range, any shape

    def __post_init__(self) -> None:
        object.__setattr__(self, "_x", np.asarray(self.xs, dtype=float))
        object.__setattr__(self, "_y", np.asarray(self.ys, dtype=float))

    @property
    def params(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.param,)

    @classmethod
    def coefficient_keys(cls, kind: Kind) -> tuple[str, ...]:
        return ("interpolation", "points")

    @classmethod
    def parse(cls, ck, block, key, kind, params):  # type: ignore[no-untyped-def]
        if not cls._keys_ok(ck, block, key, kind):
            return None
        if len(params) != 1:
            got = ", ".join(params) or "none"
            ck.error(key, f"model 'table' needs exactly one parameter in the component's 'valid'; got {got}")
            return None
        (param, rng), = params.items()
        interp = ck.choice(block["interpolation"], join_key(key, "interpolation"), ("linear", "loglog"))
        pkey = join_key(key, "points")
        points = ck.mapping(block["points"], pkey)
        if interp is None or points is None or not ck.keys(points, pkey, required=[param, kind.value]):
            return None
        loglog = interp == "loglog"
        xs = cls._column(ck, points[param], join_key(pkey, param), positive=loglog)
        ys = cls._column(ck, points[kind.value], join_key(pkey, kind.value), positive=loglog)
        if xs is None or ys is None:
            return None
        if len(xs) != len(ys) or len(xs) < 2:
            ck.error(pkey, f"expected {param} and {kind.value} lists of equal length >= 2; "
                           f"got {len(xs)} and {len(ys)}")
            return None
        if any(b <= a for a, b in zip(xs, xs[1:])):
            ck.error(join_key(pkey, param), f"expected strictly increasing {param} values")
            return None
        if rng.minimum < xs[0] or rng.maximum > xs[-1]:
            ck.error(pkey, f"table covers {param} {xs[0]:g}..{xs[-1]:g} but valid allows "
                     f"{rng.minimum:g}..{rng.maximum:g}; tables never extrapolate")
            return None
        return cls(param, tuple(xs), tuple(ys), loglog)

    @staticmethod
    def _column(ck: Checker, value: Any, key: str, positive: bool) -> list[float] | None:
        items = ck.sequence(value, key)
        if items is None:
            return None
        out = [ck.number(v, join_key(key, i), minimum=0.0, exclusive_minimum=positive, maximum=MAX_COEFFICIENT)
               for i, v in enumerate(items)]
        return None if any(v is None for v in out) else [float(v) for v in out]  # type: ignore[arg-type]

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        return interpolate(values[self.param], self._x, self._y, self.loglog)  # type: ignore[attr-defined]

    def scaled(self, factor: float) -> "Table":
        return Table(self.param, self.xs, tuple(y * factor for y in self.ys), self.loglog)

    def to_dict(self, kind: Kind) -> dict[str, Any]:
        return {
            "interpolation": "loglog" if self.loglog else "linear",
            "points": {self.param: list(self.xs), kind.value: list(self.ys)},
        }

    def describe(self, kind: Kind) -> str:
        pairs = ", ".join(f"{x:g}: {y:g}" for x, y in zip(self.xs, self.ys))
        return f"{'log-log' if self.loglog else 'linear'} table {self.param} -> {kind.label} {{{pairs}}}"


@dataclass(frozen=True)
class Grid(Model):
    """:func:`grid_interpolate` over a rectangular table of measured points in two parameters
    (the SRAM's CACTI 7 sweep: capacity x port width). ``values[i][j]`` is the quantity at the
    first parameter's ``i``-th and the second's ``j``-th point, in the order of the component's
    ``valid``. The table must cover the valid range: it never extrapolates."""

    params: tuple[str, ...]
    axes: tuple[tuple[float, ...], tuple[float, ...]]
    values: tuple[tuple[float, ...], ...]
    loglog: bool
    name: ClassVar[str] = "grid"
    monotone: ClassVar[bool] = False  # measured points: CACTI's array organisation changes between sizes

    def __post_init__(self) -> None:
        # The axes and values in the interpolation's own coordinates (logs for a log-log grid),
        # computed once: a price is then two logs, two searches and one exp.
        axes = (np.asarray(self.axes[0], dtype=float), np.asarray(self.axes[1], dtype=float),
                np.asarray(self.values, dtype=float))
        x, y, z = (np.log(a) for a in axes) if self.loglog else axes
        object.__setattr__(self, "_x", x)
        object.__setattr__(self, "_y", y)
        object.__setattr__(self, "_z", z)
        object.__setattr__(self, "_lists", (x.tolist(), y.tolist(), z.tolist()))

    @classmethod
    def coefficient_keys(cls, kind: Kind) -> tuple[str, ...]:
        return ("interpolation", "points")

    @classmethod
    def parse(cls, ck, block, key, kind, params):  # type: ignore[no-untyped-def]
        if not cls._keys_ok(ck, block, key, kind):
            return None
        if len(params) != 2:
            got = ", ".join(params) or "none"
            ck.error(key, f"model 'grid' needs exactly two parameters in the component's 'valid'; got {got}")
            return None
        interp = ck.choice(block["interpolation"], join_key(key, "interpolation"), ("linear", "loglog"))
        pkey = join_key(key, "points")
        points = ck.mapping(block["points"], pkey)
        names = tuple(params)
        if interp is None or points is None or not ck.keys(points, pkey, required=[*names, kind.value]):
            return None
        loglog = interp == "loglog"
        axes = [Table._column(ck, points[p], join_key(pkey, p), positive=loglog) for p in names]
        rows = cls._rows(ck, points[kind.value], join_key(pkey, kind.value), loglog)
        if None in axes or rows is None:
            return None
        for name, axis in zip(names, axes):
            if not cls._axis_ok(ck, join_key(pkey, name), name, axis, params[name]):  # type: ignore[arg-type]
                return None
        shape = (len(axes[0]), len(axes[1]))  # type: ignore[arg-type]
        if len(rows) != shape[0] or any(len(r) != shape[1] for r in rows):
            widths = "/".join(sorted({str(len(r)) for r in rows}, key=int)) or "0"
            ck.error(join_key(pkey, kind.value),
                     f"expected {shape[0]} rows (one per {names[0]} point) of {shape[1]} values (one per "
                     f"{names[1]} point); got {len(rows)} rows of {widths} values")
            return None
        return cls(names, (tuple(axes[0]), tuple(axes[1])), tuple(tuple(r) for r in rows), loglog)  # type: ignore[arg-type]

    @staticmethod
    def _axis_ok(ck: Checker, key: str, name: str, axis: list[float], rng: ParamRange) -> bool:
        if len(axis) < 2:
            ck.error(key, f"expected at least 2 {name} points; got {len(axis)}")
            return False
        if any(b <= a for a, b in zip(axis, axis[1:])):
            ck.error(key, f"expected strictly increasing {name} values")
            return False
        if rng.minimum < axis[0] or rng.maximum > axis[-1]:
            ck.error(key, f"grid covers {name} {_num(axis[0])}..{_num(axis[-1])} but valid allows "
                          f"{_num(rng.minimum)}..{_num(rng.maximum)}; grids never extrapolate")
            return False
        return True

    @staticmethod
    def _rows(ck: Checker, value: Any, key: str, positive: bool) -> list[list[float]] | None:
        items = ck.sequence(value, key)
        if items is None:
            return None
        rows = [Table._column(ck, row, join_key(key, i), positive) for i, row in enumerate(items)]
        return None if any(r is None for r in rows) else rows  # type: ignore[return-value]

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        x, y = (values[p] for p in self.params)
        if type(x) is float and type(y) is float:  # one point (the pricer's memoised calls)
            return self._one(x, y)
        if self.loglog:  # grid_interpolate(x, y, *axes, values, loglog=True) with the logs precomputed
            return np.exp(_bilinear(np.log(x), np.log(y), self._x, self._y, self._z))  # type: ignore[attr-defined]
        return _bilinear(x, y, self._x, self._y, self._z)  # type: ignore[attr-defined]

    def _one(self, x: float, y: float) -> float:
        """:func:`grid_interpolate` at one point with math instead of numpy (the same arithmetic)."""
        xs, ys, zs = self._lists  # type: ignore[attr-defined]
        if self.loglog:
            x, y = math.log(x), math.log(y)
        i = min(max(bisect.bisect_right(xs, x) - 1, 0), len(xs) - 2)
        j = min(max(bisect.bisect_right(ys, y) - 1, 0), len(ys) - 2)
        u, v = (x - xs[i]) / (xs[i + 1] - xs[i]), (y - ys[j]) / (ys[j + 1] - ys[j])
        z = ((1 - u) * (1 - v) * zs[i][j] + u * (1 - v) * zs[i + 1][j]
             + (1 - u) * v * zs[i][j + 1] + u * v * zs[i + 1][j + 1])
        return math.exp(z) if self.loglog else z

    def scaled(self, factor: float) -> "Grid":
        return replace(self, values=tuple(tuple(v * factor for v in row) for row in self.values))

    def to_dict(self, kind: Kind) -> dict[str, Any]:
        return {
            "interpolation": "loglog" if self.loglog else "linear",
            # Axis points are parameter values (whole bytes and bits): written as ints, never rounded.
            "points": {self.params[0]: [_whole(v) for v in self.axes[0]],
                       self.params[1]: [_whole(v) for v in self.axes[1]],
                       kind.value: [list(row) for row in self.values]},
        }

    def describe(self, kind: Kind) -> str:
        (a, b), (xs, ys) = self.params, self.axes
        axes = "log-log" if self.loglog else "linear"
        return (f"{axes} grid {a} x {b} -> {kind.label}: {len(xs)} x {len(ys)} points, "
                f"{a} {_num(xs[0])}..{_num(xs[-1])}, {b} {_num(ys[0])}..{_num(ys[-1])}")


@dataclass(frozen=True)
class Adc(Model):
    param: str
    floor_pj: float
    fom_walden_fj_per_step: float
    fom_schreier_db: float
    name: ClassVar[str] = "adc"
    kinds: ClassVar[tuple[Kind, ...]] = (Kind.ENERGY,)

    @property
    def params(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.param,)

    @classmethod
    def coefficient_keys(cls, kind: Kind) -> tuple[str, ...]:
        return ("floor_pj", "fom_walden_fj_per_step", "fom_schreier_db")

    @classmethod
    def parse(cls, ck, block, key, kind, params):  # type: ignore[no-untyped-def]
        names = _bits_params(ck, cls.name, key, params, 1)
        if not cls._keys_ok(ck, block, key, kind) or names is None:
            return None
        floor = _number(ck, block, "floor_pj", key)
        walden = _number(ck, block, "fom_walden_fj_per_step", key)
        schreier = _number(ck, block, "fom_schreier_db", key, minimum=100.0, maximum=250.0)
        if floor is None or walden is None or schreier is None:
            return None
        return cls(names[0], floor, walden, schreier)

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        bits = values[self.param]
        return adc_energy_pj(bits, self.floor_pj, self.fom_walden_fj_per_step, self.fom_schreier_db)

    def scaled(self, factor: float) -> "Adc":
        # Every term is an energy: the thermal term scales through FOM_S = ... - 10 log10(P).
        return Adc(
            self.param,
            self.floor_pj * factor,
            self.fom_walden_fj_per_step * factor,
            self.fom_schreier_db - 10.0 * math.log10(factor),
        )

    def to_dict(self, kind: Kind) -> dict[str, Any]:
        return {
            "floor_pj": self.floor_pj,
            "fom_walden_fj_per_step": self.fom_walden_fj_per_step,
            "fom_schreier_db": self.fom_schreier_db,
        }

    def describe(self, kind: Kind) -> str:
        b = self.param
        return (f"{self.floor_pj:g} + {self.fom_walden_fj_per_step:g}e-3 * 2^{b} "
                f"+ 0.5e12 * 10^((6.02*{b} + 1.76 - {self.fom_schreier_db:g})/10) pJ")


@dataclass(frozen=True)
class ColumnAdc(Model):
    """:func:`column_adc`: energy or area of a CIM column readout against resolution and rate."""

    bits_param: str
    rate_param: str
    fixed: float
    per_bit: float
    per_level: float
    ref_hz: float
    rate_exponent: float
    name: ClassVar[str] = "column_adc"

    @property
    def params(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.bits_param, self.rate_param)

    @classmethod
    def coefficient_keys(cls, kind: Kind) -> tuple[str, ...]:
        u = kind.unit
        return (f"fixed_{u}", f"per_bit_{u}", f"per_level_{u}", "ref_hz", "rate_exponent")

    @classmethod
    def parse(cls, ck, block, key, kind, params):  # type: ignore[no-untyped-def]
        names = tuple(params)
        units = sorted(unit_of(p) or "" for p in names)
        if units != ["bits", "hz"]:
            ck.error(key, "model 'column_adc' needs exactly two parameters in the component's 'valid': "
                          f"one measured in bits and one in hz; got {', '.join(names) or 'none'}")
            return None
        if not cls._keys_ok(ck, block, key, kind):
            return None
        bits = next(p for p in names if unit_of(p) == "bits")
        rate = next(p for p in names if unit_of(p) == "hz")
        u = kind.unit
        fixed = _number(ck, block, f"fixed_{u}", key)
        per_bit = _number(ck, block, f"per_bit_{u}", key)
        per_level = _number(ck, block, f"per_level_{u}", key)
        ref = _number(ck, block, "ref_hz", key, minimum=0.0, exclusive_minimum=True)
        # 0 allowed: a quantity independent of the rate; above 1 no readout grows faster than
        # its rate per conversion.
        exponent = _number(ck, block, "rate_exponent", key, minimum=0.0, maximum=1.0)
        values = (fixed, per_bit, per_level, ref, exponent)
        if any(v is None for v in values):
            return None
        if fixed + per_bit + per_level <= 0:  # type: ignore[operator]
            ck.error(key, "column_adc needs at least one of fixed, per_bit, per_level > 0")
            return None
        return cls(bits, rate, *values)  # type: ignore[arg-type]

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        return column_adc(values[self.bits_param], values[self.rate_param], self.fixed, self.per_bit,
                          self.per_level, self.ref_hz, self.rate_exponent)

    def scaled(self, factor: float) -> "ColumnAdc":
        return replace(self, fixed=self.fixed * factor, per_bit=self.per_bit * factor,
                       per_level=self.per_level * factor)

    def to_dict(self, kind: Kind) -> dict[str, Any]:
        u = kind.unit
        return {f"fixed_{u}": self.fixed, f"per_bit_{u}": self.per_bit, f"per_level_{u}": self.per_level,
                "ref_hz": self.ref_hz, "rate_exponent": self.rate_exponent}

    def describe(self, kind: Kind) -> str:
        b, f = self.bits_param, self.rate_param
        return (f"({self.fixed:g} + {self.per_bit:g} * {b} + {self.per_level:g} * (2^{b} - 1)) "
                f"* ({f}/{self.ref_hz:g})^{self.rate_exponent:g} {kind.label}")


@dataclass(frozen=True)
class Wire(Model):
    """:func:`wire_energy_pj`: the energy of moving bits over an on-chip wire, linear in the bits
    and in the length. The supply ``vdd_v`` must be the library's own (the loader checks it), so
    a library moved to another supply moves its wires with it (``ScalingRule.WIRE``); ``scaled``
    multiplies the switched capacitance, which carries any other factor."""

    bits_param: str
    length_param: str
    capacitance_ff_per_mm: float
    vdd_v: float
    transition_probability: float
    name: ClassVar[str] = "wire"
    kinds: ClassVar[tuple[Kind, ...]] = (Kind.ENERGY,)

    @property
    def params(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.bits_param, self.length_param)

    @property
    def energy_per_bit_mm_pj(self) -> float:
        """The energy of one bit over one mm, (1/2) p C V^2, in pJ."""
        return float(wire_energy_pj(1.0, 1.0, self.capacitance_ff_per_mm, self.vdd_v,
                                    self.transition_probability))

    @classmethod
    def coefficient_keys(cls, kind: Kind) -> tuple[str, ...]:
        return ("capacitance_ff_per_mm", "vdd_v", "transition_probability")

    @classmethod
    def parse(cls, ck, block, key, kind, params):  # type: ignore[no-untyped-def]
        names = tuple(params)
        if sorted(unit_of(p) or "" for p in names) != ["bits", "mm"]:
            ck.error(key, "model 'wire' needs exactly two parameters in the component's 'valid': "
                          f"one measured in bits and one in mm; got {', '.join(names) or 'none'}")
            return None
        if not cls._keys_ok(ck, block, key, kind):
            return None
        positive = {"minimum": 0.0, "exclusive_minimum": True}
        capacitance = _number(ck, block, "capacitance_ff_per_mm", key, **positive)
        vdd = _number(ck, block, "vdd_v", key, maximum=5.0, **positive)
        probability = _number(ck, block, "transition_probability", key, maximum=1.0, **positive)
        if capacitance is None or vdd is None or probability is None:
            return None
        bits = next(p for p in names if unit_of(p) == "bits")
        length = next(p for p in names if unit_of(p) == "mm")
        return cls(bits, length, capacitance, vdd, probability)

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        return wire_energy_pj(values[self.bits_param], values[self.length_param], self.capacitance_ff_per_mm,
                              self.vdd_v, self.transition_probability)

    def scaled(self, factor: float) -> "Wire":
        return replace(self, capacitance_ff_per_mm=self.capacitance_ff_per_mm * factor)

    def at_supply(self, vdd_v: float) -> "Wire":
        """The same wire driven from another supply: E moves as V^2 at constant C."""
        return replace(self, vdd_v=vdd_v)

    def to_dict(self, kind: Kind) -> dict[str, Any]:
        return {"capacitance_ff_per_mm": self.capacitance_ff_per_mm, "vdd_v": self.vdd_v,
                "transition_probability": self.transition_probability}

    def describe(self, kind: Kind) -> str:
        b, mm = self.bits_param, self.length_param
        return (f"0.5 * {self.transition_probability:g} * {self.capacitance_ff_per_mm:g} fF/mm * "
                f"({self.vdd_v:g} V)^2 = {self.energy_per_bit_mm_pj * 1e3:.4g} fJ per bit per mm, "
                f"* {b} * {mm} pJ")


MODELS: dict[str, type[Model]] = {
    "constant": Constant,
    "linear": Linear,
    "product": Product,
    "nlogn": Nlogn,
    "power_law": PowerLaw,
    "table": Table,
    "grid": Grid,
    "adc": Adc,
    "column_adc": ColumnAdc,
    "wire": Wire,
}
