"""SRAM at another node: refit the CACTI 7 power law at that node instead of scaling it like logic.

The 45 nm library's SRAM is y = ref * (C / 8192 B)^a * (W / 64 b)^b, fitted by least squares in
log space to the 52 CACTI 7 rows at 45 nm (read energy, write energy, area). The same sweep
covers 65, 45, 32, 28 and 22 nm (``hwcost/data/techscaling/cacti7_sram_sweep.yaml``, which
states the CACTI 7 settings); at those nodes the scaler refits the law on that
node's rows, with coefficients rounded to 4 significant digits as in ``45nm.yaml`` (the refit at
45 nm reproduces that file's numbers). Elsewhere there is no data and the caller falls back to
logic scaling, flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from hwcost._config import read_yaml
from hwcost.errors import HwcostError
from hwcost.techlib._stillmaker import NodeFit, round_sig
from hwcost.techlib.library import ComponentModel, Derivation, Flavour, Quantity
from hwcost.techlib.models import Kind, ParamRange, PowerLaw

__all__ = [
    "PowerLawFit", "SramFit", "fit_power_law", "sram_fit", "sram_component", "cacti_nodes", "DATA_FILE",
]

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


def cacti_nodes() -> tuple[float, ...]:
    """The nodes the CACTI 7 sweep covers, e.g. (65.0, 45.0, 32.0, 28.0, 22.0)."""
    nodes = _rows()[:, 0]
    return tuple(float(n) for n in sorted(set(nodes), reverse=True))


def sram_fit(node_nm: float, low_power: bool = False) -> SramFit:
    """Refit the SRAM power laws on the CACTI 7 rows at ``node_nm``: the high-performance sweep,
    or with ``low_power`` the low-standby-power one where it has the node (else the high-performance
    one, which ``devices`` then says)."""
    lstp = _rows(LSTP_FILE)
    use_lstp = low_power and bool((lstp[:, 0] == node_nm).any())
    rows = lstp if use_lstp else _rows(DATA_FILE)
    at = rows[rows[:, 0] == node_nm]
    if not len(at):
        covered = ", ".join(f"{n:g}" for n in cacti_nodes())
        raise HwcostError.single(
            f"the CACTI 7 SRAM sweep has no rows at {node_nm:g} nm; it covers {covered} nm"
        )
    capacity, width = at[:, 1], at[:, 2]
    return SramFit(
        node_nm=node_nm,
        rows=len(at),
        devices="itrs-lstp" if use_lstp else "itrs-hp",
        capacity_bytes=(int(capacity.min()), int(capacity.max())),
        width_bits=(int(width.min()), int(width.max())),
        read_pj=fit_power_law(capacity, width, at[:, 3]),
        write_pj=fit_power_law(capacity, width, at[:, 4]),
        area_um2=fit_power_law(capacity, width, at[:, 5] * 1e6),  # mm2 -> um2
        leakage_mw=fit_power_law(capacity, width, at[:, 6], with_width=False),
    )


def sram_component(name: str, fit: SramFit, energy_factor: float, target: NodeFit,
                   flavour: Flavour) -> ComponentModel:
    """The SRAM component of a scaled library: the refit laws, energies x ``energy_factor`` (the
    fitted supply factor E(V) / E(V_nominal); 1 at the nominal supply)."""
    params = ("capacity_bytes", "width_bits")

    def law(p: PowerLawFit, kind: Kind, factor: float) -> Quantity:
        model = PowerLaw(params, p.ref, (REF_CAPACITY_BYTES, REF_WIDTH_BITS),
                         (p.capacity_exponent, p.width_exponent))
        return Quantity(kind, model).scaled(factor) if factor != 1.0 else Quantity(kind, model)

    node = f"{fit.node_nm:g} nm"
    lp = (" The sweep has no low-standby-power rows at this node: itrs-hp cells and periphery although "
          "the logic flavour is LP." if flavour is Flavour.LP and fit.devices == "itrs-hp" else "")
    sweep = ("hwcost/data/techscaling/cacti7_sram_lstp.yaml" if fit.devices == "itrs-lstp"
             else "hwcost/data/techscaling/cacti7_sram_sweep.yaml")
    cells = ("itrs-lstp cells and itrs-lop periphery" if fit.devices == "itrs-lstp"
             else "itrs-hp cells and periphery")
    derived = Derivation(
        f"CACTI 7 sweep at {node} ({sweep})",
        f"sram-cacti: power laws refitted at {node}; energy x the {target.label} supply factor "
        f"E(V) / E(V_nominal = {target.vdd_nominal_v:g} V)",
        energy_factor, 1.0,
        "The sweep is taken to be at the node's nominal supply (CACTI's own itrs-hp supply is not "
        "recorded in it)." + lp,
    )
    return ComponentModel(
        name=name,
        source=(f"CACTI 7 sweep at {node} [C]: CACTI 7 as vendored in KULeuven-MICAS/zigzag-imc, "
                "default cache.cfg options (\"ram\" type, UCA, 1 bank, 1 read + 1 write port, "
                f"ECC off, {cells}, 360 K); the "
                f"{fit.rows} rows with tech_nm = {fit.node_nm:g} of {sweep}."),
        params={"capacity_bytes": ParamRange("capacity_bytes", *fit.capacity_bytes, True),
                "width_bits": ParamRange("width_bits", *fit.width_bits, True)},
        energy={"read": law(fit.read_pj, Kind.ENERGY, energy_factor),
                "write": law(fit.write_pj, Kind.ENERGY, energy_factor)},
        area=law(fit.area_um2, Kind.AREA, 1.0),
        # CACTI's leakage at the node's nominal supply, scaled like the dynamic energy with it.
        leakage=law(fit.leakage_mw, Kind.LEAKAGE, energy_factor),
        note=(f"Each quantity is a power law y = ref * (C/8192 B)^a * (W/64 b)^b fitted by least "
              f"squares in log space over the {fit.rows} rows, as in 45nm.yaml. Relative residuals "
              f"(rms / median |e| / max |e|): read {fit.read_pj.describe()}; write "
              f"{fit.write_pj.describe()}; area {fit.area_um2.describe()}; leakage (against capacity "
              f"alone, {fit.devices} devices) {fit.leakage_mw.describe()}."),
        derived=derived,
    )


@lru_cache(maxsize=None)
def _rows(path: Path = DATA_FILE) -> np.ndarray:
    """tech_nm, capacity_bytes, width_bits, read_energy_pj, write_energy_pj, area_mm2, leakage_mw per row."""
    raw = read_yaml(path).data
    expected = ["tech_nm", "capacity_bytes", "width_bits", "read_energy_pj", "write_energy_pj", "area_mm2", "leakage_mw"]
    if raw.get("columns") != expected:
        raise HwcostError.single(f"expected columns {expected}", file=str(path), key="columns")
    return np.asarray(raw["rows"], dtype=float)
