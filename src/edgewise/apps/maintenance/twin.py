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
falls, is therefore normal rather than anomalous.

The alarm threshold is calibrated on the healthy period itself without
scoring a window with a model that saw it: the healthy windows are cut into
contiguous folds in time, each fold is scored by a twin fitted on the others,
the scores are smoothed exactly as the live health index is, and the
threshold is the (1 - false_alarm_rate) quantile of a log-normal fitted to
them (a parametric tail, since 36 windows cannot show a 0.5 % quantile), never
below the empirical quantile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import norm

from edgewise.apps.maintenance.errors import TwinError

MIN_WINDOWS = 10
SCALE_FLOOR = 0.02  # features are logs: a 2 % change is the smallest spread we believe
FOLDS = 5


def ewma(x: np.ndarray, alpha: float) -> np.ndarray:
    """Causal exponentially weighted moving average (first value starts the average)."""
    out = np.empty(len(x))
    acc = float(x[0]) if len(x) else 0.0
    for i, v in enumerate(x):
        acc = alpha * float(v) + (1 - alpha) * acc
        out[i] = acc
    return out


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
        return (x - self.center) / self.scale

    def distance(self, x: np.ndarray) -> np.ndarray:
        """One-sided Mahalanobis distance of each row (only moves towards worse count)."""
        z = np.maximum(self.zscores(x), 0.0)
        d2 = np.einsum("ij,jk,ik->i", z, self.precision, z)
        return np.sqrt(np.maximum(d2, 0.0))


@dataclass
class ChannelTwin:
    """The twin of one channel: healthy model, calibrated threshold, feature names."""

    names: list[str]
    model: Gaussian
    threshold: float
    n_healthy: int
    false_alarm_rate: float

    @classmethod
    def fit(cls, features: np.ndarray, names: list[str], far: float, alpha: float) -> ChannelTwin:
        w = features.shape[0]
        if w < MIN_WINDOWS:
            raise TwinError(
                f"the healthy period gives {w} windows; at least {MIN_WINDOWS} are needed: declare a longer healthy period"
            )
        if not np.all(np.isfinite(features)):
            raise TwinError("healthy features are not finite: is a healthy channel constant or empty?")
        cv = np.empty(w)
        edges = np.linspace(0, w, min(FOLDS, w // 2) + 1).astype(int)
        for lo, hi in zip(edges[:-1], edges[1:], strict=True):
            train = np.concatenate([features[:lo], features[hi:]])
            cv[lo:hi] = Gaussian.fit(train).distance(features[lo:hi])
        smooth = ewma(cv, alpha)
        return cls(names, Gaussian.fit(features), calibrate(smooth, far), w, far)

    def score(self, features: np.ndarray) -> np.ndarray:
        return self.model.distance(features)

    def to_dict(self) -> dict[str, Any]:
        return {
            "names": self.names, "threshold": self.threshold, "n_healthy": self.n_healthy,
            "false_alarm_rate": self.false_alarm_rate, "center": self.model.center.tolist(),
            "scale": self.model.scale.tolist(), "precision": self.model.precision.tolist(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ChannelTwin:
        g = Gaussian(np.asarray(d["center"]), np.asarray(d["scale"]), np.asarray(d["precision"]))
        return cls(list(d["names"]), g, float(d["threshold"]), int(d["n_healthy"]), float(d["false_alarm_rate"]))


def calibrate(scores: np.ndarray, far: float) -> float:
    """Threshold exceeded by a share ``far`` of healthy scores: log-normal tail, at least the empirical quantile."""
    logs = np.log1p(scores)
    parametric = math.expm1(float(logs.mean() + norm.ppf(1 - far) * max(logs.std(ddof=1), 1e-3)))
    empirical = float(np.quantile(scores, 1 - far))
    return max(parametric, empirical, 1e-6)


__all__ = ["ChannelTwin", "Gaussian", "calibrate", "ewma"]
