"""The classifier's rule tables: scheme attribute -> datapath units, each rule with its reason.

Every table is keyed by enums (never strings or integers), and every entry is a :class:`Rule`
with the unit kinds it adds, the reason (the equation it realises) and a builder that makes the
units for one layer context. Human-readable copy (``docs/schemes.md`` has the full version)::

    SCALE_REALISATION   output   b_w x b_a MAC + accumulator; one rescale per output    Jacob 2018 eq. 7, 10
                        operand  each operand dequantized to operand_bits, then a       Krishnamoorthi 2018 §2.1
                                 operand_bits^2 MAC; weights dequantized offline
                        fake-quant-fp16|fp32  codes dequantized per input (+ offset) to  Jacob 2018 §3 (simulated
                                 FP, FP MACs, output quantizer in FP                    quantization, run as trained)
    OFFSET (operand, offset, realisation); offset = zero-point Z or centred grid (Z = (2^b-1)/2)
      weights     zero-point  fold          rejected: -Z_w*sum(x) depends on the input      Jacob eq. 7
      weights     zero-point  runtime       window sum/pixel + Z_w multiply + subtract      Jacob eq. 7; gemmlowp
      weights     zero-point  pre-subtract  (q_w - Z_w) offline: b_w+1-bit signed operand   Krishnamoorthi §2.1
      weights     centred     fold          odd integers 2i-(2^b-1) offline: b_w+1 bits     CSQ (Asim et al. 2022)
      weights     centred     runtime       b_w-bit unsigned codes + window-sum correction  CSQ algebra [A]
      weights     centred     pre-subtract  as fold                                         CSQ (Asim et al. 2022)
      activations zero-point  fold|runtime  -Z_a*sum(w) per channel folded into the bias    Jacob eq. 7 (Z2*a1)
      activations zero-point  pre-subtract  (q_x - Z_x) per input: b_a+1-bit operand        Krishnamoorthi §2.1
      activations zero-point  per-mac       Z_x*q_w multiplied and subtracted in every PE   Jacob eq. 7, unfolded
      weights     any offset  per-mac       rejected: the per-MAC term is priced for activation offsets
      activations centred     (same as zero-point, Z = (2^b-1)/2)
      any         none        nothing (Z = 0)                                               Krishnamoorthi §2.2
    RESCALE (type of M = S_w*S_a/S_out)
                        pot      rounding right shift only                              Jacob eq. 6, M0 = 1
                        dyadic   acc x M0 multiplier + rounding shift                   Jacob eq. 6; HAWQ-V3 eq. 5
                        float    int->FP32, FP32 multiply, FP32->int                    LSQ Fig. 1 kept in FP
    SCALE_MEMORY (weight granularity): tensor none; channel one (M0, n) per output channel;
                        group one per channel group                                     Krishnamoorthi §2.6
    BN (handling, realisation, type of M)
                        folded   int32 bias add per output                              Jacob eq. 11, 14
                        unfused merged, dyadic|float: M*gamma' per channel ((M0, n) or FP32
                                 table) + M*beta' added to the product before the shift [A]
                        unfused merged, pot: gamma' cannot ride in a shift: multiply-add per
                                 output + parameter table                               [A]
                        unfused separate: multiply-add per output + parameter table     NVDLA SDP BN stage
                        none     nothing
    OUTPUT_OFFSET       zero-point/centred: + Z_out after the rescale                   Jacob §2.4
    CLAMP               none|relu|pact: saturating cast, two comparisons per output     Jacob §2.4; PACT eq. 1
    MAC_REALISATION     multiply   the MAC of SCALE_REALISATION
                        xnor-popcount  {-1,+1} operands: one XNOR gate per MAC, the products  Courbariaux 2016;
                                 summed as a popcount of p = ceil(log2(N+1)) bits         XNOR-Net 2016
    THRESHOLD (binary layers, by BN handling; replaces bias, BN, RESCALE, SCALE_MEMORY,
                        OUTPUT_OFFSET and CLAMP): y = [popcount >= tau_c], one comparison
                        per output and one threshold per output channel                FINN §4.2

Constant terms (Z_a*sum(w), N*Z_w*Z_a) are folded into the bias in every realisation: ``runtime``
computes only the data-dependent ones, as an accelerator that knows its weights offline would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from itertools import product
from types import MappingProxyType

from hwcost.classify.datapath import Component, Placement, Unit, UnitKind, Widths
from hwcost.classify.widths import accumulator_bits, popcount_bits, shift_amount_bits, window_sum_bits
from hwcost.schemes.scheme import (
    BNHandling,
    BNRealisation,
    Clipping,
    Granularity,
    MacRealisation,
    QuantScheme,
    ScaleRealisation,
    ScaleType,
    TensorQuant,
    ZeroPointRealisation,
    ZeroPoint,
)

__all__ = [
    "Operand",
    "Offset",
    "Context",
    "Rule",
    "FP32_BITS",
    "offset_of",
    "SCALE_REALISATION_RULES",
    "DEQUANT_RULES",
    "OFFSET_RULES",
    "RESCALE_RULES",
    "SCALE_MEMORY_RULES",
    "BN_RULES",
    "OUTPUT_OFFSET_RULES",
    "CLAMP_RULES",
    "MAC_REALISATION_RULES",
    "THRESHOLD_RULES",
    "threshold_bits",
    "ALL_TABLES",
    "scale_word_bits",
]

# IEEE 754 binary32: the FP32 steps of LSQ (Esser et al. 2020 §2) kept in floating point.
FP32_BITS = 32


class Operand(Enum):
    WEIGHTS = "weights"
    ACTIVATIONS = "activations"


class Offset(Enum):
    """What separates a tensor's stored codes from its signed levels."""

    NONE = "none"  # symmetric, Z = 0
    ZERO_POINT = "zero-point"  # affine r = S(q - Z) (Jacob et al. 2018 eq. 1)
    CENTRED = "centred"  # odd grid Delta*(2i - (2^b - 1))/2: Z = (2^b - 1)/2 in half steps


