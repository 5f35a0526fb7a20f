"""hwcost next to a peer model, ZigZag, on single layers of ResNet-18 and MobileNetV2.

ZigZag (Mei et al., "ZigZag: Enlarging Joint Architecture-Mapping Design Space Exploration for DNN
Accelerators", IEEE Trans. Computers 70(8), 2021; PyPI ``zigzag-dse``) is an analytical cost model
with a mapper: for a layer and an accelerator it searches spatial and temporal mappings
(loop orders and the memory level each loop's data lives in) and prices the best one. hwcost prices
one fixed dataflow in closed form. This script describes the same accelerator to both, with the
same unit energies, and prints their energy split by level and their cycles side by side.

Setup: ZigZag is *not* a dependency of hwcost; give it an environment of its own (tested with
Python 3.11, zigzag-dse 3.9.1, six 1.17.0; ZigZag imports ``six`` without declaring it)::

    python3.11 -m venv /tmp/zz
    /tmp/zz/bin/pip install zigzag-dse==3.9.1 six==1.17.0
    /tmp/zz/bin/pip install -e /path/to/hwcost
    /tmp/zz/bin/python benchmarks/peer_zigzag.py               # 13 layers x {8, 4} b x {WS, OS, IS}: ~3.6 min CPU
    /tmp/zz/bin/python benchmarks/peer_zigzag.py --dataflows WS,OS   # the 52 points of the first measurements
    /tmp/zz/bin/python benchmarks/peer_zigzag.py --quick       # 4 layers at 8 b, 12 points: ~35 s CPU
    /tmp/zz/bin/python benchmarks/peer_zigzag.py --layers layer2.0.downsample,features.2.dw --detail
    /tmp/zz/bin/python benchmarks/peer_zigzag.py --markdown --json /tmp/peer.json
    /tmp/zz/bin/python benchmarks/peer_zigzag.py --dataflows RS          # row stationary, 26 points: ~41 s CPU
    /tmp/zz/bin/python benchmarks/peer_zigzag.py --dataflows RS --rs-order hwcost   # ZigZag given hwcost's RS loop nest

What is the same on both sides
------------------------------
- hwcost's 45 nm technology library (``hwcost.load_techlib("45nm")``) for every unit energy.
- A 16 x 16 PE array, systolic in both directions; a PE does one (b_w x b_a) multiply and one
  b_acc-bit add per MAC. ZigZag's ``unit_energy`` = hwcost's ``int_multiplier`` + ``int_adder``
  per MAC, at the widths hwcost's classifier gives the layer (``hwcost.classify``; scheme ``lsq``
  with its first/last-layer bits set to the bits under test, because the one layer of a one-layer
  workload is both its first and its last layer).
- Per-PE registers of one word each: weight (b_w bits), input (b_a), partial sum (b_acc); hwcost
  ``pe_style: accumulate`` (each PE accumulates its own partial sum). A register costs
  ``register(bits)`` per *write* (the library's register action is one clocked load); a read costs
  0 (``--register-reads load`` prices reads as a load too).
- One global buffer (GLB) of 128 KiB with one 64-bit port for reads and writes, shared by weights,
  inputs and partial sums, at the library's ``sram`` read/write energy for 128 KiB x 64 b, priced
  per bit moved (ZigZag ``bandwidth_min`` = 1, as hwcost: accesses = bits / 64). hwcost: one bank
  (``glb_banks: 1``), no accumulator buffer (``acc_buffer_kib: 0``) and no input line buffer
  (``input_buffer_kib: 0``: the GLB feeds the PEs' input registers, as in ZigZag's hierarchy); its
  defaults (4 banks, a 64 KiB accumulator buffer, a 2 KiB line buffer) describe another
  accelerator than the one ZigZag is given here.
- DRAM at the library's ``dram`` energy per bit (8 pJ/b), 128 bits per cycle on both sides
  (hwcost: ``dram_bandwidth_gbps`` = 16 at 1 GHz).
- Spatial unrolling as hwcost's dataflows: weight-stationary (WS) rows = the reduction (C; a
  depthwise layer's FX x FY), columns = K; output-stationary (OS) rows = output pixels (OX x OY,
  the split of 16 that needs the fewest pixel tiles), columns = K; input-stationary (IS, optional:
  ``--dataflows WS,OS,IS``) rows = the reduction as in WS, columns = output pixels split as in OS.
  A depthwise layer has K = 1 per group on both sides, so its groups run one after another (in WS
  and OS on one column; in IS each fold streams a single weight vector).
- PE registers matched per dataflow (docs/cost-model.md §2): hwcost's ``pe_registers`` row is one
  accumulator-register write per MAC, one latch per MAC of the streamed operand's register (the
  input in WS, both in OS, the weight in IS) and the stationary operand's loads (the weights once
  in WS, each im2col activation once in IS, G x P x N). The script splits the row that way,
  checks the stationary loads against that hand count, and sets them beside ZigZag's ``reg_W``,
  ``reg_I`` and ``reg_O`` levels.
- Each layer alone: its input comes from DRAM and its output goes back to DRAM on both sides.
- Row stationary (RS, only with ``--dataflows RS``: other PE hardware, Eyeriss's): instead of the
  one-word registers, each PE holds three scratchpads of hwcost's sizes (``SPAD_WORDS``: 224
  weights of b_w bits, 12 inputs of b_a, 24 partial sums of b_acc), each word read and written
  at hwcost's own energy (``plan.spad_prices`` at the widths ``_pe_spad_row`` uses;
  ``spad_energies``). The spatial unrolling is hwcost's RS mapping (``row_stationary_mapping``):
  rows = FY (filter rows) x C (stacked sets), columns = OY (output rows) x K (sets side by
  side); FX, OX and each PE's q channels and p filters are temporal, searched by ZigZag or, with
  ``--rs-order hwcost``, given as hwcost's loop nest (``hwcost_rs_ordering``: ZigZag then only
  places the loops in its memories, which separates mapping from counting). hwcost's
  ``pe_spads`` row is split into its weight-, input- and psum-spad terms (``split_spads``, each
  count checked against a hand count) beside ZigZag's ``spad_W``, ``spad_I``, ``spad_O``; its
  ``accumulator`` row counts one addition per MAC (a PE adds the sum arriving from below into its
  own), as ZigZag's MAC energy does.

What differs (by construction; docs/validation-peer.md attributes each large difference)
-------------------------------------------------------------------------------------------
- Mapping: hwcost prices its one fixed loop order; ZigZag's LOMA mapper searches temporal loop
  orders (``--lpf-limit``, ZigZag's default 6) and the script keeps the mapping of least energy.
- Partial sums: with C on the rows ZigZag keeps a per-PE output register and writes a partial sum
  reloaded from the GLB into each of a column's 16 PEs: two register writes per MAC; hwcost one.
- Buffer capacity: ZigZag tiles what does not fit the GLB at the DRAM level and re-fetches
  overlapping input windows; hwcost moves a layer's input and output once (and re-reads one of
  input and weights only when neither fits the GLB).
- Input multicast: with FX x FY on the rows and OX x OY on the columns (IS, depthwise layers)
  ZigZag's GLB sends each distinct input of the array's window once; hwcost, as SCALE-Sim, feeds
  each PE its own im2col activation.
- Row stationary: an Eyeriss PE slides its input window (one new pixel per output column), ZigZag
  refills the whole window when OX sits above the input scratchpad; ZigZag evens a spatial
  unrolling that does not divide its loop (C 64 on 5 stacked sets: a temporal C of 13, prime, so
  no 4 channels in the PE) (docs/validation-peer.md, "Row stationary", RS-1 to RS-7; RS-2, RS-6
  and RS-7 were hwcost counts, corrected in 3030518).
- Latency: hwcost = max(compute, GLB, DRAM cycles), all overlapped, with fill and drain per fold
  (weight or pixel tile); ZigZag = its loops' cycles + port stalls + on- and off-loading + one
  drain per layer. The table also gives each side's stall-free cycles (hwcost's compute cycles;
  ZigZag's ``ideal_temporal_cycle`` + drain).
- Not in ZigZag: hwcost's quantization-overhead rows (requantizer, bias, clamp, ...), its
  leakage (a row's ``static_pj``) and its on-chip network row (``noc``: the wires between the GLB
  and the array, priced when the library has a ``wire`` model; ZigZag is given no interconnect)
  are listed apart and left out: the comparison is of the memories' and the array's dynamic
  energy.

Output: one row per layer x bits x dataflow: energy per level (MAC, REG = PE registers or, RS,
scratchpads, BUF = GLB, DRAM) for hwcost and ZigZag and their ratio hwcost/ZigZag, cycles, and the
wall time each tool took for that point; then per level the median |ratio - 1| and how many points lie within +-25 %
and +-15 %, over every point and (when more than one dataflow runs) per dataflow.
Figures measured with this script, and the mechanism behind each large difference:
docs/validation-peer.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

import hwcost
from hwcost import Dataflow, MacArrayConfig
from hwcost.arch.mac_array.config import PeStyle
from hwcost.arch.mac_array.plan import spad_prices
from hwcost.arch.shared.pricing import Pricer

NODE = "45nm"
SCHEME = "lsq"
PE_ROWS = PE_COLS = 16
GLB_KIB = 128.0
GLB_PORT_BITS = 64
DRAM_BITS_PER_CYCLE = 128  # both sides; hwcost: 16 GB/s at 1 GHz
CLOCK_MHZ = 1000.0
LEVELS = ("MAC", "REG", "BUF", "DRAM")
FLOWS = {"WS": Dataflow.WEIGHT_STATIONARY, "OS": Dataflow.OUTPUT_STATIONARY, "IS": Dataflow.INPUT_STATIONARY,
         "RS": Dataflow.ROW_STATIONARY}
DEFAULT_FLOWS = "WS,OS,IS"  # RS (row stationary, other PE hardware) only when asked: --dataflows RS
FLOW_NAMES = {flow: name for name, flow in FLOWS.items()}

# (network, layer): 3x3 convs at every ResNet-18 stage, strided 3x3 and strided 1x1 (downsample)
# layers, pointwise expand/project layers, depthwise layers at stride 1 and 2, and both classifiers.
LAYERS: tuple[tuple[str, str], ...] = (
    ("resnet18", "layer1.0.conv1"),
    ("resnet18", "layer2.0.conv1"),
    ("resnet18", "layer2.0.downsample"),
    ("resnet18", "layer3.0.conv2"),
    ("resnet18", "layer4.0.conv2"),
    ("resnet18", "layer4.0.downsample"),
    ("resnet18", "fc"),
    ("mobilenetv2", "features.2.expand"),
    ("mobilenetv2", "features.2.dw"),
    ("mobilenetv2", "features.3.dw"),
    ("mobilenetv2", "features.3.project"),
    ("mobilenetv2", "features.17.project"),
    ("mobilenetv2", "classifier"),
)
QUICK_LAYERS = ("layer1.0.conv1", "layer2.0.downsample", "features.2.dw", "features.17.project")

# hwcost breakdown rows -> level. Rows not named here go by category: on-chip memory -> BUF,
# DRAM -> DRAM, quantization overhead -> listed apart; any other row -> "other" (reported).
HWCOST_LEVEL_OF_ROW = {
    "mac_multiplier": "MAC",
    "accumulator": "MAC",
    "pe_registers": "REG",
    "pe_spads": "REG",  # row stationary: the PEs' weight, input and partial-sum scratchpads
    "glb": "BUF",
    "dram": "DRAM",
    "elementwise": None,  # residual adds and pooling: none in a one-layer conv/fc workload
    "noc": "noc",  # GLB <-> array wires: ZigZag is given no interconnect; listed apart
}
WARNINGS: list[str] = []  # where the two sides turned out not to be matched (printed at the end)


# --------------------------------------------------------------------------------------------
# Layers and the configuration under test
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    network: str
    layer: Any  # hwcost.Layer
    bits: int
    dataflow: Dataflow

    @property
    def flow(self) -> str:
        return FLOW_NAMES[self.dataflow]


@dataclass(frozen=True)
class Widths:
    """The PE widths hwcost's classifier gives the layer (the ones its plan prices)."""

    weight: int  # multiplier operand widths
    act: int
    acc: int  # accumulator
    out: int  # requantized output


