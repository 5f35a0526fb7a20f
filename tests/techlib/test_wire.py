"""The on-chip wire (issue 15): the law E = (1/2) p C V^2 per bit per mm against the published
figures it must reproduce, every shipped library pricing it at its own supply, the YAML checks
(file, line and key) and the node scaling that moves it with the supply only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from hwcost import HwcostError, load_techlib
from hwcost.arch.shared.pricing import Pricer
from hwcost.cli import main
from hwcost.techlib import ScalingRule, list_techlibs, scale_techlib
from hwcost.techlib.models import wire_energy_pj

# The library's numbers, each from its source (45nm.yaml, components.wire):
C_FF_PER_MM = 600.0  # line 300 fF/mm + equal speed-optimal repeaters (Kogge et al., DARPA ExaScale 2008, p. 220)
P_RANDOM = 0.5  # "random data with a 50 percent transition probability" (Keckler et al., IEEE Micro 2011)


# --- the law against the published figures --------------------------------------------------------


def test_the_law_reproduces_keckler_2011_at_40nm() -> None:
    # Keckler, Dally, Khailany, Garland, Glasco, IEEE Micro 31(5) 2011, Table 1, 40 nm, 0.9 V:
    # "Wire energy (256 bits, 10 mm) 310 pJ" and "Wire energy (per transition) 240 fJ per bit per mm".
    assert wire_energy_pj(256, 10.0, C_FF_PER_MM, 0.9, P_RANDOM) == pytest.approx(310.0, rel=0.01)
    per_transition_pj = wire_energy_pj(1, 1.0, C_FF_PER_MM, 0.9, 1.0)  # every bit makes a transition
    assert per_transition_pj == pytest.approx(0.240, rel=0.02)


@pytest.mark.parametrize("vdd_v, published_pj", [(0.75, 200.0), (0.65, 150.0)])
def test_the_law_at_constant_c_meets_kecklers_10nm_projections(vdd_v: float, published_pj: float) -> None:
    # The same table's 10 nm projections (high frequency 0.75 V, low voltage 0.65 V), 256 bits over
    # 10 mm, which the paper makes at "approximately constant" capacitance per mm: within 10 %.
    assert wire_energy_pj(256, 10.0, C_FF_PER_MM, vdd_v, P_RANDOM) == pytest.approx(published_pj, rel=0.10)


def test_the_16nm_library_meets_dallys_100_fj_per_bit_mm() -> None:
    # Dally, Turakhia, Han, CACM 63(7) 2020, p. 56 (its 14 nm cost model): 100 fJ/bit-mm.
    lib = load_techlib("16nm")
    assert lib.energy_pj("wire", bits=1, length_mm=1.0) * 1e3 == pytest.approx(100.0, rel=0.10)


def test_a_bare_line_is_inside_dallys_2018_range() -> None:
    # Dally et al., VLSI 2018: a wire is "about 200fF/mm", "between 20-40 fJ/bit-mm" in present-day
    # chips -- the unrepeated lower case the library's note gives (a third of the law's figure).
    for vdd_v in (0.7, 0.8, 0.85):
        assert 20.0 <= wire_energy_pj(1, 1.0, 200.0, vdd_v, P_RANDOM) * 1e3 <= 40.0


# --- every shipped library -------------------------------------------------------------------------


@pytest.mark.parametrize("name", list_techlibs())
def test_every_shipped_library_prices_the_wire_at_its_own_supply(name: str) -> None:
    lib = load_techlib(name)
    assert "wire" in lib.components
    bits, mm = np.array([1, 8, 256, 4096]), np.array([0.001, 0.5, 2.0, 50.0])
    expected = 0.5 * P_RANDOM * C_FF_PER_MM * 1e-3 * lib.vdd_v**2 * bits * mm  # closed form, in pJ
    np.testing.assert_allclose(lib.energy_pj("wire", bits=bits, length_mm=mm), expected, rtol=1e-9)
    assert lib.area_um2("wire", bits=256, length_mm=1.0) == 0.0
    assert not lib.has_leakage("wire", bits=1, length_mm=1.0)
    assert lib.components["wire"].source.strip()


def test_the_figures_per_node() -> None:
    # 0.25 * 600 fF * V^2 at each library's supply (7 nm 0.7 V, 16 nm 0.85 V, 22-45 nm 0.9 V, 65 nm and
    # 45 nm LP 1.1 V), in fJ per bit per mm.
    expected = {"7nm": 73.5, "16nm": 108.375, "22nm": 121.5, "28nm": 121.5, "45nm": 121.5,
                "45nm-lp": 181.5, "65nm": 181.5}
    assert set(expected) == set(list_techlibs())
    for name, fj in expected.items():
        assert load_techlib(name).energy_pj("wire", bits=1, length_mm=1.0) * 1e3 == pytest.approx(fj, rel=1e-9)


def test_the_pricer_prices_a_transfer() -> None:
    pricer = Pricer(load_techlib("45nm"))
    # 64 random bits from the global buffer to a PE 1.5 mm away: 64 * 1.5 * 121.5 fJ.
    assert pricer.energy_pj("wire", bits=64, length_mm=1.5) == pytest.approx(64 * 1.5 * 0.1215, rel=1e-12)
    assert pricer.energy_pj("wire", "transfer", bits=64, length_mm=1.5) == pytest.approx(11.664, rel=1e-12)


def test_a_length_outside_the_valid_range_is_an_error() -> None:
    lib = load_techlib("45nm")
    with pytest.raises(HwcostError, match=r"wire: length_mm = 100 is not valid; expected length_mm in \[0.001, 50\]"):
        lib.energy_pj("wire", bits=8, length_mm=100)
    with pytest.raises(HwcostError, match="wire: missing parameter length_mm"):
        lib.energy_pj("wire", bits=8)


# --- scaling -----------------------------------------------------------------------------------


def test_scaling_keeps_the_capacitance_and_moves_the_supply() -> None:
    lib45 = load_techlib("45nm")
    for to_nm, vdd_v in ((7, None), (28, 0.8)):
        scaled = scale_techlib(lib45, to_nm, vdd_v=vdd_v)
        ratio = scaled.energy_pj("wire", bits=32, length_mm=2.0) / lib45.energy_pj("wire", bits=32, length_mm=2.0)
        assert ratio == pytest.approx((scaled.vdd_v / 0.9) ** 2, rel=1e-5)
        derived = scaled.components["wire"].derived
        assert derived.method.startswith("wire:") and derived.energy_factor == pytest.approx(ratio, rel=1e-5)


def test_another_rule_for_the_wire_is_refused() -> None:
    with pytest.raises(HwcostError, match="wire: its energy is the 'wire' model .* pass --rule wire=wire"):
        scale_techlib(load_techlib("45nm"), 7, rules={"wire": ScalingRule.LOGIC})


# --- YAML checks: one message naming file, line and key ------------------------------------------

_WIRE = """\
  wire:
    source: test
    valid: {bits: [1, 1024], length_mm: [0.001, 50]}
    energy_pj:
      transfer:
        model: wire
        capacitance_ff_per_mm: 600
        vdd_v: 0.9
        transition_probability: 0.5
    area_um2: {model: constant, value_um2: 0}
