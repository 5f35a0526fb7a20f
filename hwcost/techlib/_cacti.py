"""SRAM from the CACTI 7 sweep: the table itself (default) or the power law fitted to it.

The sweep (``hwcost/data/techscaling/cacti7_sram_sweep.yaml``, itrs-hp devices, and
``cacti7_sram_lstp.yaml``, low-standby-power ones; each states the CACTI 7 settings) gives read and
write energy per access, area and leakage on a full grid of capacities x port widths at 65, 45,
32, 28 and 22 nm (LSTP: 65, 45, 32, 22 nm). A library prices its SRAM by one of two models
(:class:`SramModel`), both built here from one node's rows:

- ``table`` (the default of the shipped libraries): CACTI's own numbers at the sweep's points,
  bilinear in (ln C, ln W) of ln y between them (:func:`hwcost.techlib.models.grid_interpolate`,
  model ``grid`` in a library file). Exact at every row; valid over the grid (its hull), nowhere
  else: the library's ``valid`` range is the grid's, so a query outside it is refused, never
  extrapolated. How far it may be off between the rows is measured by :func:`leave_one_out`.
- ``power_law``: y = ref * (C / 8192 B)^a * (W / 64 b)^b, least squares in log space over the
  node's rows, coefficients to 4 significant digits (the model ``power_law``; hwcost's SRAM before
  issue 15). It misses CACTI's 45 nm read energy by 23.6 % rms, 57 % at worst.

The scaler (rule ``sram-cacti``, or ``sram-cacti-law`` for the law) builds the component at the
target node where the sweep covers it; elsewhere the caller falls back to logic scaling, flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from pathlib import Path

import numpy as np

from hwcost._config import read_yaml
from hwcost.errors import HwcostError
from hwcost.techlib._stillmaker import NodeFit, round_sig
from hwcost.techlib.library import ComponentModel, Derivation, Flavour, Quantity
from hwcost.techlib.models import Grid, Kind, Model, ParamRange, PowerLaw

__all__ = [
    "SramModel", "PowerLawFit", "SramFit", "SramGrid", "Residuals", "fit_power_law", "sram_fit", "sram_grid",
    "leave_one_out", "sram_component", "cacti_nodes", "DATA_FILE", "LSTP_FILE",
]


class SramModel(Enum):
    """How a library prices its SRAM from the CACTI 7 sweep (module docstring)."""

    TABLE = "table"  # the rows, log-log bilinear between them
    POWER_LAW = "power_law"  # one power law per quantity, fitted to the rows

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "techscaling" / "cacti7_sram_sweep.yaml"
LSTP_FILE = DATA_FILE.with_name("cacti7_sram_lstp.yaml")  # low-standby-power cells, for LP libraries
REF_CAPACITY_BYTES = 8192
REF_WIDTH_BITS = 64


@dataclass(frozen=True)
class PowerLawFit:
    """y = ref * (C / 8192)^capacity_exponent * (W / 64)^width_exponent, and its relative
    residuals (fit / data - 1) over the rows it was fitted to."""

    ref: float
    capacity_exponent: float
    width_exponent: float
    rms_residual: float
    median_abs_residual: float
    max_abs_residual: float

    def describe(self) -> str:
        return (f"{self.rms_residual:.1%} / {self.median_abs_residual:.0%} / "
                f"{self.max_abs_residual:.0%}")


@dataclass(frozen=True)
class SramFit:
    """The three power laws at one node and the range of the rows they were fitted to."""

    node_nm: float
    rows: int
    devices: str  # "itrs-hp" or "itrs-lstp" cells
    capacity_bytes: tuple[int, int]
    width_bits: tuple[int, int]
    read_pj: PowerLawFit
    write_pj: PowerLawFit
    area_um2: PowerLawFit
    leakage_mw: PowerLawFit  # against capacity alone (width exponent 0)


def fit_power_law(capacity_bytes: np.ndarray, width_bits: np.ndarray, y: np.ndarray,
                  with_width: bool = True) -> PowerLawFit:
    """Least squares of log y on log(C / 8192) and log(W / 64); coefficients to 4 significant
    digits, residuals of the rounded law.

    >>> c = np.array([1024.0, 8192, 65536, 8192]); w = np.array([64.0, 64, 64, 256])
    >>> fit = fit_power_law(c, w, 5.0 * (c / 8192) ** 0.5 * (w / 64) ** 0.25)
    >>> fit.ref, fit.capacity_exponent, fit.width_exponent, fit.max_abs_residual < 1e-12
    (5.0, 0.5, 0.25, True)
    """
    x_c, x_w = np.log(capacity_bytes / REF_CAPACITY_BYTES), np.log(width_bits / REF_WIDTH_BITS)
    if with_width:
        design = np.column_stack([np.ones_like(x_c), x_c, x_w])
        (log_ref, a, b), *_ = np.linalg.lstsq(design, np.log(y), rcond=None)
    else:  # the quantity does not depend on the port width (leakage): exponent 0
        (log_ref, a), *_ = np.linalg.lstsq(np.column_stack([np.ones_like(x_c), x_c]), np.log(y), rcond=None)
        b = 0.0
    ref, a, b = round_sig(float(np.exp(log_ref)), 4), round_sig(float(a), 4), round_sig(float(b), 4)
    residual = ref * np.exp(a * x_c + b * x_w) / y - 1.0
    return PowerLawFit(
        ref, a, b,
        rms_residual=float(np.sqrt(np.mean(residual**2))),
        median_abs_residual=float(np.median(np.abs(residual))),
        max_abs_residual=float(np.max(np.abs(residual))),
    )


@dataclass(frozen=True)
class SramGrid:
    """One node's rows as a grid: ``read_pj[i][j]`` at ``capacity_bytes[i]`` x ``width_bits[j]``."""

    node_nm: float
    devices: str  # "itrs-hp" or "itrs-lstp" cells
    capacity_bytes: tuple[float, ...]
    width_bits: tuple[float, ...]
    read_pj: tuple[tuple[float, ...], ...]
    write_pj: tuple[tuple[float, ...], ...]
    area_um2: tuple[tuple[float, ...], ...]
    leakage_mw: tuple[tuple[float, ...], ...]

    @property
    def rows(self) -> int:
        return len(self.capacity_bytes) * len(self.width_bits)


