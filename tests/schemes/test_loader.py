from dataclasses import replace
from pathlib import Path

import pytest

from hwcost.errors import HwcostError
from hwcost.schemes import (
    BNHandling,
    BNRealisation,
    ScaleType,
    ZeroPoint,
    ZeroPointRealisation,
    get_scheme,
    load_scheme,
)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scheme.yaml"
    path.write_text(text)
    return path


def test_full_scheme_without_base(tmp_path: Path) -> None:
    path = _write(tmp_path, (
        "name: mine\n"
        "weights: {bits: 4, signed: true, scale_type: pot}\n"
        "activations: {bits: 6, signed: false, zero_point: static}\n"
        "bn: unfused\n"
        "zero_point_realisation: pre-subtract\n"
        "first_last_bits: null\n"
    ))
    scheme = load_scheme(path)
    assert scheme.name == "mine"
    assert (scheme.weights.bits, scheme.weights.scale_type) == (4, ScaleType.POT)
    assert scheme.outputs == scheme.activations  # outputs default to the activation grid
    assert scheme.activations.zero_point is ZeroPoint.STATIC
    assert scheme.bn is BNHandling.UNFUSED and scheme.first_last_bits is None
    assert scheme.zero_point_realisation is ZeroPointRealisation.PRE_SUBTRACT


def test_base_plus_overrides(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: lsq+4\nbase: lsq+\nweights: {bits: 4}\nactivations: {bits: 4}\n")
    scheme = load_scheme(path)
    preset = get_scheme("lsq+", 4, 4)
    assert scheme.weights == preset.weights and scheme.activations == preset.activations
    assert scheme.outputs == preset.outputs and scheme.training is preset.training


def _problems(tmp_path: Path, text: str) -> str:
    with pytest.raises(HwcostError) as info:
        load_scheme(_write(tmp_path, text))
    return str(info.value)


def test_every_problem_at_once_with_file_line_and_key(tmp_path: Path) -> None:
    text = _problems(tmp_path, (
        "name: bad\n"
        "weights: {bits: 0, signed: true, colour: red}\n"
        "activations: {bits: 33, signed: false}\n"
        "bn: maybe\n"
        "precision: 4\n"
    ))
    path = tmp_path / "scheme.yaml"
    assert text.startswith("5 problems:")
    assert f"{path}:2: weights.bits: expected an integer >= 1, got 0" in text
    assert f"{path}:3: activations.bits: expected an integer <= 32, got 33" in text
    assert f"{path}:2: weights.colour: unknown key 'colour'; valid keys: bits, centred" in text
    assert f"{path}:4: bn: expected one of folded, unfused, none" in text
    assert f"{path}:5: precision: unknown key 'precision'; valid keys: activations, base" in text


def test_contradictions_name_the_key_and_line(tmp_path: Path) -> None:
    text = _problems(tmp_path, "name: c\nbase: asymmetric\nzero_point_realisation: fold\n")
    assert f"{tmp_path / 'scheme.yaml'}:3: zero_point_realisation: 'fold' cannot fold the weight zero-point" in text
    text = _problems(tmp_path, "name: c\nbase: lsq\nweights: {centred: true, narrow_range: true}\n")
    assert "weights.narrow_range" in text
    text = _problems(tmp_path, "name: c\nbase: lsq\nscale_realisation: operand\nweights: {scale_type: float}\n")
    assert "weights.scale_type: scale_realisation 'operand'" in text


def test_missing_tensors_without_base_and_unknown_base(tmp_path: Path) -> None:
    text = _problems(tmp_path, "name: x\nweights: {bits: 4}\n")
    assert "weights: missing required key 'signed'" in text
    assert "activations: missing required key 'activations'" in text
    text = _problems(tmp_path, "name: x\nbase: lsq++\n")
    assert "base: expected one of pot, symmetric" in text


def test_not_a_mapping(tmp_path: Path) -> None:
    assert "expected a mapping" in _problems(tmp_path, "- 1\n- 2\n")


def test_m0_bits_auto_integer_and_bn_realisation(tmp_path: Path) -> None:
    auto = load_scheme(_write(tmp_path, "name: a\nbase: lsq\nm0_bits: auto\nweights: {bits: 4}\nactivations: {bits: 4}\n"))
    assert auto.m0_width is None and auto.m0_bits == 4 + 1 + 7  # sized for the 4-bit outputs
    pinned = load_scheme(_write(tmp_path, "name: p\nbase: lsq\nm0_bits: 32\nbn: unfused\nbn_realisation: separate\n"))
    assert (pinned.m0_bits, pinned.bn_realisation) == (32, BNRealisation.SEPARATE)
    assert get_scheme("lsq", 8, 8).m0_bits == 16  # NVDLA's cvt_scale width at int8
    assert get_scheme("bn-unfused").bn_realisation is BNRealisation.MERGED


def test_bad_m0_bits_and_bn_realisation_name_line_and_key(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: b\nbase: lsq\nm0_bits: wide\nbn_realisation: fused\n")
    with pytest.raises(HwcostError) as exc:
        load_scheme(path)
    text = str(exc.value)
    assert f"{path}:3: m0_bits: expected an integer 2..64 or 'auto', got 'wide'" in text
    assert f"{path}:4: bn_realisation:" in text and "merged" in text and "separate" in text
    with pytest.raises(HwcostError, match="m0_bits: expected an integer 2..64 or auto, got 1"):
        replace(get_scheme("lsq"), m0_width=1)
