"""Datasets: scikit-learn's bundled 8x8 digits, or a user's ``.npz`` file.

A ``.npz`` file holds either ``x_train``, ``y_train``, ``x_test``, ``y_test`` or just ``x`` and
``y`` (then split 75/25, stratified, with the fixed seed ``SPLIT_SEED``). ``x`` is
``(N, features)``, ``(N, H, W)`` or ``(N, C, H, W)`` (``(N, H, W)`` becomes one channel); ``y``
holds integer class labels ``0 .. classes-1``. Inputs are min-max scaled to ``[0, 1]`` with the
training split's range, so that the first layer's unsigned input grid covers them. Digits are
``(N, 1, 8, 8)`` pixel intensities 0..16 scaled by 1/16.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hwcost.errors import HwcostError

__all__ = ["Dataset", "load_dataset", "stratified_split", "SPLIT_SEED", "TEST_FRACTION", "NPZ_KEYS"]

SPLIT_SEED = 0  # the train/test split is fixed; training seeds vary only the training
TEST_FRACTION = 0.25
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")


@dataclass(frozen=True, eq=False)
class Dataset:
    """Train and test arrays; ``fingerprint`` identifies the content for cache keys."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: int
    fingerprint: str

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])


def stratified_split(y: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Train and test indices with every class split in the same proportion.

    >>> train, test = stratified_split(np.array([0, 0, 0, 0, 1, 1, 1, 1]), 0.25, 0)
    >>> sorted(np.array([0, 0, 0, 0, 1, 1, 1, 1])[test].tolist())
    [0, 1]
    """
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == label))
        n_test = int(np.floor(len(idx) * test_fraction + 0.5))
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def _fingerprint(*arrays: np.ndarray) -> str:
    digest = hashlib.sha256()
    for a in arrays:
        digest.update(str(a.shape).encode())
        digest.update(np.ascontiguousarray(a).tobytes())
    return digest.hexdigest()[:16]


def _min_max_scale(x_train: np.ndarray, x_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    low, high = float(x_train.min()), float(x_train.max())
    span = high - low if high > low else 1.0
    return (x_train - low) / span, (x_test - low) / span


def _build(name: str, x_tr: np.ndarray, y_tr: np.ndarray, x_te: np.ndarray, y_te: np.ndarray) -> Dataset:
    if x_tr.ndim == 3:
        x_tr, x_te = x_tr[:, None], x_te[:, None]
    classes = int(max(y_tr.max(), y_te.max())) + 1
    return Dataset(name, x_tr, y_tr, x_te, y_te, classes, _fingerprint(x_tr, y_tr, x_te, y_te))


def _digits() -> Dataset:
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise HwcostError.single(
            "the 'digits' dataset needs scikit-learn: pip install 'hwcost[datasets]'", key="dataset"
        ) from None
    bunch = load_digits()
    x = bunch.images.astype(np.float64) / 16.0  # pixel intensities 0..16
    y = bunch.target.astype(np.int64)
    train, test = stratified_split(y, TEST_FRACTION, SPLIT_SEED)
    return _build("digits", x[train], y[train], x[test], y[test])


def _check_npz(path: Path, arrays: dict[str, np.ndarray]) -> list[str]:
    problems = []
    for key, value in arrays.items():
        if key.startswith("x") and (value.ndim not in (2, 3, 4) or not np.issubdtype(value.dtype, np.number)):
            problems.append(f"'{key}' must be a numeric array (N, features), (N, H, W) or (N, C, H, W)")
        if key.startswith("y") and (value.ndim != 1 or not np.issubdtype(value.dtype, np.integer) or value.min() < 0):
            problems.append(f"'{key}' must be a 1-D array of integer labels >= 0")
    return problems


def _npz(path: Path) -> Dataset:
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except FileNotFoundError:
        raise HwcostError.single("file not found", file=path) from None
    except (OSError, ValueError) as exc:
        raise HwcostError.single(f"not a readable .npz file ({exc.__class__.__name__})", file=path) from None
    if all(k in arrays for k in NPZ_KEYS):
        arrays = {k: arrays[k] for k in NPZ_KEYS}
    elif "x" in arrays and "y" in arrays:
        arrays = {"x": arrays["x"], "y": arrays["y"]}
    else:
        found = ", ".join(sorted(arrays)) or "(none)"
        raise HwcostError.single(f"expected keys {', '.join(NPZ_KEYS)} or x, y; found {found}", file=path)
    problems = _check_npz(path, arrays)
    if problems:
        raise HwcostError.single("; ".join(problems), file=path)
    if "x" in arrays:
        train, test = stratified_split(arrays["y"], TEST_FRACTION, SPLIT_SEED)
        x, y = arrays["x"].astype(np.float64), arrays["y"].astype(np.int64)
        x_tr, y_tr, x_te, y_te = x[train], y[train], x[test], y[test]
    else:
        x_tr, y_tr, x_te, y_te = (arrays[k] for k in NPZ_KEYS)
    x_tr, x_te = _min_max_scale(x_tr.astype(np.float64), x_te.astype(np.float64))
    return _build(path.name, x_tr, y_tr.astype(np.int64), x_te, y_te.astype(np.int64))


def load_dataset(spec: str | Path) -> Dataset:
    """``"digits"`` or the path of a ``.npz`` file."""
    if str(spec) == "digits":
        return _digits()
    path = Path(spec)
    if path.suffix != ".npz":
        raise HwcostError.single(f"unknown dataset '{spec}'; use 'digits' or a .npz file", key="dataset")
    return _npz(path)
