"""Multichannel sample blocks and their compact binary wire format (MQTT payloads).

A :class:`Block` is a stretch of simultaneous samples from one asset: ``data``
has shape ``(n_samples, n_channels)``, ``channels`` names the columns, ``fs``
is the sampling rate in Hz and ``t`` the time of the first sample in seconds
(since the start of the recording, or a UNIX time for live streams).

Wire format (one MQTT message = one block, topic ``<prefix>/<asset>/blocks``)::

    offset  size  content
    0       4     magic b"EWB1"
    4       4     header length H, uint32 little-endian
    8       H     header, UTF-8 JSON: {"fs": 25600.0, "channels": ["H", "V"],
                  "t": 1700000000.25, "dtype": "<f4", "n": 2560, "seq": 17}
    8+H     ...   samples, row-major (n x channels), in ``dtype`` (``<f4``, ``<f8``
                  or ``<i2``/``<i4`` with an optional "scale" in the header)

Samples are binary (4 bytes per float32 sample, not JSON text); the header is
small JSON so any language can write it.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field

import numpy as np

from edgewise.apps.maintenance.errors import RecordingError

MAGIC = b"EWB1"
_DTYPES = {"<f4", "<f8", "<i2", "<i4"}
MAX_HEADER = 4096


@dataclass
class Block:
    """Simultaneous samples of several channels of one asset."""

    data: np.ndarray
    fs: float
    channels: tuple[str, ...]
    t: float = 0.0
    source: str = ""
    raw_bytes: int = 0
    seq: int = 0
    meta: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.data.ndim == 1:
            self.data = self.data[:, None]
        if self.data.shape[1] != len(self.channels):
            raise RecordingError(
                f"{self.source or 'block'}: {self.data.shape[1]} columns but {len(self.channels)} channel names"
            )
        if self.raw_bytes == 0:
            self.raw_bytes = int(self.data.shape[0] * self.data.shape[1] * 4)

    @property
    def n(self) -> int:
        return int(self.data.shape[0])

    @property
    def duration(self) -> float:
        return self.n / self.fs


def encode_block(block: Block, dtype: str = "<f4") -> bytes:
    """The wire bytes of ``block`` (see module docstring)."""
    if dtype not in ("<f4", "<f8"):
        raise ValueError("encode floats as <f4 or <f8")
    header = {"fs": block.fs, "channels": list(block.channels), "t": block.t, "dtype": dtype, "n": block.n, "seq": block.seq}
    head = json.dumps(header, separators=(",", ":")).encode()
    body = np.ascontiguousarray(block.data, dtype=np.dtype(dtype)).tobytes()
    return MAGIC + struct.pack("<I", len(head)) + head + body


def decode_block(payload: bytes, source: str = "mqtt") -> Block:
    """Parse wire bytes into a :class:`Block`; a malformed payload raises :class:`RecordingError`."""
    if len(payload) < 8 or payload[:4] != MAGIC:
        raise RecordingError(f"{source}: not an Edgewise sample block (magic {payload[:4]!r}, expected {MAGIC!r})")
    (hlen,) = struct.unpack("<I", payload[4:8])
    if hlen > MAX_HEADER or 8 + hlen > len(payload):
        raise RecordingError(f"{source}: block header length {hlen} is invalid")
    try:
        head = json.loads(payload[8 : 8 + hlen])
        fs, channels, dtype, n = float(head["fs"]), [str(c) for c in head["channels"]], str(head["dtype"]), int(head["n"])
    except (ValueError, KeyError, TypeError) as exc:
        raise RecordingError(f"{source}: block header is not valid: {exc}") from None
    if dtype not in _DTYPES or fs <= 0 or not channels or n <= 0:
        raise RecordingError(f"{source}: block header has bad fs/channels/dtype/n: {head}")
    body = payload[8 + hlen :]
    itemsize = np.dtype(dtype).itemsize
    if len(body) != n * len(channels) * itemsize:
        raise RecordingError(f"{source}: block body has {len(body)} bytes, header promises {n}x{len(channels)}x{itemsize}")
    data = np.frombuffer(body, dtype=np.dtype(dtype)).reshape(n, len(channels)).astype(np.float64)
    if "scale" in head:
        data *= float(head["scale"])
    if not np.all(np.isfinite(data)):
        raise RecordingError(f"{source}: block holds NaN or infinite samples")
    return Block(data, fs, tuple(channels), t=float(head.get("t", 0.0)), source=source, raw_bytes=len(payload), seq=int(head.get("seq", 0)))


__all__ = ["MAGIC", "Block", "decode_block", "encode_block"]
