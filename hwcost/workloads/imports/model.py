"""``ImportedModel``: a :class:`~hwcost.workloads.Workload` read from a model, with each compute
layer's quantizers; and the one builder every format uses (first/last marking, limits, errors
that name the file and the node)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from hwcost.errors import HwcostError, Problem
from hwcost.schemes.scheme import BNHandling, QuantScheme
from hwcost.workloads.imports.precision import (
    FLOAT,
    LayerQuant,
    layer_scheme,
    model_precisions,
    model_scheme,
    precision_label,
    preset_matches,
)
from hwcost.workloads.layer import COMPUTE_KINDS, MAX_LAYER_COUNT, MAX_TOTAL_MACS, Layer, Workload

__all__ = ["ImportedModel", "LayerEntry", "build_model"]


@dataclass(frozen=True)
class LayerEntry:
    """One layer as a reader found it: the Layer's fields, the node (or module) it came from, and,
    for a compute layer, its quantizers."""

    fields: dict[str, Any]
    node: str
    quant: LayerQuant = FLOAT


@dataclass(frozen=True)
class ImportedModel(Workload):
    """A workload read from an ONNX / QONNX / QDQ file or a torch module.

    ``quant`` has one :class:`LayerQuant` per compute layer, in order (all ``FLOAT`` for a model
    without quantizers); ``bn`` is how the model leaves batch norm (``unfused`` when a
    BatchNormalization node or module remains after a layer); ``origin`` the format read.
    """

    quant: tuple[LayerQuant, ...] = ()
    bn: BNHandling = BNHandling.FOLDED
    origin: str = ""
    nodes: tuple[str, ...] = ()  # the node or module of each compute layer

    @property
    def quantized(self) -> bool:
        """Whether any compute layer carries a quantizer (then the model fixes the precision)."""
        return any(not q.is_float for q in self.quant)

    def scheme(self) -> QuantScheme:
        """The scheme that prices the model: its most common body precision and the first/last
        layers' bits; the layers with another precision carry it (:attr:`Layer.precision`), so
        that ``evaluate(model.scheme(), workload=model)`` prices every layer at its own. An
        HwcostError names what cannot be priced (``docs/models.md``)."""
        if not self.quantized:
            raise HwcostError.single("the model carries no quantizers: choose a scheme and bits (--scheme, --bits)",
                                     file=self.file, key="layers")
        names = [layer.name for layer in self.compute_layers]
        edge = [layer.is_first or layer.is_last for layer in self.compute_layers]
        return model_scheme(self.name, names, self.quant, edge, self.bn, self.file)

    def layer_schemes(self) -> tuple[QuantScheme | None, ...]:
        """Each compute layer's own quantizers as a :class:`QuantScheme` (``None``: floating point),
        to classify or compare layer by layer; :meth:`scheme` is the one that prices the model."""
        return tuple(layer_scheme(layer.name, q, self.bn, self.file) for layer, q in zip(self.compute_layers, self.quant))

    def precision_rows(self) -> list[dict[str, Any]]:
        """One row per compute layer: name, kind, MACs, first/last, bits, precision and the presets
        its grids match."""
        rows = []
        for layer, q in zip(self.compute_layers, self.quant):
            rows.append({
                "layer": layer.name,
                "kind": layer.kind.value,
                "macs": layer.macs,
                "edge": layer.is_first or layer.is_last,
                "weight_bits": None if q.weights is None else q.weights.bits,
                "act_bits": None if q.activations is None else q.activations.bits,
                "precision": precision_label(q),
                "presets": list(preset_matches(q, self.bn)),
                "source": q.source,
            })
        return rows


def _layer(entry: LayerEntry, file: str | None) -> Layer:
    try:
        layer = Layer(**entry.fields)
    except HwcostError as err:
        raise HwcostError([Problem(f"{entry.node}: {p.message} ({p.key})", file, "nodes") for p in err.problems]) from None
    counts = {"MACs": layer.macs, "weights": layer.weights, "input elements": layer.input_elements,
              "output elements": layer.output_elements}
    for what, count in counts.items():
        if count > MAX_LAYER_COUNT:
            raise HwcostError.single(f"{entry.node}: {count:.3g} {what}; the limit is 2^48 = {MAX_LAYER_COUNT:.3g} per "
                                     "layer (so that counts stay exact)", file=file, key="nodes")
    return layer


def build_model(
    name: str,
    source: str,
    input_shape: tuple[int, int, int],
    entries: list[LayerEntry],
    *,
    bn: BNHandling,
    origin: str,
    file: str | None,
) -> ImportedModel:
    """The model's workload: the first and last compute layers are the first/last layers (as the
    workload loader marks a file without ``first``/``last`` keys)."""
    layers = [_layer(e, file) for e in entries]
    compute = [i for i, layer in enumerate(layers) if layer.kind in COMPUTE_KINDS]
    if not compute:
        raise HwcostError.single("the model has no Conv, Gemm or MatMul layer: nothing runs on the array",
                                 file=file, key="nodes")
    total = sum(layer.macs for layer in layers)
    if total > MAX_TOTAL_MACS:
        raise HwcostError.single(f"the layers add up to {total:.3g} MACs; the limit is 2^53 = {MAX_TOTAL_MACS:.3g} "
                                 "per network (so that counts stay exact)", file=file, key="nodes")
    layers = [replace(layer, is_first=i == compute[0], is_last=i == compute[-1]) for i, layer in enumerate(layers)]
    layers = _unique_names(layers)
    quants = [entries[i].quant for i in compute]
    layers = _with_precisions(name, layers, quants, bn, file)
    return ImportedModel(
        name=name,
        dataset="unspecified",
        input_shape=input_shape,
        source=source,
        layers=tuple(layers),
        file=file,
        quant=tuple(entries[i].quant for i in compute),
        bn=bn,
        origin=origin,
        nodes=tuple(entries[i].node for i in compute),
    )


def _with_precisions(name: str, layers: list[Layer], quants: list[LayerQuant], bn: BNHandling,
                     file: str | None) -> list[Layer]:
    """A quantized model's compute layers with their own precision where the model's scheme does
    not give it (:func:`model_precisions`); a model that cannot be priced keeps its layers as read
    (:meth:`ImportedModel.scheme` then says why)."""
    if all(q.is_float for q in quants):
        return layers
    compute = [layer for layer in layers if layer.is_compute]
    edge = [layer.is_first or layer.is_last for layer in compute]
    try:
        own = iter(model_precisions(name, [c.name for c in compute], quants, edge, bn, file))
    except HwcostError:
        return layers
    return [replace(layer, precision=next(own)) if layer.is_compute else layer for layer in layers]


def _unique_names(layers: list[Layer]) -> list[Layer]:
    """Layer names as read, a repeated one suffixed ``_2``, ``_3``, ...."""
    seen: dict[str, int] = {}
    out = []
    for layer in layers:
        count = seen.get(layer.name, 0) + 1
        seen[layer.name] = count
        out.append(layer if count == 1 else replace(layer, name=f"{layer.name}_{count}"))
    return out
