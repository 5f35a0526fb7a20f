"""``classify``: a quantization scheme -> the bill of materials integer inference needs.

The stages, top to bottom (each a table lookup in :mod:`hwcost.classify.rules`):

1. operand widths: a pre-subtracted zero-point or a centred grid realised offline widens an
   operand to b + 1 signed bits; ``scale_realisation='operand'`` makes both ``operand_bits``;
2. accumulator width from the operands and the reduction length (:func:`accumulator_bits`);
3. units: MAC (scale realisation), offset corrections (weights, activations), bias, BN, the
   rescale (by the type of S_w*S_x/S_out), per-channel scale tables, output zero-point, clamp;
4. identical units from different rules merge into one, their reasons joined.

A binary layer (``mac_realisation: xnor-popcount``) takes its MAC from the MAC_REALISATION table
(an XNOR gate and a popcount) and everything after the popcount from the THRESHOLD table (one
comparison with a per-channel threshold): no offset, bias, BN, rescale, scale-table,
output-offset or clamp units. Its first/last layers are symmetric int8 layers
(:func:`_edge_scheme`).
"""

from __future__ import annotations

from dataclasses import replace

from hwcost.classify.datapath import Component, Datapath, Placement, Unit, UnitKind, Widths
from hwcost.classify.rules import (
    BN_RULES,
    CLAMP_RULES,
    DEQUANT_RULES,
    MAC_REALISATION_RULES,
    THRESHOLD_RULES,
    FP32_BITS,
    OFFSET_RULES,
    OUTPUT_OFFSET_RULES,
    RESCALE_RULES,
    SCALE_MEMORY_RULES,
    SCALE_REALISATION_RULES,
    Context,
    Offset,
    Operand,
    offset_of,
)
from hwcost.classify.training import TRAINING_NOTES
from hwcost.classify.widths import DEFAULT_REDUCTION_LENGTH, accumulator_bits, popcount_bits
from hwcost.errors import HwcostError
from hwcost.schemes.scheme import (
    BNHandling,
    BNRealisation,
    MacRealisation,
    QuantScheme,
    ScaleRealisation,
    ScaleType,
    TensorQuant,
)

__all__ = ["classify", "DEFAULT_REDUCTION_LENGTH"]


def classify(
    scheme: QuantScheme,
    reduction_length: int = DEFAULT_REDUCTION_LENGTH,
    *,
    has_bias: bool = False,
    edge_layer: bool = False,
    min_accumulator_bits: int | None = None,
) -> Datapath:
    """The datapath one layer of reduction length N = C_in/groups * k_h * k_w needs under ``scheme``.

    ``reduction_length`` defaults to 576 = 3*3*64 (:data:`DEFAULT_REDUCTION_LENGTH`). ``has_bias``:
    the layer has a bias of its own (folded BN always brings one). ``edge_layer``: a first or last
    layer, quantized at ``scheme.first_last_bits``, or run in FP32 when that is ``None``.
    ``min_accumulator_bits`` widens the accumulator to a fixed word (e.g. 32, as TFLite); the
    derived width is used when it is larger (not for a binary layer, whose popcount has its own
    width). A binary scheme (``mac_realisation: xnor-popcount``) gives XNOR, popcount and threshold.

    >>> from hwcost.schemes import get_scheme
    >>> dp = classify(get_scheme("pot", 4, 4))
    >>> [u.kind.value for u in dp.units]
    ['mac_multiplier', 'accumulator', 'bias_adder', 'requant_shifter', 'clamp', 'bias_memory']
    >>> dp.accumulator_bits
    18
    >>> [(u.kind.value, str(u.component)) for u in classify(get_scheme("bnn")).units][:2]
    [('mac_multiplier', 'xnor_gate'), ('accumulator', 'int_adder')]
    """
    if isinstance(reduction_length, bool) or not isinstance(reduction_length, int) or reduction_length < 1:
        raise HwcostError.single(f"expected an integer >= 1, got {reduction_length!r}", key="reduction_length")
    if min_accumulator_bits is not None and not 2 <= min_accumulator_bits <= 128:
        raise HwcostError.single(f"expected an integer 2..128, got {min_accumulator_bits!r}", key="min_accumulator_bits")
    return _classify(scheme, reduction_length, has_bias, edge_layer, min_accumulator_bits)


