"""Health index, alarm hysteresis and remaining-life trend of one channel.

Health index (HI): the twin's anomaly score, smoothed causally (running
median of the last ``median_windows`` windows, which a single spike cannot
move) and divided by the calibrated threshold, so HI = 1 is the alarm level
and ``failure_level`` (default 10) is taken as end of life.

Alarm, two levels as in vibration practice: raised after ``alarm_after``
consecutive windows with HI > 1 (alert: one spike does not alarm), or after
two consecutive raw window scores above ``danger_level`` x threshold (danger:
no waiting for the median); cleared after ``clear_after`` consecutive windows
with HI < ``clear_level``.

Remaining useful life: degradation of rolling bearings grows roughly
exponentially, so log(HI) is fitted by least squares against time on the most
recent ``rul_points`` points (only while HI > clear_level: a flat healthy HI
has no trend); the time at which the line reaches log(failure_level) gives the
estimate, and the slope's 90 % confidence interval gives the band. No trend
(slope <= 0) gives no estimate (``None``), never a made-up number.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
from scipy.stats import t as student_t

from edgewise.apps.maintenance.settings import MaintenanceSettings


@dataclass(frozen=True)
class RulEstimate:
    rul_s: float
    low_s: float
    high_s: float | None  # None: the slow end of the band never reaches failure


def fit_rul(times: np.ndarray, hi: np.ndarray, failure_level: float, now: float) -> RulEstimate | None:
    """Exponential trend of ``hi`` over ``times`` extrapolated to ``failure_level`` (see module docstring)."""
    mask = hi > 0
    t, y = times[mask], np.log(hi[mask])
    if len(t) < 4 or np.ptp(t) <= 0:
        return None
    tc = t - t.mean()
    sxx = float(np.sum(tc * tc))
    slope = float(np.sum(tc * (y - y.mean())) / sxx)
    if slope <= 0:
        return None
    intercept = float(y.mean())  # value of the line at t.mean()
    resid = y - (intercept + slope * tc)
    se = math.sqrt(float(np.sum(resid**2)) / (len(t) - 2) / sxx)
    q = float(student_t.ppf(0.95, len(t) - 2))
    target = math.log(failure_level)
    y_now = intercept + slope * (now - t.mean())

    def eta(b: float) -> float | None:
        return max((target - y_now) / b, 0.0) if b > 0 else None

    mid = eta(slope)
    fast, slow = eta(slope + q * se), eta(slope - q * se)
    assert mid is not None and fast is not None
    return RulEstimate(mid, fast, slow)


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

    def __init__(self, threshold: float, settings: MaintenanceSettings) -> None:
        self.threshold = threshold
        self.s = settings
        self._recent: deque[float] = deque(maxlen=settings.median_windows)
        self.health_index: float | None = None
        self._danger = 0
        self._above = 0
        self._below = 0
        self.alarm = False
        self._hist_t: deque[float] = deque(maxlen=settings.rul_points)
        self._hist_hi: deque[float] = deque(maxlen=settings.rul_points)
        self.peak_hi = 0.0

    def update(self, t: float, score: float) -> HealthPoint:
        self._recent.append(score)
        ordered = sorted(self._recent)  # a handful of values: sorting beats np.median's overhead
        mid = len(ordered) // 2
        med = ordered[mid] if len(ordered) % 2 else 0.5 * (ordered[mid - 1] + ordered[mid])
        hi = med / self.threshold
        self.health_index = hi
        self.peak_hi = max(self.peak_hi, hi)
        onset = False
        self._above = self._above + 1 if hi > 1.0 else 0
        self._below = self._below + 1 if hi < self.s.clear_level else 0
        self._danger = self._danger + 1 if score > self.s.danger_level * self.threshold else 0
        if not self.alarm and (self._above >= self.s.alarm_after or self._danger >= 2):
            self.alarm, onset = True, True
        elif self.alarm and self._below >= self.s.clear_after:
            self.alarm = False
        if hi > self.s.clear_level:
            self._hist_t.append(t)
            self._hist_hi.append(hi)
        else:
            self._hist_t.clear()
            self._hist_hi.clear()
        rul = None
        if self.alarm and len(self._hist_t) >= 4:
            rul = fit_rul(np.fromiter(self._hist_t, float), np.fromiter(self._hist_hi, float), self.s.failure_level, t)
        return HealthPoint(t, score, hi, self.alarm, onset, rul)


__all__ = ["HealthPoint", "HealthTracker", "RulEstimate", "fit_rul"]
