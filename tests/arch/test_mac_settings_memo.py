"""The MAC array's blocks and their settings memo (``plan_mac_block``, ``hwcost/arch/shared/memo.py``).

A block may hold configurations of several global-buffer sizes (its GLB row's numbers are then
arrays over them), and what a block prices from its configurations and the datapaths' widths
alone (the PE grid's rows, the local buffers, the GLB and DRAM rows) is kept per library for
the blocks that follow. Each block's plan must be what pricing it anew gives: the tests plan a
sequence of blocks, each differing from one before it in one setting, with one library's memo
and each with a new one, and compare every number; a memo whose key missed a setting would
hand a block the numbers of the block before it.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

import hwcost
from hwcost.arch.gating import PowerGating
from hwcost.arch.mac_array.config import Dataflow, PeStyle
from hwcost.arch.mac_array.plan import GridAndBuffers, MacPlan, Widths, _Block, _grid_and_buffers, grid_and_buffers, plan_mac_block
from hwcost.arch.mac_array.template import MacArrayTemplate
from hwcost.arch.shared.memo import SettingsMemo
from hwcost.arch.shared.memory import DramStandard
from hwcost.arch.shared.pricing import Pricer
from hwcost.errors import HwcostError
from hwcost.evaluate import CostCache

LIB = hwcost.load_techlib("45nm")
WORKLOAD = hwcost.load_workload("resnet20")


def _configs(**settings: Any) -> list[hwcost.MacArrayConfig]:
    """A block's configurations: PE grids, accumulator buffers and GLB sizes, with ``settings``."""
    return [hwcost.MacArrayConfig(pe_rows=r, pe_cols=c, acc_buffer_kib=acc, glb_kib=glb, **settings)
            for r, c, acc, glb in itertools.product((8, 16), (8, 32), (16.0, 64.0), (64.0, 256.0))]


def _numbers(plan: MacPlan) -> list[tuple[object, ...]]:
    """Every number of a plan's rows, arrays as tuples of floats, and its other per-point fields."""

    def flat(value: Any) -> tuple[float, ...]:
        return tuple(float(v) for v in np.ravel(value).tolist())

    rows = [(r.name, r.source, flat(r.area_um2), flat(r.leakage_mw),
             tuple((t.count, t.static, tuple(flat(e) for e in t.energies_pj)) for t in r.terms)) for r in plan.rows]
    fields = [flat(getattr(plan, f)) for f in ("acc_port_bits", "ibuf_port_bits", "glb_pj_per_bit", "dram_pj_per_bit")]
    return rows + fields


def _plan(scheme: hwcost.QuantScheme, configs: list[hwcost.MacArrayConfig], pricer: Pricer, cache: CostCache) -> MacPlan:
    tables = cache.tables(WORKLOAD)
    return plan_mac_block(scheme, configs, pricer, tables, cache.datapaths(scheme, tables))


