"""measure_accuracy: the done-when figures on digits, determinism, the cache, datasets, errors."""

from __future__ import annotations

import json
import pickle
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from hwcost.errors import HwcostError
from hwcost.schemes.presets import get_scheme
from hwcost.accuracy import AccuracyResult, measure_accuracy
from hwcost.accuracy.cache import cache_dir

SEEDS = (0, 1, 2)
QUICK = {"epochs": 1, "fp_epochs": 2}


@pytest.fixture(scope="module")
def symmetric_by_bits() -> dict[int, list[AccuracyResult]]:
    # M0 pinned at TFLite's 32 bits: the integer-only emulation then equals fake-quant (below). With
    # m0_bits auto (b_out + 1 + 7, 10 bits at 2-bit outputs) 6 of 902 digits predictions changed
    # at W2 (docs/schemes.md): that is the narrower multiplier's effect, not an emulation error.
    return {b: [measure_accuracy(replace(get_scheme("symmetric", b, b), m0_width=32), seed=s) for s in SEEDS]
            for b in (8, 4, 2)}


def test_eight_bit_qat_is_within_one_percent_of_full_precision(symmetric_by_bits) -> None:
    for r in symmetric_by_bits[8]:
        assert r.accuracy >= r.fp_accuracy - 0.01


def test_fewer_bits_lose_accuracy_on_average_over_seeds(symmetric_by_bits) -> None:
    mean = {b: np.mean([r.accuracy for r in rs]) for b, rs in symmetric_by_bits.items()}
    assert mean[2] < mean[4] < mean[8]


def test_integer_only_accuracy_equals_fake_quant(symmetric_by_bits) -> None:
    for results in symmetric_by_bits.values():
        for r in results:
            assert abs(r.integer_accuracy - r.accuracy) <= 0.005


def test_reruns_are_identical_and_cached(private_cache: Path) -> None:
    scheme = get_scheme("lsq", 4, 4)
    first = measure_accuracy(scheme, use_cache=False, seed=5, **QUICK)
    assert measure_accuracy(scheme, use_cache=False, seed=5, **QUICK) == first
    stored = measure_accuracy(scheme, seed=5, **QUICK)
    assert stored == first and not stored.from_cache
    hit = measure_accuracy(scheme, seed=5, **QUICK)
    assert hit == first and hit.from_cache
    assert cache_dir().is_relative_to(private_cache)
    changed = measure_accuracy(replace(scheme, weights=replace(scheme.weights, narrow_range=True)), seed=5, **QUICK)
    assert not changed.from_cache


def _measure_in_child(seed: int) -> AccuracyResult:
    return measure_accuracy(get_scheme("pot", 4, 4), seed=seed, integer=False, **QUICK)


def test_parallel_processes_share_the_cache_safely() -> None:
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_measure_in_child, [3, 3, 3, 3]))
    assert all(r == results[0] for r in results)
    assert not list(cache_dir().glob(".*.tmp"))
    assert pickle.loads(pickle.dumps(results[0])) == results[0]
    assert _measure_in_child(3).from_cache


def test_user_npz_dataset(tmp_path: Path, digits) -> None:
    path = tmp_path / "mine.npz"
    x = np.concatenate([digits.x_train, digits.x_test])[:, 0] * 16.0  # (N, 8, 8), raw range
    y = np.concatenate([digits.y_train, digits.y_test])
    np.savez(path, x=x, y=y)
    r = measure_accuracy(get_scheme("symmetric", 8, 8), dataset=path, **QUICK)
    assert r.settings.dataset == str(path) and 0.5 < r.accuracy <= 1.0
    np.savez(tmp_path / "flat.npz", x_train=x[:1000].reshape(1000, -1), y_train=y[:1000],
             x_test=x[1000:].reshape(-1, 64), y_test=y[1000:])
    assert measure_accuracy(get_scheme("lsq", 8, 8), dataset=tmp_path / "flat.npz", **QUICK).accuracy > 0.5


@pytest.mark.parametrize(
    ("arrays", "message"),
    [({"images": np.zeros((4, 2))}, "expected keys x_train"), ({"x": np.zeros((4, 2)), "y": np.zeros(4)}, "integer labels")],
)
def test_bad_npz_files_name_the_problem(tmp_path: Path, arrays, message: str) -> None:
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(HwcostError, match=message) as info:
        measure_accuracy(get_scheme("lsq"), dataset=path, **QUICK)
    assert str(path) in str(info.value)


def test_user_errors_are_hwcost_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(HwcostError, match="file not found"):
        measure_accuracy(get_scheme("lsq"), dataset=tmp_path / "missing.npz")
    with pytest.raises(HwcostError) as info:
        measure_accuracy(get_scheme("lsq"), model="resnet", epochs=-1)
    assert "model" in str(info.value) and "epochs" in str(info.value)
    with pytest.raises(HwcostError, match="cnn"):
        measure_accuracy(get_scheme("lsq"), model="cnn", dataset=_flat_npz(tmp_path), **QUICK)
    monkeypatch.setitem(sys.modules, "sklearn", None)  # no scikit-learn: its digits file cannot be found
    with pytest.raises(HwcostError, match=r"hwcost\[datasets\]"):
        measure_accuracy(get_scheme("lsq"), **QUICK)


def _flat_npz(tmp_path: Path) -> Path:
    path = tmp_path / "flat.npz"
    rng = np.random.default_rng(0)
    np.savez(path, x=rng.normal(size=(40, 6)), y=np.arange(40) % 2)
    return path


def test_result_serialises_to_json() -> None:
    r = measure_accuracy(get_scheme("lsq", 4, 4), **QUICK)
    data = json.loads(json.dumps(r.to_dict()))
    assert AccuracyResult.from_dict(data) == r and data["settings"]["model"] == "mlp"



def test_a_field_added_with_key_omit_default_keeps_the_cache_keys(private_cache: Path) -> None:
    # mac_realisation (binary layers) arrived after results were cached: at its default it is left
    # out of the key, which is then the key those results were cached under; a result cached while
    # the field was still keyed (hwcost 2026-12-02, 03:49 to 07:20) is found under that key too.
    import hashlib
    from dataclasses import fields as dataclass_fields

    from hwcost.accuracy import cache
    from hwcost.schemes import QuantScheme

    scheme = get_scheme("lsq", 4, 4)
    assert any(f.name == "mac_realisation" and f.metadata.get("key_omit_default") for f in dataclass_fields(QuantScheme))
    full = cache.plain({"scheme": scheme}, omit_defaults=False)
    del full["scheme"]["mac_realisation"]  # the key before the field existed, by hand
    text = json.dumps(full, sort_keys=True, separators=(",", ":"))
    assert cache.cache_key("acc", {"scheme": scheme}) == f"acc-{hashlib.sha256(text.encode()).hexdigest()[:32]}"

    seen: list[str] = []
    real_read = cache.read_json
    cache.read_json = lambda key: seen.append(key) or real_read(key)  # type: ignore[assignment]
    try:
        first = measure_accuracy(scheme, seed=7, **QUICK)  # not cached: both keys looked up, then trained
    finally:
        cache.read_json = real_read
    canonical, interim = seen
    assert canonical != interim and not first.from_cache
    # the result as the interim keying stored it: found, not trained again
    (cache_dir() / f"{canonical}.json").rename(cache_dir() / f"{interim}.json")
    hit = measure_accuracy(scheme, seed=7, **QUICK)
    assert hit.from_cache and hit == first
