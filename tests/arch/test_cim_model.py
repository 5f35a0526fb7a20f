"""CIM macro model: mapping, conversions and energies checked against hand-computed formulas.

The tiny workload has one body layer larger than the array (N = 3*3*64 = 576 > 128 rows) and
two first/last layers at the scheme's 8 bits; every expected number below is derived in the
comments from docs/cim-model.md and priced with the 45 nm library.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from hwcost.arch.cim_macro.counts import CimLayerParams, Encoding, cim_geometry
from hwcost.arch.cim_macro.config import CIM_MACRO_DEFAULTS, SignedWeights
from hwcost.arch.shared.tables import LayerShapes
from hwcost.evaluate import design_point, report_of, sweep
from hwcost.techlib import load_techlib

TINY = """\
name: tiny
dataset: cifar10
input: {channels: 64, in_hw: 8}
source: test workload
layers:
  - {name: stem, kind: conv, in: 64, out: 64, kernel: 3, stride: 1, padding: 1, in_hw: 8, first: true}
  - {name: body, kind: conv, in: 64, out: 16, kernel: 3, stride: 1, padding: 1, in_hw: 8}
  - {name: fc, kind: fc, in: 1024, out: 10, last: true}
"""

LIB = load_techlib("45nm")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wl") / "tiny.yaml"
    path.write_text(TINY)
    return path


# The hand counts below assume every weight resident (macros: auto) and one conversion per ADC per
# cycle at 1 GHz; the fixed macro count and the published clock are tested in test_cim_macros.py.
BASE = replace(CIM_MACRO_DEFAULTS, macros=None, clock_mhz=1000.0)


def _point(tiny: Path, scheme: str = "lsq", bits: int = 4, **arch: object):
    return design_point(scheme, bits, arch=replace(BASE, **arch), workload=tiny)


def _dynamic(row) -> float:
    """A row's energy without its leakage x latency."""
    return row.energy_pj - row.static_pj


def _rows(report) -> dict:
    return {r.unit: r for r in report.breakdown}


# lsq W4/A4, defaults (128x128, 1-bit cells, bit-serial, differential), P = 64 pixels:
#   body: N 576 -> RG 5; columns 16 ch x 4 slices x 2 = 128; S_a 4
#         conversions 64*4*5*128 = 163,840; from splitting 64*4*4*128 = 131,072
#   stem (8 b): columns 64 x 8 x 2 = 1024 (8 tiles); RG 5; S_a 8: 64*8*5*1024 = 2,621,440
#   fc   (8 b): columns 10 x 8 x 2 = 160 (2 tiles); N 1024 -> RG 8; P 1: 8*8*160 = 10,240
CONV_BODY, CONV_STEM, CONV_FC = 163_840, 2_621_440, 10_240
SPLIT = 64 * 4 * 4 * 128 + 64 * 8 * 4 * 1024 + 8 * 7 * 160


def test_row_groups_and_conversions_for_a_layer_larger_than_the_array(tiny: Path) -> None:
    r = report_of(_point(tiny))
    rows, s = _rows(r), dict(r.settings)
    assert rows["adc"].actions == CONV_BODY + CONV_STEM + CONV_FC
    assert s["max_row_groups"] == 8  # fc: ceil(1024 / 128)
    assert s["row_split_extra_conversions"] == SPLIT
    # Row-group partial sums are added digitally: O * (RG - 1) per layer.
    assert rows["row_group_accumulator"].actions == 64 * 16 * 4 + 64 * 64 * 4 + 10 * 7
    # Macros: body 5, stem 5 row groups x 8 column tiles, fc 8 x 2.
    assert s["macros"] == 5 + 40 + 16 and s["weights_resident"] is True


def test_geometry_of_one_long_layer() -> None:
    shapes = LayerShapes(*(np.array([v], dtype=float) for v in (589824, 576, 16, 1, 64, 9216, 4096, 1024)),
                         *(np.array([False]) for _ in range(3)))
    col = lambda v: np.array([[v]], dtype=float)  # noqa: E731
    p = CimLayerParams(
        rows=col(128), cols=col(128), adc_share=col(8), cell_bits=col(1), pulse_bits=col(1), adc_bits=col(5),
        encoding=col(Encoding.DIFFERENTIAL), macros_fixed=col(np.nan), post_lanes=col(16), acc_bits=col(18),
        glb_bits=col(1e6), dram_bits_per_cycle=col(100), weight_bits=col(4), weight_signed=col(True).astype(bool),
        weight_narrow=col(False).astype(bool), act_bits=col(4), input_bits=col(4),
        act_signed=col(False).astype(bool), out_bits=col(4), extra_dram_bits_per_layer=col(0),
    )
    g = cim_geometry(shapes, p)
    assert (g.row_groups[0, 0], g.cols_per_group[0, 0], g.tiles[0, 0]) == (5, 128, 5)
    assert g.lossless_bits[0, 0] == 8  # ceil(log2(128 * 1 * 1 + 1))
    digital = cim_geometry(shapes, replace(p, encoding=col(Encoding.DIGITAL)))
    assert g.cols_per_group[0, 0] == 2 * digital.cols_per_group[0, 0]


