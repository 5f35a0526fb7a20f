"""The CIM forward mode: one layer's integer product as a compute-in-memory macro computes it.

The reduction (fan-in) of ``a_codes (M, K) x w_codes (C, K)`` is split into row groups of the
macro's ``rows`` (the convolution splitting of NTHU patent US 11,899,742 and its two-stage CIM
training framework), and each macro sums ``active_rows`` of its rows per conversion; inputs enter
``input_bits_per_pulse`` bits per pulse, and weights are bit-sliced into cells of ``cell_bits``,
signed weights as differential column pairs or offset-stored (``docs/cim-model.md`` §2, §4).
Before the ADC the macro may combine a weight's bit columns with binary weights
(``weight_accumulation: analog``) and subtract a differential pair (``pair_subtraction:
analog``); every converted sum of every row activation and input slice goes through an ADC of
``adc_bits`` (US 11,423,315: partial-sum quantization), and the digital side shift-adds what was
converted apart (``docs/cim-training.md``):

    y[m, o] = sum_r sum_i s_i sum_u d_u ADC( sum_{k in r} x_i[m, k] * sum_j a_ju cell_j[k, o] )

with ``r`` the row activations, ``s_i`` the input-slice weights (2^(p i), negative for a
two's-complement sign slice), ``u`` the converted columns of a weight, ``a_ju`` the analog weight
of cell column ``j`` in converted column ``u`` and ``d_u`` its digital shift-add weight
(:func:`conversion_plan`; a_ju d_u = t_j = 2^(c j), negative for the w- column of a pair). The
ADC is ``Delta * clip(round(v / Delta), lo, hi)`` with codes 0 .. 2^B - 1, or -2^(B-1) ..
2^(B-1) - 1 for a signed (pair-subtracted) sum: a fixed range uses ``Delta = 2^(B_lossless - B)``
(``CimMacroParams.adc_step``, the cost side's own function), a flexible one a per-layer ``Delta``
chosen by an injected :class:`AdcPolicy` (MSE-calibrated on the partial sums, the "MVM
quantizer"). With ``B >= B_lossless`` and no noise the result equals ``a_codes @ w_codes.T``
exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from typing import Protocol

import numpy as np

from hwcost.arch.cim_macro.config import CimMacroParams, PairSubtraction, SignedWeights, WeightAccumulation
from hwcost.accuracy.cim.noise import CimNoise

__all__ = [
    "MAX_CHUNK_ELEMENTS",
    "AdcPolicy",
    "AdcRange",
    "CimLayout",
    "CimProduct",
    "CodeRange",
    "Conversion",
    "FixedStepAdc",
    "MseAdc",
    "Slices",
    "activation_rows",
    "adc_code_range",
    "adc_convert",
    "cim_product",
    "column_sums",
    "conversion_plan",
    "mse_adc_step",
    "slice_inputs",
    "slice_weights",
]

MAX_CHUNK_ELEMENTS = 1 << 22  # partial sums held at once (32 MB of float64); rows are chunked
MSE_SAMPLES = 1 << 14  # partial sums the flexible-interval search looks at (at most)
SAMPLE_SEED = 0  # the fixed subset of partial sums it looks at
MSE_CANDIDATES = 64


class AdcRange(Enum):
    FIXED = "fixed"  # full scale = the column's lossless range (the cim_macro template's ADC)
    FLEXIBLE = "flexible"  # per-layer interval calibrated on the partial-sum distribution


@dataclass(frozen=True)
class CodeRange:
    """Inclusive range of the integer codes an operand can take.

    >>> r = CodeRange(-8, 7)
    >>> r.signed, r.magnitude_bits, r.twos_complement_bits, CodeRange(0, 15).unsigned_bits
    (True, 4, 4, 4)
    """

    lo: int
    hi: int

    @property
    def signed(self) -> bool:
        return self.lo < 0

    @property
    def unsigned_bits(self) -> int:
        return max(1, int(self.hi).bit_length())

    @property
    def magnitude_bits(self) -> int:
        return max(1, int(max(-self.lo, self.hi)).bit_length())

    @property
    def twos_complement_bits(self) -> int:
        return 1 + max(int(-self.lo - 1).bit_length() if self.lo < 0 else 0, int(max(self.hi, 0)).bit_length())

    def covering(self, codes: np.ndarray) -> CodeRange:
        """This range widened to hold ``codes`` (a guard: quantizer grids normally fit)."""
        if codes.size == 0:
            return self
        return CodeRange(min(self.lo, int(codes.min())), max(self.hi, int(codes.max())))


@dataclass(frozen=True)
class Slices:
    """Unsigned slices ``values (..., S)`` and the shift-add weight ``shifts (S,)`` of each."""

    values: np.ndarray
    shifts: np.ndarray
    offset: int = 0  # weights stored as code + offset; offset * sum(x) is subtracted


def _unsigned_slices(u: np.ndarray, bits: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    n = -(-bits // width)
    shift = width * np.arange(n)
    values = (u[..., None] >> shift) & ((1 << width) - 1)
    return values.astype(np.float64), np.exp2(shift)


def slice_inputs(codes: np.ndarray, code_range: CodeRange, pulse_bits: int) -> Slices:
    """Input pulses: unsigned codes in ``pulse_bits`` slices, LSB first; signed codes in two's
    complement with the sign bit alone in the last slice, weighted ``-2^(b-1)`` (cim-model §2).

    >>> s = slice_inputs(np.array([[-3, 2]]), CodeRange(-4, 3), 1)
    >>> s.values[0].astype(int).tolist(), s.shifts.tolist()
    ([[1, 0, 1], [0, 1, 0]], [1.0, 2.0, -4.0])
    """
    c = codes.astype(np.int64)
    if not code_range.signed:
        return Slices(*_unsigned_slices(c, code_range.unsigned_bits, pulse_bits))
    b = code_range.twos_complement_bits
    u = c & ((1 << b) - 1)
    low, low_shifts = _unsigned_slices(u & ((1 << (b - 1)) - 1), max(b - 1, 1), pulse_bits)
    sign = (u >> (b - 1)).astype(np.float64)[..., None]
    return Slices(np.concatenate([low, sign], axis=-1), np.append(low_shifts, -(2.0 ** (b - 1))))


def slice_weights(codes: np.ndarray, code_range: CodeRange, cell_bits: int, encoding: SignedWeights) -> Slices:
    """Cells ``(K, C, S)`` of ``codes (C, K)``: unsigned codes as they are; signed ones as
    ``w+ - w-`` pairs (differential) or as ``code + 2^(b-1)`` in ``b`` two's-complement bits
    (offset, digital), whose offset times ``sum(x)`` is subtracted after accumulation.

    >>> s = slice_weights(np.array([[-3, 2]]), CodeRange(-3, 3), 1, SignedWeights.DIFFERENTIAL)
    >>> s.values[:, 0].astype(int).tolist(), s.shifts.tolist()
    ([[0, 0, 1, 1], [0, 1, 0, 0]], [1.0, 2.0, -1.0, -2.0])
    >>> slice_weights(np.array([[-3, 2]]), CodeRange(-3, 3), 2, SignedWeights.OFFSET).offset
    4
    """
    c = codes.astype(np.int64).T
    if not code_range.signed:
        return Slices(*_unsigned_slices(c, code_range.unsigned_bits, cell_bits))
    if encoding is SignedWeights.DIFFERENTIAL:
        m = code_range.magnitude_bits
        pos, shifts = _unsigned_slices(np.maximum(c, 0), m, cell_bits)
        neg, _ = _unsigned_slices(np.maximum(-c, 0), m, cell_bits)
        return Slices(np.concatenate([pos, neg], axis=-1), np.concatenate([shifts, -shifts]))
    b = code_range.twos_complement_bits
    offset = 1 << (b - 1)
    return Slices(*_unsigned_slices(c + offset, b, cell_bits), offset=offset)


@dataclass(frozen=True)
class Conversion:
    """What one ADC converts: ``analog (S, U)`` combines the ``S`` cell columns of a weight into
    ``U`` converted sums before the ADC; ``shifts (U,)`` are their digital shift-add weights."""

    analog: np.ndarray
    shifts: np.ndarray

    @property
    def identity(self) -> bool:
        return self.analog.shape[0] == self.analog.shape[1] and bool(np.all(self.analog == np.eye(len(self.shifts))))


def conversion_plan(shifts: np.ndarray, macro: CimMacroParams) -> Conversion:
    """How the cell columns of one weight (shift-add weights ``shifts``: 2^(c j), negative for
    the w- column of a pair) are converted: column ``j`` goes to the converted sum of digital
    weight ``d_j = (1 if weights combine in analog else |t_j|) * (1 if pairs subtract in analog
    else sign(t_j))`` with analog weight ``t_j / d_j``; columns of equal ``d`` share one sum.

    >>> t = np.array([1.0, 2.0, -1.0, -2.0])   # a differential pair of 2-bit weights, 1-bit cells
    >>> p = conversion_plan(t, CimMacroParams(weight_accumulation=WeightAccumulation.ANALOG))
    >>> p.analog.tolist(), p.shifts.tolist()   # w+ and w- each combined 1:2, shift-added +1 / -1
    ([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0], [0.0, 2.0]], [1.0, -1.0])
    >>> p = conversion_plan(t, CimMacroParams(pair_subtraction=PairSubtraction.ANALOG))
    >>> p.analog.tolist(), p.shifts.tolist()   # each bit's pair subtracted, shift-added 1, 2
    ([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]], [1.0, 2.0])
    """
    t = np.asarray(shifts, dtype=np.float64)
    magnitude = np.ones_like(t) if macro.weight_accumulation is WeightAccumulation.ANALOG else np.abs(t)
    sign = np.ones_like(t) if macro.pair_subtraction is PairSubtraction.ANALOG else np.sign(t)
    d = magnitude * sign
    keys = list(dict.fromkeys(d.tolist()))  # converted sums in the order of their first column
    analog = np.zeros((len(t), len(keys)))
    analog[np.arange(len(t)), [keys.index(v) for v in d.tolist()]] = t / d
    return Conversion(analog, np.array(keys))


@dataclass(frozen=True)
class CimLayout:
    """How one layer of fan-in ``fan_in`` maps onto the macro, and its ADC's lossless range.
    The signed-weight encoding is the macro's (``macro.signed_weights``)."""

    macro: CimMacroParams
    fan_in: int
    input_range: CodeRange
    weight_range: CodeRange

    @property
    def encoding(self) -> SignedWeights:
        return self.macro.signed_weights

    @property
    def rows_per_conversion(self) -> int:
        """n: rows one conversion sums, min(fan-in, active rows) (cim-model §3)."""
        return min(self.fan_in, self.macro.rows_per_conversion)

    @property
    def stored_weight_bits(self) -> int:
        """Bits per weight and polarity in the array (cim-model §2)."""
        w = self.weight_range
        if not w.signed:
            return w.unsigned_bits
        return w.magnitude_bits if self.encoding is SignedWeights.DIFFERENTIAL else w.twos_complement_bits

    @property
    def signed_sum(self) -> bool:
        """A differential pair subtracted before the ADC: the converted sum is signed."""
        return (self.weight_range.signed and self.encoding is SignedWeights.DIFFERENTIAL
                and self.macro.pair_subtraction is PairSubtraction.ANALOG)

    @property
    def weights_combined(self) -> bool:
        return self.macro.weight_accumulation is WeightAccumulation.ANALOG

    @property
    def effective(self) -> CimMacroParams:
        """Cell and pulse bits capped by the bits actually sliced (cim-model §3)."""
        a = self.input_range
        a_bits = max(a.twos_complement_bits - 1, 1) if a.signed else a.unsigned_bits
        c = min(self.macro.cell_bits, self.stored_weight_bits)
        return replace(self.macro, cell_bits=c, input_bits_per_pulse=min(self.macro.input_bits_per_pulse, a_bits))

    @property
    def converted_weight_bits(self) -> int:
        """w: bits of the weight value one conversion sees (the stored bits when combined in
        analog, one cell's bits otherwise)."""
        return self.stored_weight_bits if self.weights_combined else self.effective.cell_bits

    @property
    def full_scale(self) -> float:
        """Largest magnitude of a converted sum, ``X = n (2^w - 1)(2^p - 1)``."""
        e = self.effective
        return float(self.rows_per_conversion * (2**self.converted_weight_bits - 1) * (2**e.input_bits_per_pulse - 1))

    def _lossless_args(self) -> tuple[int, int, bool]:
        return self.rows_per_conversion, self.stored_weight_bits, self.weight_range.signed

    @property
    def lossless_bits(self) -> int:
        """The cost side's ``CimMacroParams.lossless_adc_bits`` of this layer."""
        return self.effective.lossless_adc_bits(*self._lossless_args())

    @property
    def fixed_step(self) -> float:
        """Fixed-range ADC step: 2^(lossless - B) sum levels per code (1 when lossless),
        ``CimMacroParams.adc_step``."""
        return float(self.effective.adc_step(*self._lossless_args()))

    @property
    def adc_quantizes(self) -> bool:
        return self.macro.adc_bits < self.lossless_bits

    @property
    def reference_column(self) -> bool:
        return self.encoding is SignedWeights.OFFSET and self.weight_range.signed

    @property
    def activations(self) -> np.ndarray:
        return activation_rows(self.fan_in, self.macro.rows, self.macro.rows_per_conversion)

    def covering(self, a_codes: np.ndarray, w_codes: np.ndarray) -> CimLayout:
        return replace(self, input_range=self.input_range.covering(a_codes), weight_range=self.weight_range.covering(w_codes))


