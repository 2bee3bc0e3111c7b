"""The local model's confidence in its own draft, and the threshold calibrated for it.

Confidence is the mean log-probability of the sampled tokens (Hybrid LLM and
RouteLLM route on a score of the small model's output; the mean token
log-probability is the cheapest one that needs no extra model). The threshold
is fitted on a small labelled set kept in the repository
(``calibration_set.jsonl``) by ``benchmarks/link_calibrate.py`` and stored in
``calibration.json`` next to this module, with how it was obtained.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
CALIBRATION_SET = Path(__file__).with_name("calibration_set.jsonl")
#: Used only when no calibration file exists (a fresh checkout before calibration).
FALLBACK_THRESHOLD = -1.0


def mean_logprob(logprobs: Sequence[float], first_n: int | None = None) -> float | None:
    """Mean of the first ``first_n`` token log-probabilities; None for an empty draft."""
    values = [lp for lp in (logprobs[:first_n] if first_n else logprobs) if math.isfinite(lp)]
    return sum(values) / len(values) if values else None


@dataclass(frozen=True)
class Calibration:
    threshold: float
    accuracy: float | None = None
    cloud_fraction: float | None = None
    n: int = 0
    model: str | None = None


def load_calibration(path: Path = CALIBRATION_FILE) -> Calibration:
    if not path.is_file():
        return Calibration(FALLBACK_THRESHOLD)
    d = json.loads(path.read_text())
    return Calibration(float(d["threshold"]), d.get("accuracy"), d.get("cloud_fraction"), int(d.get("n", 0)), d.get("model"))


def fit_threshold(scores: Sequence[float], local_ok: Sequence[bool]) -> Calibration:
    """The threshold that best separates drafts the local model got right from those it got wrong.

    A request stays local when ``score >= threshold``. Candidates are the
    midpoints between sorted scores (plus both ends); the winner maximises the
    accuracy of "stays local" == "local was right", ties broken towards fewer
    cloud calls (the lower threshold).
    """
    if len(scores) != len(local_ok) or not scores:
        raise ValueError("need one label per score, and at least one")
    s = sorted(scores)
    cands = [s[0] - 1e-6] + [(a + b) / 2 for a, b in zip(s, s[1:], strict=False)] + [s[-1] + 1e-6]
    best: tuple[float, float, float] | None = None  # (accuracy, -cloud_fraction, threshold)
    for t in cands:
        acc = sum((sc >= t) == ok for sc, ok in zip(scores, local_ok, strict=True)) / len(scores)
        cloud = sum(sc < t for sc in scores) / len(scores)
        key = (acc, -cloud, -t)
        if best is None or key > (best[0], best[1], -best[2]):
            best = (acc, -cloud, t)
    assert best is not None
    return Calibration(threshold=best[2], accuracy=best[0], cloud_fraction=-best[1], n=len(scores))


__all__ = ["CALIBRATION_FILE", "CALIBRATION_SET", "Calibration", "fit_threshold", "load_calibration", "mean_logprob"]
