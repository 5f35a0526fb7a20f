"""The IDX file format of MNIST and Fashion-MNIST (LeCun et al., "THE MNIST DATABASE",
yann.lecun.com/exdb/mnist; Xiao, Rasul, Vollgraf, arXiv:1708.07747, same format), gzip or not.

An IDX file is a 4-byte magic number ``0x00 0x00 <type> <ndim>``, then ``ndim`` big-endian
uint32 dimension sizes, then the values in C order, big-endian. Type ``0x08`` is unsigned byte
(the only type image datasets use; the others are read too).
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

from hwcost.errors import HwcostError

__all__ = ["read_idx", "write_idx", "IDX_TYPES"]

# type byte -> big-endian numpy dtype
IDX_TYPES: dict[int, str] = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_GZIP_MAGIC = b"\x1f\x8b"


def _raw(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise HwcostError.single("file not found", file=path) from None
    except OSError as exc:
        raise HwcostError.single(f"cannot read the file ({exc.strerror})", file=path) from None
    if data[:2] == _GZIP_MAGIC:
        try:
            return gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise HwcostError.single(f"not a readable gzip file ({exc})", file=path) from None
    return data


def read_idx(path: str | Path) -> np.ndarray:
    """The array an IDX file holds (native byte order).

    >>> import tempfile, os
    >>> p = Path(tempfile.mkdtemp()) / "x-idx3-ubyte.gz"
    >>> write_idx(p, np.arange(6, dtype=np.uint8).reshape(1, 2, 3))
    >>> read_idx(p).tolist()
    [[[0, 1, 2], [3, 4, 5]]]
    """
    path = Path(path)
    data = _raw(path)
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in IDX_TYPES or data[3] == 0:
        raise HwcostError.single("not an IDX file (bad magic number)", file=path)
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise HwcostError.single(f"IDX header promises {ndim} dimensions but the file ends", file=path)
    shape = struct.unpack(f">{ndim}I", data[4:header])
    dtype = np.dtype(IDX_TYPES[data[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) - header != expected:
        raise HwcostError.single(
            f"IDX header says shape {tuple(shape)} ({expected} bytes of data), the file holds {len(data) - header}",
            file=path,
        )
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path: str | Path, array: np.ndarray, compress: bool | None = None) -> None:
    """Write ``array`` as IDX (gzip when ``compress``, default: when the name ends in ``.gz``)."""
    path = Path(path)
    types = {np.dtype(v).newbyteorder("="): k for k, v in IDX_TYPES.items()}
    array = np.asarray(array)
    code = types[array.dtype.newbyteorder("=")]
    payload = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload += np.ascontiguousarray(array, dtype=np.dtype(IDX_TYPES[code])).tobytes()
    if compress if compress is not None else path.suffix == ".gz":
        payload = gzip.compress(payload, mtime=0)
    path.write_bytes(payload)
