"""The named presets: published quantization schemes as combinations of orthogonal axes.

Each preset is a :class:`~hwcost.schemes.scheme.QuantScheme` composed as data with
:func:`dataclasses.replace` from a small set of tensor grids (below), with a one-paragraph
description naming its paper. Every preset is defined at 8/8 bits (the int8 deployment of Jacob
et al. 2018); ask for other widths with :func:`get_scheme`::

    >>> from hwcost.schemes import get_scheme
    >>> s = get_scheme("lsq+", weight_bits=4, act_bits=4)
    >>> (s.weights.bits, s.activations.bits, s.activations.zero_point.value, s.first_last_bits)
    (4, 4, 'learned', 8)

Sources are cited by the short names of ``docs/schemes.md``, whose §8 gives the full references;
"[A]" marks our own reading where a paper is silent.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from hwcost.errors import HwcostError
from hwcost.schemes.scheme import (
    BNHandling,
    Clipping,
    Granularity,
    MacRealisation,
    QuantScheme,
    ScaleType,
    TensorQuant,
    TrainingMethod,
    ZeroPoint,
    ZeroPointRealisation,
)

__all__ = ["PRESETS", "PRESET_NAMES", "FIXED_WIDTH_PRESETS", "get_scheme"]

# --- tensor grids the presets are built from ------------------------------------------------

# Signed symmetric weights, one dyadic scale per tensor (Krishnamoorthi 2018 §2.2).
_W_SYMMETRIC = TensorQuant(bits=8, signed=True)
# Unsigned activations after ReLU, no zero-point (Jacob et al. 2018 §2.4: uint8 activations).
_A_UNSIGNED = TensorQuant(bits=8, signed=False)
# Affine uint8 grid with a calibrated zero-point (Jacob et al. 2018 eq. 1-2).
_AFFINE = TensorQuant(bits=8, signed=False, zero_point=ZeroPoint.STATIC)
# Zero-free odd grid Delta*(2i - (2^b - 1))/2 (DoReFa weights, Zhou et al. 2016; CSQ, Asim
# et al. 2022). The stored codes i are unsigned; `signed` describes the levels.
_W_CENTRED = TensorQuant(bits=8, signed=True, centred=True)

# Layer defaults: folded BN, ReLU, 8-bit first/last layers (LSQ §2, HAWQ-V3 §3), zero-points
# folded into the int32 bias, one rescale after the accumulation (Jacob et al. 2018 §2.4).
_BASE = QuantScheme(name="symmetric", weights=_W_SYMMETRIC, activations=_A_UNSIGNED, outputs=_A_UNSIGNED)


def _acts(scheme: QuantScheme, grid: TensorQuant) -> QuantScheme:
    """``scheme`` with ``grid`` for its input activations and its outputs (the next layer's input)."""
    return replace(scheme, activations=grid, outputs=grid)


def _pot(grid: TensorQuant) -> TensorQuant:
    return replace(grid, scale_type=ScaleType.POT)


def _learned(grid: TensorQuant) -> TensorQuant:
    return replace(grid, learned_scale=True)


_SYMMETRIC = replace(
    _BASE,
    description=(
        "Symmetric uniform quantization (Krishnamoorthi 2018 §2.2): signed weights and unsigned "
        "ReLU activations with Z = 0 and one scale per tensor, rescaled after the integer "
        "accumulation by a dyadic M0*2^-n (Jacob et al. 2018 eq. 6). No zero-point hardware. "
        "Example: get_scheme('symmetric', 4, 4); hwcost explain --scheme symmetric --bits 4."
    ),
)

_POT = replace(
    _acts(_BASE, _pot(_A_UNSIGNED)),
    name="pot",
    weights=_pot(_W_SYMMETRIC),
    description=(
        "Power-of-two scales on weights, activations and outputs, so S_w*S_a/S_out = 2^-n and "
        "the rescale is a rounding right shift (Jacob et al. 2018 eq. 6 with M0 = 1; HAWQ-V3 "
        "dyadic b/2^c with b = 1). Symmetric signed weights, unsigned activations, per tensor. "
        "Example: get_scheme('pot', 4, 4); hwcost explain --scheme pot --bits 4."
    ),
)

_PER_CHANNEL = replace(
    _BASE,
    name="per-channel",
    weights=replace(_W_SYMMETRIC, granularity=Granularity.CHANNEL),
    description=(
        "Symmetric weights with one scale per output channel (Krishnamoorthi 2018 §2.6; the "
        "per-channel (multiplier, shift) pairs of TFLite kernels). The MAC array is unchanged; "
        "the rescale reads its (M0, n) from a per-channel table. Activations stay per tensor. "
        "Example: get_scheme('per-channel', 4, 8); hwcost explain --scheme per-channel --bits 4."
    ),
)

_ASYMMETRIC = replace(
    _acts(_BASE, _AFFINE),
    name="asymmetric",
    weights=_AFFINE,
    zero_point_realisation=ZeroPointRealisation.RUNTIME,
    description=(
        "Affine (asymmetric) uint8 weights and activations with calibrated zero-points, per "
        "tensor (Jacob et al. 2018 eq. 1-8; gemmlowp). The weight zero-point term -Z_w*sum(x) "
        "depends on the input, so it is realised at run time with a window sum per output pixel "
        "(gemmlowp computes these sums at packing); constant terms fold into the int32 bias. "
        "Example: get_scheme('asymmetric'); hwcost explain --scheme asymmetric --zero-point pre-subtract."
    ),
)

_LSQ = replace(
    _acts(_BASE, _learned(_A_UNSIGNED)),
    name="lsq",
    weights=_learned(_W_SYMMETRIC),
    training=TrainingMethod.LSQ,
    description=(
        "Learned Step Size Quantization (Esser et al., ICLR 2020): one learned FP32 step per "
        "weight tensor and per activation tensor, signed symmetric weights, unsigned activations, "
        "8-bit first and last layers. Inference rescales by s_w*s_x after the integer matmul "
        "(LSQ Fig. 1), deployed as a dyadic M0*2^-n. "
        "Example: get_scheme('lsq', 4, 4); hwcost explain --scheme lsq --bits 4."
    ),
)

_LSQ_POT = replace(
    _acts(_LSQ, _pot(_learned(_A_UNSIGNED))),
    name="lsq-pot",
    weights=_pot(_learned(_W_SYMMETRIC)),
    description=(
        "LSQ with its learned steps rounded to powers of two in the forward pass (the power-of-two "
        "scales TQT learns in the log domain, Jain et al. MLSys 2020), so S_w*S_a/S_out = 2^-n "
        "and the rescale is a shift: the integer datapath of 'pot', trained with LSQ's step "
        "gradient. The power-of-two baseline against which LSQ's and LSQ+'s float steps are priced. "
        "Example: get_scheme('lsq-pot', 4, 4); hwcost explain --scheme lsq-pot --bits 4."
    ),
)

_LSQ_PLUS = replace(
    _acts(_LSQ, replace(_learned(_A_UNSIGNED), zero_point=ZeroPoint.LEARNED)),
    name="lsq+",
    clipping=Clipping.NONE,
    training=TrainingMethod.LSQ_PLUS,
    description=(
        "LSQ+ (Bhalgat et al., CVPRW 2020): LSQ plus a learned activation offset, so negative "
        "Swish/H-swish outputs fit an unsigned grid without an extra sign bit. Weights stay "
        "symmetric. The offset is the only hardware difference from LSQ: its term -Z_a*sum(w) "
        "folds into the bias (fold) or widens the activation operand (pre-subtract), and the "
        "outputs need a zero-point add. "
        "Example: get_scheme('lsq+', 4, 4); hwcost explain --scheme lsq+ --bits 4 --zero-point pre-subtract."
    ),
)

_PACT = replace(
    _acts(_BASE, _learned(_A_UNSIGNED)),
    name="pact",
    weights=_W_CENTRED,
    clipping=Clipping.PACT,
    first_last_bits=None,
    training=TrainingMethod.PACT,
    description=(
        "PACT (Choi et al., arXiv:1805.06085): activations clipped to a learned [0, alpha] and "
        "quantized unsigned with scale alpha/(2^k - 1), not a power of two, hence a dyadic "
        "rescale; weights use DoReFa's zero-free odd grid; first and last layers are not "
        "quantized (PACT §4). "
        "Example: get_scheme('pact', 4, 4); hwcost explain --scheme pact --bits 4."
    ),
)

_DOREFA = replace(
    _BASE,
    name="dorefa",
    weights=_W_CENTRED,
    first_last_bits=None,
    training=TrainingMethod.DOREFA,
    description=(
        "DoReFa-Net (Zhou et al., arXiv:1606.06160; tensorpack dorefa.py): weights "
        "2*quantize_k(tanh-normalised w) - 1 on the odd grid (2i - n)/n, n = 2^k - 1, which has "
        "no zero; activations quantize_k(clip(x, 0, 1)) with scale 1/(2^k - 1) (not a power of "
        "two); first and last layers not quantized. "
        "Example: get_scheme('dorefa', 2, 2); hwcost explain --scheme dorefa --bits 2."
    ),
)

_CSQ = replace(
    _acts(_BASE, _learned(_A_UNSIGNED)),
    name="csq",
    weights=_learned(_W_CENTRED),
    description=(
        "Centered Symmetric Quantization (Asim et al., BMVC 2022): perfectly zero-centred weight "
        "levels Delta*(2i - (2^b - 1))/2, equal numbers of positive and negative levels. On "
        "standard multipliers this costs one extra operand bit, or b-bit unsigned codes plus an "
        "activation window-sum correction (CSQ algebra [A]). Learned steps and "
        "unsigned activations are our assumption [A]. "
        "Example: get_scheme('csq', 2, 2); hwcost explain --scheme csq --bits 2 --zero-point runtime."
    ),
)

_DYADIC = replace(
    _PER_CHANNEL,
    name="dyadic",
    description=(
        "HAWQ-V3 dyadic quantization (Yao, Dong et al., ICML 2021): symmetric per-channel weights, "
        "symmetric activations as their hardware supports below 8 bits (HAWQ model_zoo.md), every "
        "requantization an integer multiply by b and shift by c (eq. 5), BN folded with a 32-bit "
        "bias (App. D), 8-bit first and last layers. "
        "Example: get_scheme('dyadic', 4, 4); hwcost explain --scheme dyadic --bits 4."
    ),
)

_BN_FUSED = replace(
    _BASE,
    name="bn-fused",
    description=(
        "Batch norm folded into the weights before quantization, w_fold = gamma*w/sigma, with "
        "the shift in an int32 bias at S_w*S_a (Jacob et al. 2018 §3.2 eq. 14; Krishnamoorthi "
        "2018 eq. 20-31). Its datapath equals 'symmetric': folding costs only the bias add. "
        "Example: get_scheme('bn-fused', 4, 4); compare with 'bn-unfused'."
    ),
)

_BN_UNFUSED = replace(
    _BASE,
    name="bn-unfused",
    bn=BNHandling.UNFUSED,
    description=(
        "Batch norm kept as a separate per-channel affine y = gamma'*x + beta' after the integer "
        "accumulation (the alternative HAWQ-V3 §3.2 and Jacob et al. 2018 §3.2 fold away): a "
        "per-channel multiply-add on every output and its parameter table. "
        "Example: get_scheme('bn-unfused', 4, 4); compare with 'bn-fused'."
    ),
)

_SSR = replace(
    _BN_FUSED,
    name="ssr",
    training=TrainingMethod.SSR,
    description=(
        "Sigmoid Soft Round (Chen Yi-Ren, NTHU master's thesis 2021): a differentiable rounding "
        "surrogate for training, with a weight quantizer fused with batch normalization for "
        "integer-only inference. SSR changes training, not inference: the datapath is that of "
        "its base quantizer 'bn-fused' (symmetric, BN folded); the thesis' exact scale "
        "realisation is unverified [U]. "
        "Example: get_scheme('ssr', 8, 8); hwcost explain --scheme ssr --bits 8."
    ),
)

_SQ = replace(
    _PER_CHANNEL,
    name="sq",
    training=TrainingMethod.SQ,
    description=(
        "Stochastic Quantization (Dong et al., BMVC 2017): during training a growing fraction of "
        "output channels (50, 75, 87.5, 100 %) is quantized, chosen by roulette on the channel "
        "quantization error; scales are per channel (alpha_n = mean|W_n|, official code). A "
        "training method: the datapath is that of its base quantizer 'per-channel'. The paper "
        "keeps activations in full precision; hwcost pairs it with unsigned per-tensor activations. "
        "Example: get_scheme('sq', 2, 8); hwcost explain --scheme sq --weight-bits 2 --act-bits 8."
    ),
)

PRESETS: MappingProxyType[str, QuantScheme] = MappingProxyType(
    {
        s.name: s
        for s in (
            _POT,
            _SYMMETRIC,
            _PER_CHANNEL,
            _ASYMMETRIC,
            _LSQ,
            _LSQ_PLUS,
            _PACT,
            _DOREFA,
            _CSQ,
            _DYADIC,
            _BN_FUSED,
            _BN_UNFUSED,
            _SSR,
            _SQ,
            _LSQ_POT,
        )
    }
)
PRESET_NAMES: tuple[str, ...] = tuple(PRESETS)

# {-1, +1}: the 1-bit centred grid Delta*(2i - 1)/2, i in {0, 1} (stored codes: one bit each).
_BINARY = TensorQuant(bits=1, signed=True, centred=True)

_BNN = replace(
    _acts(_BASE, _BINARY),
    name="bnn",
    weights=_BINARY,
    clipping=Clipping.NONE,
    mac_realisation=MacRealisation.XNOR_POPCOUNT,
    description=(
        "Binary neural network (Courbariaux et al. 2016, arXiv:1602.02830; XNOR-Net, Rastegari et "
        "al. ECCV 2016): weights and activations in {-1, +1}, one bit each. A product is one XNOR "
        "gate, the products of an output are summed by a popcount, and batch norm, the scales and "
        "the sign activation fold into one integer threshold per output channel compared with the "
        "popcount (FINN, Umuroglu et al. FPGA 2017, §4.2). First and last layers at 8 bits as the "
        "other presets (a symmetric int8 layer). Defined at 1/1 bits only. "
        "Example: get_scheme('bnn'); hwcost explain --scheme bnn --bits 1."
    ),
)

# Presets whose bit-widths are part of their definition: get_scheme accepts them at their own
# bits only. Kept apart from PRESETS, whose members are asked at any width.
FIXED_WIDTH_PRESETS: MappingProxyType[str, QuantScheme] = MappingProxyType({_BNN.name: _BNN})

# Training-only presets and the preset whose inference datapath they share.
TRAINING_BASES: MappingProxyType[str, str] = MappingProxyType({"ssr": "bn-fused", "sq": "per-channel"})


def get_scheme(name: str, weight_bits: int | None = None, act_bits: int | None = None) -> QuantScheme:
    """The preset ``name`` at the given bit-widths (``None``: the preset's 8 bits).

    Layer outputs follow ``act_bits``; first and last layers keep ``first_last_bits``.

    >>> get_scheme("pot", 4, 4).weights.scale_type.value
    'pot'

    A fixed-width preset (:data:`FIXED_WIDTH_PRESETS`, e.g. ``bnn``) is returned at its own bits;
    other bits raise :class:`~hwcost.errors.HwcostError`.

    >>> get_scheme("bnn", 1, 1).mac_realisation.value
    'xnor-popcount'

    An unknown ``name`` raises :class:`~hwcost.errors.HwcostError` listing the known names.
    """
    scheme = PRESETS.get(name)
    fixed = FIXED_WIDTH_PRESETS.get(name)
    if fixed is not None:
        for key, bits, own in (("weight_bits", weight_bits, fixed.weights.bits), ("act_bits", act_bits, fixed.activations.bits)):
            if bits is not None and bits != own:
                raise HwcostError.single(f"scheme {name!r} is defined at {own} bit(s) only, got {bits}", key=key)
        return fixed
    if scheme is None:
        known = ", ".join((*PRESET_NAMES, *FIXED_WIDTH_PRESETS))
        raise HwcostError.single(f"unknown scheme {name!r}; known schemes: {known}", key="scheme")
    return scheme.with_bits(weight_bits, act_bits)
