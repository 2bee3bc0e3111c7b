"""Read the scalar metadata of a GGUF header quickly.

``gguf.GGUFReader`` builds a numpy view for every element of every array, which takes
tens of seconds on Gemma's 262k-token vocabulary; deciding "is this file F16?" or "how
many blocks?" must not cost that. This reader walks the key/value section with
``struct`` and keeps scalars only (arrays are skipped, their length recorded).
Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md (version 2 and 3).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9


def _read(fh: BinaryIO, fmt: str) -> Any:
    size = struct.calcsize(fmt)
    data = fh.read(size)
    if len(data) != size:
        raise ValueError("truncated GGUF header")
    return struct.unpack(fmt, data)[0]


def _string(fh: BinaryIO) -> str:
    n = _read(fh, "<Q")
    return fh.read(n).decode("utf-8", errors="replace")


def _array(fh: BinaryIO) -> Any:
    """Short numeric arrays (per-layer values) are read; others are skipped as ``("array", n)``."""
    item_type, n = _read(fh, "<I"), _read(fh, "<Q")
    if item_type in _SCALARS and n <= 1024:
        fmt = _SCALARS[item_type]
        return [_read(fh, fmt) for _ in range(n)]
    if item_type == _STRING:
        for _ in range(n):
            fh.seek(_read(fh, "<Q"), 1)
    elif item_type in _SCALARS:
        fh.seek(struct.calcsize(_SCALARS[item_type]) * n, 1)
    else:
        raise ValueError(f"nested GGUF array type {item_type}")
    return ("array", int(n))


@dataclass(frozen=True)
class TensorInfo:
    name: str
    shape: tuple[int, ...]  # ggml order: fastest-varying dimension first (``ne``)
    type: int  # GGMLQuantizationType value

    @property
    def n_elements(self) -> int:
        return math.prod(self.shape)


def _kv(fh: BinaryIO, n_kv: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for _ in range(n_kv):
        key, vtype = _string(fh), _read(fh, "<I")
        if vtype == _STRING:
            out[key] = _string(fh)
        elif vtype == _ARRAY:
            out[key] = _array(fh)
        else:
            out[key] = _read(fh, _SCALARS[vtype])
    return out


def _open(fh: BinaryIO, path: Path) -> tuple[int, int]:
    if fh.read(4) != b"GGUF":
        raise ValueError(f"{path} is not a GGUF file")
    version = _read(fh, "<I")
    if version < 2:
        raise ValueError(f"GGUF version {version} is too old")
    return _read(fh, "<Q"), _read(fh, "<Q")


def read_scalars(path: Path) -> dict[str, Any]:
    """Scalar key/values of ``path``; short numeric arrays as lists, other arrays as ``("array", length)``."""
    with Path(path).open("rb") as fh:
        _n_tensors, n_kv = _open(fh, path)
        return _kv(fh, n_kv)


def read_header(path: Path) -> tuple[dict[str, Any], list[TensorInfo]]:
    """Scalars (as :func:`read_scalars`) and every tensor's name, shape and type, without the data."""
    with Path(path).open("rb") as fh:
        n_tensors, n_kv = _open(fh, path)
        scalars = _kv(fh, n_kv)
        tensors = []
        for _ in range(n_tensors):
            name = _string(fh)
            n_dims = _read(fh, "<I")
            shape = tuple(_read(fh, "<Q") for _ in range(n_dims))
            ttype = _read(fh, "<I")
            _read(fh, "<Q")  # data offset
            tensors.append(TensorInfo(name, shape, ttype))
    return scalars, tensors


__all__ = ["TensorInfo", "read_header", "read_scalars"]
