"""Plain data that crosses the outbox interface."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from edgewise.perimeter.types import DataClass


@dataclass(frozen=True)
class Message:
    """One enqueued payload. ``seq`` orders a stream; ``key`` makes delivery idempotent."""

    stream: str
    seq: int
    key: str
    data_class: DataClass
    created: float
    payload: bytes
    content_type: str = "application/octet-stream"
    raw_bytes: int = 0


@dataclass(frozen=True)
class EnqueueResult:
    """What ``enqueue`` acknowledges: once returned, the message is on disk."""

    stream: str
    seq: int
    key: str
    duplicate: bool = False
    dropped: int = 0  # older messages dropped to make room (policy 'drop_oldest')


@dataclass
class StreamStats:
    """Per-stream counters; every loss is counted here, none is silent."""

    stream: str
    pending: int = 0
    pending_bytes: int = 0
    oldest_age_s: float | None = None
    next_seq: int = 1
    acked_seq: int = 0
    enqueued: int = 0
    delivered: int = 0
    duplicates_enqueued: int = 0
    rejected_full: int = 0
    dropped_full: int = 0
    dropped_ttl: int = 0
    raw_bytes: int = 0  # bytes the node saw (before summarization), as reported by producers
    payload_bytes: int = 0  # bytes enqueued
    sent_payload_bytes: int = 0  # payload bytes delivered
    sent_wire_bytes: int = 0  # bytes on the wire (after compression), including retries
    batches_sent: int = 0
    send_failures: int = 0
    last_error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """Wire bytes per raw byte the node saw (lower is better); None before anything was sent."""
        return self.sent_wire_bytes / self.raw_bytes if self.raw_bytes and self.sent_wire_bytes else None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("extra")
        d["ratio"] = self.ratio
        return d


__all__ = ["EnqueueResult", "Message", "StreamStats"]
