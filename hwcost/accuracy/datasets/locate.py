"""Where a named dataset's files are looked for, and what to tell a user who has none.

Order: the folder the user names (``data_dir``; then only there), else ``$HWCOST_DATA_DIR/<sub>``
for each of the dataset's usual folder names, ``$HWCOST_DATA_DIR`` itself, then the system
locations (Debian's ``dataset-fashion-mnist`` package installs ``/usr/share/datasets/fashion-mnist``).
A folder qualifies when it holds every file the reader needs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from hwcost.errors import HwcostError

__all__ = ["DatasetName", "DataFiles", "FILES", "DATA_DIR_ENV", "locate"]

DATA_DIR_ENV = "HWCOST_DATA_DIR"


class DatasetName(Enum):
    """Datasets known by name (``npz``: a user's file, given by its path)."""

    DIGITS = "digits"
    FASHION_MNIST = "fashion-mnist"
    CIFAR10 = "cifar10"
    CIFAR100 = "cifar100"
    NPZ = "npz"


@dataclass(frozen=True)
class DataFiles:
    """The files a named dataset needs (each as alternatives: gzip or not), the folder names it
    is usually kept under, system folders, and how to get it."""

    needed: tuple[tuple[str, ...], ...]
    subfolders: tuple[str, ...]
    system: tuple[str, ...]
    how_to_get: str

    def find(self, folder: Path) -> tuple[Path, ...] | None:
        """The needed files in ``folder`` (the first existing alternative of each), or ``None``."""
        out = []
        for alternatives in self.needed:
            hit = next((folder / a for a in alternatives if (folder / a).is_file()), None)
            if hit is None:
                return None
            out.append(hit)
        return tuple(out)


def _idx(stem: str) -> tuple[str, ...]:
    return (f"{stem}.gz", stem)


FILES: dict[DatasetName, DataFiles] = {
    DatasetName.FASHION_MNIST: DataFiles(
        needed=(_idx("train-images-idx3-ubyte"), _idx("train-labels-idx1-ubyte"),
                _idx("t10k-images-idx3-ubyte"), _idx("t10k-labels-idx1-ubyte")),
        subfolders=("fashion-mnist", "fashion_mnist", "FashionMNIST"),
        system=("/usr/share/datasets/fashion-mnist",),
        how_to_get="on Debian/Ubuntu: apt-get install dataset-fashion-mnist; or put the four IDX files "
                   "(train-images-idx3-ubyte.gz, ...) in a folder and pass it (--data-dir, data_dir)",
    ),
    DatasetName.CIFAR10: DataFiles(
        needed=tuple((f"data_batch_{i}",) for i in range(1, 6)) + (("test_batch",),),
        subfolders=("cifar-10-batches-py", "cifar10", "cifar-10"),
        system=(),
        how_to_get="download the CIFAR-10 python version (cifar-10-python.tar.gz, "
                   "www.cs.toronto.edu/~kriz/cifar.html), extract it and pass the folder "
                   "cifar-10-batches-py (--data-dir, data_dir) or put it under $HWCOST_DATA_DIR",
    ),
    DatasetName.CIFAR100: DataFiles(
        needed=(("train",), ("test",)),
        subfolders=("cifar-100-python", "cifar100", "cifar-100"),
        system=(),
        how_to_get="download the CIFAR-100 python version (cifar-100-python.tar.gz, "
                   "www.cs.toronto.edu/~kriz/cifar.html), extract it and pass the folder "
                   "cifar-100-python (--data-dir, data_dir) or put it under $HWCOST_DATA_DIR",
    ),
}


def candidates(name: DatasetName, data_dir: str | Path | None) -> list[Path]:
    """The folders searched for ``name``, in order."""
    if data_dir is not None:
        return [Path(data_dir).expanduser()]
    files = FILES[name]
    out: list[Path] = []
    root = os.environ.get(DATA_DIR_ENV)
    if root:
        out += [Path(root) / sub for sub in files.subfolders] + [Path(root)]
    return out + [Path(p) for p in files.system]


def locate(name: DatasetName, data_dir: str | Path | None = None) -> tuple[Path, ...]:
    """The files of ``name``; a missing dataset is an error naming every folder looked in and
    how to get the data.

    >>> import tempfile
    >>> try:
    ...     locate(DatasetName.CIFAR10, tempfile.mkdtemp())
    ... except HwcostError as e:
    ...     "data_batch_1" in str(e) and "cifar-10-python" in str(e)
    True
    """
    files = FILES[name]
    looked = candidates(name, data_dir)
    for folder in looked:
        found = files.find(folder)
        if found is not None:
            return found
    where = ", ".join(str(p) for p in looked) or f"nowhere (${DATA_DIR_ENV} is not set)"
    first = ", ".join(alternatives[0] for alternatives in files.needed[:2])
    key = "data_dir" if data_dir is not None else "dataset"
    raise HwcostError.single(
        f"dataset '{name.value}' not found: looked for {first}, ... in {where}. To get it: {files.how_to_get}",
        key=key,
    )
