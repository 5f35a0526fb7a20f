"""Real dataset formats, written small by the tests and read back: Fashion-MNIST IDX (gzip and
plain), CIFAR-10 / CIFAR-100 python batches; where they are looked for; what a missing or broken
file says."""

from __future__ import annotations

import gzip
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest

from hwcost.cli import main
from hwcost.errors import HwcostError
from hwcost.accuracy.data import load_dataset
from hwcost.accuracy.datasets.cifar import write_batch
from hwcost.accuracy.datasets.idx import read_idx, write_idx
from hwcost.accuracy.datasets.locate import DATA_DIR_ENV

RNG = np.random.default_rng(0)


def _fashion(folder: Path, n_train: int = 40, n_test: int = 12, gz: bool = True) -> dict[str, np.ndarray]:
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {
        "train-images-idx3-ubyte": RNG.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": (np.arange(n_train) % 10).astype(np.uint8),
        "t10k-images-idx3-ubyte": RNG.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": (np.arange(n_test) % 10).astype(np.uint8),
    }
    for stem, a in arrays.items():
        write_idx(folder / (stem + (".gz" if gz else "")), a)
    return arrays


def test_idx_bytes_follow_the_format(tmp_path: Path) -> None:
    """Header written by hand (magic 0x00000803, big-endian sizes), values read back."""
    pixels = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    raw = bytes([0, 0, 0x08, 3]) + struct.pack(">3I", 2, 3, 4) + pixels.tobytes()
    (tmp_path / "a").write_bytes(raw)
    (tmp_path / "a.gz").write_bytes(gzip.compress(raw))
    assert np.array_equal(read_idx(tmp_path / "a"), pixels) and np.array_equal(read_idx(tmp_path / "a.gz"), pixels)
    write_idx(tmp_path / "b", pixels)
    assert (tmp_path / "b").read_bytes() == raw


@pytest.mark.parametrize("gz", [True, False])
def test_fashion_mnist_from_a_folder(tmp_path: Path, gz: bool) -> None:
    arrays = _fashion(tmp_path / "fm", gz=gz)
    data = load_dataset("fashion-mnist", data_dir=tmp_path / "fm")
    assert data.name == "fashion-mnist" and data.input_shape == (1, 28, 28) and data.classes == 10
    assert data.x_train.dtype == np.float32 and data.x_train.shape == (40, 1, 28, 28)
    assert np.array_equal(data.x_test[:, 0] * 255.0, arrays["t10k-images-idx3-ubyte"].astype(np.float32))
    assert np.array_equal(data.y_train, arrays["train-labels-idx1-ubyte"])


def test_fashion_mnist_from_hwcost_data_dir_and_subsets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fashion(tmp_path / "fashion-mnist")
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    data = load_dataset("fashion-mnist", train_size=25, test_size=5)
    full = load_dataset("fashion-mnist")
    assert data.x_train.shape[0] == 25 and data.x_test.shape[0] == 5
    rows = {row.tobytes() for row in full.x_train}
    assert all(row.tobytes() in rows for row in data.x_train) and data.fingerprint != full.fingerprint
    assert load_dataset("fashion-mnist", train_size=25, test_size=5).fingerprint == data.fingerprint


