"""The memory system every template has: the clock, the global buffer (GLB), DRAM, and the
element-wise layers (residual adds, pooling) that run on the post-processing lanes out of the GLB.

:class:`MemorySystem` holds their parameters; each template's configuration extends it, so the
keys, ranges, defaults and sources below are written once. :func:`buffer_rows` prices the GLB,
DRAM and element-wise rows and :func:`add_buffer_sums` counts their actions
(``docs/cost-model.md`` §3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, ClassVar

import numpy as np

from hwcost._config import Checker
from hwcost.arch.shared.pricing import Count, PricedRow, Pricer, SharedRow, Sums, Term
from hwcost.arch.shared.residual import residual_add
from hwcost.errors import HwcostError
from hwcost.techlib import VariantComponent
from hwcost.arch.shared.tables import WorkloadTables
from hwcost.report import Category
from hwcost.schemes import QuantScheme

__all__ = ["DramStandard", "MemorySystem", "read_number_keys", "buffer_rows", "glb_dram_rows", "elementwise_row",
           "add_buffer_sums", "traffic_counts"]


class DramStandard(Enum):
    """The DRAM standard whose energy per bit the library gives (its ``dram`` variants)."""

    LPDDR4 = "lpddr4"
    HBM2 = "hbm2"
    GDDR5 = "gddr5"
    HMC = "hmc"
    LPDDR = "lpddr"
    DDR3 = "ddr3"


@dataclass(frozen=True)
class MemorySystem:
    """Clock, global buffer and DRAM: the part of every accelerator template outside its array."""

    # 1 GHz: one 16-bit multiply-accumulate per cycle in 45 nm (the order of TPU v1's 700 MHz in
    # 28 nm, Jouppi et al. ISCA 2017); on the CIM macro, one conversion per cycle of ISAAC's
    # 1.28 GS/s 8-bit SAR ADC (Shafiee et al. ISCA 2016).
    clock_mhz: float = 1000.0
    # 128 KiB: the order of Eyeriss's 108 KB global buffer (Chen et al., JSSC 2017).
    glb_kib: float = 128.0
    # 64-bit port: the access width of Horowitz's SRAM figures (ISSCC 2014) and the reference
    # port of the CACTI sweep the library's SRAM law is fitted to.
    glb_width_bits: int = 64
    # One LPDDR4-3200 x32 channel: 3200 MT/s x 4 B = 12.8 GB/s (JEDEC JESD209-4).
    dram_bandwidth_gbps: float = 12.8
    # LPDDR4, the standard of edge accelerators; its bandwidth is the key above, set with it.
    dram_standard: DramStandard = DramStandard.LPDDR4
    # 4 banks, each a port of glb_width_bits: Gemmini's default scratchpad (sp_banks = 4;
    # ucb-bar/gemmini Configs.scala, Genc et al. DAC 2021). An access activates one bank.
    glb_banks: int = 4
    # The arch file the configuration was read from (for messages); not part of the design.
    source_file: str | None = field(default=None, compare=False, repr=False)

    # Valid ranges of the keys above (YAML and command line).
    INT_KEYS: ClassVar[dict[str, tuple[int, int]]] = {"glb_width_bits": (8, 1024), "glb_banks": (1, 64)}
    FLOAT_KEYS: ClassVar[dict[str, tuple[float, float]]] = {
        "clock_mhz": (1.0, 10000.0),
        "glb_kib": (1.0, 65536.0),
        "dram_bandwidth_gbps": (0.01, 10000.0),
    }

    @property
    def glb_bits(self) -> float:
        return self.glb_kib * 1024 * 8

    @property
    def glb_bits_per_cycle(self) -> float:
        return float(self.glb_width_bits * self.glb_banks)

    @property
    def glb_bank_bytes(self) -> float:
        return self.glb_kib * 1024 / self.glb_banks

    @property
    def dram_bits_per_cycle(self) -> float:
        return self.dram_bandwidth_gbps * 1e9 * 8 / (self.clock_mhz * 1e6)


def read_number_keys(data: Mapping[str, Any], check: Checker, prefix: str, int_keys: Mapping[str, tuple[int, int]],
                     float_keys: Mapping[str, tuple[float, float]]) -> dict[str, Any]:
    """The numeric keys present in ``data``, each checked against its range, and the DRAM standard
    (problems to ``check``, ``None`` values where a check failed)."""
    values: dict[str, Any] = {}
    if "dram_standard" in data:
        chosen = check.choice(data["dram_standard"], f"{prefix}dram_standard", [d.value for d in DramStandard])
        values["dram_standard"] = None if chosen is None else DramStandard(chosen)
    for name, (lo, hi) in {**MemorySystem.INT_KEYS, **int_keys}.items():
        if name in data:
            values[name] = check.number(data[name], f"{prefix}{name}", minimum=lo, maximum=hi, integer=True)
    for name, (lo, hi) in {**MemorySystem.FLOAT_KEYS, **float_keys}.items():
        if name in data:
            values[name] = check.number(data[name], f"{prefix}{name}", minimum=lo, maximum=hi)
    return values


def _dram_params(memory: MemorySystem, pricer: Pricer) -> dict[str, Any]:
    """The ``dram`` parameters: one bit, and the standard when the library gives several. A library
    with one DRAM prices the default standard only."""
    comp = pricer.lib.components.get("dram")
    if isinstance(comp, VariantComponent) and comp.select == "standard":
        return {"bits": 1, "standard": memory.dram_standard.value}
    if memory.dram_standard is not DramStandard.LPDDR4:
        raise HwcostError.single(
            f"technology library {pricer.lib.name} gives one DRAM, not standards: dram_standard "
            f"{memory.dram_standard.value} needs a library whose dram has variants by standard", key="dram_standard")
    return {"bits": 1}


def buffer_rows(memory: MemorySystem, lanes: int, pricer: Pricer, scheme: QuantScheme) -> list[PricedRow]:
    """Global buffer, DRAM and the element-wise layers (docs/cost-model.md §3): :func:`glb_dram_rows`
    and :func:`elementwise_row`. Priced once per library, memory system, lane count and scheme."""
    key = ("buffer_rows", memory.glb_kib, memory.glb_banks, memory.glb_width_bits, memory.dram_standard, lanes,
           scheme)
    return list(pricer.derived(key, lambda: (*glb_dram_rows(memory, pricer), elementwise_row(lanes, pricer, scheme))))


def glb_dram_rows(memory: MemorySystem, pricer: Pricer) -> tuple[PricedRow, PricedRow]:
    """The global buffer's and DRAM's rows. A GLB access reads or writes one port of one bank: it
    is priced as an SRAM of one bank's capacity. Priced once per library and memory system."""
    key = ("glb_dram_rows", memory.glb_kib, memory.glb_banks, memory.glb_width_bits, memory.dram_standard)
    return pricer.derived(key, lambda: _glb_dram_rows(memory, pricer))


