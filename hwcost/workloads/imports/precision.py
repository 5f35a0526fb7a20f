"""Per-layer precision of an imported model: the quantizers each compute layer has, the preset it
matches, its precision class, the :class:`~hwcost.schemes.QuantScheme` that prices the model and
each layer's own precision.

The engine prices any number of precision classes (``docs/cost-model.md`` §3): the *body* at the
design point's scheme, the first/last (*edge*) layers at ``scheme.with_bits(F, F)`` with
``F = first_last_bits`` (or in FP32 when ``F`` is ``None``), and every layer with a
:class:`~hwcost.workloads.layer.LayerPrecision` of its own on its own datapath. A model is priced
with

- the scheme of its most common body precision (by layers; the first on a tie), its ``F`` the
  bit-width of the edge layers that have the body's grids at one bit-width for weights and
  activations alike (``None`` when an edge layer is not quantized at all);
- every other layer with its own quantizers as its precision.

What still cannot be priced is refused with the layers named: a body layer left in floating point
(only the first/last layers run on FP32 units), and a layer with quantized weights but float
activations or the reverse (``docs/models.md``).

A layer's outputs are the next layer's input activations; as for every scheme, the engine prices
a layer's requantized outputs on its own activation grid (``QuantScheme.with_bits``: "layer
outputs follow the activations").
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from hwcost.errors import HwcostError, Problem
from hwcost.schemes.presets import PRESETS
from hwcost.workloads.layer import LayerPrecision
from hwcost.schemes.scheme import (
    BNHandling,
    Clipping,
    Granularity,
    QuantScheme,
    ScaleType,
    TensorQuant,
    ZeroPoint,
    ZeroPointRealisation,
)

__all__ = ["LayerQuant", "FLOAT", "precision_label", "preset_matches", "model_scheme", "model_precisions",
           "layer_scheme", "scale_type_of"]


@dataclass(frozen=True)
class LayerQuant:
    """The quantizers a model gives one compute layer: its weights and its input activations
    (``None``: that tensor stays in floating point). ``source`` names the node(s) read."""

    weights: TensorQuant | None
    activations: TensorQuant | None
    source: str = ""

    @property
    def is_float(self) -> bool:
        return self.weights is None and self.activations is None

    def key(self) -> tuple[TensorQuant | None, TensorQuant | None]:
        """What the datapath sees: the grids without the training-only flags (a learned step or a
        learned offset is priced like a calibrated one)."""
        return _inference_grid(self.weights), _inference_grid(self.activations)


FLOAT = LayerQuant(None, None, "no quantizer")
"""A layer the model leaves in floating point."""


def _inference_grid(tq: TensorQuant | None) -> TensorQuant | None:
    if tq is None:
        return None
    zero_point = ZeroPoint.STATIC if tq.zero_point is ZeroPoint.LEARNED else tq.zero_point
    return replace(tq, learned_scale=False, zero_point=zero_point)


def _tensor_label(tq: TensorQuant | None) -> str:
    if tq is None:
        return "fp32"
    parts = [f"{tq.bits}b", "signed" if tq.signed else "unsigned"]
    if tq.centred:
        parts.append("centred")
    if tq.narrow_range:
        parts.append("narrow")
    if tq.zero_point is not ZeroPoint.NONE:
        parts.append("zero-point")
    parts.append(tq.scale_type.value)
    parts.append(f"per-{tq.granularity.value}")
    return " ".join(parts)


def precision_label(quant: LayerQuant) -> str:
    """``W4b signed pot per-channel / A4b unsigned pot per-tensor`` (or ``fp32``).

    >>> precision_label(LayerQuant(TensorQuant(4, True), TensorQuant(8, False)))
    'W 4b signed dyadic per-tensor / A 8b unsigned dyadic per-tensor'
    """
    if quant.is_float:
        return "fp32"
    return f"W {_tensor_label(quant.weights)} / A {_tensor_label(quant.activations)}"


def preset_matches(quant: LayerQuant, bn: BNHandling) -> tuple[str, ...]:
    """The presets whose grids at this layer's bits are this layer's (training-only flags aside),
    in preset order; () for a float or half-quantized layer."""
    weights, activations = quant.key()
    if weights is None or activations is None:
        return ()
    out = []
    for name, preset in PRESETS.items():
        at = preset.with_bits(weights.bits, activations.bits)
        if preset.bn is bn and (_inference_grid(at.weights), _inference_grid(at.activations)) == (weights, activations):
            out.append(name)
    return tuple(out)


def _edge_bits(body: tuple[TensorQuant | None, TensorQuant | None],
               edge: tuple[TensorQuant | None, TensorQuant | None]) -> int | None | str:
    """``F`` when the engine's edge datapath ``with_bits(F, F)`` of the body is this edge class,
    ``None`` for an FP32 edge layer, ``"no"`` when neither."""
    w, a = edge
    if w is None and a is None:
        return None
    bw, ba = body
    if w is None or a is None or bw is None or ba is None or w.bits != a.bits:
        return "no"
    if replace(bw, bits=w.bits) == w and replace(ba, bits=a.bits) == a:
        return w.bits
    return "no"


Key = tuple[TensorQuant | None, TensorQuant | None]


def _pricing(name: str, layer_names: Sequence[str], quants: Sequence[LayerQuant], edge: Sequence[bool],
             bn: BNHandling, file: str | None) -> tuple[QuantScheme, tuple[LayerPrecision | None, ...]]:
    """The scheme that prices the model and each compute layer's own precision (``None``: the
    scheme's body or first/last rule gives the layer its quantizers)."""
    keys = [q.key() for q in quants]
    float_body = [layer_names[i] for i, q in enumerate(quants) if q.is_float and not edge[i]]
    if float_body:
        shown = ", ".join(float_body[:8]) + (f", ... ({len(float_body)} layers)" if len(float_body) > 8 else "")
        raise HwcostError([Problem(
            f"layers left in floating point between quantized layers cannot be priced (only the first and last "
            f"layers run on the FP32 units beside the array): {shown}; quantize them, or price the network with "
            "--workload/--scheme at one precision (docs/models.md)", file, "layers")])
    half = [layer_names[i] for i, (w, a) in enumerate(keys) if (w is None) != (a is None)]
    if half:
        raise HwcostError([Problem(f"layers with quantized weights but float input activations, or the reverse, cannot "
                                   f"be priced: {', '.join(half)}", file, "layers")])
    body = [keys[i] for i, e in enumerate(edge) if not e] or [k for k, q in zip(keys, quants) if not q.is_float]
    reference = Counter(body).most_common(1)[0][0]  # the most layers; the first on a tie
    first = keys.index(reference)
    scheme = layer_scheme(name, quants[first], bn, file)
    assert scheme is not None
    rule = {i: _edge_bits(reference, keys[i]) for i, e in enumerate(edge) if e}
    ints = Counter(v for v in rule.values() if isinstance(v, int))
    if None in rule.values():
        first_last: int | None = None
    elif ints:
        first_last = ints.most_common(1)[0][0]
    else:  # no first/last layer follows the rule: the (empty) first/last class at the narrower operand
        first_last = min(scheme.weights.bits, scheme.activations.bits)
    scheme = replace(scheme, first_last_bits=first_last)
    own: list[LayerPrecision | None] = []
    for i, key in enumerate(keys):
        follows = rule[i] == first_last if i in rule else key == reference
        own.append(None if follows else LayerPrecision(scheme=layer_scheme(name, LayerQuant(*key), bn, file)))
    return scheme, tuple(own)


