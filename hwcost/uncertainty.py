"""Every cost with its uncertainty: Monte Carlo over the technology library's spreads.

A report's totals are linear in each breakdown row's energy per action and leakage: a row's energy
is its dynamic part (actions x energy per action) plus its static part (leakage x latency), its area
the instances' area. So a sample of the technology multiplies each row's dynamic energy, static energy
and area by a factor, and the totals of the sample are sums -- no re-pricing, one matrix product per
quantity (samples x rows), vectorised over samples.

**Factors.** Each component of the library has a :class:`~hwcost.techlib.spread.Spread` (log-normal
sigmas with their sources, ``docs/uncertainty.md``). A sample draws one standard normal per component
*family* (:class:`Family`) for energy and one for area, and one for leakage shared by every row; a row
priced from component c takes ``exp(sigma_c * z_family(c))``. Correlated within a family (its
components come from one source -- Horowitz's table, Aladdin's library, CACTI's sweep -- whose error
is common to all of them and to every instance of them), independent across families (different
sources, different tools). Leakage is one family: the unknown corner (temperature, process) of the die
moves every transistor's leakage together. Energy and area draw independently (they come from
different columns of the sources, fitted separately). The library value is the median of each factor.

**Node scaling.** The component spreads hold at 45 nm. A library at another node whose component was
produced by a scaling rule of ``hwcost techlib scale`` (its ``derived.method`` names the rule) adds
that rule's node-scaling sigma (:func:`hwcost.techlib.spread.default_node_scaling`, measured on the
CACTI 7 sweeps against the Stillmaker-Baas factors) in quadrature: the row's factor is
``exp(sigma_c z_family + sigma_rule z_library)``, whose log has standard deviation
``sqrt(sigma_c^2 + sigma_rule^2)``. ``z_library`` is one draw per library and quantity
(:func:`scaling_draws`): one set of Stillmaker-Baas factors scales every logic component of a
library, so its error is common to all of them; two libraries draw independently. A component with
its own ``spread:`` block takes that block alone (the user's statement of how sure it is).

**Rows to components.** :data:`ROW_COMPONENTS` maps every breakdown row to the component that prices
it, with the reason. A row priced from several components (an accumulator is an adder and a register)
takes its dominant one: the report does not give the parts. A row whose cost is pinned by the user
(``source`` other than ``techlib``) is not uncertain here. Latency is deterministic given the design
(clock, widths, bandwidths); static energy scales with leakage.

>>> import hwcost
>>> r = hwcost.evaluate("lsq", 4)
>>> b = r.band(samples=200, seed=1)
>>> b.energy_pj.p10 < r.energy_pj < b.energy_pj.p90
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

import zlib

import numpy as np

from hwcost.errors import HwcostError
from hwcost.techlib import TechLib, load_techlib
from hwcost.techlib.library import VariantComponent
from hwcost.techlib.spread import default_node_scaling, scaling_rule_of

__all__ = ["Family", "FAMILY_OF", "RowSource", "ROW_COMPONENTS", "Quantiles", "Band", "RatioBand", "Samples",
           "sample", "band", "ratio_bands", "DEFAULT_SAMPLES", "QUANTILES", "RowSigmas", "row_sigmas", "draws",
           "sample_rows", "MAX_SAMPLES", "scaling_draws", "node_scaling_sigmas", "library_key", "DISCREPANCY_KEY",
           "discrepancy_draws"]

DEFAULT_SAMPLES = 1000
QUANTILES = (0.1, 0.5, 0.9)


class Family(Enum):
    """Components whose errors move together (one source, one tool)."""

    SRAM = "sram"  # one CACTI 7 sweep: the SRAM table and the register-file law (one tool, one setting)
    DRAM = "dram"  # one table of standards
    INT_ARITH = "integer arithmetic"  # Horowitz's integer rows
    FP_ARITH = "floating-point arithmetic"  # Horowitz's FP rows
    ALADDIN_LOGIC = "aladdin logic"  # shifters, comparators, muxes: Aladdin's 40 nm library
    GATES = "logic gates"  # ZigZag-IMC's gate calibration: its gates and its flip-flop (register)
    COLUMN_ADC = "column adc"  # the column-readout fit
    DAC = "dac"
    CIM_CELL = "cim cell"
    WIRE = "wire"  # one law (C V^2 per bit per mm)


FAMILY_OF: dict[str, Family] = {
    "sram": Family.SRAM, "regfile": Family.SRAM, "dram": Family.DRAM, "int_adder": Family.INT_ARITH,
    "int_multiplier": Family.INT_ARITH,
    "fp_adder": Family.FP_ARITH, "fp_multiplier": Family.FP_ARITH, "register": Family.GATES,
    "shifter": Family.ALADDIN_LOGIC, "comparator": Family.ALADDIN_LOGIC, "mux": Family.ALADDIN_LOGIC,
    "logic_gate": Family.GATES, "column_adc": Family.COLUMN_ADC, "adc": Family.COLUMN_ADC, "dac": Family.DAC,
    "cim_cell": Family.CIM_CELL, "wire": Family.WIRE,
}


@dataclass(frozen=True)
class RowSource:
    """The component that prices a breakdown row (its energy and area), the one its leakage comes
    from, and why."""

    component: str
    reason: str
    leakage_component: str | None = None  # None: the same component

    @property
    def leaks_from(self) -> str:
        return self.leakage_component or self.component


_ADD = "an integer adder ({}); the report does not split off its register"
# Every breakdown row of every template (tests/test_uncertainty.py walks the row enums against it).
ROW_COMPONENTS: dict[str, RowSource] = {
    # the classifier's units (hwcost/classify/rules.py): their component in an integer scheme
    "mac_multiplier": RowSource("int_multiplier", "the w x a product; an FP scheme's fp_multiplier is not told "
                                                  "apart by the report"),
    "accumulator": RowSource("int_adder", _ADD.format("adds each product into the partial sum")),
    "bias_adder": RowSource("int_adder", "an integer adder"),
    "bias_memory": RowSource("sram", "a table of bias words: SRAM (a small one in registers is not told apart)"),
    "dequant_multiplier": RowSource("int_multiplier", "operand x scale, an integer multiplier"),
    "dequant_shifter": RowSource("shifter", "a power-of-two scale: a shifter"),
    "zero_point_window_sum": RowSource("int_adder", "sums the input window: adders"),
    "zero_point_multiplier": RowSource("int_multiplier", "Z_w x window sum"),
    "zero_point_subtractor": RowSource("int_adder", "a subtraction"),
    "bn_multiplier": RowSource("int_multiplier", "gamma' x acc (an FP BN's fp_multiplier is not told apart)"),
    "bn_adder": RowSource("int_adder", "+ beta'"),
    "bn_parameter_memory": RowSource("sram", "a table of BN parameters"),
    "requant_multiplier": RowSource("int_multiplier", "acc x M0"),
    "requant_shifter": RowSource("shifter", "the rounding right shift"),
    "scale_memory": RowSource("sram", "a table of scales"),
    "int_to_fp": RowSource("shifter", "normalisation: a shifter (as the classifier prices it)"),
    "fp_multiplier": RowSource("fp_multiplier", "the float rescale"),
    "fp_to_int": RowSource("shifter", "denormalisation: a shifter"),
    "output_zero_point_adder": RowSource("int_adder", "+ Z_out"),
    "clamp": RowSource("comparator", "two comparisons"),
    "threshold_comparator": RowSource("comparator", "a binary layer's popcount >= threshold: a comparator"),
    "threshold_memory": RowSource("sram", "a table of per-channel thresholds"),
    # memory system and element-wise layers (hwcost/arch/shared)
    "glb": RowSource("sram", "the global buffer's SRAM banks"),
    "dram": RowSource("dram", "off-chip traffic"),
    "elementwise": RowSource("int_adder", "residual and pooling adds and the rescale's multiplies (integer adders "
                                          "and multipliers share one family and sigma) or shifts, not split"),
    # MAC array (hwcost/arch/mac_array)
    "pe_registers": RowSource("register", "the PEs' pipeline registers"),
    # row stationary's scratchpads: the weight one (224 words by default, the largest share) is a
    # CACTI register file; those below 64 words are flip-flops and muxes, spread here as SRAM too
    "pe_spads": RowSource("regfile", "the PEs' scratchpads (row stationary)"),
    "shift_add": RowSource("int_adder", _ADD.format("combines bit-slice partial products; on the CIM macro, "
                                                    "the column shift-add")),
    "acc_buffer": RowSource("sram", "the partial-sum SRAM"),
    "input_buffer": RowSource("sram", "the line buffer's SRAM"),
    "noc": RowSource("wire", "the wires between the global buffer and the array"),
    # CIM macro (hwcost/arch/cim_macro)
    "cim_cells": RowSource("cim_cell", "the bit cells; their leakage is priced from the sram law", "sram"),
    "dac": RowSource("dac", "the row drivers"),
    "adc": RowSource("column_adc", "the column readouts"),
    "row_group_accumulator": RowSource("int_adder", _ADD.format("adds the row groups' partial sums")),
    "signed_weight_correction": RowSource("int_adder", "the offset encoding's correction adds"),
    "weight_writes": RowSource("sram", "writing weights into the cells: the sram write energy per bit"),
    # digital CIM (hwcost/arch/digital_cim)
    "dcim_cells": RowSource("cim_cell", "the 6T cells' area; their leakage from the sram law", "sram"),
    "bitwise_gates": RowSource("logic_gate", "the NOR2 bitwise products"),
    "adder_trees": RowSource("int_adder", "adder trees"),
    "shift_accumulators": RowSource("int_adder", _ADD.format("shift-accumulate of the trees' sums")),
    "input_registers": RowSource("register", "the input bit registers"),
    "dcim_row_group_accumulator": RowSource("int_adder", _ADD.format("adds the row groups' partial sums")),
    "dcim_weight_writes": RowSource("sram", "writing weights into the cells: the sram write energy per bit"),
}


class _Row(Protocol):
    unit: str
    energy_pj: float
    static_pj: float
    area_um2: float
    source: str


class CostReport(Protocol):
    """What a band needs of a :class:`hwcost.report.CostReport` (which calls into this module, so
    this module does not import it)."""

    breakdown: Sequence[_Row]
    macs: float
    node: str
    scheme: str
    arch: str


@dataclass(frozen=True)
class Quantiles:
    """p10, p50, p90 of one quantity over the samples."""

    p10: float
    p50: float
    p90: float

    def as_dict(self) -> dict[str, float]:
        return {"p10": self.p10, "p50": self.p50, "p90": self.p90}


def _quantiles(values: np.ndarray) -> Quantiles:
    return Quantiles(*(float(q) for q in np.quantile(values, QUANTILES)))


@dataclass(frozen=True)
class Samples:
    """The totals of one report under each sample of the technology (arrays of shape (samples,))."""

    energy_pj: np.ndarray
    static_energy_pj: np.ndarray
    area_um2: np.ndarray
    macs: float

    @property
    def tops_per_w(self) -> np.ndarray:
        return 2 * self.macs / self.energy_pj


@dataclass(frozen=True)
class Band:
    """p10 / p50 / p90 of a report's energy, static energy, TOPS/W and area under its technology's
    spreads (``samples`` draws from ``seed``). Latency is the design's: not uncertain."""

    samples: int
    seed: int
    energy_pj: Quantiles
    static_energy_pj: Quantiles
    tops_per_w: Quantiles
    area_um2: Quantiles

    def as_dict(self) -> dict[str, Any]:
        return {"samples": self.samples, "seed": self.seed,
                **{name: getattr(self, name).as_dict() for name in BAND_TOTALS}}


