"""The classifier's output: a bill of materials of datapath units, each with its reason.

A :class:`Unit` says *what* hardware integer inference needs (``kind``), *where* it sits and
so how often it acts (``placement``), *which* technology-library component prices it
(``component``) with *which* parameters (``widths``), and *why* (``reason``: the equation it
realises). A cost model prices one action of a unit as
``techlib.energy_pj(unit.component, **unit.widths)`` and counts, per layer,

    actions = count(placement) * unit.ops_per_action

with ``count`` given in :class:`Placement`. Memory units (component ``sram``) hold one word of
``width_bits`` per action of their placement per layer and are read once per action; their
``capacity_bytes`` (the technology library's other SRAM parameter) is therefore
ceil(count * width_bits / 8) for the layer, which the cost model adds.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum

from hwcost.schemes.scheme import QuantScheme

__all__ = ["UnitKind", "Placement", "Component", "COMPONENT_PARAMETERS", "Widths", "Unit", "Datapath"]


class UnitKind(Enum):
    """The role a unit plays in the inference datapath."""

    MAC_MULTIPLIER = "mac_multiplier"  # weight x activation product
    ACCUMULATOR = "accumulator"  # adds each product into the partial sum
    BIAS_ADDER = "bias_adder"  # int32 bias (folded BN shift, folded zero-point constants)
    BIAS_MEMORY = "bias_memory"  # the bias words, one per output channel
    DEQUANT_MULTIPLIER = "dequant_multiplier"  # scale='operand': operand x its scale
    DEQUANT_SHIFTER = "dequant_shifter"  # scale='operand' with a power-of-two scale
    ZERO_POINT_WINDOW_SUM = "zero_point_window_sum"  # sum of the input window per output pixel
    ZERO_POINT_MULTIPLIER = "zero_point_multiplier"  # Z_w x window sum
    ZERO_POINT_SUBTRACTOR = "zero_point_subtractor"  # (q - Z) or acc - Z_w*sum(x)
    BN_MULTIPLIER = "bn_multiplier"  # unfused BN: gamma' x acc
    BN_ADDER = "bn_adder"  # unfused BN: + beta'
    BN_PARAMETER_MEMORY = "bn_parameter_memory"  # (gamma', beta') per output channel
    REQUANT_MULTIPLIER = "requant_multiplier"  # acc x M0
    REQUANT_SHIFTER = "requant_shifter"  # rounding right shift by n
    SCALE_MEMORY = "scale_memory"  # (M0, n) per output channel or group
    INT_TO_FP = "int_to_fp"  # float rescale: accumulator to FP32
    FP_MULTIPLIER = "fp_multiplier"  # float rescale: x S_w*S_a/S_out in FP32
    FP_TO_INT = "fp_to_int"  # float rescale: FP32 back to integer
    OUTPUT_ZERO_POINT_ADDER = "output_zero_point_adder"  # + Z_out after the rescale
    CLAMP = "clamp"  # saturating cast to the output grid (ReLU, PACT alpha)
    THRESHOLD_COMPARATOR = "threshold_comparator"  # binary layer: popcount >= tau_c, the sign output
    THRESHOLD_MEMORY = "threshold_memory"  # binary layer: tau_c, one per output channel


class Placement(Enum):
    """Where a unit sits, which fixes how many times it acts per layer.

    ``count`` per layer: ``per_mac`` the MACs; ``per_input`` the input activation elements;
    ``per_output`` the output elements (H_out*W_out*C_out); ``per_output_pixel`` H_out*W_out
    (shared by all output channels); ``per_output_channel`` C_out; ``per_channel_group``
    ceil(C_out / Datapath.weight_group_size); ``offline`` zero (done once before deployment).
    """

    PER_MAC = "per_mac"
    PER_INPUT = "per_input"
    PER_OUTPUT = "per_output"
    PER_OUTPUT_PIXEL = "per_output_pixel"
    PER_OUTPUT_CHANNEL = "per_output_channel"
    PER_CHANNEL_GROUP = "per_channel_group"
    OFFLINE = "offline"


class Component(StrEnum):
    """Technology-library component names (a ``StrEnum``: usable directly as the key)."""

    INT_ADDER = "int_adder"
    INT_MULTIPLIER = "int_multiplier"
    FP_ADDER = "fp_adder"
    FP_MULTIPLIER = "fp_multiplier"
    REGISTER = "register"
    SHIFTER = "shifter"
    COMPARATOR = "comparator"
    MUX = "mux"
    SRAM = "sram"
    # A composite the library does not list, priced from its ``logic_gate`` cells
    # (hwcost/arch/shared/adder_tree.py: xnor_cost).
    XNOR_GATE = "xnor_gate"


# The parameters each component is priced with: a unit's ``widths`` has exactly these keys.
COMPONENT_PARAMETERS: Mapping[Component, tuple[str, ...]] = {
    Component.INT_ADDER: ("bits",),
    Component.INT_MULTIPLIER: ("a_bits", "b_bits"),
    Component.FP_ADDER: ("bits",),
    Component.FP_MULTIPLIER: ("bits",),
    Component.REGISTER: ("bits",),
    Component.SHIFTER: ("bits",),
    Component.COMPARATOR: ("bits",),
    Component.MUX: ("bits",),
    Component.XNOR_GATE: ("bits",),  # bits: parallel 1-bit XNOR gates
    Component.SRAM: ("width_bits",),  # capacity_bytes depends on the layer: see the module docstring
}


@dataclass(frozen=True)
class Widths(Mapping[str, int]):
    """Named bit-widths, immutable and hashable; unpack with ``**widths``.

    >>> w = Widths.of(a_bits=8, b_bits=4)
    >>> dict(w), w["b_bits"]
    ({'a_bits': 8, 'b_bits': 4}, 4)
    """

    items_: tuple[tuple[str, int], ...]

    @classmethod
    def of(cls, **bits: int) -> "Widths":
        return cls(tuple(bits.items()))

    def __getitem__(self, key: str) -> int:
        for name, value in self.items_:
            if name == key:
                return value
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self.items_)

    def __len__(self) -> int:
        return len(self.items_)

    def __repr__(self) -> str:
        return "Widths(" + ", ".join(f"{k}={v}" for k, v in self.items_) + ")"


@dataclass(frozen=True)
class Unit:
    """One line of the bill of materials.

    ``ops_per_action``: component operations per placement action (a window sum over a
    reduction of length N is N - 1 additions per output pixel, so 0 when N = 1; a clamp is two
    comparisons).
    """

    kind: UnitKind
    placement: Placement
    component: Component
    widths: Widths
    reason: str
    ops_per_action: int = 1

    def __post_init__(self) -> None:
        expected = COMPONENT_PARAMETERS[self.component]
        if tuple(self.widths) != expected or any(v < 1 for v in self.widths.values()):
            raise ValueError(f"{self.kind.value}: {self.component} takes {expected}, got {self.widths!r}")
        if self.ops_per_action < 0:
            raise ValueError(f"{self.kind.value}: ops_per_action must be >= 0")

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "placement": self.placement.value,
            "component": str(self.component),
            "widths": dict(self.widths),
            "ops_per_action": self.ops_per_action,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Datapath:
    """What integer inference of one layer needs under ``scheme``.

    The multiplier operands are ``weight_operand_bits`` x ``act_operand_bits`` after any widening
    (pre-subtracted zero-points, centred grids, operand-side dequantization); weights are stored
    at ``weight_operand_bits``. ``accumulator_bits`` follows
    :func:`hwcost.classify.widths.accumulator_bits` for ``reduction_length``.
    """

    scheme: QuantScheme
    reduction_length: int
    weight_operand_bits: int
    act_operand_bits: int
    weight_operand_signed: bool
    act_operand_signed: bool
    accumulator_bits: int
    units: tuple[Unit, ...]
    weight_group_size: int | None = None
    notes: tuple[str, ...] = field(default=())

    def of_kind(self, kind: UnitKind) -> tuple[Unit, ...]:
        return tuple(u for u in self.units if u.kind is kind)

    def has(self, kind: UnitKind) -> bool:
        return any(u.kind is kind for u in self.units)

    def to_dict(self) -> dict[str, object]:
        return {
            "scheme": self.scheme.name,
            "weight_bits": self.scheme.weights.bits,
            "act_bits": self.scheme.activations.bits,
            "reduction_length": self.reduction_length,
            "weight_operand_bits": self.weight_operand_bits,
            "act_operand_bits": self.act_operand_bits,
            "weight_operand_signed": self.weight_operand_signed,
            "act_operand_signed": self.act_operand_signed,
            "accumulator_bits": self.accumulator_bits,
            "units": [u.to_dict() for u in self.units],
            "notes": list(self.notes),
        }
