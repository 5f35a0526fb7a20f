"""The CIM bit cells: energy per cell operation, area, leakage and write energy (docs/cim-model.md §6).

The library prices the 6T SRAM cell and the 1T1R ReRAM cell's area (techlib ``cim_cell``); the cells
below are built on them so that they move with the library's node and supply as it does:

- **SRAM 6T**: the library's cell, C_BL · Vdd² per cell operation (ZigZag-IMC's 0.35 fF bit-line
  load per cell, moved to the node by the Stillmaker-Baas logic factors), 160 F² (DNN+NeuroSim).
- **SRAM 8T** (decoupled single-ended read port, the compute path of e.g. the foundry 8T cell of
  Sinangil et al. JSSC 2021): a cell operation charges the read bit line through one read-port
  transistor drain per cell, the same load per cell as the 6T's access-transistor drain on its bit
  line [D]: energy = the 6T's. Area: the 6T's 160 F² x 8/6 transistors [A: no published F² read].
- **SRAM 10T** (differential read port, two read stacks on RBL and RBLB, e.g. the XNOR-SRAM cell of
  Yin et al. JSSC 2020): two read-bit-line drains per cell [D]: 2x the 6T's energy. Area 160 F² x
  10/6 [A].
- **ReRAM 1T1R**: a read pulse of V for t seconds on a cell of R_on 100 kOhm / R_off 1.7 MOhm
  (DNN+NeuroSim V1.4 ``Param.cpp``), half of the cells in each state: E = V² t (1/R_on + 1/R_off) / 2
  (13.24 fJ at NeuroSim's 0.5 V, 10 ns, the library's figure). V and t are arch keys; the energy
  is the device's, not the logic node's (it does not scale with the library).

Leakage: SRAM cells leak as the library's SRAM law per bit, evaluated at the macro's capacity
(CACTI 7, the library's flavour: HP or LP devices); the read ports of 8T / 10T cells add leakage
no source read gives (not counted). ReRAM is non-volatile: no supply holds an unselected cell,
so its cells leak nothing. Writes: SRAM as the library's SRAM write per bit; ReRAM 0.6 pJ per
cell set/reset (NVSim RRAM cell, 2 V, 10 ns: Accelergy-Project/accelergy-neurosim-plug-in
``cells/nvsim_RRAM.cell``), one write pulse per cell of 10 ns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hwcost.arch.cim_macro.config import CellType, CimMacroConfig
from hwcost.arch.cim_macro.leakage import sram_leakage_mw_per_bit, sram_macro_args
from hwcost.arch.shared.pricing import Pricer

__all__ = ["CellCost", "cell_cost", "write_cycles_per_row", "rram_read_energy_pj", "RRAM_ON_OHM", "RRAM_OFF_OHM", "RRAM_WRITE_PJ", "RRAM_WRITE_PULSE_NS"]

# DNN+NeuroSim V1.4 Param.cpp: resistanceOn 100 kOhm, resistanceOff 1.7 MOhm (the techlib's source).
RRAM_ON_OHM = 100e3
RRAM_OFF_OHM = 1.7e6
# NVSim RRAM cell (Accelergy-Project/accelergy-neurosim-plug-in, cells/nvsim_RRAM.cell): set and
# reset 2 V for 10 ns, 0.6 pJ each.
RRAM_WRITE_PJ = 0.6
RRAM_WRITE_PULSE_NS = 10.0
# Read-bit-line drains per cell operation, relative to the 6T's one access-transistor drain [D].
_BITLINE_LOAD = {CellType.SRAM_6T: 1.0, CellType.SRAM_8T: 1.0, CellType.SRAM_10T: 2.0}
# Area relative to the 6T's 160 F^2: transistor count [A].
_AREA_VS_6T = {CellType.SRAM_6T: 1.0, CellType.SRAM_8T: 8.0 / 6.0, CellType.SRAM_10T: 10.0 / 6.0}


@dataclass(frozen=True)
class CellCost:
    """One cell of one macro: energy per cell operation (pJ), area (um2), leakage per bit (mW),
    energy per bit written (pJ) and clock cycles per row written."""

    energy_pj: float
    area_um2: float
    leakage_mw_per_bit: float
    write_pj_per_bit: float
    write_cycles_per_row: int


def rram_read_energy_pj(read_v: float, pulse_ns: float) -> float:
    """V² t (1/R_on + 1/R_off) / 2: a read pulse on a cell, half of the cells in each state.

    >>> round(rram_read_energy_pj(0.5, 10.0) * 1e3, 2)   # fJ: the techlib's 13.24 fJ
    13.24
    """
    return read_v**2 * pulse_ns * 1e-9 * (1 / RRAM_ON_OHM + 1 / RRAM_OFF_OHM) / 2 * 1e12


def write_cycles_per_row(arch: CimMacroConfig) -> int:
    """Clock cycles to write one row: one for SRAM; a ReRAM row takes its 10 ns write pulse,
    ceil(10 ns x f_clk) cycles."""
    if arch.cell is not CellType.RRAM_1T1R:
        return 1
    return max(1, math.ceil(RRAM_WRITE_PULSE_NS * 1e-3 * arch.clock_mhz - 1e-9))


def cell_cost(arch: CimMacroConfig, pricer: Pricer) -> CellCost:
    """The macro's cell, priced on the library (module docstring)."""
    if arch.cell is CellType.RRAM_1T1R:
        return CellCost(rram_read_energy_pj(arch.rram_read_v, arch.rram_read_pulse_ns),
                        pricer.area_um2("cim_cell", cell=CellType.RRAM_1T1R.value),
                        0.0, RRAM_WRITE_PJ / arch.cell_bits, write_cycles_per_row(arch))
    e6 = pricer.energy_pj("cim_cell", cell=CellType.SRAM_6T.value)
    a6 = pricer.area_um2("cim_cell", cell=CellType.SRAM_6T.value)
    args = sram_macro_args(arch.rows, arch.cols, pricer)
    write_bit = pricer.energy_pj("sram", "write", **args) / args["width_bits"]
    leak_bit = sram_leakage_mw_per_bit(arch.rows, arch.cols, pricer)
    return CellCost(e6 * _BITLINE_LOAD[arch.cell], a6 * _AREA_VS_6T[arch.cell], leak_bit, write_bit, 1)