def offset_of(tensor: TensorQuant) -> Offset:
    if tensor.centred:
        return Offset.CENTRED
    return Offset.NONE if tensor.zero_point is ZeroPoint.NONE else Offset.ZERO_POINT


@dataclass(frozen=True)
class Context:
    """One layer as the rules see it: the scheme and the widths derived for it."""

    scheme: QuantScheme
    reduction_length: int
    w_bits: int  # multiplier weight operand
    w_signed: bool
    a_bits: int  # multiplier activation operand
    a_signed: bool
    a_code_bits: int  # activation after any zero-point pre-subtraction, before dequantization
    acc_bits: int
    rescale: ScaleType  # type of the factor applied after accumulation


@dataclass(frozen=True)
class Rule:
    """One table entry: the kinds it adds, why, and how to build them for a layer.

    ``widen`` (offset rules only): the multiplier operand grows to b + 1 signed bits.
    ``rejected``: the combination is contradictory; ``QuantScheme`` refuses it with this reason.
    """

    kinds: tuple[UnitKind, ...]
    reason: str
    build: Callable[[Context], tuple[Unit, ...]]
    widen: bool = False
    rejected: bool = False


def _none(_: Context) -> tuple[Unit, ...]:
    return ()


def _unit(kind: UnitKind, placement: Placement, component: Component, reason: str, ops: int = 1, **widths: int) -> Unit:
    return Unit(kind, placement, component, Widths.of(**widths), reason, ops)


# --- scale realisation: the MAC and what precedes it -----------------------------------------



def _mac(c: Context, why: str) -> tuple[Unit, ...]:
    n = c.reduction_length
    both_unsigned = int(not (c.w_signed or c.a_signed))
    derived = accumulator_bits(c.w_bits, c.w_signed, c.a_bits, c.a_signed, n)
    widened = f", widened to {c.acc_bits}" if c.acc_bits > derived else ""
    return (
        _unit(UnitKind.MAC_MULTIPLIER, Placement.PER_MAC, Component.INT_MULTIPLIER,
              f"{c.w_bits}b x {c.a_bits}b product q_w*q_x of the core sum ({why})",
              a_bits=c.w_bits, b_bits=c.a_bits),
        _unit(UnitKind.ACCUMULATOR, Placement.PER_MAC, Component.INT_ADDER,
              f"acc += q_w*q_x over N = {n}; acc_bits = b_w + b_a + ceil(log2 N) + [both unsigned] "
              f"= {c.w_bits} + {c.a_bits} + {(n - 1).bit_length()} + {both_unsigned} = {derived} [A]{widened}",
              bits=c.acc_bits),
    )


def _operand_side(c: Context) -> tuple[Unit, ...]:
    weights = _unit(UnitKind.DEQUANT_MULTIPLIER, Placement.OFFLINE, Component.INT_MULTIPLIER,
                    f"weights dequantized offline to S_w*(q_w - Z_w) as {c.w_bits}-bit words and stored so "
                    f"(Krishnamoorthi 2018 §2.1: wider operands)",
                    a_bits=c.scheme.weights.bits, b_bits=c.w_bits)
    return (weights,) + _mac(c, "dequantized operands: the wider operands of Krishnamoorthi 2018 §2.1")


def _fake_quant(bits: int) -> Callable[[Context], tuple[Unit, ...]]:
    """The MAC side of a fake-quantized layer run in FP``bits``: codes stay b-bit words in memory,
    each input is converted and scaled once, weights are dequantized offline (an activation
    offset's FP add is the classifier's, ``_fake_quant_layer``)."""
    def build(c: Context) -> tuple[Unit, ...]:
        fp = dict(bits=bits)
        why = f"fake-quant in FP{bits} (simulated quantization deployed as trained, Jacob et al. 2018 §3): "
        units = (
            _unit(UnitKind.DEQUANT_MULTIPLIER, Placement.OFFLINE, Component.FP_MULTIPLIER,
                  why + "weights dequantized offline to S_w*(q_w - Z_w)", **fp),
            _unit(UnitKind.INT_TO_FP, Placement.PER_INPUT, Component.SHIFTER,
                  why + f"each {c.scheme.activations.bits}-bit input code converted to FP{bits} (priced as a shifter) [A]", **fp),
            _unit(UnitKind.DEQUANT_MULTIPLIER, Placement.PER_INPUT, Component.FP_MULTIPLIER,
                  why + "x = S_x*q_x, once per input, then reused across the array", **fp),
        )
        return units + (
            _unit(UnitKind.MAC_MULTIPLIER, Placement.PER_MAC, Component.FP_MULTIPLIER, why + "w*x product", **fp),
            _unit(UnitKind.ACCUMULATOR, Placement.PER_MAC, Component.FP_ADDER,
                  why + f"sum over N = {c.reduction_length}", **fp),
        )
    return build