BAND_TOTALS = ("energy_pj", "static_energy_pj", "tops_per_w", "area_um2")


@dataclass(frozen=True)
class RatioBand:
    """A ratio between two designs computed per sample (shared uncertainty cancels): its quantiles
    and the probability that the second design beats the first (lower energy or area, higher TOPS/W)."""

    total: str
    ratio: Quantiles
    p_better: float

    def as_dict(self) -> dict[str, Any]:
        return {"total": self.total, **self.ratio.as_dict(), "p_better": self.p_better}


def _lib_of(report: CostReport, techlib: TechLib | None) -> TechLib:
    if techlib is not None:
        return techlib
    try:
        return load_techlib(report.node)
    except HwcostError:
        raise HwcostError.single(f"the report's library '{report.node}' is not a shipped library or a file: pass "
                                 "the TechLib it was priced with (techlib=...)", key="techlib") from None


# A bound on the draws, so a typo cannot ask for more memory than a laptop has: sampling a
# ResNet-18 report (14 rows) peaks at about 400 B per sample (tracemalloc), 0.4 GB at the bound.
MAX_SAMPLES = 1_000_000


def _normals(samples: int, seed: int) -> np.ndarray:
    """(samples, 2 x families + 1): energy z per family, area z per family, the leakage z."""
    if not isinstance(samples, int) or isinstance(samples, bool) or not 1 <= samples <= MAX_SAMPLES:
        raise HwcostError.single(f"expected a whole number of samples 1..{MAX_SAMPLES:,}; got {samples!r}", key="samples")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise HwcostError.single(f"expected a whole number >= 0; got {seed!r}", key="seed")
    return np.random.default_rng(seed).standard_normal((samples, 2 * len(Family) + 1))


