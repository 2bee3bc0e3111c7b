"""Settings of the uplink outbox and its forwarder (``[uplink]`` in the config file).

Modelled on AWS IoT Greengrass stream manager (per-stream size and TTL limits,
batching, a bandwidth cap) and Azure IoT Edge hub (store-and-forward, at-least-once,
in order per endpoint, offline for as long as the disk allows).
"""

from __future__ import annotations

import socket
from typing import Literal

from pydantic import BaseModel, Field, SecretStr

FullPolicy = Literal["reject", "drop_oldest"]


class StreamLimits(BaseModel):
    """Retention limits of one named stream."""

    max_bytes: int = Field(64 * 1024 * 1024, ge=1, description="Most payload bytes kept waiting in the stream.")
    ttl_s: float = Field(7 * 24 * 3600.0, gt=0, description="Messages older than this are dropped (and counted).")
    full_policy: FullPolicy = Field(
        "drop_oldest", description="When max_bytes is reached: 'reject' new messages or 'drop_oldest' ones."
    )


class UplinkSettings(BaseModel):
    """Every knob of the store-and-forward uplink."""

    enabled: bool = Field(False, description="Run the forwarder inside `edgewise serve`.")
    destination: str = Field("collector", description="Name of the collector in the perimeter egress policy.")
    node_id: str = Field(default_factory=socket.gethostname, description="This node's name at the collector.")
    token: SecretStr | None = Field(None, description="Per-node token issued by `edgewise cloud token add`.")
    durability: Literal["full", "normal"] = Field(
        "full",
        description="SQLite synchronous mode: 'full' survives power loss, 'normal' survives process kills only.",
    )
    batch_max_messages: int = Field(500, ge=1)
    batch_max_bytes: int = Field(256 * 1024, ge=1024, description="Most payload bytes per batch, before compression.")
    bandwidth_bytes_per_s: int = Field(0, ge=0, description="Cap on bytes put on the wire per second (0: no cap).")
    compression_level: int = Field(3, ge=1, le=22, description="zstd level of batches.")
    backoff_initial_s: float = Field(0.5, gt=0)
    backoff_max_s: float = Field(60.0, gt=0)
    poll_interval_s: float = Field(0.5, gt=0, description="How often an idle forwarder looks for new messages.")
    request_timeout_s: float = Field(10.0, gt=0)
    default_limits: StreamLimits = Field(default_factory=StreamLimits)
    streams: dict[str, StreamLimits] = Field(default_factory=dict, description="Per-stream overrides of the limits.")

    def limits_for(self, stream: str) -> StreamLimits:
        return self.streams.get(stream, self.default_limits)


__all__ = ["FullPolicy", "StreamLimits", "UplinkSettings"]
