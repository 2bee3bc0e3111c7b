"""An in-memory outbox with the same contract as the SQLite one.

Not durable: it exists for embedders and tests that need an outbox without a
disk (and so that the contract test suite has a second backend to hold the
SQLite one honest).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable

from edgewise.perimeter.types import DataClass
from edgewise.uplink.errors import StreamFull
from edgewise.uplink.store import LimitsFor, OutboxStore, check_enqueue
from edgewise.uplink.types import EnqueueResult, Message, StreamStats


class MemoryOutbox(OutboxStore):
    def __init__(self, limits_for: LimitsFor) -> None:
        super().__init__(limits_for)
        self._id = uuid.uuid4().hex[:16]
        self._lock = threading.RLock()
        self._msgs: dict[str, OrderedDict[int, Message]] = {}
        self._stats: dict[str, StreamStats] = {}

    @property
    def outbox_id(self) -> str:
        return self._id

    def _stream(self, stream: str) -> tuple[OrderedDict[int, Message], StreamStats]:
        if stream not in self._stats:
            self._stats[stream] = StreamStats(stream)
            self._msgs[stream] = OrderedDict()
        return self._msgs[stream], self._stats[stream]

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
        limits = self.limits_for(stream)
        dc = check_enqueue(stream, data_class, len(payload), limits)
        with self._lock:
            msgs, st = self._stream(stream)
            if key is not None:
                for m in msgs.values():
                    if m.key == key:
                        st.duplicates_enqueued += 1
                        return EnqueueResult(stream, m.seq, key, duplicate=True)
            dropped = 0
            if st.pending_bytes + len(payload) > limits.max_bytes:
                if limits.full_policy == "reject":
                    st.rejected_full += 1
                    raise StreamFull(f"Stream '{stream}' is full and its policy is 'reject'.")
                while msgs and st.pending_bytes + len(payload) > limits.max_bytes:
                    _, old = msgs.popitem(last=False)
                    st.pending_bytes -= len(old.payload)
                    dropped += 1
                st.dropped_full += dropped
            seq = st.next_seq
            key = key or f"{self._id}:{stream}:{seq}"
            raw = raw_bytes if raw_bytes is not None else len(payload)
            msgs[seq] = Message(stream, seq, key, dc, now or time.time(), bytes(payload), content_type, raw)
            st.next_seq += 1
            st.pending_bytes += len(payload)
            st.enqueued += 1
            st.raw_bytes += raw
            st.payload_bytes += len(payload)
            return EnqueueResult(stream, seq, key, dropped=dropped)

    def enqueue_many(self, stream: str, payloads: Iterable[bytes], data_class: DataClass | str, **kw: object) -> list[EnqueueResult]:
        return [self.enqueue(stream, p, data_class, **kw) for p in payloads]  # type: ignore[arg-type]

    def peek(self, stream: str, max_messages: int, max_bytes: int) -> list[Message]:
        with self._lock:
            msgs, _ = self._stream(stream)
            out: list[Message] = []
            size = 0
            for m in msgs.values():
                if len(out) >= max_messages or (out and (size + len(m.payload) > max_bytes or m.data_class != out[0].data_class)):
                    break
                out.append(m)
                size += len(m.payload)
            return out

    def ack(self, stream: str, upto_seq: int) -> int:
        with self._lock:
            msgs, st = self._stream(stream)
            done = [s for s in msgs if s <= upto_seq]
            for s in done:
                st.pending_bytes -= len(msgs.pop(s).payload)
            st.delivered += len(done)
            st.acked_seq = max(st.acked_seq, upto_seq)
            return len(done)

    def expire(self, now: float | None = None) -> dict[str, int]:
        now = now or time.time()
        out: dict[str, int] = {}
        with self._lock:
            for stream, msgs in self._msgs.items():
                cutoff = now - self.limits_for(stream).ttl_s
                old = [s for s, m in msgs.items() if m.created < cutoff]
                st = self._stats[stream]
                for s in old:
                    st.pending_bytes -= len(msgs.pop(s).payload)
                if old:
                    st.dropped_ttl += len(old)
                    out[stream] = len(old)
        return out

    def record_send(self, stream: str, *, wire_bytes: int, payload_bytes: int, ok: bool, error: str | None = None) -> None:
        with self._lock:
            _, st = self._stream(stream)
            st.sent_wire_bytes += wire_bytes
            if ok:
                st.sent_payload_bytes += payload_bytes
                st.batches_sent += 1
                st.last_error = None
            else:
                st.send_failures += 1
                st.last_error = error

    def streams(self) -> list[str]:
        with self._lock:
            return sorted(self._stats)

    def stats(self, stream: str | None = None) -> list[StreamStats]:
        now = time.time()
        with self._lock:
            names = [stream] if stream else sorted(self._stats)
            out = []
            for name in names:
                if name not in self._stats:
                    continue
                st = self._stats[name]
                msgs = self._msgs[name]
                st.pending = len(msgs)
                st.oldest_age_s = now - min(m.created for m in msgs.values()) if msgs else None
                out.append(StreamStats(**{k: v for k, v in st.__dict__.items()}))
            return out


__all__ = ["MemoryOutbox"]
