"""The shared event model: validation, serialisation and the numbers it exposes to reports."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from edgewise.apps.events import Event, Evidence, Severity, Source, canonical_number, numbers_in_text


def make_event(**kw: object) -> Event:
    base: dict[str, object] = dict(
        app="maintenance",
        time=datetime(2026, 1, 5, 8, 30, 0, tzinfo=timezone.utc),
        kind="maintenance.anomaly",
        source=Source(asset="Bearing1_1", channel="H"),
        severity=Severity.ALARM,
        title="Vibration outside the learned normal range",
        evidence=[Evidence(name="kurtosis", value=7.42, baseline=3.01), Evidence(name="rms", value=0.912, unit="g")],
        recommended_action="Inspect the bearing within 24 hours.",
    )
    base.update(kw)
    return Event(**base)  # type: ignore[arg-type]


def test_event_round_trips_through_json() -> None:
    ev = make_event()
    back = Event.model_validate_json(ev.model_dump_json())
    assert back == ev
    assert json.loads(ev.to_json_bytes())["source"]["asset"] == "Bearing1_1"


def test_time_is_normalised_to_utc() -> None:
    t = datetime(2026, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert make_event(time=t).time.hour == 10
    assert make_event(time=datetime(2026, 1, 1, 12, 0)).time.tzinfo is not None


def test_unknown_fields_and_non_finite_evidence_are_rejected() -> None:
    with pytest.raises(ValidationError):
        make_event(samples=[1, 2, 3])
    with pytest.raises(ValidationError):
        Evidence(name="rms", value=float("nan"))


def test_subclass_extends_the_family() -> None:
    class Sub(Event):
        rul_s: float | None = None

    ev = Sub(**make_event().model_dump(exclude={"id"}), rul_s=3600.0)
    assert isinstance(ev, Event) and "3600" in ev.fact_numbers()


def test_fact_numbers_cover_fields_and_strings() -> None:
    nums = make_event().fact_numbers()
    assert {"7.42", "3.01", "0.912", "24"} <= nums


def test_severity_order() -> None:
    assert Severity.INFO.rank < Severity.WARNING.rank < Severity.ALARM.rank < Severity.CRITICAL.rank


@pytest.mark.parametrize(
    ("text", "expected"),
    [("rose to 3.50 g", ["3.50"]), ("1,200 rpm", ["1200"]), ("Bearing1_1 at -0.5", ["-0.5"]), ("x 2e-3", ["2e-3"])],
)
def test_numbers_in_text(text: str, expected: list[str]) -> None:
    assert numbers_in_text(text) == expected


@settings(deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9))
def test_canonical_number_is_stable(x: float) -> None:
    c = canonical_number(repr(x))
    assert canonical_number(c) == c
    assert float(c) == pytest.approx(x, rel=1e-9, abs=1e-12)
