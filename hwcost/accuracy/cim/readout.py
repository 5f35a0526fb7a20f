"""The CIM forward mode: one layer's integer product as a compute-in-memory macro computes it.

The reduction (fan-in) of ``a_codes (M, K) x w_codes (C, K)`` is split into row groups of the
macro's ``rows`` (the convolution splitting of NTHU patent US 11,899,742 and its two-stage CIM
training framework); inputs enter bit-serially, ``input_bits_per_pulse`` bits per pulse, and
weights are bit-sliced into cells of ``cell_bits``, signed weights as differential column pairs
or offset-stored (``docs/cim-model.md`` §2, §4). Every column's partial sum of every group and
input slice goes through an ADC of ``adc_bits`` (US 11,423,315: partial-sum quantization), and
the digital side shift-adds slices and accumulates groups:

    y[m, o] = sum_g sum_i s_i sum_j t_j ADC( sum_{k in g} x_i[m, k] * cell_j[k, o] )

with ``s_i`` the input-slice weights (2^(p i), negative for a two's-complement sign slice) and
``t_j`` the weight-slice weights (2^(c j), negative for the w- column of a pair). The ADC is
``Delta * clip(round(v / Delta), 0, 2^B - 1)``: a fixed range uses ``Delta = 2^(B_lossless - B)``
(``CimMacroParams.adc_step``: full scale = the lossless range), a flexible one a per-layer
``Delta`` chosen by an injected :class:`AdcPolicy` (MSE-calibrated on the partial sums, the
"MVM quantizer"). With ``B >= B_lossless`` and no noise the result equals ``a_codes @ w_codes.T``
exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from typing import Protocol

import numpy as np

from hwcost.arch.cim_macro.config import CimMacroParams, SignedWeights
from hwcost.accuracy.cim.noise import CimNoise

__all__ = [
    "MAX_CHUNK_ELEMENTS",
    "AdcPolicy",
    "AdcRange",
    "CimLayout",
    "CimProduct",
    "CodeRange",
    "FixedStepAdc",
    "MseAdc",
    "Slices",
    "adc_convert",
    "cim_product",
    "column_sums",
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
class CimLayout:
    """How one layer of fan-in ``fan_in`` maps onto the macro, and its ADC's lossless range."""

    macro: CimMacroParams
    encoding: SignedWeights
    fan_in: int
    input_range: CodeRange
    weight_range: CodeRange

    @property
    def active_rows(self) -> int:
        return min(self.fan_in, self.macro.rows)

    @property
    def stored_weight_bits(self) -> int:
        """Bits per weight and polarity in the array (cim-model §2)."""
        w = self.weight_range
        if not w.signed:
            return w.unsigned_bits
        return w.magnitude_bits if self.encoding is SignedWeights.DIFFERENTIAL else w.twos_complement_bits

    @property
    def effective(self) -> CimMacroParams:
        """Cell and pulse bits capped by the bits actually sliced (cim-model §3)."""
        a = self.input_range
        a_bits = max(a.twos_complement_bits - 1, 1) if a.signed else a.unsigned_bits
        c = min(self.macro.cell_bits, self.stored_weight_bits)
        return replace(self.macro, cell_bits=c, input_bits_per_pulse=min(self.macro.input_bits_per_pulse, a_bits))

    @property
    def full_scale(self) -> float:
        """Largest column sum ``n (2^c - 1)(2^p - 1)``."""
        e = self.effective
        return float(self.active_rows * (2**e.cell_bits - 1) * (2**e.input_bits_per_pulse - 1))

    @property
    def lossless_bits(self) -> int:
        return self.effective.lossless_adc_bits(self.active_rows)

    @property
    def fixed_step(self) -> float:
        """Fixed-range ADC step: 2^(lossless - B) column-sum levels per code (1 when lossless)."""
        return float(self.effective.adc_step(self.active_rows))

    @property
    def adc_quantizes(self) -> bool:
        return self.macro.adc_bits < self.lossless_bits

    @property
    def reference_column(self) -> bool:
        return self.encoding is SignedWeights.OFFSET and self.weight_range.signed

    def covering(self, a_codes: np.ndarray, w_codes: np.ndarray) -> CimLayout:
        return replace(self, input_range=self.input_range.covering(a_codes), weight_range=self.weight_range.covering(w_codes))


