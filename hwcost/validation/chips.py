"""Validation files: published chips, each with its citation, its design as the paper states it
and its published figures.

```yaml
chips:
  - name: Example-16x16
    source: "A. Author et al., ISSCC 2020, paper 15.3, Table I"
    class: digital                 # digital | cim-analog | cim-digital
    design:                        # a design point's keys, as the paper states them
      template: mac_array          # and that template's arch keys
      pe_rows: 16
      node: 28nm                   # a shipped node, or any node the scaler makes
      vdd_v: 0.8                   # optional: the library scaled to this supply
      flavour: LP                  # optional: HP (default) or LP transistor fits
      scheme: lsq
      weight_bits: 8
      act_bits: 8
      workload: peak               # peak, a network name, or a workload file
    published:
      tops_per_w: 1.23
      scope: core                  # array | core | system
      condition: peak              # peak | workload
      tops_per_mm2: 0.45           # optional
    notes: "what was approximated, and why"
```

Every problem names the file, the line, the chip and the key; the design's arch keys are
checked by the template as in an arch file.
"""

from __future__ import annotations

from collections.abc import Mapping
import re
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path
from typing import Any

from hwcost._config import Checker, read_yaml
from hwcost.arch import registry
from hwcost.errors import Problem
from hwcost.report import Condition, Scope

__all__ = ["SHIPPED_SET", "ChipClass", "Published", "Design", "Chip", "load_chips"]

SHIPPED_SET = Path(__file__).resolve().parents[1] / "data" / "validation" / "silicon.yaml"


class ChipClass(Enum):
    DIGITAL = "digital"
    CIM_ANALOG = "cim-analog"
    CIM_DIGITAL = "cim-digital"


@dataclass(frozen=True)
class Published:
    """What the paper reports, at which scope and under which condition."""

    tops_per_w: float
    scope: Scope
    condition: Condition
    tops_per_mm2: float | None = None


@dataclass(frozen=True)
class Design:
    """The design point the paper describes: the template's arch keys and the point's own."""

    arch: Mapping[str, Any]  # template and its keys, as in an arch file
    node: str
    vdd_v: float | None
    flavour: str | None
    scheme: str
    weight_bits: int
    act_bits: int
    workload: str  # "peak", a network name or a workload file


@dataclass(frozen=True)
class Chip:
    name: str
    source: str
    chip_class: ChipClass
    design: Design
    published: Published
    notes: str = ""


_POINT_KEYS = ("node", "vdd_v", "flavour", "scheme", "weight_bits", "act_bits", "workload")
_MAX_BITS = 32


def _published(check: Checker, data: Any, key: str) -> Published | None:
    p = check.mapping(data, key)
    if p is None or not check.keys(p, key, required=["tops_per_w", "scope", "condition"],
                                   optional=["tops_per_mm2", "vdd_v", "bits"]):
        return None
    tops = check.number(p["tops_per_w"], f"{key}.tops_per_w", minimum=0, exclusive_minimum=True)
    scope = check.choice(p["scope"], f"{key}.scope", [s.value for s in Scope])
    condition = check.choice(p["condition"], f"{key}.condition", [c.value for c in Condition])
    area = None
    if "tops_per_mm2" in p:
        area = check.number(p["tops_per_mm2"], f"{key}.tops_per_mm2", minimum=0, exclusive_minimum=True)
    if "vdd_v" in p:
        check.number(p["vdd_v"], f"{key}.vdd_v", minimum=0, exclusive_minimum=True)
    if "bits" in p:
        check.string(p["bits"], f"{key}.bits")
    if tops is None or scope is None or condition is None or ("tops_per_mm2" in p and area is None):
        return None
    return Published(tops, Scope(scope), Condition(condition), area)