def _classify(scheme: QuantScheme, n: int, has_bias: bool, edge_layer: bool, min_acc: int | None) -> Datapath:
    if edge_layer:
        if scheme.first_last_bits is None:
            return _float_layer(scheme, n, has_bias)
        scheme = _edge_scheme(scheme, scheme.first_last_bits)
    if scheme.mac_realisation is MacRealisation.XNOR_POPCOUNT:
        return _binary_layer(scheme, n)
    fp_bits = scheme.scale_realisation.fake_quant_bits
    if fp_bits is not None:
        return _fake_quant_layer(scheme, n, has_bias, fp_bits)
    ctx = _context(scheme, n, min_acc)
    units = SCALE_REALISATION_RULES[scheme.scale_realisation].build(ctx)
    if scheme.scale_realisation is ScaleRealisation.OPERAND:
        units += DEQUANT_RULES[scheme.activations.scale_type].build(ctx)
    else:  # 'operand' dequantizes the weights offline, offsets included
        units += OFFSET_RULES[(Operand.WEIGHTS, offset_of(scheme.weights), scheme.zero_point_realisation)].build(ctx)
    units += OFFSET_RULES[(Operand.ACTIVATIONS, offset_of(scheme.activations), scheme.zero_point_realisation)].build(ctx)
    if has_bias:
        units += (_own_bias(ctx.acc_bits, Component.INT_ADDER),)
    units += BN_RULES[(scheme.bn, scheme.bn_realisation, ctx.rescale)].build(ctx)
    units += RESCALE_RULES[ctx.rescale].build(ctx)
    if scheme.scale_realisation is ScaleRealisation.OUTPUT:
        units += SCALE_MEMORY_RULES[scheme.weights.granularity].build(ctx)
    units += OUTPUT_OFFSET_RULES[offset_of(scheme.outputs)].build(ctx)
    units += CLAMP_RULES[scheme.clipping].build(ctx)
    return Datapath(
        scheme=scheme,
        reduction_length=n,
        weight_operand_bits=ctx.w_bits,
        act_operand_bits=ctx.a_bits,
        weight_operand_signed=ctx.w_signed,
        act_operand_signed=ctx.a_signed,
        accumulator_bits=ctx.acc_bits,
        units=_in_dataflow_order(_with_bias_memory(_merge(units))),
        weight_group_size=scheme.weights.group_size,
        notes=_notes(scheme),
    )


def _edge_scheme(scheme: QuantScheme, bits: int) -> QuantScheme:
    """The scheme of a first/last layer at ``bits``: the scheme's own grids at those bits; for a
    binary scheme, whose {-1, +1} grid has no wider form, a symmetric int8-style layer (signed
    symmetric weights, unsigned activations, dyadic rescale: Jacob et al. 2018 §2.4), as the
    binary networks keep their first and last layers in higher precision (Courbariaux et al.
    2016, arXiv:1602.02830; Rastegari et al. ECCV 2016)."""
    if scheme.mac_realisation is MacRealisation.MULTIPLY:
        return scheme.with_bits(bits, bits)
    weights = TensorQuant(bits=bits, signed=True)
    acts = TensorQuant(bits=bits, signed=False)
    return replace(scheme, weights=weights, activations=acts, outputs=acts, mac_realisation=MacRealisation.MULTIPLY)


