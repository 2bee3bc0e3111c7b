"""Store-and-forward uplink: a durable SQLite outbox with named streams, drained to the cloud collector.

At-least-once, in order per stream, idempotency keys, zstd batches, a bandwidth
cap, backoff with jitter, per-stream retention (max bytes, TTL, reject or
drop-oldest, every drop counted). Every batch leaves through the perimeter
gateway.
"""

from __future__ import annotations

from edgewise.uplink.errors import LinkAuthError, LinkError, StreamFull
from edgewise.uplink.settings import StreamLimits, UplinkSettings
from edgewise.uplink.types import EnqueueResult, Message, StreamStats

__all__ = [
    "EnqueueResult",
    "LinkAuthError",
    "LinkError",
    "Message",
    "StreamFull",
    "StreamLimits",
    "StreamStats",
    "UplinkSettings",
]
