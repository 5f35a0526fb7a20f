"""The MAC array's accumulator buffer, banked global buffer and adder-tree PEs, priced against
hand computations from the technology library (docs/cost-model.md §1-4)."""

from __future__ import annotations

from pathlib import Path

import pytest

import hwcost
from hwcost.arch.mac_array.config import PeStyle
from hwcost.arch.shared.adder_tree import adder_tree
from hwcost.cli import main

LIB = hwcost.load_techlib("45nm")


def _rows(report: hwcost.CostReport) -> dict[str, hwcost.BreakdownRow]:
    return {r.unit: r for r in report.breakdown}


def _dynamic(row: hwcost.BreakdownRow) -> float:
    return row.energy_pj - row.static_pj


def test_an_adder_tree_replaces_per_pe_accumulation() -> None:
    arch = hwcost.MacArrayConfig(pe_style=PeStyle.ADDER_TREE)
    report = hwcost.evaluate("lsq", 8, arch=arch, workload="peak")
    acc = hwcost.classify(hwcost.get_scheme("lsq").with_bits(8, 8), 1024).accumulator_bits
    # A 16-input tree of 16-bit products: 8 + 4 + 2 + 1 adders of 16, 17, 18 and 19-bit operands
    # (each adder priced at its operand width), one accumulating adder per column; per MAC, that
    # column's cycle divided by its 16 rows.
    tree = sum(n * LIB.energy_pj("int_adder", bits=15 + level) for level, n in enumerate((8, 4, 2, 1), start=1))
    per_mac = (tree + LIB.energy_pj("int_adder", bits=acc)) / 16
    rows = _rows(report)
    assert _dynamic(rows["accumulator"]) == pytest.approx(per_mac * report.macs)
    # Its leakage: per column the 15 tree adders and the accumulating adder.
    tree_leak = sum(n * LIB.leakage_mw("int_adder", bits=15 + level) for level, n in enumerate((8, 4, 2, 1), start=1))
    leak = 16 * (tree_leak + LIB.leakage_mw("int_adder", bits=acc))
    assert rows["accumulator"].static_pj == pytest.approx(leak * report.latency_s * 1e9)
    # Registers per MAC: the row's input register shared by 16 columns, the column's accumulator
    # register shared by 16 rows; plus one 8-bit weight register per weight loaded (1024 x 16).
    regs = (LIB.energy_pj("register", bits=8) / 16 + LIB.energy_pj("register", bits=acc) / 16) * report.macs
    assert _dynamic(rows["pe_registers"]) == pytest.approx(regs + 1024 * 16 * LIB.energy_pj("register", bits=8))
    per_pe = hwcost.evaluate("lsq", 8, workload="peak")
    assert _dynamic(_rows(per_pe)["pe_registers"]) > 10 * _dynamic(rows["pe_registers"])


def test_adder_tree_levels() -> None:
    assert adder_tree(16, 8).levels == ((8, 8), (4, 9), (2, 10), (1, 11))
    assert adder_tree(12, 4).levels == ((6, 4), (3, 5), (1, 6), (1, 7))  # 12 -> 6 -> 3 -> 2 -> 1
    assert adder_tree(1, 8).levels == () and adder_tree(1000, 1).adders == 999


