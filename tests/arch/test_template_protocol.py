"""A third template, defined here and registered at run time, runs through ``hwcost.evaluate`` and
``hwcost.sweep`` unchanged: the protocol is all the evaluation knows of a template.

The template is a single MAC unit beside the global buffer: every MAC reads its activation and
its weight from the buffer and writes nothing back but the layer's outputs. Its costs have closed
forms the test computes by hand from the library.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

import hwcost
from hwcost._config import Checker
from hwcost.arch import registry
from hwcost.arch.shared.bom import BodyEdge
from hwcost.arch.shared.memory import MemorySystem, buffer_rows
from hwcost.arch.shared.pricing import Count, PricedRow, Pricer, Term
from hwcost.arch.shared.tables import WorkloadTables
from hwcost.arch.template import GroupActions, Setting
from hwcost.cli import main
from hwcost.report import Category
from hwcost.schemes import QuantScheme


class ScalarRow(StrEnum):
    MAC = "scalar_mac"


@dataclass(frozen=True)
class ScalarConfig(MemorySystem):
    template: ClassVar[str] = "scalar_core"
    name: str = "scalar_core"

    @property
    def post_lanes(self) -> int:
        return 1

    @property
    def analog_macro(self) -> None:
        return None

    def describe(self) -> dict[str, object]:
        return {"glb_kib": self.glb_kib}


@dataclass(frozen=True)
class ScalarPlan:
    rows: tuple[PricedRow, ...]
    weight_bits: int
    act_bits: int
    group_size: int = 1


class ScalarTemplate:
    name = "scalar_core"
    aliases = ("scalar",)
    defaults = ScalarConfig()

    def from_mapping(self, data: Mapping[str, Any], check: Checker, prefix: str = "") -> ScalarConfig | None:
        check.keys(data, prefix, optional=["template"] + [f.name for f in fields(ScalarConfig)])
        return None if check.problems else replace(self.defaults, **{k: v for k, v in data.items() if k != "template"})

    def plan(self, scheme: QuantScheme, config: ScalarConfig, pricer: Pricer, tables: WorkloadTables,
             datapaths: BodyEdge) -> ScalarPlan:
        w, a = datapaths.body.weight_operand_bits, datapaths.body.act_operand_bits
        e_mac = pricer.energy_pj("int_multiplier", a_bits=w, b_bits=a)
        mac = PricedRow(ScalarRow.MAC, Category.COMPUTE, (Term(Count.PER_MAC, e_mac, e_mac),),
                        pricer.area_um2("int_multiplier", a_bits=w, b_bits=a))
        return ScalarPlan((mac, *buffer_rows(config, 1, pricer, scheme)), w, a)

    def count(self, configs: Sequence[ScalarConfig], plans: Sequence[ScalarPlan], tables: WorkloadTables) -> GroupActions:
        s = tables.shapes
        w = np.asarray([p.weight_bits for p in plans], dtype=float)[:, None]
        a = np.asarray([p.act_bits for p in plans], dtype=float)[:, None]
        macs = np.broadcast_to(s.macs, (len(plans), len(s.macs)))
        zero = np.zeros_like(macs)
        return GroupActions(
            per_layer={
                Count.PER_MAC: macs,
                Count.GLB_READ_BITS: macs * (w + a),
                Count.GLB_WRITE_BITS: s.output_elements * a + zero,
                Count.DRAM_READ_BITS: zero,
                Count.DRAM_WRITE_BITS: zero,
            },
            compute_cycles=macs,
            memory_cycles=zero,
            latency_cycles=macs,
            peak_macs_per_cycle=np.ones(len(plans)),
        )

    def settings(self, config: ScalarConfig, plan: ScalarPlan, tables: WorkloadTables) -> tuple[Setting, ...]:
        return (("glb_kib", config.glb_kib),)

    def cost_stand_in(self, config: ScalarConfig) -> None:
        return None


@pytest.fixture
def scalar() -> Iterator[ScalarTemplate]:
    template = ScalarTemplate()
    saved = dict(registry.TEMPLATES)
    hwcost.register_template(template)
    yield template
    registry.TEMPLATES.clear()
    registry.TEMPLATES.update(saved)


def test_a_third_template_evaluates_through_the_protocol(scalar: ScalarTemplate) -> None:
    report = hwcost.evaluate("lsq", 4, arch="scalar")
    lib = hwcost.load_techlib("45nm")
    macs = report.macs
    rows = {r.unit: r for r in report.breakdown}
    # One 4x4-bit multiplier priced by the library, once per MAC of ResNet-20.
    assert rows["scalar_mac"].energy_pj == pytest.approx(lib.energy_pj("int_multiplier", a_bits=4, b_bits=4) * macs)
    assert rows["scalar_mac"].actions == macs
    # Buffer accesses on a 64-bit port: each MAC reads 4 + 4 bits, each output is written at 4
    # bits, and the residual adds and pools read their inputs and write their outputs at 4 bits.
    net = hwcost.load_workload("resnet20")
    outputs = float(net.compute_arrays.output_elements.sum())
    elementwise = [layer for layer in net.layers if layer.kind.value in ("add", "pool")]
    ew_bits = 4 * sum(layer.input_elements + layer.output_elements for layer in elementwise)
    assert rows["glb"].actions == pytest.approx((macs * 8 + outputs * 4 + ew_bits) / 64)
    # Latency: one MAC per cycle plus the element-wise layers on one lane.
    assert report.latency_cycles > macs and report.utilisation == pytest.approx(macs / report.latency_cycles)
    assert dict(report.settings)["glb_kib"] == 128.0
    assert report.arch == "scalar_core"


def test_a_third_template_sweeps_beside_the_others(scalar: ScalarTemplate) -> None:
    points = [hwcost.design_point("lsq", b, arch=a) for a in ("scalar", "mac_array", "cim") for b in (4, 8)]
    frame = hwcost.sweep(points)
    for i, point in enumerate(points):
        single = hwcost.report_of(point)
        assert frame["energy_pj"][i] == pytest.approx(single.energy_pj)
        assert frame["latency_cycles"][i] == pytest.approx(single.latency_cycles)
    # 8-bit operands cost the scalar MAC more than 4-bit ones.
    assert frame["energy_pj.scalar_mac"][1] > frame["energy_pj.scalar_mac"][0] > 0
    assert frame["energy_pj.scalar_mac"][2] == 0  # the MAC array has no such row


def test_a_third_template_loads_from_an_arch_file(scalar: ScalarTemplate, tmp_path: Path) -> None:
    path = tmp_path / "scalar.yaml"
    path.write_text("template: scalar_core\nglb_kib: 64\n")
    assert hwcost.load_arch(path) == ScalarConfig(glb_kib=64)


def test_a_template_name_is_registered_once(scalar: ScalarTemplate) -> None:
    with pytest.raises(hwcost.HwcostError, match="already registered: scalar_core, scalar"):
        hwcost.register_template(ScalarTemplate())


@pytest.mark.parametrize("unit", ["residual_adder", "pool_comparator", "adc", "cim_cells"])
def test_pinning_a_unit_the_template_lacks_exits_2_naming_the_valid_units(
        unit: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "arch.yaml"
    path.write_text(f"template: mac_array\npinned:\n  {unit}: {{energy_pj: 1.0, area_um2: 10, source: x}}\n")
    assert main(["evaluate", "--arch-file", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"pinned.{unit}" in err and "arch.yaml:3" in err
    assert "units that can be pinned: mac_multiplier," in err and "pe_registers" in err and "elementwise" in err


def test_pinning_the_elementwise_row_prices_every_operation(tmp_path: Path) -> None:
    path = tmp_path / "arch.yaml"
    path.write_text("template: mac_array\npinned:\n  elementwise: {energy_pj: 2.0, area_um2: 100, source: synthesis}\n")
    report = hwcost.evaluate("lsq", 4, arch=path, workload="resnet18")
    row = next(r for r in report.breakdown if r.unit == "elementwise")
    # ResNet-18 has residual adds and a max pool: every operation costs the pinned 2 pJ.
    assert row.energy_pj == pytest.approx(2.0 * row.actions) and row.actions > 0
    assert row.area_um2 == 100 * 16 and row.source == "synthesis"  # one per post-processing lane


def test_a_pin_the_point_does_not_use_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "arch.yaml"
    path.write_text("template: mac_array\npinned:\n  bn_multiplier: {energy_pj: 2.0, area_um2: 100, source: synthesis}\n")
    report = hwcost.evaluate("lsq", 4, arch=path)  # folded BN: no BN multiplier
    assert dict(report.settings)["pinned_not_in_bill_of_materials"] == "bn_multiplier"


def test_a_point_the_library_cannot_price_names_the_arch_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "arch.yaml"
    path.write_text("template: cim_macro\nadc_bits: 12\n")
    assert main(["evaluate", "--arch-file", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: arch: cim_macro 'cim_macro' cannot be priced on 45nm" in err and "bits = 12" in err
    assert hwcost.load_arch(path) == hwcost.CimMacroConfig(adc_bits=12)  # the file is not part of the design


def test_a_pinned_cost_beyond_the_library_bound_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "arch.yaml"
    path.write_text("template: mac_array\npinned:\n  glb: {energy_pj: 1.0, area_um2: 1.0e+308, source: x}\n")
    assert main(["evaluate", "--arch-file", str(path)]) == 2
    err = capsys.readouterr().err
    assert "arch.yaml:3: pinned.glb.area_um2" in err and "<= 1e+15" in err


@pytest.mark.parametrize("name", ["", "  ", ".", "hwcost", "no_such_template"])
def test_load_arch_refuses_a_name_that_is_neither_a_template_nor_a_file(name: str) -> None:
    # "" and "." used to resolve to the current folder and fail on reading a directory
    with pytest.raises(hwcost.HwcostError, match=rf"^arch: unknown architecture '{name}'; templates: mac_array"):
        registry.load_arch(name)
