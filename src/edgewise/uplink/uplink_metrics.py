"""The uplink's series on the node's Prometheus registry.

Bandwidth accounting lives in the outbox (it survives restarts), so it is
exported as gauges refreshed from the store: raw bytes the node saw, bytes
sent on the wire, and their ratio, per stream; drops per stream and reason.
"""

from __future__ import annotations

from edgewise.metrics import NodeMetrics
from edgewise.uplink.store import OutboxStore


class UplinkMetrics:
    def __init__(self, metrics: NodeMetrics) -> None:
        m = metrics
        self.batches = m.counter("uplink_batches_sent_total", "Batches acknowledged by the collector.", ["stream"])
        self.messages = m.counter("uplink_messages_sent_total", "Messages acknowledged by the collector.", ["stream"])
        self.failures = m.counter("uplink_send_failures_total", "Failed batch sends.", ["stream", "error"])
        self.raw = m.gauge("uplink_raw_bytes", "Bytes the node saw before summarization, per stream.", ["stream"])
        self.wire = m.gauge("uplink_sent_wire_bytes", "Bytes sent on the wire after compression, per stream.", ["stream"])
        self.payload = m.gauge("uplink_sent_payload_bytes", "Payload bytes delivered, per stream.", ["stream"])
        self.ratio = m.gauge("uplink_bandwidth_ratio", "Wire bytes / raw bytes, per stream.", ["stream"])
        self.pending = m.gauge("uplink_pending_messages", "Messages waiting in the outbox.", ["stream"])
        self.pending_bytes = m.gauge("uplink_pending_bytes", "Payload bytes waiting in the outbox.", ["stream"])
        self.dropped = m.gauge("uplink_dropped_messages", "Messages dropped or rejected by retention, by reason.", ["stream", "reason"])
        self.online = m.gauge("uplink_online", "1 if the last send reached the collector, 0 if not.")

    def batch_sent(self, stream: str, messages: int, wire_bytes: int) -> None:
        self.batches.labels(stream).inc()
        self.messages.labels(stream).inc(messages)

    def send_failed(self, stream: str, error: str) -> None:
        self.failures.labels(stream, error).inc()

    def refresh(self, store: OutboxStore, online: bool | None) -> None:
        for st in store.stats():
            s = st.stream
            self.raw.labels(s).set(st.raw_bytes)
            self.wire.labels(s).set(st.sent_wire_bytes)
            self.payload.labels(s).set(st.sent_payload_bytes)
            self.ratio.labels(s).set(st.ratio or 0.0)
            self.pending.labels(s).set(st.pending)
            self.pending_bytes.labels(s).set(st.pending_bytes)
            self.dropped.labels(s, "full").set(st.dropped_full)
            self.dropped.labels(s, "ttl").set(st.dropped_ttl)
            self.dropped.labels(s, "rejected").set(st.rejected_full)
        if online is not None:
            self.online.set(1 if online else 0)


__all__ = ["UplinkMetrics"]
