"""Datasets: real images (Fashion-MNIST, CIFAR-10/100), scikit-learn's 8x8 digits, a user ``.npz``.

- ``fashion-mnist`` (Xiao et al., arXiv:1708.07747): 60,000 training and 10,000 test 28x28 grey
  images of 10 clothing classes, IDX files (:mod:`hwcost.accuracy.datasets.idx`), found by
  :mod:`hwcost.accuracy.datasets.locate` (``data_dir``, ``$HWCOST_DATA_DIR``, Debian's
  ``/usr/share/datasets/fashion-mnist``).
- ``cifar10`` / ``cifar100`` (Krizhevsky 2009): 50,000 / 10,000 32x32 RGB images in the python
  batches a user brings (:mod:`hwcost.accuracy.datasets.cifar`).
- ``digits``: scikit-learn's 1,797 8x8 digits, the fast proxy of the tests; ``(N, 1, 8, 8)``
  pixel intensities 0..16 scaled by 1/16, split 75/25 (stratified, seed ``SPLIT_SEED``).
- a ``.npz`` file holding either ``x_train``, ``y_train``, ``x_test``, ``y_test`` or just ``x`` and
  ``y`` (then split 75/25 like digits). ``x`` is ``(N, features)``, ``(N, H, W)`` or
  ``(N, C, H, W)`` (``(N, H, W)`` becomes one channel); ``y`` holds integer class labels
  ``0 .. classes-1``; inputs are min-max scaled to ``[0, 1]`` with the training split's range.

Image datasets are 8-bit pixels scaled by 1/255 to ``[0, 1]`` (float32), so that the first
layer's unsigned input grid covers them; their own train/test split is kept. ``train_size`` /
``test_size`` keep the first N examples of a fixed permutation (seed ``SPLIT_SEED``) of each split.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hwcost.errors import HwcostError, Problem
from hwcost.accuracy.datasets.cifar import CIFAR10, CIFAR100, read_cifar
from hwcost.accuracy.datasets.idx import read_idx
from hwcost.accuracy.datasets.locate import DatasetName, locate

__all__ = ["Dataset", "DatasetName", "load_dataset", "dataset_name", "size_problems", "stratified_split", "SPLIT_SEED",
           "TEST_FRACTION", "NPZ_KEYS", "NAMED"]

NAMED: tuple[str, ...] = tuple(n.value for n in DatasetName if n is not DatasetName.NPZ)

SPLIT_SEED = 0  # the train/test split is fixed; training seeds vary only the training
TEST_FRACTION = 0.25
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")


@dataclass(frozen=True, eq=False)
class Dataset:
    """Train and test arrays; ``name`` is how results label it (``fashion-mnist``, a file name);
    ``fingerprint`` identifies the content for cache keys."""

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


def _digits_file() -> Path:
    """scikit-learn's copy of the UCI handwritten digits (``sklearn/datasets/data/digits.csv.gz``:
    64 pixels and the label per row, what ``load_digits`` reads), found without importing
    scikit-learn and scipy (about 1 s)."""
    import importlib.util

    spec = importlib.util.find_spec("sklearn")
    path = None if spec is None or spec.origin is None else Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
    if path is None or not path.is_file():
        raise HwcostError.single("the 'digits' dataset needs scikit-learn: pip install 'hwcost[datasets]'", key="dataset")
    return path


def _digits() -> Dataset:
    table = np.loadtxt(_digits_file(), delimiter=",")
    x = table[:, :-1].reshape(-1, 8, 8) / 16.0  # pixel intensities 0..16
    y = table[:, -1].astype(np.int64)
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


def _pixels(images: np.ndarray) -> np.ndarray:
    """8-bit pixels -> float32 in [0, 1]."""
    return images.astype(np.float32) / np.float32(255.0)


def _fashion_mnist(data_dir: str | Path | None) -> Dataset:
    x_tr_f, y_tr_f, x_te_f, y_te_f = locate(DatasetName.FASHION_MNIST, data_dir)
    arrays = [read_idx(f) for f in (x_tr_f, y_tr_f, x_te_f, y_te_f)]
    for images, labels, (fi, fl) in ((arrays[0], arrays[1], (x_tr_f, y_tr_f)), (arrays[2], arrays[3], (x_te_f, y_te_f))):
        if images.dtype != np.uint8 or images.ndim != 3:
            raise HwcostError.single(f"expected uint8 images (N, H, W), got {images.dtype} {images.shape}", file=fi)
        if labels.ndim != 1 or labels.shape[0] != images.shape[0] or (labels.size and labels.max() > 9):
            raise HwcostError.single(f"expected {images.shape[0]} labels 0..9 (as many as {fi.name} has images)", file=fl)
    x_tr, y_tr, x_te, y_te = arrays
    return _build("fashion-mnist", _pixels(x_tr), y_tr.astype(np.int64), _pixels(x_te), y_te.astype(np.int64))


def _cifar(name: DatasetName, data_dir: str | Path | None) -> Dataset:
    layout = CIFAR10 if name is DatasetName.CIFAR10 else CIFAR100
    first = locate(name, data_dir)[0]
    x_tr, y_tr, x_te, y_te = read_cifar(first.parent, layout)
    return _build(layout.name, _pixels(x_tr), y_tr, _pixels(x_te), y_te)


def _subset(x: np.ndarray, y: np.ndarray, size: int | None) -> tuple[np.ndarray, np.ndarray]:
    if size is None or size >= len(x):
        return x, y
    keep = np.sort(np.random.default_rng(SPLIT_SEED).permutation(len(x))[:size])
    return x[keep], y[keep]


def size_problems(train_size: object, test_size: object) -> list[Problem]:
    """``train_size`` / ``test_size``: ``None`` (the whole split) or an integer >= 1."""
    out = []
    for key, value in (("train_size", train_size), ("test_size", test_size)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            out.append(Problem(f"expected an integer >= 1 (or nothing: the whole split), got {value!r}", key=key))
    return out


def dataset_name(spec: str | Path) -> DatasetName:
    """What ``spec`` names: a known dataset, or a ``.npz`` file; anything else is an error.

    >>> dataset_name("fashion-mnist"), dataset_name("my/data.npz")
    (<DatasetName.FASHION_MNIST: 'fashion-mnist'>, <DatasetName.NPZ: 'npz'>)
    """
    text = str(spec)
    if text in NAMED:
        return DatasetName(text)
    if Path(text).suffix == ".npz":
        return DatasetName.NPZ
    raise HwcostError.single(f"unknown dataset '{spec}'; use one of {', '.join(NAMED)} or a .npz file", key="dataset")


def load_dataset(
    spec: str | Path,
    data_dir: str | Path | None = None,
    train_size: int | None = None,
    test_size: int | None = None,
) -> Dataset:
    """``digits``, ``fashion-mnist``, ``cifar10``, ``cifar100`` or the path of a ``.npz`` file;
    ``data_dir`` is where a named real dataset's files are (default: searched, see
    :mod:`hwcost.accuracy.datasets.locate`); ``train_size`` / ``test_size`` take subsets."""
    problems = size_problems(train_size, test_size)
    if problems:
        raise HwcostError(problems)
    name = dataset_name(spec)
    if name is DatasetName.DIGITS:
        data = _digits()
    elif name is DatasetName.FASHION_MNIST:
        data = _fashion_mnist(data_dir)
    elif name in (DatasetName.CIFAR10, DatasetName.CIFAR100):
        data = _cifar(name, data_dir)
    else:
        data = _npz(Path(spec))
    if train_size is None and test_size is None:
        return data
    x_tr, y_tr = _subset(data.x_train, data.y_train, train_size)
    x_te, y_te = _subset(data.x_test, data.y_test, test_size)
    return Dataset(data.name, x_tr, y_tr, x_te, y_te, data.classes, _fingerprint(x_tr, y_tr, x_te, y_te))