@dataclass(frozen=True)
class Residuals:
    """Relative residuals (prediction / CACTI - 1) and the rms of their natural log."""

    count: int
    rms: float
    median_abs: float
    max_abs: float
    rms_log: float

    def describe(self) -> str:
        return f"{self.rms:.1%} / {self.median_abs:.0%} / {self.max_abs:.0%}"


def cacti_nodes() -> tuple[float, ...]:
    """The nodes the CACTI 7 sweep covers, e.g. (65.0, 45.0, 32.0, 28.0, 22.0)."""
    nodes = _rows()[:, 0]
    return tuple(float(n) for n in sorted(set(nodes), reverse=True))


def _node_rows(node_nm: float, low_power: bool) -> tuple[np.ndarray, str]:
    """The rows at ``node_nm``: LSTP ones when ``low_power`` and the LSTP sweep has the node, else
    the high-performance ones; and which devices they are."""
    lstp = _rows(LSTP_FILE)
    use_lstp = low_power and bool((lstp[:, 0] == node_nm).any())
    rows = lstp if use_lstp else _rows(DATA_FILE)
    at = rows[rows[:, 0] == node_nm]
    if not len(at):
        covered = ", ".join(f"{n:g}" for n in cacti_nodes())
        raise HwcostError.single(
            f"the CACTI 7 SRAM sweep has no rows at {node_nm:g} nm; it covers {covered} nm"
        )
    return at, "itrs-lstp" if use_lstp else "itrs-hp"


def sram_fit(node_nm: float, low_power: bool = False) -> SramFit:
    """Refit the SRAM power laws on the CACTI 7 rows at ``node_nm``: the high-performance sweep,
    or with ``low_power`` the low-standby-power one where it has the node (else the high-performance
    one, which ``devices`` then says)."""
    at, devices = _node_rows(node_nm, low_power)
    capacity, width = at[:, 1], at[:, 2]
    return SramFit(
        node_nm=node_nm,
        rows=len(at),
        devices=devices,
        capacity_bytes=(int(capacity.min()), int(capacity.max())),
        width_bits=(int(width.min()), int(width.max())),
        read_pj=fit_power_law(capacity, width, at[:, 3]),
        write_pj=fit_power_law(capacity, width, at[:, 4]),
        area_um2=fit_power_law(capacity, width, at[:, 5] * 1e6),  # mm2 -> um2
        leakage_mw=fit_power_law(capacity, width, at[:, 6], with_width=False),
    )


