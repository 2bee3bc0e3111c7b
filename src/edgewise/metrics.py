"""One Prometheus registry per node; every subsystem registers its series on it.

Subsystems call :meth:`NodeMetrics.counter` / ``gauge`` / ``histogram`` with a
name; asking twice for the same name returns the same series, so a module can
look its metrics up wherever it needs them without module globals.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

PREFIX = "edgewise_"


class NodeMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._series: dict[str, Any] = {}

    def _get(self, cls: type, name: str, doc: str, labels: Sequence[str], **kw: Any) -> Any:
        full = name if name.startswith(PREFIX) else PREFIX + name
        series = self._series.get(full)
        if series is None:
            series = cls(full, doc, list(labels), registry=self.registry, **kw)
            self._series[full] = series
        return series

    def counter(self, name: str, doc: str, labels: Sequence[str] = ()) -> Counter:
        return self._get(Counter, name, doc, labels)  # type: ignore[no-any-return]

    def gauge(self, name: str, doc: str, labels: Sequence[str] = ()) -> Gauge:
        return self._get(Gauge, name, doc, labels)  # type: ignore[no-any-return]

    def histogram(self, name: str, doc: str, labels: Sequence[str] = (), buckets: Sequence[float] | None = None) -> Histogram:
        kw = {"buckets": tuple(buckets)} if buckets else {}
        return self._get(Histogram, name, doc, labels, **kw)  # type: ignore[no-any-return]

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


__all__ = ["NodeMetrics"]