# Each block differs from one before it in one setting (the first block's, unless named).
BASE = _configs()
BLOCKS: list[tuple[str, tuple[str, int, int], list[hwcost.MacArrayConfig]]] = [
    ("base", ("lsq", 4, 4), BASE),
    ("bits", ("lsq", 8, 8), BASE),
    ("weight bits", ("lsq", 2, 4), BASE),
    ("activation bits", ("lsq", 4, 8), BASE),
    ("sliced classes", ("lsq", 2, 2), BASE),
    ("scheme", ("lsq+", 4, 4), BASE),
    ("scheme", ("per-channel", 4, 4), BASE),
    ("pe_rows", ("lsq", 4, 4), [replace(c, pe_rows=12) if i == 3 else c for i, c in enumerate(BASE)]),
    ("pe_cols", ("lsq", 4, 4), [replace(c, pe_cols=4) if i == 5 else c for i, c in enumerate(BASE)]),
    ("acc_buffer_kib", ("lsq", 4, 4), [replace(c, acc_buffer_kib=32.0) if i == 0 else c for i, c in enumerate(BASE)]),
    ("input_buffer_kib", ("lsq", 4, 4), [replace(c, input_buffer_kib=4.0) if i == 7 else c for i, c in enumerate(BASE)]),
    ("glb_kib", ("lsq", 4, 4), [replace(c, glb_kib=512.0) if i == 2 else c for i, c in enumerate(BASE)]),
    ("one glb_kib", ("lsq", 4, 4), [replace(c, glb_kib=128.0) for c in BASE]),
    ("glb_banks", ("lsq", 4, 4), _configs(glb_banks=8)),
    ("glb_width_bits", ("lsq", 4, 4), _configs(glb_width_bits=128)),
    ("dram_standard", ("lsq", 4, 4), _configs(dram_standard=DramStandard.HBM2)),
    ("clock_mhz", ("lsq", 4, 4), _configs(clock_mhz=500.0)),
    ("power_gating", ("lsq", 4, 4), _configs(power_gating=PowerGating.IDLE)),
    ("power_gating at 500 MHz", ("lsq", 4, 4), _configs(power_gating=PowerGating.IDLE, clock_mhz=500.0)),
    ("buffer-less", ("lsq", 4, 4), _configs(input_buffer_kib=0.0)),
    ("row stationary", ("lsq", 4, 4), _configs(dataflow=Dataflow.ROW_STATIONARY)),
    ("spad words", ("lsq", 4, 4), _configs(dataflow=Dataflow.ROW_STATIONARY, spad_psum_words=16)),
    ("row stationary, bits", ("lsq", 8, 8), _configs(dataflow=Dataflow.ROW_STATIONARY)),
    ("adder tree", ("lsq", 4, 4), [hwcost.MacArrayConfig(pe_rows=16, pe_cols=c, pe_style=PeStyle.ADDER_TREE, glb_kib=g)
                                   for c, g in itertools.product((8, 32), (64.0, 256.0))]),
    ("adder tree rows", ("lsq", 4, 4), [hwcost.MacArrayConfig(pe_rows=8, pe_cols=c, pe_style=PeStyle.ADDER_TREE, glb_kib=g)
                                        for c, g in itertools.product((8, 32), (64.0, 256.0))]),
]


def test_each_block_with_the_memo_is_what_pricing_it_anew_gives() -> None:
    cache = CostCache()
    shared = cache.pricer(LIB)  # one memo for the whole sequence
    for label, (name, w, a), configs in BLOCKS + BLOCKS[::-1]:  # and back: each key met again
        scheme = hwcost.get_scheme(name, w, a)
        kept = _plan(scheme, configs, shared, cache)
        anew = _plan(scheme, configs, Pricer(LIB), CostCache())
        assert _numbers(kept) == _numbers(anew), label


def _grid_numbers(part: GridAndBuffers) -> list[tuple[object, ...]]:
    def flat(value: Any) -> tuple[float, ...]:
        return tuple(float(v) for v in np.ravel(value).tolist())

    rows = [(r.name, flat(n), flat(r.area_um2), flat(r.leakage_mw), tuple((t.count, t.static, tuple(flat(e) for e in t.energies_pj))
                                                                   for t in r.terms)) for r, n in part.grid + part.buffers]
    return rows + [flat(part.acc_port_bits), flat(part.ibuf_port_bits)]


# Widths of a body sliced into two passes (a class of 2-bit operands on a 4-bit PE... in the
# abstract: every field is what the function reads) and one change to each field alone.
SLICED = Widths(hw_weight_bits=4, hw_act_bits=4, acc_bits=22, class_acc_bits=(20, 22), class_passes=(2, 1),
                class_product_bits=(12, None), act_bits=4)
CHANGES = {"hw_weight_bits": 8, "hw_act_bits": 8, "acc_bits": 26, "class_acc_bits": (20, 26), "class_passes": (2, 2),
           "class_product_bits": (12, 16), "act_bits": 8}


@pytest.mark.parametrize("gating", [PowerGating.NONE, PowerGating.IDLE])
def test_the_grid_and_buffers_are_kept_under_every_width_they_read(gating: PowerGating) -> None:
    """Each width changed alone changes the numbers, and the kept value is the one priced anew: a
    key that missed a width would hand back the numbers of the widths before it."""
    assert set(CHANGES) == set(Widths._fields)
    arch = _Block(_configs(power_gating=gating))
    shared = Pricer(LIB)
    base = _grid_numbers(grid_and_buffers(arch, shared, SLICED))
    for name, value in CHANGES.items():
        widths = SLICED._replace(**{name: value})
        kept = _grid_numbers(grid_and_buffers(arch, shared, widths))
        assert kept == _grid_numbers(_grid_and_buffers(arch, Pricer(LIB), widths)), name
        if name != "class_passes" or gating is PowerGating.IDLE:  # the passes count only where the grid is gated
            assert kept != base, name


