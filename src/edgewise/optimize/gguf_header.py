"""Read the scalar metadata of a GGUF header quickly.

``gguf.GGUFReader`` builds a numpy view for every element of every array, which takes
tens of seconds on Gemma's 262k-token vocabulary; deciding "is this file F16?" or "how
many blocks?" must not cost that. This reader walks the key/value section with
``struct`` and keeps scalars only (arrays are skipped, their length recorded).
Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md (version 2 and 3).
"""

from __future__ import annotations

import struct
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


def read_scalars(path: Path) -> dict[str, Any]:
    """Scalar key/values of ``path``; short numeric arrays as lists, other arrays as ``("array", length)``."""
    out: dict[str, Any] = {}
    with path.open("rb") as fh:
        if fh.read(4) != b"GGUF":
            raise ValueError(f"{path} is not a GGUF file")
        version = _read(fh, "<I")
        if version < 2:
            raise ValueError(f"GGUF version {version} is too old")
        _n_tensors, n_kv = _read(fh, "<Q"), _read(fh, "<Q")
        for _ in range(n_kv):
            key, vtype = _string(fh), _read(fh, "<I")
            if vtype == _STRING:
                out[key] = _string(fh)
            elif vtype == _ARRAY:
                out[key] = _array(fh)
            else:
                out[key] = _read(fh, _SCALARS[vtype])
    return out


__all__ = ["read_scalars"]
