"""One inspection station: inspect frames, keep shift counts, raise events, write and publish reports.

The station is what the CLI (``run``, ``watch``) and the HTTP route share. It
owns the only copies of the frames (they are decoded, scored and dropped; they
never reach the publisher), counts image bytes seen against bytes uplinked, and
turns rejects and a rising reject rate into :class:`InspectionEvent`\\ s with a
report each (:func:`edgewise.apps.report.write_report`: the local LLM's draft,
fact-checked, or the template).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from edgewise.apps.inspection.events import InspectionEvent, rate_event, reject_event
from edgewise.apps.inspection.imaging import decode_image
from edgewise.apps.inspection.runtime import Detector
from edgewise.apps.inspection.settings import InspectionSettings
from edgewise.apps.inspection.verdict import Outcome
from edgewise.apps.publish import Publisher
from edgewise.apps.report import ChatEngine, Report, write_report

HIST_BINS = 20


class ShiftSummary(BaseModel):
    """What a shift looked like, safe to uplink (data class ``summary``): counts, rates, a score histogram."""

    station: str
    detector: str
    started: datetime
    ended: datetime = Field(default_factory=lambda: datetime.now(UTC))
    inspected: int
    rejected: int
    reject_rate: float
    threshold: float
    by_class: dict[str, int]
    score_histogram: list[int] = Field(..., description=f"{HIST_BINS} bins from 0 to 2 x threshold; last bin open.")
    latency_ms_p50: float | None
    latency_ms_p95: float | None
    image_bytes_seen: int
    bytes_uplinked: int


@dataclass
class StationResult:
    outcome: Outcome
    events: list[InspectionEvent] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)


class Station:
    """Thread-safe: the HTTP route and a watcher may feed one station."""

    def __init__(
        self,
        detector: Detector,
        settings: InspectionSettings | None = None,
        *,
        publisher: Publisher | None = None,
        engine: ChatEngine | None = None,
        metrics: Any | None = None,
        reports: bool = True,
    ) -> None:
        self.detector = detector
        self.settings = settings or InspectionSettings()
        self.publisher = publisher or Publisher(None, app="inspection")
        self.engine = engine
        self.reports = reports
        self.started = datetime.now(UTC)
        self._lock = threading.Lock()
        self._recent: deque[bool] = deque(maxlen=self.settings.window)
        self._alarmed = False
        self._hist = np.zeros(HIST_BINS, dtype=np.int64)
        self._latency: deque[float] = deque(maxlen=10_000)
        self.inspected = 0
        self.rejected = 0
        self.by_class: dict[str, int] = {}
        self._metrics = _Metrics(metrics) if metrics is not None else None

    def inspect_bytes(self, data: bytes, *, image: str | None = None) -> StationResult:
        """Decode and inspect one frame; raises :class:`InvalidImage` for a bad one (nothing is counted then)."""
        t0 = time.perf_counter()
        gray = decode_image(data, max_pixels=self.settings.max_pixels)
        outcome = self.detector.inspect(gray, image=image, started=t0)
        self.publisher.count_raw(len(data))
        return self._record(outcome)

    def _record(self, outcome: Outcome) -> StationResult:
        res = outcome.inspection
        rejected = res.verdict == "reject"
        with self._lock:
            self.inspected += 1
            self.rejected += rejected
            if rejected:
                key = res.likely_class or "defect"
                self.by_class[key] = self.by_class.get(key, 0) + 1
            self._hist[min(HIST_BINS - 1, int(res.score / (2 * max(res.threshold, 1e-9)) * HIST_BINS))] += 1
            self._latency.append(res.latency_ms)
            self._recent.append(rejected)
            rate_alarm = self._rate_alarm()
        if self._metrics:
            self._metrics.observe(res.verdict, res.latency_ms / 1000.0)
        events = [reject_event(res, self.settings.station)] if rejected else []
        if rate_alarm is not None:
            events.append(rate_alarm)
        for ev in events:
            self.publisher.publish_event(ev)
        result = StationResult(outcome=outcome, events=events)
        if self.reports:
            result.reports = self.write_reports(events)
        return result

    def write_reports(self, events: list[InspectionEvent]) -> list[Report]:
        """Write (LLM draft, fact-checked, or template) and publish one report per event.

        Called inline by the CLI; the HTTP route runs it after answering, so the
        line never waits for the language model.
        """
        out = []
        for ev in events:
            report = write_report(ev, self.engine, audience="a quality engineer at the line")
            self.publisher.publish_report(report)
            out.append(report)
        return out

    def _rate_alarm(self) -> InspectionEvent | None:
        """A rate event once the window is full and its reject rate reaches the alarm level (re-armed below half)."""
        window = len(self._recent)
        rejects = sum(self._recent)
        if window < self._recent.maxlen:  # type: ignore[operator]
            return None
        rate = rejects / window
        if rate < self.settings.reject_rate_alarm / 2:
            self._alarmed = False
        if self._alarmed or rate < self.settings.reject_rate_alarm:
            return None
        self._alarmed = True
        spec = self.detector.spec
        return rate_event(self.settings.station, rejects, window, spec.calibration.false_reject_rate, self.settings.reject_rate_alarm)

    def summary(self) -> ShiftSummary:
        with self._lock:
            lat = np.array(self._latency) if self._latency else None
            return ShiftSummary(
                station=self.settings.station, detector=self.detector.name, started=self.started,
                inspected=self.inspected, rejected=self.rejected,
                reject_rate=round(self.rejected / self.inspected, 4) if self.inspected else 0.0,
                threshold=self.detector.spec.threshold, by_class=dict(self.by_class),
                score_histogram=[int(x) for x in self._hist],
                latency_ms_p50=None if lat is None else round(float(np.percentile(lat, 50)), 3),
                latency_ms_p95=None if lat is None else round(float(np.percentile(lat, 95)), 3),
                image_bytes_seen=self.publisher.stats.raw_bytes_seen, bytes_uplinked=self.publisher.stats.bytes_sent,
            )

    def publish_summary(self) -> ShiftSummary:
        summary = self.summary()
        self.publisher.publish_summary(summary)
        return summary


class _Metrics:
    """Prometheus series of the station on the node's registry."""

    def __init__(self, node_metrics: Any) -> None:
        self.parts = node_metrics.counter("inspection_parts_total", "Parts inspected, by verdict.", ["verdict"])
        self.latency = node_metrics.histogram(
            "inspection_latency_seconds", "Decode + inference time per part.",
            buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0),
        )

    def observe(self, verdict: str, seconds: float) -> None:
        self.parts.labels(verdict).inc()
        self.latency.observe(seconds)


__all__ = ["ShiftSummary", "Station", "StationResult"]
