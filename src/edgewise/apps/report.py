"""Reports written on the device from an event, checked against the event's facts.

Why this exists: a technician reads a short prose report, and the node can write
one with its local LLM (through the engine, never a cloud call). A small model
can invent numbers, so the event is the source of truth: **every number in the
report must appear in the event** (numeric fields or numbers inside its
strings, rounding allowed: ``3.21`` quotes ``3.2147``). If the LLM draft fails
that check, or no engine is available, or the engine fails, the report falls
back to a deterministic template built from the event alone. The report always
says which was used (``Report.method`` and its last line).

Public API (stable; additive changes only):

* :func:`write_report(event, engine=None, ...) -> Report` - the whole flow.
* :func:`validate_report_text(text, event) -> Validation` - the fact check.
* :func:`template_report(event) -> str` - the deterministic fallback.
* :func:`build_messages(event, audience=...) -> list[dict]` - the prompt; it holds
  the event's facts only (events never hold raw samples or pixels).

``engine`` is the edge node's engine (:mod:`edgewise.engine`): if it has
``complete(prompt, params)`` the model continues a report whose first sentence
is written from the event (:func:`build_prompt`; the embedded model is a base
model), else ``chat(messages, params)`` is used. Generation is greedy and short.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from edgewise.apps.events import Event, Evidence, canonical_number, numbers_in_text
from edgewise.engine.types import Completion, SamplingParams

log = logging.getLogger(__name__)

ReportMethod = Literal["llm", "template"]
MAX_REPORT_CHARS = 2000
MIN_REPORT_CHARS = 40


class ChatEngine(Protocol):
    """The part of the engine a report needs."""

    def chat(self, messages: list[dict[str, Any]], params: SamplingParams) -> Completion: ...


class Validation(BaseModel):
    """Outcome of checking a report draft against its event."""

    ok: bool
    unsupported_numbers: list[str] = Field(default_factory=list, description="Numbers in the draft not in the event.")
    problems: list[str] = Field(default_factory=list, description="Human-readable reasons the draft was rejected.")


class Report(BaseModel):
    """A maintenance/inspection report for one event, with how it was produced."""

    event_id: str
    created: datetime = Field(default_factory=lambda: datetime.now(UTC))
    method: ReportMethod = Field(..., description="'llm' if the validated LLM draft is used, else 'template'.")
    model: str | None = Field(None, description="Engine model that wrote the draft, if one was tried.")
    text: str
    llm_validation: Validation | None = Field(None, description="Check of the LLM draft (None if none was tried).")
    fallback_reason: str | None = Field(None, description="Why the template was used.")


# --- the fact check -------------------------------------------------------------------------

_LIST_MARKER = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+", re.MULTILINE)


def _half_ulp(token: str) -> Decimal:
    """Half a unit in the last written place: the rounding a quoted number may carry."""
    try:
        exp = Decimal(token).as_tuple().exponent
    except InvalidOperation:
        return Decimal(0)
    return Decimal(5) * Decimal(10) ** (int(exp) - 1) if isinstance(exp, int) else Decimal(0)


def _supported(token: str, facts: list[Decimal]) -> bool:
    try:
        value = Decimal(token)
    except InvalidOperation:
        return False
    if not value.is_finite() or abs(value.adjusted()) >= 60:
        return False
    tol = _half_ulp(token) * Decimal("1.000001")
    # magnitudes are compared: "fell by 0.5" quotes a change of -0.5
    return any(abs(abs(value) - abs(f)) <= tol for f in facts)


def _fact_decimals(event: Event) -> list[Decimal]:
    out = []
    for tok in event.fact_numbers():
        try:
            d = Decimal(tok)
        except InvalidOperation:
            continue
        if d.is_finite() and abs(d.adjusted()) < 60:  # beyond that it is not a quantity anyone quotes
            out.append(d)
    return out


def content_problems(text: str) -> list[str]:
    """Why ``text`` is not a usable piece of report: too little prose, loops, or no fact quoted."""
    plain = _LIST_MARKER.sub("", text)
    words = re.findall(r"[A-Za-z]{2,}", plain)
    problems = []
    if len(words) < 8 or len({w.lower() for w in words}) < 0.4 * len(words):
        problems.append("draft has too little text or repeats itself")
    if not numbers_in_text(plain):
        problems.append("draft quotes no fact of the event")
    return problems


def validate_report_text(text: str, event: Event) -> Validation:
    """Check a draft: bounded, real sentences, names the asset, quotes at least one fact and no number not in the event.

    List enumerators at the start of a line ("1. ", "2) ") are layout, not facts, and are ignored.
    """
    problems: list[str] = []
    body = text.strip()
    if len(body) < MIN_REPORT_CHARS:
        problems.append(f"draft too short ({len(body)} characters)")
    if len(body) > MAX_REPORT_CHARS:
        problems.append(f"draft too long ({len(body)} characters)")
    if event.source.asset.lower() not in body.lower():
        problems.append(f"draft does not name the asset {event.source.asset!r}")
    facts = _fact_decimals(event)
    plain = _LIST_MARKER.sub("", body)
    quoted = numbers_in_text(plain)
    unsupported = sorted({canonical_number(t) for t in quoted if not _supported(t, facts)})
    problems.extend(content_problems(body))
    if unsupported:
        problems.append("numbers not in the event: " + ", ".join(u[:20] for u in unsupported[:10]))
    return Validation(ok=not problems, unsupported_numbers=unsupported, problems=problems)


# --- the deterministic template -------------------------------------------------------------


def format_number(v: Any) -> str:
    """Format a number so that :func:`validate_report_text` accepts it as a quote of ``v``.

    Public for writers that compose reports from event facts (the maintenance fill-in)."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return str(v)
    if isinstance(v, int) or float(v).is_integer() and abs(v) < 1e15:
        return str(int(v))
    x = float(v)
    if abs(x) >= 1000:
        return f"{x:.0f}"
    if abs(x) >= 0.01:
        return f"{x:.3g}" if abs(x) < 1 else f"{x:.4g}"
    return f"{x:.2e}" if abs(x) >= 1e-12 else "0"


