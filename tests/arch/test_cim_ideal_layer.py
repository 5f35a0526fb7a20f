"""The peak's ideal layer of the CIM templates (hwcost/arch/cim_macro/ideal.py): a reduction of
RG row groups -- at least 1024 long, as the MAC array's, where the macros allow -- on RG x M / RG
macros, every macro working, nothing reloaded. Values below are hand counts."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hwcost import evaluate, load_arch
from hwcost.arch.cim_macro.ideal import ideal_row_groups
from hwcost.arch.registry import template_named
from hwcost.schemes import get_scheme


@pytest.mark.parametrize(("rows", "macros", "expected"), [
    (128, 108, 9),    # ceil(1024/128) = 8; divisors of 108: 1 2 3 4 6 9 ... -> 9 (1152 rows)
    (128, 16, 8),     # 8 divides 16
    (256, 6, 6),      # needs 4; divisors of 6: 1 2 3 6 -> 6
    (100, 30, 15),    # needs ceil(10.24) = 11; divisors of 30 >= 11: 15
    (128, 7, 7),      # fewer macros than the 8 wanted: all of them
    (2304, 1, 1),     # one macro, already 2304 >= 1024 rows
    (128, None, 8),   # auto: as many macros as the layer needs
    (1000, None, 2),
])
def test_row_groups_hand_counts(rows: int, macros: int | None, expected: int) -> None:
    assert ideal_row_groups(rows, macros) == expected


def test_default_cim_macro_peak_runs_at_full_utilisation() -> None:
    """128 x 128, 108 macros, lsq W4/A4: 4 weight columns x 2 polarities -> 16 channels per macro;
    RG = 9 row groups x 12 column tiles -> N = 1152, K = 192, P = 1024. Per pixel: S_a = 4 input
    bits x ceil(128 conversions / 16 ADCs) = 32 cycles; the 16 lanes take 192 / 16 = 12 cycles, so
    the macros bind: latency 1024 x 32 = 32,768 cycles and utilisation 1 (one row group on 108
    macros: K = 1728, lanes 110,592 cycles, 0.30)."""
    arch, scheme = load_arch("cim"), get_scheme("lsq", 4)
    layer = template_named("cim_macro").ideal_layer(arch, scheme)
    assert (layer.reduction_length, layer.out_channels, layer.output_pixels) == (1152, 192, 1024)
    r = evaluate("lsq", 4, arch=arch, workload="peak")
    assert r.macs == 1024 * 1152 * 192
    assert r.latency_cycles == 1024 * 4 * 8
    assert r.utilisation == pytest.approx(1.0)
    # the 8 extra row groups' partial sums are added digitally: O x (RG - 1)
    rows = {row.unit: row for row in r.breakdown}
    assert rows["row_group_accumulator"].actions == 1024 * 192 * 8


def test_a_single_macro_stays_one_row_group_and_its_lanes_bound_it() -> None:
    """2304 x 256, 256 ADCs, 1 macro, lsq 1b/1b: K = 256 / 2 = 128 channels, one row group (no
    weight reload). Per pixel 1 cycle of the macro, 128 / 16 = 8 of the lanes: the design's
    post-processing lanes bind, utilisation 1/8 -- a property of the design, not of the layer."""
    arch = replace(load_arch("cim"), rows=2304, cols=256, adc_share=1, macros=1)
    layer = template_named("cim_macro").ideal_layer(arch, get_scheme("lsq", 1))
    assert (layer.reduction_length, layer.out_channels) == (2304, 128)
    r = evaluate("lsq", 1, arch=arch, workload="peak")
    assert r.latency_cycles == 1024 * 128 / 16
    assert r.utilisation == pytest.approx(1 / 8)


def test_digital_cim_ideal_layer_spans_row_groups_on_auto_macros() -> None:
    """256 x 256, weight groups of 4 bits, auto macros, lsq W4/A4: RG = ceil(1024 / 256) = 4 macros,
    one column tile of 256 / 4 = 64 channels: N = 1024, K = 64; every macro one tile."""
    arch = load_arch("dcim")
    layer = template_named("digital_cim").ideal_layer(arch, get_scheme("lsq", 4))
    assert (layer.reduction_length, layer.out_channels, layer.output_pixels) == (1024, 64, 1024)
    r = evaluate("lsq", 4, arch=arch, workload="peak")
    assert dict(r.settings)["macros"] == 4
    assert r.utilisation == pytest.approx(1.0)
