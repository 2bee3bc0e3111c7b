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


class _FakeEngine:
    """Returns a fixed completion: enough to test the fill-in composition and its checks without a model."""

    model_name = "fake"

    def __init__(self, text: str) -> None:
        self.text = text
        self.params: Any = None

    def complete(self, prompt: str, params: Any) -> Any:
        from edgewise.engine.types import Completion, Usage

        self.params = params
        return Completion(text=self.text, finish_reason="stop", usage=Usage())


def _fields(summary: str, meaning: str, evidence: list[str]) -> str:
    import json

    return json.dumps({"summary": summary, "evidence": evidence, "meaning": meaning})


def test_fillin_report_quotes_chosen_evidence_and_passes_the_check() -> None:
    from edgewise.apps.maintenance.fillin import evidence_phrases, write_fillin_report

    ev = _event()
    phrases = evidence_phrases(ev)
    assert "kurtosis 9.1 against 3 when healthy" in phrases
    eng = _FakeEngine(_fields("Vibration of the pump bearing has moved well above its learned level.",
                              "The outer race frequency stands out, so the outer race should be inspected soon.", phrases[1:3]))
    rep = write_fillin_report(ev, eng)
    assert rep.method == "llm", rep.fallback_reason
    assert "kurtosis 9.1 against 3 when healthy" in rep.text and ev.recommended_action in rep.text
    assert eng.params.grammar and "kurtosis 9.1" in eng.params.grammar  # the evidence is an enum of the event's facts
    assert validate_report_text(rep.text.rsplit("\n\n", 1)[0], ev).ok


@pytest.mark.parametrize(
    ("summary", "meaning", "reason"),
    [
        ("The pump bearing is in good condition and runs well.", "Nothing needs to be done about the pump bearing now.", "fine"),
        ("Vibration of the pump bearing has moved well above its level.", "A cage defect is developing in the pump bearing.",
         "cage"),
        ("Vibration of the pump bearing has moved well above its level.",
         "Vibration of the pump bearing has moved well above its level.", "same sentence"),
    ],
)
def test_fillin_report_falls_back_on_denial_invented_part_or_repetition(summary: str, meaning: str, reason: str) -> None:
    from edgewise.apps.maintenance.fillin import evidence_phrases, write_fillin_report

    ev = _event()
    rep = write_fillin_report(ev, _FakeEngine(_fields(summary, meaning, evidence_phrases(ev)[:1])))
    assert rep.method == "template" and reason in (rep.fallback_reason or "")
    assert rep.text.rsplit("\n\n", 1)[0] == template_report(ev)


def test_fillin_report_falls_back_on_cut_json_and_on_no_engine() -> None:
    from edgewise.apps.maintenance.fillin import write_fillin_report

    ev = _event()
    assert write_fillin_report(ev, _FakeEngine('{"summary": "Vibration of the')).method == "template"
    assert write_fillin_report(ev, None).fallback_reason == "no engine available"


@pytest.mark.slow
def test_real_model_fillin_report_is_validated_or_falls_back(engine: Any) -> None:
    from edgewise.apps.maintenance.fillin import write_fillin_report

    ev = _event()
    rep = write_fillin_report(ev, engine)  # the grammar must parse in llama.cpp and the output must be JSON
    body = rep.text.rsplit("\n\n", 1)[0]
    if rep.method == "llm":
        assert validate_report_text(body, ev).ok and "Evidence:" in body
    else:
        assert body == template_report(ev) and rep.fallback_reason and "engine failed" not in rep.fallback_reason
    print(rep.text)
