"""The wire format between a node's uplink and the cloud collector.

A batch is one JSON document, zstd-compressed (``Content-Encoding: zstd``)::

    {"v": 1, "node_id", "outbox_id", "stream", "data_class",
     "counters": {"dropped_full", "dropped_ttl", "rejected_full", "raw_bytes"},
     "messages": [{"seq", "key", "created", "content_type", "raw_bytes", "payload_b64"}]}

Messages of a batch are consecutive in their stream and share one data class
(the gateway checks one class per send). The collector answers
``{"accepted", "duplicates", "acked_seq"}``; ``acked_seq`` is the highest seq of
the batch, which the node may then delete. Both sides import this module, so
the format is defined once.
"""

from __future__ import annotations

import base64
import json

import zstandard
from pydantic import BaseModel, Field

from edgewise.errors import InvalidRequest, PayloadTooLarge
from edgewise.perimeter.types import DataClass
from edgewise.uplink.types import Message

WIRE_VERSION = 1
CONTENT_TYPE = "application/vnd.edgewise.batch+json"
INGEST_PATH = "/v1/ingest"


class WireMessage(BaseModel):
    seq: int = Field(ge=1)
    key: str = Field(min_length=1, max_length=256)
    created: float
    content_type: str = "application/octet-stream"
    raw_bytes: int = Field(0, ge=0)
    payload_b64: str

    def payload(self) -> bytes:
        return base64.b64decode(self.payload_b64, validate=True)


class BatchEnvelope(BaseModel):
    v: int = WIRE_VERSION
    node_id: str = Field(min_length=1, max_length=128)
    outbox_id: str = Field(min_length=1, max_length=64)
    stream: str = Field(min_length=1, max_length=128)
    data_class: DataClass
    counters: dict[str, int] = Field(default_factory=dict)
    messages: list[WireMessage] = Field(min_length=1)


class IngestAck(BaseModel):
    accepted: int
    duplicates: int
    acked_seq: int


def encode_batch(
    node_id: str, outbox_id: str, messages: list[Message], counters: dict[str, int], level: int = 3
) -> tuple[bytes, int]:
    """Compress a batch; returns ``(body, uncompressed_size)``."""
    env = {
        "v": WIRE_VERSION,
        "node_id": node_id,
        "outbox_id": outbox_id,
        "stream": messages[0].stream,
        "data_class": messages[0].data_class.value,
        "counters": counters,
        "messages": [
            {
                "seq": m.seq,
                "key": m.key,
                "created": m.created,
                "content_type": m.content_type,
                "raw_bytes": m.raw_bytes,
                "payload_b64": base64.b64encode(m.payload).decode(),
            }
            for m in messages
        ],
    }
    raw = json.dumps(env, separators=(",", ":")).encode()
    return zstandard.ZstdCompressor(level=level).compress(raw), len(raw)


def decode_batch(body: bytes, *, max_bytes: int) -> tuple[BatchEnvelope, int]:
    """Decompress and validate a batch, refusing more than ``max_bytes`` once decompressed (zip bombs)."""
    try:
        with zstandard.ZstdDecompressor().stream_reader(body) as reader:
            raw = reader.read(max_bytes + 1)
    except zstandard.ZstdError as exc:
        raise InvalidRequest(f"Batch is not valid zstd: {exc}") from exc
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"Batch decompresses to more than {max_bytes} bytes; send smaller batches.")
    try:
        return BatchEnvelope.model_validate_json(raw), len(raw)
    except ValueError as exc:
        raise InvalidRequest(f"Batch is not a valid envelope: {str(exc)[:300]}") from exc


__all__ = [
    "CONTENT_TYPE",
    "INGEST_PATH",
    "WIRE_VERSION",
    "BatchEnvelope",
    "IngestAck",
    "WireMessage",
    "decode_batch",
    "encode_batch",
]
