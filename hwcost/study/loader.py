"""Reading a study file: YAML checked with :class:`~hwcost._config.Checker`, then a StudySpec.

Every problem of the file (unknown keys with the valid ones, wrong types, unknown schemes,
nodes or workloads, bad objectives) is collected with its file, line and key path and raised
as one :class:`~hwcost.errors.HwcostError`. Relative paths (scheme, arch, techlib, workload,
dataset and table files) are relative to the study file's folder.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import replace
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from hwcost._config import Checker, join_key, read_yaml
from hwcost.arch import registry
from hwcost.errors import HwcostError
from hwcost.pareto import Objective, Sense
from hwcost.schemes import MAX_BITS, MIN_BITS, PRESET_NAMES, ScaleRealisation, ZeroPointRealisation, get_scheme, load_scheme
from hwcost.study.spec import (
    CIM_COLUMNS,
    DIGITAL_COLUMN,
    INTEGER_COLUMN,
    MEASURED_COLUMN,
    TABLE_COLUMN,
    AccuracyModel,
    AccuracySource,
    AccuracySpec,
    COST_ONLY,
    CimAxes,
    Loaded,
    MeasuredSettings,
    StudySpec,
    UncertaintySpec,
)
from hwcost.study.figures import SELECTABLE, FigureSpec, parse_figures
from hwcost.study.table import LITERATURE, literature_path, load_accuracy_table
from hwcost.techlib import list_techlibs, load_techlib
from hwcost.study.precision import parse_precision_maps
from hwcost.workloads import list_workloads, load_workload

__all__ = ["load_study", "COST_OBJECTIVES", "OWN"]

REQUIRED = ("name", "schemes", "archs", "nodes", "workloads", "objectives")
# Without 'accuracy' the study is cost-only: its objectives must all be costs (COST_OBJECTIVES).
OPTIONAL = ("description", "accuracy", "bits", "bit_pairs", "zero_point", "scale_at", "figures", "precision", "uncertainty")
# Results columns a cost objective may name (totals of hwcost.evaluate.sweep).
COST_OBJECTIVES = ("energy_pj", "area_um2", "latency_cycles", "energy_per_mac_pj", "tops_per_w", "tops_per_mm2", "utilisation")
OWN = "scheme"  # in zero_point / scale_at: keep the scheme's own realisation


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _gather(check: Checker, key: str, load: Callable[[], Any]) -> Any:
    """Run a loader; its problems join the study's under ``key`` (keeping their own file and line)."""
    try:
        return load()
    except HwcostError as exc:
        for p in exc.problems:
            check.error(key, str(p))
        return None


def _items(check: Checker, data: Mapping[str, Any], key: str) -> list[tuple[str, Any]]:
    """``(key path, item)`` of a non-empty list."""
    items = check.sequence(data.get(key), key)
    if items is not None and not items:
        check.error(key, "expected at least one entry")
    return [(join_key(key, i), item) for i, item in enumerate(items or [])]


def _file(folder: Path, text: str) -> Path:
    path = Path(text)
    return path if path.is_absolute() else folder / path


def _unique(check: Checker, key: str, names: list[str], what: str) -> None:
    dups = sorted({n for n in names if names.count(n) > 1})
    if dups:
        check.error(key, f"two {what} share the name {', '.join(dups)}; names must be unique")


def _schemes(check: Checker, data: Mapping[str, Any], folder: Path) -> tuple[Any, ...]:
    out = []
    for key, item in _items(check, data, "schemes"):
        name = check.string(item, key)
        if name is None:
            continue
        if name in PRESET_NAMES:
            out.append(get_scheme(name))
        elif name.endswith((".yaml", ".yml")):
            out.append(_gather(check, key, lambda: load_scheme(_file(folder, name))))
        else:
            check.error(key, f"unknown scheme '{name}'; presets: {', '.join(PRESET_NAMES)}, or a scheme YAML file")
    out = [s for s in out if s is not None]
    _unique(check, "schemes", [s.name for s in out], "schemes")
    return tuple(out)