def _glb_dram_rows(memory: MemorySystem, pricer: Pricer) -> tuple[PricedRow, PricedRow]:
    smallest = pricer.sram_range().min_bytes
    if memory.glb_bank_bytes < smallest:
        raise HwcostError.single(
            f"a global-buffer bank of {memory.glb_bank_bytes:g} B ({memory.glb_kib:g} KiB in {memory.glb_banks} banks) is "
            f"below the smallest SRAM the library prices ({smallest} B): use fewer banks or a larger glb_kib",
            key="glb_banks")
    glb_args = dict(capacity_bytes=memory.glb_bank_bytes, width_bits=memory.glb_width_bits)
    glb_leak = memory.glb_banks * pricer.leakage_mw("sram", **glb_args)
    e_rd, e_wr = (pricer.energy_pj("sram", a, **glb_args) for a in ("read", "write"))
    dram = _dram_params(memory, pricer)
    d_rd, d_wr = (pricer.energy_pj("dram", a, **dram) for a in ("read", "write"))
    return (
        PricedRow(
            SharedRow.GLB,
            Category.ON_CHIP_MEMORY,
            (Term(Count.GLB_READ_ACCESSES, e_rd, e_rd), Term(Count.GLB_WRITE_ACCESSES, e_wr, e_wr)),
            memory.glb_banks * pricer.area_um2("sram", **glb_args),
            leakage_mw=glb_leak,
        ),
        PricedRow(
            SharedRow.DRAM,
            Category.DRAM,
            (Term(Count.DRAM_READ_BITS, d_rd, d_rd), Term(Count.DRAM_WRITE_BITS, d_wr, d_wr)),
            pricer.area_um2("dram", **dram),
        ),
    )


