"""Block planning of the CIM macro and the digital CIM (issue 20): a sweep plans the points sharing a scheme, a
library and every setting the plan branches on (``block_key``) at once, with the macro's shape,
the ADC bits and the macro count as arrays, and splits them by the structure of their rows (the
ADC resolutions their conversions need, whether their weights fit). Each point's numbers must be
exactly those of the point planned alone: the sweep of a varied grid is compared, value for value
(no tolerance), with the same sweep planning every point by itself, and with sweeps of each point
alone."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from hwcost import CimMacroConfig, DesignPoint, design_point, sweep
from hwcost.arch.cim_macro.config import PowerGating, SignedWeights
from hwcost.arch.cim_macro.template import CIM_MACRO, CimMacroTemplate
from hwcost.arch.digital_cim.config import DigitalCimConfig
from hwcost.arch.digital_cim.template import DigitalCimTemplate
from hwcost.evaluate import report_of
from hwcost.report import Category
from hwcost.schemes import get_scheme
from hwcost.techlib import load_techlib
from hwcost.workloads import load_workload


def _grid() -> list[DesignPoint]:
    """Points sharing their scheme, library and workload objects (a block needs the same ones)."""
    lib, resnet18, mobilenetv2 = load_techlib("45nm"), load_workload("resnet18"), load_workload("mobilenetv2")
    points = []
    for scheme, bits, gating, signed in itertools.product(("lsq", "lsq+"), (2, 4), PowerGating,
                                                          (SignedWeights.OFFSET, SignedWeights.DIGITAL)):
        s = get_scheme(scheme, bits, bits)
        for rows, cols, adc, macros in itertools.product((64, 256), (64, 128), (3, 8), (None, 8)):
            arch = CimMacroConfig(rows=rows, cols=cols, adc_bits=adc, macros=macros, power_gating=gating,
                                  signed_weights=signed)
            points.append(DesignPoint(s, arch, lib, resnet18))
    # Another workload and a peak (no workload) in the same sweep.
    s = get_scheme("lsq", 4, 4)
    points += [DesignPoint(s, CimMacroConfig(rows=r, macros=m), lib, mobilenetv2)
               for r, m in itertools.product((64, 128), (None, 4))]
    points.append(DesignPoint(s, CimMacroConfig(), lib, None))
    return points


@pytest.fixture(scope="module")
def swept() -> tuple[list, pd.DataFrame]:
    points = _grid()
    return points, sweep(points)


def test_the_grid_mixes_row_structures_within_a_block(swept: tuple[list, pd.DataFrame]) -> None:
    """The grid exercises the split: within one block key, some points reload their weights (a
    weight-writes row) and others do not, and their ADC rows convert at different sets of bits."""
    points, frame = swept
    keys = [CIM_MACRO.block_key(p.arch) for p in points]
    writes = frame["energy_pj.weight_writes"].to_numpy() > 0
    same_key = [i for i, k in enumerate(keys) if k == keys[0] and points[i].scheme is points[0].scheme]
    assert writes[same_key].any() and not writes[same_key].all()
    adc_bits = {p.arch.adc_bits for p in (points[i] for i in same_key)}
    assert adc_bits == {3, 8}


def test_a_block_plan_equals_the_per_point_plans(swept: tuple[list, pd.DataFrame],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The same sweep with every point planned alone (the template without ``plan_block``): every
    value of every column identical."""
    points, frame = swept
    monkeypatch.delattr(CimMacroTemplate, "plan_block")
    pd.testing.assert_frame_equal(frame, sweep(points), check_exact=True)


_TOTALS = {"energy_pj", "area_um2", "tops_per_w", "tops_per_mm2", "energy_per_mac_pj"}


def test_a_block_prices_each_point_as_it_alone(swept: tuple[list, pd.DataFrame]) -> None:
    """Each point swept by itself: every breakdown row, count and setting equal exactly. A total
    (over rows or categories) sums the same numbers in the order the rows first appear in its
    sweep, which the other points of a sweep can change: equal to a few ulps (the same with or
    without blocks)."""
    points, frame = swept
    categories = {c.value for c in Category}
    for i, point in enumerate(points):
        alone = sweep([point])
        row = frame.iloc[i]
        for column in frame.columns:
            if column not in alone.columns:  # a row the point does not have: 0 in the sweep of the grid
                assert row[column] == 0 or pd.isna(row[column]) or isinstance(row[column], str), (i, column)
                continue
            mine, its = row[column], alone[column].iloc[0]
            if column in _TOTALS or "@" in column or column.split(".", 1)[-1] in categories:
                assert mine == pytest.approx(its, rel=1e-14), (i, column)
            else:
                assert mine == its or (pd.isna(mine) and pd.isna(its)), (i, column, mine, its)


def test_the_report_of_a_point_has_its_rows_terms() -> None:
    """report_of (a block of one) gives the energy of each row as the terms of the point's rows times
    its counts: the weight-writes row present exactly when the weights do not fit."""
    small = report_of(design_point("lsq", 4, workload="resnet18", arch=CimMacroConfig(macros=8)))
    fits = report_of(design_point("lsq", 4, workload="resnet18", arch=CimMacroConfig(macros=None)))
    assert "weight_writes" in {r.unit for r in small.breakdown}
    assert "weight_writes" not in {r.unit for r in fits.breakdown}
    assert np.isclose(sum(r.energy_pj for r in small.breakdown), small.energy_pj, rtol=1e-12)


def _digital_grid() -> list[DesignPoint]:
    lib, resnet18 = load_techlib("45nm"), load_workload("resnet18")
    points = []
    for scheme, bits, gating in itertools.product(("lsq", "lsq+"), (2, 4), PowerGating):
        s = get_scheme(scheme, bits, bits)
        for rows, cols, macros in itertools.product((128, 256), (64, 256), (None, 16)):
            points.append(DesignPoint(s, DigitalCimConfig(rows=rows, cols=cols, macros=macros, power_gating=gating),
                                      lib, resnet18))
    return points


def test_a_digital_cim_block_plan_equals_the_per_point_plans(monkeypatch: pytest.MonkeyPatch) -> None:
    """The digital CIM's blocks (macro shape and count varying; some points reloading their weights,
    others not): the sweep equals, value for value, the same sweep planning every point alone, and
    each point's rows equal those of its sweep alone."""
    points = _digital_grid()
    frame = sweep(points)
    writes = frame["energy_pj.dcim_weight_writes"].to_numpy() > 0
    assert writes.any() and not writes.all()
    for i in (0, 5, len(points) - 1):
        alone = sweep([points[i]])
        for column in alone.columns:
            if column.startswith(("energy_pj.", "area_um2.")) and column.split(".", 1)[1] not in {c.value for c in Category}:
                assert frame[column].iloc[i] == alone[column].iloc[0], (i, column)
    monkeypatch.delattr(DigitalCimTemplate, "plan_block")
    pd.testing.assert_frame_equal(frame, sweep(points), check_exact=True)
