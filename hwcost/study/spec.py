"""What a study is, once its YAML file has been checked: frozen dataclasses, no dicts.

A study sweeps the cartesian product of its axes (schemes x bit pairs x zero-point
realisations x scale realisations x architectures x nodes x workloads), prices every point with
the vectorised cost model, attaches accuracies (measured with ``quantizers``, looked up in a
table, or both) and finds the points that are Pareto-optimal for its objectives. The file format
is in ``docs/studies.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hwcost.arch.config import ArchConfig
from hwcost.pareto import Objective
from hwcost.schemes import QuantScheme, ScaleRealisation, ZeroPointRealisation
from hwcost.techlib import TechLib
from hwcost.workloads import Workload

if TYPE_CHECKING:
    from hwcost.study.figures import FigureSpec

__all__ = [
    "AccuracySource",
    "AccuracyModel",
    "MeasuredSettings",
    "TableRow",
    "AccuracyTable",
    "AccuracySpec",
    "Loaded",
    "StudySpec",
    "MEASURED_COLUMN",
    "INTEGER_COLUMN",
    "TABLE_COLUMN",
]

# Results columns holding the two kinds of accuracy (percent, top-1 / test-set accuracy).
MEASURED_COLUMN = "accuracy_measured_pct"
INTEGER_COLUMN = "integer_accuracy_measured_pct"
TABLE_COLUMN = "accuracy_table_pct"


class AccuracySource(Enum):
    """Where a point's accuracy comes from."""

    MEASURED = "measured"  # trained and tested with the numpy quantizers
    TABLE = "table"  # looked up in a CSV of published numbers
    BOTH = "both"  # both columns, each its own objective if the study says so

    @property
    def measured(self) -> bool:
        return self in (AccuracySource.MEASURED, AccuracySource.BOTH)

    @property
    def table(self) -> bool:
        return self in (AccuracySource.TABLE, AccuracySource.BOTH)


class AccuracyModel(Enum):
    """The small networks ``quantizers.measure_accuracy`` can train."""

    MLP = "mlp"
    CNN = "cnn"


@dataclass(frozen=True)
class MeasuredSettings:
    """How measured accuracies are obtained (``quantizers.measure_accuracy``); one training run
    per (scheme, bits, seed). Every setting is explicit: those the study file leaves out hold
    the defaults of ``quantizers.AccuracySettings``, resolved when the study is loaded.

    ``dataset`` is ``"digits"`` or the absolute path of an ``.npz`` file;
    ``dataset_sha256`` fingerprints that file (empty for built-in datasets), so a changed file
    is a different job.
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

    @property
    def folder(self) -> Path:
        return Path(self.file).parent

    def techlib(self, token: str) -> TechLib:
        return next(n.value for n in self.nodes if n.token == token)

    def workload(self, token: str) -> Workload:
        return next(w.value for w in self.workloads if w.token == token)