def test_a_block_of_several_glb_sizes_gives_each_point_its_own_plan() -> None:
    """Point by point: each configuration planned alone (a float per number) equals its place in
    the block's arrays."""
    cache = CostCache()
    pricer = cache.pricer(LIB)
    scheme = hwcost.get_scheme("lsq", 4, 4)
    configs = {label: c for label, _, c in BLOCKS}["glb_kib"]
    block = _plan(scheme, configs, pricer, cache)
    assert isinstance(next(r for r in block.rows if r.name == "glb").area_um2, np.ndarray)
    for i, config in enumerate(configs):
        alone = _plan(scheme, [config], Pricer(LIB), CostCache())
        for mine, own in zip(_numbers(block), _numbers(alone)):
            assert _at(mine, i) == own


def _at(numbers: tuple[object, ...], i: int) -> tuple[object, ...]:
    """Point ``i``'s numbers of a row of :func:`_numbers` (a tuple of one float: shared)."""

    def pick(value: Any) -> Any:
        if isinstance(value, tuple) and value and all(isinstance(v, float) for v in value):
            return (value[i],) if len(value) > 1 else value
        if isinstance(value, tuple):
            return tuple(pick(v) for v in value)
        return value

    return pick(numbers)


def test_the_numbers_a_memo_shares_between_blocks_are_read_only() -> None:
    cache = CostCache()
    scheme = hwcost.get_scheme("lsq", 4, 4)
    plan = _plan(scheme, BASE, cache.pricer(LIB), cache)
    glb = next(r for r in plan.rows if r.name == "glb")
    registers = next(r for r in plan.rows if r.name == "pe_registers")
    for value in (glb.area_um2, glb.terms[0].energies_pj[0], registers.area_um2, plan.acc_port_bits):
        assert isinstance(value, np.ndarray)
        with pytest.raises(ValueError):
            value[0] = 0.0


def test_a_settings_memo_keeps_at_most_its_points_first_in_first_out() -> None:
    memo = SettingsMemo(max_points=10)
    made: list[str] = []

    def make(name: str) -> Any:
        return lambda: made.append(name) or name

    assert memo.get(("a",), make("a"), 4) == "a"
    assert memo.get(("b",), make("b"), 4) == "b"
    assert memo.get(("a",), make("a again"), 4) == "a"  # kept: not made again
    assert memo.get(("c",), make("c"), 4) == "c"  # 12 points: "a", the first in, goes
    assert made == ["a", "b", "c"] and len(memo) == 2
    assert memo.get(("a",), make("a anew"), 4) == "a anew"


def test_a_sweep_over_glb_sizes_priced_in_blocks_equals_it_priced_point_by_point(monkeypatch: pytest.MonkeyPatch) -> None:
    schemes = [hwcost.get_scheme(n, w, a) for n, (w, a) in itertools.product(("lsq", "lsq+"), ((4, 4), (2, 8)))]
    arrays = [hwcost.MacArrayConfig(pe_rows=r, pe_cols=c, glb_kib=g, glb_banks=b, dataflow=df)
              for r, c, g, b, df in itertools.product((8, 32), (8, 32), (16.0, 64.0, 512.0), (4, 8), Dataflow)]
    points = [hwcost.DesignPoint(s, a, LIB, WORKLOAD) for s, a in itertools.product(schemes, arrays)]
    in_blocks = hwcost.sweep(points)
    monkeypatch.delattr(MacArrayTemplate, "plan_block")  # the evaluation falls back on plan() per point
    monkeypatch.delattr(MacArrayTemplate, "block_key")
    by_point = hwcost.sweep(points)
    numbers = in_blocks.select_dtypes("number").columns
    assert np.array_equal(in_blocks[numbers].to_numpy(), by_point[numbers].to_numpy())


def test_a_block_with_a_glb_too_small_for_its_banks_is_refused_as_the_point_alone() -> None:
    points = [hwcost.DesignPoint(hwcost.get_scheme("lsq", 4, 4), hwcost.MacArrayConfig(glb_kib=g, glb_banks=4), LIB, WORKLOAD)
              for g in (64.0, 2.0)]
    with pytest.raises(HwcostError, match="global-buffer bank of 512 B"):
        hwcost.sweep(points)
