"""The compute-in-memory (CIM) template's configuration: analog SRAM / ReRAM crossbars with ADC readout.

A macro is a ``rows x cols`` array of cells holding ``cell_bits`` each. Weights are bit-sliced
across columns, inputs enter the word lines ``input_bits_per_pulse`` bits at a time (1: bit-serial
pulses; more: a multi-bit DAC), each column's analog sum is digitised by an ADC of ``adc_bits``
shared by ``adc_share`` columns, and a shift-and-add unit recombines weight slices and input
slices. Layers whose reduction is longer than ``rows`` are split into row groups whose partial
sums are digitised separately and accumulated digitally. Equations and the source of every
default: ``docs/cim-model.md``.

:class:`CimMacroParams` is the part of the macro that changes *numerics* (rows, cell bits, input
bits per pulse, ADC bits): the accuracy side (CIM-aware training) imports it to simulate the same
partial-sum quantization the cost side prices.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from enum import Enum
from typing import Any, ClassVar

import numpy as np

from hwcost._config import Checker
from hwcost.arch.gating import PowerGating, read_power_gating
from hwcost.arch.shared.memory import MemorySystem, read_number_keys


__all__ = [
    "CellType",
    "PowerGating",
    "AdcReadout",
    "SignedWeights",
    "WeightAccumulation",
    "InputEncoding",
    "PairSubtraction",
    "CimMacroParams",
    "CimMacroConfig",
    "CIM_MACRO_DEFAULTS",
    "lossless_adc_bits",
    "cim_macro_from_mapping",
    "ceil_div",
]


class CellType(Enum):
    """The bit cell (``hwcost/arch/cim_macro/cells.py``, docs/cim-model.md §6): SRAM 6T (the techlib
    ``cim_cell`` sram_6t), SRAM 8T / 10T compute cells with decoupled read ports (priced from the
    6T's bit-line charge and area), ReRAM 1T1R (read voltage and pulse width are arch keys)."""

    SRAM_6T = "sram_6t"
    SRAM_8T = "sram_8t"
    SRAM_10T = "sram_10t"
    RRAM_1T1R = "rram_1t1r"

    @property
    def volatile(self) -> bool:
        """SRAM cells hold their weights only while powered (and leak); ReRAM is non-volatile."""
        return self is not CellType.RRAM_1T1R


class AdcReadout(Enum):
    """The column readout; the value is the techlib ``column_adc`` variant that prices it
    (docs/cim-model.md §6): a SAR ADC, a flash (multi-level sense amplifier), a 1-bit sense
    amplifier, a single-slope converter (one step per level: a ramp, or a counting or
    pulse-shrinking TDC), or a time-domain converter resolving its bits by successive
    approximation (a recursive TDC, one step per bit)."""

    SAR = "sar"
    FLASH = "flash"
    SENSE_AMP = "sense_amp"
    SINGLE_SLOPE = "single_slope"
    TIME_DOMAIN = "time_domain"


# Former readout names -> the one that replaces them (refused with that name).
_RENAMED_READOUTS = {"ramp": "single_slope"}


class SignedWeights(Enum):
    """How a signed weight operand (the classifier's ``weight_operand_signed``) lives in the array.

    ``differential``: w = w+ - w-, two columns per slice (PRIME, Chi et al. ISCA 2016): 2x cells,
    2x conversions, same ADC range per column. ``offset``: w + 2^(b-1) stored unsigned, plus one
    reference column per row group holding the offset's single set bit; its digitised sum
    2^(b-1)*sum(x) is subtracted once per output (biased storage as in ISAAC, Shafiee et al.
    ISCA 2016). ``digital``: the same offset storage without a reference column; sum(x) comes
    from a digital window-sum adder tree and is subtracted per output.
    """

    DIFFERENTIAL = "differential"
    OFFSET = "offset"
    DIGITAL = "digital"


class WeightAccumulation(Enum):
    """How the bit-sliced columns of one weight are combined (docs/cim-model.md §2, §5).

    ``digital``: every weight-bit column is converted on its own and the codes are shift-added
    digitally (ISAAC, Shafiee et al. ISCA 2016; DNN+NeuroSim). ``analog``: the columns of one
    weight (per polarity) are combined with binary weights in the analog domain -- charge sharing
    among binary-weighted capacitors (Sinangil et al. JSSC 2021; Kneip et al. IMAGINE, TCASAI
    2025) -- and converted once; the ADC then needs the weight's full range.
    """

    DIGITAL = "digital"
    ANALOG = "analog"


class InputEncoding(Enum):
    """How an input slice of p = ``input_bits_per_pulse`` bits drives a word line.

    ``bit_serial``: one 1-bit pulse per input bit (p = 1; ISAAC's 1-bit DACs). ``pwm``: the
    p-bit slice as a count (or width) of 2^p - 1 unit pulses on a 1-bit driver (Sinangil et al.
    JSSC 2021: 'the 4-bit input is represented by the number of read word-line pulses'); every
    unit pulse fires a drive and the cells it reaches. ``dac``: a p-bit DAC sets the word-line
    level, one drive per slice. Omitted: bit_serial at p = 1, dac at p > 1.
    """

    BIT_SERIAL = "bit_serial"
    PWM = "pwm"
    DAC = "dac"


class PairSubtraction(Enum):
    """Where the two columns of a differential pair are subtracted (``signed_weights:
    differential`` only). ``digital``: each column converted, subtracted in the shift-add.
    ``analog``: the pair's currents or charges subtracted before one conversion of a signed
    sum (Xue et al. JSSC 2020's positive-negative current subtractor), one more level range."""

    DIGITAL = "digital"
    ANALOG = "analog"


# Cell bits each cell type can hold: a 6T SRAM cell stores one bit; multi-level ReRAM: ISAAC
# uses 2-bit cells (Shafiee et al. ISCA 2016); up to 4 bits allowed, with the per-cell read
# energy of the techlib unchanged (docs/cim-model.md §6).
CELL_BITS_RANGE = {CellType.SRAM_6T: (1, 1), CellType.SRAM_8T: (1, 1), CellType.SRAM_10T: (1, 1),
                   CellType.RRAM_1T1R: (1, 4)}

# Residual leakage of a soft-gated (data-retentive) idle macro: 1/3. "The design and implementation
# of a low-overhead supply-gated SRAM" (IBM Research, IEEE 2006, abstract): 'over 260x and 3x
# leakage reduction is observed in 65nm-technology hardware for hard and soft gating, respectively,
# including the leakage of control and drive circuits'. Soft gating for the cells, because a resident
# macro must keep its weights; the periphery (DACs, ADCs, shift-adds, trees) holds nothing across an
# idle layer and is hard-gated: 1/260 remains (the MAC array's PE grid uses the same two figures).
GATED_LEAKAGE_FRACTION = 1.0 / 3.0
HARD_GATED_LEAKAGE_FRACTION = 1.0 / 260.0


def lossless_adc_bits(active_rows: Any, cell_bits: Any, pulse_bits: Any, signed_sum: Any = False) -> np.ndarray:
    """Bits an ADC needs to resolve every level of one converted sum exactly.

    A conversion sums ``n`` active rows, each holding a value 0 .. 2^w - 1 (w = the cell bits
    when weight-bit columns are converted apart, the weight's stored bits when they are combined
    in analog), each driven by an input slice 0 .. 2^p - 1, so the sum takes
    X + 1 = n*(2^w - 1)*(2^p - 1) + 1 levels; a differential pair subtracted before the ADC
    (``signed_sum``) spans -X .. X, 2X + 1 levels:

        B = ceil(log2((1 + signed) * n * (2^w - 1) * (2^p - 1) + 1))

    which equals ISAAC's log2(R) + v + w - [v = 1 or w = 1] for R a power of two (Shafiee et
    al. ISCA 2016 §IV) and never exceeds the bound ceil(log2 n) + w + p (+ 1 when signed).

    >>> int(lossless_adc_bits(128, 1, 1)), int(lossless_adc_bits(128, 2, 1)), int(lossless_adc_bits(128, 2, 2))
    (8, 9, 11)
    >>> int(lossless_adc_bits(128, 3, 1, signed_sum=True))   # 2 * 128 * 7 + 1 = 1793 levels
    11
    """
    n, c, p = (np.asarray(v, dtype=float) for v in (active_rows, cell_bits, pulse_bits))
    levels = (1.0 + np.asarray(signed_sum, dtype=float)) * n * (2.0**c - 1) * (2.0**p - 1) + 1
    return np.ceil(np.log2(levels) - 1e-12)


@dataclass(frozen=True)
class CimMacroParams:
    """What the macro does to the numbers: shared by the cost model and CIM-aware training.

    A column's partial sum over ``rows`` cells of ``cell_bits`` driven by input slices of
    ``input_bits_per_pulse`` bits is converted by an ``adc_bits`` ADC; when ``adc_bits`` is
    below :meth:`lossless_adc_bits` the ADC quantizes partial sums.

    >>> CimMacroParams(rows=128, cell_bits=1, input_bits_per_pulse=1, adc_bits=5).adc_quantizes()
    True

    The accumulation options change what one ADC code covers: with ``weight_accumulation``
    analog a conversion sums whole weights (pass their stored bits as ``weight_bits``), with
    ``pair_subtraction`` analog a signed pair difference, and ``active_rows`` rows at a time.

    >>> m = CimMacroParams(adc_bits=8, weight_accumulation=WeightAccumulation.ANALOG, pair_subtraction=PairSubtraction.ANALOG)
    >>> m.lossless_adc_bits(weight_bits=3), m.adc_step(weight_bits=3)   # 2 * 128 * 7 * 1 + 1 levels
    (11, 8)
    """

    rows: int = 128  # DNN+NeuroSim V1.4 Param.cpp 128x128 subarray; ISAAC 128x128 crossbars
    cell_bits: int = 1  # NeuroSim cellBit = 1; a 6T SRAM cell stores one bit
    input_bits_per_pulse: int = 1  # bit-serial word-line pulses (ISAAC; NeuroSim 1 bit per cycle)
    adc_bits: int = 8  # ISAAC's 8-bit ADC; lossless for 128 rows x 1-bit cells x 1-bit pulses
    signed_weights: SignedWeights = SignedWeights.DIFFERENTIAL  # PRIME positive/negative arrays
    # Added for the accumulation options (defaults: the readout above, unchanged).
    weight_accumulation: WeightAccumulation = WeightAccumulation.DIGITAL  # ISAAC: per-bit columns, shift-add
    pair_subtraction: PairSubtraction = PairSubtraction.DIGITAL  # each column of a pair converted
    active_rows: int | None = None  # rows summed per conversion; None: all rows (C3SRAM, ISAAC)
    # How a p-bit input slice drives a word line; None: bit_serial at p = 1, dac above. A linear
    # cell sums 2^p - 1 unit pulses (pwm) to the same charge as one p-bit DAC level, so the
    # encoding changes no partial sum; it is carried so that both sides describe one macro.
    input_encoding: InputEncoding | None = None

    @property
    def rows_per_conversion(self) -> int:
        return self.rows if self.active_rows is None else min(self.active_rows, self.rows)

    @property
    def input_mode(self) -> InputEncoding:
        """The input encoding, resolved as :attr:`CimMacroConfig.input_mode`."""
        if self.input_encoding is not None:
            return self.input_encoding
        return InputEncoding.BIT_SERIAL if self.input_bits_per_pulse == 1 else InputEncoding.DAC

    def __repr__(self) -> str:
        """The readout fields, and the accumulation options where they differ from the defaults."""
        names = [f.name for f in fields(self)]
        shown = [n for n in names[:5]] + [n for n in names[5:] if getattr(self, n) != getattr(CimMacroParams, n)]
        return f"CimMacroParams({', '.join(f'{n}={getattr(self, n)!r}' for n in shown)})"

    def lossless_adc_bits(self, active_rows: int | None = None, weight_bits: int | None = None,
                          weights_signed: bool = True) -> int:
        """ceil(log2((1 + s) n (2^w - 1)(2^p - 1) + 1)): n = ``active_rows`` capped by the rows
        a conversion sums; w = ``weight_bits`` (the stored bits of a weight) when the weight bits
        are combined in analog, else the cell bits; s = 1 when a signed differential pair is
        subtracted before the ADC."""
        n = self.rows_per_conversion if active_rows is None else min(active_rows, self.rows_per_conversion)
        analog = self.weight_accumulation is WeightAccumulation.ANALOG and weight_bits is not None
        w = weight_bits if analog else self.cell_bits
        signed = (weights_signed and self.signed_weights is SignedWeights.DIFFERENTIAL
                  and self.pair_subtraction is PairSubtraction.ANALOG)
        return int(lossless_adc_bits(n, w, self.input_bits_per_pulse, signed))

    def adc_quantizes(self, active_rows: int | None = None, weight_bits: int | None = None,
                      weights_signed: bool = True) -> bool:
        return self.adc_bits < self.lossless_adc_bits(active_rows, weight_bits, weights_signed)

    def adc_step(self, active_rows: int | None = None, weight_bits: int | None = None,
                 weights_signed: bool = True) -> int:
        """Sum levels merged into one ADC code: 2^(lossless - adc_bits), at least 1."""
        return 2 ** max(0, self.lossless_adc_bits(active_rows, weight_bits, weights_signed) - self.adc_bits)


@dataclass(frozen=True)
class CimMacroConfig(MemorySystem):
    """Parameters of the CIM template (YAML: ``template: cim_macro``); sources in docs/cim-model.md.
    Clock, global buffer and DRAM are those of every template (:class:`MemorySystem`)."""

    template: ClassVar[str] = "cim_macro"

    rows: int = 128  # DNN+NeuroSim V1.4 (Param.cpp) 128x128 subarray; ISAAC 128x128 crossbars
    cols: int = 128
    cell: CellType = CellType.SRAM_6T  # DNN+NeuroSim V1.4 Param.cpp default cell
    # ReRAM 1T1R read: 0.5 V for 10 ns, DNN+NeuroSim V1.4 Param.cpp (readVoltage, readPulseWidth).
    rram_read_v: float = 0.5
    rram_read_pulse_ns: float = 10.0
    cell_bits: int = 1  # NeuroSim cellBit 1; the only value a 6T SRAM cell can hold
    input_bits_per_pulse: int = 1  # bit-serial inputs (ISAAC, NeuroSim); >1: multi-bit DAC
    adc_bits: int = 8  # ISAAC 8-bit ADC (Shafiee et al. ISCA 2016): lossless at the defaults
    adc_share: int = 8  # columns per ADC: DNN+NeuroSim V1.4 Param.cpp numColMuxed = 8
    # ISAAC's and NeuroSim's readout is a SAR ADC (Shafiee et al. ISCA 2016; SarADC.cpp); the
    # readout is a choice (the techlib column_adc variants).
    adc_readout: AdcReadout = AdcReadout.SAR
    # 108 macros: PIMCA (Zhang et al., IEEE JSSC 58(5) 2023, pp. 1436-1449, abstract; VLSI 2021:
    # 'integrates 108 of such IMC SRAM macros', 256 x 128 bit cells each, 3.4 Mb in 28 nm). Weights
    # that do not fit are reloaded every inference (docs/cim-model.md §2). None: 'auto', as many
    # macros as the weights need (every weight resident).
    macros: int | None = 108
    # Idle macros powered (none) or gated (idle), cells soft (weights kept), periphery hard
    # (docs/cim-model.md §6); none: no gating circuit assumed.
    power_gating: PowerGating = PowerGating.NONE
    signed_weights: SignedWeights = SignedWeights.DIFFERENTIAL  # PRIME positive/negative arrays
    # Accumulation options (docs/cim-model.md §1, §2, §5); the defaults keep ISAAC's readout:
    # per-bit columns shift-added digitally (Shafiee et al. ISCA 2016, §III and Table I: 2-bit
    # cells, 1-bit DACs, shift-and-add units after the ADCs).
    weight_accumulation: WeightAccumulation = WeightAccumulation.DIGITAL
    # None: bit_serial at input_bits_per_pulse 1 (ISAAC's 1-bit DACs), dac above.
    input_encoding: InputEncoding | None = None
    pair_subtraction: PairSubtraction = PairSubtraction.DIGITAL  # both columns of a pair converted [A]
    # Rows summed per conversion; None: all rows at once (C3SRAM, Jiang et al. JSSC 2020 abstract:
    # 'all rows asserted at once'; ISAAC reads a whole 128-row crossbar).
    active_rows: int | None = None
    # Post-processing lanes (requant, bias, row-group accumulation): the MAC array's 16 column
    # lanes, so both templates compare at equal post-processing throughput.
    post_lanes: int = 16
    # 150 MHz: the median of the cycles of five published CIM macros and chips -- Sinangil et al.
    # JSSC 2021 (7 nm, 5.5 ns access: 182 MHz), Xue et al. JSSC 2020 (55 nm ReRAM, T_MAC 14.6 ns:
    # 68 MHz), Wu et al. JSSC 2023 (28 nm, 6.6 ns compute latency: 152 MHz), Khwa et al. ISSCC 2018
    # (65 nm, 2.3 ns: 435 MHz), PIMCA (28 nm chip, 42 MHz) -- 151.5 MHz to two digits (abstracts, as
    # cited in hwcost/data/validation/silicon.yaml). One ADC conversion per cycle.
    clock_mhz: float = 150.0
    name: str = "cim_macro"

    @property
    def macro_params(self) -> CimMacroParams:
        # Every field of CimMacroParams by name, so a field added there is carried here.
        return CimMacroParams(**{f.name: getattr(self, f.name) for f in fields(CimMacroParams)})

    @property
    def input_mode(self) -> InputEncoding:
        """The input encoding, resolved: bit_serial at one bit per pulse, dac above, unless set."""
        if self.input_encoding is not None:
            return self.input_encoding
        return InputEncoding.BIT_SERIAL if self.input_bits_per_pulse == 1 else InputEncoding.DAC

    @property
    def rows_per_conversion(self) -> int:
        return self.rows if self.active_rows is None else self.active_rows

    @property
    def analog_macro(self) -> CimMacroParams:
        return self.macro_params

    @property
    def adcs_per_macro(self) -> int:
        return self.cols // self.adc_share

    def describe(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "cols": self.cols,
            "cell": self.cell.value,
            **({"rram_read_v": self.rram_read_v, "rram_read_pulse_ns": self.rram_read_pulse_ns}
               if self.cell is CellType.RRAM_1T1R else {}),
            "cell_bits": self.cell_bits,
            "input_bits_per_pulse": self.input_bits_per_pulse,
            "adc_bits": self.adc_bits,
            "adc_share": self.adc_share,
            "adc_readout": self.adc_readout.value,
            "macros": "auto" if self.macros is None else self.macros,
            "power_gating": self.power_gating.value,
            "signed_weights": self.signed_weights.value,
            "weight_accumulation": self.weight_accumulation.value,
            "input_encoding": self.input_mode.value,
            "pair_subtraction": self.pair_subtraction.value,
            "active_rows": "all" if self.active_rows is None else self.active_rows,
            "glb_kib": self.glb_kib,
        }


CIM_MACRO_DEFAULTS = CimMacroConfig()

_INT_KEYS = {
    "rows": (1, 4096),
    "cols": (1, 4096),
    "cell_bits": (1, 8),
    "input_bits_per_pulse": (1, 8),
    "adc_bits": (1, 16),
    "adc_share": (1, 4096),
    "post_lanes": (1, 4096),
}
# ReRAM read voltage and pulse width: the spans of the cells read in docs/cim-model.md §6 (0.2-0.5 V,
# 1-100 ns), widened an order of magnitude.
_FLOAT_KEYS = {"rram_read_v": (0.01, 2.0), "rram_read_pulse_ns": (0.01, 1000.0)}
_ENUM_KEYS: dict[str, type[Enum]] = {"cell": CellType, "signed_weights": SignedWeights, "adc_readout": AdcReadout,
                                     "weight_accumulation": WeightAccumulation, "pair_subtraction": PairSubtraction}
ACTIVE_ROWS_MAX = 4096
MACROS_MAX = 1_000_000


def _macros(check: Checker, value: Any, key: str) -> tuple[bool, int | None]:
    if value == "auto" or value is None:
        return True, None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MACROS_MAX:
        check.error(key, f"expected auto or an integer in [1, {MACROS_MAX}]; got {value!r}")
        return False, None
    return True, value


def _active_rows(check: Checker, value: Any, key: str) -> tuple[bool, int | None]:
    if value == "all" or value is None:
        return True, None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= ACTIVE_ROWS_MAX:
        check.error(key, f"expected all or an integer in [1, {ACTIVE_ROWS_MAX}]; got {value!r}")
        return False, None
    return True, value


def _values(data: Mapping[str, Any], check: Checker, prefix: str) -> dict[str, Any] | None:
    values = read_number_keys(data, check, prefix, _INT_KEYS, _FLOAT_KEYS)
    ok = True
    if data.get("input_encoding") is not None:
        chosen = check.choice(data["input_encoding"], f"{prefix}input_encoding", [m.value for m in InputEncoding])
        values["input_encoding"] = None if chosen is None else InputEncoding(chosen)
        ok = chosen is not None
    if "active_rows" in data:
        good, values["active_rows"] = _active_rows(check, data["active_rows"], f"{prefix}active_rows")
        ok = ok and good
    if isinstance(data.get("adc_readout"), str) and data["adc_readout"] in _RENAMED_READOUTS:
        old = data["adc_readout"]
        check.error(f"{prefix}adc_readout", f"'{old}' is now '{_RENAMED_READOUTS[old]}' (one step per level: a "
                    f"ramp or a counting TDC; 'time_domain' is the successive-approximation TDC, docs/cim-model.md §6)")
        values["adc_readout"] = None
    for name, enum in _ENUM_KEYS.items():
        if name in data and values.get(name, True) is not None:
            chosen = check.choice(data[name], f"{prefix}{name}", [m.value for m in enum])
            values[name] = None if chosen is None else enum(chosen)
    if "power_gating" in data:
        values["power_gating"] = read_power_gating(check, data["power_gating"], f"{prefix}power_gating")
    if "name" in data:
        values["name"] = check.string(data["name"], f"{prefix}name")
    if "macros" in data:
        good, values["macros"] = _macros(check, data["macros"], f"{prefix}macros")
        ok = ok and good
    if not ok or any(v is None for k, v in values.items() if k not in ("macros", "active_rows", "input_encoding")):
        return None
    return values


def _consistency(config: CimMacroConfig, check: Checker, prefix: str) -> None:
    lo, hi = CELL_BITS_RANGE[config.cell]
    if not lo <= config.cell_bits <= hi:
        holds = f"exactly {lo} bit" if lo == hi else f"{lo} to {hi} bits"
        check.error(f"{prefix}cell_bits", f"a {config.cell.value} cell holds {holds}; got {config.cell_bits}")
    if config.adc_readout is AdcReadout.SENSE_AMP and config.adc_bits != 1:
        check.error(f"{prefix}adc_bits", f"a sense_amp readout resolves exactly 1 bit; got {config.adc_bits} "
                    "(a multi-level sense amplifier is adc_readout: flash)")
    if config.input_encoding is InputEncoding.BIT_SERIAL and config.input_bits_per_pulse != 1:
        check.error(f"{prefix}input_encoding", f"a bit_serial input has 1 bit per pulse; got input_bits_per_pulse "
                    f"{config.input_bits_per_pulse} (a multi-bit slice is input_encoding: pwm or dac)")
    if config.active_rows is not None and config.active_rows > config.rows:
        check.error(f"{prefix}active_rows", f"expected at most rows ({config.rows}); got {config.active_rows}")
    if config.adc_share > config.cols or config.cols % config.adc_share:
        check.error(f"{prefix}adc_share", f"expected a divisor of cols ({config.cols}); got {config.adc_share}")


def cim_macro_from_mapping(data: Mapping[str, Any], check: Checker, prefix: str = "") -> CimMacroConfig | None:
    """Build a CimMacroConfig from a mapping (YAML); problems go to ``check``."""
    names = [f.name for f in fields(CimMacroConfig) if f.compare]  # source_file is not a key
    check.keys(data, prefix, optional=["template"] + names)
    values = _values(data, check, prefix)
    if values is None or check.problems:
        return None
    config = replace(CIM_MACRO_DEFAULTS, **values)
    _consistency(config, check, prefix)
    return None if check.problems else config


def ceil_div(a: Any, b: Any) -> Any:
    """Elementwise ceil(a / b) for arrays, exact for whole numbers."""
    return np.ceil(np.asarray(a, dtype=float) / np.asarray(b, dtype=float))
