"""How sure a component's numbers are: a multiplicative log-normal spread with its source.

A :class:`Spread` says that the true energy per action (area, leakage) of a component is its
library value times a factor ``exp(sigma * z)``, z a standard normal: the library value is the
median, and ``sigma`` is the standard deviation of the natural log of the factor. Each sigma is
*measured* from the sources behind the number -- a fit's log residuals (the column-readout law
against its published readouts), a table's leave-one-out residuals (the SRAM's CACTI 7 table
between its rows), or the disagreement of
two sources on the same unit (``|ln(a / b)| / sqrt(2)`` for a pair, the standard deviation of one
estimate when both are equally credible) -- and names that source.

A library component may carry its own ``spread:`` block (``docs/techlib.md``, "Spreads"); a
component without one takes the entry of the same name in the shipped spreads file,
``hwcost/data/uncertainty/spreads.yaml`` (:func:`default_spreads`), whose numbers hold for the
45 nm library. A library at another node adds, for each component a scaling rule produced, the
rule's node-scaling sigmas (:func:`default_node_scaling`, measured on the CACTI 7 sweeps against
the Stillmaker-Baas factors) in quadrature. The uncertainty module (:mod:`hwcost.uncertainty`)
propagates them.

>>> s = Spread(energy_sigma=0.2, area_sigma=0.1, leakage_sigma=0.0, source="a fit's residuals")
>>> round(s.energy_sigma, 2)
0.2
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from hwcost._config import Checker, join_key, read_yaml

__all__ = ["Spread", "MAX_SIGMA", "SPREAD_KEYS", "SPREADS_FILE", "parse_spread", "spread_to_dict", "default_spreads",
           "NodeScaling", "NODE_SCALING_RULES", "default_node_scaling", "load_node_scaling", "scaling_rule_of"]

SPREADS_FILE = Path(__file__).resolve().parents[1] / "data" / "uncertainty" / "spreads.yaml"
# A sigma above 3 is a factor of 20 at one standard deviation: the number is then unknown rather than
# uncertain, and a band so wide says nothing [A: a stated bound, not a measurement].
MAX_SIGMA = 3.0
SPREAD_KEYS = ("energy_sigma", "area_sigma", "leakage_sigma")
# The rules of ``hwcost techlib scale`` (hwcost.techlib.scaling.ScalingRule values; a test keeps the
# two equal): the node-scaling spread names one entry per rule and flavour.
NODE_SCALING_RULES = ("logic", "sram-cacti", "sram-cacti-law", "adc-survey", "cim-cell", "unchanged", "wire")
FLAVOURS = ("HP", "LP")


@dataclass(frozen=True)
class Spread:
    """Log-normal sigmas of the multiplicative factor on a component's energy per action (every
    action), its area and its leakage; ``source`` says where each was measured."""

    energy_sigma: float
    area_sigma: float
    leakage_sigma: float
    source: str
    note: str | None = None


def parse_spread(ck: Checker, value: Any, key: str) -> Spread | None:
    """A ``spread:`` block: the three sigmas (finite, 0 <= sigma <= MAX_SIGMA) and a source;
    every problem recorded in ``ck`` at ``key``."""
    block = ck.mapping(value, key)
    if block is None or not ck.keys(block, key, required=[*SPREAD_KEYS, "source"], optional=["note"]):
        return None
    sigmas = [ck.number(block[name], join_key(key, name), minimum=0.0, maximum=MAX_SIGMA) for name in SPREAD_KEYS]
    source = ck.string(block["source"], join_key(key, "source"))
    note = ck.string(block["note"], join_key(key, "note")) if "note" in block else None
    if None in sigmas or source is None or "note" in block and note is None:
        return None
    return Spread(*(float(s) for s in sigmas), source, note)  # type: ignore[arg-type]


def spread_to_dict(spread: Spread) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(spread, name) for name in SPREAD_KEYS}
    out["source"] = spread.source
    if spread.note is not None:
        out["note"] = spread.note
    return out


@lru_cache(maxsize=1)
def default_spreads() -> Mapping[str, Spread]:
    """The shipped spreads, by component name (checked like a library: file, line, key)."""
    return load_spreads(SPREADS_FILE)


def load_spreads(path: Path) -> dict[str, Spread]:
    """A spreads file: ``source`` (the file's), ``spreads: {component: <spread block>}``."""
    doc = read_yaml(path)
    ck = Checker(doc.file, doc.lines)
    top = ck.mapping(doc.data, "")
    out: dict[str, Spread] = {}
    if top is not None and ck.keys(top, "", required=["source", "spreads"], optional=["note", "node_scaling"]):
        ck.string(top["source"], "source")
        spreads = ck.mapping(top["spreads"], "spreads")
        for name, block in (spreads or {}).items():
            spread = parse_spread(ck, block, join_key("spreads", str(name)))
            if spread is not None:
                out[str(name)] = spread
    ck.raise_if_any()
    return out


@dataclass(frozen=True)
class NodeScaling:
    """The spread a node-scaling rule adds to the components it produced (docs/uncertainty.md,
    "Node scaling"): for each rule and target flavour, log-normal sigmas of the factor between the
    true change of a component's energy (area, leakage) from ``node_nm`` to another node and the
    rule's. The component spreads hold at ``node_nm``; a library at another node adds these in
    quadrature (:func:`hwcost.uncertainty.row_sigmas`)."""

    node_nm: float
    source: str
    rules: Mapping[tuple[str, str], Spread]  # (rule, flavour) -> sigmas

    def of(self, rule: str, flavour: str) -> Spread:
        return self.rules[(rule, flavour)]


@lru_cache(maxsize=1)
def default_node_scaling() -> NodeScaling:
    """The shipped node-scaling spreads (``node_scaling`` of the spreads file)."""
    return load_node_scaling(SPREADS_FILE)


def load_node_scaling(path: Path) -> NodeScaling:
    """The ``node_scaling`` block of a spreads file: ``node_nm``, ``source`` and ``rules: {rule:
    {HP: <spread block>, LP: <spread block>}}`` with every rule of :data:`NODE_SCALING_RULES`."""
    doc = read_yaml(path)
    ck = Checker(doc.file, doc.lines)
    top = ck.mapping(doc.data, "")
    block = ck.mapping(top.get("node_scaling"), "node_scaling") if top is not None else None
    rules: dict[tuple[str, str], Spread] = {}
    node_nm, source = None, None
    if block is not None and ck.keys(block, "node_scaling", required=["node_nm", "source", "rules"], optional=["note"]):
        node_nm = ck.number(block["node_nm"], "node_scaling.node_nm", minimum=1.0)
        source = ck.string(block["source"], "node_scaling.source")
        table = ck.mapping(block["rules"], "node_scaling.rules")
        if table is not None and ck.keys(table, "node_scaling.rules", required=list(NODE_SCALING_RULES)):
            for rule in NODE_SCALING_RULES:
                key = join_key("node_scaling.rules", rule)
                by_flavour = ck.mapping(table[rule], key)
                if by_flavour is None or not ck.keys(by_flavour, key, required=list(FLAVOURS)):
                    continue
                for flavour in FLAVOURS:
                    spread = parse_spread(ck, by_flavour[flavour], join_key(key, flavour))
                    if spread is not None:
                        rules[(rule, flavour)] = spread
    ck.raise_if_any()
    return NodeScaling(float(node_nm), str(source), rules)  # type: ignore[arg-type]


def scaling_rule_of(method: str | None) -> str | None:
    """The node-scaling rule a ``derived.method`` names: the scaler writes every component's
    method as ``<rule>: <how>`` (``logic: Stillmaker-Baas 2017 HP``); a method that does not
    start with a rule of :data:`NODE_SCALING_RULES` (a library derived by hand) names none.

    >>> scaling_rule_of("logic: Stillmaker-Baas 2017 HP -- FLAGGED: ..."), scaling_rule_of("measured")
    ('logic', None)
    """
    if method is None:
        return None
    head = method.split(":", 1)[0].strip()
    return head if ":" in method and head in NODE_SCALING_RULES else None