@dataclass(frozen=True)
class RowSigmas:
    """Per breakdown row (arrays of shape (rows,)): the log-normal sigma of its energy per action,
    of its area and of its leakage, and the index of its component's :class:`Family`. A row the
    user pinned has sigma 0 everywhere."""

    energy: np.ndarray
    area: np.ndarray
    leakage: np.ndarray
    family: np.ndarray
    # (3, rows): the node-scaling sigma of each row's energy, area and leakage (node_scaling_sigmas),
    # drawn once per library (scaling_draws of ``library``, its library_key); None: no row was scaled.
    scaling: np.ndarray | None = None
    library: str = ""


def node_scaling_sigmas(lib: TechLib, component: str) -> tuple[float, float, float]:
    """The node-scaling sigmas (energy, area, leakage) ``component`` of ``lib`` adds to its 45 nm
    spread: those of the rule its ``derived.method`` names, for the library's flavour; 0 for a
    library at the spreads' own node (45 nm), a component not produced by a scaling rule, or one
    with its own ``spread:`` block. Variants scaled by different rules take the largest sigma of
    each quantity.

    >>> from hwcost.techlib import load_techlib
    >>> node_scaling_sigmas(load_techlib("7nm"), "int_adder"), node_scaling_sigmas(load_techlib("45nm"), "int_adder")
    ((0.1347, 0.1816, 0.2892), (0.0, 0.0, 0.0))
    """
    table = default_node_scaling()
    comp = lib.components.get(component)
    if lib.node_nm == table.node_nm or comp is None or comp.spread is not None:
        return (0.0, 0.0, 0.0)
    records = [comp.derived] + (list(v.derived for v in comp.variants.values())
                                if isinstance(comp, VariantComponent) else [])
    rules = {scaling_rule_of(d.method) for d in records if d is not None} - {None}
    spreads = [table.of(rule, lib.flavour.value) for rule in sorted(rules)]  # type: ignore[arg-type]
    return (max((sp.energy_sigma for sp in spreads), default=0.0), max((sp.area_sigma for sp in spreads), default=0.0),
            max((sp.leakage_sigma for sp in spreads), default=0.0))