_FAKE_QUANT_KINDS = (UnitKind.DEQUANT_MULTIPLIER, UnitKind.INT_TO_FP, UnitKind.DEQUANT_MULTIPLIER,
                     UnitKind.MAC_MULTIPLIER, UnitKind.ACCUMULATOR)

SCALE_REALISATION_RULES: Mapping[ScaleRealisation, Rule] = MappingProxyType({
    ScaleRealisation.OUTPUT: Rule(
        (UnitKind.MAC_MULTIPLIER, UnitKind.ACCUMULATOR),
        "integer MAC on the codes, one rescale after the accumulation (Jacob et al. 2018 eq. 7, 10)",
        lambda c: _mac(c, "Jacob et al. 2018 eq. 7, 10")),
    ScaleRealisation.OPERAND: Rule(
        (UnitKind.DEQUANT_MULTIPLIER, UnitKind.MAC_MULTIPLIER, UnitKind.ACCUMULATOR),
        "each operand dequantized to operand_bits before the multiply (Krishnamoorthi 2018 §2.1); the "
        "activations by the DEQUANT rule of their scale type, the weights offline",
        _operand_side),
    ScaleRealisation.FAKE_QUANT_FP16: Rule(
        _FAKE_QUANT_KINDS, "FP16 MACs on dequantized codes, the output quantizer in FP16 (simulated "
        "quantization deployed as trained); the offset of LSQ+ is an FP add per input", _fake_quant(16)),
    ScaleRealisation.FAKE_QUANT_FP32: Rule(
        _FAKE_QUANT_KINDS, "FP32 MACs on dequantized codes, the output quantizer in FP32 (simulated "
        "quantization deployed as trained); the offset of LSQ+ is an FP add per input", _fake_quant(32)),
})

DEQUANT_RULES: Mapping[ScaleType, Rule] = MappingProxyType({
    ScaleType.POT: Rule(
        (UnitKind.DEQUANT_SHIFTER,),
        "power-of-two activation scale: dequantization is a shift into the operand word",
        lambda c: (_unit(UnitKind.DEQUANT_SHIFTER, Placement.PER_INPUT, Component.SHIFTER,
                         f"x = (q_x - Z_x)*2^k: each input shifted into a {c.a_bits}-bit fixed-point word "
                         f"(operand-side dequantization, Krishnamoorthi 2018 §2.1)",
                         bits=c.a_bits),)),
    ScaleType.DYADIC: Rule(
        (UnitKind.DEQUANT_MULTIPLIER,),
        "fixed-point activation scale: one multiply per input element",
        lambda c: (_unit(UnitKind.DEQUANT_MULTIPLIER, Placement.PER_INPUT, Component.INT_MULTIPLIER,
                         f"x = S_x*(q_x - Z_x): {c.a_code_bits}b code x {c.a_bits}b fixed-point scale, once per input "
                         f"(operand-side dequantization, Krishnamoorthi 2018 §2.1)",
                         a_bits=c.a_code_bits, b_bits=c.a_bits),)),
    ScaleType.FLOAT: Rule(
        (), "contradictory: operand dequantization needs a fixed-point scale (QuantScheme refuses it)",
        _none, rejected=True),
})


# --- offsets: zero-points and centred grids --------------------------------------------------

_JACOB_EQ7 = "Jacob et al. 2018 eq. 7-8"


def _window_sum(c: Context, factor: str, placement: Placement, source: str) -> tuple[Unit, ...]:
    n = c.reduction_length
    ws = window_sum_bits(c.a_bits, n)
    w = c.scheme.weights.bits
    return (
        _unit(UnitKind.ZERO_POINT_WINDOW_SUM, Placement.PER_OUTPUT_PIXEL, Component.INT_ADDER,
              f"a(k) = sum_j q_x(j,k) over the N = {n} inputs of each output pixel, shared by all output "
              f"channels: N - 1 = {n - 1} adds at {ws} bits ({_JACOB_EQ7}; Krishnamoorthi 2018 eq. 5-6)",
              ops=n - 1, bits=ws),
        _unit(UnitKind.ZERO_POINT_MULTIPLIER, placement, Component.INT_MULTIPLIER,
              f"{factor} x a(k): {ws}b window sum x {w}b constant ({source})", a_bits=ws, b_bits=w),
        _unit(UnitKind.ZERO_POINT_SUBTRACTOR, Placement.PER_OUTPUT, Component.INT_ADDER,
              f"acc - {factor}*a(k) on every output ({source})", bits=c.acc_bits),
    )


def _weight_zero_point_runtime(c: Context) -> tuple[Unit, ...]:
    per_tensor = c.scheme.weights.granularity is Granularity.TENSOR
    placement = Placement.PER_OUTPUT_PIXEL if per_tensor else Placement.PER_OUTPUT
    return _window_sum(c, "Z_w", placement, f"{_JACOB_EQ7}, term Z1*a2")


def _weights_offline(c: Context, what: str) -> tuple[Unit, ...]:
    return (_unit(UnitKind.ZERO_POINT_SUBTRACTOR, Placement.OFFLINE, Component.INT_ADDER,
                  f"{what}, stored as {c.w_bits}-bit signed weights, so the multiplier operand is one bit wider",
                  bits=c.w_bits),)


