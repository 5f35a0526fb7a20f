"""What a study is, once its YAML file has been checked: frozen dataclasses, no dicts.

A study sweeps the cartesian product of its axes (schemes x bit pairs x zero-point
realisations x scale realisations x architectures x nodes x workloads x per-layer precision maps), prices every point with
the vectorised cost model, attaches accuracies (measured with ``hwcost.accuracy``, looked up in a
table, or both) and finds the points that are Pareto-optimal for its objectives. The file format
is in ``docs/studies.md``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hwcost.arch.template import ArchConfig
from hwcost.pareto import Objective
from hwcost.schemes import QuantScheme, ScaleRealisation, ZeroPointRealisation
from hwcost.techlib import TechLib
from hwcost.workloads import Workload
from hwcost.accuracy.cim.readout import AdcRange
from hwcost.accuracy.cim.noise import NoiseTarget
from hwcost.accuracy.settings import Backend

if TYPE_CHECKING:
    from hwcost.study.figures import FigureSpec

__all__ = [
    "AccuracySource",
    "AccuracyModel",
    "MeasuredSettings",
    "CimAxes",
    "CimVariant",
    "CIM_COLUMNS",
    "DIGITAL_COLUMN",
    "TableRow",
    "AccuracyTable",
    "AccuracySpec",
    "COST_ONLY",
    "Loaded",
    "StudySpec",
    "UncertaintySpec",
    "MEASURED_COLUMN",
    "INTEGER_COLUMN",
    "TABLE_COLUMN",
]

# Results columns holding the two kinds of accuracy (percent, top-1 / test-set accuracy).
MEASURED_COLUMN = "accuracy_measured_pct"
INTEGER_COLUMN = "integer_accuracy_measured_pct"
TABLE_COLUMN = "accuracy_table_pct"
# CIM points: the stage-1 network on the exact digital product (the reference for the CIM loss).
DIGITAL_COLUMN = "digital_accuracy_measured_pct"
# Results columns of the accuracy-only CIM settings (no cost), in CimVariant's field order.
CIM_COLUMNS = ("cim_adc_range", "cim_noise_sigma", "cim_noise_on", "cim_two_stage", "cim_stage2_epochs")
NO_NOISE = "none"  # cim_noise_on of a point without noise (a digital MAC array, or sigma 0)


class AccuracySource(Enum):
    """Where a point's accuracy comes from."""

    MEASURED = "measured"  # trained and tested with the numpy quantizers
    TABLE = "table"  # looked up in a CSV of published numbers
    BOTH = "both"  # both columns, each its own objective if the study says so
    NONE = "none"  # a cost-only study: the file has no ``accuracy:`` section (docs/studies.md)

    @property
    def measured(self) -> bool:
        return self in (AccuracySource.MEASURED, AccuracySource.BOTH)

    @property
    def table(self) -> bool:
        return self in (AccuracySource.TABLE, AccuracySource.BOTH)


class AccuracyModel(Enum):
    """The networks ``hwcost.accuracy.measure_accuracy`` can train (the last three on the torch backend)."""

    MLP = "mlp"
    CNN = "cnn"
    RESNET20 = "resnet20"
    VGG7 = "vgg7"
    RESNET18 = "resnet18"


@dataclass(frozen=True)
class CimVariant:
    """One combination of the accuracy-only settings of a CIM point: they change the measured
    accuracy but not the cost (the macro's numerics - rows, cell bits, input bits per pulse, ADC
    bits, signed-weight encoding - come from the point's architecture).

    Settings that cannot matter are normalised, so equal computations are one variant:
    ``noise_on`` is ``None`` without noise, ``stage2_epochs`` is 0 without stage 2.
    """

    adc_range: AdcRange
    noise_sigma: float
    noise_on: NoiseTarget | None
    two_stage: bool
    stage2_epochs: int

    def columns(self) -> dict[str, Any]:
        """The results columns (``CIM_COLUMNS``) of this variant."""
        on = NO_NOISE if self.noise_on is None else self.noise_on.value
        values = (self.adc_range.value, float(self.noise_sigma), on, self.two_stage, self.stage2_epochs)
        return dict(zip(CIM_COLUMNS, values))


@dataclass(frozen=True)
class CimAxes:
    """``accuracy.measured.cim``: the accuracy-only CIM settings a study sweeps (each a tuple of
    values, in the file's order) and the protocol settings shared by every CIM run. Defaults:
    ``hwcost.accuracy.CimSettings``'s (fixed ADC range, no noise, deployed without stage 2)."""

    adc_range: tuple[AdcRange, ...] = (AdcRange.FIXED,)
    noise_sigma: tuple[float, ...] = (0.0,)
    noise_on: tuple[NoiseTarget, ...] = (NoiseTarget.WEIGHTS,)
    two_stage: tuple[bool, ...] = (False,)
    stage2_epochs: tuple[int, ...] = (10,)
    stage2_lr: float = 0.005
    eval_trials: int = 5

    def variants(self) -> tuple[CimVariant, ...]:
        """The cartesian product of the axes, normalised and without repeats, in order
        adc_range > noise_sigma > noise_on > two_stage > stage2_epochs.

        >>> len(CimAxes(noise_sigma=(0.0, 0.1), noise_on=(NoiseTarget.WEIGHTS, NoiseTarget.PSUM)).variants())
        3
        """
        out: dict[CimVariant, None] = {}
        axes = (self.adc_range, self.noise_sigma, self.noise_on, self.two_stage, self.stage2_epochs)
        for adc_range, sigma, on, two_stage, epochs in itertools.product(*axes):
            noisy = sigma > 0
            out.setdefault(CimVariant(adc_range, sigma if noisy else 0.0, on if noisy else None, two_stage, epochs if two_stage else 0))
        return tuple(out)