def _binary_layer(scheme: QuantScheme, n: int) -> Datapath:
    """A binary layer: XNOR and popcount (MAC_REALISATION), then the threshold (THRESHOLD). A bias
    of the layer's own folds into the threshold like batch norm, so ``has_bias`` adds nothing."""
    ctx = _context(scheme, n, None)
    units = MAC_REALISATION_RULES[scheme.mac_realisation].build(ctx) + THRESHOLD_RULES[scheme.bn].build(ctx)
    return Datapath(
        scheme=scheme,
        reduction_length=n,
        weight_operand_bits=1,
        act_operand_bits=1,
        weight_operand_signed=True,
        act_operand_signed=True,
        accumulator_bits=ctx.acc_bits,
        units=_in_dataflow_order(units),
        notes=_notes(scheme) + ("binary layer: XNOR products, popcount, threshold (FINN §4.2)",),
    )


def _operand(tensor: TensorQuant, operand: Operand, scheme: QuantScheme) -> tuple[int, bool]:
    """Multiplier operand (bits, signed) of one tensor under the scheme's zero-point realisation."""
    offset = offset_of(tensor)
    if OFFSET_RULES[(operand, offset, scheme.zero_point_realisation)].widen:
        return tensor.bits + 1, True
    if offset is Offset.CENTRED:
        return tensor.bits, False  # the stored codes i of a centred grid are unsigned
    return tensor.bits, tensor.signed


def _rescale_type(scheme: QuantScheme) -> ScaleType:
    """Type of the factor after accumulation: S_w*S_x/S_out ('output') or 1/S_out ('operand')."""
    tensors = (scheme.outputs,)
    if scheme.scale_realisation is ScaleRealisation.OUTPUT:
        tensors = (scheme.weights, scheme.activations, scheme.outputs)
    types = {t.scale_type for t in tensors}
    if ScaleType.FLOAT in types:
        return ScaleType.FLOAT
    return ScaleType.POT if types == {ScaleType.POT} else ScaleType.DYADIC


def _context(scheme: QuantScheme, n: int, min_acc: int | None) -> Context:
    if scheme.mac_realisation is MacRealisation.XNOR_POPCOUNT:
        # one bit per {-1, +1} operand; the popcount 0..N is the accumulation (popcount_bits)
        return Context(scheme, n, 1, True, 1, True, 1, popcount_bits(n), _rescale_type(scheme))
    a_code_bits, a_code_signed = _operand(scheme.activations, Operand.ACTIVATIONS, scheme)
    if scheme.scale_realisation is ScaleRealisation.OPERAND:
        (w_bits, w_signed), (a_bits, a_signed) = (scheme.operand_bits, True), (scheme.operand_bits, True)
    else:
        (w_bits, w_signed), (a_bits, a_signed) = _operand(scheme.weights, Operand.WEIGHTS, scheme), (a_code_bits, a_code_signed)
    acc = accumulator_bits(w_bits, w_signed, a_bits, a_signed, n)
    return Context(scheme, n, w_bits, w_signed, a_bits, a_signed, a_code_bits, max(acc, min_acc or 0), _rescale_type(scheme))


def _own_bias(bits: int, component: Component) -> Unit:
    return Unit(UnitKind.BIAS_ADDER, Placement.PER_OUTPUT, component, Widths.of(bits=bits),
                "the layer's own bias, quantized at S_w*S_x and added to each output (Jacob et al. 2018 eq. 11)")


def _merge(units: tuple[Unit, ...]) -> tuple[Unit, ...]:
    """One unit per (kind, placement, component, widths, ops); the reasons of duplicates joined."""
    merged: dict[tuple[object, ...], Unit] = {}
    for unit in units:
        key = (unit.kind, unit.placement, unit.component, unit.widths, unit.ops_per_action)
        if key in merged and unit.reason not in merged[key].reason:
            merged[key] = replace(merged[key], reason=f"{merged[key].reason}; {unit.reason}")
        merged.setdefault(key, unit)
    return tuple(merged.values())