def sram_grid(node_nm: float, low_power: bool = False) -> SramGrid:
    """The CACTI 7 rows at ``node_nm`` (chosen as :func:`sram_fit` chooses them) as a grid; an
    error if they do not fill one (every capacity at every width, once).

    >>> g = sram_grid(45)
    >>> g.rows, g.width_bits, g.read_pj[g.capacity_bytes.index(131072)][1]   # 128 KiB x 64 b
    (52, (32.0, 64.0, 128.0, 256.0), 32.9568)
    """
    at, devices = _node_rows(node_nm, low_power)
    capacities, widths = sorted(set(at[:, 1].tolist())), sorted(set(at[:, 2].tolist()))
    cell = {(c, w): row for c, w, *row in at[:, 1:].tolist()}
    if len(at) != len(capacities) * len(widths) or len(cell) != len(at):
        raise HwcostError.single(
            f"the CACTI 7 rows at {node_nm:g} nm ({devices}) do not form a grid: {len(at)} rows for "
            f"{len(capacities)} capacities x {len(widths)} widths", file=str(LSTP_FILE if devices == "itrs-lstp" else DATA_FILE))

    def column(k: int, scale: float = 1.0) -> tuple[tuple[float, ...], ...]:
        # mm2 -> um2 by 1e6, to 6 significant digits (the CACTI figures have at most 6)
        return tuple(tuple(round_sig(cell[(c, w)][k] * scale, 6) for w in widths) for c in capacities)

    return SramGrid(node_nm, devices, tuple(capacities), tuple(widths),
                    column(0), column(1), column(2, 1e6), column(3))


def leave_one_out(capacity_bytes: tuple[float, ...], width_bits: tuple[float, ...],
                  values: tuple[tuple[float, ...], ...]) -> Residuals:
    """How far the log-log table is off between its points: each interior grid line in turn is left
    out and its points are interpolated from the two neighbouring lines (a 1-D log-log
    interpolation across a gap twice the table's), along capacities and along widths. Every
    interior point gives one residual per axis it is interior to. The gaps are twice those of the
    table, so this overstates the error of the full table at its midpoints.

    >>> loo = leave_one_out((1.0, 2.0, 4.0), (1.0, 2.0), ((1.0, 1.0), (2.0, 2.0), (4.0, 4.0)))
    >>> loo.count, loo.max_abs < 1e-12     # an exact power law in C is predicted exactly
    (2, True)
    """
    x, y, z = np.log(capacity_bytes), np.log(width_bits), np.log(np.asarray(values, dtype=float))
    logs = []
    for axis, t in ((0, x), (1, y)):
        zz = z if axis == 0 else z.T
        u = (t[1:-1] - t[:-2]) / (t[2:] - t[:-2])
        predicted = (1 - u)[:, None] * zz[:-2] + u[:, None] * zz[2:]
        logs.append((predicted - zz[1:-1]).ravel())
    log_residual = np.concatenate(logs)
    relative = np.expm1(log_residual)
    return Residuals(len(log_residual), float(np.sqrt(np.mean(relative**2))),
                     float(np.median(np.abs(relative))), float(np.max(np.abs(relative))),
                     float(np.sqrt(np.mean(log_residual**2))))


