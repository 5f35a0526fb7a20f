"""Realisation choices that contradict the grids are refused when the scheme is built."""

from dataclasses import replace

import pytest

from hwcost.errors import HwcostError
from hwcost.schemes import Granularity, ScaleRealisation, ScaleType, ZeroPointRealisation, get_scheme


def test_weight_zero_point_cannot_be_folded() -> None:
    with pytest.raises(HwcostError, match="zero_point_realisation: 'fold' cannot fold"):
        replace(get_scheme("asymmetric"), zero_point_realisation=ZeroPointRealisation.FOLD)
    for ok in (ZeroPointRealisation.RUNTIME, ZeroPointRealisation.PRE_SUBTRACT):
        replace(get_scheme("asymmetric"), zero_point_realisation=ok)


def test_operand_dequantization_needs_fixed_point_scales_and_pre_subtraction() -> None:
    lsq = get_scheme("lsq")
    with pytest.raises(HwcostError, match="outputs.scale_type"):
        replace(lsq, scale_realisation=ScaleRealisation.OPERAND, outputs=replace(lsq.outputs, scale_type=ScaleType.FLOAT))
    with pytest.raises(HwcostError, match="use zero_point_realisation 'pre-subtract'"):
        replace(get_scheme("lsq+"), scale_realisation=ScaleRealisation.OPERAND)
    replace(get_scheme("lsq+"), scale_realisation=ScaleRealisation.OPERAND,
            zero_point_realisation=ZeroPointRealisation.PRE_SUBTRACT)


def test_outputs_are_per_tensor() -> None:
    lsq = get_scheme("lsq")
    with pytest.raises(HwcostError, match="outputs.granularity"):
        replace(lsq, outputs=replace(lsq.outputs, granularity=Granularity.CHANNEL))