def _with_bias_memory(units: tuple[Unit, ...]) -> tuple[Unit, ...]:
    """A bias adder needs its bias: one word of the adder's width per output channel, stored and
    loaded like the per-channel scales (Jacob et al. 2018 eq. 11: int32 bias at S_w*S_x)."""
    adders = [u for u in units if u.kind is UnitKind.BIAS_ADDER and u.placement is Placement.PER_OUTPUT]
    if not adders:
        return units
    bits = max(u.widths["bits"] for u in adders)
    memory = Unit(UnitKind.BIAS_MEMORY, Placement.PER_OUTPUT_CHANNEL, Component.SRAM, Widths.of(width_bits=bits),
                  f"the {bits}-bit bias of each output channel (Jacob et al. 2018 eq. 11), loaded with the weights")
    return units + (memory,)


def _in_dataflow_order(units: tuple[Unit, ...]) -> tuple[Unit, ...]:
    """Offline and per-input units first, then the MAC, then everything after the accumulation."""
    stage = {Placement.OFFLINE: 0, Placement.PER_INPUT: 1, Placement.PER_MAC: 2}
    return tuple(sorted(units, key=lambda u: stage.get(u.placement, 3)))


def _notes(scheme: QuantScheme) -> tuple[str, ...]:
    note = TRAINING_NOTES[scheme.training]
    return (note,) if note else ()


def _float_layer(scheme: QuantScheme, n: int, has_bias: bool) -> Datapath:
    """A first/last layer left in full precision (PACT, DoReFa): FP32 MACs, then quantized outputs.

    Inputs (uint8 images, or the previous layer's codes) are converted to FP32 once each; the
    output quantizer is priced for every edge layer, which overestimates a last layer whose
    logits stay in FP32 [A].
    """
    fp = Widths.of(bits=FP32_BITS)
    reason = "layer not quantized (first_last_bits: null; PACT §4, DoReFa code): "
    units = [
        Unit(UnitKind.INT_TO_FP, Placement.PER_INPUT, Component.SHIFTER, fp, reason + "each input converted to FP32 [A]"),
        Unit(UnitKind.MAC_MULTIPLIER, Placement.PER_MAC, Component.FP_MULTIPLIER, fp, reason + "FP32 product"),
        Unit(UnitKind.ACCUMULATOR, Placement.PER_MAC, Component.FP_ADDER, fp, reason + f"FP32 sum over N = {n}"),
    ]
    if has_bias or scheme.bn is not BNHandling.NONE:
        units.append(Unit(UnitKind.BIAS_ADDER, Placement.PER_OUTPUT, Component.FP_ADDER, fp,
                          reason + "FP32 bias (own bias or BN affine folded into it)"))
    units += _fp_output_quantizer(scheme, FP32_BITS, reason)
    return Datapath(scheme=scheme, reduction_length=n, weight_operand_bits=FP32_BITS, act_operand_bits=FP32_BITS,
                    weight_operand_signed=True, act_operand_signed=True, accumulator_bits=FP32_BITS,
                    units=_with_bias_memory(tuple(units)), notes=_notes(scheme) + ("edge layer in FP32",))