def test_differential_doubles_the_columns(tiny: Path) -> None:
    diff = _rows(report_of(_point(tiny, signed_weights=SignedWeights.DIFFERENTIAL)))
    dig = _rows(report_of(_point(tiny, signed_weights=SignedWeights.DIGITAL)))
    for unit in ("adc", "cim_cells", "shift_add"):
        assert diff[unit].actions == 2 * dig[unit].actions
    assert "signed_weight_correction" not in diff
    # Digital correction: sum(x) over N - 1 inputs per output pixel, one subtract per output.
    windows = 575 * 64 + 575 * 64 + 1023 * 1
    outputs = 64 * 16 + 64 * 64 + 10
    assert dig["signed_weight_correction"].actions == windows + outputs


def test_offset_encoding_adds_one_reference_column_per_row_group(tiny: Path) -> None:
    off = _rows(report_of(_point(tiny, signed_weights=SignedWeights.OFFSET)))
    # Columns per layer: K * S_w + 1; conversions = P * S_a * RG * columns.
    expected = 64 * 4 * 5 * (16 * 4 + 1) + 64 * 8 * 5 * (64 * 8 + 1) + 1 * 8 * 8 * (10 * 8 + 1)
    assert off["adc"].actions == expected
    assert off["signed_weight_correction"].actions == 64 * 16 + 64 * 64 + 10  # one subtract per output


# The default readout (a SAR, one conversion per ADC per cycle at BASE's 1 GHz clock).
SAR_1GHZ = dict(readout="sar", sample_rate_hz=1e9)


def test_unit_costs_of_the_array_rows(tiny: Path) -> None:
    r = _rows(report_of(_point(tiny, adc_bits=5)))
    conversions = CONV_BODY + CONV_STEM + CONV_FC
    assert r["adc"].energy_pj == pytest.approx(conversions * LIB.energy_pj("column_adc", bits=5, **SAR_1GHZ))
    # Cells: every cell of the used columns, per input pulse; P * S_a * N * columns.
    cells = 64 * 4 * 576 * 128 + 64 * 8 * 576 * 1024 + 8 * 1024 * 160
    assert _dynamic(r["cim_cells"]) == pytest.approx(cells * LIB.energy_pj("cim_cell", cell="sram_6t"))
    # Word-line drives: P * S_a * N per column tile.
    drives = 64 * 4 * 576 * 1 + 64 * 8 * 576 * 8 + 8 * 1024 * 2
    assert r["dac"].energy_pj == pytest.approx(drives * LIB.energy_pj("dac", bits=1))
    adcs = 61 * 128 // 8
    assert r["adc"].area_um2 == pytest.approx(adcs * LIB.area_um2("column_adc", bits=5, **SAR_1GHZ))


def _shift_add_pj(bits: int) -> float:
    return float(LIB.energy_pj("int_adder", bits=bits) + LIB.energy_pj("register", bits=bits))


def test_4_bit_vs_8_bit_adc_changes_energy_by_the_modelled_amount(tiny: Path) -> None:
    r4, r8 = (report_of(_point(tiny, adc_bits=b)) for b in (4, 8))
    e_adc = LIB.energy_pj("column_adc", bits=8, **SAR_1GHZ) - LIB.energy_pj("column_adc", bits=4, **SAR_1GHZ)
    # Shift-add width B_adc + (S_w - 1) c + (S_a - 1) p + 1: body 4 b -> B + 7, edge 8 b -> B + 15.
    d_sa = CONV_BODY * (_shift_add_pj(15) - _shift_add_pj(11))
    d_sa += (CONV_STEM + CONV_FC) * (_shift_add_pj(23) - _shift_add_pj(19))
    expected = (CONV_BODY + CONV_STEM + CONV_FC) * e_adc + d_sa
    # The on-chip network's bits are the same; they travel farther to the larger 8-bit ADCs' macros
    # (docs/cost-model.md §2, "On-chip network").
    noc4, noc8 = (_rows(r)["noc"] for r in (r4, r8))
    assert noc4.actions == noc8.actions and noc8.energy_pj > noc4.energy_pj
    dynamic = [r.energy_pj - r.static_energy_pj - _rows(r)["noc"].energy_pj for r in (r4, r8)]
    assert dynamic[1] - dynamic[0] == pytest.approx(expected, rel=1e-9)
    others4 = {k: _dynamic(v) for k, v in _rows(r4).items() if k not in ("adc", "shift_add", "noc")}
    others8 = {k: _dynamic(v) for k, v in _rows(r8).items() if k not in ("adc", "shift_add", "noc")}
    assert others4 == others8


