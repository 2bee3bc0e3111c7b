"""The live pipeline of one asset: blocks in, health records and events out.

``Monitor.learn(healthy_blocks, ...)`` fits one :class:`ChannelTwin` per
channel at one analysis sampling rate (the lowest rate seen, so a 48 kHz
healthy baseline and 12 kHz monitored data meet at 12 kHz: resampled with a
polyphase anti-aliasing filter, never by dropping samples). ``process(block)``
cuts the block into windows, scores them, updates each channel's
:class:`HealthTracker` and returns JSON-ready records; events go through the
:class:`~edgewise.apps.publish.Publisher` (dry-run unless a gateway is given),
and a report is written for each event when a ``reporter`` is given.
Nothing here looks ahead: a window is judged with what came before it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

import numpy as np

from edgewise.apps.events import Event
from edgewise.apps.maintenance.bearings import Bearing
from edgewise.apps.maintenance.blocks import Block
from edgewise.apps.maintenance.errors import TwinError
from edgewise.apps.maintenance.features import compute_features, feature_names
from edgewise.apps.maintenance.health import HealthTracker
from edgewise.apps.maintenance.mevents import RELATIVE_EPOCH, MaintenanceEvent, build_event, severity_for
from edgewise.apps.maintenance.settings import MaintenanceSettings
from edgewise.apps.maintenance.twin import ChannelTwin
from edgewise.apps.publish import Publisher
from edgewise.apps.report import Report

Record = dict[str, Any]


def resample(x: np.ndarray, fs: float, target: float) -> np.ndarray:
    """Polyphase resampling (scipy) from ``fs`` to ``target`` Hz along axis 0."""
    if abs(fs - target) < 1e-6 * target:
        return x
    from scipy.signal import resample_poly

    ratio = Fraction(target / fs).limit_denominator(1000)
    out: np.ndarray = resample_poly(x, ratio.numerator, ratio.denominator, axis=0)
    return out


class Monitor:
    """Digital twin + alarm logic for one asset (all of its channels)."""

    def __init__(
        self,
        asset: str,
        twins: dict[str, ChannelTwin],
        fs: float,
        settings: MaintenanceSettings,
        *,
        bearing: Bearing | None = None,
        rpm: float | None = None,
        publisher: Publisher | None = None,
        reporter: Callable[[Event], Report] | None = None,
    ) -> None:
        self.asset, self.twins, self.fs, self.s = asset, twins, fs, settings
        self.bearing, self.rpm = bearing, rpm
        self.publisher = publisher or Publisher(None, app="maintenance")
        self.reporter = reporter
        self.trackers = {c: HealthTracker(t.threshold, settings, log_center=t.log_center, log_spread=t.log_spread,
                                          baseline_windows=t.n_healthy) for c, t in twins.items()}
        self.events: list[MaintenanceEvent] = []
        self.samples = 0
        self.busy_s = 0.0
        self.unmonitored: set[str] = set()  # channels seen without a healthy model (e.g. CWRU BA vs a DE/FE baseline)
        self.base: datetime = RELATIVE_EPOCH
        self._severity: dict[str, int] = {}
        self._last_summary: float | None = None

    # --- learning -------------------------------------------------------------------------
    @staticmethod
    def fault_freqs(bearing: Bearing | None, rpm: float | None) -> dict[str, float] | None:
        return bearing.frequencies(rpm) if bearing is not None and rpm else None

    @classmethod
    def learn(
        cls, asset: str, healthy: Iterable[Block], settings: MaintenanceSettings, *, fs: float | None = None,
        bearing: Bearing | None = None, rpm: float | None = None, **kw: Any,
    ) -> Monitor:
        blocks = list(healthy)
        if not blocks:
            raise TwinError("the healthy period is empty: declare healthy files or minutes that exist in the recording")
        rpm = rpm or blocks[0].meta.get("rpm")
        target = min([b.fs for b in blocks] + ([fs] if fs else []))
        freqs = cls.fault_freqs(bearing, rpm)
        feats: dict[str, list[np.ndarray]] = {}
        for b in blocks:
            for ch, fv in _block_features(b, target, settings.window_s, freqs, settings.slip, overlap=True).items():
                feats.setdefault(ch, []).append(fv)
        twins = {}
        for ch, parts in feats.items():
            x = np.concatenate(parts)
            twins[ch] = ChannelTwin.fit(x, feature_names(bool(freqs)), settings.false_alarm_rate, settings.median_windows)
        return cls(asset, twins, target, settings, bearing=bearing, rpm=rpm, **kw)

    # --- monitoring -----------------------------------------------------------------------
    def process(self, block: Block, *, healthy_period: bool = False) -> list[Record]:
        """Score a block; returns health records (one per window and channel) and event records."""
        start = time.perf_counter()
        self.publisher.count_raw(block.raw_bytes)
        self.samples += block.data.size
        self.unmonitored.update(c for c in block.channels if c not in self.twins)
        if "epoch0" in block.meta and self.base is RELATIVE_EPOCH:
            self.base = RELATIVE_EPOCH + timedelta(seconds=block.meta["epoch0"])
        freqs = self.fault_freqs(self.bearing, self.rpm or block.meta.get("rpm"))
        feats = _block_features(block, self.fs, self.s.window_s, freqs, self.s.slip, only=self.twins)
        out: list[Record] = []
        for ch, fv in feats.items():
            twin, tracker = self.twins[ch], self.trackers[ch]
            scores = twin.score(fv)
            peaks = np.exp(fv[:, twin.names.index("log_peak")])
            step = len(block.data) / block.fs / len(fv)
            for i, sc in enumerate(scores):
                p = tracker.update(block.t + i * step, float(sc), float(peaks[i]))
                rec: Record = {"type": "health", "time": round(p.time, 3), "asset": self.asset, "channel": ch,
                               "health_index": round(p.health_index, 4), "alarm": p.alarm,
                               "rul_s": None if p.rul is None else round(p.rul.rul_s, 1)}
                if p.rul is not None:
                    rec["rul_low_s"] = round(p.rul.low_s, 1)
                    rec["rul_high_s"] = None if p.rul.high_s is None else round(p.rul.high_s, 1)
                if healthy_period:
                    rec["healthy_period"] = True
                out.append(rec)
                out.extend(self._maybe_event(ch, p, twin, fv[i]))
        out.extend(self._maybe_summary(block.t))
        self.busy_s += time.perf_counter() - start
        return out

    def _maybe_event(self, ch: str, p: Any, twin: ChannelTwin, fv: np.ndarray) -> list[Record]:
        if not p.alarm:
            self._severity.pop(ch, None)
            return []
        rank = severity_for(p.health_index, self.s.failure_level).rank
        if not p.onset and rank <= self._severity.get(ch, 99):
            return []
        self._severity[ch] = rank
        ev = build_event(self.asset, ch, p, twin, fv, self.base, self.s.failure_level)
        self.events.append(ev)
        self.publisher.publish_event(ev)
        rec: Record = {"type": "event", "asset": self.asset, "channel": ch, **ev.model_dump(mode="json")}
        if self.reporter is not None:
            rep = self.reporter(ev)
            self.publisher.publish_report(rep)
            rec["report"] = {"method": rep.method, "text": rep.text, "fallback_reason": rep.fallback_reason}
        return [rec]

    def health_summary(self, t: float) -> Record:
        chans = {c: {"health_index": None if tr.health_index is None else round(tr.health_index, 4),
                     "alarm": tr.alarm, "peak_health_index": round(tr.peak_hi, 4)} for c, tr in self.trackers.items()}
        his = [c["health_index"] for c in chans.values() if c["health_index"] is not None]
        return {"type": "health_summary", "asset": self.asset, "time": round(t, 3), "channels": chans,
                "health_index": max(his) if his else None,  # the asset is as healthy as its worst channel
                "alarm": any(c["alarm"] for c in chans.values()), "events": len(self.events)}

    def _maybe_summary(self, t: float) -> list[Record]:
        if self._last_summary is not None and t - self._last_summary < self.s.summary_every_s:
            return []
        self._last_summary = t
        summary = self.health_summary(t)
        self.publisher.publish_summary(summary)
        return []  # periodic summaries go upstream; the replay output ends with one final summary

    def final_summary(self, wall_s: float | None = None) -> Record:
        stats = self.publisher.stats
        summary = {"type": "summary", "asset": self.asset, "samples": self.samples,
                   "health": self.health_summary(0.0)["channels"],
                   "samples_per_s_pipeline": round(self.samples / self.busy_s) if self.busy_s else None,
                   "samples_per_s": round(self.samples / wall_s) if wall_s else None,
                   "events": len(self.events), "analysis_fs": self.fs,
                   "thresholds": {c: round(t.threshold, 4) for c, t in self.twins.items()},
                   "healthy_windows": {c: t.n_healthy for c, t in self.twins.items()},
                   "channels_without_twin": sorted(self.unmonitored),
                   "bytes_seen": stats.raw_bytes_seen, "bytes_sent": stats.bytes_sent,
                   "bytes_sent_by_class": stats.bytes_by_class, "reduction_ratio": stats.ratio,
                   "uplink": "dry-run (would be sent)" if stats.dry_run else "gateway"}
        return summary


def _block_features(
    block: Block, fs: float, window_s: float, freqs: dict[str, float] | None, slip: float, only: Iterable[str] | None = None,
    overlap: bool = False,
) -> dict[str, np.ndarray]:
    """Feature rows of every window of every channel of ``block`` (resampled to ``fs``), in one batched call."""
    data = resample(block.data, block.fs, fs)
    n = max(int(round(window_s * fs)), 64)
    wanted = set(only) if only is not None else None
    idx = [j for j, ch in enumerate(block.channels) if wanted is None or ch in wanted]
    if not idx:
        return {}
    cols = data[:, idx]
    if len(cols) < 2 * n:
        windows = cols.T  # a short file or block is one window
    elif overlap:  # learning: half-overlapping windows get more out of a short healthy period
        view = np.lib.stride_tricks.sliding_window_view(cols, n, axis=0)[:: n // 2]  # (w, channels, n)
        windows = view.transpose(1, 0, 2).reshape(-1, n)
    else:
        w = len(cols) // n
        windows = cols[: w * n].T.reshape(len(idx) * w, n)
    values = compute_features(np.ascontiguousarray(windows), fs, freqs, slip).values
    per = values.shape[0] // len(idx)
    return {block.channels[j]: values[k * per : (k + 1) * per] for k, j in enumerate(idx)}


__all__ = ["Monitor", "resample"]
