"""The uplink as the node uses it: one outbox on disk plus, when enabled, its forwarder.

``Uplink.enqueue`` is what producers call (apps, the gateway's ``uplink``
destination, the HTTP route); it returns once the message is durable.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from edgewise.config import Settings
from edgewise.metrics import NodeMetrics
from edgewise.perimeter.types import DataClass
from edgewise.uplink.forwarder import Forwarder, Transport
from edgewise.uplink.sqlite_store import SqliteOutbox
from edgewise.uplink.store import OutboxStore
from edgewise.uplink.settings import UplinkSettings
from edgewise.uplink.types import EnqueueResult


def outbox_path(settings: Settings) -> Path:
    return settings.data_dir / "uplink" / "outbox.db"


def token_path(settings: Settings) -> Path:
    return settings.data_dir / "uplink" / "token"


def with_token(settings: Settings) -> UplinkSettings:
    """The uplink settings with the node token: ``[uplink] token`` if set, else the mode-600 token file."""
    up = settings.uplink
    path = token_path(settings)
    if (up.token is None or not up.token.get_secret_value().strip()) and path.is_file():
        return up.model_copy(update={"token": SecretStr(path.read_text().strip())})
    return up


def open_outbox(settings: Settings) -> SqliteOutbox:
    up = settings.uplink
    return SqliteOutbox(outbox_path(settings), up.limits_for, durability=up.durability)


def to_bytes(payload: bytes | str | dict[str, Any] | list[Any]) -> tuple[bytes, str]:
    """Serialize a payload; returns ``(bytes, content_type)``."""
    if isinstance(payload, bytes):
        return payload, "application/octet-stream"
    if isinstance(payload, str):
        return payload.encode(), "text/plain; charset=utf-8"
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode(), "application/json"


class Uplink:
    """Outbox + forwarder. Build it with :meth:`open`; close it when the node stops."""

    def __init__(self, store: OutboxStore, forwarder: Forwarder | None = None) -> None:
        self.store = store
        self.forwarder = forwarder

    @classmethod
    def open(cls, settings: Settings, *, transport: Transport | None = None, metrics: NodeMetrics | None = None) -> Uplink:
        store = open_outbox(settings)
        fwd = Forwarder(store, transport, with_token(settings), metrics=metrics) if transport is not None else None
        return cls(store, fwd)

    def enqueue(
        self,
        stream: str,
        payload: bytes | str | dict[str, Any] | list[Any],
        data_class: DataClass | str,
        *,
        key: str | None = None,
        raw_bytes: int | None = None,
    ) -> EnqueueResult:
        body, ctype = to_bytes(payload)
        return self.store.enqueue(stream, body, data_class, key=key, content_type=ctype, raw_bytes=raw_bytes)

    def start(self) -> None:
        if self.forwarder is not None:
            self.forwarder.start()

    def close(self) -> None:
        if self.forwarder is not None:
            self.forwarder.stop()
        self.store.close()


__all__ = ["Uplink", "open_outbox", "outbox_path", "to_bytes", "token_path", "with_token"]
