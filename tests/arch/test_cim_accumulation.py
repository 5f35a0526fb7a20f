"""CIM accumulation options: analog weight combining, PWM / DAC inputs, analog pair subtraction,
active rows. Every expected number is a hand count or a closed form derived in the comments from
docs/cim-model.md §2-§6, never the model's own output.

The tiny workload (as tests/arch/test_cim_model.py): lsq W4/A4, first/last layers at 8 bits.
  stem (first): N = 576, K = 64, P = 64, 8-bit weights (m = 8), S_a = 8
  body:         N = 576, K = 16, P = 64, 4-bit weights (m = 4), S_a = 4
  fc (last):    N = 1024, K = 10, P = 1, 8-bit weights (m = 8), S_a = 8
Signed weights on differential pairs (2 polarities), 1-bit cells, 128 x 128 macros.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from hwcost.arch.cim_macro.config import (
    CIM_MACRO_DEFAULTS,
    CimMacroParams,
    InputEncoding,
    PairSubtraction,
    WeightAccumulation,
    lossless_adc_bits,
)
from hwcost.arch.cim_macro.counts import CimLayerParams, Encoding, cim_geometry, count_cim_actions
from hwcost.arch.registry import load_arch, with_overrides
from hwcost.arch.shared.tables import LayerShapes
from hwcost.cli import main
from hwcost.errors import HwcostError
from hwcost.evaluate import design_point, report_of
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
SAR_1GHZ = dict(readout="sar", sample_rate_hz=1e9)
ANALOG_W = WeightAccumulation.ANALOG
ANALOG_PAIR = PairSubtraction.ANALOG

# (P, S_a, N, K, m) of stem, body, fc.
LAYERS = ((64, 8, 576, 64, 8), (64, 4, 576, 16, 4), (1, 8, 1024, 10, 8))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wl") / "tiny.yaml"
    path.write_text(TINY)
    return path


# The hand counts assume every weight resident (macros: auto) and the SAR priced at a 1 GHz rate.
BASE = replace(CIM_MACRO_DEFAULTS, macros=None, clock_mhz=1000.0)


def _report(tiny: Path, **arch: object):
    return report_of(design_point("lsq", 4, arch=replace(BASE, **arch), workload=tiny))


def _rows(report) -> dict:
    return {r.unit: r for r in report.breakdown}


def _hand_conversions(polarities: int, weight_slices_of, rows: int = 128) -> int:
    """P * S_a * ceil(N / rows) * K * (slices converted) * (polarities converted), summed."""
    return sum(P * s_a * math.ceil(N / rows) * K * weight_slices_of(m) * polarities for P, s_a, N, K, m in LAYERS)


@pytest.mark.parametrize("weights, pair, slices, polarities", [
    (WeightAccumulation.DIGITAL, PairSubtraction.DIGITAL, lambda m: m, 2),  # today: every bit column, both columns
    (ANALOG_W, PairSubtraction.DIGITAL, lambda m: 1, 2),  # one conversion per weight and polarity
    (WeightAccumulation.DIGITAL, ANALOG_PAIR, lambda m: m, 1),  # one per bit column of a pair
    (ANALOG_W, ANALOG_PAIR, lambda m: 1, 1),  # one per weight
])
def test_conversions_follow_the_accumulation_choices(tiny: Path, weights, pair, slices, polarities) -> None:
    r = _rows(_report(tiny, weight_accumulation=weights, pair_subtraction=pair))
    expected = _hand_conversions(polarities, slices)
    assert r["adc"].actions == expected == r["shift_add"].actions
    # The cells are the same whatever is converted: P * S_a * N * (K * m * 2) in every layer.
    assert r["cim_cells"].actions == sum(P * s_a * N * K * m * 2 for P, s_a, N, K, m in LAYERS)


def test_hand_count_of_the_fully_analog_readout(tiny: Path) -> None:
    # stem 64*8*5*64, body 64*4*5*16, fc 1*8*8*10: one conversion per weight, input bit and row group.
    r = _report(tiny, weight_accumulation=ANALOG_W, pair_subtraction=ANALOG_PAIR)
    assert _rows(r)["adc"].actions == 163_840 + 20_480 + 640
    s = dict(r.settings)
    # Signed sums of whole 8-bit weights: 2 * 128 * 255 * 1 + 1 = 65,281 levels -> 16 bits.
    assert s["lossless_adc_bits"] == 16 and s["adc_quantized_layers"] == 3
    # Every layer needs more than the 8-bit ADC: every conversion is priced at 8 bits.
    assert _rows(r)["adc"].energy_pj == pytest.approx(184_960 * LIB.energy_pj("column_adc", bits=8, **SAR_1GHZ))


@pytest.mark.parametrize("rows, c, p, signed, expected", [
    (128, 4, 1, False, 11),  # analog 4-bit weights: 128 * 15 + 1 = 1921 levels
    (128, 4, 1, True, 12),  # and the pair subtracted: 2 * 1920 + 1 = 3841
    (128, 1, 1, True, 9),  # per-bit columns, pair subtracted: 257
    (64, 1, 1, False, 7),  # 64 active rows: 65
    (16, 3, 4, True, 12),  # 2 * 16 * 7 * 15 + 1 = 3361 <= 4096
])
def test_lossless_bits_of_the_combined_sum(rows: int, c: int, p: int, signed: bool, expected: int) -> None:
    levels = (2 if signed else 1) * rows * (2**c - 1) * (2**p - 1) + 1
    assert lossless_adc_bits(rows, c, p, signed) == expected == math.ceil(math.log2(levels))


def test_macro_params_carry_the_combined_range() -> None:
    m = CimMacroParams(adc_bits=8, weight_accumulation=ANALOG_W, pair_subtraction=ANALOG_PAIR, active_rows=32)
    # 2 * 32 * (2^4 - 1) * 1 + 1 = 961 levels -> 10 bits: 4 levels per 8-bit code.
    assert m.lossless_adc_bits(weight_bits=4) == 10 and m.adc_step(weight_bits=4) == 4
    assert m.lossless_adc_bits(weight_bits=4, weights_signed=False) == 9  # 481 levels, no pair
    assert CimMacroParams().lossless_adc_bits() == 8  # the defaults are unchanged
    cfg = replace(CIM_MACRO_DEFAULTS, weight_accumulation=ANALOG_W, active_rows=32)
    assert cfg.macro_params.weight_accumulation is ANALOG_W and cfg.macro_params.active_rows == 32


def test_active_rows_split_each_macro_into_activations(tiny: Path) -> None:
    # 16 of 128 rows at a time: a 576-row reduction is 4 full macros x 8 activations + 64 rows
    # in 4 = 36 = ceil(576 / 16); fc 1024 / 16 = 64.
    r = _report(tiny, active_rows=16)
    conv = 64 * 8 * 36 * 1024 + 64 * 4 * 36 * 128 + 1 * 8 * 64 * 160
    assert _rows(r)["adc"].actions == conv
    # A 16-row sum has 17 levels: 5 bits, so each conversion resolves 5 of the ADC's 8 bits.
    assert dict(r.settings)["lossless_adc_bits"] == 5
    assert _rows(r)["adc"].energy_pj == pytest.approx(conv * LIB.energy_pj("column_adc", bits=5, **SAR_1GHZ))
    # The macro count is set by the physical rows, not the active ones.
    assert dict(r.settings)["macros"] == dict(_report(tiny).settings)["macros"]


def _one_layer(N: int, K: int, P: int, **over: np.ndarray) -> tuple[LayerShapes, CimLayerParams]:
    v = lambda x: np.array([x], dtype=float)  # noqa: E731
    shapes = LayerShapes(v(P * K * N), v(N), v(K), v(1), v(P), v(K * N), v(P * N), v(P * K),
                         *(np.array([False]) for _ in range(3)))
    col = lambda x: np.array([[x]], dtype=float)  # noqa: E731
    p = CimLayerParams(
        rows=col(128), cols=col(128), adc_share=col(8), cell_bits=col(1), pulse_bits=col(1), adc_bits=col(8),
        encoding=col(Encoding.DIFFERENTIAL), macros_fixed=col(np.nan), post_lanes=col(16), acc_bits=col(18),
        glb_bits=col(1e9), dram_bits_per_cycle=col(100), weight_bits=col(4), weight_signed=col(True).astype(bool),
        weight_narrow=col(False).astype(bool), act_bits=col(4), input_bits=col(4),
        act_signed=col(False).astype(bool), out_bits=col(4), extra_dram_bits_per_layer=col(0),
    )
    return shapes, replace(p, **{k: (col(x) if not isinstance(x, np.ndarray) else x) for k, x in over.items()})


def test_active_rows_that_do_not_divide_the_macro() -> None:
    # N = 300 on 128-row macros, 100 active rows: macros of 128, 128, 44 rows -> 2 + 2 + 1 = 5
    # activations (ceil(300 / 100) would say 3).
    shapes, p = _one_layer(300, 8, 2, active_rows=100)
    g = cim_geometry(shapes, p)
    assert g.row_activations[0, 0] == 5 and g.activations_per_tile[0, 0] == 2
    a = count_cim_actions(shapes, p, g)
    assert a.conversions[0, 0] == 2 * 4 * 5 * (8 * 4 * 2)


@pytest.mark.parametrize("weight_analog, pair_analog, A", [(False, False, 128), (True, False, 64), (True, True, 32),
                                                           (False, True, 128)])
def test_conversions_per_mac_closed_form(weight_analog: bool, pair_analog: bool, A: int) -> None:
    # N a multiple of A: conversions / MAC = S_a * S_conv * pol_conv / A, with S_a = 4 (A4),
    # S_conv = 1 (analog) or S_w = 4, pol_conv = 1 (analog pair) or 2.
    shapes, p = _one_layer(512, 32, 10, weight_analog=np.array([[weight_analog]]),
                           pair_analog=np.array([[pair_analog]]), active_rows=A)
    a = count_cim_actions(shapes, p, cim_geometry(shapes, p))
    closed = 4 * (1 if weight_analog else 4) * (1 if pair_analog else 2) / A
    assert a.conversions[0, 0] / shapes.macs[0] == pytest.approx(closed)


def test_pwm_inputs_fire_unit_pulses_and_a_1_bit_driver(tiny: Path) -> None:
    pwm = _rows(_report(tiny, input_bits_per_pulse=2, input_encoding=InputEncoding.PWM))
    dac = _rows(_report(tiny, input_bits_per_pulse=2))  # omitted encoding at p = 2: a 2-bit DAC
    # Both: S_a = ceil(b_a / 2) slices, so the same conversions: stem 64*4*5*1024, body 64*2*5*128, fc 4*8*160.
    conv = 64 * 4 * 5 * 1024 + 64 * 2 * 5 * 128 + 1 * 4 * 8 * 160
    assert pwm["adc"].actions == dac["adc"].actions == conv
    # A 2-bit slice is up to 3 unit pulses, each reaching the cells and toggling a 1-bit driver.
    cells_dac = 64 * 4 * 576 * 1024 + 64 * 2 * 576 * 128 + 1 * 4 * 1024 * 160
    drives_dac = 64 * 4 * 576 * 8 + 64 * 2 * 576 * 1 + 1 * 4 * 1024 * 2
    assert dac["cim_cells"].actions == cells_dac and pwm["cim_cells"].actions == 3 * cells_dac
    assert dac["dac"].energy_pj == pytest.approx(drives_dac * LIB.energy_pj("dac", bits=2))
    assert pwm["dac"].energy_pj == pytest.approx(3 * drives_dac * LIB.energy_pj("dac", bits=1))


def test_adc_energy_follows_the_resolution_each_layer_needs(tiny: Path) -> None:
    # One active row, per-bit columns: a conversion sums 1 * 1 * 1 + 1 = 2 levels, so it needs
    # 1 bit of the 4-bit ADC; P * S_a * N * columns conversions (one per row).
    r = _rows(_report(tiny, adc_bits=4, active_rows=1))
    conv = 64 * 8 * 576 * 1024 + 64 * 4 * 576 * 128 + 1 * 8 * 1024 * 160
    assert r["adc"].actions == conv
    assert r["adc"].energy_pj == pytest.approx(conv * LIB.energy_pj("column_adc", bits=1, **SAR_1GHZ))
    # ADC area is the physical 4-bit converter's, whatever a conversion resolves.
    assert r["adc"].area_um2 == pytest.approx(61 * 16 * LIB.area_um2("column_adc", bits=4, **SAR_1GHZ))


def test_yaml_keys_and_range_checks(tmp_path: Path) -> None:
    path = tmp_path / "acc.yaml"
    path.write_text("template: cim_macro\nweight_accumulation: analog\ninput_encoding: pwm\n"
                    "input_bits_per_pulse: 4\npair_subtraction: analog\nactive_rows: 64\n")
    arch = load_arch(path)
    assert (arch.weight_accumulation, arch.input_mode, arch.pair_subtraction, arch.active_rows) == (
        ANALOG_W, InputEncoding.PWM, ANALOG_PAIR, 64)
    bad = tmp_path / "bad.yaml"
    bad.write_text("template: cim_macro\nweight_accumulation: charge\nactive_rows: 0\npair_subtraction: maybe\n")
    with pytest.raises(HwcostError) as err:
        load_arch(bad)
    text = str(err.value)
    for needle in ("bad.yaml:2", "weight_accumulation", "bad.yaml:3", "active_rows", "bad.yaml:4", "pair_subtraction"):
        assert needle in text
    with pytest.raises(HwcostError, match="at most rows"):
        with_overrides(CIM_MACRO_DEFAULTS, {"active_rows": 129})
    with pytest.raises(HwcostError, match="bit_serial input has 1 bit per pulse"):
        with_overrides(CIM_MACRO_DEFAULTS, {"input_encoding": "bit_serial", "input_bits_per_pulse": 2})


def test_cli_flags(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["evaluate", "--arch", "cim", "--scheme", "lsq", "--bits", "4", "--weight-accumulation", "analog",
            "--pair-subtraction", "analog", "--active-rows", "64", "--input-encoding", "dac", "--dac-bits", "2"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "accumulation: weight bits analog, inputs dac, pair subtraction analog, 64 rows per conversion" in out
    assert main(["evaluate", "--arch", "cim", "--active-rows", "lots"]) == 2
    assert "active-rows" in capsys.readouterr().err