def model_scheme(
    name: str,
    layer_names: Sequence[str],
    quants: Sequence[LayerQuant],
    edge: Sequence[bool],
    bn: BNHandling,
    file: str | None,
) -> QuantScheme:
    """The scheme that prices the model: its most common body precision, with the first/last
    layers' bits (see :func:`model_precisions` for the layers that keep their own)."""
    return _pricing(name, layer_names, quants, edge, bn, file)[0]


def model_precisions(
    name: str,
    layer_names: Sequence[str],
    quants: Sequence[LayerQuant],
    edge: Sequence[bool],
    bn: BNHandling,
    file: str | None,
) -> tuple[LayerPrecision | None, ...]:
    """Each compute layer's own precision, where the scheme of :func:`model_scheme` does not give
    the layer its quantizers (``None`` where it does)."""
    return _pricing(name, layer_names, quants, edge, bn, file)[1]


def layer_scheme(name: str, quant: LayerQuant, bn: BNHandling, file: str | None = None) -> QuantScheme | None:
    """One layer's quantizers as a :class:`QuantScheme` (``None`` for a layer left in floating
    point): its weight and input-activation grids, outputs on the activation grid, the model's
    batch-norm handling, zero-points folded unless the weights have one (then ``runtime``, as
    ``asymmetric``), the scale applied at the output. Classify it like any other scheme."""
    weights, activations = quant.weights, quant.activations
    if weights is None and activations is None:
        return None
    if weights is None or activations is None:
        half = "weights" if weights is None else "activations"
        raise HwcostError.single(f"{name}: its {half} are not quantized while its "
                                 f"{'activations' if weights is None else 'weights'} are ({quant.source})",
                                 file=file, key="layers")
    zp = ZeroPointRealisation.RUNTIME if weights.zero_point is not ZeroPoint.NONE else ZeroPointRealisation.FOLD
    try:
        return QuantScheme(
            name=name,
            weights=weights,
            activations=activations,
            outputs=replace(activations, granularity=Granularity.TENSOR, group_size=None),
            bn=bn,
            clipping=Clipping.NONE if activations.signed else Clipping.RELU,
            first_last_bits=None,
            zero_point_realisation=zp,
            description=f"the quantizers of {name}",
        )
    except HwcostError as err:
        raise HwcostError([replace(p, file=file, key=f"scheme.{p.key}" if p.key else "scheme")
                           for p in err.problems]) from None


def scale_type_of(values: Sequence[float], real: ScaleType = ScaleType.DYADIC) -> ScaleType:
    """POT when every scale is an exact power of two (its binary mantissa is 1/2), else ``real``:
    by default DYADIC, a real-valued scale deployed as a fixed-point multiplier M0 * 2^-n (Jacob et
    al. 2018 eq. 6), as the presets price it; FLOAT prices the rescale on an FP unit.

    >>> scale_type_of([0.25, 0.5]).value, scale_type_of([0.25, 0.3]).value
    ('pot', 'dyadic')
    >>> scale_type_of([0.3], ScaleType.FLOAT).value
    'float'
    """
    return ScaleType.POT if all(math.frexp(float(v))[0] == 0.5 for v in values) else real
