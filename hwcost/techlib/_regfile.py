"""The register file / scratchpad (component ``regfile``): power laws in depth and width fitted to
CACTI 7's small arrays.

A PE's scratchpad (Eyeriss's 224 x 16 b filter spad; Chen et al., JSSC 52(1) 2017) is a small
multi-word array whose read energy grows with its word count (bit-line, word-line and decoder),
which neither the per-bit ``register`` nor the >= 1 KiB ``sram`` table prices. The sweep
``hwcost/data/techscaling/cacti7_regfile_sweep.yaml`` ran CACTI 7, at the settings that reproduce
the SRAM table's rows, on 11 depths (64-512 words) x 6 widths (8-64 bits) at 65, 45, 32 and 22 nm.
At one node each quantity is fitted by least squares in ln y to

    y = ref * (words / 128)^a * (bits / 16)^b

(model ``power_law`` in a library file), coefficients to 4 significant digits; the residuals are
those of the rounded law. The 45 nm fits are the shipped library's ``regfile`` (45nm.yaml); the
rms of their log residuals is its spread ([fit], hwcost/data/uncertainty/spreads.yaml). CACTI
finds no organisation below 64 bytes or 32 words, so the law is valid on the sweep's rectangle
only (64-512 words, 8-64 bits) and a library refuses anything outside it.

A node-scaled library takes the law refitted on the sweep's rows at its own node where the sweep
has them (65, 45, 32, 28, 22 nm; :func:`regfile_component`, rule ``sram-cacti`` as for the SRAM);
elsewhere (16, 7 nm, and an LP library: the sweep has no low-standby-power runs) the scaler moves
the 45 nm law like logic, flagged in ``derived``.

>>> fits = regfile_fits(45)
>>> fits["read_pj"].rows, fits["read_pj"].words_exponent > 0, fits["read_pj"].rms_log < 0.15
(66, True, True)
>>> regfile_nodes()
(65.0, 45.0, 32.0, 28.0, 22.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from hwcost._config import read_yaml
from hwcost.errors import HwcostError
from hwcost.techlib._stillmaker import NodeFit, round_sig
from hwcost.techlib.library import ComponentModel, Derivation, Quantity
from hwcost.techlib.models import Kind, ParamRange, PowerLaw

__all__ = ["RegfileFit", "regfile_rows", "regfile_fits", "regfile_nodes", "regfile_component", "DATA_FILE",
           "REF_WORDS", "REF_BITS", "QUANTITIES"]

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "techscaling" / "cacti7_regfile_sweep.yaml"
REF_WORDS = 128
REF_BITS = 16
QUANTITIES = ("read_pj", "write_pj", "area_um2", "leakage_mw")
_COLUMNS = {"read_pj": "read_energy_pj", "write_pj": "write_energy_pj", "area_um2": "area_um2",
            "leakage_mw": "leakage_mw"}


@dataclass(frozen=True)
class RegfileFit:
    """y = ref * (words / 128)^words_exponent * (bits / 16)^bits_exponent at one node, and the
    residuals of this (rounded) law over the rows it was fitted to: the rms of ln(law / CACTI)
    and the relative residual (law / CACTI - 1) at its largest."""

    ref: float
    words_exponent: float
    bits_exponent: float
    rows: int
    rms_log: float
    max_abs_relative: float

    def at(self, words: float | np.ndarray, bits: float | np.ndarray) -> float | np.ndarray:
        return self.ref * (words / REF_WORDS) ** self.words_exponent * (bits / REF_BITS) ** self.bits_exponent


@lru_cache(maxsize=None)
def _table() -> tuple[tuple[str, ...], np.ndarray]:
    doc = read_yaml(DATA_FILE)
    return tuple(doc.data["columns"]), np.asarray(doc.data["rows"], dtype=float)


def regfile_rows(node_nm: float) -> dict[str, np.ndarray]:
    """The sweep's rows at ``node_nm``: words, bits and each quantity of :data:`QUANTITIES`."""
    columns, rows = _table()
    at_node = rows[rows[:, columns.index("tech_nm")] == node_nm]
    if not len(at_node):
        nodes = ", ".join(f"{n:g}" for n in sorted(set(rows[:, 0]), reverse=True))
        raise HwcostError.single(f"the CACTI register-file sweep covers {nodes} nm, not {node_nm:g} nm")
    out = {"words": at_node[:, columns.index("words")], "bits": at_node[:, columns.index("width_bits")]}
    out.update({q: at_node[:, columns.index(c)] for q, c in _COLUMNS.items()})
    return out


