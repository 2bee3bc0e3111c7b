"""The confidence signal and the threshold fit (pure functions)."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgewise.router.confidence import CALIBRATION_FILE, CALIBRATION_SET, fit_threshold, load_calibration, mean_logprob


def test_mean_logprob_ignores_non_finite_and_limits_tokens() -> None:
    assert mean_logprob([-1.0, -3.0, -100.0], first_n=2) == pytest.approx(-2.0)
    assert mean_logprob([-1.0, -math.inf, -2.0]) == pytest.approx(-1.5)
    assert mean_logprob([]) is None


def accuracy(scores: list[float], ok: list[bool], t: float) -> float:
    return sum((s >= t) == o for s, o in zip(scores, ok, strict=True)) / len(scores)


@given(st.lists(st.tuples(st.floats(-5, 0), st.booleans()), min_size=1, max_size=40))
def test_fit_is_as_accurate_as_any_threshold(pairs: list[tuple[float, bool]]) -> None:
    scores, ok = [p[0] for p in pairs], [p[1] for p in pairs]
    cal = fit_threshold(scores, ok)
    best = max(accuracy(scores, ok, t) for t in [*scores, min(scores) - 1, max(scores) + 1])
    assert cal.accuracy == pytest.approx(best)
    assert accuracy(scores, ok, cal.threshold) == pytest.approx(best)


def test_separable_labels_are_separated() -> None:
    cal = fit_threshold([-0.2, -0.3, -1.5, -2.0], [True, True, False, False])
    assert -1.5 < cal.threshold < -0.3 and cal.accuracy == 1.0 and cal.cloud_fraction == 0.5


def test_the_shipped_calibration_comes_from_the_shipped_set() -> None:
    items = [json.loads(line) for line in CALIBRATION_SET.read_text().splitlines() if line.strip()]
    assert len(items) >= 40 and all(i["prompt"] and i["answers"] for i in items)
    cal = load_calibration(CALIBRATION_FILE)
    assert cal.n == len(items) and cal.threshold < 0