def _bits(check: Checker, value: Any, key: str) -> int | None:
    return check.number(value, key, minimum=MIN_BITS, maximum=MAX_BITS, integer=True)


def _bit_pairs(check: Checker, data: Mapping[str, Any]) -> tuple[tuple[int, int], ...]:
    if "bits" not in data and "bit_pairs" not in data:
        check.error("", "missing 'bits' (weights = activations) or 'bit_pairs' ([weight, act] pairs)")
    pairs: list[tuple[int, int]] = []
    for key, item in _items(check, data, "bits") if "bits" in data else []:
        b = _bits(check, item, key)
        pairs += [] if b is None else [(b, b)]
    for key, item in _items(check, data, "bit_pairs") if "bit_pairs" in data else []:
        pair = check.sequence(item, key)
        if pair is not None and len(pair) != 2:
            check.error(key, f"expected [weight_bits, act_bits], got {len(pair)} numbers")
        elif pair is not None:
            w, a = _bits(check, pair[0], join_key(key, 0)), _bits(check, pair[1], join_key(key, 1))
            pairs += [] if w is None or a is None else [(w, a)]
    return tuple(dict.fromkeys(pairs))


def _realisations(check: Checker, data: Mapping[str, Any], key: str, enum: type) -> tuple[Any, ...]:
    if key not in data:
        return (None,)
    out = []
    for k, item in _items(check, data, key):
        value = check.choice(item, k, [OWN] + [m.value for m in enum])
        if value is not None:
            out.append(None if value == OWN else enum(value))
    return tuple(dict.fromkeys(out))


