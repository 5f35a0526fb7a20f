"""The on-chip network of the MAC array (docs/cost-model.md §2, "On-chip network"): every bit the
GLB exchanges with the array crosses (sqrt(A_glb) + sqrt(A_array)) / 2 of repeated wire at
1/2 p C V^2 per bit per mm -- counts by hand, the wire energy from its constants."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import hwcost
from hwcost.arch.mac_array.counts import count_actions
from tests.arch.test_dataflow import _layer, _params

PE_GRID = ("mac_multiplier", "accumulator", "pe_registers", "shift_add")


def test_the_network_carries_every_bit_the_glb_exchanges_with_the_array() -> None:
    # WS, N = 576, K = 64, P = 64 at 4 bits, no local buffers (test_dataflow's first case): the GLB
    # sends 4 column tiles x 64 x 576 activations and the 576 x 64 weights, reads back half the
    # partial sums and writes the other half and the outputs; the weights' arrival from DRAM is
    # not network traffic.
    a = count_actions(_layer(576, 64, 64), _params(os_=False))
    psum_bits = 2 * (64 * 64) * 35 * 18
    to_array = 4 * 64 * 576 * 4 + 576 * 64 * 4 + psum_bits / 2
    from_array = 64 * 64 * 4 + psum_bits / 2
    assert a.noc_bits[0, 0] == to_array + from_array


def test_the_network_energy_is_the_wire_law_over_the_floorplan_distance() -> None:
    report = hwcost.evaluate("lsq+", 4)
    rows = {r.unit: r for r in report.breakdown}
    glb_um2 = rows["glb"].area_um2
    array_um2 = sum(rows[u].area_um2 for u in PE_GRID if u in rows)
    mm = (math.sqrt(glb_um2) + math.sqrt(array_um2)) / 2 / 1000
    fj_per_bit_mm = 0.5 * 0.5 * 600 * 0.9**2  # 1/2 p C V^2: p 0.5, 600 fF/mm, the 45 nm library's 0.9 V
    noc = rows["noc"]
    assert noc.energy_pj == pytest.approx(noc.actions * fj_per_bit_mm * 1e-3 * mm)
    assert noc.area_um2 == 0 and noc.static_pj == 0
    assert 0.3 < mm < 1.0  # a 128 KiB GLB (~0.4 mm2) beside a 16 x 16 array (~0.14 mm2)


def test_a_bigger_glb_sends_its_bits_farther() -> None:
    small, big = (hwcost.evaluate("lsq", 8, arch=hwcost.MacArrayConfig(glb_kib=kib)) for kib in (64.0, 512.0))
    per_bit = [{r.unit: r for r in rep.breakdown}["noc"] for rep in (small, big)]
    assert per_bit[1].energy_pj / per_bit[1].actions > per_bit[0].energy_pj / per_bit[0].actions


def test_a_library_without_a_wire_prices_no_network(tmp_path: Path) -> None:
    import re

    text = Path(hwcost.__file__).parent.joinpath("techlib", "data", "45nm.yaml").read_text()
    start = text.index("\n  wire:")
    end = re.compile(r"\n  [a-z_]+:").search(text, start + 1)
    lib = tmp_path / "nowire.yaml"
    lib.write_text(text[:start] + (text[end.start():] if end else "\n"))
    report = hwcost.evaluate("lsq", 8, node=lib)
    assert "noc" not in {r.unit for r in report.breakdown}
    assert dict(report.settings)["noc"].startswith("not priced")

