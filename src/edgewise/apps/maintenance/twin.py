"""The digital twin of normal behaviour: a density model of healthy features, per channel.

Learned on a period the operator declares healthy. Model: each feature is
centred on its healthy median and scaled by its healthy spread (MAD, with a
floor so a constant feature cannot make every change infinite); the
standardised features get a multivariate Gaussian whose covariance is shrunk
with Ledoit-Wolf (scikit-learn), because a healthy period gives tens of
windows for ~18 correlated features. A new window scores its Mahalanobis
distance under that Gaussian.

Only deviations towards *worse* count: every feature is oriented so that
larger means worse (see :mod:`features`), and values below the healthy centre
are set to the centre before scoring. A new bearing's run-in, when vibration
falls, is therefore normal rather than anomalous. Only the severity features
(level, impulsiveness: :func:`features.is_severity`) are scored; the
diagnostic ones (low bands, bearing lines) keep their healthy reference for
the evidence of an event and for naming the faulty component.

The alarm threshold is calibrated on the healthy period itself without
scoring a window with a model that saw it: the healthy windows are cut into
contiguous folds in time, each fold is scored by a twin fitted on the others,
the scores are smoothed exactly as the live health index is (running
median), and the
threshold is the (1 - false_alarm_rate) quantile of a log-normal fitted to
them (a parametric tail, since 36 windows cannot show a 0.5 % quantile), never
below the empirical quantile. The same held-out scores give the median and
spread of the log score, the reference of the health tracker's trend rule
(:mod:`health`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import norm

from edgewise.apps.maintenance.errors import TwinError
from edgewise.apps.maintenance.features import is_severity

MIN_WINDOWS = 10
SCALE_FLOOR = 0.02  # features are logs: a 2 % change is the smallest spread we believe
FOLDS = 5
SCORE_FLOOR = 0.02  # log scores are floored at 2 % of the threshold
LOG_SPREAD_FLOOR = 0.2  # a healthy log score never believed steadier than +-20 %


def running_median(x: np.ndarray, k: int) -> np.ndarray:
    """Causal running median over the last ``k`` values: one spike cannot move it (an average would)."""
    return np.array([np.median(x[max(0, i - k + 1) : i + 1]) for i in range(len(x))])


@dataclass
class Gaussian:
    """Robustly standardised features with a shrunk-covariance Gaussian on top."""

    center: np.ndarray
    scale: np.ndarray
    precision: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray) -> Gaussian:
        from sklearn.covariance import LedoitWolf

        center = np.median(x, axis=0)
        mad = np.median(np.abs(x - center), axis=0) * 1.4826
        scale = np.maximum(np.maximum(mad, x.std(axis=0)), SCALE_FLOOR)
        z = (x - center) / scale
        cov = LedoitWolf(assume_centered=False).fit(z).covariance_
        return cls(center, scale, np.linalg.pinv(cov))

    def zscores(self, x: np.ndarray) -> np.ndarray:
        z: np.ndarray = (x - self.center) / self.scale
        return z

    def distance(self, x: np.ndarray) -> np.ndarray:
        """One-sided Mahalanobis distance of each row (only moves towards worse count)."""
        z = np.maximum(self.zscores(x), 0.0)
        d2 = np.einsum("ij,jk,ik->i", z, self.precision, z)
        d: np.ndarray = np.sqrt(np.maximum(d2, 0.0))
        return d


@dataclass
class ChannelTwin:
    """The twin of one channel: healthy reference of every feature, density model of the scored ones, threshold."""

    names: list[str]
    model: Gaussian
    threshold: float
    n_healthy: int
    false_alarm_rate: float
    ref: Gaussian | None = None  # centre and spread of *every* feature (evidence, fault location)
    log_center: float | None = None  # median of log(score) on held-out healthy folds (trend baseline)
    log_spread: float | None = None  # its robust spread (MAD), floored at LOG_SPREAD_FLOOR

    @property
    def scored(self) -> np.ndarray:
        return np.array([is_severity(n) for n in self.names], dtype=bool)

    @classmethod
    def fit(cls, features: np.ndarray, names: list[str], far: float, median_windows: int) -> ChannelTwin:
        w = features.shape[0]
        if w < MIN_WINDOWS:
            raise TwinError(
                f"the healthy period gives {w} windows; at least {MIN_WINDOWS} are needed: declare a longer healthy period"
            )
        if not np.all(np.isfinite(features)):
            raise TwinError("healthy features are not finite: is a healthy channel constant or empty?")
        mask = np.array([is_severity(n) for n in names], dtype=bool)
        x = features[:, mask]
        cv = np.empty(w)
        edges = np.linspace(0, w, min(FOLDS, w // 2) + 1).astype(int)
        for lo, hi in zip(edges[:-1], edges[1:], strict=True):
            train = np.concatenate([x[:lo], x[hi:]])
            cv[lo:hi] = Gaussian.fit(train).distance(x[lo:hi])
        smooth = running_median(cv, median_windows)
        ref = Gaussian.fit(features)
        threshold = calibrate(smooth, far)
        u = log_score(cv, threshold)
        center = float(np.median(u))
        spread = max(float(np.median(np.abs(u - center))) * 1.4826, LOG_SPREAD_FLOOR)
        return cls(names, Gaussian.fit(x), threshold, w, far, ref, center, spread)

    def score(self, features: np.ndarray) -> np.ndarray:
        """Anomaly score of each row of *all* features (only the severity ones count)."""
        return self.model.distance(features[:, self.scored])

    def zscores(self, features: np.ndarray) -> np.ndarray:
        """Standardised change of every feature against its healthy reference."""
        assert self.ref is not None
        return self.ref.zscores(features)

    def to_dict(self) -> dict[str, Any]:
        def g(m: Gaussian) -> dict[str, Any]:
            return {"center": m.center.tolist(), "scale": m.scale.tolist(), "precision": m.precision.tolist()}

        assert self.ref is not None
        return {"names": self.names, "threshold": self.threshold, "n_healthy": self.n_healthy,
                "false_alarm_rate": self.false_alarm_rate, "model": g(self.model), "ref": g(self.ref),
                "log_center": self.log_center, "log_spread": self.log_spread}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ChannelTwin:
        def g(m: dict[str, Any]) -> Gaussian:
            return Gaussian(np.asarray(m["center"]), np.asarray(m["scale"]), np.asarray(m["precision"]))

        return cls(list(d["names"]), g(d["model"]), float(d["threshold"]), int(d["n_healthy"]),
                   float(d["false_alarm_rate"]), g(d["ref"]), d.get("log_center"), d.get("log_spread"))


def log_score(score: np.ndarray | float, threshold: float) -> np.ndarray:
    """log of an anomaly score, floored at a small share of the threshold (a score of 0 is "very normal", not -inf)."""
    return np.log(np.maximum(score, SCORE_FLOOR * threshold))


def calibrate(scores: np.ndarray, far: float) -> float:
    """Threshold exceeded by a share ``far`` of healthy scores: log-normal tail, at least the empirical quantile."""
    logs = np.log1p(scores)
    parametric = math.expm1(float(logs.mean() + norm.ppf(1 - far) * max(logs.std(ddof=1), 1e-3)))
    empirical = float(np.quantile(scores, 1 - far))
    return max(parametric, empirical, 1e-6)


__all__ = ["ChannelTwin", "Gaussian", "calibrate", "log_score", "running_median"]