def column_sums(x: np.ndarray, cells: np.ndarray, rows: int) -> np.ndarray:
    """Partial sums ``(G, M, S, N)`` of inputs ``x (M, K, S)`` on columns ``cells (K, N)``, with
    the fan-in split into ``G = ceil(K / rows)`` row groups (the last zero-padded).

    >>> column_sums(np.ones((1, 3, 1)), np.ones((3, 1)), rows=2)[:, 0, 0, 0]
    array([2., 1.])
    """
    m, k, s = x.shape
    g = -(-k // rows)
    pad = g * rows - k
    xg = np.pad(x, ((0, 0), (0, pad), (0, 0))).reshape(m, g, rows, s).transpose(1, 0, 3, 2).reshape(g, m * s, rows)
    wg = np.pad(cells, ((0, pad), (0, 0))).reshape(g, rows, cells.shape[1])
    return (xg @ wg).reshape(g, m, s, cells.shape[1])


def adc_convert(psums: np.ndarray, step: float, bits: int) -> np.ndarray:
    """``step * clip(round(v / step), 0, 2^bits - 1)``, round half up (a unipolar ADC).

    >>> adc_convert(np.array([0.4, 5.0, 13.0, 100.0]), 4.0, 2)
    array([ 0.,  4., 12., 12.])
    """
    q = psums / step
    q += 0.5
    np.floor(q, out=q)
    np.clip(q, 0, 2**bits - 1, out=q)
    q *= step
    return q


def _sample(psums: np.ndarray, n: int) -> np.ndarray:
    flat = psums.reshape(-1)
    if flat.size > 4 * n:  # a fixed random subset keeps the search cheap and deterministic
        flat = flat[np.random.default_rng(SAMPLE_SEED).integers(0, flat.size, 4 * n)]
    v = flat[flat > 0]  # zeros convert exactly at every step
    return v[:n]


def mse_adc_step(psums: np.ndarray, bits: int, candidates: int = MSE_CANDIDATES) -> float:
    """The ADC step (>= 1 level) with the least mean squared conversion error on ``psums``:
    full scales ``f * max`` for ``f`` in ``1/n .. 1`` (clipping vs resolution, as ACIQ,
    Banner et al. 2019, and the partial-sum quantizer of US 11,423,315).

    >>> mse_adc_step(np.array([0.0, 1.0, 2.0, 3.0]), 2), mse_adc_step(np.arange(64.0), 3) > 1
    (1.0, True)
    """
    v = _sample(psums, MSE_SAMPLES)
    top = 2**bits - 1
    if v.size == 0 or v.max() <= top:
        return 1.0
    steps = np.maximum(1.0, float(v.max()) * np.linspace(1.0 / candidates, 1.0, candidates) / top)
    steps = np.unique(np.append(steps, 1.0))
    errors = [float(np.mean((adc_convert(v, s, bits) - v) ** 2)) for s in steps]
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
    """Flexible interval: MSE step of this batch, averaged with ``previous`` (EMA ``momentum``)."""

    bits: int
    previous: float | None = None
    momentum: float = 0.9

    def step(self, psums: np.ndarray) -> float:
        s = mse_adc_step(psums, self.bits)
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


def _shift_add(q: np.ndarray, x: Slices, w: Slices, outputs: int, reference: bool) -> np.ndarray:
    per_column = np.tensordot(q.sum(axis=0), x.shifts, axes=([1], [0]))  # groups, input slices
    data = per_column[:, : outputs * len(w.shifts)].reshape(-1, outputs, len(w.shifts)) @ w.shifts
    return data - w.offset * per_column[:, -1:] if reference else data


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
    >>> lay = CimLayout(CimMacroParams(2, 1, 1, 8), SignedWeights.DIFFERENTIAL, 3, CodeRange(0, 3), CodeRange(-3, 3))
    >>> from hwcost.accuracy.cim.noise import NO_NOISE
    >>> cim_product(a, w, lay, FixedStepAdc(lay.fixed_step), NO_NOISE, None).codes, a @ w.T
    (array([[7.]]), array([[7]]))
    """
    layout = layout.covering(a_codes, w_codes)
    x = slice_inputs(a_codes, layout.input_range, layout.macro.input_bits_per_pulse)
    w = slice_weights(w_codes, layout.weight_range, layout.macro.cell_bits, layout.encoding)
    cells = noise.perturb_cells(_array_columns(w, layout.reference_column), rng)
    m, s_a, rows = a_codes.shape[0], len(x.shifts), layout.macro.rows
    groups = -(-a_codes.shape[1] // rows)
    chunk = max(1, MAX_CHUNK_ELEMENTS // (groups * s_a * cells.shape[1]))
    out, step = np.empty((m, w_codes.shape[0])), None
    for start in range(0, m, chunk):
        psums = column_sums(x.values[start : start + chunk], cells, rows)
        psums = noise.perturb_psums(psums, layout.full_scale, rng)
        step = adc.step(psums) if step is None else step
        q = adc_convert(psums, step, layout.macro.adc_bits)
        out[start : start + chunk] = _shift_add(q, x, w, w_codes.shape[0], layout.reference_column)
    if w.offset and layout.encoding is SignedWeights.DIGITAL:  # sum(x) from a digital adder tree
        out -= w.offset * a_codes.sum(axis=1, keepdims=True)
    return CimProduct(out, float(layout.fixed_step if step is None else step))
