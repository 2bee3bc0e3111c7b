"""A maintenance report the small local model can get right: short fill-in fields under a grammar.

Why: asked for free prose, the embedded 270M base model often writes sentences
that quote no fact, loop, or round a number its own way, so the strict check
of :mod:`edgewise.apps.report` rejected most drafts and the plant always got
the template. Here the model fills a small JSON object whose shape llama.cpp
enforces while sampling (a GBNF grammar):

* ``summary`` and ``meaning``: one plain sentence each, letters and
  punctuation only. The grammar has no digits in them, so the model cannot
  invent a number; it writes the words a technician reads.
* ``evidence``: one to three items, each *chosen* from the event's own
  evidence rendered as text ("kurtosis 188.7 (healthy 3.048)"), so every number
  it quotes is copied from the event by construction.

The fields are composed into the report (lead sentence from the event, the
model's summary, the chosen evidence, its meaning sentence, the event's
recommended action verbatim). The composed text then goes through the same
strict check as any draft (:func:`edgewise.apps.report.finish_report`: every
number in the event, asset named, real prose, no loops); what the model wrote
or chose must itself pass the prose check. Any failure - engine missing or
failing, JSON that does not parse, a field that repeats itself - gives the
deterministic template, and the report says which was used.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from edgewise.apps.events import Event
from edgewise.apps.report import Report, fallback_report, finish_report, format_number
from edgewise.engine.types import SamplingParams

log = logging.getLogger(__name__)

MAX_EVIDENCE = 3
#: GBNF of a sentence: words of letters (a hyphen or apostrophe only inside a word), single spaces or ", " between
#: them, a full stop at the end; no digits, so the model cannot write a number, and no runs of punctuation.
_SENTENCE = '[A-Z] [a-z]* (","? " " [a-zA-Z]+ ([\'-] [a-zA-Z]+)?){4,30} "."'


def evidence_phrases(event: Event) -> list[str]:
    """The event's evidence as the phrases the model may choose from (numbers formatted as the template does)."""
    out = []
    for ev in event.evidence:
        unit = f" {ev.unit}" if ev.unit else ""
        if ev.note and "=" in ev.note:  # a reference level, not a healthy value ("1 = alarm level")
            ref = f" ({ev.note})"
        else:
            ref = f" against {format_number(ev.baseline)}{unit} when healthy" if ev.baseline is not None else ""
            ref = ref or (f" ({ev.note})" if ev.note else "")
        name = ev.name.removesuffix(f"_{ev.unit}") if ev.unit else ev.name
        out.append(f"{name.replace('_', ' ')} {format_number(ev.value)}{unit}{ref}")
    return out


def _gbnf_string(text: str) -> str:
    return json.dumps(json.dumps(text))  # a JSON string, quoted again as a GBNF literal


def grammar(phrases: list[str]) -> str:
    """GBNF of ``{"summary": S, "evidence": [E, ...], "meaning": S}`` with E one of ``phrases``."""
    item = " | ".join(_gbnf_string(p) for p in phrases)
    return "\n".join([
        'root ::= "{\\"summary\\": \\"" sentence "\\", \\"evidence\\": [" item ("," " " item){0,'
        f'{MAX_EVIDENCE - 1}' '} "], \\"meaning\\": \\"" sentence "\\"}"',
        f"sentence ::= {_SENTENCE}",
        f"item ::= {item}",
    ])


_EXAMPLE = (
    "Facts recorded on the device for Fan3, channel DE:\n"
    "finding: Vibration of Fan3 channel DE left its learned normal range\n"
    "severity: alarm\n- health index 3.9 (1 = alarm level)\n- rms 0.52 g against 0.11 g when healthy\n"
    "- kurtosis 7.4 against 3.1 when healthy\n- crest 6.2 against 3.5 when healthy\n"
    "recommended action: Plan to inspect the bearing, its lubrication and its mounting at the next stop.\n"
    'Note: {"summary": "Vibration of the fan bearing has moved well above the level it showed in its first hours.", '
    '"evidence": ["rms 0.52 g against 0.11 g when healthy", "kurtosis 7.4 against 3.1 when healthy"], '
    '"meaning": "A change like this points to developing damage in the bearing, so it should be checked before it '
    'gets worse."}\n\n'
)  # neutral wording on purpose: a small model often reuses the example's sentences, which must then still be true