@pytest.mark.parametrize("flow", ["output_stationary", "input_stationary", "auto"])
def test_an_adder_tree_with_another_dataflow_exits_2(flow: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "arch.yaml"
    path.write_text(f"template: mac_array\ndataflow: {flow}\npe_style: adder_tree\n")
    assert main(["evaluate", "--arch-file", str(path)]) == 2
    err = capsys.readouterr().err
    assert "arch.yaml:3" in err and "pe_style" in err and "weight_stationary" in err


def test_the_accumulator_buffer_takes_the_partial_sums_off_the_global_buffer() -> None:
    with_acc = hwcost.evaluate("lsq", 4)
    without = hwcost.evaluate("lsq", 4, arch=hwcost.MacArrayConfig(acc_buffer_kib=0))
    a, b = _rows(with_acc), _rows(without)
    assert "acc_buffer" not in b and a["acc_buffer"].actions > 0
    assert a["glb"].actions < b["glb"].actions
    # Its accesses move rows of C accumulators: min(16 x acc bits, 256) bits each.
    port = min(16 * 18, 256)
    e = LIB.energy_pj("sram", "read", capacity_bytes=64 * 1024, width_bits=port)
    e += LIB.energy_pj("sram", "write", capacity_bytes=64 * 1024, width_bits=port)
    dynamic = a["acc_buffer"].energy_pj - a["acc_buffer"].static_pj
    assert dynamic == pytest.approx(e * a["acc_buffer"].actions / 2, rel=0.05)
    # Its leakage (CACTI, 64 KiB) over the inference's latency.
    leak = LIB.leakage_mw("sram", capacity_bytes=64 * 1024, width_bits=port)
    assert a["acc_buffer"].static_pj == pytest.approx(leak * with_acc.latency_s * 1e9)


def test_a_glb_access_is_priced_as_one_bank() -> None:
    report = hwcost.evaluate("lsq", 4)
    glb = _rows(report)["glb"]
    bank = dict(capacity_bytes=32 * 1024, width_bits=64)  # 128 KiB in 4 banks
    assert glb.area_um2 == pytest.approx(4 * LIB.area_um2("sram", **bank))
    one = hwcost.evaluate("lsq", 4, arch=hwcost.MacArrayConfig(glb_banks=1))
    assert _rows(one)["glb"].area_um2 == pytest.approx(LIB.area_um2("sram", capacity_bytes=128 * 1024, width_bits=64))
    assert one.latency_cycles >= report.latency_cycles  # a quarter of the buffer's bandwidth


def test_banks_smaller_than_the_smallest_sram_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "arch.yaml"
    path.write_text("template: mac_array\nglb_kib: 2\nglb_banks: 4\n")
    assert main(["evaluate", "--arch-file", str(path)]) == 2
    err = capsys.readouterr().err
    assert "arch.yaml:3" in err and "glb_banks" in err and "1 KiB" in err


@pytest.mark.parametrize("node", ["45nm", "45nm-lp"])
def test_dataflow_auto_takes_the_cheaper_dataflow_of_every_layer(node: str) -> None:
    from hwcost.arch.mac_array.config import Dataflow

    flows = (Dataflow.WEIGHT_STATIONARY, Dataflow.OUTPUT_STATIONARY, Dataflow.INPUT_STATIONARY)
    runs = {d: hwcost.evaluate("lsq", 4, arch=hwcost.MacArrayConfig(dataflow=d), workload="mobilenetv2", node=node)
            for d in (*flows, Dataflow.AUTO)}
    auto = runs[Dataflow.AUTO].layers
    assert len({layer.mapping.split(",")[0] for layer in auto}) >= 2
    for i, a in enumerate(auto):
        energies = [runs[d].layers[i].energy_pj for d in flows]
        assert a.energy_pj == pytest.approx(min(energies), rel=1e-9)
        assert a.mapping.split(",")[0] == flows[energies.index(min(energies))].value
    assert runs[Dataflow.AUTO].energy_pj < min(runs[d].energy_pj for d in flows)


def test_dataflow_auto_minimising_energy_delay() -> None:
    from hwcost.arch.mac_array.config import Dataflow, MappingObjective

    flows = (Dataflow.WEIGHT_STATIONARY, Dataflow.OUTPUT_STATIONARY, Dataflow.INPUT_STATIONARY)
    runs = {d: hwcost.evaluate("lsq", 4, arch=hwcost.MacArrayConfig(dataflow=d), workload="mobilenetv2") for d in flows}
    edp = hwcost.evaluate("lsq", 4, arch=hwcost.MacArrayConfig(dataflow=Dataflow.AUTO,
                                                                mapping_objective=MappingObjective.EDP),
                          workload="mobilenetv2")
    for i, a in enumerate(edp.layers):
        products = [runs[d].layers[i].energy_pj * runs[d].layers[i].latency_cycles for d in flows]
        assert a.mapping.split(",")[0] == flows[products.index(min(products))].value


@pytest.mark.parametrize(("standard", "pj_per_bit"), [("lpddr4", 8), ("hbm2", 3.9), ("gddr5", 14), ("ddr3", 70)])
def test_dram_energy_per_bit_follows_the_standard(standard: str, pj_per_bit: float, tmp_path: Path) -> None:
    # The DRAM.type2energy table of Accelergy's hwcomponents-cacti.
    path = tmp_path / "arch.yaml"
    path.write_text(f"template: mac_array\ndram_standard: {standard}\n")
    dram = _rows(hwcost.evaluate("lsq", 4, arch=path))["dram"]
    assert dram.energy_pj == pytest.approx(pj_per_bit * dram.actions)


def test_an_unknown_dram_standard_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "arch.yaml"
    path.write_text("template: mac_array\ndram_standard: ddr5\n")
    assert main(["evaluate", "--arch-file", str(path)]) == 2
    err = capsys.readouterr().err
    assert "arch.yaml:2: dram_standard" in err and "lpddr4, hbm2" in err


def test_a_mapping_objective_without_dataflow_auto_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "arch.yaml"
    path.write_text("template: mac_array\ndataflow: input_stationary\nmapping_objective: edp\n")
    assert main(["evaluate", "--arch-file", str(path)]) == 2
    err = capsys.readouterr().err
    assert "arch.yaml" in err and "mapping_objective" in err and "auto" in err and "Traceback" not in err