def _evidence_line(ev: Evidence, note_sep: str) -> str:
    """``name: value unit (healthy baseline unit)`` and the note after ``note_sep``: the template and the prompt
    quote evidence the same way, so a number the model copies from its prompt is one the check accepts."""
    unit = f" {ev.unit}" if ev.unit else ""
    base = f" (healthy {format_number(ev.baseline)}{unit})" if ev.baseline is not None else ""
    note = f"{note_sep}{ev.note}" if ev.note else ""
    return f"{ev.name}: {format_number(ev.value)}{unit}{base}{note}"


def template_report(event: Event) -> str:
    """The deterministic report: every line is a field of the event, nothing else."""
    src = event.source
    where = src.asset + (f", channel {src.channel}" if src.channel else "") + (f", station {src.station}" if src.station else "")
    lines = [
        f"{event.severity.value.upper()}: {event.title}",
        f"Asset: {where}",
        f"Onset: {event.time.strftime('%Y-%m-%d %H:%M:%S')} UTC",
        "Evidence:",
    ]
    lines += [f"- {_evidence_line(ev, '; ')}" for ev in event.evidence]
    lines.append(f"Recommended action: {event.recommended_action}")
    return "\n".join(lines)


# --- the LLM prompt -------------------------------------------------------------------------


def _fact_lines(event: Event) -> list[str]:
    src = event.source
    lines = [
        f"asset: {src.asset}",
        *([f"channel: {src.channel}"] if src.channel else []),
        *([f"station: {src.station}"] if src.station else []),
        f"finding: {event.title}",
        f"severity: {event.severity.value}",
        f"onset: {event.time.strftime('%Y-%m-%d %H:%M:%S')} UTC",
    ]
    lines += [_evidence_line(ev, " - ") for ev in event.evidence]
    lines.append(f"recommended action: {event.recommended_action}")
    return lines


def build_messages(event: Event, audience: str = "a maintenance technician") -> list[dict[str, Any]]:
    """Chat messages asking for a short report from the event's facts only (no raw data)."""
    facts = "\n".join(_fact_lines(event))
    system = (
        f"You write short, factual reports for {audience}. Use only the facts given. "
        "Copy numbers exactly as written; never invent numbers, dates or causes. "
        "Write 3 to 5 plain sentences, no lists, no headings."
    )
    user = f"Facts:\n{facts}\n\nWrite the report. Name the asset, the finding, the key evidence and the action."
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def _until_repeat(text: str) -> str:
    """The model's lines up to the first one it repeats (small greedy models loop)."""
    seen: set[str] = set()
    kept = []
    for line in text.strip().splitlines():
        key = line.strip().lower()
        if key in seen:
            break
        seen.add(key)
        kept.append(line.strip())
    return "\n".join(kept)