@dataclass
class Side:
    """One tool's figures for one point."""

    levels: dict[str, float]  # pJ per level
    cycles: float
    seconds: float  # wall time
    cpu_seconds: float  # CPU time of this process (the wall time also counts other load on the machine)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.levels.values())


def select_layers(names: list[str] | None) -> list[tuple[str, Any]]:
    """The hwcost Layer objects of the chosen layers (all of LAYERS when ``names`` is None)."""
    workloads = {net: hwcost.load_workload(net) for net in {n for n, _ in LAYERS}}
    known = {name: net for net, name in LAYERS}
    chosen: list[tuple[str, Any]] = []
    for name in names if names is not None else [name for _, name in LAYERS]:
        if name in known:
            chosen.append((known[name], workloads[known[name]].layer(name)))
            continue
        hits = [(net, w.layer(name)) for net, w in workloads.items() if any(l.name == name for l in w.layers)]
        if not hits:
            raise SystemExit(f"unknown layer '{name}'; known: {', '.join(known)} (or any layer of resnet18 / mobilenetv2)")
        chosen.append(hits[0])
    return chosen


def one_layer_workload(network: str, layer: Any, path: Path) -> Path:
    """A workload file (docs/workloads.md) holding ``layer`` alone."""
    kind = layer.kind.value
    h, w = layer.input_hw
    channels = layer.in_channels
    if kind == "fc":
        entry = {"name": layer.name, "kind": "fc", "in": layer.in_channels, "out": layer.out_channels}
        in_hw: Any = 1
    else:
        entry = {
            "name": layer.name, "kind": kind, "in": layer.in_channels, "out": layer.out_channels,
            "kernel": list(layer.kernel_hw), "stride": list(layer.stride_hw),
            "padding": list(layer.padding_hw), "in_hw": [h, w],
        }
        if kind == "conv" and layer.groups != 1:
            entry["groups"] = layer.groups
        in_hw = [h, w]
    doc = {
        "name": f"{network}-{layer.name}",
        "dataset": "imagenet",
        "input": {"channels": channels, "in_hw": in_hw},
        "source": f"layer '{layer.name}' of hwcost's built-in '{network}' workload",
        "layers": [entry],
    }
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def scheme_at(bits: int) -> hwcost.QuantScheme:
    """``lsq`` at ``bits``, first/last layers at the same bits (the one layer is both)."""
    return replace(hwcost.get_scheme(SCHEME).with_bits(bits, bits), first_last_bits=bits)