def _activation_fold(c: Context) -> tuple[Unit, ...]:
    both = offset_of(c.scheme.weights) is not Offset.NONE
    terms = "-Z_x*sum_j q_w(i,j) and N*Z_w*Z_x are" if both else "-Z_x*sum_j q_w(i,j) is"
    return (_unit(UnitKind.BIAS_ADDER, Placement.PER_OUTPUT, Component.INT_ADDER,
                  f"{terms} constant per output channel, precomputed offline into the int32 bias "
                  f"({_JACOB_EQ7}, term Z2*a1; gemmlowp)", bits=c.acc_bits),)


def _activation_pre_subtract(c: Context) -> tuple[Unit, ...]:
    return (_unit(UnitKind.ZERO_POINT_SUBTRACTOR, Placement.PER_INPUT, Component.INT_ADDER,
                  f"q_x - Z_x formed once per input element before the multiply: a {c.a_code_bits}-bit signed "
                  f"operand (Krishnamoorthi 2018 §2.1: wider operands)", bits=c.a_code_bits),)


def _activation_per_mac(c: Context) -> tuple[Unit, ...]:
    z_bits = c.scheme.activations.bits
    return (
        _unit(UnitKind.ZERO_POINT_MULTIPLIER, Placement.PER_MAC, Component.INT_MULTIPLIER,
              f"Z_x*q_w formed in every PE on every MAC: {c.w_bits}b weight x {z_bits}b offset (the term "
              f"Z2*a1 of {_JACOB_EQ7} evaluated at runtime instead of folded; LSQ+'s x = s*q + beta applied "
              "per MAC, Bhalgat et al. 2020 eq. 2)", a_bits=c.w_bits, b_bits=z_bits),
        _unit(UnitKind.ZERO_POINT_SUBTRACTOR, Placement.PER_MAC, Component.INT_ADDER,
              f"acc -= Z_x*q_w on every MAC, at the accumulator's {c.acc_bits} bits ({_JACOB_EQ7}, term Z2*a1)",
              bits=c.acc_bits),
    )


def _offset_rules() -> dict[tuple[Operand, Offset, ZeroPointRealisation], Rule]:
    zp, W, A = ZeroPointRealisation, Operand.WEIGHTS, Operand.ACTIVATIONS
    kinds_ws = (UnitKind.ZERO_POINT_WINDOW_SUM, UnitKind.ZERO_POINT_MULTIPLIER, UnitKind.ZERO_POINT_SUBTRACTOR)
    offline = "centred codes i stored offline as the odd integers 2i - (2^b - 1) (CSQ, Asim et al. BMVC 2022)"
    rules = {
        (W, Offset.ZERO_POINT, zp.FOLD): Rule(
            (), f"contradictory: -Z_w*sum(x) depends on the input and cannot be folded ({_JACOB_EQ7})",
            _none, rejected=True),
        (W, Offset.ZERO_POINT, zp.RUNTIME): Rule(
            kinds_ws, f"-Z_w*a(k) with the window sum a(k) per output pixel ({_JACOB_EQ7}; gemmlowp)",
            _weight_zero_point_runtime),
        (W, Offset.ZERO_POINT, zp.PRE_SUBTRACT): Rule(
            (UnitKind.ZERO_POINT_SUBTRACTOR,), "q_w - Z_w offline: (b_w + 1)-bit signed weights (Krishnamoorthi 2018 §2.1)",
            lambda c: _weights_offline(c, "q_w - Z_w subtracted offline (Krishnamoorthi 2018 §2.1)"), widen=True),
        (W, Offset.CENTRED, zp.FOLD): Rule(
            (UnitKind.ZERO_POINT_SUBTRACTOR,), "odd-integer levels offline: one extra operand bit (CSQ, Asim et al. BMVC 2022)",
            lambda c: _weights_offline(c, offline), widen=True),
        (W, Offset.CENTRED, zp.RUNTIME): Rule(
            kinds_ws, "b_w-bit unsigned codes, sum w*x = (Delta/2)(2*sum i*x - (2^b - 1)*sum x): window-sum "
            "correction per output pixel (CSQ algebra [A])",
            lambda c: _window_sum(c, "(2^b_w - 1)", Placement.PER_OUTPUT_PIXEL, "CSQ algebra [A]")),
        (W, Offset.CENTRED, zp.PRE_SUBTRACT): Rule(
            (UnitKind.ZERO_POINT_SUBTRACTOR,), "odd-integer levels offline: one extra operand bit (CSQ, Asim et al. BMVC 2022)",
            lambda c: _weights_offline(c, offline), widen=True),
    }
    for offset in (Offset.ZERO_POINT, Offset.CENTRED):
        rules[(W, offset, zp.PER_MAC)] = Rule(
            (), "not priced: 'per-mac' is the activation-offset term in every PE; a weight offset needs "
            "'runtime' or 'pre-subtract' (QuantScheme refuses it)", _none, rejected=True)
        rules[(A, offset, zp.PER_MAC)] = Rule(
            (UnitKind.ZERO_POINT_MULTIPLIER, UnitKind.ZERO_POINT_SUBTRACTOR),
            f"Z_x*q_w multiplied and subtracted in every PE instead of folded into the bias ({_JACOB_EQ7})",
            _activation_per_mac)
        for realisation in (zp.FOLD, zp.RUNTIME):
            rules[(A, offset, realisation)] = Rule(
                (UnitKind.BIAS_ADDER,), f"-Z_x*sum(w) is constant per output channel: folded into the bias ({_JACOB_EQ7})",
                _activation_fold)
        rules[(A, offset, zp.PRE_SUBTRACT)] = Rule(
            (UnitKind.ZERO_POINT_SUBTRACTOR,), "q_x - Z_x per input element: (b_a + 1)-bit operand (Krishnamoorthi 2018 §2.1)",
            _activation_pre_subtract, widen=True)
    for operand, realisation in product(Operand, zp):
        rules[(operand, Offset.NONE, realisation)] = Rule((), "Z = 0: no correction term (Krishnamoorthi 2018 §2.2)", _none)
    return rules