def library_key(lib: TechLib) -> str:
    """What names a library's node-scaling draw: its name, node, flavour and supply (the scaler
    names a library by its node alone, so an HP and an LP 22 nm library share a name, not a draw).

    >>> from hwcost.techlib import load_techlib
    >>> library_key(load_techlib("7nm"))
    '7nm 7 nm HP 0.7 V'
    """
    return f"{lib.name} {lib.node_nm:g} nm {lib.flavour.value} {lib.vdd_v:g} V"


def scaling_draws(samples: int, seed: int, library: str) -> np.ndarray:
    """The node-scaling standard normals of ``library`` (shape (samples, 3): energy, area, leakage),
    one per sample and quantity, shared by every component of the library: drawn from ``seed`` and
    the CRC-32 of ``library`` (:func:`library_key`, ``RowSigmas.library``), so two designs on one
    library share them and two libraries draw independently; the family draws (:func:`draws`) are
    not touched."""
    _normals(samples, seed)  # the same checks
    return np.random.default_rng([seed, zlib.crc32(library.encode())]).standard_normal((samples, 3))


DISCREPANCY_KEY = "model-form discrepancy"  # names the stream of discrepancy_draws


def discrepancy_draws(samples: int, seed: int) -> np.ndarray:
    """Standard normals, shape (samples,), for the model-form discrepancy of a prediction against
    silicon (:mod:`hwcost.validation.prediction`): drawn from ``seed`` and the CRC-32 of
    :data:`DISCREPANCY_KEY`, as :func:`scaling_draws` draws a library's, so they are independent of
    the family draws (:func:`draws`, ``default_rng(seed)``) and of every library's scaling draws,
    and the same for every chip (a discrepancy common to two designs cancels in their ratio).

    >>> a, b = discrepancy_draws(3, 0), discrepancy_draws(3, 0)
    >>> bool((a == b).all()), a.shape, bool((a != draws(3, 0)[:, 0]).all())
    (True, (3,), True)
    """
    _normals(samples, seed)  # the same checks
    return np.random.default_rng([seed, zlib.crc32(DISCREPANCY_KEY.encode())]).standard_normal(samples)


