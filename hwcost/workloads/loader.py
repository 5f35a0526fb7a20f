"""Loading workload files: built-in networks by name, or a user's YAML file by path.

``load_workload("resnet18")`` reads ``hwcost/workloads/data/resnet18.yaml``;
``load_workload("my_net.yaml")`` reads a user file. Both go through the same validation: every
problem (unknown keys with the valid list, wrong types, non-positive sizes, channels not divisible
by groups, a kernel larger than its padded input) is collected with its file, line and key path,
and raised together as one :class:`~hwcost.errors.HwcostError`. The format is in
``docs/workloads.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from hwcost._config import Checker, YamlDocument, join_key, read_text, read_yaml
from hwcost._yaml import parse_yaml
from hwcost.errors import HwcostError
from hwcost.workloads.layer import (
    COMPUTE_KINDS,
    MAX_CHANNELS,
    MAX_LAYER_COUNT,
    MAX_SPATIAL,
    MAX_TOTAL_MACS,
    Layer,
    LayerKind,
    LayerPrecision,
    Pair,
    PoolOp,
    Workload,
    shape_problems,
)

__all__ = ["load_workload", "list_workloads", "parse_workload", "MAX_CHANNELS", "MAX_SPATIAL", "MAX_LAYER_COUNT",
           "MAX_TOTAL_MACS"]


_TOP_REQUIRED = ("name", "dataset", "input", "source", "layers")
_TOP_OPTIONAL = ("notes",)
# A compute layer's own precision (docs/workloads.md): its bits and the scheme they apply to.
_PRECISION_KEYS = ("weight_bits", "act_bits", "scheme")
_CONV_KEYS = (
    ("name", "kind", "in", "out", "kernel", "in_hw"),
    ("stride", "padding", "groups", "first", "last", *_PRECISION_KEYS),
)
# (required, optional) keys per layer kind; stride defaults to 1, padding to 0, groups to 1
# (depthwise: groups = in). Pooling has no stride default, since frameworks disagree
# (PyTorch: stride = kernel).
_LAYER_KEYS: dict[LayerKind, tuple[tuple[str, ...], tuple[str, ...]]] = {
    LayerKind.CONV: _CONV_KEYS,
    LayerKind.DEPTHWISE: _CONV_KEYS,
    LayerKind.FC: (("name", "kind", "in", "out"), ("first", "last", *_PRECISION_KEYS)),
    LayerKind.ADD: (("name", "kind", "channels", "in_hw"), ()),
    LayerKind.POOL: (("name", "kind", "op", "channels", "kernel", "stride", "in_hw"), ("padding",)),
}


@dataclass(frozen=True)
class _ParsedLayer:
    """A checked layer entry before first/last marking: the Layer fields and explicit flags."""

    fields: dict[str, Any]
    first: bool | None
    last: bool | None


def _data_dir() -> Path:
    return Path(str(resources.files("hwcost.workloads") / "data"))


def _normalise(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "")


def list_workloads() -> tuple[str, ...]:
    """Names of the built-in workloads, e.g. ``('mobilenetv2', 'resnet18', ...)``."""
    return tuple(sorted(path.stem for path in _data_dir().glob("*.yaml")))


def load_workload(name_or_path: str | Path) -> Workload:
    """A built-in workload by name (``resnet18``, ``ResNet-18``), a user YAML file by path, or the
    layer shapes of a model file (``.onnx``: :func:`hwcost.import_model`)."""
    if str(name_or_path).lower().endswith(".onnx"):
        from hwcost.workloads.imports import import_model

        return import_model(name_or_path)
    if not isinstance(name_or_path, Path):
        builtin = {_normalise(name): name for name in list_workloads()}
        key = _normalise(str(name_or_path))
        if key in builtin:
            return _load_builtin(builtin[key])
        text = str(name_or_path)
        if not text.strip() or not (text.endswith((".yaml", ".yml")) or "/" in text or Path(text).exists()):
            choices = ", ".join(list_workloads())
            raise HwcostError.single(
                f"unknown workload '{text}'; built-in workloads: {choices}; "
                "or pass the path of a workload .yaml file (or of an .onnx model)",
                key="workload",
            )
    return _parse_file(str(name_or_path), read_text(name_or_path))


@lru_cache(maxsize=32)
def _parse_file(file: str, text: str) -> Workload:
    """The workload of a file's text (what :func:`read_yaml` and :func:`parse_workload` make of
    it), kept for the last files read: a script that prices a workload file at several design
    points reads it each time, and its text decides the workload (the file's name goes in its
    problems and its ``file``). A text that fails is not kept: its problems are raised again."""
    parsed = parse_yaml(text, file)
    return parse_workload(YamlDocument(data=parsed.data, file=file, lines=parsed.lines))


@lru_cache(maxsize=None)
def _load_builtin(name: str) -> Workload:
    return parse_workload(read_yaml(_data_dir() / f"{name}.yaml"))


def parse_workload(doc: YamlDocument) -> Workload:
    """Validate a parsed workload document, then build the :class:`Workload` (all problems
    at once)."""
    check = Checker.for_document(doc)
    top = check.mapping(doc.data, "")
    if top is None:
        check.raise_if_any()
    check.keys(top, "", _TOP_REQUIRED, _TOP_OPTIONAL)
    name = check.string(top.get("name"), "name") if "name" in top else None
    dataset = check.string(top.get("dataset"), "dataset") if "dataset" in top else None
    source = check.string(top.get("source"), "source") if "source" in top else None
    notes = check.string(top["notes"], "notes") if "notes" in top else ""
    input_shape = _parse_input(check, top["input"]) if "input" in top else None
    raw_layers = check.sequence(top["layers"], "layers") if "layers" in top else None
    parsed = [
        _parse_layer(check, raw, join_key("layers", i)) for i, raw in enumerate(raw_layers or [])
    ]
    if raw_layers is not None and not raw_layers:
        check.error("layers", "expected at least one layer")
    if input_shape is not None and parsed and parsed[0] is not None:
        _check_first_input(check, input_shape, parsed[0].fields)
    _check_unique_names(check, parsed)
    check.raise_if_any()
    total_macs = sum(Layer(**p.fields).macs for p in parsed if p is not None)
    if total_macs > MAX_TOTAL_MACS:
        check.error("layers", f"the layers add up to {total_macs:.3g} MACs; the limit is 2^53 = "
                              f"{MAX_TOTAL_MACS:.3g} per network (so that counts stay exact)")
        check.raise_if_any()
    layers = _mark_first_last([p for p in parsed if p is not None])
    return Workload(name, dataset, input_shape, source, layers, notes or "", doc.file)


def _parse_input(check: Checker, value: Any) -> tuple[int, int, int] | None:
    mapping = check.mapping(value, "input")
    if mapping is None or not check.keys(mapping, "input", ("channels", "in_hw")):
        return None
    channels = check.number(mapping["channels"], "input.channels", minimum=1, maximum=MAX_CHANNELS, integer=True)
    hw = _pair(check, mapping["in_hw"], "input.in_hw", minimum=1)
    if channels is None or hw is None:
        return None
    return (channels, hw[0], hw[1])


def _pair(check: Checker, value: Any, key: str, minimum: int) -> Pair | None:
    """An integer in minimum..MAX_SPATIAL, or a list [height, width] of them."""
    if isinstance(value, list):
        if len(value) != 2:
            got = f"got {len(value)} items"
            check.error(key, f"expected an integer or a list [height, width], {got}")
            return None
        items = [
            check.number(v, join_key(key, i), minimum=minimum, maximum=MAX_SPATIAL, integer=True)
            for i, v in enumerate(value)
        ]
        return None if None in items else (items[0], items[1])
    number = check.number(value, key, minimum=minimum, maximum=MAX_SPATIAL, integer=True)
    return None if number is None else (number, number)


def _parse_layer(check: Checker, raw: Any, key: str) -> _ParsedLayer | None:
    entry = check.mapping(raw, key)
    if entry is None:
        return None
    kinds = [kind.value for kind in LayerKind]
    kind_name = None
    if "kind" in entry:
        kind_name = check.choice(entry["kind"], join_key(key, "kind"), kinds)
    if kind_name is None:
        every_key = {k for required, optional in _LAYER_KEYS.values() for k in required + optional}
        check.keys(entry, key, ("name", "kind"), sorted(every_key))
        return None
    kind = LayerKind(kind_name)
    if not check.keys(entry, key, *_LAYER_KEYS[kind]):
        return None
    before = len(check.problems)
    fields = _layer_fields(check, entry, key, kind)
    flags = {
        flag: check.boolean(entry[flag], join_key(key, flag)) if flag in entry else None
        for flag in ("first", "last")
    }
    if len(check.problems) > before:
        return None
    for field_key, message in shape_problems(
        kind, fields["in_channels"], fields["out_channels"], fields["groups"],
        fields["kernel_hw"], fields["padding_hw"], fields["input_hw"],
    ):  # fmt: skip
        where = join_key(key, field_key) if field_key in entry else key
        check.error(where, f"layer '{fields['name']}': {message}")
    if len(check.problems) > before:
        return None
    _check_counts(check, Layer(**fields), key)
    return _ParsedLayer(fields, flags["first"], flags["last"])


def _check_counts(check: Checker, layer: Layer, key: str) -> None:
    """Every count of one layer within :data:`MAX_LAYER_COUNT`."""
    counts = {"MACs": layer.macs, "weights": layer.weights, "input elements": layer.input_elements,
              "output elements": layer.output_elements}
    for what, count in counts.items():
        if count > MAX_LAYER_COUNT:
            check.error(key, f"layer '{layer.name}' has {count:.3g} {what}; the limit is 2^48 = "
                             f"{MAX_LAYER_COUNT:.3g} per layer (so that counts stay exact)")


def _layer_fields(
    check: Checker, entry: dict[str, Any], key: str, kind: LayerKind
) -> dict[str, Any]:
    """The Layer constructor arguments of one checked entry (None where a problem was recorded)."""

    def count(name: str) -> int | None:
        return check.number(entry[name], join_key(key, name), minimum=1, maximum=MAX_CHANNELS, integer=True)

    def pair(name: str, default: int, minimum: int) -> Pair | None:
        if name not in entry:
            return (default, default)
        return _pair(check, entry[name], join_key(key, name), minimum)

    name = check.string(entry["name"], join_key(key, "name"))
    fields: dict[str, Any] = {"name": name, "kind": kind}
    if kind in (LayerKind.ADD, LayerKind.POOL):
        fields["in_channels"] = fields["out_channels"] = count("channels")
    else:
        fields["in_channels"], fields["out_channels"] = count("in"), count("out")
    fields["input_hw"] = pair("in_hw", 1, minimum=1)
    fields["kernel_hw"] = pair("kernel", 1, minimum=1)
    fields["stride_hw"] = pair("stride", 1, minimum=1)
    fields["padding_hw"] = pair("padding", 0, minimum=0)
    groups_default = fields["in_channels"] if kind is LayerKind.DEPTHWISE else 1
    fields["groups"] = count("groups") if "groups" in entry else groups_default
    if kind is LayerKind.POOL:
        op = check.choice(entry["op"], join_key(key, "op"), [op.value for op in PoolOp])
        fields["pool_op"] = None if op is None else PoolOp(op)
    if any(k in entry for k in _PRECISION_KEYS):
        fields["precision"] = _precision(check, entry, key)
    return fields


def _precision(check: Checker, entry: dict[str, Any], key: str) -> LayerPrecision | None:
    """A layer's own ``weight_bits`` / ``act_bits`` (MIN_BITS..MAX_BITS of a scheme) and
    ``scheme`` (a preset name)."""
    from hwcost.schemes.presets import PRESET_NAMES
    from hwcost.schemes.scheme import MAX_BITS, MIN_BITS

    bits = {k: check.number(entry[k], join_key(key, k), minimum=MIN_BITS, maximum=MAX_BITS, integer=True)
            if k in entry else None for k in ("weight_bits", "act_bits")}
    scheme = check.choice(entry["scheme"], join_key(key, "scheme"), PRESET_NAMES) if "scheme" in entry else None
    precision = LayerPrecision(bits["weight_bits"], bits["act_bits"], scheme)
    if scheme is not None:  # the preset at these bits must be a valid scheme (e.g. asymmetric needs 2+ bits)
        from hwcost.schemes import get_scheme

        try:
            precision.resolve(get_scheme(scheme))
        except HwcostError as err:
            for p in err.problems:
                check.error(join_key(key, "scheme"), f"{scheme} at these bits: {p.message}")
    return precision


def _check_first_input(
    check: Checker, input_shape: tuple[int, int, int], fields: dict[str, Any]
) -> None:
    """The first layer must read the network input (an fc reads it flattened)."""
    channels, height, width = input_shape
    if fields["kind"] is LayerKind.FC:
        if fields["in_channels"] != channels * height * width:
            features = channels * height * width
            check.error("layers[0].in", f"the first fc layer reads the {features} input features")
        return
    if fields["in_channels"] != channels:
        got = fields["in_channels"]
        message = f"the first layer reads the input's {channels} channels, got {got}"
        check.error("layers[0]", message)
    if fields["input_hw"] != (height, width):
        got = "x".join(map(str, fields["input_hw"]))
        message = f"the first layer reads the {height}x{width} input, got {got}"
        check.error("layers[0].in_hw", message)


def _check_unique_names(check: Checker, parsed: list[_ParsedLayer | None]) -> None:
    seen: set[str] = set()
    for i, layer in enumerate(parsed):
        if layer is None:
            continue
        name = layer.fields["name"]
        if name in seen:
            check.error(join_key(join_key("layers", i), "name"), f"duplicate layer name '{name}'")
        seen.add(name)


def _mark_first_last(parsed: list[_ParsedLayer]) -> tuple[Layer, ...]:
    """Explicit ``first: true`` / ``last: true`` win; without any, the first/last compute layer."""
    compute = [i for i, p in enumerate(parsed) if p.fields["kind"] in COMPUTE_KINDS]
    explicit_first = any(p.first for p in parsed)
    explicit_last = any(p.last for p in parsed)
    layers = []
    for i, p in enumerate(parsed):
        is_first = bool(p.first) if explicit_first else bool(compute) and i == compute[0]
        is_last = bool(p.last) if explicit_last else bool(compute) and i == compute[-1]
        layers.append(Layer(**p.fields, is_first=is_first, is_last=is_last))
    return tuple(layers)