def _arch_variants(entry: Mapping[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """A template entry with list values swept: (mapping, name suffix) per combination."""
    swept = [k for k, v in entry.items() if isinstance(v, list)]
    out = []
    for values in itertools.product(*(entry[k] for k in swept)):
        variant = dict(entry) | dict(zip(swept, values))
        suffix = ", ".join(f"{k}={v}" for k, v in zip(swept, values))
        out.append((variant, f"({suffix})" if suffix else ""))
    return out


def _template_arch(check: Checker, entry: Mapping[str, Any], key: str) -> list[Any]:
    template = check.choice(entry.get("template"), join_key(key, "template"), list(registry.TEMPLATES))
    if template is None:
        return []
    out = []
    for variant, suffix in _arch_variants(entry):
        sub = Checker(check.file)  # problems re-keyed below, so the study's lines apply
        config = registry.arch_from_mapping(variant, sub)
        for p in sub.problems:
            check.error(join_key(key, p.key) if p.key else key, p.message)
        if config is not None and not sub.problems:
            out.append(replace(config, name=f"{entry.get('name', template)}{suffix}") if suffix else config)
    return out


def _archs(check: Checker, data: Mapping[str, Any], folder: Path) -> tuple[Any, ...]:
    out: list[Any] = []
    for key, item in _items(check, data, "archs"):
        entry = check.mapping(item, key)
        if entry is None:
            continue
        if "file" in entry:
            if check.keys(entry, key, required=["file"]):
                path = check.string(entry["file"], join_key(key, "file"))
                out.append(None if path is None else _gather(check, key, lambda: registry.load_arch(_file(folder, path))))
        elif "template" in entry:
            out += _template_arch(check, entry, key)
        else:
            present = [str(k) for k in entry]
            hint = check.misspelt(key, "template", present) or check.misspelt(key, "file", present)
            check.error(key, f"expected 'template: NAME' (with parameters to override) or 'file: PATH'{hint}")
    out = [a for a in out if a is not None]
    _unique(check, "archs", [a.name for a in out], "architectures")
    return tuple(out)


def _file_suffixes(key: str) -> tuple[str, ...]:
    """A study names YAML files; its workloads may also be ONNX models (their layer shapes:
    the study's schemes and bits set the precision, docs/models.md)."""
    return (".yaml", ".yml", ".onnx") if key == "workloads" else (".yaml", ".yml")


def _loaded(
    check: Checker, data: Mapping[str, Any], key: str, folder: Path, shipped: tuple[str, ...], load: Callable[[Any], Any]
) -> tuple[Loaded, ...]:
    """Shipped names (token: the name) or YAML files (token: ``path#sha256``)."""
    out = []
    for k, item in _items(check, data, key):
        text = check.string(item, k)
        if text is None:
            continue
        if text in shipped:
            value, token = _gather(check, k, lambda: load(text)), text
        elif text.endswith(_file_suffixes(key)) and _file(folder, text).is_file():
            path = _file(folder, text)
            value, token = _gather(check, k, lambda: load(path)), f"{path.resolve()}#{_sha256(path)}"
        else:
            files = "an existing YAML or ONNX model file" if key == "workloads" else "an existing YAML file"
            check.error(k, f"unknown {key[:-1]} '{text}'; shipped: {', '.join(shipped)}, or {files}")
            continue
        if value is not None:
            out.append(Loaded(name=value.name, token=token, value=value))
    _unique(check, key, [x.name for x in out], key)
    return tuple(out)


_MEASURED_REQUIRED = ("model", "dataset", "epochs", "fp_epochs", "seeds")
_MEASURED_OPTIONAL = ("batch_size", "lr", "qat_lr", "integer", "cim", "backend", "data_dir", "train_size", "test_size")
_CIM_AXES = ("adc_range", "noise_sigma", "noise_on", "two_stage", "stage2_epochs")  # a value or a list (swept)
_CIM_SCALARS = ("stage2_lr", "eval_trials")  # one value, shared by every CIM run


def _dataset(check: Checker, value: Any, key: str, folder: Path, data_dir: str | None) -> tuple[str, str] | None:
    """(a named dataset, "") or (absolute .npz path, its sha256); a named real dataset must be
    where ``data_dir`` (or the default search) finds it."""
    from hwcost.accuracy.data import NAMED
    from hwcost.accuracy.datasets.locate import DatasetName, locate

    name = check.string(value, key)
    if name is None or name in NAMED:
        if name is not None and name != DatasetName.DIGITS.value:
            if _gather(check, key, lambda: locate(DatasetName(name), data_dir)) is None:
                return None
        return None if name is None else (name, "")
    path = _file(folder, name)
    if path.suffix != ".npz" or not path.is_file():
        check.error(key, f"expected one of {', '.join(NAMED)} or an existing .npz file, got '{name}'")
        return None
    return str(path.resolve()), _sha256(path)


def _seeds(check: Checker, value: Any, key: str) -> tuple[int, ...] | None:
    items = check.sequence(value, key)
    if not items:
        if items is not None:
            check.error(key, "expected at least one seed")
        return None
    seeds = [check.number(s, join_key(key, i), minimum=0, integer=True) for i, s in enumerate(items)]
    if len(set(seeds)) != len(seeds):
        check.error(key, "seeds must be distinct")
    return None if None in seeds else tuple(int(s) for s in seeds)  # type: ignore[arg-type]


def _cim_value(check: Checker, name: str, value: Any, key: str) -> Any:
    """One value of a ``cim`` setting, checked as ``hwcost.accuracy.CimSettings`` checks it."""
    from hwcost.accuracy import AdcRange, NoiseTarget

    if name in ("adc_range", "noise_on"):
        enum = AdcRange if name == "adc_range" else NoiseTarget
        chosen = check.choice(value, key, [m.value for m in enum])
        return None if chosen is None else enum(chosen)
    if name == "two_stage":
        return check.boolean(value, key)
    if name == "noise_sigma":
        return check.number(value, key, minimum=0.0, maximum=1.0)
    if name == "stage2_lr":
        return check.number(value, key, minimum=0.0, exclusive_minimum=True, maximum=10.0)
    return check.number(value, key, minimum=1, maximum=1000, integer=True)  # stage2_epochs, eval_trials


def _cim_axis(check: Checker, name: str, value: Any, key: str) -> tuple[Any, ...] | None:
    """A swept setting: one value, or a non-empty list of distinct values (kept in order)."""
    items = value if isinstance(value, list) else [value]
    if not items:
        check.error(key, "expected a value or a non-empty list of values")
        return None
    values = [_cim_value(check, name, v, join_key(key, i) if isinstance(value, list) else key) for i, v in enumerate(items)]
    if None in values:
        return None
    if len(set(values)) != len(values):
        check.error(key, "values must be distinct")
        return None
    return tuple(values)


def _macro_keys(check: Checker, m: Mapping[str, Any], key: str) -> list[str]:
    """The keys of the cim_macro template (rows, adc_bits, ...) written under
    ``accuracy.measured.cim``, each refused naming where it belongs: the study's arch, from which
    every CIM run takes its macro (``CimSettings.from_arch``), so that cost and accuracy describe
    the same macro."""
    from dataclasses import fields

    from hwcost.arch.cim_macro.config import CimMacroConfig

    macro = {f.name for f in fields(CimMacroConfig)} - set(_CIM_AXES + _CIM_SCALARS)
    misplaced = [str(name) for name in m if name in macro]
    for name in misplaced:
        check.error(join_key(key, name), f"'{name}' is a key of the cim_macro arch, not of {key}: set it on the "
                    f"study's cim_macro entry under 'archs' (or in its arch file), where it is priced; every CIM "
                    f"run measures the macro of its arch (a list there sweeps it for cost and accuracy alike)")
    return misplaced


def _cim(check: Checker, value: Any, key: str) -> CimAxes | None:
    """``accuracy.measured.cim``: the accuracy-only settings of CIM points (docs/studies.md)."""
    m = check.mapping(value, key)
    if m is None:
        return None
    misplaced = _macro_keys(check, m, key)  # refused apart, then the others checked as usual
    rest = {k: v for k, v in m.items() if k not in misplaced}
    if not check.keys(rest, key, optional=_CIM_AXES + _CIM_SCALARS) or misplaced:
        return None
    given: dict[str, Any] = {}
    for name in _CIM_AXES:
        if name in m:
            given[name] = _cim_axis(check, name, m[name], join_key(key, name))
    for name in _CIM_SCALARS:
        if name in m:
            given[name] = _cim_value(check, name, m[name], join_key(key, name))
    return None if None in given.values() else CimAxes(**given)


def _measured(check: Checker, value: Any, key: str, folder: Path) -> MeasuredSettings | None:
    from hwcost.accuracy import AccuracySettings
    from hwcost.accuracy.settings import Backend

    m = check.mapping(value, key)
    if m is None or not check.keys(m, key, required=_MEASURED_REQUIRED, optional=_MEASURED_OPTIONAL):
        return None
    data_dir = None
    if "data_dir" in m:
        text = check.string(m["data_dir"], f"{key}.data_dir")
        data_dir = None if text is None else str(_file(folder, str(Path(text).expanduser())).resolve())
        if data_dir is not None and not Path(data_dir).is_dir():
            check.error(f"{key}.data_dir", f"expected an existing folder, got '{text}'")
            data_dir = None
    dataset = _dataset(check, m["dataset"], f"{key}.dataset", folder, data_dir)
    seeds = _seeds(check, m["seeds"], f"{key}.seeds")
    cim = _cim(check, m["cim"], f"{key}.cim") if "cim" in m else CimAxes()
    given = {k: m[k] for k in ("model", "epochs", "fp_epochs") + _MEASURED_OPTIONAL if k in m and k not in ("cim", "data_dir")}
    if "integer" in given and check.boolean(given["integer"], f"{key}.integer") is None:
        return None
    settings = AccuracySettings(**given)  # the accuracy side's own defaults fill the optional keys
    for p in settings.problems():
        check.error(f"{key}.{p.key}", p.message)
    if dataset is None or seeds is None or cim is None or settings.problems():
        return None
    return MeasuredSettings(
        AccuracyModel(settings.model), dataset[0], settings.epochs, settings.fp_epochs, seeds,
        settings.batch_size, float(settings.lr), float(settings.qat_lr), settings.integer, dataset[1], cim,
        Backend(settings.backend), data_dir, settings.train_size, settings.test_size,
    )


def _accuracy(check: Checker, data: Mapping[str, Any], folder: Path) -> AccuracySpec | None:
    a = check.mapping(data.get("accuracy"), "accuracy")
    if a is None or not check.keys(a, "accuracy", required=["source"], optional=["measured", "table"]):
        return None
    # 'none' is not written: a cost-only study leaves the section out
    name = check.choice(a["source"], "accuracy.source", [s.value for s in AccuracySource if s is not AccuracySource.NONE])
    if name is None:
        return None
    source = AccuracySource(name)
    for needed, part in ((source.measured, "measured"), (source.table, "table")):
        if needed and part not in a:
            check.error("accuracy", f"source '{name}' needs '{part}'")
        if not needed and part in a:
            check.error(f"accuracy.{part}", f"'{part}' is unused with source '{name}'")
    measured = _measured(check, a["measured"], "accuracy.measured", folder) if source.measured and "measured" in a else None
    table = None
    if source.table and "table" in a:
        text = check.string(a["table"], "accuracy.table")
        if text == LITERATURE:
            table = _gather(check, "accuracy.table", lambda: load_accuracy_table(literature_path(), LITERATURE))
        elif text is not None:
            table = _gather(check, "accuracy.table", lambda: load_accuracy_table(_file(folder, text), text))
    return AccuracySpec(source, measured, table)


def _objective_columns(accuracy: AccuracySpec) -> list[str]:
    measured = [MEASURED_COLUMN] + [INTEGER_COLUMN] * bool(accuracy.measured and accuracy.measured.integer)
    return measured * accuracy.source.measured + [TABLE_COLUMN] * accuracy.source.table + list(COST_OBJECTIVES)


def _figures(check: Checker, data: Mapping[str, Any], accuracy: AccuracySpec | None, archs: tuple[Any, ...]) -> tuple[FigureSpec, ...]:
    """The file's figures; with cim_macro points they may also select on (and group by) the
    ADC bits and, when accuracy is measured, the CIM accuracy settings."""
    if accuracy is None:
        return ()
    objectives = _objective_columns(accuracy)
    values = list(objectives)
    cim = any(a.analog_macro is not None for a in archs)
    if accuracy.source.measured:
        values += ["fp_accuracy_measured_pct"] + [DIGITAL_COLUMN] * cim
    selectable = SELECTABLE + (("adc_bits",) + CIM_COLUMNS * bool(accuracy.source.measured)) * cim
    return parse_figures(check, data["figures"], "figures", values, objectives, selectable)


_ACCURACY_COLUMNS = (MEASURED_COLUMN, INTEGER_COLUMN, TABLE_COLUMN)


def _objectives(check: Checker, data: Mapping[str, Any], accuracy: AccuracySpec | None) -> tuple[Objective, ...]:
    columns = list(COST_OBJECTIVES)
    if accuracy is not None:
        columns = _objective_columns(accuracy)
    out = []
    for key, item in _items(check, data, "objectives"):
        entry = check.mapping(item, key)
        if entry is None or not check.keys(entry, key, optional=[s.value for s in Sense]):
            continue
        if len(entry) != 1:
            check.error(key, "expected one of 'maximise: COLUMN' or 'minimise: COLUMN'")
            continue
        ((sense, column),) = entry.items()
        if accuracy is not None and accuracy.source is AccuracySource.NONE and column in _ACCURACY_COLUMNS:
            check.error(join_key(key, sense), f"objective '{column}' needs an accuracy, and the study has no 'accuracy' "
                        f"section: add one (source: measured, table or both), or use cost objectives only "
                        f"({', '.join(COST_OBJECTIVES)})")
            continue
        column = check.choice(column, join_key(key, sense), columns) if accuracy is not None else None
        if column is not None:
            out.append(Objective(column, Sense(sense)))
    if len(out) < 2 and not check.problems:
        check.error("objectives", "a Pareto front needs at least two objectives")
    _unique(check, "objectives", [o.column for o in out], "objectives")
    return tuple(out)


def _uncertainty(check: Checker, value: Any) -> UncertaintySpec | None:
    """``uncertainty: {samples: N, seed: S}`` (each optional: 1,000 samples, seed 0; ``{}`` takes
    both defaults): bands and Pareto shares over the technology's spreads."""
    from hwcost.uncertainty import MAX_SAMPLES

    entry = check.mapping(value, "uncertainty")
    if entry is None or not check.keys(entry, "uncertainty", optional=("samples", "seed")):
        return None
    default = UncertaintySpec()
    samples = check.number(entry.get("samples", default.samples), "uncertainty.samples", minimum=1, maximum=MAX_SAMPLES,
                           integer=True)
    seed = check.number(entry.get("seed", default.seed), "uncertainty.seed", minimum=0, integer=True)
    return None if samples is None or seed is None else UncertaintySpec(int(samples), int(seed))


def load_study(path: str | Path) -> StudySpec:
    """Read, check and resolve a study file (loads its schemes, archs, nodes, workloads, table)."""
    doc = read_yaml(path)
    check = Checker.for_document(doc)
    data = check.mapping(doc.data, "")
    if data is None:
        check.raise_if_any()
    check.keys(data, "", required=REQUIRED, optional=OPTIONAL)
    folder = Path(doc.file).parent
    name = check.string(data.get("name"), "name") if "name" in data else None
    description = check.string(data["description"], "description") if "description" in data else ""
    accuracy = _accuracy(check, data, folder) if "accuracy" in data else COST_ONLY
    archs = _archs(check, data, folder) if "archs" in data else ()
    spec = dict(
        schemes=_schemes(check, data, folder) if "schemes" in data else (),
        bit_pairs=_bit_pairs(check, data),
        zero_points=_realisations(check, data, "zero_point", ZeroPointRealisation),
        scale_ats=_realisations(check, data, "scale_at", ScaleRealisation),
        archs=archs,
        nodes=_loaded(check, data, "nodes", folder, list_techlibs(), load_techlib) if "nodes" in data else (),
        workloads=_loaded(check, data, "workloads", folder, list_workloads(), load_workload) if "workloads" in data else (),
        objectives=_objectives(check, data, accuracy) if "objectives" in data else (),
        figures=_figures(check, data, accuracy, archs) if "figures" in data else (),
        precisions=parse_precision_maps(check, data),
        uncertainty=_uncertainty(check, data["uncertainty"]) if "uncertainty" in data else None,
    )
    if "precision" in data and accuracy is not COST_ONLY:
        check.error("precision", "per-layer precision maps are priced, not trained: the accuracy side measures and "
                                 "looks up uniform precision; drop 'accuracy' (a cost-only study) or the maps")
    _cim_needs_a_macro(check, data, archs)
    check.raise_if_any()
    return StudySpec(name=str(name), description=str(description), file=doc.file, accuracy=accuracy, **spec)  # type: ignore[arg-type]


def _cim_needs_a_macro(check: Checker, data: Mapping[str, Any], archs: tuple[Any, ...]) -> None:
    """``accuracy.measured.cim`` applies to cim_macro points only: without one it is unused."""
    accuracy = data.get("accuracy")
    measured = accuracy.get("measured") if isinstance(accuracy, Mapping) else None
    if isinstance(measured, Mapping) and "cim" in measured and archs and not any(a.analog_macro is not None for a in archs):
        check.error("accuracy.measured.cim", "'cim' is unused: no architecture of the study is a cim_macro")
