"""``QuantScheme``: what a fixed-point quantization scheme asks of integer inference.

A scheme is a combination of orthogonal axes for each quantized tensor (bits, sign, zero-point,
scale type, granularity, grid) plus layer-level choices (batch-norm handling, activation
clipping, first/last-layer bits) and two *realisation* choices that are hardware decisions, not
training decisions: how zero-points are realised (``fold`` / ``runtime`` / ``pre-subtract``) and
where the scale is applied (``output`` / ``operand``). The classifier (:mod:`hwcost.classify`)
turns a scheme into the bill of materials integer inference needs.

Everything here is a frozen dataclass or an Enum; variants are built with
:func:`dataclasses.replace` (see :meth:`QuantScheme.with_bits`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum

from hwcost.errors import HwcostError, Problem

__all__ = [
    "ScaleType",
    "Granularity",
    "ZeroPoint",
    "BNHandling",
    "BNRealisation",
    "Clipping",
    "ZeroPointRealisation",
    "ScaleRealisation",
    "MacRealisation",
    "TrainingMethod",
    "TensorQuant",
    "QuantScheme",
    "MIN_BITS",
    "MAX_BITS",
    "M0_GUARD_BITS",
    "auto_m0_bits",
]

MIN_BITS = 1
MAX_BITS = 32

# Guard bits of the requantization multiplier M0 below an output LSB. M0 is normalised to
# |M0| in [2^(m0-2), 2^(m0-1)] (TFLite QuantizeMultiplier), so rounding it costs a relative error
# of at most 2^-(m0-1); a result of at most 2^b_out output steps is then off by at most
# 2^(b_out-m0+1) steps. With m0 = b_out + 1 + 7 that is 2^-7 of a step at full scale [A]. The 7 is
# NVDLA's: its SDP output converter scales an int8 result with a 16-bit cvt_scale and a 6-bit
# cvt_shift (nvdla/hw, vmod/nvdla/sdp NV_NVDLA_SDP_reg: reg2dp_cvt_scale[15:0]), 16 = 8 + 1 + 7.
# gemmlowp/TFLite's 32-bit M0 is a CPU word (SaturatingRoundingDoublingHighMul on int32), not a
# precision requirement: 23 guard bits at int8.
M0_GUARD_BITS = 7


def auto_m0_bits(output_bits: int) -> int:
    """The M0 width ``m0_bits: auto`` chooses for ``output_bits``-bit outputs: b_out + 1 + 7.

    >>> auto_m0_bits(8), auto_m0_bits(4), auto_m0_bits(2)  # NVDLA's 16 at int8
    (16, 12, 10)
    """
    return output_bits + 1 + M0_GUARD_BITS


class ScaleType(Enum):
    """How the real-valued scale of a tensor is represented at inference."""

    POT = "pot"  # power of two: S = 2^k, rescale is a shift
    DYADIC = "dyadic"  # fixed-point M0 * 2^-n (Jacob et al. 2018 eq. 6; HAWQ-V3 eq. 5)
    FLOAT = "float"  # kept in floating point: the rescale runs on an FP unit


class Granularity(Enum):
    """How many scales a tensor has."""

    TENSOR = "tensor"  # one scale per tensor
    CHANNEL = "channel"  # one scale per output channel (weights)
    GROUP = "group"  # one scale per group of `group_size` output channels


class ZeroPoint(Enum):
    """Whether the integer grid is offset from zero (affine quantization r = S (q - Z))."""

    NONE = "none"  # symmetric, Z = 0
    STATIC = "static"  # calibrated offset (min/max asymmetric quantization)
    LEARNED = "learned"  # trained offset (LSQ+)


class BNHandling(Enum):
    """What happens to batch normalisation at inference."""

    FOLDED = "folded"  # folded into weights and an int32 bias (Jacob et al. 2018 eq. 14)
    UNFUSED = "unfused"  # kept as a per-channel affine y = gamma' * x + beta'
    NONE = "none"  # the network has no batch norm


class BNRealisation(Enum):
    """How an unfused batch norm y = gamma'*x + beta' is realised in integer hardware.

    ``merged`` (the default): gamma' rides in the requantization multiplier, which becomes per
    channel, y_q = M*(gamma'*acc + beta') = (M*gamma')*(acc + beta'/gamma'), and beta'/gamma' is a
    bias at the accumulator scale (the per-channel multiplier and int32 bias of TFLite's
    per-channel kernels, Krishnamoorthi 2018 §2.6 and §3.2). Under a power-of-two rescale gamma'
    cannot ride in a shift, so the per-channel multiply stays. ``separate``: a BN multiply-add
    of its own after the accumulation, before the rescale (NVDLA's SDP BN stage: an ALU and a
    16-bit multiplier per channel ahead of the output converter, nvdla/hw ``NV_NVDLA_SDP_reg``).
    """

    MERGED = "merged"
    SEPARATE = "separate"


class Clipping(Enum):
    """Activation clipping before quantization."""

    NONE = "none"
    RELU = "relu"  # clip at 0 (and the grid's maximum)
    PACT = "pact"  # learned clipping level alpha (Choi et al. 2018)


class ZeroPointRealisation(Enum):
    """How zero-point correction terms are computed (Jacob et al. 2018 eq. 7-8)."""

    FOLD = "fold"  # constant terms precomputed into the int32 bias
    RUNTIME = "runtime"  # data-dependent terms computed after the MACs (window sums)
    PRE_SUBTRACT = "pre-subtract"  # (q - Z) formed before the multiply: one bit wider operands
    PER_MAC = "per-mac"  # the activation-offset term Z_x*q_w formed and subtracted in every PE


class ScaleRealisation(Enum):
    """Where the scale is applied."""

    OUTPUT = "output"  # one rescale per output after integer accumulation (Jacob et al. 2018)
    OPERAND = "operand"  # each operand dequantized to a wider fixed-point word before the MAC
    FAKE_QUANT_FP16 = "fake-quant-fp16"  # codes dequantized to FP16, FP16 MACs, FP output quantizer
    FAKE_QUANT_FP32 = "fake-quant-fp32"  # the same in FP32 (fake-quantized training graph run as is)

    @property
    def fake_quant_bits(self) -> int | None:
        """The floating-point width of a fake-quant realisation; None for integer ones."""
        return {ScaleRealisation.FAKE_QUANT_FP16: 16, ScaleRealisation.FAKE_QUANT_FP32: 32}.get(self)


class MacRealisation(Enum):
    """How a product w*x is formed and the products of one output summed.

    ``multiply`` (the default): an integer (or FP) multiplier per MAC and an accumulating adder,
    as the scale realisation says. ``xnor-popcount``: a binary layer, weights and activations in
    {-1, +1} (1-bit centred grids, stored as one bit each, +1 -> 1 and -1 -> 0): the product of
    two such values is +1 exactly when the bits agree, one XNOR gate, and the dot product of N
    of them is 2*popcount - N (Courbariaux et al. 2016, arXiv:1602.02830, "Binarized Neural
    Networks": XNOR-count; Rastegari et al. ECCV 2016, XNOR-Net: XNOR and bit-counting). The
    layer's output is the sign of its batch-normalised, scaled sum, which folds into one integer
    threshold per output channel compared with the popcount (Umuroglu et al. FPGA 2017, FINN
    §4.2, "batchnorm-activation as threshold"): no requantization multiplier, bias adder or clamp.
    """

    MULTIPLY = "multiply"
    XNOR_POPCOUNT = "xnor-popcount"


class TrainingMethod(Enum):
    """Training-only techniques: they change accuracy, not the inference datapath."""

    STE = "ste"  # plain straight-through estimator
    LSQ = "lsq"  # learned step size (Esser et al. 2020)
    LSQ_PLUS = "lsq+"  # learned step and offset (Bhalgat et al. 2020)
    PACT = "pact"  # learned clipping (Choi et al. 2018)
    DOREFA = "dorefa"  # tanh-normalised weights (Zhou et al. 2016)
    SSR = "ssr"  # sigmoid soft round (Chen, NTHU 2021)
    SQ = "sq"  # stochastic quantization (Dong et al. 2017)


@dataclass(frozen=True)
class TensorQuant:
    """Quantization of one tensor (weights, input activations or layer outputs).

    ``centred`` marks a zero-free odd grid Delta*(2i - (2^b - 1))/2 (CSQ, DoReFa weights); its
    stored codes i are unsigned and ``signed`` describes the levels;
    ``narrow_range`` drops the most negative code (int8 in [-127, 127], Jacob et al. 2018 §3.1).
    """

    bits: int
    signed: bool
    zero_point: ZeroPoint = ZeroPoint.NONE
    scale_type: ScaleType = ScaleType.DYADIC
    granularity: Granularity = Granularity.TENSOR
    group_size: int | None = None
    narrow_range: bool = False
    centred: bool = False
    learned_scale: bool = False

    def problems(self, key: str) -> list[Problem]:
        """Every inconsistency of this tensor's settings, with its key path."""
        out: list[Problem] = []
        if isinstance(self.bits, bool) or not isinstance(self.bits, int) or not MIN_BITS <= self.bits <= MAX_BITS:
            out.append(Problem(f"expected an integer {MIN_BITS}..{MAX_BITS}, got {self.bits!r}", key=f"{key}.bits"))
        if self.granularity is Granularity.GROUP:
            if not isinstance(self.group_size, int) or self.group_size < 1:
                out.append(Problem("granularity 'group' needs an integer group_size >= 1", key=f"{key}.group_size"))
        elif self.group_size is not None:
            out.append(Problem("group_size is only meaningful with granularity 'group'", key=f"{key}.group_size"))
        if self.centred and self.zero_point is not ZeroPoint.NONE:
            out.append(Problem("a centred (zero-free) grid cannot also have a zero-point", key=f"{key}.centred"))
        if self.centred and self.narrow_range:
            out.append(Problem("a centred grid is already symmetric; narrow_range does not apply", key=f"{key}.narrow_range"))
        if self.narrow_range and not self.signed:
            out.append(Problem("narrow_range applies to signed grids only", key=f"{key}.narrow_range"))
        if self.bits == 1 and self.zero_point is not ZeroPoint.NONE:
            out.append(Problem("a 1-bit grid cannot carry a zero-point", key=f"{key}.zero_point"))
        return out


@dataclass(frozen=True)
class QuantScheme:
    """A complete quantization scheme, as integer inference sees it.

    ``outputs`` describes the layer output after requantization (the next layer's input); it
    is usually the same grid as ``activations``. ``m0_width`` is the width of the fixed-point
    requantization multiplier M0 (the YAML key ``m0_bits``): ``None`` (``auto``, the default)
    sizes it for the output, :func:`auto_m0_bits`; an integer pins it (32 is gemmlowp/TFLite's
    ``QuantizeMultiplier``). :attr:`m0_bits` is the width in effect. ``operand_bits`` is the width of the fixed-point word an operand is dequantized into when
    the scale is applied at the operands (16, the "wider (16/32-bit) operands" of Krishnamoorthi
    2018 §2.1).
    """

    name: str
    weights: TensorQuant
    activations: TensorQuant
    outputs: TensorQuant
    bn: BNHandling = BNHandling.FOLDED
    bn_realisation: BNRealisation = BNRealisation.MERGED
    clipping: Clipping = Clipping.RELU
    first_last_bits: int | None = 8
    zero_point_realisation: ZeroPointRealisation = ZeroPointRealisation.FOLD
    scale_realisation: ScaleRealisation = ScaleRealisation.OUTPUT
    # left out of study journal keys at its default (hwcost/study/grid.py), which predate it
    mac_realisation: MacRealisation = field(default=MacRealisation.MULTIPLY, metadata={"key_omit_default": True})
    training: TrainingMethod = TrainingMethod.STE
    m0_width: int | None = None
    operand_bits: int = 16
    description: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise HwcostError(problems)

    def problems(self) -> list[Problem]:
        out = self.weights.problems("weights") + self.activations.problems("activations")
        out += self.outputs.problems("outputs")
        fl = self.first_last_bits
        if fl is not None and (isinstance(fl, bool) or not isinstance(fl, int) or not MIN_BITS <= fl <= MAX_BITS):
            out.append(Problem(f"expected an integer {MIN_BITS}..{MAX_BITS} or null, got {fl!r}", key="first_last_bits"))
        for key, value in (("m0_bits", self.m0_width), ("operand_bits", self.operand_bits)):
            if value is None and key == "m0_bits":
                continue  # auto
            if isinstance(value, bool) or not isinstance(value, int) or not 2 <= value <= 64:
                out.append(Problem(f"expected an integer 2..64{' or auto' if key == 'm0_bits' else ''}, got {value!r}", key=key))
        if self.activations.granularity is not Granularity.TENSOR:
            out.append(
                Problem(
                    "per-channel activation scales break the shared-scale inner product "
                    "(Krishnamoorthi 2018 §2.6); use granularity 'tensor'",
                    key="activations.granularity",
                )
            )
        if self.clipping is Clipping.PACT and self.activations.signed:
            out.append(Problem("PACT clips to [0, alpha]: activations must be unsigned", key="activations.signed"))
        if self.training is TrainingMethod.LSQ_PLUS and self.activations.zero_point is ZeroPoint.NONE:
            out.append(Problem("LSQ+ learns an activation offset: activations.zero_point must be learned", key="activations.zero_point"))
        return out + self._realisation_problems()

    @property
    def m0_bits(self) -> int:
        """The width of M0 in effect: ``m0_width``, or :func:`auto_m0_bits` of the output bits.

        >>> from hwcost.schemes import get_scheme
        >>> get_scheme("lsq", 4, 4).m0_bits, replace(get_scheme("lsq", 4, 4), m0_width=32).m0_bits
        (12, 32)
        """
        return self.m0_width if self.m0_width is not None else auto_m0_bits(self.outputs.bits)

    def _realisation_problems(self) -> list[Problem]:
        """Realisation choices that contradict the grids (see ``hwcost.classify`` for each rule)."""
        out: list[Problem] = []
        zp = ZeroPointRealisation
        if self.outputs.granularity is not Granularity.TENSOR:
            out.append(Problem("layer outputs are the next layer's activations: use granularity 'tensor'", key="outputs.granularity"))
        if self.mac_realisation is MacRealisation.XNOR_POPCOUNT:
            return out + self._binary_problems()
        if self.scale_realisation.fake_quant_bits is not None:
            return out  # offsets are added in floating point per input: no zero-point realisation applies
        if self.weights.zero_point is not ZeroPoint.NONE and self.zero_point_realisation is zp.FOLD:
            out.append(
                Problem(
                    "'fold' cannot fold the weight zero-point term -Z_w*sum(x): it depends on the input "
                    "(Jacob et al. 2018 eq. 7); use 'runtime' or 'pre-subtract'",
                    key="zero_point_realisation",
                )
            )
        weight_offset = self.weights.zero_point is not ZeroPoint.NONE or self.weights.centred
        if weight_offset and self.zero_point_realisation is zp.PER_MAC:
            out.append(
                Problem(
                    "'per-mac' prices the activation-offset term Z_x*q_w in every PE; a weight offset "
                    "(zero-point or centred grid) needs 'runtime' or 'pre-subtract'",
                    key="zero_point_realisation",
                )
            )
        if self.scale_realisation is ScaleRealisation.OPERAND:
            for key, tensor in (("weights", self.weights), ("activations", self.activations), ("outputs", self.outputs)):
                if tensor.scale_type is ScaleType.FLOAT:
                    out.append(Problem("scale_realisation 'operand' dequantizes into fixed-point words: use a pot or dyadic scale", key=f"{key}.scale_type"))
            has_zero_point = any(t.zero_point is not ZeroPoint.NONE for t in (self.weights, self.activations))
            if has_zero_point and self.zero_point_realisation is not zp.PRE_SUBTRACT:
                out.append(
                    Problem(
                        "scale_realisation 'operand' dequantizes r = S(q - Z) before the multiply, so "
                        "zero-points are pre-subtracted: use zero_point_realisation 'pre-subtract'",
                        key="zero_point_realisation",
                    )
                )
        return out

    def _binary_problems(self) -> list[Problem]:
        """An XNOR-popcount layer needs {-1, +1} operands and a sign output (MacRealisation)."""
        out: list[Problem] = []
        for key in ("weights", "activations", "outputs"):
            t = getattr(self, key)
            if t.bits != 1 or not t.centred or not t.signed:
                out.append(Problem(
                    f"mac_realisation 'xnor-popcount' needs the {{-1, +1}} grid: bits 1, signed true, centred true "
                    f"(got bits {t.bits}, signed {str(t.signed).lower()}, centred {str(t.centred).lower()})",
                    key=f"{key}.bits" if t.bits != 1 else f"{key}.centred"))
        if self.scale_realisation is not ScaleRealisation.OUTPUT:
            out.append(Problem("mac_realisation 'xnor-popcount' folds every scale into a threshold on the popcount: "
                               "use scale_realisation 'output'", key="scale_realisation"))
        return out

    def with_bits(self, weight_bits: int | None = None, act_bits: int | None = None) -> "QuantScheme":
        """The same scheme at other bit-widths; layer outputs follow the activations.

        >>> from hwcost.schemes import get_scheme
        >>> get_scheme("lsq").with_bits(4, 4).weights.bits
        4
        """
        weights = self.weights if weight_bits is None else replace(self.weights, bits=weight_bits)
        activations = self.activations if act_bits is None else replace(self.activations, bits=act_bits)
        outputs = self.outputs if act_bits is None else replace(self.outputs, bits=act_bits)
        return replace(self, weights=weights, activations=activations, outputs=outputs)