def _design(check: Checker, data: Any, key: str) -> Design | None:
    d = check.mapping(data, key)
    if d is None:
        return None
    point = {k: d[k] for k in _POINT_KEYS if k in d}
    arch = {k: v for k, v in d.items() if k not in _POINT_KEYS}
    before = len(check.problems)
    for name in ("node", "scheme", "workload"):
        if name not in d:
            check.error(key, f"missing required key '{name}'")
    if "template" not in d:
        check.error(key, "missing required key 'template'")
    else:
        sub = Checker(check.file, {k.removeprefix(f"{key}."): v for k, v in check.lines.items() if k.startswith(f"{key}.")})
        registry.arch_from_mapping(arch | {"template": d["template"]}, sub)
        for problem in sub.problems:
            check.error(f"{key}.{problem.key}" if problem.key else key, problem.message)
    bits = {b: check.number(d.get(b), f"{key}.{b}", minimum=1, maximum=_MAX_BITS, integer=True)
            for b in ("weight_bits", "act_bits")}
    vdd = check.number(point["vdd_v"], f"{key}.vdd_v", minimum=0, exclusive_minimum=True) if "vdd_v" in point else None
    flavour = check.choice(point["flavour"], f"{key}.flavour", ["HP", "LP"]) if "flavour" in point else None
    strings = {s: check.string(point.get(s), f"{key}.{s}") for s in ("node", "scheme", "workload") if s in point}
    if len(check.problems) > before:
        return None
    return Design(arch, strings["node"], vdd, flavour, strings["scheme"], int(bits["weight_bits"]),  # type: ignore[arg-type]
                  int(bits["act_bits"]), strings["workload"])


def _chip(check: Checker, data: Any, key: str) -> Chip | None:
    c = check.mapping(data, key)
    if c is None or not check.keys(c, key, required=["name", "source", "class", "design", "published"], optional=["notes"]):
        return None
    name = check.string(c["name"], f"{key}.name")
    source = check.string(c["source"], f"{key}.source")
    chip_class = check.choice(c["class"], f"{key}.class", [k.value for k in ChipClass])
    design = _design(check, c["design"], f"{key}.design")
    published = _published(check, c["published"], f"{key}.published")
    notes = check.string(c["notes"], f"{key}.notes") if "notes" in c else ""
    if design is not None and published is not None:
        peak = design.workload == "peak"
        if peak != (published.condition is Condition.PEAK):
            check.error(f"{key}.design.workload", f"published.condition is {published.condition.value}: expected "
                        + ("'peak'" if published.condition is Condition.PEAK else "a network, not 'peak'"))
            return None
    if None in (name, source, chip_class, design, published, notes):
        return None
    return Chip(name, source, ChipClass(chip_class), design, published, notes)  # type: ignore[arg-type]


def load_chips(path: str | Path = SHIPPED_SET) -> tuple[Chip, ...]:
    """The chips of a validation file; every problem is reported at once (one HwcostError)."""
    doc = read_yaml(path)
    check = Checker.for_document(doc)
    chips: list[Chip | None] = []
    top = check.mapping(doc.data, "")
    if top is not None and check.keys(top, "", required=["chips"]):
        entries = check.sequence(top["chips"], "chips") or []
        chips = [_chip(check, entry, f"chips[{i}]") for i, entry in enumerate(entries)]
        names = [c.name for c in chips if c is not None]
        for i, chip in enumerate(chips):
            if chip is not None and names.count(chip.name) > 1:
                check.error(f"chips[{i}].name", f"chip name '{chip.name}' is used more than once")
        if not entries:
            check.error("chips", "expected at least one chip")
        check.problems[:] = [_named(p, entries) for p in check.problems]
    check.raise_if_any()
    return tuple(c for c in chips if c is not None)


def _named(problem: Problem, entries: list[Any]) -> Problem:
    """The problem with the name of its chip in front of its message."""
    match = re.match(r"chips\[(\d+)\]", problem.key or "")
    if match is None:
        return problem
    entry = entries[int(match.group(1))]
    name = entry.get("name") if isinstance(entry, Mapping) else None
    return replace(problem, message=f"chip '{name}': {problem.message}") if isinstance(name, str) else problem