def activation_rows(fan_in: int, rows: int, active_rows: int | None = None) -> np.ndarray:
    """Row indices ``(AG, n)`` summed by each conversion: the fan-in fills macros of ``rows``,
    each macro sums ``active_rows`` (default all) of its rows at a time, the last activation of a
    macro takes what is left; ``fan_in`` (a zero row) pads short activations. AG is the cost
    side's floor(N / R) ceil(R / A) + ceil((N mod R) / A) (cim-model §2).

    >>> activation_rows(7, rows=4, active_rows=3).tolist()   # macro 0: rows 0-2, 3; macro 1: 4-6
    [[0, 1, 2], [3, 7, 7], [4, 5, 6]]
    >>> activation_rows(5, rows=4).tolist()
    [[0, 1, 2, 3], [4, 5, 5, 5]]
    """
    a = min(rows if active_rows is None else active_rows, rows)
    starts = (rows * np.arange(-(-fan_in // rows))[:, None] + a * np.arange(-(-rows // a))[None, :]).reshape(-1)
    ends = np.minimum.reduce([starts + a, (starts // rows + 1) * rows, np.full_like(starts, fan_in)])
    keep = starts < ends
    starts, ends = starts[keep], ends[keep]
    index = starts[:, None] + np.arange(min(a, fan_in))[None, :]
    return np.where(index < ends[:, None], index, fan_in)


def column_sums(x: np.ndarray, cells: np.ndarray, rows: int, active_rows: int | None = None) -> np.ndarray:
    """Partial sums ``(AG, M, S, N)`` of inputs ``x (M, K, S)`` on columns ``cells (K, N)``, one
    per row activation (:func:`activation_rows`).

    >>> column_sums(np.ones((1, 3, 1)), np.ones((3, 1)), rows=2)[:, 0, 0, 0]
    array([2., 1.])
    >>> column_sums(np.ones((1, 5, 1)), np.ones((5, 1)), rows=4, active_rows=2)[:, 0, 0, 0]
    array([2., 2., 1.])
    """
    return _gathered_sums(x, cells, activation_rows(x.shape[1], rows, active_rows))


def _gathered_sums(x: np.ndarray, cells: np.ndarray, index: np.ndarray) -> np.ndarray:
    m, k, s = x.shape
    g, n = index.shape
    xg = np.concatenate([x, np.zeros((m, 1, s))], axis=1)[:, index, :]  # (M, AG, n, S)
    xg = xg.transpose(1, 0, 3, 2).reshape(g, m * s, n)
    wg = np.concatenate([cells, np.zeros((1, cells.shape[1]))])[index]  # (AG, n, N)
    return (xg @ wg).reshape(g, m, s, cells.shape[1])


def adc_code_range(bits: int, signed: bool) -> tuple[int, int]:
    """Codes of a B-bit ADC: 0 .. 2^B - 1, or two's complement -2^(B-1) .. 2^(B-1) - 1 for a
    signed (pair-subtracted) sum.

    >>> adc_code_range(3, False), adc_code_range(3, True)
    ((0, 7), (-4, 3))
    """
    return (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)


def adc_convert(psums: np.ndarray, step: float, bits: int, signed: bool = False) -> np.ndarray:
    """``step * clip(round(v / step), lo, hi)``, round half up, codes :func:`adc_code_range`.

    >>> adc_convert(np.array([0.4, 5.0, 13.0, 100.0]), 4.0, 2)
    array([ 0.,  4., 12., 12.])
    >>> adc_convert(np.array([-100.0, -6.0, -5.0, 5.0, 100.0]), 4.0, 2, signed=True)
    array([-8., -4., -4.,  4.,  4.])
    """
    lo, hi = adc_code_range(bits, signed)
    q = psums / step
    q += 0.5
    np.floor(q, out=q)
    np.clip(q, lo, hi, out=q)
    q *= step
    return q


def _sample(psums: np.ndarray, n: int, signed: bool = False) -> np.ndarray:
    flat = psums.reshape(-1)
    if flat.size > 4 * n:  # a fixed random subset keeps the search cheap and deterministic
        flat = flat[np.random.default_rng(SAMPLE_SEED).integers(0, flat.size, 4 * n)]
    v = flat[flat != 0] if signed else flat[flat > 0]  # zeros convert exactly at every step
    return v[:n]


def mse_adc_step(psums: np.ndarray, bits: int, candidates: int = MSE_CANDIDATES, signed: bool = False) -> float:
    """The ADC step (>= 1 level) with the least mean squared conversion error on ``psums``:
    full scales ``f * max |v|`` for ``f`` in ``1/n .. 1`` over the codes' positive reach
    (2^B - 1, or 2^(B-1) for a signed sum) (clipping vs resolution, as ACIQ, Banner et al. 2019,
    and the partial-sum quantizer of US 11,423,315).

    >>> mse_adc_step(np.array([0.0, 1.0, 2.0, 3.0]), 2), mse_adc_step(np.arange(64.0), 3) > 1
    (1.0, True)
    >>> mse_adc_step(np.array([-2.0, 1.0]), 2, signed=True), mse_adc_step(np.arange(-64.0, 64.0), 3, signed=True) > 1
    (1.0, True)
    """
    v = _sample(psums, MSE_SAMPLES, signed)
    lo, hi = adc_code_range(bits, signed)
    if v.size == 0 or (v.max() <= hi and v.min() >= lo):
        return 1.0
    reach = float(-lo if signed else hi)
    steps = np.maximum(1.0, float(np.abs(v).max()) * np.linspace(1.0 / candidates, 1.0, candidates) / reach)
    steps = np.unique(np.append(steps, 1.0))
    errors = [float(np.mean((adc_convert(v, s, bits, signed) - v) ** 2)) for s in steps]
    return float(steps[int(np.argmin(errors))])


class AdcPolicy(Protocol):
    def step(self, psums: np.ndarray) -> float:
        """The ADC step for a layer whose first chunk of partial sums is ``psums``."""
        ...


@dataclass(frozen=True)
class FixedStepAdc:
    """A set step: the fixed range, or a flexible interval frozen after calibration."""

    value: float

    def step(self, psums: np.ndarray) -> float:
        return self.value


@dataclass(frozen=True)
class MseAdc:
    """Flexible interval: MSE step of this batch, averaged with ``previous`` (EMA ``momentum``);
    ``signed``: the converted sums are pair differences (codes in two's complement)."""

    bits: int
    previous: float | None = None
    momentum: float = 0.9
    signed: bool = False

    def step(self, psums: np.ndarray) -> float:
        s = mse_adc_step(psums, self.bits, signed=self.signed)
        return s if self.previous is None else self.momentum * self.previous + (1 - self.momentum) * s


@dataclass(frozen=True)
class CimProduct:
    """Accumulated products in code units (``a_step * w_step``) and the ADC step used."""

    codes: np.ndarray
    adc_step: float


def _array_columns(w: Slices, reference: bool) -> np.ndarray:
    k, c, s = w.values.shape
    cells = w.values.reshape(k, c * s)
    return np.concatenate([cells, np.ones((k, 1))], axis=1) if reference else cells


def _converted_columns(cells: np.ndarray, plan: Conversion, outputs: int, reference: bool) -> np.ndarray:
    """The sums the ADCs see ``(K, outputs * U [+ 1])``: each weight's (noisy) cell columns
    combined by ``plan.analog``; the reference column stays on its own."""
    if plan.identity:
        return cells
    k, s = cells.shape[0], plan.analog.shape[0]
    data = (cells[:, : outputs * s].reshape(k, outputs, s) @ plan.analog).reshape(k, -1)
    return np.concatenate([data, cells[:, -1:]], axis=1) if reference else data


def _shift_add(q: np.ndarray, x: Slices, shifts: np.ndarray, outputs: int, offset: int, reference: bool) -> np.ndarray:
    per_column = np.tensordot(q.sum(axis=0), x.shifts, axes=([1], [0]))  # activations, input slices
    data = per_column[:, : outputs * len(shifts)].reshape(-1, outputs, len(shifts)) @ shifts
    return data - offset * per_column[:, -1:] if reference else data


def cim_product(
    a_codes: np.ndarray,
    w_codes: np.ndarray,
    layout: CimLayout,
    adc: AdcPolicy,
    noise: CimNoise,
    rng: np.random.Generator | None,
) -> CimProduct:
    """``a_codes (M, K) x w_codes (C, K)`` through the macro; ``adc`` picks the step once per call.

    >>> a, w = np.array([[3, 1, 2]]), np.array([[1, -2, 3]])
    >>> lay = CimLayout(CimMacroParams(2, 1, 1, 8), 3, CodeRange(0, 3), CodeRange(-3, 3))
    >>> from hwcost.accuracy.cim.noise import NO_NOISE
    >>> cim_product(a, w, lay, FixedStepAdc(lay.fixed_step), NO_NOISE, None).codes, a @ w.T
    (array([[7.]]), array([[7]]))
    """
    layout = layout.covering(a_codes, w_codes)
    macro, outputs, reference = layout.macro, w_codes.shape[0], layout.reference_column
    x = slice_inputs(a_codes, layout.input_range, macro.input_bits_per_pulse)
    w = slice_weights(w_codes, layout.weight_range, macro.cell_bits, layout.encoding)
    plan = conversion_plan(w.shifts, macro)
    cells = noise.perturb_cells(_array_columns(w, reference), rng)
    columns = _converted_columns(cells, plan, outputs, reference)
    index = layout.activations
    m, s_a = a_codes.shape[0], len(x.shifts)
    chunk = max(1, MAX_CHUNK_ELEMENTS // (index.shape[0] * s_a * columns.shape[1]))
    out, step = np.empty((m, outputs)), None
    for start in range(0, m, chunk):
        psums = _gathered_sums(x.values[start : start + chunk], columns, index)
        psums = noise.perturb_psums(psums, layout.full_scale, rng)
        step = adc.step(psums) if step is None else step
        q = adc_convert(psums, step, macro.adc_bits, layout.signed_sum)
        out[start : start + chunk] = _shift_add(q, x, plan.shifts, outputs, w.offset, reference)
    if w.offset and layout.encoding is SignedWeights.DIGITAL:  # sum(x) from a digital adder tree
        out -= w.offset * a_codes.sum(axis=1, keepdims=True)
    return CimProduct(out, float(layout.fixed_step if step is None else step))
