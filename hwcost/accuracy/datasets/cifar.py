"""CIFAR-10 and CIFAR-100 in the "python version" batches (Krizhevsky, "Learning Multiple Layers
of Features from Tiny Images", 2009; www.cs.toronto.edu/~kriz/cifar.html).

- CIFAR-10 (``cifar-10-batches-py/``): ``data_batch_1`` .. ``data_batch_5`` (training) and
  ``test_batch``, each a pickled dict with ``data`` (10000 x 3072 uint8: 1024 red, 1024 green,
  1024 blue values of a 32x32 image, row-major) and ``labels`` (10000 ints 0..9).
- CIFAR-100 (``cifar-100-python/``): ``train`` and ``test``, with ``data`` and ``fine_labels``
  (0..99; ``coarse_labels`` are the 20 superclasses, not used).

The batches are pickles. They are read with an unpickler that admits only what these files
hold (dicts, lists, numpy arrays), so a file that would run code is refused, not executed.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hwcost.errors import HwcostError

__all__ = ["CifarLayout", "CIFAR10", "CIFAR100", "read_cifar", "read_batch", "write_batch"]

IMAGE_SHAPE = (3, 32, 32)
_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("_codecs", "encode"),
}


@dataclass(frozen=True)
class CifarLayout:
    """File names and the label key of one CIFAR variant."""

    name: str
    train_files: tuple[str, ...]
    test_files: tuple[str, ...]
    label_key: str
    classes: int


CIFAR10 = CifarLayout("cifar10", tuple(f"data_batch_{i}" for i in range(1, 6)), ("test_batch",), "labels", 10)
CIFAR100 = CifarLayout("cifar100", ("train",), ("test",), "fine_labels", 100)


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def _text(key: Any) -> Any:
    return key.decode("latin1") if isinstance(key, bytes) else key


def read_batch(path: Path, label_key: str) -> tuple[np.ndarray, np.ndarray]:
    """Images ``(N, 3, 32, 32)`` uint8 and labels ``(N,)`` int64 of one batch file."""
    try:
        with path.open("rb") as f:
            raw = _SafeUnpickler(f, encoding="bytes").load()
    except FileNotFoundError:
        raise HwcostError.single("file not found", file=path) from None
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError) as exc:
        raise HwcostError.single(f"not a CIFAR python batch ({exc.__class__.__name__}: {exc})", file=path) from None
    batch = {_text(k): v for k, v in raw.items()} if isinstance(raw, dict) else {}
    if "data" not in batch or label_key not in batch:
        found = ", ".join(sorted(map(str, batch))) or "(no dict)"
        raise HwcostError.single(f"expected keys 'data' and '{label_key}'; found {found}", file=path)
    data = np.asarray(batch["data"])
    labels = np.asarray(batch[label_key])
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != int(np.prod(IMAGE_SHAPE)):
        raise HwcostError.single(f"'data' must be uint8 of shape (N, 3072), got {data.dtype} {data.shape}", file=path)
    if labels.shape != (data.shape[0],) or not np.issubdtype(labels.dtype, np.integer) or (labels.size and labels.min() < 0):
        raise HwcostError.single(f"'{label_key}' must hold one integer label >= 0 per image", file=path)
    return data.reshape((-1,) + IMAGE_SHAPE), labels.astype(np.int64)


def read_cifar(folder: Path, layout: CifarLayout) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``x_train, y_train, x_test, y_test`` (uint8 images, int64 labels) of the batches in ``folder``."""
    def read(names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        parts = [read_batch(folder / n, layout.label_key) for n in names]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    x_tr, y_tr = read(layout.train_files)
    x_te, y_te = read(layout.test_files)
    for labels, names in ((y_tr, layout.train_files), (y_te, layout.test_files)):
        if labels.size and labels.max() >= layout.classes:
            raise HwcostError.single(f"labels must be 0..{layout.classes - 1} for {layout.name}", file=folder / names[0])
    return x_tr, y_tr, x_te, y_te


def write_batch(path: Path, images: np.ndarray, labels: np.ndarray, label_key: str = "labels") -> None:
    """Write one batch in the CIFAR python format (bytes keys, as the originals)."""
    data = np.ascontiguousarray(images, dtype=np.uint8).reshape(len(images), -1)
    with path.open("wb") as f:
        pickle.dump({b"data": data, label_key.encode(): [int(v) for v in labels]}, f, protocol=2)
