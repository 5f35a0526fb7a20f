"""CIM template: parameters shared with training, YAML loading, CLI overrides and errors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from hwcost.arch.cim_macro.config import (
    CIM_MACRO_DEFAULTS,
    CellType,
    CimMacroConfig,
    CimMacroParams,
    SignedWeights,
    lossless_adc_bits,
)
from hwcost.arch.registry import load_arch, with_overrides
from hwcost.cli import main
from hwcost.errors import HwcostError


@pytest.mark.parametrize("rows, c, p, expected", [(128, 1, 1, 8), (128, 2, 1, 9), (128, 2, 2, 11), (256, 1, 1, 9),
                                                  (9, 1, 1, 4), (100, 1, 4, 11)])
def test_lossless_adc_bits_counts_every_level(rows: int, c: int, p: int, expected: int) -> None:
    levels = rows * (2**c - 1) * (2**p - 1) + 1
    assert lossless_adc_bits(rows, c, p) == expected == math.ceil(math.log2(levels))
    assert expected <= math.ceil(math.log2(rows)) + c + p  # the commonly quoted bound


def test_lossless_bits_vectorise() -> None:
    got = lossless_adc_bits(np.array([[16, 128]]), 1, np.array([[1], [2]]))
    assert got.tolist() == [[5, 8], [6, 9]]  # 16*3+1 = 49 -> 6; 128*3+1 = 385 -> 9


def test_macro_params_for_training() -> None:
    params = CimMacroParams(rows=128, cell_bits=1, input_bits_per_pulse=1, adc_bits=5)
    assert params.lossless_adc_bits() == 8 and params.adc_quantizes()
    assert params.adc_step() == 8  # 2^(8 - 5) column-sum levels per ADC code
    assert not params.adc_quantizes(active_rows=27)  # a 27-row layer needs ceil(log2 28) = 5 bits
    assert CIM_MACRO_DEFAULTS.macro_params == CimMacroParams()


def test_templates_by_name() -> None:
    assert load_arch("cim") is CIM_MACRO_DEFAULTS
    assert load_arch("cim_macro") is CIM_MACRO_DEFAULTS


def test_yaml_arch_file(tmp_path: Path) -> None:
    path = tmp_path / "cim.yaml"
    path.write_text("template: cim_macro\nrows: 256\ncell: rram_1t1r\ncell_bits: 2\nadc_bits: 6\n"
                    "signed_weights: offset\nmacros: 400\n")
    arch = load_arch(path)
    assert isinstance(arch, CimMacroConfig)
    assert (arch.rows, arch.cell, arch.cell_bits, arch.adc_bits) == (256, CellType.RRAM_1T1R, 2, 6)
    assert arch.signed_weights is SignedWeights.OFFSET and arch.macros == 400


def test_yaml_problems_are_all_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("template: cim_macro\nrows: 0\nadc_bitz: 5\ncell: flash\n")
    with pytest.raises(HwcostError) as err:
        load_arch(path)
    text = str(err.value)
    assert "adc_bitz" in text and "valid keys" in text and "adc_bits" in text
    assert "rows" in text and "flash" in text and "bad.yaml:" in text


def test_overrides_are_validated() -> None:
    assert with_overrides(CIM_MACRO_DEFAULTS, {"adc_bits": 5}).adc_bits == 5
    with pytest.raises(HwcostError, match="sram_6t cell holds exactly 1 bit"):
        with_overrides(CIM_MACRO_DEFAULTS, {"cell_bits": 2})
    with pytest.raises(HwcostError, match="divisor of cols"):
        with_overrides(CIM_MACRO_DEFAULTS, {"adc_share": 6})


def test_cli_cim_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--arch", "cim", "--adc-bits", "5", "--scheme", "lsq", "--bits", "4"]) == 0
    out = capsys.readouterr().out
    assert "cim_macro on 45nm" in out and "adc" in out and "cim periphery" in out
    assert "ADC 5 b < lossless 8 b" in out and "partial sums quantized in 20 of 22 layers" in out


@pytest.mark.parametrize("argv, message", [
    (["--adc-bits", "5"], "apply to the cim template only"),
    (["--arch", "cim", "--adc-bits", "9"], "bits in [1, 8]"),
    (["--arch", "cim", "--macros", "many"], "macros"),
    (["--arch", "cim", "--cell", "sram_8t", "--cell-bits", "2"], "holds exactly 1 bit"),
])
def test_cli_errors_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_fp_edge_layers_are_refused() -> None:
    from dataclasses import replace

    from hwcost.evaluate import design_point, report_of
    from hwcost.schemes import get_scheme

    scheme = replace(get_scheme("lsq", 4, 4), first_last_bits=None)
    with pytest.raises(HwcostError, match="integer layers only"):
        report_of(design_point(scheme, arch="cim"))


def test_doctests_of_the_cim_module() -> None:
    import doctest

    import hwcost.arch.cim_macro.config as module

    assert doctest.testmod(module).failed == 0