OFFSET_RULES: Mapping[tuple[Operand, Offset, ZeroPointRealisation], Rule] = MappingProxyType(_offset_rules())


# --- rescale after the accumulation ----------------------------------------------------------


def _dyadic(c: Context) -> tuple[Unit, ...]:
    m0 = c.scheme.m0_bits
    return (
        _unit(UnitKind.REQUANT_MULTIPLIER, Placement.PER_OUTPUT, Component.INT_MULTIPLIER,
              f"acc*M0 with M = S_w*S_x/S_out (1/S_out after operand dequantization) = M0*2^-n, M0 a {m0}-bit fixed-point integer, high {c.acc_bits} bits "
              f"kept (Jacob et al. 2018 eq. 6; HAWQ-V3 eq. 5 b/2^c; gemmlowp SaturatingRoundingDoublingHighMul)",
              a_bits=c.acc_bits, b_bits=m0),
        _unit(UnitKind.REQUANT_SHIFTER, Placement.PER_OUTPUT, Component.SHIFTER,
              f"rounding right shift of those {c.acc_bits} bits by n, round-to-nearest (Jacob et al. 2018 eq. 6, "
              f"App. B; gemmlowp RoundingDivideByPOT)", bits=c.acc_bits),
    )


def _float(c: Context) -> tuple[Unit, ...]:
    return (
        _unit(UnitKind.INT_TO_FP, Placement.PER_OUTPUT, Component.SHIFTER,
              f"{c.acc_bits}-bit accumulator to FP32: normalising shift (priced as a shifter; leading-zero "
              f"count and exponent logic not priced) [A]", bits=c.acc_bits),
        _unit(UnitKind.FP_MULTIPLIER, Placement.PER_OUTPUT, Component.FP_MULTIPLIER,
              "y = acc*(S_w*S_x/S_out) with the scale kept in FP32 (Esser et al. 2020 Fig. 1: 'high precision "
              "scalar-tensor multiplication')", bits=FP32_BITS),
        _unit(UnitKind.FP_TO_INT, Placement.PER_OUTPUT, Component.SHIFTER,
              "FP32 result rounded back to an integer: denormalising shift (priced as a 32-bit shifter) [A]",
              bits=FP32_BITS),
    )


RESCALE_RULES: Mapping[ScaleType, Rule] = MappingProxyType({
    ScaleType.POT: Rule(
        (UnitKind.REQUANT_SHIFTER,),
        "M = 2^-n: rounding right shift only, no multiplier (Jacob et al. 2018 eq. 6 with M0 = 1)",
        lambda c: (_unit(UnitKind.REQUANT_SHIFTER, Placement.PER_OUTPUT, Component.SHIFTER,
                         f"M = S_w*S_x/S_out = 2^-n: rounding right shift of the {c.acc_bits}-bit accumulator, "
                         f"no multiplier (Jacob et al. 2018 eq. 6 with M0 = 1; HAWQ-V3 eq. 5 with b = 1)",
                         bits=c.acc_bits),)),
    ScaleType.DYADIC: Rule(
        (UnitKind.REQUANT_MULTIPLIER, UnitKind.REQUANT_SHIFTER),
        "M = M0*2^-n: fixed-point multiply then rounding shift (Jacob et al. 2018 eq. 6; HAWQ-V3 eq. 5)",
        _dyadic),
    ScaleType.FLOAT: Rule(
        (UnitKind.INT_TO_FP, UnitKind.FP_MULTIPLIER, UnitKind.FP_TO_INT),
        "scale kept in floating point: FP32 multiply per output, with int<->FP conversions (LSQ Fig. 1)",
        _float),
})


# --- per-channel scale tables ----------------------------------------------------------------


def scale_word_bits(c: Context) -> int:
    """Bits of one scale-table entry: (M0, n), n alone, or an FP32 scale; plus Z_w at runtime."""
    if c.rescale is ScaleType.POT:
        bits = shift_amount_bits(c.acc_bits)
    elif c.rescale is ScaleType.DYADIC:
        bits = c.scheme.m0_bits + shift_amount_bits(c.acc_bits)
    else:
        bits = FP32_BITS
    runtime_zp = (c.scheme.weights.zero_point is not ZeroPoint.NONE
                  and c.scheme.zero_point_realisation is ZeroPointRealisation.RUNTIME)
    return bits + (c.scheme.weights.bits if runtime_zp else 0)


