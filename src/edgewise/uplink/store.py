"""The outbox storage interface, shared by its backends (SQLite on disk, in-memory for tests).

Like Flower's ``LinkState``: one abstract class, one contract test suite run
against every backend (``tests/uplink/test_store_contract.py``).

Contract:

* ``enqueue`` returns only once the message is durable (for the SQLite
  backend: committed to the WAL with the configured ``synchronous`` mode).
* Within a stream, ``seq`` grows by one per accepted message; ``peek`` returns
  pending messages in ``seq`` order; ``ack(stream, upto)`` removes every pending
  message with ``seq <= upto``.
* A message ``key`` (default ``"<outbox id>:<stream>:<seq>"``) is unique within a
  stream while pending: enqueueing the same key again returns the first result
  with ``duplicate=True`` and stores nothing.
* Retention: a stream never holds more than its ``max_bytes`` of payload; when
  full, policy ``reject`` raises :class:`StreamFull` (counted as
  ``rejected_full``), ``drop_oldest`` drops oldest messages (``dropped_full``).
  ``expire`` drops messages older than their TTL (``dropped_ttl``).
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable

from edgewise.perimeter.types import FORBIDDEN, DataClass, EgressRefused
from edgewise.uplink.errors import StreamFull
from edgewise.uplink.settings import StreamLimits
from edgewise.uplink.types import EnqueueResult, Message, StreamStats

LimitsFor = Callable[[str], StreamLimits]


def check_enqueue(stream: str, data_class: DataClass | str, size: int, limits: StreamLimits) -> DataClass:
    """Validate before touching storage; raw data classes never enter the outbox."""
    if not stream or len(stream) > 128 or not stream.replace("-", "").replace("_", "").replace(".", "").isalnum():
        from edgewise.errors import InvalidRequest

        raise InvalidRequest(f"Invalid stream name {stream!r}: use 1-128 letters, digits, '-', '_' or '.'.", param="stream")
    dc = DataClass(data_class)
    if dc in FORBIDDEN:
        raise EgressRefused(f"Data class '{dc}' never leaves the node, so it cannot be queued for the uplink.")
    if size > limits.max_bytes:
        raise StreamFull(
            f"A {size}-byte message is larger than stream '{stream}' max_bytes ({limits.max_bytes}); "
            "summarize it or raise the stream's limit.",
            param="payload",
        )
    return dc


class OutboxStore(abc.ABC):
    """A durable, ordered, per-stream queue of messages waiting for the collector."""

    def __init__(self, limits_for: LimitsFor) -> None:
        self.limits_for = limits_for

    @property
    @abc.abstractmethod
    def outbox_id(self) -> str:
        """A random id fixed when the outbox was created; part of default message keys."""

    @abc.abstractmethod
    def enqueue(
        self,
        stream: str,
        payload: bytes,
        data_class: DataClass | str,
        *,
        key: str | None = None,
        content_type: str = "application/octet-stream",
        raw_bytes: int | None = None,
        now: float | None = None,
    ) -> EnqueueResult:
        """Store one message durably (see the module docstring for the contract)."""

    def enqueue_many(
        self, stream: str, payloads: Iterable[bytes], data_class: DataClass | str, **kw: object
    ) -> list[EnqueueResult]:
        """Enqueue several messages; backends may commit them in one transaction."""
        return [self.enqueue(stream, p, data_class, **kw) for p in payloads]  # type: ignore[arg-type]

    @abc.abstractmethod
    def peek(self, stream: str, max_messages: int, max_bytes: int) -> list[Message]:
        """The oldest pending messages of ``stream`` (at least one if any is pending), same data class."""

    @abc.abstractmethod
    def ack(self, stream: str, upto_seq: int) -> int:
        """Remove pending messages with ``seq <= upto_seq``; returns how many were removed."""

    @abc.abstractmethod
    def expire(self, now: float | None = None) -> dict[str, int]:
        """Drop messages past their stream's TTL; returns drops per stream."""

    @abc.abstractmethod
    def record_send(self, stream: str, *, wire_bytes: int, payload_bytes: int, ok: bool, error: str | None = None) -> None:
        """Account one send attempt (bandwidth accounting survives restarts)."""

    @abc.abstractmethod
    def streams(self) -> list[str]:
        """Every stream that ever received a message."""

    @abc.abstractmethod
    def stats(self, stream: str | None = None) -> list[StreamStats]:
        """Counters of one stream or of all streams."""

    def pending_streams(self) -> list[str]:
        return [s.stream for s in self.stats() if s.pending]

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources."""


__all__ = ["LimitsFor", "OutboxStore", "StreamFull", "check_enqueue"]
