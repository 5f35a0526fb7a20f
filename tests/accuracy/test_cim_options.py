"""The readout options of the CIM macro on the accuracy side: rows summed per conversion
(``active_rows``), weight bit columns combined in analog, differential pairs subtracted in analog.

Expectations are independent of the readout code: hand-computed small cases (written out below),
a loop-by-loop reference of the equations, the exact integer product at lossless ADC bits, and
lossless bits counted from the largest converted sum the operands can produce."""

from __future__ import annotations

import itertools
from dataclasses import fields, replace

import numpy as np
import pytest

from hwcost.arch.cim_macro.config import (
    CimMacroConfig,
    CimMacroParams,
    InputEncoding,
    PairSubtraction,
    SignedWeights,
    WeightAccumulation,
)
from hwcost.accuracy import CimSettings
from hwcost.accuracy.cim.noise import NO_NOISE, CimNoise, NoiseTarget
from hwcost.accuracy.cim.readout import CimLayout, CodeRange, FixedStepAdc, activation_rows, cim_product

DIGITAL, ANALOG = WeightAccumulation.DIGITAL, WeightAccumulation.ANALOG
PAIR_DIGITAL, PAIR_ANALOG = PairSubtraction.DIGITAL, PairSubtraction.ANALOG

# Hand cases: 4 rows, 1-bit inputs, weights of 2 bits in 1-bit cells, a 2-bit ADC.
A_HAND = np.array([[1, 1, 1, 0], [1, 1, 0, 1]])


def _hand(w: list[int], w_range: CodeRange, adc_bits: int, **options: object) -> tuple[CimLayout, np.ndarray]:
    macro = replace(CimMacroParams(rows=4, cell_bits=1, input_bits_per_pulse=1, adc_bits=adc_bits), **options)
    layout = CimLayout(macro, 4, CodeRange(0, 1), w_range)
    out = cim_product(A_HAND, np.array([w]), layout, FixedStepAdc(layout.fixed_step), NO_NOISE, None)
    return layout, out.codes[:, 0]


def test_hand_case_unsigned_weights_digital_vs_analog_combination_and_two_active_rows() -> None:
    """w = [3, 2, 3, 1]; exact products a1.w = 8, a2.w = 6.

    Digital (per-bit columns): bit-0 column [1, 0, 1, 1], bit-1 column [1, 1, 1, 0]; a sum of 4
    one-bit rows has 5 levels -> 3 lossless bits, so a 2-bit ADC has step 2 (values 0, 2, 4, 6).
      a1: bit 0 sums 2 -> 2, bit 1 sums 3 -> round(1.5) = 2 -> 4: y = 2 + 2 * 4 = 10
      a2: bit 0 sums 2 -> 2, bit 1 sums 2 -> 2:                   y = 2 + 2 * 2 = 6
    Analog (whole 2-bit weights, one conversion): 4 * 3 + 1 = 13 levels -> 4 bits, step 4.
      a1: 8 -> 8; a2: 6 -> round(1.5) = 2 -> 8
    Digital, 2 active rows: 3 levels -> 2 bits: lossless, y exact (8, 6).
    Analog, 2 active rows (rows 0-1, then 2-3): 2 * 3 + 1 = 7 levels -> 3 bits, step 2.
      a1: 3 + 2 = 5 -> round(2.5) = 3 -> 6, then 3 -> 4: y = 10
      a2: 5 -> 6, then 1 -> round(0.5) = 1 -> 2:          y = 8
    """
    w, r = [3, 2, 3, 1], CodeRange(0, 3)
    cases = {  # options -> (lossless bits, step, y)
        (DIGITAL, None): (3, 2, [10, 6]),
        (ANALOG, None): (4, 4, [8, 8]),
        (DIGITAL, 2): (2, 1, [8, 6]),
        (ANALOG, 2): (3, 2, [10, 8]),
    }
    for (acc, active), (bits, step, want) in cases.items():
        layout, y = _hand(w, r, 2, weight_accumulation=acc, active_rows=active)
        assert (layout.lossless_bits, layout.fixed_step) == (bits, step), (acc, active)
        assert y.tolist() == want, (acc, active)
    assert (A_HAND @ np.array(w)).tolist() == [8, 6]


