"""Remaining useful life: an exponential degradation trend, extrapolated only when the data supports it.

Rolling-bearing degradation grows roughly exponentially once damage has
started, so the logarithm of a degradation measure (the health index, or the
channel's peak amplitude when a physical failure limit is configured) is
fitted by least squares against time on the most recent points, and the time
at which the line reaches the failure level is the estimate.

Why the extra care, measured on PRONOSTIA: the points are a *running median*,
so neighbouring residuals are strongly correlated and the textbook slope
interval (which assumes independent residuals) was far too narrow (Bearing1_1:
64 min estimated, band 44-121 min, 222 min true). Here:

* the residual lag-1 autocorrelation ``rho`` shrinks the sample to its
  effective size ``n (1 - rho) / (1 + rho)`` (the AR(1) variance inflation),
  which sets both the standard errors and the Student-t degrees of freedom;
* the band combines the uncertainty of the slope *and* of the current level
  (a lower current level and a slower slope give the slow end);
* no number is given (``None``) unless the rising trend is significant at the
  band's confidence, or the effective sample is too small to judge: a flat or
  noisy history has no remaining life to extrapolate, and a made-up number is
  worse than "cannot estimate".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import t as student_t

CONFIDENCE = 0.90  # two-sided band
MIN_POINTS = 4
MIN_EFFECTIVE = 4.0  # effective points below which a trend is not judged (2 degrees of freedom left)
MAX_RHO = 0.95


@dataclass(frozen=True)
class RulEstimate:
    rul_s: float
    low_s: float
    high_s: float | None  # None: the slow end of the band never reaches failure


def _lag1(r: np.ndarray) -> float:
    """Lag-1 autocorrelation of residuals, clipped to [0, MAX_RHO] (negative correlation is not credited)."""
    den = float(r @ r)
    if den <= 0 or len(r) < 3:
        return 0.0
    return min(max(float(r[:-1] @ r[1:]) / den, 0.0), MAX_RHO)


def fit_rul(times: np.ndarray, level: np.ndarray, failure: float, now: float) -> RulEstimate | None:
    """Time from ``now`` until the exponential trend of ``level`` over ``times`` reaches ``failure``.

    ``level`` must be positive (a health index or an amplitude); returns None when there is no
    significant rising trend (see the module docstring).
    """
    mask = level > 0
    t, y = np.asarray(times, float)[mask], np.log(np.asarray(level, float)[mask])
    n = len(t)
    if n < MIN_POINTS or np.ptp(t) <= 0:
        return None
    tc = t - t.mean()
    sxx = float(tc @ tc)
    slope = float(tc @ (y - y.mean())) / sxx
    if slope <= 0:
        return None
    intercept = float(y.mean())  # value of the line at t.mean()
    resid = y - (intercept + slope * tc)
    rho = _lag1(resid)
    n_eff = n * (1 - rho) / (1 + rho)
    if n_eff < MIN_EFFECTIVE:
        return None
    var = float(resid @ resid) / (n - 2) * (1 + rho) / (1 - rho)
    q = float(student_t.ppf(0.5 + CONFIDENCE / 2, n_eff - 2))
    se_slope = math.sqrt(var / sxx)
    if slope - q * se_slope <= 0:
        return None  # the rise is not distinguishable from noise at this confidence
    dt = now - t.mean()
    y_now = intercept + slope * dt
    se_level = math.sqrt(var * (1 / n + dt * dt / sxx))
    target = math.log(failure)
    mid = max((target - y_now) / slope, 0.0)
    fast = max((target - y_now - q * se_level) / (slope + q * se_slope), 0.0)
    slow = max((target - y_now + q * se_level) / (slope - q * se_slope), 0.0)
    return RulEstimate(mid, min(fast, mid), max(slow, mid))


__all__ = ["CONFIDENCE", "RulEstimate", "fit_rul"]