def row_sigmas(units: Sequence[str], sources: Sequence[str], lib: TechLib) -> RowSigmas:
    """The sigmas of breakdown rows named ``units`` (``BreakdownRow.unit``) priced from ``sources``
    (``BreakdownRow.source``: ``techlib``, or what pinned the row) in ``lib``
    (:data:`ROW_COMPONENTS` names each row's component)."""
    families = list(Family)
    out = np.zeros((4, len(units)))
    scaling = np.zeros((3, len(units)))
    for i, (name, source) in enumerate(zip(units, sources, strict=True)):
        unit = name.split("@")[0]
        if unit not in ROW_COMPONENTS:
            raise HwcostError.single(f"no component is known for the breakdown row '{name}': add it to "
                                     "hwcost.uncertainty.ROW_COMPONENTS", key=name)
        if source != "techlib":  # pinned by the user: their number, not the library's
            continue
        src = ROW_COMPONENTS[unit]
        spread, leak = lib.spread_of(src.component), lib.spread_of(src.leaks_from)
        out[0, i] = spread.energy_sigma if spread else 0.0
        out[1, i] = spread.area_sigma if spread else 0.0
        out[2, i] = leak.leakage_sigma if leak else 0.0
        out[3, i] = families.index(FAMILY_OF[src.component])
        energy_s, area_s, _ = node_scaling_sigmas(lib, src.component)
        scaling[:, i] = energy_s, area_s, node_scaling_sigmas(lib, src.leaks_from)[2]
    return RowSigmas(out[0], out[1], out[2], out[3].astype(int), scaling if scaling.any() else None, library_key(lib))


def draws(samples: int = DEFAULT_SAMPLES, seed: int = 0) -> np.ndarray:
    """The standard normals of ``samples`` draws from ``seed``, shape (samples, 2 x families + 1):
    the energy z of each :class:`Family`, the area z of each, the leakage z. The same seed gives
    the same draws to every design point, so what points share cancels between them."""
    return _normals(samples, seed)


