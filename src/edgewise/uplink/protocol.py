"""The wire format between a node's uplink and the cloud collector.

Batch metadata travels in headers, so that PII redaction by the gateway (which
rewrites strings in JSON bodies) can never alter the identity of a batch::

    X-Edgewise-Node, X-Edgewise-Outbox, X-Edgewise-Stream, X-Edgewise-Data-Class,
    X-Edgewise-Counters: dropped_full=3,dropped_ttl=0,rejected_full=1

The body is ``{"messages": [{"seq", "key", "created", "content_type", "raw_bytes",
"json" | "text" | "b64"}]}``. It is zstd-compressed (``Content-Encoding: zstd``)
when the policy lets the gateway send the batch as opaque bytes; when the policy
asks the gateway to redact, it is plain JSON with JSON and text payloads inline
so the detector sees them (binary payloads cannot be inspected and are refused).

Messages of a batch are consecutive in their stream and share one data class.
The collector answers ``{"accepted", "duplicates", "acked_seq"}`` once stored.
Both sides import this module, so the format is defined once.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

import zstandard
from pydantic import BaseModel, Field, ValidationError, model_validator

from edgewise.errors import InvalidRequest, PayloadTooLarge
from edgewise.perimeter.types import DataClass, EgressRefused
from edgewise.uplink.types import Message

INGEST_PATH = "/v1/ingest"
COUNTER_NAMES = ("dropped_full", "dropped_ttl", "rejected_full")
H_NODE, H_OUTBOX, H_STREAM, H_CLASS, H_COUNTERS = (
    "x-edgewise-node", "x-edgewise-outbox", "x-edgewise-stream", "x-edgewise-data-class", "x-edgewise-counters",
)  # fmt: skip


class WireMessage(BaseModel):
    seq: int = Field(ge=1)
    key: str = Field(min_length=1, max_length=256)
    created: float
    content_type: str = "application/octet-stream"
    raw_bytes: int = Field(0, ge=0)
    json_: Any = Field(None, alias="json")
    text: str | None = None
    b64: str | None = None

    @model_validator(mode="after")
    def _one_payload(self) -> WireMessage:
        if len({"json_", "text", "b64"} & self.model_fields_set) != 1:
            raise ValueError("a message carries exactly one of json, text, b64")
        return self

    def payload(self) -> bytes:
        if self.b64 is not None:
            return base64.b64decode(self.b64, validate=True)
        if self.text is not None:
            return self.text.encode()
        return json.dumps(self.json_, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


class BatchEnvelope(BaseModel):
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


def _wire(m: Message, inspectable: bool) -> dict[str, Any]:
    d: dict[str, Any] = {"seq": m.seq, "key": m.key, "created": m.created, "content_type": m.content_type, "raw_bytes": m.raw_bytes}
    if inspectable:
        if m.content_type == "application/json":
            d["json"] = json.loads(m.payload)
        elif m.content_type.startswith("text/"):
            d["text"] = m.payload.decode("utf-8")
        else:
            raise EgressRefused(
                f"Stream '{m.stream}' holds a binary message (seq {m.seq}) but the policy asks the gateway to redact "
                "what goes to the collector, and binary cannot be inspected. Send JSON or text, or change the policy."
            )
    else:
        d["b64"] = base64.b64encode(m.payload).decode()
    return d


def encode_headers(node_id: str, outbox_id: str, messages: list[Message], counters: Mapping[str, int]) -> dict[str, str]:
    return {
        H_NODE: node_id,
        H_OUTBOX: outbox_id,
        H_STREAM: messages[0].stream,
        H_CLASS: messages[0].data_class.value,
        H_COUNTERS: ",".join(f"{k}={int(counters.get(k, 0))}" for k in COUNTER_NAMES),
    }


def encode_body(messages: list[Message], *, compress: bool, level: int = 3) -> tuple[bytes | dict[str, Any], int]:
    """The batch body: zstd bytes (``compress``) or a JSON dict with inspectable payloads; plus its JSON size."""
    body = {"messages": [_wire(m, inspectable=not compress) for m in messages]}
    raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    if compress:
        return zstandard.ZstdCompressor(level=level).compress(raw), len(raw)
    return body, len(raw)


def decode_batch(headers: Mapping[str, str], body: bytes, *, max_bytes: int) -> tuple[BatchEnvelope, int]:
    """Rebuild and validate a batch; refuses more than ``max_bytes`` once decompressed (zip bombs)."""
    raw = body
    if headers.get("content-encoding", "").lower() == "zstd":
        try:
            with zstandard.ZstdDecompressor().stream_reader(body) as reader:
                raw = reader.read(max_bytes + 1)
        except zstandard.ZstdError as exc:
            raise InvalidRequest(f"Batch is not valid zstd: {exc}") from exc
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"Batch decompresses to more than {max_bytes} bytes; send smaller batches.")
    try:
        counters = dict(kv.split("=", 1) for kv in headers.get(H_COUNTERS, "").split(",") if "=" in kv)
        parsed = json.loads(raw)
        env = BatchEnvelope(
            node_id=headers.get(H_NODE, ""), outbox_id=headers.get(H_OUTBOX, ""), stream=headers.get(H_STREAM, ""),
            data_class=headers.get(H_CLASS, ""), counters={k: int(v) for k, v in counters.items() if k in COUNTER_NAMES},
            messages=parsed.get("messages") if isinstance(parsed, dict) else None,
        )  # fmt: skip
    except (ValueError, ValidationError, TypeError) as exc:
        raise InvalidRequest(f"Not a valid batch: {str(exc)[:300]}") from exc
    return env, len(raw)


__all__ = ["COUNTER_NAMES", "INGEST_PATH", "BatchEnvelope", "IngestAck", "WireMessage", "decode_batch", "encode_body", "encode_headers"]