def sram_component(name: str, node_nm: float, energy_factor: float, target: NodeFit,
                   flavour: Flavour, model: SramModel = SramModel.TABLE) -> ComponentModel:
    """The SRAM component of a scaled library at ``node_nm`` (LSTP rows for an LP ``flavour``
    where the sweep has them): the table or the refit laws, energies x ``energy_factor`` (the
    fitted supply factor E(V) / E(V_nominal); 1 at the nominal supply)."""
    low_power = flavour is Flavour.LP
    grid = sram_grid(node_nm, low_power)
    fit = sram_fit(node_nm, low_power)

    def quantity(kind: Kind, values: tuple[tuple[float, ...], ...], law: PowerLawFit, factor: float) -> Quantity:
        built: Model
        if model is SramModel.TABLE:
            built = Grid(("capacity_bytes", "width_bits"), (grid.capacity_bytes, grid.width_bits), values, True)
        else:
            built = PowerLaw(("capacity_bytes", "width_bits"), law.ref, (REF_CAPACITY_BYTES, REF_WIDTH_BITS),
                             (law.capacity_exponent, law.width_exponent))
        return Quantity(kind, built).scaled(factor) if factor != 1.0 else Quantity(kind, built)

    node = f"{node_nm:g} nm"
    lp = (" The sweep has no low-standby-power rows at this node: itrs-hp cells and periphery although "
          "the logic flavour is LP." if low_power and grid.devices == "itrs-hp" else "")
    sweep = ("hwcost/data/techscaling/cacti7_sram_lstp.yaml" if grid.devices == "itrs-lstp"
             else "hwcost/data/techscaling/cacti7_sram_sweep.yaml")
    cells = ("itrs-lstp cells and itrs-lop periphery" if grid.devices == "itrs-lstp"
             else "itrs-hp cells and periphery")
    how = ("the table (log-log bilinear between the rows)" if model is SramModel.TABLE
           else "power laws refitted")
    derived = Derivation(
        f"CACTI 7 sweep at {node} ({sweep})",
        f"{'sram-cacti' if model is SramModel.TABLE else 'sram-cacti-law'}: {how} at {node}; energy x "
        f"the {target.label} supply factor E(V) / E(V_nominal = {target.vdd_nominal_v:g} V)",
        energy_factor, 1.0,
        "The sweep is taken to be at the node's nominal supply (CACTI's own itrs-hp supply is not "
        "recorded in it)." + lp,
    )
    return ComponentModel(
        name=name,
        source=(f"CACTI 7 sweep at {node} [C]: CACTI 7 as vendored in KULeuven-MICAS/zigzag-imc, "
                "default cache.cfg options (\"ram\" type, UCA, 1 bank, 1 read-write port, "
                f"ECC off, {cells}, 360 K); the "
                f"{grid.rows} rows with tech_nm = {node_nm:g} of {sweep}."),
        params={"capacity_bytes": ParamRange("capacity_bytes", *fit.capacity_bytes, True),
                "width_bits": ParamRange("width_bits", *fit.width_bits, True)},
        energy={"read": quantity(Kind.ENERGY, grid.read_pj, fit.read_pj, energy_factor),
                "write": quantity(Kind.ENERGY, grid.write_pj, fit.write_pj, energy_factor)},
        area=quantity(Kind.AREA, grid.area_um2, fit.area_um2, 1.0),
        # CACTI's leakage at the node's nominal supply, scaled like the dynamic energy with it.
        leakage=quantity(Kind.LEAKAGE, grid.leakage_mw, fit.leakage_mw, energy_factor),
        note=_table_note(grid) if model is SramModel.TABLE else _law_note(fit),
        derived=derived,
    )


def _table_note(grid: SramGrid) -> str:
    loo = [leave_one_out(grid.capacity_bytes, grid.width_bits, v)
           for v in (grid.read_pj, grid.write_pj, grid.area_um2, grid.leakage_mw)]
    return (f"Each quantity is CACTI's own value at the {grid.rows} rows (model grid: exact there) and "
            "log-log bilinear between them: ln y bilinear in ln C and ln W. Leave-one-out residuals, "
            "each interior grid line predicted from its two neighbours across twice the table's gap "
            f"(rms / median |e| / max |e|): read {loo[0].describe()}; write {loo[1].describe()}; area "
            f"{loo[2].describe()}; leakage ({grid.devices} devices) {loo[3].describe()}. The power law "
            "fitted to the same rows (rule sram-cacti-law) misses them by more; docs/techlib.md.")


def _law_note(fit: SramFit) -> str:
    return (f"Each quantity is a power law y = ref * (C/8192 B)^a * (W/64 b)^b fitted by least "
            f"squares in log space over the {fit.rows} rows. Relative residuals "
            f"(rms / median |e| / max |e|): read {fit.read_pj.describe()}; write "
            f"{fit.write_pj.describe()}; area {fit.area_um2.describe()}; leakage (against capacity "
            f"alone, {fit.devices} devices) {fit.leakage_mw.describe()}.")


@lru_cache(maxsize=None)
def _rows(path: Path = DATA_FILE) -> np.ndarray:
    """tech_nm, capacity_bytes, width_bits, read_energy_pj, write_energy_pj, area_mm2, leakage_mw per row."""
    raw = read_yaml(path).data
    expected = ["tech_nm", "capacity_bytes", "width_bits", "read_energy_pj", "write_energy_pj", "area_mm2", "leakage_mw"]
    if raw.get("columns") != expected:
        raise HwcostError.single(f"expected columns {expected}", file=str(path), key="columns")
    return np.asarray(raw["rows"], dtype=float)