def elementwise_row(lanes: int, pricer: Pricer, scheme: QuantScheme) -> PricedRow:
    """The element-wise layers on ``lanes`` post-processing lanes: a residual add rescales its two
    inputs onto the output grid (:func:`~hwcost.arch.shared.residual.residual_add`), max pooling
    compares, a 7x7 average pool adds. Priced once per library, lane count and scheme object (its id
    stands for it: hashing a scheme hashes its every field; the value holds the scheme)."""
    return pricer.derived(("elementwise_row", lanes, id(scheme)), lambda: _elementwise_row(lanes, pricer, scheme),
                          keep=(scheme,))


def _elementwise_row(lanes: int, pricer: Pricer, scheme: QuantScheme) -> PricedRow:
    act_bits = scheme.activations.bits
    residual = residual_add(scheme, pricer)
    e_add = residual.energy_pj
    e_cmp = pricer.energy_pj("comparator", bits=act_bits)
    pool_bits = act_bits + 6  # a 7x7 average-pool window sum: ceil(log2 49) = 6 more bits
    e_pool = pricer.energy_pj("int_adder", bits=pool_bits)
    ew_area = lanes * (pricer.area_um2("int_adder", bits=pool_bits) + pricer.area_um2("comparator", bits=act_bits)
                       + residual.area_um2)
    ew_leak = lanes * (pricer.leakage_mw("int_adder", bits=pool_bits) + pricer.leakage_mw("comparator", bits=act_bits)
                       + residual.leakage_mw)
    return PricedRow(
        SharedRow.ELEMENTWISE,
        Category.COMPUTE,
        (Term(Count.RESIDUAL_ADDS, e_add, e_add), Term(Count.MAX_POOL_COMPARES, e_cmp, e_cmp),
         Term(Count.AVG_POOL_ADDS, e_pool, e_pool)),
        ew_area,
        leakage_mw=ew_leak,
    )


def add_buffer_sums(sums: Sums, glb_width_bits: np.ndarray, act_bits: np.ndarray, t: WorkloadTables) -> None:
    """GLB accesses, including the element-wise layers' traffic, and element-wise operations."""
    ew_out = t.elementwise_outputs * act_bits
    ew_in = (t.elementwise_glb_bits_per_act_bit - t.elementwise_outputs) * act_bits
    zeros = np.zeros(len(act_bits))
    read, write = sums[Count.GLB_READ_BITS], sums[Count.GLB_WRITE_BITS]
    # the element-wise layers are counted with the body class; the other classes have their own traffic
    others = (zeros,) * (len(read) - 1)
    sums[Count.GLB_READ_ACCESSES] = ((read[0] + ew_in) / glb_width_bits, *(r / glb_width_bits for r in read[1:]))
    sums[Count.GLB_WRITE_ACCESSES] = ((write[0] + ew_out) / glb_width_bits, *(w / glb_width_bits for w in write[1:]))
    sums[Count.RESIDUAL_ADDS] = (zeros + t.residual_add_elements, *others)
    sums[Count.MAX_POOL_COMPARES] = (zeros + t.max_pool_compares, *others)
    sums[Count.AVG_POOL_ADDS] = (zeros + t.avg_pool_adds, *others)


def traffic_counts(actions: Any) -> dict[Count, np.ndarray]:
    """The shared per-layer counts of a template's actions that name them alike (the CIM
    templates'): activations fed to the array, GLB and DRAM bits, the on-chip network's bits."""
    return {
        Count.PER_INPUT: actions.array_inputs,
        Count.GLB_READ_BITS: actions.glb_read_bits,
        Count.GLB_WRITE_BITS: actions.glb_write_bits,
        Count.NOC_BITS: actions.noc_bits,
        Count.DRAM_READ_BITS: actions.dram_read_bits,
        Count.DRAM_WRITE_BITS: actions.dram_write_bits,
    }