def _scale_memory(placement: Placement, per: str) -> Callable[[Context], tuple[Unit, ...]]:
    def build(c: Context) -> tuple[Unit, ...]:
        return (_unit(UnitKind.SCALE_MEMORY, placement, Component.SRAM,
                      f"one {scale_word_bits(c)}-bit rescale entry (M0, n, and Z_w if any) per {per}, read once "
                      f"per {per} (Krishnamoorthi 2018 §2.6; TFLite per-channel multiplier and shift)",
                      width_bits=scale_word_bits(c)),)
    return build


SCALE_MEMORY_RULES: Mapping[Granularity, Rule] = MappingProxyType({
    Granularity.TENSOR: Rule((), "one (M0, n) per layer in a configuration register: not priced", _none),
    Granularity.CHANNEL: Rule(
        (UnitKind.SCALE_MEMORY,), "one (M0, n) per output channel (Krishnamoorthi 2018 §2.6)",
        _scale_memory(Placement.PER_OUTPUT_CHANNEL, "output channel")),
    Granularity.GROUP: Rule(
        (UnitKind.SCALE_MEMORY,), "one (M0, n) per group of output channels",
        _scale_memory(Placement.PER_CHANNEL_GROUP, "channel group")),
})


# --- batch norm, output zero-point, clamp ----------------------------------------------------


def _bias(c: Context, why: str) -> tuple[Unit, ...]:
    return (_unit(UnitKind.BIAS_ADDER, Placement.PER_OUTPUT, Component.INT_ADDER, why, bits=c.acc_bits),)


def _bn_separate(c: Context) -> tuple[Unit, ...]:
    per = "per output channel, applied to every output"
    if c.rescale is ScaleType.FLOAT:
        return (
            _unit(UnitKind.BN_MULTIPLIER, Placement.PER_OUTPUT, Component.FP_MULTIPLIER,
                  f"y = gamma'*x in FP32, gamma' = gamma/sigma {per} [A]", bits=FP32_BITS),
            _unit(UnitKind.BN_ADDER, Placement.PER_OUTPUT, Component.FP_ADDER,
                  f"+ beta' = beta - gamma*mu/sigma in FP32, {per} [A]", bits=FP32_BITS),
            _unit(UnitKind.BN_PARAMETER_MEMORY, Placement.PER_OUTPUT_CHANNEL, Component.SRAM,
                  "(gamma', beta') in FP32, one pair per output channel [A]", width_bits=2 * FP32_BITS),
        )
    m0, acc = c.scheme.m0_bits, c.acc_bits
    why = ("gamma' cannot ride in a power-of-two shift, so it keeps a multiplier of its own"
           if c.rescale is ScaleType.POT else "a BN stage of its own ahead of the output converter, as "
           "NVDLA's SDP (an ALU and a 16-bit multiplier per channel, nvdla/hw NV_NVDLA_SDP_reg)")
    return (
        _unit(UnitKind.BN_MULTIPLIER, Placement.PER_OUTPUT, Component.INT_MULTIPLIER,
              f"y = gamma'*acc, gamma' = gamma/sigma as an {m0}-bit fixed-point factor {per}, "
              f"high {acc} bits kept: {why} [A]", a_bits=acc, b_bits=m0),
        _unit(UnitKind.BN_ADDER, Placement.PER_OUTPUT, Component.INT_ADDER,
              f"+ beta' = beta - gamma*mu/sigma at the accumulator scale, {per} [A]", bits=acc),
        _unit(UnitKind.BN_PARAMETER_MEMORY, Placement.PER_OUTPUT_CHANNEL, Component.SRAM,
              f"(gamma' {m0}b, beta' {acc}b), one pair per output channel [A]", width_bits=m0 + acc),
    )


def _bn_merged(c: Context) -> tuple[Unit, ...]:
    """Unfused BN merged into the rescale: y = M*(gamma'*acc + beta') = (M*gamma')*acc + M*beta'.

    M*beta' is added to the product acc*M0 before the rounding shift, at the product's scale
    2^-n output steps (B = round(M*beta'*2^n)): added at the accumulator scale instead, as
    beta'/gamma', its rounding error would be half an accumulator step, which is M*gamma'/2
    output steps and exceeds one step wherever M*gamma' > 2 (seen at 2 bits) [A]."""
    if c.rescale is ScaleType.FLOAT:
        return (
            _unit(UnitKind.BN_ADDER, Placement.PER_OUTPUT, Component.FP_ADDER,
                  "unfused BN merged into the FP32 rescale: y = (M*gamma')*acc + M*beta', the offset "
                  "added after the per-channel FP32 multiply [A]", bits=FP32_BITS),
            _unit(UnitKind.SCALE_MEMORY, Placement.PER_OUTPUT_CHANNEL, Component.SRAM,
                  "unfused BN merged into the FP32 rescale: (M*gamma', M*beta') in FP32 per output channel, "
                  "read once per output channel [A]", width_bits=2 * FP32_BITS),
        )
    product = c.acc_bits + c.scheme.m0_bits
    word = scale_word_bits(c) + product
    return (
        _unit(UnitKind.BN_ADDER, Placement.PER_OUTPUT, Component.INT_ADDER,
              f"unfused BN merged into the rescale: y = (M*gamma')*acc + M*beta' with M*gamma' = M0*2^-n per "
              f"channel; B = round(M*beta'*2^n) added to the {product}-bit product acc*M0 before the rounding "
              f"shift (no second multiplier) [A]", bits=product),
        _unit(UnitKind.SCALE_MEMORY, Placement.PER_OUTPUT_CHANNEL, Component.SRAM,
              f"unfused BN merged into the rescale: (M0, n) of M*gamma' and the {product}-bit offset B per output "
              f"channel, a {word}-bit entry read once per output channel (the per-channel multiplier of "
              f"TFLite, Krishnamoorthi 2018 §2.6) [A]", width_bits=word),
    )


