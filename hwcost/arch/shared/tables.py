"""Per-workload arrays every template needs: the compute layers' shapes, their precision classes
and the element-wise layers.

Every compute layer belongs to one precision class (``docs/cost-model.md`` §3): class 0
(:data:`BODY`) runs at the design point's scheme and bits, class 1 (:data:`EDGE`) holds the
first/last layers (the scheme's ``first_last_bits``), and each distinct precision a workload gives
its layers (:class:`~hwcost.workloads.layer.LayerPrecision`) is a class of its own, 2, 3, ...
Classes 0 and 1 always exist (empty when no layer is in them), so a network without per-layer
precision has exactly the body and first/last classes.

Computed once per workload and kept by the sweep's :class:`~hwcost.arch.shared.cache.CostCache`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hwcost.workloads.layer import LayerKind, LayerPrecision, PoolOp, Workload

__all__ = ["LayerShapes", "WorkloadTables", "workload_tables", "column", "by_layer", "by_class", "IdealLayer",
           "ideal_layer_tables", "PEAK_STREAM_LENGTH", "BODY", "EDGE"]

BODY = 0  # the class of the layers at the design point's own scheme and bits
EDGE = 1  # the class of the first/last layers (the scheme's first_last_bits, or FP32)


@dataclass(frozen=True)
class LayerShapes:
    """The compute layers of a workload as arrays of shape (layers,)."""

    macs: np.ndarray
    reduction_length: np.ndarray  # N = C_in/G * R * S
    out_channels_per_group: np.ndarray  # K_g
    groups: np.ndarray  # G
    output_pixels: np.ndarray  # P = H_out * W_out
    weights: np.ndarray  # W = G * K_g * N
    input_elements: np.ndarray  # I
    output_elements: np.ndarray  # O = P * K_g * G
    is_first_or_last: np.ndarray  # bool: a first or last layer (its class: first/last unless it has a precision of its own)
    is_network_input: np.ndarray  # bool: its input comes from DRAM
    is_network_output: np.ndarray  # bool: its output goes to DRAM
    # bool: its input and output stay on chip whatever the buffer's size (the peak's ideal layer);
    # None: no layer does
    stays_on_chip: np.ndarray | None = None
    kernel_rows: np.ndarray | None = None  # R_k (None: 1x1 layers)
    input_width: np.ndarray | None = None  # W_in (None: a layer's input is one row of P pixels)
    output_rows: np.ndarray | None = None  # E = H_out (None: each of the P output pixels a row of its own)
    stride_rows: np.ndarray | None = None  # the vertical stride (None: 1)

    def line_buffer_bits(self, channels: np.ndarray, act_bits: np.ndarray) -> np.ndarray:
        """Bits an input (line) buffer needs to hand the array every window of ``channels``
        input channels while reading each input once: R_k input rows of W_in pixels of those
        channels (points x layers)."""
        rows = 1.0 if self.kernel_rows is None else self.kernel_rows
        width = self.output_pixels if self.input_width is None else self.input_width
        return rows * width * channels * act_bits

    @property
    def used_inputs(self) -> np.ndarray:
        """Input elements a layer reads at least once (layers,): every one, except where the
        windows skip some -- a strided 1 x 1 convolution (a ResNet shortcut) uses G·P·N of its
        I inputs, one in stride² -- so its input is fetched from DRAM at that size, as a DMA of
        the pixels it uses fetches it (ZigZag and Timeloop count the data a loop nest touches
        the same way; the GLB reads of the MAC array's line buffer already do)."""
        touched = self.groups * self.output_pixels * self.reduction_length
        return np.where(touched < self.input_elements, touched, self.input_elements)

    def spills(self, act_bits: np.ndarray, out_bits: np.ndarray, buffer_bits: np.ndarray) -> np.ndarray:
        """Whether a layer's input and output together overflow the global buffer, so that both
        go to DRAM and back once (points x layers)."""
        over = (self.input_elements * act_bits + self.output_elements * out_bits) > buffer_bits
        return over if self.stays_on_chip is None else over & ~self.stays_on_chip


@dataclass(frozen=True)
class WorkloadTables:
    """Compute-layer shapes plus the element-wise layers (residual adds, pooling)."""

    shapes: LayerShapes
    layer_class: np.ndarray  # int (layers,): each compute layer's precision class
    max_reduction: tuple[int, ...]  # per class: its longest reduction (an empty class: the network's)
    max_out_channels: int
    residual_add_elements: float  # output elements of all residual adds
    max_pool_compares: float  # comparisons of all max pools: (k*k - 1) per output element
    avg_pool_adds: float  # additions of all average pools: (k*k - 1) per output element
    elementwise_outputs: float  # output elements of adds and pools (post-processing lane cycles)
    elementwise_glb_bits_per_act_bit: float  # elements read + written by adds and pools
    layer_names: tuple[str, ...] = ()  # the compute layers' names, in order
    class_precisions: tuple[LayerPrecision, ...] = ()  # the precisions of classes 2, 3, ...

    @property
    def n_classes(self) -> int:
        return len(self.max_reduction)

    @property
    def edge(self) -> np.ndarray:
        """bool (layers,): the layers of the first/last class."""
        return self.layer_class == EDGE

    @property
    def max_reduction_body(self) -> int:
        return self.max_reduction[BODY]

    @property
    def max_reduction_edge(self) -> int:
        return self.max_reduction[EDGE]

    def in_class(self, k: int) -> np.ndarray:
        """bool (layers,): the layers of class ``k``."""
        return self.layer_class == k


def column(values: Sequence[float]) -> np.ndarray:
    """One value per design point as a (points, 1) column that broadcasts against layers."""
    return np.asarray(values, dtype=float)[:, None]


def by_layer(edge: np.ndarray, body: Sequence[float], first_last: Sequence[float]) -> np.ndarray:
    """(points, layers): each point's body value on body layers, its first/last-layer value on
    the first and last layers."""
    return np.where(edge[None, :], column(first_last), column(body))


def by_class(layer_class: np.ndarray, per_class: Sequence[Sequence[float]]) -> np.ndarray:
    """(points, layers): each point's value of each layer's class; ``per_class`` is (points,
    classes)."""
    return np.asarray(per_class, dtype=float)[:, layer_class]


def _shapes(workload: Workload) -> tuple[LayerShapes, np.ndarray]:
    a = workload.compute_arrays
    groups = a.groups.astype(float)
    shapes = LayerShapes(
        macs=a.macs.astype(float),
        reduction_length=a.reduction_length.astype(float),
        out_channels_per_group=a.out_channels / groups,
        groups=groups,
        output_pixels=a.output_pixels.astype(float),
        weights=a.weights.astype(float),
        input_elements=a.input_elements.astype(float),
        output_elements=a.output_elements.astype(float),
        is_first_or_last=a.is_first_or_last,
        is_network_input=a.is_first,
        is_network_output=a.is_last,
        kernel_rows=a.kernel_rows.astype(float),
        input_width=a.input_width.astype(float),
        output_rows=a.output_rows.astype(float),
        stride_rows=a.stride_rows.astype(float),
    )
    return shapes, a.is_first_or_last.copy()


def _classes(workload: Workload, edge: np.ndarray) -> tuple[np.ndarray, tuple[LayerPrecision, ...]]:
    """Each compute layer's class: its own precision's (2, 3, ... in order of first appearance),
    else first/last or body."""
    own: dict[LayerPrecision, int] = {}
    classes = np.where(edge, EDGE, BODY).astype(np.int64)
    for i, precision in enumerate(workload.compute_arrays.precisions):
        if precision is not None:
            classes[i] = own.setdefault(precision, 2 + len(own))
    return classes, tuple(own)


def workload_tables(workload: Workload) -> WorkloadTables:
    """The tables of one workload (pure; a sweep keeps them in its cache)."""
    shapes, edge = _shapes(workload)
    layer_class, precisions = _classes(workload, edge)
    n = shapes.reduction_length
    max_n = tuple(int((n[layer_class == k] if (layer_class == k).any() else n).max())
                  for k in range(2 + len(precisions)))
    adds = [l for l in workload.layers if l.kind is LayerKind.ADD]
    pools = [l for l in workload.layers if l.kind is LayerKind.POOL]

    def window(layer) -> float:  # noqa: ANN001 - a pooling Layer
        return float(layer.kernel_hw[0] * layer.kernel_hw[1] - 1)

    elementwise = adds + pools
    return WorkloadTables(
        shapes=shapes,
        layer_class=layer_class,
        max_reduction=max_n,
        max_out_channels=int(workload.compute_arrays.out_channels.max()),
        residual_add_elements=float(sum(l.output_elements for l in adds)),
        max_pool_compares=float(sum(window(l) * l.output_elements for l in pools if l.pool_op is PoolOp.MAX)),
        avg_pool_adds=float(sum(window(l) * l.output_elements for l in pools if l.pool_op is PoolOp.AVG)),
        elementwise_outputs=float(sum(l.output_elements for l in elementwise)),
        elementwise_glb_bits_per_act_bit=float(sum(l.input_elements + l.output_elements for l in elementwise)),
        layer_names=workload.compute_arrays.names,
        class_precisions=precisions,
    )


# The ideal layer's streamed dimension (output pixels in WS and on the CIM macro, the reduction in
# OS): 1024, a 32 x 32 feature map (ResNet-20's first stage on CIFAR-10, He et al. CVPR 2016) --
# enough that loading the weights once and filling the array are a small share of the layer.
PEAK_STREAM_LENGTH = 1024


@dataclass(frozen=True)
class IdealLayer:
    """A 1x1 convolution chosen by a template to map perfectly onto one design (its peak): every
    MAC unit busy every cycle, no reduction split, no partial-sum spill."""

    reduction_length: int  # N = C_in
    out_channels: int  # K (one group)
    output_pixels: int  # P
    output_rows: int | None = None  # E, the P pixels in E rows (None: each pixel a row of its own)


def ideal_layer_tables(layer: IdealLayer) -> WorkloadTables:
    """The tables of a workload made of ``layer`` alone, run as a body layer (the scheme's own bits,
    not its first/last-layer bits) whose input and output stay on chip (no DRAM activations)."""
    n, k, p = (float(v) for v in (layer.reduction_length, layer.out_channels, layer.output_pixels))

    def one(value: float) -> np.ndarray:
        return np.array([value])

    no = np.array([False])
    shapes = LayerShapes(
        macs=one(p * n * k),
        reduction_length=one(n),
        out_channels_per_group=one(k),
        groups=one(1.0),
        output_pixels=one(p),
        weights=one(n * k),
        input_elements=one(p * n),
        output_elements=one(p * k),
        is_first_or_last=no,
        is_network_input=no,
        is_network_output=no,
        stays_on_chip=np.array([True]),
        output_rows=None if layer.output_rows is None else one(float(layer.output_rows)),
    )
    return WorkloadTables(
        shapes=shapes,
        layer_class=np.array([BODY]),
        max_reduction=(layer.reduction_length, layer.reduction_length),
        max_out_channels=layer.out_channels,
        residual_add_elements=0.0,
        max_pool_compares=0.0,
        avg_pool_adds=0.0,
        elementwise_outputs=0.0,
        elementwise_glb_bits_per_act_bit=0.0,
        layer_names=("ideal",),
    )
