"""Scale a technology library to another process node, recording how every number was derived.

``scale_techlib(load_techlib("45nm"), 7)`` returns a complete 7 nm :class:`TechLib`. Each
component is scaled by the rule its name maps to in :data:`DEFAULT_RULES` (override with
``rules={"my_unit": ScalingRule.LOGIC}``; a component without a rule is an error, never a guess):

============== ================================================================================
rule           what it does (factors relative to the source library)
============== ================================================================================
logic          energy x E_to(V_to) / E_from(V_from), area x a45(to) / a45(from): Stillmaker &
               Baas 2017 (:mod:`hwcost.techlib._stillmaker`), one flavour, HP or LP
sram-cacti     the CACTI 7 table at the target node where the sweep covers it (65, 45, 32, 28,
               22 nm; :mod:`hwcost.techlib._cacti`): its rows, log-log bilinear between them,
               energy x the fitted supply factor E_to(V_to) / E_to(V_nominal); elsewhere logic
               scaling, flagged in ``derived``. A register file (parameters words, bits): its
               power laws refitted on CACTI's small-array runs at the node
               (:mod:`hwcost.techlib._regfile`; HP only), else logic, flagged
sram-cacti-law the same, with the power law refitted to the node's rows instead of the table
               (hwcost's SRAM before issue 15: 23.6 % rms off CACTI's 45 nm reads)
adc-survey     energy unchanged: it is the Murmann-survey envelope of SAR ADCs in <= 65 nm, not a
               logic circuit; area x the logic area factor. Refused above 65 nm
cim-cell       area x (to / from)^2: a cell is a fixed number of F^2; energy x the logic factor
unchanged      energy and area unchanged: off-chip DRAM does not move with the logic node
wire           the wire's capacitance per mm kept (it stays roughly constant across nodes: Keckler
               et al., IEEE Micro 2011; Dally et al., VLSI 2018) and its supply set to the target's:
               energy x (V_to / V_from)^2; area unchanged
============== ================================================================================

Every scaled component (every variant of a variant component) carries a ``derived`` record:
from what, by which method, with which energy and area factors; the library's own record adds
the delay factor. Factors and coefficients are rounded to 6 significant digits, and the result
is re-validated by :func:`parse_techlib`, so what is returned is what a written file loads as.

>>> from hwcost.techlib import load_techlib
>>> lib7 = scale_techlib(load_techlib("45nm"), 7)
>>> lib7.derived.energy_factor, lib7.derived.area_factor, lib7.vdd_v
(0.0684195, 0.059, 0.7)
>>> round(lib7.energy_pj("int_multiplier", a_bits=8, b_bits=8), 6)    # 0.2 pJ x 0.0684195
0.013684
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from hwcost.errors import HwcostError
from hwcost.techlib._cacti import SramModel, cacti_nodes, sram_component
from hwcost.techlib._dump import techlib_to_dict
from hwcost.techlib._leakage import flavour_leakage_factor
from hwcost.techlib._load import parse_techlib
from hwcost.techlib._regfile import regfile_component, regfile_nodes
from hwcost.techlib._stillmaker import PAPER, NodeFactors, node_factors, round_sig, vdd_factor
from hwcost.techlib.library import ComponentModel, Derivation, Flavour, TechLib, VariantComponent
from hwcost.techlib.models import Wire

__all__ = ["ScalingRule", "DEFAULT_RULES", "scale_techlib", "parse_node_nm"]


class ScalingRule(Enum):
    """How one component moves to another node (table in the module docstring)."""

    LOGIC = "logic"
    SRAM_CACTI = "sram-cacti"  # the CACTI 7 table (default)
    SRAM_CACTI_LAW = "sram-cacti-law"  # the power law fitted to it
    ADC_SURVEY = "adc-survey"
    CIM_CELL = "cim-cell"
    UNCHANGED = "unchanged"
    WIRE = "wire"


DEFAULT_RULES: dict[str, ScalingRule] = {
    **{name: ScalingRule.LOGIC for name in (
        "int_adder", "int_multiplier", "fp_adder", "fp_multiplier", "register", "shifter",
        "comparator", "mux", "dac",  # the DAC's energy is C * Vdd^2 of a driver: logic-like
        "logic_gate",  # static CMOS gates (the digital-CIM template's bitwise multipliers)
    )},
    "sram": ScalingRule.SRAM_CACTI,
    # CACTI's small arrays (hwcost/techlib/_regfile.py): the law refitted on the sweep's runs at the
    # target node; elsewhere (16, 7 nm; LP: no low-standby-power runs) logic scaling, flagged
    "regfile": ScalingRule.SRAM_CACTI,
    "adc": ScalingRule.ADC_SURVEY,
    # The CIM column readout: its population was moved to 45 nm by these same logic factors
    # (hwcost/techlib/_column_adc.py), so it moves on with them, node and supply.
    "column_adc": ScalingRule.LOGIC,
    "cim_cell": ScalingRule.CIM_CELL,
    "dram": ScalingRule.UNCHANGED,
    "wire": ScalingRule.WIRE,
}

ADC_SURVEY_MAX_NODE_NM = 65.0  # the envelope is SAR ADCs >= 100 MS/s in <= 65 nm (45nm.yaml)


@dataclass(frozen=True)
class _Context:
    source: TechLib
    factors: NodeFactors
    flavour: Flavour

    @property
    def to_nm(self) -> float:
        return self.factors.target.node_nm

    @property
    def logic_method(self) -> str:
        interp = self.factors.target.interpolated_from or self.factors.source.interpolated_from
        where = ""
        if interp:
            where = f", {self._interpolated_nodes()} interpolated between {interp[0]:g} and {interp[1]:g} nm"
        return f"{PAPER} {self.flavour.value}{where}"

    def _interpolated_nodes(self) -> str:
        fits = (self.factors.source, self.factors.target)
        return " and ".join(f"{f.node_nm:g} nm" for f in fits if f.interpolated_from)


def parse_node_nm(text: str) -> float:
    """'7nm', '7 nm' or '7' -> 7.0.

    >>> parse_node_nm("7nm"), parse_node_nm("22")
    (7.0, 22.0)
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:nm)?\s*", str(text))
    if match is None:
        raise HwcostError.single(f"expected a process node such as 7nm or 22; got '{text}'")
    return float(match.group(1))