def _fit(words: np.ndarray, bits: np.ndarray, y: np.ndarray) -> RegfileFit:
    x_w, x_b = np.log(words / REF_WORDS), np.log(bits / REF_BITS)
    design = np.column_stack([np.ones_like(x_w), x_w, x_b])
    (log_ref, a, b), *_ = np.linalg.lstsq(design, np.log(y), rcond=None)
    ref, a, b = round_sig(float(np.exp(log_ref)), 4), round_sig(float(a), 4), round_sig(float(b), 4)
    log_residual = np.log(ref) + a * x_w + b * x_b - np.log(y)
    return RegfileFit(ref, a, b, len(y), rms_log=float(np.sqrt(np.mean(log_residual**2))),
                      max_abs_relative=float(np.max(np.abs(np.expm1(log_residual)))))


def regfile_fits(node_nm: float = 45) -> dict[str, RegfileFit]:
    """One :class:`RegfileFit` per quantity (:data:`QUANTITIES`) over the sweep's rows at ``node_nm``."""
    rows = regfile_rows(node_nm)
    return {q: _fit(rows["words"], rows["bits"], rows[q]) for q in QUANTITIES}


def regfile_nodes() -> tuple[float, ...]:
    """The nodes the sweep has rows at, largest first."""
    columns, rows = _table()
    return tuple(float(n) for n in sorted(set(rows[:, columns.index("tech_nm")]), reverse=True))


_SWEEP = "hwcost/data/techscaling/cacti7_regfile_sweep.yaml"


def regfile_component(name: str, node_nm: float, energy_factor: float, target: NodeFit) -> ComponentModel:
    """The register file of a library at ``node_nm`` (a node of :func:`regfile_nodes`): the power laws
    refitted on the sweep's rows there, energies and leakage x ``energy_factor`` (the fitted supply
    factor E(V) / E(V_nominal); 1 at the nominal supply), as the SRAM takes its node's CACTI rows."""
    fits = regfile_fits(node_nm)
    words = sorted(set(regfile_rows(node_nm)["words"]))
    bits = sorted(set(regfile_rows(node_nm)["bits"]))

    def quantity(kind: Kind, fit: RegfileFit, factor: float) -> Quantity:
        law = PowerLaw(("words", "bits"), fit.ref, (REF_WORDS, REF_BITS), (fit.words_exponent, fit.bits_exponent))
        return Quantity(kind, law).scaled(factor) if factor != 1.0 else Quantity(kind, law)

    node = f"{node_nm:g} nm"
    residuals = "; ".join(f"{label} {fits[q].rms_log:.3f} / {fits[q].max_abs_relative:.0%}" for label, q in
                          (("read", "read_pj"), ("write", "write_pj"), ("area", "area_um2"), ("leakage", "leakage_mw")))
    return ComponentModel(
        name=name,
        source=(f"CACTI 7 small-array sweep at {node} [C]: CACTI 7.0 (HewlettPackard/cacti 1ffd8df) on a \"ram\" "
                "of words x bits (block = one word, 1 read-write port, 1 bank, UCA, ECC off, itrs-hp cells and "
                f"periphery, 360 K; the settings that reproduce the sram sweep's rows), the {fits['read_pj'].rows} "
                f"rows with tech_nm = {node_nm:g} of {_SWEEP}."),
        params={"words": ParamRange("words", words[0], words[-1], True),
                "bits": ParamRange("bits", bits[0], bits[-1], True)},
        energy={"read": quantity(Kind.ENERGY, fits["read_pj"], energy_factor),
                "write": quantity(Kind.ENERGY, fits["write_pj"], energy_factor)},
        area=quantity(Kind.AREA, fits["area_um2"], 1.0),
        # CACTI's leakage at the node's nominal supply, scaled like the dynamic energy with it (as the SRAM's).
        leakage=quantity(Kind.LEAKAGE, fits["leakage_mw"], energy_factor),
        note=(f"Power laws y = ref * (words / {REF_WORDS})^a * (bits / {REF_BITS})^b refitted by least squares in "
              f"ln y over the {fits['read_pj'].rows} rows at {node} (hwcost/techlib/_regfile.py); rms log residual "
              f"/ largest relative miss: {residuals}. Valid on the sweep's rectangle only (CACTI finds no "
              "organisation below 64 bytes or 32 words); docs/techlib.md, \"The register file\"."),
        derived=Derivation(
            f"CACTI 7 register-file sweep at {node} ({_SWEEP})",
            f"sram-cacti: power laws refitted at {node} on CACTI 7's register-file runs; energy x the "
            f"{target.label} supply factor E(V) / E(V_nominal = {target.vdd_nominal_v:g} V)",
            energy_factor, 1.0,
            "The sweep is taken to be at the node's nominal supply, as the SRAM's.",
        ),
    )