def pe_widths(layer: Any, bits: int) -> Widths:
    """Operand and accumulator widths as hwcost's plan sizes them for a one-layer workload."""
    scheme = scheme_at(bits)
    n = layer.reduction_length
    body = hwcost.classify(scheme, n)
    edge = hwcost.classify(scheme, n, edge_layer=True)
    return Widths(weight=edge.weight_operand_bits, act=edge.act_operand_bits,
                  acc=max(body.accumulator_bits, edge.accumulator_bits), out=scheme.outputs.bits)


def unit_energies(lib: hwcost.TechLib, wd: Widths) -> dict[str, float]:
    """Every unit energy both models use, from hwcost's technology library (pJ)."""
    glb = dict(capacity_bytes=GLB_KIB * 1024, width_bits=GLB_PORT_BITS)
    return {
        "mult": lib.energy_pj("int_multiplier", a_bits=wd.weight, b_bits=wd.act),
        "acc_add": lib.energy_pj("int_adder", bits=wd.acc),
        "reg_w": lib.energy_pj("register", bits=wd.weight),
        "reg_i": lib.energy_pj("register", bits=wd.act),
        "reg_o": lib.energy_pj("register", bits=wd.acc),
        "glb_read": lib.energy_pj("sram", "read", **glb),
        "glb_write": lib.energy_pj("sram", "write", **glb),
        "dram_read_bit": lib.energy_pj("dram", "read", bits=1, standard="lpddr4"),  # the template default
        "dram_write_bit": lib.energy_pj("dram", "write", bits=1, standard="lpddr4"),
    }


# Row stationary's PE scratchpads: hwcost's defaults, Eyeriss's 224 / 12 / 24 words (MacArrayConfig,
# after Chen et al., JSSC 2017), the same on both sides.
RS_CONFIG = MacArrayConfig(dataflow=Dataflow.ROW_STATIONARY)
SPAD_WORDS = {"w": RS_CONFIG.spad_weight_words, "i": RS_CONFIG.spad_input_words, "o": RS_CONFIG.spad_psum_words}


def spad_energies(lib: hwcost.TechLib, wd: Widths) -> dict[str, float]:
    """Row stationary: each scratchpad's energy per word read and written, at the width hwcost's
    plan prices it (``plan.py`` ``_pe_spad_row``): weights at the PE's weight bits, inputs at its
    activation bits, partial sums at the layer's accumulator bits (``spad_prices``: flip-flops and
    a mux tree below 64 words, the CACTI ``regfile`` law above)."""
    pricer = Pricer(lib)
    out = {}
    for key, bits in (("w", wd.weight), ("i", wd.act), ("o", wd.acc)):
        read, write, _, _ = spad_prices(SPAD_WORDS[key], bits, pricer)
        out[f"spad_{key}_read"], out[f"spad_{key}_write"] = read, write
    return out


# --------------------------------------------------------------------------------------------
# hwcost
# --------------------------------------------------------------------------------------------


def hwcost_arch(dataflow: Dataflow) -> MacArrayConfig:
    """The accelerator both tools are given: per-PE accumulation, no accumulator buffer, no input
    line buffer (ZigZag's hierarchy has none: its input registers are fed from the GLB), one GLB
    bank with one 64-bit port, 128 bits of DRAM per cycle (hwcost's defaults differ: a 64 KiB
    accumulator buffer, a 2 KiB line buffer, 4 GLB banks, 12.8 GB/s)."""
    return MacArrayConfig(pe_rows=PE_ROWS, pe_cols=PE_COLS, dataflow=dataflow, pe_style=PeStyle.ACCUMULATE,
                          acc_buffer_kib=0.0, input_buffer_kib=0.0,
                          glb_kib=GLB_KIB, glb_banks=1, glb_width_bits=GLB_PORT_BITS,
                          clock_mhz=CLOCK_MHZ, dram_bandwidth_gbps=DRAM_BITS_PER_CYCLE * CLOCK_MHZ * 1e6 / 8 / 1e9)


def run_hwcost(p: Point, workload_file: Path, lib: hwcost.TechLib, wd: Widths, e: dict[str, float]) -> Side:
    start, start_cpu = time.perf_counter(), time.process_time()
    point = hwcost.design_point(scheme_at(p.bits), arch=hwcost_arch(p.dataflow), techlib=lib, workload=workload_file)
    report = hwcost.report_of(point)
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu

    levels = dict.fromkeys(LEVELS, 0.0)
    quant = other = static = noc = 0.0
    rows = {r.unit: r for r in report.breakdown}
    for row in report.breakdown:
        # ZigZag prices dynamic energy only: hwcost's leakage over the latency (a row's static_pj,
        # part of its energy_pj) is listed apart.
        leak = float(getattr(row, "static_pj", 0.0) or 0.0)
        static += leak
        row = replace(row, energy_pj=row.energy_pj - leak)
        level = HWCOST_LEVEL_OF_ROW.get(row.unit, "?")
        if level == "?":
            level = {hwcost.Category.ON_CHIP_MEMORY: "BUF", hwcost.Category.DRAM: "DRAM",
                     hwcost.Category.QUANT_OVERHEAD: "quant"}.get(row.category, "other")
        if level == "quant":
            quant += row.energy_pj
        elif level == "noc":
            noc += row.energy_pj
        elif level in LEVELS:
            levels[level] += row.energy_pj
        elif row.energy_pj:
            other += row.energy_pj
            _warn(f"{p.layer.name}: hwcost row '{row.unit}' ({row.energy_pj / 1e6:.3g} uJ) has no level; left out")
        rows[row.unit] = row

    # The unit energies given to ZigZag must be the ones hwcost priced: check them on the report.
    macs = report.macs
    _same(rows["mac_multiplier"].energy_pj / macs, e["mult"], f"{p.layer.name}: multiplier energy per MAC")
    if p.dataflow is Dataflow.ROW_STATIONARY:
        reg_parts, spad_extra = split_spads(p, report, rows, e)
    else:
        reg_parts, spad_extra = split_registers(p, report, rows, e), {}

    dram_bits = rows["dram"].actions
    dram_cycles = dram_bits / DRAM_BITS_PER_CYCLE
    compute = report.compute_cycles
    return Side(levels, report.latency_cycles, seconds, cpu, extra={
        "compute_cycles": compute,
        "dram_cycles": dram_cycles,
        "quant_overhead_pj": quant,
        "static_pj": static,
        "noc_pj": noc,
        "unassigned_pj": other,
        "reg_pj_by_operand": reg_parts,
        "glb_accesses": rows["glb"].actions,
        "dram_bits": dram_bits,
        # One GLB bank of one port: its cycles are its accesses (bits / port width).
        "bound": next((name for name, c in (("compute", compute), ("DRAM", dram_cycles), ("GLB", rows["glb"].actions))
                       if c >= report.latency_cycles * (1 - 1e-9)), "other"),
        "utilisation": report.utilisation,
        "mapping": report.layers[0].mapping,
        **spad_extra,
    })