def scale_techlib(
    lib: TechLib,
    to_node_nm: float,
    *,
    flavour: Flavour | None = None,
    vdd_v: float | None = None,
    rules: Mapping[str, ScalingRule] | None = None,
    name: str | None = None,
) -> TechLib:
    """``lib`` moved to ``to_node_nm`` at supply ``vdd_v`` (default: the node's nominal supply)
    with the ``flavour`` fits (default: the library's flavour)."""
    chosen = lib.flavour if flavour is None else flavour
    factors = node_factors(lib.node_nm, lib.vdd_v, to_node_nm, vdd_v, chosen)
    ctx = _Context(lib, factors, chosen)
    table = {**DEFAULT_RULES, **(rules or {})}
    components = {cname: _scale_any(cname, comp, _rule(cname, table), ctx)
                  for cname, comp in lib.components.items()}
    scaled = TechLib(
        name=name or f"{to_node_nm:g}nm",
        node_nm=float(to_node_nm),
        vdd_v=factors.vdd_to_v,
        flavour=chosen,
        source=_library_source(ctx),
        components=components,
        note=_library_note(ctx),
        derived=Derivation(lib.name, ctx.logic_method, factors.energy, factors.area,
                           _factor_note(ctx), factors.delay),
    )
    return _rounded(scaled)


def _rule(name: str, table: Mapping[str, ScalingRule]) -> ScalingRule:
    if name in table:
        return table[name]
    rules = ", ".join(r.value for r in ScalingRule)
    raise HwcostError.single(
        f"component '{name}' has no scaling rule; say how it scales (one of {rules}), "
        f"e.g. --rule {name}=logic"
    )