def test_adc_energy_above_the_floor_doubles_per_bit() -> None:
    """Survey envelope (45nm.yaml): E = floor + FOM_W 2^b + thermal; the part above the floor
    grows 2x per bit (Walden) until the 4^b thermal term shows near 10 bits."""
    floor = LIB.components["adc"].energy["convert"].model.floor_pj
    bits = np.arange(4, 11)
    above = LIB.energy_pj("adc", bits=bits) - floor
    ratios = above[1:] / above[:-1]
    assert np.all((ratios > 1.99) & (ratios < 2.25))
    assert ratios[:3] == pytest.approx(2.0, abs=0.03)  # Walden alone: exactly 2


def test_breakdown_sums_to_totals_in_report_and_sweep(tiny: Path) -> None:
    point = _point(tiny, adc_bits=5)
    r = report_of(point)
    assert r.energy_pj == pytest.approx(sum(e for e, _ in r.by_category().values()))
    assert r.area_um2 == pytest.approx(sum(a for _, a in r.by_category().values()))
    frame = sweep([point])
    assert frame.loc[0, "energy_pj"] == pytest.approx(r.energy_pj)
    assert frame.loc[0, "area_um2"] == pytest.approx(r.area_um2)
    unit_cols = [c for c in frame.columns if c.startswith("energy_pj.") and c[10:] in _rows(r)]
    assert frame.loc[0, unit_cols].sum() == pytest.approx(r.energy_pj)


def test_mixed_sweep_leaves_the_mac_array_unchanged() -> None:
    mac = design_point("lsq", 4)
    cim = design_point("lsq", 4, arch="cim")
    alone, mixed = sweep([mac]), sweep([cim, mac])
    assert mixed.loc[1, "energy_pj"] == alone.loc[0, "energy_pj"]
    assert mixed.loc[1, "latency_cycles"] == alone.loc[0, "latency_cycles"]
    assert mixed.loc[0, "arch"] == "cim_macro" and mixed.loc[0, "adc_bits"] == 8


def test_adc_below_lossless_is_reported(tiny: Path) -> None:
    s = dict(report_of(_point(tiny, adc_bits=5)).settings)
    assert s["lossless_adc_bits"] == 8 and s["adc_quantized_layers"] == 3
    assert "quantized in 3 of 3 layers" in s["adc_note"]
    exact = dict(report_of(_point(tiny, adc_bits=8)).settings)
    assert exact["adc_quantized_layers"] == 0 and "exact" in exact["adc_note"]


def test_signed_inputs_use_twos_complement_slices(tiny: Path) -> None:
    # asymmetric + pre-subtract: operands (q - Z) are 5-bit signed; with 2-bit pulses the sign
    # bit gets its own slice: 1 + ceil(4 / 2) = 3 slices (body), 1 + ceil(8 / 2) = 5 (edge).
    point = design_point("asymmetric", 4, zero_point="pre-subtract", workload=tiny,
                         arch=replace(CIM_MACRO_DEFAULTS, input_bits_per_pulse=2))
    r = report_of(point)
    s = dict(r.settings)
    assert s["signed_inputs"] == "twos-complement slices"
    # Weights (5 b signed, differential, 5 magnitude bits): body columns 16 x 5 x 2 = 160.
    body = 64 * 3 * 5 * 160
    stem = 64 * 5 * 5 * (64 * 9 * 2)
    fc = 1 * 5 * 8 * (10 * 9 * 2)
    assert _rows(r)["adc"].actions == body + stem + fc


def test_fixed_macro_count_rewrites_sram_weights(tiny: Path) -> None:
    r = report_of(_point(tiny, macros=8))
    s, rows = dict(r.settings), _rows(r)
    assert s["macros"] == 8 and s["macros_needed"] == 61 and s["weights_resident"] is False
    cells = 576 * 128 + 576 * 1024 + 1024 * 160  # weight cells of the three layers, 1 bit each
    assert rows["weight_writes"].actions == cells
    per_bit = LIB.energy_pj("sram", "write", capacity_bytes=2048, width_bits=128) / 128
    assert rows["weight_writes"].energy_pj == pytest.approx(cells * per_bit)
    assert rows["cim_cells"].area_um2 == pytest.approx(8 * 128 * 128 * LIB.area_um2("cim_cell", cell="sram_6t"))