def test_hand_case_differential_pairs_subtracted_before_or_after_the_adc() -> None:
    """w = [3, -2, 1, -3] as pairs w+ = [3, 0, 1, 0], w- = [0, 2, 0, 3]; exact 2 and -2.

    Both digital: 4 conversions of one-bit columns, 3 lossless bits, step 2 (2-bit ADC):
      a1: w+ bit 0 sums 2 -> 2, w+ bit 1 sums 1 -> 2, w- bit 0 sums 0, w- bit 1 sums 1 -> 2:
          y = 2 + 2 * 2 - 0 - 2 * 2 = 2
      a2: 1 -> 2, 1 -> 2, 1 -> 2, 2 -> 2: y = 2 + 4 - 2 - 4 = 0
    Pairs analog, bits digital: each bit's pair difference in -4..4, 9 levels -> 4 bits, step 4,
    two's-complement codes -2..1 (values -8, -4, 0, 4):
      a1: bit 0: 2 - 0 = 2 -> round(0.5) = 1 -> 4; bit 1: 1 - 1 = 0: y = 4
      a2: bit 0: 1 - 1 = 0; bit 1: 1 - 2 = -1 -> round(-0.25) = 0:  y = 0
    Bits analog, pairs digital: w+ and w- whole, 0..12, 13 levels -> 4 bits, step 4:
      a1: w+ 4 -> 4, w- 2 -> round(0.5) = 1 -> 4: y = 0
      a2: w+ 3 -> 4, w- 5 -> round(1.25) = 1 -> 4: y = 0
    Both analog: the signed weight itself, -12..12, 25 levels -> 5 bits; a 3-bit ADC: step 4,
    codes -4..3: a1: 2 -> round(0.5) = 1 -> 4; a2: -2 -> round(-0.5) = 0 (half up) -> 0
    """
    w, r = [3, -2, 1, -3], CodeRange(-3, 3)
    cases = {  # (weights, pairs, ADC bits) -> (lossless bits, step, signed codes, y)
        (DIGITAL, PAIR_DIGITAL, 2): (3, 2, False, [2, 0]),
        (DIGITAL, PAIR_ANALOG, 2): (4, 4, True, [4, 0]),
        (ANALOG, PAIR_DIGITAL, 2): (4, 4, False, [0, 0]),
        (ANALOG, PAIR_ANALOG, 3): (5, 4, True, [4, 0]),
    }
    for (acc, pair, adc), (bits, step, signed, want) in cases.items():
        layout, y = _hand(w, r, adc, weight_accumulation=acc, pair_subtraction=pair)
        assert (layout.lossless_bits, layout.fixed_step, layout.signed_sum) == (bits, step, signed), (acc, pair)
        assert y.tolist() == want, (acc, pair)
    assert (A_HAND @ np.array(w)).tolist() == [2, -2]


