"""The forwarder: drains the outbox to the collector, in order per stream, at least once.

One batch per stream in flight at a time; a batch is deleted from the outbox
only after the collector acknowledged it, so a crash at any point re-sends at
most the batch in flight (the collector stores duplicates once). Failures back
off per stream with full jitter; the bandwidth cap applies to bytes on the wire
across all streams.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

from edgewise.metrics import NodeMetrics
from edgewise.perimeter.types import EgressRefused
from edgewise.uplink.errors import LinkError
from edgewise.uplink.pacing import Backoff, TokenBucket
from edgewise.uplink.protocol import IngestAck
from edgewise.uplink.settings import UplinkSettings
from edgewise.uplink.store import OutboxStore
from edgewise.uplink.types import Message
from edgewise.uplink.uplink_metrics import UplinkMetrics

log = logging.getLogger("edgewise.uplink")


class Transport(Protocol):
    """Carries one compressed batch to the collector (through the perimeter gateway)."""

    def post_batch(
        self, node_id: str, outbox_id: str, messages: list[Message], counters: dict[str, int]
    ) -> tuple[IngestAck, int]:
        """Deliver one batch; returns the collector's acknowledgement and the bytes put on the wire."""
        ...


class Forwarder:
    def __init__(
        self,
        store: OutboxStore,
        transport: Transport,
        settings: UplinkSettings,
        *,
        metrics: NodeMetrics | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.transport = transport
        self.settings = settings
        self.sleep = sleep
        self.bucket = TokenBucket(settings.bandwidth_bytes_per_s, burst=max(settings.bandwidth_bytes_per_s, 1))
        self.metrics = UplinkMetrics(metrics) if metrics is not None else None
        self._backoff: dict[str, Backoff] = {}
        self._next_try: dict[str, float] = {}
        self._ratio: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.online: bool | None = None  # None until the first attempt

    def _estimate(self, stream: str, payload_bytes: int) -> int:
        """Expected wire bytes of a batch: the stream's last compression ratio (1.0 at first)."""
        return int(payload_bytes * self._ratio.get(stream, 1.0))

    # --- one step ---------------------------------------------------------------------
    def send_one(self, stream: str) -> int:
        """Send the oldest batch of ``stream``; returns messages acknowledged (0 if none pending)."""
        s = self.settings
        batch = self.store.peek(stream, s.batch_max_messages, s.batch_max_bytes)
        if not batch:
            return 0
        st = self.store.stats(stream)[0]
        counters = {"dropped_full": st.dropped_full, "dropped_ttl": st.dropped_ttl, "rejected_full": st.rejected_full}
        payload_bytes = sum(len(m.payload) for m in batch)
        # the cap is charged before sending, from the payload size, then corrected with the real wire size
        wait = self.bucket.reserve(self._estimate(stream, payload_bytes))
        if wait > 0:
            self.sleep(wait)
        try:
            ack, wire = self.transport.post_batch(s.node_id, self.store.outbox_id, batch, counters)
        except (LinkError, EgressRefused) as exc:
            self.store.record_send(stream, wire_bytes=0, payload_bytes=0, ok=False, error=exc.message[:500])
            raise
        self.bucket.reserve(wire - self._estimate(stream, payload_bytes))
        self._ratio[stream] = wire / max(payload_bytes, 1)
        if ack.acked_seq < batch[-1].seq:
            raise LinkError(f"Collector acknowledged seq {ack.acked_seq}, expected {batch[-1].seq}.")
        self.store.ack(stream, batch[-1].seq)
        self.store.record_send(stream, wire_bytes=wire, payload_bytes=payload_bytes, ok=True)
        if self.metrics:
            self.metrics.batch_sent(stream, len(batch), wire)
        return len(batch)

    def run_once(self, now: float | None = None) -> int:
        """Expire old messages, then send one batch of every pending stream whose backoff has elapsed."""
        self.store.expire()
        sent = 0
        for stream in self.store.pending_streams():
            t = time.monotonic() if now is None else now
            if self._next_try.get(stream, 0.0) > t:
                continue
            try:
                sent += self.send_one(stream)
            except (LinkError, EgressRefused) as exc:
                self._failed(stream, exc)
            else:
                self.online = True
                self._backoff.pop(stream, None)
                self._next_try.pop(stream, None)
        if self.metrics:
            self.metrics.refresh(self.store, self.online)
        return sent

    def _failed(self, stream: str, exc: LinkError | EgressRefused) -> None:
        if isinstance(exc, LinkError):
            self.online = False
        backoff = self._backoff.setdefault(stream, Backoff(self.settings.backoff_initial_s, self.settings.backoff_max_s))
        delay = backoff.next_delay()
        self._next_try[stream] = time.monotonic() + delay
        log.warning("uplink: stream %s not sent (%s); retrying in %.1fs", stream, exc.message, delay)
        if self.metrics:
            self.metrics.send_failed(stream, type(exc).__name__)

    def flush(self, timeout: float) -> bool:
        """Send until the outbox is empty (True) or ``timeout`` seconds passed (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.store.pending_streams():
                return True
            if self.run_once() == 0:
                waits = [t - time.monotonic() for t in self._next_try.values()]
                self.sleep(max(0.01, min([self.settings.poll_interval_s, *waits, deadline - time.monotonic()])))
        return not self.store.pending_streams()

    # --- background thread -----------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="edgewise-uplink", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                sent = self.run_once()
            except Exception:  # the loop must survive anything; the next round retries
                log.exception("uplink: forwarder round failed")
                sent = 0
            if sent == 0:
                self._stop.wait(self.settings.poll_interval_s)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


__all__ = ["Forwarder", "Transport"]
