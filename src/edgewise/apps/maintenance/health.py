"""Health index, alarm hysteresis and remaining-life trend of one channel.

Health index (HI): the twin's anomaly score, smoothed causally (running
median of the last ``median_windows`` windows, which a single spike cannot
move) and divided by the calibrated threshold, so HI = 1 is the alarm level
and ``failure_level`` (default 10) is taken as end of life.

Alarm, two levels as in vibration practice: raised after ``alarm_after``
consecutive windows with HI > 1 (alert: one spike does not alarm), or after
two consecutive raw window scores above ``danger_level`` x threshold (danger:
no waiting for the median); or by the trend rule below. Cleared after
``clear_after`` consecutive windows with HI < ``clear_level`` and no trend.

Trend rule (CUSUM against an adaptive baseline): a fixed threshold calibrated
on the first minutes cannot see a bearing whose score jumps from a quiet
plateau to several times that plateau but stays below the healthy tail (PRONOSTIA
Bearing2_1). Each window's log score is compared with a baseline: the median
log score of the healthy held-out folds, or, if higher, the median of the
last ``n_healthy`` windows (as long as the period the operator declared
healthy) ending ``median_windows`` windows ago, so a settled run-in level
becomes the reference while a fresh rise is not absorbed before it is judged.
The standardised excess (in healthy spreads, capped at ``trend_clip``) minus
``trend_k`` is summed one-sidedly; the alarm is raised when the sum reaches
``trend_h``. With the defaults (k=1, h=5, cap 3) one window can add at most 2,
so three strongly raised windows in a row are needed, and a Gaussian healthy
score would run ~1e5 windows before a false trend alarm (Siegmund's
approximation). The baseline never falls below the healthy median: a run-in
in which vibration falls must not make the normal level look like a rise.

Remaining useful life (:mod:`rul`): while the alarm is on, the exponential
trend of the most recent ``rul_points`` points is extrapolated to failure.
Failure is a physical limit when the operator gives one (``failure_peak``:
the channel's peak amplitude, e.g. the 20 g at which PRONOSTIA runs were
stopped; fitted on the running median of window peaks, so one impact does not
move it), else the health index reaching ``failure_level`` (fitted only while
HI > clear_level: a flat healthy HI has no trend). The health-index failure
level is a convention (ten times the alarm distance), not a property of the
machine (PRONOSTIA runs stopped at 20 g with health indices both far below and
near it), which is why a physical limit is preferred when one is known. No significant rising trend
gives no estimate (``None``), never a made-up number.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from edgewise.apps.maintenance.rul import RulEstimate, fit_rul
from edgewise.apps.maintenance.settings import MaintenanceSettings
from edgewise.apps.maintenance.twin import log_score


@dataclass
class HealthPoint:
    time: float
    score: float
    health_index: float
    alarm: bool
    onset: bool  # the alarm was raised at this point
    rul: RulEstimate | None


class HealthTracker:
    """Turns a channel's scores into HI, alarm state and remaining life, one window at a time."""

    def __init__(
        self, threshold: float, settings: MaintenanceSettings, *, log_center: float | None = None,
        log_spread: float | None = None, baseline_windows: int = 0,
    ) -> None:
        self.threshold = threshold
        self.s = settings
        self._log_center, self._log_spread = log_center, log_spread  # None: no trend rule (twins saved before it)
        self._logs: deque[float] = deque(maxlen=max(baseline_windows, 1) + settings.median_windows)
        self._baseline_windows = baseline_windows
        self.cusum = 0.0
        self._recent: deque[float] = deque(maxlen=settings.median_windows)
        self.health_index: float | None = None
        self._danger = 0
        self._above = 0
        self._below = 0
        self.alarm = False
        self._hist_t: deque[float] = deque(maxlen=settings.rul_points)
        self._hist_level: deque[float] = deque(maxlen=settings.rul_points)  # health index, or running-median peak
        self.peak_hi = 0.0
        self._peaks: deque[float] = deque(maxlen=settings.median_windows)

    def update(self, t: float, score: float, peak: float | None = None) -> HealthPoint:
        """One window: its anomaly score and, for a physical failure limit, its peak amplitude."""
        self._recent.append(score)
        hi = _median(self._recent) / self.threshold
        self.health_index = hi
        self.peak_hi = max(self.peak_hi, hi)
        onset = False
        self._above = self._above + 1 if hi > 1.0 else 0
        self._below = self._below + 1 if hi < self.s.clear_level else 0
        self._danger = self._danger + 1 if score > self.s.danger_level * self.threshold else 0
        trend = self._trend(score)
        if not self.alarm and (self._above >= self.s.alarm_after or self._danger >= 2 or trend):
            self.alarm, onset = True, True
        elif self.alarm and self._below >= self.s.clear_after and self.cusum == 0.0:
            self.alarm = False
        rul = self._remaining_life(t, hi, peak)
        return HealthPoint(t, score, hi, self.alarm, onset, rul)

    def _remaining_life(self, t: float, hi: float, peak: float | None) -> RulEstimate | None:
        """Record this window's degradation level and, while alarmed, extrapolate it (module docstring)."""
        physical = self.s.failure_peak is not None and peak is not None
        if physical:
            self._peaks.append(float(peak))  # type: ignore[arg-type]
            self._hist_t.append(t)
            self._hist_level.append(_median(self._peaks))
        elif hi > self.s.clear_level:
            self._hist_t.append(t)
            self._hist_level.append(hi)
        else:
            self._hist_t.clear()
            self._hist_level.clear()
        if not self.alarm or len(self._hist_t) < 4:
            return None
        failure = self.s.failure_peak if physical else self.s.failure_level
        assert failure is not None
        return fit_rul(np.fromiter(self._hist_t, float), np.fromiter(self._hist_level, float), failure, t)

    def _trend(self, score: float) -> bool:
        """Update the CUSUM with this window's log score; True while it is at or above ``trend_h``."""
        if self._log_center is None or self._log_spread is None:
            return False
        u = float(log_score(score, self.threshold))
        base = self._log_center
        lag = self.s.median_windows
        if len(self._logs) >= lag + self._baseline_windows // 2 and self._baseline_windows > 0:
            past = list(self._logs)[: len(self._logs) - lag]
            base = max(base, float(np.median(past)))
        self._logs.append(u)
        z = min((u - base) / self._log_spread, self.s.trend_clip)
        self.cusum = max(0.0, self.cusum + z - self.s.trend_k)
        return self.cusum >= self.s.trend_h


def _median(values: deque[float]) -> float:
    """Median of a handful of values: sorting beats np.median's overhead at this size."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else 0.5 * (ordered[mid - 1] + ordered[mid])


__all__ = ["HealthPoint", "HealthTracker", "RulEstimate", "fit_rul"]