_BN_FOLDED = Rule(
    (UnitKind.BIAS_ADDER,), "BN folded into the weights; its shift is an int32 bias (Jacob et al. 2018 eq. 11, 14)",
    lambda c: _bias(c, "BN folded: w_fold = gamma*w/sigma, shift beta - gamma*mu/sigma as an int32 bias at "
                       "S_w*S_x added to each output (Jacob et al. 2018 eq. 11, 14; HAWQ-V3 App. D)"))
_BN_SEPARATE = Rule(
    (UnitKind.BN_MULTIPLIER, UnitKind.BN_ADDER, UnitKind.BN_PARAMETER_MEMORY),
    "BN kept as a per-channel affine after the accumulation: multiply-add per output (NVDLA SDP BN stage) [A]",
    _bn_separate)


def _bn_rules() -> dict[tuple[BNHandling, BNRealisation, ScaleType], Rule]:
    rules: dict[tuple[BNHandling, BNRealisation, ScaleType], Rule] = {}
    for realisation, rescale in product(BNRealisation, ScaleType):
        rules[(BNHandling.FOLDED, realisation, rescale)] = _BN_FOLDED
        rules[(BNHandling.NONE, realisation, rescale)] = Rule((), "no batch norm: nothing", _none)
        rules[(BNHandling.UNFUSED, BNRealisation.SEPARATE, rescale)] = _BN_SEPARATE
    merged = Rule(
        (UnitKind.BN_ADDER, UnitKind.SCALE_MEMORY),
        "unfused BN merged into the rescale: gamma' rides in a per-channel M*gamma' ((M0, n) or FP32 "
        "per output channel) and M*beta' is added to the product before the rounding shift; no second "
        "multiplier [A]", _bn_merged)
    rules[(BNHandling.UNFUSED, BNRealisation.MERGED, ScaleType.DYADIC)] = merged
    rules[(BNHandling.UNFUSED, BNRealisation.MERGED, ScaleType.FLOAT)] = merged
    rules[(BNHandling.UNFUSED, BNRealisation.MERGED, ScaleType.POT)] = Rule(
        _BN_SEPARATE.kinds, "unfused BN under a power-of-two rescale: gamma' cannot ride in a shift, so "
        "the per-channel multiply-add stays [A]", _bn_separate)
    return rules


BN_RULES: Mapping[tuple[BNHandling, BNRealisation, ScaleType], Rule] = MappingProxyType(_bn_rules())

_OUTPUT_ZP = Rule(
    (UnitKind.OUTPUT_ZERO_POINT_ADDER,),
    "q_out = Z_out + M*acc: the output zero-point added after the rescale (Jacob et al. 2018 eq. 7, §2.4)",
    lambda c: (_unit(UnitKind.OUTPUT_ZERO_POINT_ADDER, Placement.PER_OUTPUT, Component.INT_ADDER,
                     "q_out = Z_out + M*acc: output zero-point added after the rescale, before saturation "
                     "(Jacob et al. 2018 eq. 7, §2.4; centred outputs add (2^b - 1)/2)", bits=c.acc_bits),))

OUTPUT_OFFSET_RULES: Mapping[Offset, Rule] = MappingProxyType({
    Offset.NONE: Rule((), "Z_out = 0: nothing to add", _none),
    Offset.ZERO_POINT: _OUTPUT_ZP,
    Offset.CENTRED: _OUTPUT_ZP,
})


def _clamp(why: str) -> Rule:
    return Rule(
        (UnitKind.CLAMP,), why,
        lambda c: (_unit(UnitKind.CLAMP, Placement.PER_OUTPUT, Component.COMPARATOR,
                         f"{why}: two {c.acc_bits}-bit comparisons per output", ops=2, bits=c.acc_bits),))


CLAMP_RULES: Mapping[Clipping, Rule] = MappingProxyType({
    Clipping.NONE: _clamp("saturating cast to the output grid [q_min, q_max] (Jacob et al. 2018 §2.4)"),
    Clipping.RELU: _clamp("ReLU/ReLU6 become the bounds of the saturating cast (Jacob et al. 2018 §2.4)"),
    Clipping.PACT: _clamp("clip(x, 0, alpha) is the saturating cast to [0, 2^b - 1], alpha folded into "
                          "S_out = alpha/(2^b - 1) (Choi et al. 2018 eq. 1-2)"),
})

# --- binary layers: XNOR, popcount, threshold --------------------------------------------------

_BNN_SOURCES = "Courbariaux et al. 2016, arXiv:1602.02830; Rastegari et al. ECCV 2016, XNOR-Net"