def test_missing_data_names_where_it_looked_and_how_to_get_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(HwcostError) as info:
        load_dataset("fashion-mnist", data_dir=tmp_path)
    assert str(tmp_path) in str(info.value) and "apt-get install dataset-fashion-mnist" in str(info.value)
    assert main(["accuracy", "measure", "--scheme", "lsq", "--dataset", "cifar10", "--data-dir", str(tmp_path), "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert "data_batch_1" in err and str(tmp_path) in err and "cifar-10-python" in err and "Traceback" not in err


def test_broken_idx_files_name_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "fm"
    _fashion(folder)
    (folder / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"\x00\x00\x08\x03" + struct.pack(">3I", 40, 28, 28) + b"\x00" * 10))
    with pytest.raises(HwcostError, match="the file holds 10") as info:
        load_dataset("fashion-mnist", data_dir=folder)
    assert "train-images-idx3-ubyte.gz" in str(info.value)
    (folder / "train-images-idx3-ubyte.gz").write_bytes(b"PK\x03\x04 not idx")
    with pytest.raises(HwcostError, match="bad magic"):
        load_dataset("fashion-mnist", data_dir=folder)


def _cifar10(folder: Path, per_batch: int = 4) -> list[tuple[np.ndarray, list[int]]]:
    folder.mkdir(parents=True, exist_ok=True)
    batches = []
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = RNG.integers(0, 256, (per_batch, 3072), dtype=np.uint8)
        labels = [int(v) for v in RNG.integers(0, 10, per_batch)]
        write_batch(folder / name, data, np.array(labels))
        batches.append((data, labels))
    return batches


def test_cifar10_batches(tmp_path: Path) -> None:
    batches = _cifar10(tmp_path / "cifar-10-batches-py")
    data = load_dataset("cifar10", data_dir=tmp_path / "cifar-10-batches-py")
    assert data.name == "cifar10" and data.x_train.shape == (20, 3, 32, 32) and data.x_test.shape == (4, 3, 32, 32)
    first, labels = batches[0]
    # channel-major rows: red 1024, green 1024, blue 1024, each 32 x 32 row-major
    assert data.x_train[0, 1, 2, 3] * 255.0 == pytest.approx(float(first[0, 1 * 1024 + 2 * 32 + 3]))
    assert data.y_train[:4].tolist() == labels and data.y_test.tolist() == batches[-1][1]


def test_cifar100_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "cifar-100-python"
    folder.mkdir()
    for name, n in (("train", 6), ("test", 3)):
        write_batch(folder / name, RNG.integers(0, 256, (n, 3072), dtype=np.uint8), np.arange(n) * 17, "fine_labels")
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    data = load_dataset("cifar100")
    assert data.classes == 86 and data.y_train.tolist() == [0, 17, 34, 51, 68, 85] and data.x_test.shape[0] == 3


def test_a_pickle_that_would_run_code_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    _cifar10(folder)

    class Evil:
        def __reduce__(self):
            return (print, ("ran",))

    (folder / "test_batch").write_bytes(pickle.dumps({b"data": Evil(), b"labels": [0]}))
    with pytest.raises(HwcostError, match="refusing to load builtins.print") as info:
        load_dataset("cifar10", data_dir=folder)
    assert "test_batch" in str(info.value)


def test_cifar_batches_with_wrong_keys_name_them(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    _cifar10(folder)
    with (folder / "data_batch_3").open("wb") as f:
        pickle.dump({b"images": np.zeros((2, 3072), np.uint8)}, f)
    with pytest.raises(HwcostError, match="expected keys 'data' and 'labels'; found images"):
        load_dataset("cifar10", data_dir=folder)


def test_sizes_and_names_are_checked(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(HwcostError, match="train_size"):
        load_dataset("digits", train_size=0)
    with pytest.raises(HwcostError, match="fashion-mnist, cifar10, cifar100 or a .npz"):
        load_dataset("mnist")
    assert main(["accuracy", "measure", "--scheme", "lsq", "--test-size", "-1", "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert ("--test-size" in err or "test_size" in err) and "expected an integer >= 1" in err


def test_digits_read_from_the_file_equal_sklearn_load_digits() -> None:
    # the file is read without importing scikit-learn; the arrays (and so the cache fingerprint)
    # are those load_digits gives
    import numpy as np
    from sklearn.datasets import load_digits

    from hwcost.accuracy.data import SPLIT_SEED, TEST_FRACTION, _digits, stratified_split

    bunch = load_digits()
    x, y = bunch.images.astype(np.float64) / 16.0, bunch.target.astype(np.int64)
    train, test = stratified_split(y, TEST_FRACTION, SPLIT_SEED)
    data = _digits()
    assert np.array_equal(data.x_train.reshape(x[train].shape), x[train])
    assert np.array_equal(data.x_test.reshape(x[test].shape), x[test])
    assert np.array_equal(data.y_train, y[train]) and np.array_equal(data.y_test, y[test])
