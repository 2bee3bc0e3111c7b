"""Hand what an app may share (events, reports, health summaries) to the perimeter gateway.

Why this exists: raw sensor data, images and audio stay on the node; only
derived, small payloads leave, and only through
:class:`edgewise.perimeter.gateway.Gateway` (the one way out). Every app uses
this :class:`Publisher` rather than calling the gateway itself, so that

* the data class is always set by the producer (``event``, ``report``,
  ``summary``) and anything else is refused here, before the gateway sees it
  (defence in depth: a bug that tries to publish samples fails loudly);
* the bandwidth story is measured the same way for every app: raw bytes the app
  *saw* (:meth:`Publisher.count_raw`) against bytes *sent* (what the gateway's
  receipts say, or the serialised size in dry-run mode when no gateway is
  configured, e.g. a file replay);
* a refusal by the gateway (policy, offline, size) never crashes the app: it is
  counted and logged, and :attr:`PublishStats.refused` says so.

Public API (stable; additive changes only): :class:`Publisher`,
:class:`PublishStats`, :class:`GatewayLike`, :data:`APP_DATA_CLASSES`.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel

from edgewise.apps.events import Event
from edgewise.apps.report import Report
from edgewise.perimeter.types import DataClass, EgressRefused, Receipt

log = logging.getLogger(__name__)

#: The only data classes an app publishes.
APP_DATA_CLASSES: frozenset[DataClass] = frozenset({DataClass.EVENT, DataClass.REPORT, DataClass.SUMMARY})


class GatewayLike(Protocol):
    """The part of :class:`edgewise.perimeter.gateway.Gateway` the apps use."""

    def send(self, destination: str, data_class: DataClass, payload: bytes | str | dict[str, Any]) -> Receipt: ...


@dataclass
class PublishStats:
    """Counters of one publisher; ``ratio`` is raw bytes seen per byte sent."""

    raw_bytes_seen: int = 0
    bytes_sent: int = 0
    messages_sent: dict[str, int] = field(default_factory=dict)
    bytes_by_class: dict[str, int] = field(default_factory=dict)
    refused: int = 0
    dry_run: bool = True

    @property
    def ratio(self) -> float | None:
        return self.raw_bytes_seen / self.bytes_sent if self.bytes_sent else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "raw_bytes_seen": self.raw_bytes_seen,
            "bytes_sent": self.bytes_sent,
            "reduction_ratio": self.ratio,
            "messages_sent": dict(self.messages_sent),
            "bytes_by_class": dict(self.bytes_by_class),
            "refused": self.refused,
            "dry_run": self.dry_run,
        }


def _payload(obj: BaseModel | dict[str, Any]) -> dict[str, Any]:
    return obj.model_dump(mode="json") if isinstance(obj, BaseModel) else obj


def _size(payload: dict[str, Any]) -> int:
    return len(json.dumps(payload, separators=(",", ":")).encode())


class Publisher:
    """Sends an app's events, reports and summaries through the gateway (or counts them in dry-run).

    ``gateway=None`` is dry-run: nothing leaves, and ``bytes_sent`` is what *would*
    have been sent (compact JSON size). Thread-safe (MQTT callbacks publish from
    their own thread).
    """

    def __init__(self, gateway: GatewayLike | None = None, destination: str = "uplink", *, app: str = "app") -> None:
        self.gateway = gateway
        self.destination = destination
        self.app = app
        self.stats = PublishStats(dry_run=gateway is None)
        self._lock = threading.Lock()

    def count_raw(self, nbytes: int) -> None:
        """Record ``nbytes`` of raw data the app looked at (samples, pixels), which stay on the node."""
        with self._lock:
            self.stats.raw_bytes_seen += int(nbytes)

    def publish_event(self, event: Event) -> Receipt | None:
        return self.publish(event, DataClass.EVENT)

    def publish_report(self, report: Report) -> Receipt | None:
        return self.publish(report, DataClass.REPORT)

    def publish_summary(self, summary: BaseModel | dict[str, Any]) -> Receipt | None:
        return self.publish(summary, DataClass.SUMMARY)

    def publish(self, obj: BaseModel | dict[str, Any], data_class: DataClass) -> Receipt | None:
        """Send one payload; returns the receipt, or ``None`` in dry-run or when the gateway refused.

        Raises :class:`EgressRefused` at once for a data class apps never publish (e.g. ``raw_sensor``).
        """
        data_class = DataClass(data_class)
        if data_class not in APP_DATA_CLASSES:
            raise EgressRefused(
                f"apps publish only {sorted(c.value for c in APP_DATA_CLASSES)}, not {data_class.value!r}: "
                "raw data stays on the node."
            )
        payload = _payload(obj)
        if self.gateway is None:
            self._count(data_class, _size(payload))
            return None
        try:
            receipt = self.gateway.send(self.destination, data_class, payload)
        except EgressRefused as exc:
            log.warning("%s: gateway refused a %s payload: %s", self.app, data_class.value, exc.message)
            with self._lock:
                self.stats.refused += 1
            return None
        self._count(data_class, receipt.bytes_sent)
        return receipt

    def _count(self, data_class: DataClass, nbytes: int) -> None:
        with self._lock:
            self.stats.bytes_sent += nbytes
            key = data_class.value
            self.stats.messages_sent[key] = self.stats.messages_sent.get(key, 0) + 1
            self.stats.bytes_by_class[key] = self.stats.bytes_by_class.get(key, 0) + nbytes


__all__ = ["APP_DATA_CLASSES", "GatewayLike", "PublishStats", "Publisher"]
