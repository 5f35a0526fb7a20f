"""Walk every rule table: each key is covered, reachable from a scheme, and builds what it says."""

from dataclasses import replace
from itertools import product

import pytest

from hwcost.classify import classify
from hwcost.classify.classifier import _context
from hwcost.classify.rules import (
    ALL_TABLES,
    BN_RULES,
    CLAMP_RULES,
    DEQUANT_RULES,
    MAC_REALISATION_RULES,
    OFFSET_RULES,
    OUTPUT_OFFSET_RULES,
    RESCALE_RULES,
    SCALE_MEMORY_RULES,
    SCALE_REALISATION_RULES,
    THRESHOLD_RULES,
    Offset,
    Operand,
    Rule,
)
from hwcost.errors import HwcostError
from hwcost.schemes import (
    BNHandling,
    BNRealisation,
    Clipping,
    Granularity,
    MacRealisation,
    QuantScheme,
    ScaleRealisation,
    ScaleType,
    TensorQuant,
    ZeroPoint,
    ZeroPointRealisation,
    get_scheme,
)

BASE = get_scheme("symmetric", 4, 4)


def _offset(tensor: TensorQuant, offset: Offset) -> TensorQuant:
    if offset is Offset.ZERO_POINT:
        return replace(tensor, zero_point=ZeroPoint.STATIC, signed=False)
    if offset is Offset.CENTRED:
        return replace(tensor, centred=True, signed=True)
    return tensor


def _scheme_for(table: str, key: object) -> QuantScheme:
    """A scheme that exercises ``key`` of ``table`` (raises HwcostError for rejected keys)."""
    if table == "SCALE_REALISATION":
        return replace(BASE, scale_realisation=key)
    if table == "DEQUANT":
        return replace(BASE, activations=replace(BASE.activations, scale_type=key), scale_realisation=ScaleRealisation.OPERAND)
    if table == "OFFSET":
        operand, offset, realisation = key
        field = operand.value
        return replace(BASE, **{field: _offset(getattr(BASE, field), offset)}, zero_point_realisation=realisation)
    if table == "RESCALE":
        return replace(BASE, **{t: replace(getattr(BASE, t), scale_type=key) for t in ("weights", "activations", "outputs")})
    if table == "SCALE_MEMORY":
        return replace(BASE, weights=replace(BASE.weights, granularity=key, group_size=8 if key is Granularity.GROUP else None))
    if table == "BN":
        bn, realisation, rescale = key
        tensors = {t: replace(getattr(BASE, t), scale_type=rescale) for t in ("weights", "activations", "outputs")}
        return replace(BASE, bn=bn, bn_realisation=realisation, **tensors)
    if table == "OUTPUT_OFFSET":
        return replace(BASE, outputs=_offset(BASE.outputs, key))
    if table == "CLAMP":
        return replace(BASE, clipping=key)
    if table == "MAC_REALISATION":
        return BASE if key is MacRealisation.MULTIPLY else get_scheme("bnn")
    if table == "THRESHOLD":
        return replace(get_scheme("bnn"), bn=key)
    raise AssertionError(table)


CASES = [(table, key) for table, rules in ALL_TABLES.items() for key in rules]


def test_tables_cover_every_enum_combination() -> None:
    assert set(SCALE_REALISATION_RULES) == set(ScaleRealisation)
    assert set(DEQUANT_RULES) == set(ScaleType)
    assert set(OFFSET_RULES) == set(product(Operand, Offset, ZeroPointRealisation))
    assert set(RESCALE_RULES) == set(ScaleType)
    assert set(SCALE_MEMORY_RULES) == set(Granularity)
    assert set(BN_RULES) == set(product(BNHandling, BNRealisation, ScaleType))
    assert set(OUTPUT_OFFSET_RULES) == set(Offset)
    assert set(CLAMP_RULES) == set(Clipping)
    assert set(MAC_REALISATION_RULES) == set(MacRealisation)
    assert set(THRESHOLD_RULES) == set(BNHandling)


@pytest.mark.parametrize(("table", "key"), CASES, ids=[f"{t}-{k}" for t, k in CASES])
def test_rule_is_reachable_and_builds_its_kinds(table: str, key: object) -> None:
    rule: Rule = ALL_TABLES[table][key]
    assert rule.reason
    if rule.rejected:
        with pytest.raises(HwcostError):
            _scheme_for(table, key)
        return
    scheme = _scheme_for(table, key)
    built = rule.build(_context(scheme, 576, None))
    assert tuple(u.kind for u in built) == rule.kinds
    kinds = {u.kind for u in classify(scheme, 576).units}
    assert set(rule.kinds) <= kinds
    for unit in built:
        assert any(year in unit.reason for year in ("20", "[A]", "§")), unit.reason


def test_widening_rules_add_one_signed_bit() -> None:
    for (operand, offset, realisation), rule in OFFSET_RULES.items():
        if rule.rejected:
            continue
        scheme = _scheme_for("OFFSET", (operand, offset, realisation))
        dp = classify(scheme)
        bits = dp.weight_operand_bits if operand is Operand.WEIGHTS else dp.act_operand_bits
        signed = dp.weight_operand_signed if operand is Operand.WEIGHTS else dp.act_operand_signed
        assert bits == 4 + int(rule.widen), (operand, offset, realisation)
        if rule.widen:
            assert signed
