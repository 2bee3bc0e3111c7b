"""The report fact check and the deterministic fallback (no model needed)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from edgewise.apps.events import Event, Evidence, Severity, Source
from edgewise.apps.report import template_report, validate_report_text, write_report
from edgewise.engine.types import Completion, SamplingParams, Usage

from .test_events import make_event


def test_draft_quoting_event_numbers_passes() -> None:
    ev = make_event()
    text = "Bearing1_1 shows kurtosis of 7.4 against a healthy 3.01; RMS is 0.91 g. Inspect within 24 hours."
    assert validate_report_text(text, ev).ok


def test_invented_number_fails() -> None:
    ev = make_event()
    check = validate_report_text("Bearing1_1 kurtosis reached 9.8, failure expected in 12 hours. Inspect now.", ev)
    assert not check.ok
    assert "9.8" in check.unsupported_numbers and "12" in check.unsupported_numbers


def test_draft_must_name_the_asset() -> None:
    check = validate_report_text("The bearing shows kurtosis of 7.42; inspect within 24 hours please.", make_event())
    assert not check.ok and any("asset" in p for p in check.problems)


def test_list_enumerators_are_not_facts() -> None:
    text = "Report for Bearing1_1:\n1. kurtosis 7.42\n2. rms 0.912 g\n3. inspect within 24 hours"
    assert validate_report_text(text, make_event()).ok


def test_template_passes_its_own_check() -> None:
    ev = make_event()
    assert validate_report_text(template_report(ev), ev).ok


@settings(deadline=None)
@given(
    st.lists(
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e7, max_value=1e7), min_size=1, max_size=6
    )
)
def test_template_always_validates(values: list[float]) -> None:
    ev = Event(
        app="x", kind="x.y", time=datetime(2026, 1, 5, 8, 30, 0, tzinfo=timezone.utc), source=Source(asset="M-7"), severity=Severity.WARNING, title="t",
        evidence=[Evidence(name=f"f{i}", value=v, baseline=v / 3 + 1) for i, v in enumerate(values)],
        recommended_action="check",
    )
    assert validate_report_text(template_report(ev), ev).ok


class ScriptedEngine:
    """Stands in for a model with a fixed answer, to test the switch between draft and fallback."""

    model_name = "scripted"

    def __init__(self, answer: str | Exception) -> None:
        self.answer = answer
        self.prompts: list[list[dict[str, Any]]] = []

    def chat(self, messages: list[dict[str, Any]], params: SamplingParams) -> Completion:
        self.prompts.append(messages)
        if isinstance(self.answer, Exception):
            raise self.answer
        return Completion(text=self.answer, finish_reason="stop", usage=Usage())


def test_valid_draft_is_used_and_labelled() -> None:
    ev = make_event()
    eng = ScriptedEngine("Bearing1_1: kurtosis rose to 7.42 from 3.01. Inspect the bearing within 24 hours.")
    rep = write_report(ev, eng)
    assert rep.method == "llm" and rep.llm_validation is not None and rep.llm_validation.ok
    assert "Written on the device by scripted" in rep.text


def test_hallucinated_draft_falls_back_to_template() -> None:
    ev = make_event()
    rep = write_report(ev, ScriptedEngine("Bearing1_1 will fail in 17 hours at 98% probability, inspect."))
    assert rep.method == "template" and rep.fallback_reason and "17" in rep.fallback_reason
    assert "Deterministic template" in rep.text and "kurtosis: 7.42" in rep.text


def test_engine_failure_falls_back() -> None:
    rep = write_report(make_event(), ScriptedEngine(RuntimeError("model not loaded")))
    assert rep.method == "template" and "engine failed" in (rep.fallback_reason or "")


def test_no_engine_gives_template() -> None:
    assert write_report(make_event()).method == "template"


def test_prompt_holds_facts_only() -> None:
    eng = ScriptedEngine("x")
    write_report(make_event(), eng)
    prompt = " ".join(m["content"] for m in eng.prompts[0])
    assert "7.42" in prompt and "Bearing1_1" in prompt and len(prompt) < 2000


def test_degenerate_drafts_fall_back() -> None:
    for junk in ("1.\n2.\n3.\n4.\n5.\n6.", "bearing bearing bearing bearing bearing bearing bearing bearing 7.42", ""):
        rep = write_report(make_event(), ScriptedEngine(junk))
        assert rep.method == "template", junk


def test_draft_without_asset_gets_the_deterministic_header() -> None:
    rep = write_report(make_event(), ScriptedEngine("Kurtosis rose to 7.42 from 3.01; inspect the bearing within 24 hours."))
    assert rep.method == "llm" and rep.text.startswith("ALARM - Bearing1_1, channel H:")


class CompletingEngine:
    """A base-model style engine: continues a prompt."""

    model_name = "scripted-base"

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.prompts: list[str] = []

    def complete(self, prompt: str, params: SamplingParams) -> Completion:
        self.prompts.append(prompt)
        return Completion(text=self.answer, finish_reason="stop", usage=Usage())


def test_completion_engine_continues_a_factual_lead() -> None:
    eng = CompletingEngine(" Kurtosis is 7.42 against 3.01 when healthy; inspect within 24 hours.")
    rep = write_report(make_event(), eng)
    assert rep.method == "llm" and "The monitor raised an alarm on Bearing1_1" in rep.text
    assert eng.prompts[0].rstrip().endswith("range.") and "kurtosis: 7.42" in eng.prompts[0]
    bad = write_report(make_event(), CompletingEngine(" It will fail in 17 days."))
    assert bad.method == "template" and bad.llm_validation is not None and "17" in bad.llm_validation.unsupported_numbers
