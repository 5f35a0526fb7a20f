"""Per-layer precision of an imported model: the quantizers each compute layer has, the preset it
matches, its precision class, and the one :class:`~hwcost.schemes.QuantScheme` that prices the
model -- or a refusal when today's engine cannot price it exactly.

The engine prices two datapaths (``docs/architecture.md``): the *body* at the scheme's bits, and
the first/last (*edge*) layers at ``scheme.with_bits(F, F)`` with ``F = first_last_bits`` (or in
FP32 when ``F`` is ``None``), every other axis shared. A model therefore prices exactly when

- every body layer has one precision (weights and input activations quantized, the same grids);
- every edge layer either has the body's grids at one bit-width ``F`` for weights and activations
  alike, or is not quantized at all (FP32, ``first_last_bits: null``).

Anything else is refused with every class and its layers listed (``docs/models.md``).

A layer's outputs are the next layer's input activations; as for every scheme, the engine prices
a layer's requantized outputs on its own activation grid (``QuantScheme.with_bits``: "layer
outputs follow the activations").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from hwcost.errors import HwcostError, Problem
from hwcost.schemes.presets import PRESETS
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

__all__ = ["LayerQuant", "FLOAT", "precision_label", "preset_matches", "model_scheme", "layer_scheme",
           "scale_type_of"]


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


@dataclass(frozen=True)
class _Classes:
    body: dict[tuple[TensorQuant | None, TensorQuant | None], list[int]]
    edge: dict[tuple[TensorQuant | None, TensorQuant | None], list[int]]


def _classes(quants: Sequence[LayerQuant], edge: Sequence[bool]) -> _Classes:
    body: dict[tuple[TensorQuant | None, TensorQuant | None], list[int]] = {}
    edges: dict[tuple[TensorQuant | None, TensorQuant | None], list[int]] = {}
    for i, (q, is_edge) in enumerate(zip(quants, edge)):
        (edges if is_edge else body).setdefault(q.key(), []).append(i)
    return _Classes(body, edges)


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


def model_scheme(
    name: str,
    layer_names: Sequence[str],
    quants: Sequence[LayerQuant],
    edge: Sequence[bool],
    bn: BNHandling,
    file: str | None,
) -> QuantScheme:
    """The scheme that prices every compute layer with its own precision, or an HwcostError listing
    the precision classes when the engine's body + first/last pattern cannot hold them."""
    classes = _classes(quants, edge)
    # with no body layer (a network of one or two compute layers) the first class stands for the body
    body_classes = classes.body or dict(list(classes.edge.items())[:1])
    body = next(iter(body_classes))
    weights, activations = quants[body_classes[body][0]].weights, quants[body_classes[body][0]].activations
    edge_bits = {_edge_bits(body, k) for k in classes.edge}
    if len(body_classes) != 1 or weights is None or activations is None or len(edge_bits) != 1 or "no" in edge_bits:
        raise HwcostError([Problem(_refusal(layer_names, quants, classes), file, "layers")])
    first_last = next(iter(edge_bits))
    scheme = layer_scheme(name, quants[body_classes[body][0]], bn, file)
    assert scheme is not None
    return replace(scheme, first_last_bits=first_last if isinstance(first_last, int) else None)


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


def _refusal(layer_names: Sequence[str], quants: Sequence[LayerQuant], classes: _Classes) -> str:
    lines = ["the model has more precision classes than today's engine prices exactly (one body precision; "
             "first/last layers at one bit-width for weights and activations with the body's grids, or fp32); "
             "its classes:"]
    for where, group in (("body", classes.body), ("first/last", classes.edge)):
        for indices in group.values():
            names = [layer_names[i] for i in indices]
            shown = ", ".join(names[:8]) + (f", ... ({len(names)} layers)" if len(names) > 8 else "")
            lines.append(f"{where}: {precision_label(quants[indices[0]])}: {shown}")
    lines.append("price it with --workload/--scheme at one precision, or see docs/models.md")
    return "\n    ".join(lines)


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