def build_prompt(event: Event) -> tuple[str, str]:
    """A completion prompt for a base model: the facts, then the report's first sentence to continue.

    Returns (prompt, lead); the lead is deterministic (it restates the event's
    severity, asset and onset) and is part of the report the model continues.
    """
    facts = "\n".join(_fact_lines(event))
    src = event.source
    where = src.asset + (f", channel {src.channel}" if src.channel else "")
    sev = event.severity.value
    lead = (f"The monitor raised {'an' if sev[0] in 'aeiou' else 'a'} {sev} on {where} at "
            f"{event.time.strftime('%H:%M')} UTC: {event.title[0].lower()}{event.title[1:]}.")
    prompt = (f"Facts recorded on the device:\n{facts}\n\nMaintenance report for the technician, in plain sentences, "
              f"quoting numbers exactly as in the facts:\n{lead}")
    return prompt, lead


def _footer(method: ReportMethod, event: Event, model: str | None, reason: str | None) -> str:
    if method == "llm":
        return f"[Written on the device by {model}; every number checked against event {event.id}.]"
    why = f" ({reason})" if reason else ""
    return f"[Deterministic template from event {event.id}; LLM draft not used{why}.]"


def write_report(
    event: Event,
    engine: ChatEngine | None = None,
    *,
    model_name: str | None = None,
    max_tokens: int = 120,
    audience: str = "a maintenance technician",
) -> Report:
    """Write a report for ``event``: a validated LLM draft if possible, else the template.

    Never raises for engine trouble: a report is always produced (the plant must
    get its report even when the model cannot load), and the reason is recorded.
    """
    if engine is None:
        return fallback_report(event, None, "no engine available")
    name = model_name or getattr(engine, "model_name", None) or "local model"
    params = SamplingParams(temperature=0.0, max_tokens=max_tokens, seed=0, stop=("\n\n",))
    complete = getattr(engine, "complete", None)
    try:
        if callable(complete):  # a base model continues a report better than it follows a chat turn
            prompt, lead = build_prompt(event)
            completion = complete(prompt, params)
            model_text = _until_repeat(completion.text)
            completion.text = f"{lead}\n{model_text}" if model_text.strip() else ""
        else:
            completion = engine.chat(build_messages(event, audience), params)
            model_text = completion.text
    except Exception as exc:  # any engine failure must still give the plant its report
        log.warning("report engine failed for event %s: %s", event.id, exc)
        return fallback_report(event, name, f"engine failed: {type(exc).__name__}")
    return finish_report(event, completion.text.strip(), model_text, name)


def finish_report(event: Event, body: str, model_text: str, model: str) -> Report:
    """Check an LLM draft (a deterministic header, then ``body``) against ``event``; else the template.

    The header names the asset, so the model's sentences need not repeat it.
    ``model_text`` is the part the model wrote (or chose): it must itself be prose
    that quotes a fact, so a deterministic frame around an empty answer cannot pass.
    Shared by :func:`write_report` and structured (fill-in) report writers.
    """
    draft = f"{_header(event)}\n{body}"
    check = validate_report_text(draft, event)
    own = content_problems(model_text)  # what the model added must itself be prose that quotes a fact
    if own:
        check = Validation(ok=False, unsupported_numbers=check.unsupported_numbers, problems=[*check.problems, *(
            f"model text: {p}" for p in own)])
    if not check.ok or not model_text.strip():
        return fallback_report(event, model, "; ".join(check.problems) or "empty draft", check)
    text = f"{draft}\n\n{_footer('llm', event, model, None)}"
    return Report(event_id=event.id, method="llm", model=model, text=text, llm_validation=check)


def _header(event: Event) -> str:
    src = event.source
    return f"{event.severity.value.upper()} - {src.asset}" + (f", channel {src.channel}" if src.channel else "") + ":"


def fallback_report(event: Event, model: str | None, reason: str, check: Validation | None = None) -> Report:
    """The deterministic template report, recording which model was tried and why it was not used."""
    text = f"{template_report(event)}\n\n{_footer('template', event, model, reason.split(';')[0])}"
    return Report(
        event_id=event.id, method="template", model=model, text=text, llm_validation=check, fallback_reason=reason
    )


__all__ = [
    "ChatEngine",
    "Report",
    "ReportMethod",
    "Validation",
    "build_messages",
    "build_prompt",
    "content_problems",
    "fallback_report",
    "finish_report",
    "format_number",
    "template_report",
    "validate_report_text",
    "write_report",
]