def test_activation_rows_follow_the_cost_sides_row_activations() -> None:
    """AG = floor(N / R) ceil(R / A) + ceil((N mod R) / A) (docs/cim-model.md §2), each row once."""
    for n, r, a in itertools.product((1, 5, 16, 27, 100), (4, 16, 32), (1, 3, 4, 7, 16, 32)):
        if a > r:
            continue
        index = activation_rows(n, r, a)
        assert index.shape[0] == (n // r) * -(-r // a) + -(-(n % r) // a), (n, r, a)
        real = index[index < n]
        assert sorted(real.tolist()) == list(range(n))
        for act in index:  # never across a macro boundary, never more than A rows
            rows = act[act < n]
            assert len(rows) <= a and len(set(rows // r)) == 1


# A loop-by-loop reference of the equations, written apart from the readout's matrices.
def _direct(a: np.ndarray, w: np.ndarray, macro: CimMacroParams, step: float, signed_adc: bool) -> np.ndarray:
    """Unsigned inputs in p-bit slices, differential pairs of c-bit cells; loops over macros,
    activations, input slices and converted columns."""
    r, act, c, p, bits = macro.rows, macro.rows_per_conversion, macro.cell_bits, macro.input_bits_per_pulse, macro.adc_bits
    lo, hi = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed_adc else (0, 2**bits - 1)
    m_bits = max(1, int(np.abs(w).max()).bit_length())
    a_bits = max(1, int(a.max()).bit_length())
    pos, neg = np.maximum(w, 0), np.maximum(-w, 0)

    def adc(v: np.ndarray) -> np.ndarray:
        return step * np.clip(np.floor(v / step + 0.5), lo, hi)

    def cell(u: np.ndarray, j: int) -> np.ndarray:
        return (u >> (c * j)) & ((1 << c) - 1)

    slices = -(-m_bits // c)
    out = np.zeros((a.shape[0], w.shape[0]))
    k = a.shape[1]
    for base in range(0, k, r):
        for start in range(base, min(base + r, k), act):
            rows = slice(start, min(start + act, base + r, k))
            for i in range(-(-a_bits // p)):
                x = (a[:, rows] >> (p * i)) & ((1 << p) - 1)
                s_i = 2.0 ** (p * i)
                if macro.weight_accumulation is ANALOG and macro.pair_subtraction is PAIR_ANALOG:
                    out += s_i * adc(x @ (pos - neg)[:, rows].T)
                elif macro.weight_accumulation is ANALOG:
                    out += s_i * (adc(x @ pos[:, rows].T) - adc(x @ neg[:, rows].T))
                else:
                    for j in range(slices):
                        if macro.pair_subtraction is PAIR_ANALOG:
                            v = adc(x @ (cell(pos, j) - cell(neg, j))[:, rows].T)
                        else:
                            v = adc(x @ cell(pos, j)[:, rows].T) - adc(x @ cell(neg, j)[:, rows].T)
                        out += s_i * 2.0 ** (c * j) * v
    return out


OPTIONS = list(itertools.product((DIGITAL, ANALOG), (PAIR_DIGITAL, PAIR_ANALOG), (None, 5, 16)))


@pytest.mark.parametrize(("acc", "pair", "active"), OPTIONS)
@pytest.mark.parametrize(("cell_bits", "pulse_bits", "adc_bits"), [(1, 1, 3), (2, 2, 4), (1, 2, 5)])
def test_readout_matches_the_loop_reference(acc, pair, active, cell_bits, pulse_bits, adc_bits) -> None:
    rng = np.random.default_rng(cell_bits * 10 + pulse_bits)
    a_range, w_range = CodeRange(0, 15), CodeRange(-7, 7)
    a, w = rng.integers(0, 16, (7, 45)), rng.integers(-7, 8, (5, 45))
    macro = CimMacroParams(16, cell_bits, pulse_bits, adc_bits, SignedWeights.DIFFERENTIAL, acc, pair, active)
    layout = CimLayout(macro, 45, a_range, w_range)
    got = cim_product(a, w, layout, FixedStepAdc(layout.fixed_step), NO_NOISE, None).codes
    want = _direct(a, w, macro, layout.fixed_step, layout.signed_sum)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
    other = cim_product(a, w, layout, FixedStepAdc(2.5), NO_NOISE, None).codes  # a flexible-range step too
    np.testing.assert_allclose(other, _direct(a, w, macro, 2.5, layout.signed_sum), rtol=0, atol=1e-9)


def _max_converted_sum(layout: CimLayout) -> tuple[float, float]:
    """Largest and smallest converted sum the layer's codes can produce, found by running the
    readout with a 16-bit step-1 ADC on the extreme operands: every input at its largest slice
    values, every weight at the extremes of its range."""
    a_hi = layout.input_range.hi
    w_lo, w_hi = layout.weight_range.lo, layout.weight_range.hi
    k = layout.fan_in
    big = replace(layout.macro, adc_bits=16)
    # the largest sum: all inputs at max, all weights at +max (and at the most negative, for pairs)
    sums = []
    for w in (w_hi, w_lo):
        lay = replace(layout, macro=big)
        psums = _psums(lay, np.full((1, k), a_hi), np.full((1, k), w))
        sums += [psums.max(), psums.min()]
    return max(sums), min(sums)


def _psums(layout: CimLayout, a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The converted sums themselves: an ADC policy that records what it is given."""
    seen: list[np.ndarray] = []

    class Record:
        def step(self, psums: np.ndarray) -> float:
            seen.append(psums.copy())
            return 1.0

    cim_product(a, w, layout, Record(), NO_NOISE, None)
    return seen[0]


@pytest.mark.parametrize(("acc", "pair", "active"), OPTIONS)
@pytest.mark.parametrize(("cell_bits", "pulse_bits", "w_range"), [(1, 1, CodeRange(-8, 7)), (2, 3, CodeRange(-7, 7)),
                                                                 (3, 2, CodeRange(0, 15))])
def test_lossless_bits_resolve_the_largest_converted_sum(acc, pair, active, cell_bits, pulse_bits, w_range) -> None:
    """B_lossless = ceil(log2(levels)), the levels counted from the sums the readout produces when
    the weight grid reaches 2^m - 1 in magnitude; on the two's-complement grid -8..7 the stored
    4 bits bound the sums from above (the cost side's bound: X = n (2^w - 1)(2^p - 1))."""
    macro = CimMacroParams(32, cell_bits, pulse_bits, 8, SignedWeights.DIFFERENTIAL, acc, pair, active)
    layout = CimLayout(macro, 40, CodeRange(0, 15), w_range)
    hi, lo = _max_converted_sum(layout)
    counted = int(np.ceil(np.log2(hi - min(lo, 0.0) + 1)))
    n = min(40, active or 32)
    m = {-8: 4, -7: 3, 0: 4}[w_range.lo]  # stored bits per polarity: |-8| needs 4, |7| 3, 15 4
    w_bits = m if acc is ANALOG else min(cell_bits, m)
    bound = n * (2**w_bits - 1) * (2 ** min(pulse_bits, 4) - 1)  # written out, not read from the layout
    assert layout.full_scale == bound and hi <= bound and (lo < 0) == layout.signed_sum
    if w_range.lo != -8:
        assert layout.lossless_bits == counted and hi == bound, (hi, lo)
    else:
        assert layout.lossless_bits >= counted


@pytest.mark.parametrize("encoding", list(SignedWeights))
@pytest.mark.parametrize(("acc", "pair", "active"), OPTIONS)
@pytest.mark.parametrize("input_encoding", [None, InputEncoding.PWM, InputEncoding.DAC])
def test_lossless_adc_gives_the_exact_product_under_every_option(encoding, acc, pair, active, input_encoding) -> None:
    rng = np.random.default_rng(3)
    for a_range, w_range, p in ((CodeRange(0, 15), CodeRange(-8, 7), 2), (CodeRange(-8, 7), CodeRange(0, 7), 3)):
        a = rng.integers(a_range.lo, a_range.hi + 1, (6, 37))
        w = rng.integers(w_range.lo, w_range.hi + 1, (4, 37))
        macro = CimMacroParams(16, 2, p, 8, encoding, acc, pair, active, input_encoding)
        lay = CimLayout(macro, 37, a_range, w_range)
        lay = replace(lay, macro=replace(macro, adc_bits=lay.lossless_bits))
        assert not lay.adc_quantizes and lay.fixed_step == 1.0
        np.testing.assert_array_equal(cim_product(a, w, lay, FixedStepAdc(1.0), NO_NOISE, None).codes, a @ w.T)
        below = replace(lay, macro=replace(macro, adc_bits=lay.lossless_bits - 2))
        assert below.fixed_step == 4.0


def test_cell_noise_is_drawn_per_cell_before_analog_combination() -> None:
    """Combining in analog sums the noisy cells: the same chip instance (same draws) as the
    per-bit readout, so at a lossless step-1 ADC without rounding the two agree to rounding."""
    rng_a, rng_w = np.random.default_rng(1), np.random.default_rng(2)
    a, w = rng_a.integers(0, 4, (5, 30)), rng_w.integers(-3, 4, (3, 30))
    noise = CimNoise(0.2, NoiseTarget.WEIGHTS)
    outs = []
    for acc in (DIGITAL, ANALOG):
        macro = CimMacroParams(32, 1, 1, 16, SignedWeights.DIFFERENTIAL, acc)
        lay = CimLayout(macro, 30, CodeRange(0, 3), CodeRange(-3, 3))
        outs.append(cim_product(a, w, lay, FixedStepAdc(1e-9), noise, np.random.default_rng(7)).codes)
    np.testing.assert_allclose(outs[0], outs[1], rtol=0, atol=1e-6)
    assert not np.allclose(outs[0], a @ w.T)


def test_settings_carry_every_macro_field_and_the_arch_macro_round_trips() -> None:
    assert {f.name for f in fields(CimMacroParams)} <= {f.name for f in fields(CimSettings)}
    arch = CimMacroConfig(rows=64, cell_bits=1, adc_bits=5, weight_accumulation=ANALOG, pair_subtraction=PAIR_ANALOG,
                          active_rows=16, input_bits_per_pulse=2, input_encoding=InputEncoding.PWM,
                          signed_weights=SignedWeights.OFFSET)
    s = CimSettings.from_arch(arch, noise_sigma=0.1)
    assert s.macro == arch.macro_params and s.noise_sigma == 0.1 and s.problems() == []
    assert CimSettings.from_dict(__import__("hwcost.accuracy.cache", fromlist=["plain"]).plain(s)) == s
    with pytest.raises(TypeError, match="adc_bits"):
        CimSettings.from_macro(arch.macro_params, adc_bits=4)  # the macro's fields come from the macro only


def test_settings_check_the_options_as_the_template_does() -> None:
    bad = CimSettings(rows=32, active_rows=64, input_encoding=InputEncoding.BIT_SERIAL, input_bits_per_pulse=2,
                      weight_accumulation="analog")
    keys = {p.key for p in bad.problems()}
    assert {"cim.active_rows", "cim.input_encoding", "cim.weight_accumulation"} <= keys
    assert CimSettings(active_rows=0).problems()[0].key == "cim.active_rows"