def _xnor_popcount(c: Context) -> tuple[Unit, ...]:
    n = c.reduction_length
    return (
        _unit(UnitKind.MAC_MULTIPLIER, Placement.PER_MAC, Component.XNOR_GATE,
              f"w*x with w, x in {{-1, +1}} stored as one bit each (+1 -> 1, -1 -> 0): the product is +1 exactly "
              f"when the bits agree, XNOR(b_w, b_x), one gate per MAC ({_BNN_SOURCES})", bits=1),
        _unit(UnitKind.ACCUMULATOR, Placement.PER_MAC, Component.INT_ADDER,
              f"popcount: sum_j w_j*x_j = 2*pop - N with pop = the number of XNOR outputs at 1, a count 0..N "
              f"held in p = ceil(log2(N + 1)) = {c.acc_bits} bits for N = {n} ({_BNN_SOURCES}). A PE that "
              f"accumulates its own products adds each 1-bit product into its p-bit count (priced as the "
              f"library's p-bit adder, an upper bound for an incrementer); an adder-tree PE compresses its R "
              f"products per cycle in a carry-save popcount of full adders before this add "
              f"(hwcost/arch/shared/adder_tree.py: popcount_cost) [A]", bits=c.acc_bits),
    )


MAC_REALISATION_RULES: Mapping[MacRealisation, Rule] = MappingProxyType({
    MacRealisation.MULTIPLY: Rule(
        (), "products on the multiplier and accumulator of the scale realisation (SCALE_REALISATION; "
            "Jacob et al. 2018 eq. 7)", _none),
    MacRealisation.XNOR_POPCOUNT: Rule(
        (UnitKind.MAC_MULTIPLIER, UnitKind.ACCUMULATOR),
        f"{{-1, +1}} operands: one XNOR gate per MAC and a popcount of the products ({_BNN_SOURCES})",
        _xnor_popcount),
})


def threshold_bits(reduction_length: int) -> int:
    """Bits of a binary layer's threshold tau_c, an integer 0..N + 1 (0: always +1, N + 1: always -1).

    >>> threshold_bits(576), threshold_bits(7)
    (10, 4)
    """
    return popcount_bits(reduction_length + 1)


_THRESHOLD_ALGEBRA = (
    "y = sign(gamma'*(alpha*(2*pop - N) + b) + beta') with gamma'*alpha > 0 is +1 exactly when "
    "pop >= tau_c = ceil((N - (beta'/gamma' + b)/alpha)/2), clamped to 0..N + 1; a channel with "
    "gamma'*alpha < 0 has its weights negated offline (pop -> N - pop) so one comparison direction "
    "serves every channel [A]")


def _threshold(why: str) -> Callable[[Context], tuple[Unit, ...]]:
    def build(c: Context) -> tuple[Unit, ...]:
        t = threshold_bits(c.reduction_length)
        return (
            _unit(UnitKind.THRESHOLD_COMPARATOR, Placement.PER_OUTPUT, Component.COMPARATOR,
                  f"the sign output as one comparison pop >= tau_c of the {c.acc_bits}-bit popcount with a "
                  f"{t}-bit threshold, replacing the requantization multiplier, shift, bias add and clamp "
                  f"(Umuroglu et al. FPGA 2017, FINN §4.2, batchnorm-activation as threshold); {why}; "
                  f"{_THRESHOLD_ALGEBRA}", bits=t),
            _unit(UnitKind.THRESHOLD_MEMORY, Placement.PER_OUTPUT_CHANNEL, Component.SRAM,
                  f"one {t}-bit threshold tau_c per output channel, read once per output channel (FINN §4.2: "
                  f"one threshold per neuron) [A]", width_bits=t),
        )
    return build


_THRESHOLD_KINDS = (UnitKind.THRESHOLD_COMPARATOR, UnitKind.THRESHOLD_MEMORY)
THRESHOLD_RULES: Mapping[BNHandling, Rule] = MappingProxyType({
    BNHandling.FOLDED: Rule(
        _THRESHOLD_KINDS, "batch norm, the scales and the bias fold into one integer threshold per output "
        "channel (FINN §4.2)", _threshold("batch norm, scale alpha and bias folded into tau_c")),
    BNHandling.UNFUSED: Rule(
        _THRESHOLD_KINDS, "an unfused batch norm folds into the threshold all the same: sign(gamma'*x + beta') "
        "needs no multiply (FINN §4.2)", _threshold("batch norm (kept unfused in training) folded into tau_c")),
    BNHandling.NONE: Rule(
        _THRESHOLD_KINDS, "no batch norm: the sign of alpha*(2*pop - N) + b is a comparison with "
        "tau_c = ceil((N - b/alpha)/2), per channel through the bias [A]",
        _threshold("no batch norm: tau_c from the bias, ceil(N/2) without one [A]")),
})

ALL_TABLES: Mapping[str, Mapping[object, Rule]] = MappingProxyType({
    "SCALE_REALISATION": SCALE_REALISATION_RULES,
    "DEQUANT": DEQUANT_RULES,
    "OFFSET": OFFSET_RULES,
    "RESCALE": RESCALE_RULES,
    "SCALE_MEMORY": SCALE_MEMORY_RULES,
    "BN": BN_RULES,
    "OUTPUT_OFFSET": OUTPUT_OFFSET_RULES,
    "CLAMP": CLAMP_RULES,
    "MAC_REALISATION": MAC_REALISATION_RULES,
    "THRESHOLD": THRESHOLD_RULES,
})