def _scale_any(name: str, comp: ComponentModel | VariantComponent, rule: ScalingRule,
               ctx: _Context) -> ComponentModel | VariantComponent:
    if isinstance(comp, VariantComponent):
        variants = {v: _scale_one(name, c, rule, ctx) for v, c in comp.variants.items()}
        return replace(comp, variants=variants)
    return _scale_one(name, comp, rule, ctx)


def _scale_one(name: str, comp: ComponentModel, rule: ScalingRule, ctx: _Context) -> ComponentModel:
    if rule is not ScalingRule.WIRE and any(isinstance(q.model, Wire) for q in comp.energy.values()):
        raise HwcostError.single(
            f"{name}: its energy is the 'wire' model (C V^2 at the library's supply), which only the "
            f"wire rule moves; pass --rule {name}=wire"
        )
    return _APPLY[rule](name, comp, ctx)


def _logic(name: str, comp: ComponentModel, ctx: _Context) -> ComponentModel:
    f = ctx.factors
    return _scaled(comp, ctx, f"logic: {ctx.logic_method}", f.energy, f.area)


def _unchanged(name: str, comp: ComponentModel, ctx: _Context) -> ComponentModel:
    method = "unchanged: off-chip, independent of the logic node and supply"
    return _scaled(comp, ctx, method, 1.0, 1.0)


def _wire(name: str, comp: ComponentModel, ctx: _Context) -> ComponentModel:
    """C V^2 wires: the capacitance per mm is kept and the supply becomes the target's."""
    if not all(isinstance(q.model, Wire) for q in comp.energy.values()):
        raise HwcostError.single(
            f"{name}: the wire rule moves the supply of 'wire' energy models; this component has "
            f"others -- pass --rule {name}=logic"
        )
    v_from, v_to = ctx.source.vdd_v, ctx.factors.vdd_to_v
    factor = round_sig((v_to / v_from) ** 2)
    energy = {a: replace(q, model=q.model.at_supply(v_to)) for a, q in comp.energy.items()}  # type: ignore[attr-defined]
    method = (f"wire: capacitance per mm kept (node-independent), supply {v_from:g} V -> {v_to:g} V: "
              f"energy x (V_to / V_from)^2 = {factor:g}; area unchanged")
    leakage = None if comp.leakage is None else comp.leakage.scaled(factor)
    note = "Leakage is scaled by the energy factor (no leakage law for wires)." if leakage is not None else None
    derived = Derivation(ctx.source.name, method, factor, 1.0, note)
    return replace(comp, energy=energy, derived=derived, leakage=leakage)


def _scaled(comp: ComponentModel, ctx: _Context, method: str, energy_factor: float,
            area_factor: float, note: str | None = None) -> ComponentModel:
    """``comp`` with every energy x energy_factor, its area x area_factor, and the record."""
    energy = {a: q if energy_factor == 1.0 else q.scaled(energy_factor) for a, q in comp.energy.items()}
    area = comp.area if area_factor == 1.0 else comp.area.scaled(area_factor)
    # Leakage has no scaling law of its own in Stillmaker-Baas 2017: it is scaled like the dynamic
    # energy (per transistor, at the supply) and, when the flavour changes, by the ratio of the two
    # device types' leakage per micron (CACTI's ITRS tables, hwcost/techlib/_leakage.py).
    flavour = flavour_leakage_factor(ctx.source.flavour, ctx.flavour)
    leakage = None if comp.leakage is None else comp.leakage.scaled(round_sig(energy_factor * flavour))
    if leakage is not None:
        how = "Leakage is scaled by the energy factor (no leakage law in the fits)"
        if flavour != 1.0:
            how += (f" and by {round_sig(flavour):g}, the {ctx.flavour.value} / {ctx.source.flavour.value} "
                    "leakage per micron of CACTI's ITRS devices at 45 nm, 300 K (hwcost/techlib/_leakage.py)")
        note = ((note + " ") if note else "") + how + "."
    derived = Derivation(ctx.source.name, method, energy_factor, area_factor, note)
    return replace(comp, energy=energy, area=area, derived=derived, leakage=leakage)