def sample_rows(dynamic_pj: np.ndarray, static_pj: np.ndarray, area_um2: np.ndarray, sigmas: RowSigmas,
                z: np.ndarray, scaling_z: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`sample`'s closed form for many design points at once, whose breakdown rows share
    ``sigmas``: ``dynamic_pj``, ``static_pj`` and ``area_um2`` have shape (points, rows) (a row a
    point lacks is 0), ``z`` is :func:`draws`' (samples, 2F + 1). Returns energy, static energy
    and area, each (samples, points)::

        E[s, p] = sum_r dyn[p, r] exp(sigmaE_r zE[s, f(r)]) + static[s, p]
        static[s, p] = sum_r static[p, r] exp(sigmaL_r zL[s])
        A[s, p] = sum_r area[p, r] exp(sigmaA_r zA[s, f(r)])

    One matrix product per quantity, (samples x rows) @ (rows x points). A row of a node-scaled
    library adds ``sigma_scaled_r zS[s]`` to each exponent, ``zS`` being ``scaling_z``
    (:func:`scaling_draws` of ``sigmas.library``), required when ``sigmas.scaling`` is set.

    >>> z = draws(4, 0)
    >>> s = RowSigmas(np.array([0.0]), np.array([0.0]), np.array([0.0]), np.array([0]))
    >>> e, st, a = sample_rows(np.array([[2.0]]), np.array([[1.0]]), np.array([[5.0]]), s, z)
    >>> e[:, 0].tolist(), a[:, 0].tolist()
    ([3.0, 3.0, 3.0, 3.0], [5.0, 5.0, 5.0, 5.0])
    """
    e_log, a_log, l_log = _log_factors(sigmas, z, scaling_z)
    static_s = np.exp(l_log) @ np.asarray(static_pj, dtype=float).T
    energy_s = np.exp(e_log) @ np.asarray(dynamic_pj, dtype=float).T + static_s
    area_s = np.exp(a_log) @ np.asarray(area_um2, dtype=float).T
    return energy_s, static_s, area_s


def _log_factors(sigmas: RowSigmas, z: np.ndarray, scaling_z: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """ln of each row's energy, area and leakage factor per sample, (samples, rows) each."""
    n = len(Family)
    e_log = z[:, sigmas.family] * sigmas.energy
    a_log = z[:, n + sigmas.family] * sigmas.area
    l_log = z[:, 2 * n:] * sigmas.leakage
    if sigmas.scaling is None:
        return e_log, a_log, l_log
    if scaling_z is None or scaling_z.shape != (len(z), 3):
        raise HwcostError.single(f"the rows of library '{sigmas.library}' carry a node-scaling spread: pass "
                                 "scaling_z=scaling_draws(samples, seed, sigmas.library)", key="scaling_z")
    return (e_log + scaling_z[:, :1] * sigmas.scaling[0], a_log + scaling_z[:, 1:2] * sigmas.scaling[1],
            l_log + scaling_z[:, 2:] * sigmas.scaling[2])


def sample(report: CostReport, samples: int = DEFAULT_SAMPLES, seed: int = 0,
           techlib: TechLib | None = None) -> Samples:
    """The report's totals under ``samples`` draws of its library's spreads; the same seed draws
    the same factors for every report, so per-sample ratios cancel what two designs share."""
    z = _normals(samples, seed)
    lib = _lib_of(report, techlib)
    sigmas = row_sigmas([r.unit for r in report.breakdown], [r.source for r in report.breakdown], lib)
    scaling_z = None if sigmas.scaling is None else scaling_draws(samples, seed, sigmas.library)
    e_log, a_log, l_log = _log_factors(sigmas, z, scaling_z)
    static = np.array([r.static_pj for r in report.breakdown])
    dynamic = np.array([r.energy_pj for r in report.breakdown]) - static
    area = np.array([r.area_um2 for r in report.breakdown])
    static_s = np.exp(l_log) @ static
    energy_s = np.exp(e_log) @ dynamic + static_s
    area_s = np.exp(a_log) @ area
    return Samples(energy_s, static_s, area_s, report.macs)


def band(report: CostReport, samples: int = DEFAULT_SAMPLES, seed: int = 0, techlib: TechLib | None = None) -> Band:
    """p10 / p50 / p90 of the report's totals (:func:`sample`)."""
    s = sample(report, samples, seed, techlib)
    if not (s.energy_pj > 0).all():
        raise HwcostError.single(f"the energy of {report.scheme} on {report.arch} is 0: no TOPS/W band",
                                 key="tops_per_w")
    return Band(samples, seed, _quantiles(s.energy_pj), _quantiles(s.static_energy_pj), _quantiles(s.tops_per_w),
                _quantiles(s.area_um2))


def ratio_bands(first: CostReport, second: CostReport, samples: int = DEFAULT_SAMPLES, seed: int = 0,
                techlibs: tuple[TechLib | None, TechLib | None] = (None, None)) -> tuple[RatioBand, ...]:
    """``second / first`` of energy, TOPS/W and area per sample, both drawn from one seed."""
    a = sample(first, samples, seed, techlibs[0])
    b = sample(second, samples, seed, techlibs[1])
    out = []
    for total, higher_better in (("energy_pj", False), ("tops_per_w", True), ("area_um2", False)):
        x, y = getattr(a, total), getattr(b, total)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = y / x
        if not np.isfinite(ratio).all():
            continue  # a total that is 0 (DRAM area): no ratio
        better = y > x if higher_better else y < x
        out.append(RatioBand(total, _quantiles(ratio), float(better.mean())))
    return tuple(out)
