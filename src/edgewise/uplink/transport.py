"""Carry batches to the collector through the perimeter gateway (the one way out).

The gateway checks the data class against the policy destination (default
``collector``), records the attempt in the ledger and sends. If that
destination asks for redaction, the batch goes as inspectable JSON so the
gateway's detector sees every payload; otherwise as zstd bytes.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from edgewise.config import Settings
from edgewise.errors import EdgewiseError
from edgewise.perimeter.types import DataClass, EgressRefused, Receipt
from edgewise.uplink.errors import LinkAuthError, LinkError
from edgewise.uplink.protocol import INGEST_PATH, IngestAck, encode_body, encode_headers
from edgewise.uplink.settings import UplinkSettings
from edgewise.uplink.types import Message


class GatewayLike(Protocol):
    def send(self, destination: str, data_class: DataClass | str, payload: Any, *, path: str = "", method: str = "POST",
             headers: dict[str, str] | None = None, content_type: str | None = None, keep_mapping: bool = False) -> Receipt: ...  # fmt: skip


class GatewayTransport:
    """Implements the forwarder's ``Transport`` on top of ``Gateway.send``."""

    def __init__(self, gateway: GatewayLike, settings: UplinkSettings, *, redact: bool | None = None) -> None:
        self.gateway = gateway
        self.settings = settings
        if redact is None:
            dest = getattr(getattr(gateway, "policy", None), "find", lambda _: None)(settings.destination)
            redact = bool(getattr(dest, "redact", True))
        self.redact = redact

    def post_batch(self, node_id: str, outbox_id: str, messages: list[Message], counters: dict[str, int]) -> tuple[IngestAck, int]:
        headers = encode_headers(node_id, outbox_id, messages, counters)
        if self.settings.token is not None and self.settings.token.get_secret_value().strip():
            headers["authorization"] = f"Bearer {self.settings.token.get_secret_value()}"
        body, _ = encode_body(messages, compress=not self.redact, level=self.settings.compression_level)
        if isinstance(body, bytes):
            headers["content-encoding"] = "zstd"
        ctype = "application/json" if isinstance(body, dict) else "application/zstd"
        try:
            receipt = self.gateway.send(self.settings.destination, messages[0].data_class, body, path=INGEST_PATH,
                                        headers=headers, content_type=ctype)  # fmt: skip
        except EgressRefused:
            raise
        except EdgewiseError as exc:  # EgressFailed: allowed and recorded, but the network failed
            raise LinkError(f"Collector unreachable: {exc.message}") from exc
        return self._ack(receipt), receipt.bytes_sent

    @staticmethod
    def _ack(receipt: Receipt) -> IngestAck:
        status = receipt.status_code or 0
        detail = receipt.response_body[:300].decode("utf-8", "replace")
        if status in (401, 403):
            raise LinkAuthError(f"The collector refused this node's token ({status}): {detail}")
        if status != 200:
            raise LinkError(f"The collector answered {status}: {detail}")
        try:
            return IngestAck.model_validate(json.loads(receipt.response_body))
        except ValueError as exc:
            raise LinkError(f"The collector's answer is not an ingest acknowledgement: {detail}") from exc


def gateway_transport(settings: Settings, *, metrics: Any = None) -> GatewayTransport:
    """Build the perimeter gateway from settings and wrap it (ConfigError/PolicyError if the policy is unusable)."""
    from edgewise.perimeter.gateway import Gateway
    from edgewise.uplink.service import with_token

    return GatewayTransport(Gateway.from_settings(settings, metrics=metrics), with_token(settings))


__all__ = ["GatewayLike", "GatewayTransport", "gateway_transport"]