def _cim_cell(name: str, comp: ComponentModel, ctx: _Context) -> ComponentModel:
    from_nm, to_nm = ctx.source.node_nm, ctx.to_nm
    area = round_sig((to_nm / from_nm) ** 2)
    method = (f"cim-cell: area with F^2, ({to_nm:g}/{from_nm:g})^2 = {area:g}; energy x the logic "
              f"energy factor ({ctx.logic_method})")
    note = ("The cell keeps its F^2 count from the source library. DNN+NeuroSim V1.4 grows the 6T "
            "CIM cell from 160 F^2 to 300/400/600 F^2 at 14/10/7 nm (the cell-size comment of its "
            "Param.cpp), which this rule does not; an RRAM read energy (V^2/R*t) need not follow "
            "logic either.")
    return _scaled(comp, ctx, method, ctx.factors.energy, area, note)


def _adc(name: str, comp: ComponentModel, ctx: _Context) -> ComponentModel:
    if ctx.to_nm > ADC_SURVEY_MAX_NODE_NM:
        raise HwcostError.single(
            f"{name}: the ADC energy is the Murmann-survey envelope of SAR ADCs in <= "
            f"{ADC_SURVEY_MAX_NODE_NM:g} nm, which does not cover {ctx.to_nm:g} nm; choose a rule, "
            f"e.g. --rule {name}=logic or --rule {name}=unchanged"
        )
    method = ("adc-survey: energy kept on the Murmann ADC survey envelope (not logic-scaled, "
              f"independent of the supply); area x the logic area factor ({ctx.logic_method})")
    return _scaled(comp, ctx, method, 1.0, ctx.factors.area)


def _sram_table(name: str, comp: ComponentModel, ctx: _Context) -> ComponentModel:
    return _sram(name, comp, ctx, SramModel.TABLE)


def _sram_law(name: str, comp: ComponentModel, ctx: _Context) -> ComponentModel:
    return _sram(name, comp, ctx, SramModel.POWER_LAW)


def _sram(name: str, comp: ComponentModel, ctx: _Context, model: SramModel) -> ComponentModel:
    if set(comp.params) == {"words", "bits"}:  # a register file: CACTI's small-array runs
        return _regfile(name, comp, ctx)
    if ctx.to_nm not in cacti_nodes():
        covered = ", ".join(f"{n:g}" for n in cacti_nodes())
        method = (f"logic: {ctx.logic_method} -- FLAGGED: the CACTI 7 sweep covers {covered} nm, "
                  f"not {ctx.to_nm:g} nm, so this SRAM is scaled like logic")
        return _scaled(comp, ctx, method, ctx.factors.energy, ctx.factors.area)
    if set(comp.params) != {"capacity_bytes", "width_bits"} or set(comp.energy) != {"read", "write"}:
        raise HwcostError.single(
            f"{name}: the CACTI table or refit replaces a component with parameters capacity_bytes, "
            f"width_bits and actions read, write; this one differs -- pass --rule {name}=logic"
        )
    target = ctx.factors.target
    supply = vdd_factor(target, target.vdd_nominal_v, ctx.factors.vdd_to_v)
    return sram_component(comp.name, ctx.to_nm, supply, target, ctx.flavour, model)