def fillin_prompt(event: Event, phrases: list[str]) -> str:
    """A completion prompt for a base model: what the fields are, one worked example, then this event's facts."""
    src = event.source
    facts = "\n".join(f"- {p}" for p in phrases)
    return (
        "Maintenance notes for the technician, written as JSON from the facts recorded on the device. "
        "summary: one plain sentence on what changed. evidence: the most telling facts, copied from the list. "
        "meaning: one plain sentence on what it may mean for the bearing and how urgent it is.\n\n"
        f"{_EXAMPLE}Facts recorded on the device for {src.asset}, channel {src.channel}:\n"
        f"finding: {event.title}\nseverity: {event.severity.value}\n{facts}\n"
        f"recommended action: {event.recommended_action}\nNote: "
    )


def _lead(event: Event) -> str:
    src = event.source
    sev = event.severity.value
    where = src.asset + (f", channel {src.channel}" if src.channel else "")
    return f"The monitor raised {'an' if sev[0] in 'aeiou' else 'a'} {sev} on {where} at {event.time.strftime('%H:%M')} UTC."


#: Words that deny the finding: a report on an alarm must not tell the technician all is well.
_DENIALS = re.compile(
    r"\b(good|fine|is (?:still )?(?:healthy|normal)|no (?:fault|damage|problem|action|issue)s?|nothing)\b", re.IGNORECASE
)


#: Bearing parts: the model may only name one the event itself names (a small model copies causes from examples).
_COMPONENTS = re.compile(r"outer race|inner race|rolling element|ball|cage|shaft|housing|lubrication")


def field_problems(summary: str, meaning: str, context: str) -> list[str]:
    """Why the model's two sentences are unusable: short, looping, the same twice, denying the alarm, or naming
    a bearing part that ``context`` (the event's own text) does not name."""
    problems = []
    for label, s in (("summary", summary), ("meaning", meaning)):
        words = re.findall(r"[a-z]+", s.lower())
        if len(words) < 6 or len(set(words)) < 0.6 * len(words):
            problems.append(f"{label} is too short or repeats itself")
        if _DENIALS.search(s):
            problems.append(f"{label} says the machine is fine, against the event")
    for comp in _COMPONENTS.findall(f"{summary} {meaning}".lower()):
        if comp not in context.lower():
            problems.append(f"names the {comp}, which the event does not")
    if summary.strip().lower() == meaning.strip().lower():
        problems.append("summary and meaning are the same sentence")
    return problems


def compose(event: Event, fields: dict[str, Any]) -> tuple[str, str, list[str]]:
    """(report body, the part the model wrote or chose, problems of the model's fields) from the parsed JSON."""
    chosen = list(dict.fromkeys(str(e) for e in fields.get("evidence", [])))
    summary, meaning = str(fields.get("summary", "")).strip(), str(fields.get("meaning", "")).strip()
    model_part = " ".join([summary, "Evidence: " + "; ".join(chosen) + ".", meaning])
    body = "\n".join([_lead(event), model_part, f"Recommended action: {event.recommended_action}"])
    context = " ".join([event.title, event.recommended_action, *(e.name for e in event.evidence)])
    problems = field_problems(summary, meaning, context) + ([] if chosen else ["no evidence chosen"])
    return body, model_part, problems


def write_fillin_report(event: Event, engine: Any, *, max_tokens: int = 200) -> Report:
    """A validated fill-in report from the engine's ``complete``, else the template (never raises)."""
    if engine is None or not callable(getattr(engine, "complete", None)):
        return fallback_report(event, None, "no engine available")
    name = getattr(engine, "model_name", None) or "local model"
    phrases = evidence_phrases(event)
    params = SamplingParams(temperature=0.0, max_tokens=max_tokens, seed=0, grammar=grammar(phrases),
                            stop_at_json_end=True, cache_prompt=False)
    try:
        text = engine.complete(fillin_prompt(event, phrases), params).text
    except Exception as exc:  # any engine failure must still give the plant its report
        log.warning("report engine failed for event %s: %s", event.id, exc)
        return fallback_report(event, name, f"engine failed: {type(exc).__name__}")
    try:
        fields = json.loads(text)
    except json.JSONDecodeError:
        return fallback_report(event, name, "the model's fields are not complete JSON (token limit?)")
    body, model_part, problems = compose(event, fields)
    if problems:
        return fallback_report(event, name, "; ".join(problems))
    return finish_report(event, body, model_part, name)


__all__ = ["compose", "evidence_phrases", "field_problems", "fillin_prompt", "grammar", "write_fillin_report"]