def split_registers(p: Point, report: Any, rows: dict[str, Any], e: dict[str, float]) -> dict[str, float]:
    """The ``pe_registers`` row (WS, OS, IS) split by operand: its energy per register, pJ."""
    macs = report.macs
    _same(rows["accumulator"].energy_pj / macs, e["acc_add"], f"{p.layer.name}: accumulator energy per MAC")
    # The row's actions: one accumulator-register write per MAC (accumulations), one latch per MAC
    # of the streamed operand's register, and the stationary operand's loads (docs/cost-model.md
    # §2): WS streams inputs and keeps weights, OS streams both, IS streams weights and keeps
    # inputs. The stationary loads are what is left; checked against a hand count of the layer
    # (one slice per operand here: the PE is as wide as the layer):
    # WS: every weight once, W; IS: every im2col activation once, G * P * N.
    stationary = rows["pe_registers"].actions - 2 * macs
    lay = p.layer
    if p.dataflow is Dataflow.INPUT_STATIONARY:
        input_loads, weight_loads = stationary, macs
        oy, ox = lay.output_hw
        im2col = lay.groups * oy * ox * lay.reduction_length
        # When the layer's weights cannot stay in the GLB beside its input, hwcost may block the
        # output channels and latch the inputs once per block (docs/cost-model.md §2, "What stays
        # in the GLB"): B = ceil(W b_w / (S - I b_a)) blocks.
        glb_bits, w_bits = GLB_KIB * 1024 * 8, lay.out_channels * lay.reduction_length * p.bits
        in_bits = lay.in_channels * lay.input_hw[0] * lay.input_hw[1] * p.bits
        blocks = -(-w_bits // (glb_bits - in_bits)) if w_bits > glb_bits > in_bits else 1
        expected = im2col * blocks if abs(input_loads - im2col * blocks) < 0.5 else im2col
        _same(input_loads, expected, f"{lay.name} IS: input-register loads = G P N (x {blocks:.0f} GLB blocks of "
                                     "output channels where the weights cannot stay)")
    else:
        input_loads, weight_loads = macs, stationary
        if p.dataflow is Dataflow.WEIGHT_STATIONARY:
            # When the layer's input cannot stay in the GLB beside its weights, hwcost may block the
            # pixels and load the weight tiles once per block (docs/cost-model.md §2, "What stays in
            # the GLB"): B = ceil(I_u b_a / (S - W b_w)) blocks, which its mapping text names.
            w = lay.out_channels * lay.reduction_length
            blocked = re.search(r"(\d+) pixel blocks", report.layers[0].mapping)
            blocks = int(blocked.group(1)) if blocked else 1
            _same(weight_loads, w * blocks, f"{lay.name} WS: weight-register loads = W (x {blocks} GLB blocks of "
                                            "pixels where the input cannot stay)")
    reg_parts = {"W": weight_loads * e["reg_w"], "I": input_loads * e["reg_i"], "O": macs * e["reg_o"]}
    _same(rows["pe_registers"].energy_pj, sum(reg_parts.values()), f"{p.layer.name}: PE register energy")
    return reg_parts


def split_spads(p: Point, report: Any, rows: dict[str, Any], e: dict[str, float]) -> tuple[dict[str, float], dict[str, Any]]:
    """Row stationary: the ``pe_spads`` row split into its terms (``plan.py`` ``_pe_spad_row``) --
    per PE operation a weight- and an input-scratchpad read, per accumulation a psum read and
    write, per weight and input load a write -- and its energy by operand, pJ.

    The report gives the row's actions (MACs + accumulations + weight writes + input writes) and
    its energy, and the ``accumulator`` row's actions (the accumulations): two equations for the
    two write counts. Each count is then checked against a hand count of hwcost's mapping
    (``docs/cost-model.md`` §2, "Row stationary"; p filters and q channels per PE as the report's
    mapping names them): weight writes W x E (each weight into the E PEs making an output row with
    it); input writes G ceil(K_g / p) C_g R_k E W_row, W_row = min(F S_k, (F - 1) s + S_k) (each
    input row, once per p filters, into each PE convolving it); accumulations = MACs (a PE adds the
    partial sum arriving from below into its own: the column's chain adds none, since 3030518)."""
    lay, macs = p.layer, report.macs
    accumulations = rows["accumulator"].actions
    _same(rows["accumulator"].energy_pj / accumulations, e["acc_add"],
          f"{lay.name}: accumulator energy per accumulation")
    e_psum = e["spad_o_read"] + e["spad_o_write"]
    spads = rows["pe_spads"]
    writes = spads.actions - macs - accumulations  # weight + input scratchpad writes
    rest = spads.energy_pj - macs * (e["spad_w_read"] + e["spad_i_read"]) - accumulations * e_psum
    weight_writes = (rest - writes * e["spad_i_write"]) / (e["spad_w_write"] - e["spad_i_write"])
    input_writes = writes - weight_writes

    # Hand counts of hwcost's mapping on the 16 x 16 array.
    groups = lay.groups
    kg, cg = lay.out_channels // groups, lay.in_channels // groups
    rk, sk = lay.kernel_hw if lay.kind.value != "fc" else (1, 1)
    e_rows, f_cols = lay.output_hw if lay.kind.value != "fc" else (1, 1)
    s_row = lay.stride_hw[0] if lay.kind.value != "fc" else 1
    found = re.search(r"(\d+) filters? x (\d+) channels?", report.layers[0].mapping)
    pf, q = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
    if not found:
        _warn(f"{lay.name} RS: no 'p filters x q channels' in hwcost's mapping '{report.layers[0].mapping}'")
    weights = lay.out_channels * cg * rk * sk
    w_row = min(f_cols * sk, (f_cols - 1) * s_row + sk)
    outputs = lay.out_channels * e_rows * f_cols
    _same(weight_writes, weights * e_rows, f"{lay.name} RS: weight-spad writes = W E")
    if pf:
        _same(input_writes, groups * -(-kg // pf) * cg * rk * e_rows * w_row,
              f"{lay.name} RS: input-spad writes = G ceil(K_g/p) C_g R_k E W_row")
    _same(accumulations, macs, f"{lay.name} RS: accumulations = MACs")

    reg_parts = {"W": macs * e["spad_w_read"] + weight_writes * e["spad_w_write"],
                 "I": macs * e["spad_i_read"] + input_writes * e["spad_i_write"],
                 "O": accumulations * e_psum}
    _same(spads.energy_pj, sum(reg_parts.values()), f"{lay.name}: PE scratchpad energy")
    return reg_parts, {"spad_counts": {"weight_reads": macs, "weight_writes": weight_writes, "input_reads": macs,
                                       "input_writes": input_writes, "psum_read_writes": accumulations},
                       "pe_filters": pf, "pe_channels": q}


def _warn(message: str) -> None:
    if message not in WARNINGS:
        WARNINGS.append(message)


def _same(a: float, b: float, what: str) -> None:
    if not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
        _warn(f"{what}: hwcost priced {a:.6g}, ZigZag was given {b:.6g} -- not matched")


# --------------------------------------------------------------------------------------------
# ZigZag
# --------------------------------------------------------------------------------------------


def zigzag_layer(layer: Any, wd: Widths, bits: int) -> dict[str, Any]:
    """The layer in ZigZag's user workload format (a list of such dicts; the equation and loop
    dimensions of ZigZag's own ONNX Conv parser, with G the groups)."""
    kind = layer.kind.value
    groups = layer.groups
    oy, ox = layer.output_hw
    fy, fx = layer.kernel_hw
    sy, sx = layer.stride_hw
    py, px = layer.padding_hw
    iy, ix = layer.input_hw
    return {
        "id": 0,
        "name": layer.name,
        "operator_type": "Conv",
        "equation": "O[b][g][k][oy][ox]+=W[g][k][c][fy][fx]*I[b][g][c][iy][ix]",
        "dimension_relations": [f"ix={sx}*ox+1*fx", f"iy={sy}*oy+1*fy"],
        "loop_dims": ["B", "K", "G", "OX", "OY", "C", "FX", "FY"],
        "loop_sizes": [1, layer.out_channels // groups, groups, ox, oy, layer.in_channels // groups, fx, fy]
        if kind != "fc" else [1, layer.out_channels, 1, 1, 1, layer.in_channels, 1, 1],
        "operand_precision": {"W": bits, "I": bits, "O": wd.acc, "O_final": wd.out},
        "operand_source": {"W": 0, "I": 0},  # both come from this layer's memories (DRAM)
        "pr_loop_dims": ["IX", "IY"],
        "pr_loop_sizes": [ix, iy],
        "padding": [[px, px], [py, py]],
    }


def os_pixel_split(ox: int, oy: int, rows: int = PE_ROWS) -> tuple[int, int]:
    """Factors (a, b), a * b <= rows, a <= OX, b <= OY, with the fewest pixel tiles
    ceil(OX/a) * ceil(OY/b); ties to the larger a * b, then to the squarer."""
    best = (1, 1)
    best_key: tuple[float, ...] = (math.inf, 0, 0)
    for a in range(1, min(ox, rows) + 1):
        for b in range(1, min(oy, rows // a) + 1):
            key = (math.ceil(ox / a) * math.ceil(oy / b), -a * b, abs(a - b))
            if key < best_key:
                best, best_key = (a, b), key
    return best


def spatial_mapping(layer: Any, dataflow: Dataflow) -> dict[str, list[str]]:
    """hwcost's dataflow as a ZigZag spatial mapping: D1 = the 16 rows, D2 = the 16 columns."""
    kind = layer.kind.value
    k = layer.out_channels // layer.groups
    c = layer.in_channels // layer.groups
    fy, fx = layer.kernel_hw
    oy, ox = layer.output_hw

    def reduction(size: int) -> list[str]:
        if c >= size or kind == "fc" or (fx == fy == 1):
            return [f"C, {min(c, size)}"]
        dims, used = [], 1  # a depthwise (C = 1) or narrow layer: the reduction's C x FX x FY as far as it fits
        for dim, n in (("C", c), ("FX", fx), ("FY", fy)):
            if n > 1 and used * n <= size:
                dims.append(f"{dim}, {n}")
                used *= n
        return dims or ["C, 1"]

    def pixels(size: int) -> list[str]:
        a, b = os_pixel_split(ox, oy, size)
        return [f"OX, {a}"] + ([f"OY, {b}"] if b > 1 else [])

    if dataflow is Dataflow.WEIGHT_STATIONARY:  # rows = reduction, columns = output channels
        return {"D1": reduction(PE_ROWS), "D2": [f"K, {min(k, PE_COLS)}"]}
    if dataflow is Dataflow.OUTPUT_STATIONARY:  # rows = output pixels, columns = output channels
        return {"D1": pixels(PE_ROWS), "D2": [f"K, {min(k, PE_COLS)}"]}
    if dataflow is Dataflow.INPUT_STATIONARY:  # rows = reduction, columns = output pixels
        return {"D1": reduction(PE_ROWS), "D2": pixels(PE_COLS)}
    if dataflow is Dataflow.ROW_STATIONARY:
        return row_stationary_mapping(layer)
    raise ValueError(f"no ZigZag spatial mapping for {dataflow}")


def row_stationary_mapping(layer: Any) -> dict[str, list[str]]:
    """hwcost's row-stationary mapping as a ZigZag spatial mapping (``counts.py``
    ``_count_row_stationary``): the rows hold r = min(FY, 16) filter rows (``r_used``) of v =
    floor(16 / r) stacked PE sets, each on other input channels (``stacked``: C); the columns e =
    min(OY, 16) output rows (``e``) of h = floor(16 / e) sets side by side, each on other filters
    (``beside``: K). A set ZigZag cannot fill (fewer channels or filters than sets) is left out, as
    hwcost's sets then idle. FX and OX stay in the PE (temporal: the 1-D row convolution), as do
    the q channels and p filters each PE interleaves: ZigZag's mapper places those loops."""
    kind = layer.kind.value
    k, c = layer.out_channels // layer.groups, layer.in_channels // layer.groups
    fy, oy = (1, 1) if kind == "fc" else (layer.kernel_hw[0], layer.output_hw[0])
    r = min(fy, PE_ROWS)
    v = min(PE_ROWS // r, c)
    e = min(oy, PE_COLS)
    h = min(PE_COLS // e, k)
    d1 = ([f"FY, {r}"] if r > 1 else []) + ([f"C, {v}"] if v > 1 else [])
    d2 = ([f"OY, {e}"] if e > 1 else []) + ([f"K, {h}"] if h > 1 else [])
    return {"D1": d1 or ["C, 1"], "D2": d2 or ["K, 1"]}


def zigzag_accelerator(wd: Widths, e: dict[str, float], register_reads: str,
                       dataflow: Dataflow = Dataflow.WEIGHT_STATIONARY) -> dict[str, Any]:
    """The accelerator in ZigZag's YAML format, lowest memory level first. Row stationary: each PE
    holds three scratchpads of hwcost's sizes (``SPAD_WORDS``) instead of one-word registers,
    with hwcost's energy per word read and written (``spad_energies``)."""

    def register(operand: str, bits: int, load_pj: float, words: int = 1, read_pj: float | None = None) -> dict[str, Any]:
        if read_pj is None:
            read_pj = load_pj if register_reads == "load" else 0.0
        if operand == "O":  # a partial sum is read and written from below (the MAC) and above
            r_alloc, w_alloc = ["O, tl", "O, th"], ["O, fl", "O, fh"]
        else:
            r_alloc, w_alloc = [f"{operand}, tl"], [f"{operand}, fh"]
        return {
            "size": words * bits, "r_cost": read_pj, "w_cost": load_pj, "area": 0.0, "latency": 1,
            "operands": [operand],
            "ports": [
                {"name": "r_port_1", "type": "read", "bandwidth_min": bits, "bandwidth_max": bits, "allocation": r_alloc},
                {"name": "w_port_1", "type": "write", "bandwidth_min": bits, "bandwidth_max": bits, "allocation": w_alloc},
            ],
            "served_dimensions": [],  # one per PE
        }

    everything = ["I1", "I2", "O"]
    if dataflow is Dataflow.ROW_STATIONARY:
        pe_level = {
            "spad_W": register("I2", wd.weight, e["spad_w_write"], SPAD_WORDS["w"], e["spad_w_read"]),
            "spad_I": register("I1", wd.act, e["spad_i_write"], SPAD_WORDS["i"], e["spad_i_read"]),
            "spad_O": register("O", wd.acc, e["spad_o_write"], SPAD_WORDS["o"], e["spad_o_read"]),
        }
    else:
        pe_level = {
            "reg_W": register("I2", wd.weight, e["reg_w"]),
            "reg_I": register("I1", wd.act, e["reg_i"]),
            "reg_O": register("O", wd.acc, e["reg_o"]),
        }
    return {
        "name": "hwcost_mac_array_16x16",
        "memories": {
            **pe_level,
            "glb": {
                "size": int(GLB_KIB * 1024 * 8), "r_cost": e["glb_read"], "w_cost": e["glb_write"], "area": 0.0,
                "latency": 1, "operands": everything,
                "ports": [  # one port for reads and writes, as hwcost's GLB bank (its bandwidth in the latency)
                    {"name": "rw_port_1", "type": "read_write", "bandwidth_min": 1, "bandwidth_max": GLB_PORT_BITS,
                     "allocation": ["I1, tl", "I2, tl", "O, tl", "O, th", "I1, fh", "I2, fh", "O, fh", "O, fl"]},
                ],
                "served_dimensions": ["D1", "D2"],
            },
            "dram": {
                "size": 10**13, "r_cost": DRAM_BITS_PER_CYCLE * e["dram_read_bit"],
                "w_cost": DRAM_BITS_PER_CYCLE * e["dram_write_bit"], "area": 0.0, "latency": 1,
                "operands": everything,
                "ports": [
                    {"name": "rw_port_1", "type": "read_write", "bandwidth_min": 1, "bandwidth_max": DRAM_BITS_PER_CYCLE,
                     "allocation": ["I1, fh", "I1, tl", "I2, fh", "I2, tl", "O, fh", "O, tl", "O, fl", "O, th"]},
                ],
                "served_dimensions": ["D1", "D2"],
            },
        },
        "operational_array": {
            "unit_energy": e["mult"] + e["acc_add"], "unit_area": 1.0,
            "dimensions": ["D1", "D2"], "sizes": [PE_ROWS, PE_COLS],
            "systolic_dimensions": ["D1", "D2"],  # operands move a PE per cycle, as in hwcost's array
        },
    }


def hwcost_rs_ordering(layer: Any, pe_filters: int, pe_channels: int) -> tuple[list[list[Any]], str]:
    """``--rs-order hwcost``: hwcost's row-stationary loop nest as a complete ZigZag temporal
    ordering (innermost first; ``counts.py`` ``_count_row_stationary``): in the PE, the S_k taps
    of a filter row (FX), q channels (C), p filters (K), the F output columns (OX); then the
    channel passes (C), the filter passes (K), the output-row folds (OY), filter-row folds (FY)
    and groups (G). ZigZag's temporal loop sizes are about ceil(size / spatial unrolling)
    (``LomaEngine.get_temporal_loops``; below) and a complete ordering must multiply to them, so q and p
    are the largest divisors of ZigZag's C and K loops not above hwcost's q and p (a prime C loop
    leaves q = 1). Returns the ordering and a note of any q or p so adapted; ZigZag's memory
    allocator then places each loop at the lowest level it fits."""
    spatial: dict[str, int] = {}
    for entries in row_stationary_mapping(layer).values():
        for entry in entries:
            dim, size = entry.split(", ")
            spatial[dim] = spatial.get(dim, 1) * int(size)
    zl = zigzag_layer(layer, Widths(8, 8, 32, 8), 8)

    def temporal_size(size: int, unroll: int) -> int:
        # ZigZag evens out a spatial unrolling that does not divide its loop (size / ceil(size /
        # unroll): 56 rows on 16 columns as 4 x 14) and takes the ceil of the float quotient
        # (spatial_mapping_conversion.py, engine.py): 512 channels on 5 sets give 104 iterations.
        evened = size / math.ceil(size / unroll)
        return math.ceil(size / evened)

    temporal = {dim: temporal_size(size, spatial.get(dim, 1)) for dim, size in zip(zl["loop_dims"], zl["loop_sizes"])}

    def divisor(n: int, at_most: int) -> int:
        return max(d for d in range(1, max(min(n, at_most), 1) + 1) if n % d == 0)

    q, pf = divisor(temporal["C"], pe_channels), divisor(temporal["K"], pe_filters)
    loops = [("FX", temporal["FX"]), ("C", q), ("K", pf), ("OX", temporal["OX"]), ("C", temporal["C"] // q),
             ("K", temporal["K"] // pf), ("OY", temporal["OY"]), ("FY", temporal["FY"]), ("G", temporal["G"])]
    note = "" if (q, pf) == (pe_channels, pe_filters) else \
        f"q {pe_channels} -> {q} of C {temporal['C']}, p {pe_filters} -> {pf} of K {temporal['K']}"
    return [[dim, size] for dim, size in loops if size > 1], note


def run_zigzag(p: Point, wd: Widths, e: dict[str, float], tmp: Path, lpf_limit: int, register_reads: str,
               ordering: list[list[Any]] | None = None) -> Side:
    """ZigZag's least-energy mapping of the point (or, given ``ordering``, the cost of that complete
    temporal ordering, its loops placed by ZigZag's memory allocator)."""
    from zigzag.mapping.temporal_mapping import TemporalMappingType
    from zigzag.stages.evaluation.cost_model_evaluation import CostModelStage
    from zigzag.stages.main import MainStage
    from zigzag.stages.mapping.spatial_mapping_generation import SpatialMappingGeneratorStage
    from zigzag.stages.mapping.temporal_mapping_generator_stage import TemporalMappingGeneratorStage
    from zigzag.stages.parser.accelerator_parser import AcceleratorParserStage
    from zigzag.stages.parser.workload_parser import WorkloadParserStage
    from zigzag.stages.results.reduce_stages import MinimalEnergyStage
    from zigzag.stages.workload_iterator import WorkloadStage

    acc_file = tmp / "zigzag_accelerator.yaml"
    map_file = tmp / "zigzag_mapping.yaml"
    acc_file.write_text(yaml.safe_dump(zigzag_accelerator(wd, e, register_reads, p.dataflow), sort_keys=False))
    sm = spatial_mapping(p.layer, p.dataflow)
    mapping = [{"name": "default", "spatial_mapping": sm, "memory_operand_links": {"O": "O", "W": "I2", "I": "I1"}}]
    if ordering:
        mapping[0]["temporal_ordering"] = ordering
    map_file.write_text(yaml.safe_dump(mapping, sort_keys=False))
    workload = [zigzag_layer(p.layer, wd, p.bits)]

    # The stages of zigzag.api.get_hardware_performance_zigzag without the ones that save files
    # and plots: parse, per layer, keep the least-energy spatial and temporal mapping (LOMA).
    stages = [WorkloadParserStage, AcceleratorParserStage, WorkloadStage, MinimalEnergyStage,
              SpatialMappingGeneratorStage, MinimalEnergyStage, TemporalMappingGeneratorStage, CostModelStage]
    start, start_cpu = time.perf_counter(), time.process_time()
    main = MainStage(
        list_of_callables=stages, accelerator=str(acc_file), workload=workload, mapping=str(map_file),
        loma_lpf_limit=lpf_limit, loma_show_progress_bar=False, nb_mappings_generated=1,
        enable_mix_spatial_mapping_generation=False,
        access_same_data_considered_as_no_access=True,  # as zigzag.api does
        temporal_mapping_type=TemporalMappingType("uneven"),
    )
    cme = main.run()[0][0]
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu

    levels = dict.fromkeys(LEVELS, 0.0)
    levels["MAC"] = cme.mac_energy
    level_of = {"reg_W": "REG", "reg_I": "REG", "reg_O": "REG", "spad_W": "REG", "spad_I": "REG", "spad_O": "REG",
                "glb": "BUF", "dram": "DRAM"}
    by_operand: dict[str, dict[str, float]] = {}
    accesses: dict[str, dict[str, dict[str, int]]] = {}
    hierarchy = cme.accelerator.memory_hierarchy
    for layer_op, energies in cme.mem_energy_breakdown.items():
        mem_op = cme.memory_operand_links.layer_to_mem_op(layer_op)
        mems = hierarchy.get_memory_levels(mem_op)
        for mem, pj, acc in zip(mems, energies, cme.memory_word_access[layer_op]):
            levels[level_of[mem.name]] += pj
            by_operand.setdefault(str(layer_op), {})[level_of[mem.name]] = pj
            accesses.setdefault(str(layer_op), {})[mem.name] = {str(k): int(v) for k, v in acc.data.items()} \
                if hasattr(acc, "data") else {}
    sm_used = {str(d): {str(k): v for k, v in m.items()} for d, m in cme.layer.spatial_mapping.items()}
    return Side(levels, float(cme.latency_total2), seconds, cpu, extra={
        "stall_free_cycles": float(cme.ideal_temporal_cycle + cme.systolic_drain_cycle),
        "temporal_cycles": float(cme.ideal_temporal_cycle),
        "drain_cycles": float(cme.systolic_drain_cycle),
        "stall_cycles": float(cme.stall_slack_comb),
        "onload_cycles": float(cme.data_onloading_cycle),
        "offload_cycles": float(cme.data_offloading_cycle),
        "pj_by_operand": by_operand,
        "word_accesses": accesses,
        "spatial_mapping": sm_used,
        "temporal_mapping": str(cme.temporal_mapping),
    })


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def ratio(a: float, b: float) -> float:
    return a / b if b else (1.0 if a == 0 else math.inf)


def _e(pj: float) -> str:
    """Energy in µJ, 3 significant figures."""
    uj = pj / 1e6
    return f"{uj:.3g}" if uj >= 0.001 or uj == 0 else f"{uj:.1e}"


def _c(cycles: float) -> str:
    return f"{cycles / 1e3:.4g}k" if cycles >= 1e3 else f"{cycles:.0f}"


HEADER = ["layer", "b", "flow"] + [f"{lv} hw/zz (x)" for lv in (*LEVELS, "total")] + \
         ["cycles hw / zz", "cyc x", "stall-free hw / zz", "time hw / zz (s)"]


def table_rows(results: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for r in results:
        hw, zz = r["hwcost"], r["zigzag"]
        cells = [r["layer"], str(r["bits"]), r["flow"]]
        for lv in LEVELS:
            cells.append(f"{_e(hw.levels[lv])} / {_e(zz.levels[lv])} ({ratio(hw.levels[lv], zz.levels[lv]):.2f})")
        cells.append(f"{_e(hw.total)} / {_e(zz.total)} ({ratio(hw.total, zz.total):.2f})")
        cells.append(f"{_c(hw.cycles)} / {_c(zz.cycles)}")
        cells.append(f"{ratio(hw.cycles, zz.cycles):.2f}")
        cells.append(f"{_c(hw.extra['compute_cycles'])} / {_c(zz.extra['stall_free_cycles'])}")
        cells.append(f"{hw.seconds:.3f} / {zz.seconds:.1f}")
        rows.append(cells)
    return rows


def print_table(results: list[dict[str, Any]], markdown: bool) -> None:
    rows = table_rows(results)
    if markdown:
        print("| " + " | ".join(HEADER) + " |")
        print("|" + "|".join("---" for _ in HEADER) + "|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
        return
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(HEADER)]
    print("  ".join(h.ljust(w) for h, w in zip(HEADER, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)))


def summary(results: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    out = {}
    keys = (*LEVELS, "total", "latency cycles", "stall-free cycles")
    for key in keys:
        ratios = []
        for r in results:
            hw, zz = r["hwcost"], r["zigzag"]
            if key == "total":
                a, b = hw.total, zz.total
            elif key == "latency cycles":
                a, b = hw.cycles, zz.cycles
            elif key == "stall-free cycles":
                a, b = hw.extra["compute_cycles"], zz.extra["stall_free_cycles"]
            else:
                a, b = hw.levels[key], zz.levels[key]
            if a or b:
                ratios.append(ratio(a, b))
        dev = [abs(x - 1) for x in ratios]
        out[key] = {
            "n": len(ratios),
            "median_abs_ratio_minus_1": statistics.median(dev) if dev else float("nan"),
            "within_25pct": sum(d <= 0.25 for d in dev),
            "within_15pct": sum(d <= 0.15 for d in dev),
            "median_ratio": statistics.median(ratios) if ratios else float("nan"),
            "min_ratio": min(ratios) if ratios else float("nan"),
            "max_ratio": max(ratios) if ratios else float("nan"),
        }
    return out


def print_summary(s: dict[str, dict[str, float]], markdown: bool) -> None:
    head = ["quantity", "n", "median abs(ratio - 1)", "within +-25 %", "within +-15 %", "median ratio", "range"]
    rows = [[k, str(v["n"]), f"{v['median_abs_ratio_minus_1']:.2f}", f"{v['within_25pct']}/{v['n']}",
             f"{v['within_15pct']}/{v['n']}",
             f"{v['median_ratio']:.2f}", f"{v['min_ratio']:.2f} .. {v['max_ratio']:.2f}"] for k, v in s.items()]
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join("---" for _ in head) + "|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
        return
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)))


def print_detail(r: dict[str, Any]) -> None:
    hw, zz = r["hwcost"], r["zigzag"]
    print(f"\n{r['layer']} {r['bits']}b {r['flow']}: widths {r['widths']}")
    print(f"  hwcost: registers by operand (uJ) "
          + ", ".join(f"{k} {_e(v)}" for k, v in hw.extra["reg_pj_by_operand"].items())
          + f"; GLB accesses {hw.extra['glb_accesses']:.4g}; DRAM bits {hw.extra['dram_bits']:.4g};"
          f" latency {hw.extra['bound']}-bound; not compared: quantization overhead {_e(hw.extra['quant_overhead_pj'])} uJ,"
          f" leakage {_e(hw.extra['static_pj'])} uJ, on-chip network {_e(hw.extra['noc_pj'])} uJ")
    if "spad_counts" in hw.extra:
        print(f"  hwcost: {hw.extra['mapping']}; scratchpad accesses "
              + ", ".join(f"{k} {v:.4g}" for k, v in hw.extra["spad_counts"].items()))
    if zz.extra.get("ordering_given"):
        print(f"  zigzag: given hwcost's loop nest {zz.extra['ordering_given']} (innermost first)")
    print(f"  zigzag: spatial {zz.extra['spatial_mapping']}; stalls {zz.extra['stall_cycles']:.4g},"
          f" on-load {zz.extra['onload_cycles']:.4g}, off-load {zz.extra['offload_cycles']:.4g} cycles")
    for op, lv in zz.extra["pj_by_operand"].items():
        print(f"    {op}: " + ", ".join(f"{k} {_e(v)} uJ" for k, v in lv.items())
              + "  accesses " + "; ".join(f"{m}: {a}" for m, a in zz.extra["word_accesses"][op].items()))
    print(f"    temporal mapping (innermost first, per level): {zz.extra['temporal_mapping']}")


def hwcost_source() -> str:
    """Where hwcost was imported from, and its git commit (+ 'modified' when its package files
    differ from that commit): the figures depend on the model's code, not on its version number."""
    import subprocess

    root = Path(hwcost.__file__).resolve().parent.parent
    try:
        def git(*a: str) -> str:
            return subprocess.run(["git", "-C", str(root), *a], capture_output=True, text=True, check=True).stdout.strip()

        commit = git("rev-parse", "--short=12", "HEAD")
        dirty = git("status", "--porcelain", "--", "hwcost")
        return f"{root}, commit {commit}{' + modified' if dirty else ''}"
    except (OSError, subprocess.CalledProcessError):
        return f"{root}, not a git checkout"


def versions() -> dict[str, str]:
    from importlib.metadata import version

    out = {"python": sys.version.split()[0], "hwcost": f"{hwcost.__version__} ({hwcost_source()})"}
    for dist in ("zigzag-dse", "six", "numpy"):
        try:
            out[dist] = version(dist)
        except Exception:  # noqa: BLE001 - report what is there
            out[dist] = "?"
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layers", help="comma-separated layer names (default: the 13 of LAYERS)")
    ap.add_argument("--quick", action="store_true", help=f"{len(QUICK_LAYERS)} layers, 8 b only")
    ap.add_argument("--bits", help="comma-separated bit-widths (default 8,4; --quick: 8)")
    ap.add_argument("--dataflows", default=DEFAULT_FLOWS,
                    help=f"comma-separated, of {', '.join(FLOWS)} (default {DEFAULT_FLOWS}; RS: row stationary, PEs with scratchpads)")
    ap.add_argument("--rs-order", choices=("search", "hwcost"), default="search",
                    help="RS: ZigZag searches the temporal mapping (default) or is given hwcost's loop nest (hwcost_rs_ordering)")
    ap.add_argument("--lpf-limit", type=int, default=6, help="ZigZag LOMA loop-prime-factor limit (ZigZag's default 6)")
    ap.add_argument("--register-reads", choices=("free", "load"), default="free",
                    help="ZigZag register read energy: free (default; the library prices a register per clocked load) or load")
    ap.add_argument("--markdown", action="store_true", help="print markdown tables")
    ap.add_argument("--detail", action="store_true", help="per-operand ZigZag accesses and mappings, hwcost register split")
    ap.add_argument("--json", type=Path, help="write every figure to this JSON file")
    ap.add_argument("--verbose", action="store_true", help="show ZigZag's log")
    args = ap.parse_args(argv)

    try:
        import zigzag  # noqa: F401
    except ImportError:
        print("ZigZag is not installed in this environment; see the header of this script:\n"
              "  python3.11 -m venv /tmp/zz && /tmp/zz/bin/pip install zigzag-dse==3.9.1 six==1.17.0 "
              "&& /tmp/zz/bin/pip install -e /path/to/hwcost", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("zigzag").setLevel(logging.INFO if args.verbose else logging.ERROR)

    names = args.layers.split(",") if args.layers else (list(QUICK_LAYERS) if args.quick else None)
    bits_list = [int(b) for b in (args.bits or ("8" if args.quick else "8,4")).split(",")]
    names_given = [f.strip().upper() for f in args.dataflows.split(",")]
    unknown = [f for f in names_given if f not in FLOWS]
    if unknown:
        ap.error(f"--dataflows: unknown {', '.join(repr(f) for f in unknown)}; choose among {', '.join(FLOWS)}")
    dataflows = [FLOWS[f] for f in names_given]
    lib = hwcost.load_techlib(NODE)
    layers = select_layers(names)
    vers = versions()
    print(f"hwcost {vers['hwcost']} vs zigzag-dse {vers['zigzag-dse']} (python {vers['python']}); node {NODE}, "
          f"scheme {SCHEME}, {PE_ROWS}x{PE_COLS} PEs, GLB {GLB_KIB:g} KiB x {GLB_PORT_BITS} b, "
          f"DRAM {DRAM_BITS_PER_CYCLE} b/cycle; ZigZag: least-energy mapping, LOMA lpf_limit {args.lpf_limit}, "
          f"register reads {args.register_reads}"
          + (f"; RS temporal order: {'hwcost loop nest' if args.rs_order == 'hwcost' else 'searched'}"
             if Dataflow.ROW_STATIONARY in dataflows else ""))

    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="peer_zigzag_") as tmpdir:
        tmp = Path(tmpdir)
        # One untimed evaluation each, so that one-off lazy loading is not charged to the first layer.
        warm = Point(*layers[0], bits_list[0], dataflows[0])
        wd0 = pe_widths(warm.layer, warm.bits)
        run_hwcost(warm, one_layer_workload(warm.network, warm.layer, tmp / "warm.yaml"), lib, wd0,
                   {**unit_energies(lib, wd0), **spad_energies(lib, wd0)})
        for network, layer in layers:
            wfile = one_layer_workload(network, layer, tmp / f"{layer.name}.yaml")
            for bits in bits_list:
                wd = pe_widths(layer, bits)
                e_all = unit_energies(lib, wd)
                for dataflow in dataflows:
                    e = {**e_all, **spad_energies(lib, wd)} if dataflow is Dataflow.ROW_STATIONARY else e_all
                    p = Point(network, layer, bits, dataflow)
                    hw = run_hwcost(p, wfile, lib, wd, e)
                    ordering, note = None, ""
                    if dataflow is Dataflow.ROW_STATIONARY and args.rs_order == "hwcost":
                        ordering, note = hwcost_rs_ordering(layer, hw.extra["pe_filters"], hw.extra["pe_channels"])
                        if note:
                            _warn(f"{layer.name} {bits}b RS ordering: {note}")
                    zz = run_zigzag(p, wd, e, tmp, args.lpf_limit, args.register_reads, ordering)
                    zz.extra["ordering_given"] = ordering
                    r = {"network": network, "layer": layer.name, "bits": bits, "flow": p.flow,
                         "widths": vars(wd), "unit_energies_pj": e, "hwcost": hw, "zigzag": zz}
                    results.append(r)
                    print(f"  {layer.name:20s} {bits}b {p.flow}: total hwcost/ZigZag {ratio(hw.total, zz.total):.2f}, "
                          f"cycles {ratio(hw.cycles, zz.cycles):.2f}  ({hw.seconds:.3f} s / {zz.seconds:.1f} s)",
                          file=sys.stderr, flush=True)

    print()
    given = args.rs_order == "hwcost" and Dataflow.ROW_STATIONARY in dataflows
    print("Energy in uJ per layer; hw = hwcost, zz = ZigZag's least-energy mapping"
          + (" (RS: of hwcost's loop nest, given)" if given else "") + ", (x) = hwcost / ZigZag.")
    print("REG = PE registers, BUF = global buffer; dynamic energy: hwcost's leakage, quantization-overhead and"
          " on-chip network rows are not compared.")
    print_table(results, args.markdown)
    print()
    s = summary(results)
    print_summary(s, args.markdown)
    by_flow = {}
    if len(dataflows) > 1:
        for flow in dataflows:
            name = FLOW_NAMES[flow]
            by_flow[name] = summary([r for r in results if r["flow"] == name])
            print(f"\n{name} only:")
            print_summary(by_flow[name], args.markdown)
    n = len(results)
    for what, attr in (("wall", "seconds"), ("CPU", "cpu_seconds")):
        t_hw = sum(getattr(r["hwcost"], attr) for r in results)
        t_zz = sum(getattr(r["zigzag"], attr) for r in results)
        print(f"{'' if attr == 'cpu_seconds' else chr(10)}{what} time over {n} points: hwcost {t_hw:.2f} s "
              f"({t_hw / n * 1e3:.1f} ms/point), ZigZag {t_zz:.1f} s ({t_zz / n:.1f} s/point), ratio {t_zz / t_hw:.0f}x")
    if WARNINGS:
        print("\nNot matched (the figures above are still printed):")
        for w in WARNINGS:
            print(f"  - {w}")
    if args.detail:
        for r in results:
            print_detail(r)
    if args.json:
        def enc(o: Any) -> Any:
            if isinstance(o, Side):
                return {"levels_pj": o.levels, "total_pj": o.total, "cycles": o.cycles, "seconds": o.seconds,
                        "cpu_seconds": o.cpu_seconds, **o.extra}
            raise TypeError(type(o))
        args.json.write_text(json.dumps({"versions": vers, "results": results, "summary": s,
                                         "summary_by_dataflow": by_flow, "warnings": WARNINGS},
                                        default=enc, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