def _fake_quant_layer(scheme: QuantScheme, n: int, has_bias: bool, bits: int) -> Datapath:
    """A fake-quantized layer run as trained in FP``bits``: the MAC side from the scale-realisation
    table, then batch norm (folded into the weights and an FP bias; unfused, merged into the
    output quantizer's multiply as a per-channel factor and an FP bias, or a separate FP
    multiply-add) and the output quantizer in floating point."""
    fp = Widths.of(bits=bits)
    why = f"fake-quant in FP{bits}: "
    ctx = Context(scheme, n, bits, True, bits, True, scheme.activations.bits, bits, ScaleType.FLOAT)
    units = list(SCALE_REALISATION_RULES[scheme.scale_realisation].build(ctx))
    if offset_of(scheme.activations) is not Offset.NONE:
        units.append(Unit(UnitKind.ZERO_POINT_SUBTRACTOR, Placement.PER_INPUT, Component.FP_ADDER, fp,
                          why + "x = S_x*q_x + beta: the learned offset added to each input in floating point "
                          "(LSQ+, Bhalgat et al. 2020 eq. 2)"))
    if scheme.bn is BNHandling.UNFUSED and scheme.bn_realisation is BNRealisation.MERGED:
        units += [
            Unit(UnitKind.BN_ADDER, Placement.PER_OUTPUT, Component.FP_ADDER, fp,
                 why + "unfused BN merged into the output quantizer: y = (gamma'/S_out)*x + beta'/S_out, "
                 "the offset added after the per-channel multiply [A]"),
            Unit(UnitKind.SCALE_MEMORY, Placement.PER_OUTPUT_CHANNEL, Component.SRAM, Widths.of(width_bits=2 * bits),
                 why + f"unfused BN merged into the output quantizer: (gamma'/S_out, beta'/S_out), two FP{bits} "
                 "words per output channel [A]"),
        ]
        if has_bias:
            units.append(Unit(UnitKind.BIAS_ADDER, Placement.PER_OUTPUT, Component.FP_ADDER, fp,
                              why + "the layer's own bias added in floating point"))
    elif scheme.bn is BNHandling.UNFUSED:
        units += [
            Unit(UnitKind.BN_MULTIPLIER, Placement.PER_OUTPUT, Component.FP_MULTIPLIER, fp, why + "gamma'*y, unfused BN [A]"),
            Unit(UnitKind.BN_ADDER, Placement.PER_OUTPUT, Component.FP_ADDER, fp, why + "+ beta', unfused BN [A]"),
            Unit(UnitKind.BN_PARAMETER_MEMORY, Placement.PER_OUTPUT_CHANNEL, Component.SRAM,
                 Widths.of(width_bits=2 * bits), why + "(gamma', beta') per output channel [A]"),
        ]
    elif has_bias or scheme.bn is BNHandling.FOLDED:
        units.append(Unit(UnitKind.BIAS_ADDER, Placement.PER_OUTPUT, Component.FP_ADDER, fp,
                          why + "the bias (own, or folded BN's shift) added in floating point"))
    units += _fp_output_quantizer(scheme, bits, why)
    return Datapath(scheme=scheme, reduction_length=n, weight_operand_bits=bits, act_operand_bits=bits,
                    weight_operand_signed=True, act_operand_signed=True, accumulator_bits=bits,
                    units=_in_dataflow_order(_with_bias_memory(tuple(units))),
                    notes=_notes(scheme) + (f"fake-quant in FP{bits}: the zero-point realisation does not apply",))


def _fp_output_quantizer(scheme: QuantScheme, bits: int, why: str) -> list[Unit]:
    """A floating-point layer's output quantizer: y/S_out in FP``bits``, rounded to the output code,
    + Z_out on that code (b_out + 1 bits) when the outputs have an offset, and the saturating cast."""
    fp = Widths.of(bits=bits)
    units = [
        Unit(UnitKind.FP_MULTIPLIER, Placement.PER_OUTPUT, Component.FP_MULTIPLIER, fp, why + f"output quantizer y/S_out in FP{bits}"),
        Unit(UnitKind.FP_TO_INT, Placement.PER_OUTPUT, Component.SHIFTER, fp, why + "rounded to the output code [A]"),
    ]
    if offset_of(scheme.outputs) is not Offset.NONE:
        units.append(Unit(UnitKind.OUTPUT_ZERO_POINT_ADDER, Placement.PER_OUTPUT, Component.INT_ADDER,
                          Widths.of(bits=scheme.outputs.bits + 1), why + "+ Z_out on the output code (Jacob et al. 2018 §2.4)"))
    units.append(Unit(UnitKind.CLAMP, Placement.PER_OUTPUT, Component.COMPARATOR, fp, why + "saturating cast to the output grid", 2))
    return units