@dataclass(frozen=True)
class MeasuredSettings:
    """How measured accuracies are obtained (``hwcost.accuracy.measure_accuracy``); one training run
    per (scheme, bits, seed). Every setting is explicit: those the study file leaves out hold
    the defaults of ``hwcost.accuracy.AccuracySettings``, resolved when the study is loaded.

    ``dataset`` is ``digits``, ``fashion-mnist``, ``cifar10``, ``cifar100`` or the absolute path of
    an ``.npz`` file; ``dataset_sha256`` fingerprints that file (empty for named datasets), so a
    changed file is a different job. ``backend`` is ``numpy`` or ``torch``; ``data_dir`` where a
    named dataset's files are; ``train_size`` / ``test_size`` subsets (``None``: whole splits).
    """

    model: AccuracyModel
    dataset: str
    epochs: int  # QAT fine-tuning epochs (0: post-training quantization)
    fp_epochs: int
    seeds: tuple[int, ...]
    batch_size: int
    lr: float
    qat_lr: float
    integer: bool  # also measure integer-only execution
    dataset_sha256: str = ""
    cim: CimAxes = CimAxes()  # accuracy-only settings of the study's cim_macro points
    backend: Backend = Backend.NUMPY
    data_dir: str | None = None
    train_size: int | None = None
    test_size: int | None = None

    @property
    def dataset_label(self) -> str:
        """The dataset as results and figures name it: ``fashion-mnist``, or a file's name."""
        return Path(self.dataset).name

    def variants(self, arch: ArchConfig) -> tuple[CimVariant | None, ...]:
        """What one design point on ``arch`` is measured under: the CIM variants on a
        ``cim_macro``, once digitally (``None``) on any other template."""
        return self.cim.variants() if arch.analog_macro is not None else (None,)


@dataclass(frozen=True)
class TableRow:
    """One published accuracy: which scheme at which bits on which network, and who says so."""

    scheme: str
    network: str
    dataset: str
    weight_bits: int
    act_bits: int
    accuracy_pct: float
    citation: str
    extra: tuple[tuple[str, str], ...] = ()  # optional columns (method, tag, where, notes, ...)
    line: int = 0


@dataclass(frozen=True)
class AccuracyTable:
    """A CSV of accuracies; ``label`` is how the study names it (``literature`` or the path)."""

    label: str
    file: str
    rows: tuple[TableRow, ...]


@dataclass(frozen=True)
class AccuracySpec:
    source: AccuracySource
    measured: MeasuredSettings | None
    table: AccuracyTable | None


COST_ONLY = AccuracySpec(AccuracySource.NONE, None, None)
"""The accuracy of a study without an ``accuracy:`` section: none, its objectives are costs."""


@dataclass(frozen=True)
class Loaded:
    """A node or workload as the study names it, the loaded object and a content token.

    ``token`` identifies the inputs for the results journal: the name of a shipped file, or
    ``path#sha256`` of a user file.
    """

    name: str
    token: str
    value: Any


@dataclass(frozen=True)
class UncertaintySpec:
    """``uncertainty: {samples: N, seed: S}``: every priced point gets p10 / p50 / p90 of its
    energy, TOPS/W and area under ``samples`` draws of the technology's spreads from ``seed``
    (one draw shared by every point: ``hwcost.uncertainty.draws``), and every front the share of
    the draws in which each point is on it (``docs/uncertainty.md``, "Studies")."""

    samples: int = 1000
    seed: int = 0


@dataclass(frozen=True)
class StudySpec:
    """A checked study. Axis tuples keep the order of the file; ``None`` in ``zero_points`` /
    ``scale_ats`` means "the scheme's own realisation"."""

    name: str
    description: str
    file: str
    schemes: tuple[QuantScheme, ...]
    bit_pairs: tuple[tuple[int, int], ...]
    zero_points: tuple[ZeroPointRealisation | None, ...]
    scale_ats: tuple[ScaleRealisation | None, ...]
    archs: tuple[ArchConfig, ...]
    nodes: tuple[Loaded, ...]
    workloads: tuple[Loaded, ...]
    accuracy: AccuracySpec
    objectives: tuple[Objective, ...]
    figures: tuple["FigureSpec", ...] = ()  # figures the file asks for (hwcost.study.figures)
    # per-layer precision maps (hwcost.study.precision.PrecisionMap); None: the points' own bits
    precisions: tuple[Any, ...] = (None,)
    uncertainty: UncertaintySpec | None = None  # None: no bands (the file has no 'uncertainty' key)

    @property
    def cim_accuracy(self) -> bool:
        """Measured accuracy on at least one ``cim_macro``: results get the CIM columns."""
        return self.accuracy.measured is not None and any(a.analog_macro is not None for a in self.archs)

    @property
    def folder(self) -> Path:
        return Path(self.file).parent

    def techlib(self, token: str) -> TechLib:
        return next(n.value for n in self.nodes if n.token == token)

    def workload(self, token: str) -> Workload:
        return next(w.value for w in self.workloads if w.token == token)
