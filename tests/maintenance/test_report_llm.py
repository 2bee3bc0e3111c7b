"""A maintenance report written by the real embedded model through the engine, checked against its event."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from edgewise.apps.events import Evidence, Severity, Source
from edgewise.apps.maintenance.mevents import MaintenanceEvent
from edgewise.apps.report import build_messages, template_report, validate_report_text, write_report
from edgewise.config import load_settings


def _event() -> MaintenanceEvent:
    return MaintenanceEvent(
        time=datetime(2026, 3, 2, 14, 5, tzinfo=UTC), source=Source(asset="Pump7", channel="DE"),
        severity=Severity.ALARM, title="Vibration of Pump7 channel DE left its learned normal range (outer race defect frequency)",
        evidence=[Evidence(name="health_index", value=4.2, baseline=1.0), Evidence(name="kurtosis", value=9.1, baseline=3.0),
                  Evidence(name="rms", value=0.61, baseline=0.07, unit="g")],
        recommended_action="Plan to inspect the outer race and the housing fit at the next stop.",
        onset_s=4300.0, health_index=4.2, threshold=5.3, fault="outer_race",
    )


@pytest.fixture(scope="module")
def engine() -> Iterator[Any]:
    from edgewise.engine import open_engine

    eng = open_engine(load_settings(parallel=1, ctx=1024))
    yield eng
    eng.close()


@pytest.mark.slow
def test_real_model_report_is_validated_or_falls_back(engine: Any) -> None:
    ev = _event()
    rep = write_report(ev, engine, max_tokens=48)
    assert rep.model and rep.llm_validation is not None  # the model was asked, its draft checked
    body = rep.text.rsplit("\n\n", 1)[0]
    if rep.method == "llm":
        assert rep.llm_validation.ok and validate_report_text(body, ev).ok
        assert "Written on the device by" in rep.text
    else:
        assert rep.fallback_reason and body == template_report(ev)
        assert "Deterministic template" in rep.text
    print(rep.text)


def test_prompt_carries_facts_not_samples() -> None:
    msgs = build_messages(_event())
    text = " ".join(m["content"] for m in msgs)
    assert "Pump7" in text and "9.1" in text and "outer race" in text
    assert len(text) < 1500