"""



def test_a_wire_block_loads(lib_file: Callable[[str], Path], tiny_yaml: str) -> None:
    lib = load_techlib(lib_file(tiny_yaml + _WIRE))
    assert lib.energy_pj("wire", bits=1024, length_mm=1.0) == pytest.approx(1024 * 0.25 * 0.6 * 0.81)


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize("old, new, key, message", [
    ("vdd_v: 0.9", "vdd_v: 0.8", "components.wire.energy_pj.transfer.vdd_v",
     "expected the library's supply vdd_v = 0.9 V (a wire swings the supply of the logic that drives it); got 0.8 V"),
    ("transition_probability: 0.5", "transition_probability: 1.5",
     "components.wire.energy_pj.transfer.transition_probability", "expected a number <= 1, got 1.5"),
    ("capacitance_ff_per_mm: 600", "capacitance_ff_per_mm: 0",
     "components.wire.energy_pj.transfer.capacitance_ff_per_mm", "expected a number > 0, got 0"),
    ("capacitance_ff_per_mm: 600", "capacitance_pf_per_mm: 0.6", "components.wire.energy_pj.transfer",
     "missing required key 'capacitance_ff_per_mm'"),
    ("valid: {bits: [1, 1024], length_mm: [0.001, 50]}", "valid: {bits: [1, 1024], length_um: [1, 50000]}",
     "components.wire.valid.length_um", "parameter names carry their unit"),
    ("valid: {bits: [1, 1024], length_mm: [0.001, 50]}", "valid: {bits: [1, 1024]}",
     "components.wire.energy_pj.transfer",
     "model 'wire' needs exactly two parameters in the component's 'valid': one measured in bits and one in mm; got bits"),
    ("area_um2: {model: constant, value_um2: 0}",
     "area_um2: {model: wire, capacitance_ff_per_mm: 600, vdd_v: 0.9, transition_probability: 0.5}",
     "components.wire.area_um2.model", "model 'wire' prices energy_pj only"),
])
def test_a_bad_wire_names_file_and_key(lib_file: Callable[[str], Path], tiny_yaml: str, old: str, new: str, key: str,
                                       message: str) -> None:
    path = lib_file(tiny_yaml + _WIRE.replace(old, new))
    with pytest.raises(HwcostError) as info:
        load_techlib(path)
    shown = str(info.value)
    assert "lib.yaml:" in shown and f"{key}: {message}" in shown, shown


def test_techlib_validate_exits_2_on_a_wire_at_the_wrong_supply(lib_file: Callable[[str], Path], tiny_yaml: str, capsys) -> None:
    text = tiny_yaml + _WIRE.replace("        vdd_v: 0.9", "        vdd_v: 1.2")
    path = lib_file(text)
    assert main(["techlib", "validate", str(path)]) == 2
    err = capsys.readouterr().err
    line = _line_of(text, "vdd_v: 1.2")
    assert f"lib.yaml:{line}: components.wire.energy_pj.transfer.vdd_v: expected the library's supply" in err
    assert "Traceback" not in err


def test_the_wire_rules_node_scaling_spread_is_its_pairs() -> None:
    # hwcost/data/uncertainty/spreads.yaml, node_scaling.rules.wire: the rule's (V_to / V_from)^2 against
    # Villa et al. SC14 Table II (Ewire factor from 28 nm, nominal supplies) and Keckler et al. 2011 Table 1.
    from hwcost.techlib.spread import default_node_scaling

    villa = {0.85: 0.89, 0.75: 0.75, 0.725: 0.62, 0.70: 0.46}  # supply at 20/14/10/7 nm -> Ewire factor
    logs = [np.log(factor / (vdd / 0.90) ** 2) for vdd, factor in villa.items()]
    logs += [np.log(pj / 310.0 / (vdd / 0.9) ** 2) for vdd, pj in ((0.75, 200.0), (0.65, 150.0))]
    sigma = float(np.sqrt(np.mean(np.square(logs))))
    for flavour in ("HP", "LP"):
        spread = default_node_scaling().of("wire", flavour)
        assert spread.energy_sigma == pytest.approx(sigma, abs=5e-5)
        assert (spread.area_sigma, spread.leakage_sigma) == (0.0, 0.0)
