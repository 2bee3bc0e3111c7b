"""The gateway contract shared by every subsystem that sends data off the node.

Producers decide what a payload *is* (its :class:`DataClass`); the gateway checks
it against the policy, redacts when asked, writes the ledger and sends, or
refuses with :class:`EgressRefused`. Nothing else in the package opens an
outbound connection.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from edgewise.errors import EdgewiseError


class DataClass(StrEnum):
    RAW_TEXT = "raw_text"
    RAW_SENSOR = "raw_sensor"
    IMAGE = "image"
    AUDIO = "audio"
    SUMMARY = "summary"
    EVENT = "event"
    METRICS = "metrics"
    REDACTED_PROMPT = "redacted_prompt"
    MODEL_UPDATE = "model_update"
    REPORT = "report"


#: Never leave the node, whatever a policy file says.
FORBIDDEN: frozenset[DataClass] = frozenset({DataClass.RAW_TEXT, DataClass.RAW_SENSOR, DataClass.IMAGE, DataClass.AUDIO})


class EgressRefused(EdgewiseError):
    """The gateway refused to send (policy, forbidden class, size, detector failure). Nothing was sent."""

    status_code = 403
    code = "egress_refused"
    type = "permission_error"


@dataclass(frozen=True)
class Receipt:
    """What the gateway returns for a payload it sent."""

    destination: str
    data_class: DataClass
    bytes_sent: int
    sha256: str
    redactions: dict[str, int] = field(default_factory=dict)
    status_code: int | None = None
    response_body: bytes = b""
    ledger_seq: int | None = None
    #: Set when the caller asked to keep the placeholder mapping: pass it to ``reidentify``.
    session_id: str | None = None


__all__ = ["FORBIDDEN", "DataClass", "EgressRefused", "Receipt"]
