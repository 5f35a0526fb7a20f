"""``Layer`` and ``Workload``: the layer table of one network, and its vectorised views.

A workload is a flat, ordered list of layers: convolutions (``conv``, grouped or not),
depthwise convolutions, fully connected layers, residual additions and pooling. Shapes are given
per layer (input channels and height x width); everything else (output size, MACs, reduction
length, weight and element counts) is derived here, with the usual formulas::

    H_out = floor((H_in + 2 P - R) / stride) + 1                  (same for W)
    MACs  = H_out W_out  C_out  (C_in / groups) R S               (fc: C_in C_out)

Batch size is 1: every count is per inference. Cost models that vectorise over layers use
:meth:`Workload.arrays` (numpy arrays over the compute layers by default).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from hwcost.errors import HwcostError, Problem

if TYPE_CHECKING:  # pandas is imported lazily, only by Workload.to_dataframe
    import pandas as pd

    from hwcost.schemes import QuantScheme

__all__ = [
    "LayerKind",
    "PoolOp",
    "LayerPrecision",
    "Layer",
    "LayerArrays",
    "Workload",
    "COMPUTE_KINDS",
    "shape_problems",
    "MAX_CHANNELS",
    "MAX_SPATIAL",
    "MAX_LAYER_COUNT",
    "MAX_TOTAL_MACS",
]


class LayerKind(Enum):
    """What a layer computes."""

    CONV = "conv"  # (grouped) convolution: MACs over C_in/groups x R x S per output
    DEPTHWISE = "depthwise"  # groups = C_in: one R x S window per output (MobileNet)
    FC = "fc"  # fully connected: MACs over C_in per output
    ADD = "add"  # element-wise sum of two tensors (residual shortcut); no MACs
    POOL = "pool"  # max or average over R x S windows; no MACs


class PoolOp(Enum):
    """The reduction a pooling layer applies to its window."""

    MAX = "max"  # comparators
    AVG = "avg"  # adder tree and a divide (a multiply by 1/(R S) at inference)


# Limits: sizes far beyond any network, small enough that every count (MACs, weights, elements)
# stays exact in the 64-bit integers and floats the cost models use.
MAX_CHANNELS = 1 << 20  # channels, fc features and groups
MAX_SPATIAL = 1 << 16  # height, width, kernel, stride and padding
MAX_LAYER_COUNT = 1 << 48  # MACs, weights, input or output elements of one layer (~2.8e14)
MAX_TOTAL_MACS = 1 << 53  # MACs of the whole network (~9.0e15), exact as a float


COMPUTE_KINDS: tuple[LayerKind, ...] = (LayerKind.CONV, LayerKind.DEPTHWISE, LayerKind.FC)
"""The kinds that run on the MAC array / CIM macro (they have weights and MACs)."""

Pair = tuple[int, int]


def output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """Output length of a sliding window: floor((size + 2 padding - kernel) / stride) + 1.

    >>> output_size(224, 7, 2, 3), output_size(112, 3, 2, 1), output_size(7, 7, 7, 0)
    (112, 56, 1)
    """
    return (size + 2 * padding - kernel) // stride + 1


def shape_problems(
    kind: LayerKind,
    in_channels: int,
    out_channels: int,
    groups: int,
    kernel_hw: Pair,
    padding_hw: Pair,
    input_hw: Pair,
) -> list[tuple[str, str]]:
    """Inconsistent shapes of one layer, as (file key, message) pairs; [] when consistent.

    Positivity of each number is checked by the loader; these are the relations between them.
    """
    problems: list[tuple[str, str]] = []
    if kind is LayerKind.DEPTHWISE and groups != in_channels:
        message = f"a depthwise layer has groups = in ({in_channels}), got {groups}"
        problems.append(("groups", message))
    for key, channels in (("in", in_channels), ("out", out_channels)):
        if kind in (LayerKind.CONV, LayerKind.DEPTHWISE) and channels % groups:
            problems.append((key, f"{channels} channels are not divisible by groups = {groups}"))
    for axis, size, kernel, pad in zip("HW", input_hw, kernel_hw, padding_hw):
        if size + 2 * pad < kernel:
            message = f"kernel {kernel} is larger than the padded input {axis} = {size}+2*{pad}"
            problems.append(("kernel", message))
    return problems


@dataclass(frozen=True)
class LayerPrecision:
    """A compute layer's own precision, which replaces the design point's for that layer.

    ``weight_bits`` / ``act_bits`` (``None``: the scheme's own) and the scheme it is quantized
    with: ``None`` for the design point's scheme, a preset name, or a whole
    :class:`~hwcost.schemes.QuantScheme` (an imported model's quantizers). The layer's outputs
    follow its activations, as in :meth:`QuantScheme.with_bits`. Layers with equal precisions form
    one precision class, priced on its own datapath (``docs/workloads.md``).

    >>> from hwcost.schemes import get_scheme
    >>> LayerPrecision(8, 8).resolve(get_scheme("lsq").with_bits(4, 4)).weights.bits
    8
    """

    weight_bits: int | None = None
    act_bits: int | None = None
    scheme: "str | QuantScheme | None" = None

    def resolve(self, base: "QuantScheme") -> "QuantScheme":
        """The scheme the layer runs: its own (or ``base``) at its bits (or the scheme's)."""
        from hwcost.schemes import get_scheme

        scheme = base if self.scheme is None else get_scheme(self.scheme) if isinstance(self.scheme, str) else self.scheme
        w = scheme.weights.bits if self.weight_bits is None else self.weight_bits
        a = scheme.activations.bits if self.act_bits is None else self.act_bits
        if (w, a) == (scheme.weights.bits, scheme.activations.bits):
            return scheme
        return scheme.with_bits(w, a)

    def label(self) -> str:
        """``W8/A8`` (``W-`` / ``A-``: the scheme's own bits) and the scheme's name when it has one."""
        bits = f"W{self.weight_bits or '-'}/A{self.act_bits or '-'}"
        if self.scheme is None:
            return bits
        name = self.scheme if isinstance(self.scheme, str) else self.scheme.name
        if self.weight_bits is None and self.act_bits is None and not isinstance(self.scheme, str):
            bits = f"W{self.scheme.weights.bits}/A{self.scheme.activations.bits}"
        return f"{bits} {name}"


@dataclass(frozen=True)
class Layer:
    """One layer with its shape; counts are derived properties (batch 1).

    For ``add`` and ``pool`` layers ``in_channels == out_channels`` (the tensor's channels) and
    ``groups`` is 1; an ``fc`` layer has ``input_hw == kernel_hw == (1, 1)``. ``is_first`` /
    ``is_last`` mark the layers that run at the scheme's first/last-layer bits; ``precision``
    gives a compute layer its own precision (it then runs at that, first/last or not).
    """

    name: str
    kind: LayerKind
    in_channels: int
    out_channels: int
    input_hw: Pair = (1, 1)
    kernel_hw: Pair = (1, 1)
    stride_hw: Pair = (1, 1)
    padding_hw: Pair = (0, 0)
    groups: int = 1
    pool_op: PoolOp | None = None
    is_first: bool = False
    is_last: bool = False
    precision: LayerPrecision | None = None

    def __post_init__(self) -> None:
        sizes = (self.in_channels, self.out_channels, self.groups, *self.input_hw, *self.kernel_hw)
        problems = [("shape", f"sizes must be >= 1, got {sizes}")] if min(sizes) < 1 else []
        if min(self.stride_hw) < 1 or min(self.padding_hw) < 0:
            problems.append(("stride", "strides must be >= 1 and paddings >= 0"))
        if not problems:
            problems = shape_problems(
                self.kind, self.in_channels, self.out_channels, self.groups,
                self.kernel_hw, self.padding_hw, self.input_hw,
            )  # fmt: skip
        if self.precision is not None and not self.is_compute:
            problems.append(("bits", "only conv, depthwise and fc layers have a precision of their own"))
        if (self.kind is LayerKind.POOL) != (self.pool_op is not None):
            problems.append(("op", "a pool layer needs a pool_op, other kinds none"))
        if problems:
            raise HwcostError([Problem(msg, key=f"{self.name}.{key}") for key, msg in problems])

    @property
    def is_compute(self) -> bool:
        return self.kind in COMPUTE_KINDS

    @property
    def output_hw(self) -> Pair:
        h, w = (
            output_size(size, k, s, p)
            for size, k, s, p in zip(self.input_hw, self.kernel_hw, self.stride_hw, self.padding_hw)
        )
        return (h, w)

    @property
    def output_pixels(self) -> int:
        """H_out x W_out: how many times each output channel is produced."""
        h, w = self.output_hw
        return h * w

    @property
    def reduction_length(self) -> int:
        """MACs per output element: C_in/groups x R x S (fc: C_in); 0 for add and pool."""
        if not self.is_compute:
            return 0
        return self.in_channels // self.groups * self.kernel_hw[0] * self.kernel_hw[1]

    @property
    def macs(self) -> int:
        return self.output_elements * self.reduction_length

    @property
    def weights(self) -> int:
        """Weight count (no bias): C_out x C_in/groups x R x S; 0 for add and pool."""
        return self.out_channels * self.reduction_length

    @property
    def input_elements(self) -> int:
        """Activation elements read once (unpadded); an add reads two tensors."""
        operands = 2 if self.kind is LayerKind.ADD else 1
        return operands * self.in_channels * self.input_hw[0] * self.input_hw[1]

    @property
    def output_elements(self) -> int:
        return self.out_channels * self.output_pixels


@dataclass(frozen=True)
class LayerArrays:
    """Per-layer numbers as read-only numpy arrays (int64 or bool), one entry per layer."""

    names: tuple[str, ...]
    kinds: tuple[LayerKind, ...]
    macs: np.ndarray
    reduction_length: np.ndarray
    output_pixels: np.ndarray
    in_channels: np.ndarray
    out_channels: np.ndarray
    groups: np.ndarray
    weights: np.ndarray
    input_elements: np.ndarray
    output_elements: np.ndarray
    is_first: np.ndarray
    is_last: np.ndarray
    is_first_or_last: np.ndarray
    is_depthwise: np.ndarray
    is_fc: np.ndarray
    kernel_rows: np.ndarray  # R_k: input rows one output row needs
    input_width: np.ndarray  # W_in
    output_rows: np.ndarray  # E = H_out: output rows (row stationary maps one per PE column)
    stride_rows: np.ndarray  # vertical stride: the input rows between two output rows
    precisions: tuple[LayerPrecision | None, ...] = ()  # each layer's own precision (None: the point's)

    def __len__(self) -> int:
        return len(self.names)

    @classmethod
    def of(cls, layers: Iterable[Layer]) -> "LayerArrays":
        layers = tuple(layers)

        def column(values: Iterable[object], dtype: type) -> np.ndarray:
            array = np.fromiter(values, dtype=dtype, count=len(layers))
            array.flags.writeable = False
            return array

        def ints(attribute: str) -> np.ndarray:
            return column((getattr(layer, attribute) for layer in layers), np.int64)

        first = column((layer.is_first for layer in layers), bool)
        last = column((layer.is_last for layer in layers), bool)
        either = first | last
        either.flags.writeable = False
        return cls(
            names=tuple(layer.name for layer in layers),
            kinds=tuple(layer.kind for layer in layers),
            macs=ints("macs"),
            reduction_length=ints("reduction_length"),
            output_pixels=ints("output_pixels"),
            in_channels=ints("in_channels"),
            out_channels=ints("out_channels"),
            groups=ints("groups"),
            weights=ints("weights"),
            input_elements=ints("input_elements"),
            output_elements=ints("output_elements"),
            is_first=first,
            is_last=last,
            is_first_or_last=either,
            is_depthwise=column((layer.kind is LayerKind.DEPTHWISE for layer in layers), bool),
            is_fc=column((layer.kind is LayerKind.FC for layer in layers), bool),
            kernel_rows=column((layer.kernel_hw[0] for layer in layers), np.int64),
            input_width=column((layer.input_hw[1] for layer in layers), np.int64),
            output_rows=column((layer.output_hw[0] for layer in layers), np.int64),
            stride_rows=column((layer.stride_hw[0] for layer in layers), np.int64),
            precisions=tuple(layer.precision for layer in layers),
        )


@dataclass(frozen=True)
class Workload:
    """A network's layer table for one inference (batch 1) on ``input_shape`` = (C, H, W)."""

    name: str
    dataset: str
    input_shape: tuple[int, int, int]
    source: str
    layers: tuple[Layer, ...]
    notes: str = ""
    file: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        names = [layer.name for layer in self.layers]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        problems = [f"duplicate layer names: {', '.join(duplicates)}"] if duplicates else []
        if not any(layer.is_compute for layer in self.layers):
            problems.append("a workload needs at least one conv, depthwise or fc layer")
        if problems:
            raise HwcostError([Problem(p, self.file, "layers") for p in problems])

    @property
    def compute_layers(self) -> tuple[Layer, ...]:
        return tuple(layer for layer in self.layers if layer.is_compute)

    @property
    def total_macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    @property
    def total_weights(self) -> int:
        return sum(layer.weights for layer in self.layers)

    def layer(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise HwcostError.single(f"no layer named '{name}' in workload '{self.name}'", key="layer")

    def arrays(self, kinds: Iterable[LayerKind] = COMPUTE_KINDS) -> LayerArrays:
        """Numpy views over the layers of ``kinds`` (default: conv, depthwise, fc), in order."""
        kinds = frozenset(kinds)
        if kinds == frozenset(COMPUTE_KINDS):
            return self.compute_arrays
        return LayerArrays.of(layer for layer in self.layers if layer.kind in kinds)

    @cached_property
    def compute_arrays(self) -> LayerArrays:
        """``arrays()`` over the compute layers, built once per workload."""
        return LayerArrays.of(self.compute_layers)

    def to_dataframe(self) -> "pd.DataFrame":
        """One row per layer: shapes and derived counts (for reports and inspection)."""
        import pandas as pd

        rows = [
            {
                "layer": layer.name,
                "kind": layer.kind.value,
                "in_channels": layer.in_channels,
                "out_channels": layer.out_channels,
                "input_hw": "x".join(map(str, layer.input_hw)),
                "kernel_hw": "x".join(map(str, layer.kernel_hw)),
                "stride": "x".join(map(str, layer.stride_hw)),
                "groups": layer.groups,
                "output_hw": "x".join(map(str, layer.output_hw)),
                "macs": layer.macs,
                "reduction_length": layer.reduction_length,
                "weights": layer.weights,
                "input_elements": layer.input_elements,
                "output_elements": layer.output_elements,
                "is_first": layer.is_first,
                "is_last": layer.is_last,
            }
            for layer in self.layers
        ]
        return pd.DataFrame(rows)