def _regfile(name: str, comp: ComponentModel, ctx: _Context) -> ComponentModel:
    """A register file (parameters words, bits): the law refitted on CACTI's runs at the target node
    (either CACTI rule: the register file is always a law), else scaled like logic, flagged."""
    why = None
    if ctx.to_nm not in regfile_nodes():
        covered = ", ".join(f"{n:g}" for n in regfile_nodes())
        why = f"the CACTI 7 register-file sweep covers {covered} nm, not {ctx.to_nm:g} nm"
    elif ctx.flavour is Flavour.LP:
        why = "the CACTI 7 register-file sweep has no low-standby-power runs (itrs-hp only)"
    if why is not None:
        method = f"logic: {ctx.logic_method} -- FLAGGED: {why}, so this register file is scaled like logic"
        return _scaled(comp, ctx, method, ctx.factors.energy, ctx.factors.area)
    if set(comp.energy) != {"read", "write"}:
        raise HwcostError.single(
            f"{name}: the CACTI refit replaces a register file with actions read, write; this one differs "
            f"-- pass --rule {name}=logic"
        )
    target = ctx.factors.target
    supply = vdd_factor(target, target.vdd_nominal_v, ctx.factors.vdd_to_v)
    return regfile_component(comp.name, ctx.to_nm, supply, target)


_APPLY: dict[ScalingRule, Callable[[str, ComponentModel, _Context], ComponentModel]] = {
    ScalingRule.LOGIC: _logic,
    ScalingRule.SRAM_CACTI: _sram_table,
    ScalingRule.SRAM_CACTI_LAW: _sram_law,
    ScalingRule.ADC_SURVEY: _adc,
    ScalingRule.CIM_CELL: _cim_cell,
    ScalingRule.UNCHANGED: _unchanged,
    ScalingRule.WIRE: _wire,
}


def _library_source(ctx: _Context) -> str:
    return (
        f"{ctx.source.name} scaled to {ctx.to_nm:g} nm by hwcost techlib scale: Stillmaker & Baas, "
        "Integration 58 (2017) 74-81 (logic); CACTI 7 sweep (SRAM); Murmann ADC survey (ADC "
        "energy); F^2 (CIM cells). Per component below."
    )


def _library_note(ctx: _Context) -> str:
    f, lib = ctx.factors, ctx.source
    parts = [f"Derived from {lib.name} ({lib.node_nm:g} nm {lib.flavour.value}, {lib.vdd_v:g} V) "
             f"for {ctx.flavour.value} {ctx.to_nm:g} nm at {f.vdd_to_v:g} V"
             + (" (the nominal supply)." if f.vdd_to_v == f.target.vdd_nominal_v else
                f" (nominal {f.target.vdd_nominal_v:g} V).")]
    if f.interpolated:
        parts.append(f"INTERPOLATED: {ctx.logic_method.split(', ', 1)[1]}; {PAPER} has no fit there.")
    if lib.flavour is not ctx.flavour:
        parts.append(f"FLAVOUR CHANGED: the source library is {lib.flavour.value}; the "
                     f"{ctx.flavour.value} fits' ratios were applied to its numbers.")
    if f.target.flavour is None:
        parts.append(f"{PAPER} has one fit for HP and LP at {ctx.to_nm:g} nm.")
    parts.append("Each component's 'derived' record gives its rule and factors. The numbers "
                 f"scaled come from {lib.name}: {lib.source}")
    return " ".join(parts)


def _factor_note(ctx: _Context) -> str:
    f = ctx.factors
    s, t = f.source, f.target
    nominal = round_sig(t.energy_at(t.vdd_nominal_v) / s.energy_at(s.vdd_nominal_v))
    return (f"{f.describe()}. At both nominal supplies ({s.vdd_nominal_v:g} V, "
            f"{t.vdd_nominal_v:g} V) the energy factor would be {nominal:g}. Delay is not used by "
            "the cost model; a clock period moves by delay_factor at equal logic depth.")


def _rounded(lib: TechLib) -> TechLib:
    """Every number to 6 significant digits, then validated as a file would be."""
    return parse_techlib(_round_numbers(techlib_to_dict(lib)))


def _round_numbers(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _round_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_round_numbers(v) for v in value]
    if isinstance(value, float):
        rounded = round_sig(value)
        return int(rounded) if rounded.is_integer() and abs(rounded) < 1e15 else rounded
    return value
