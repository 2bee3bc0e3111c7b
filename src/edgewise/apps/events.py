"""The one event model family shared by every Edgewise app.

An *event* is what an app (predictive maintenance, visual inspection ...) says
about the world after looking at raw data that never leaves the node: which
asset or station, when, what kind of finding, how severe, the evidence behind
it, and what a person should do. Events are the unit that reports are written
from (:mod:`edgewise.apps.report`) and that leaves the node through the
perimeter gateway (:mod:`edgewise.apps.publish`, data class ``event``).

Contract for apps:

* **Extend, do not fork.** Subclass :class:`Event` and add typed fields
  (``class MaintenanceEvent(Event): rul_s: float | None = None``); keep the
  base fields' meaning. ``kind`` is a short dotted name owned by the app
  (``"maintenance.anomaly"``, ``"inspection.defect"``).
* **Evidence is facts, not prose.** Each :class:`Evidence` item names a
  measured quantity, its value, and optionally the healthy reference and unit.
  A report may only quote numbers that appear somewhere in the event
  (:meth:`Event.fact_numbers` is what the report validator checks against), so
  put every number a technician should read into the event.
* **No raw data.** An event never carries samples, pixels or free text from a
  person; only derived quantities. Keep it small (a few kB at most): it is what
  crosses the uplink.

Serialisation is plain pydantic JSON (``event.model_dump_json()``), times are
timezone-aware UTC, ids are random UUID4 hex strings.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Severity(StrEnum):
    """How urgently a person should act, in increasing order."""

    INFO = "info"
    WARNING = "warning"
    ALARM = "alarm"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class Source(BaseModel):
    """Where the finding comes from: the asset (machine, bearing, part) and optionally station and channel."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    asset: str = Field(..., min_length=1, max_length=200, description="Machine, bearing or part identifier.")
    station: str | None = Field(None, max_length=200, description="Line, cell or camera station, if any.")
    channel: str | None = Field(None, max_length=100, description="Sensor channel (e.g. 'H', 'DE'), if any.")


class Evidence(BaseModel):
    """One measured fact behind an event: ``name`` moved to ``value`` (healthy: ``baseline``)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=100, description="Quantity, e.g. 'kurtosis' or 'defect_area'.")
    value: float | int | str = Field(..., description="Observed value (numbers preferred).")
    baseline: float | int | str | None = Field(None, description="Healthy reference for the same quantity.")
    unit: str | None = Field(None, max_length=30)
    note: str | None = Field(None, max_length=300, description="Short qualifier, e.g. 'dominant: BPFO'.")

    @field_validator("value", "baseline")
    @classmethod
    def _finite(cls, v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError("evidence values must be finite numbers")
        return v

    @property
    def ratio(self) -> float | None:
        """``value / baseline`` when both are non-zero numbers, else ``None``."""
        if isinstance(self.value, int | float) and isinstance(self.baseline, int | float) and self.baseline:
            return float(self.value) / float(self.baseline)
        return None


def _new_id() -> str:
    return uuid.uuid4().hex


def _now() -> datetime:
    return datetime.now(UTC)


class Event(BaseModel):
    """Base of every app event. Subclass to add app-specific typed fields."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(default_factory=_new_id, description="Random UUID4 hex.")
    time: datetime = Field(default_factory=_now, description="When the finding starts (onset), UTC.")
    app: str = Field(..., min_length=1, max_length=50, description="Producing app, e.g. 'maintenance'.")
    kind: str = Field(..., min_length=1, max_length=100, description="Dotted kind owned by the app.")
    source: Source
    severity: Severity
    title: str = Field(..., min_length=1, max_length=200, description="One line a person reads first.")
    evidence: list[Evidence] = Field(default_factory=list, max_length=64)
    recommended_action: str = Field(..., min_length=1, max_length=500)

    @field_validator("time")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)

    def facts(self) -> dict[str, Any]:
        """Every field as JSON-compatible data: the source of truth a report is checked against."""
        return self.model_dump(mode="json")

    def fact_numbers(self) -> set[str]:
        """Every number that appears in the event (in numeric fields and inside its strings), as text.

        The random ``id`` is left out. Numbers are returned in their canonical decimal form (see :func:`canonical_number`),
        which is what :mod:`edgewise.apps.report` compares report numbers against.
        """
        facts = self.facts()
        facts.pop("id", None)  # a random hex id holds digit runs that are not facts
        nums = {canonical_number(tok) for tok in iter_number_tokens(facts)}
        for _, value in self:  # times as people write them: whole seconds, not fractions
            if isinstance(value, datetime):
                nums.update(canonical_number(t) for t in value.strftime("%Y %m %d %H %M %S").split())
        return nums

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json().encode()


_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+(?:[.,]\d+)*|\.\d+)(?:[eE][-+]?\d+)?")


def iter_number_tokens(value: Any) -> Iterator[str]:
    """Yield every number in a JSON-like value: numeric leaves and numbers written inside strings."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int | float):
        yield repr(value) if isinstance(value, float) else str(value)
    elif isinstance(value, str):
        # ISO times ("2026-01-02T03:04:05Z"): split the date from the clock so "03" counts as a number
        yield from numbers_in_text(re.sub(r"(?<=\d)T(?=\d)", " ", value))
    elif isinstance(value, dict):
        for v in value.values():
            yield from iter_number_tokens(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from iter_number_tokens(v)


def numbers_in_text(text: str) -> list[str]:
    """Numbers written in ``text`` ("3.5", "-0.2", "1,200", "2e-3"); thousands commas are dropped."""
    out: list[str] = []
    for m in _NUMBER.finditer(text):
        tok = m.group(0)
        if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", tok):
            tok = tok.replace(",", "")
        elif "," in tok:  # "1,5" or a list "3,4": read the parts as separate numbers
            out.extend(p for p in tok.split(",") if p)
            continue
        out.append(tok)
    return out


def canonical_number(token: str) -> str:
    """Canonical text of a number: no sign of plus, no trailing zeros (``"3.50" -> "3.5"``, ``"-0" -> "0"``)."""
    try:
        x = float(token)
    except ValueError:
        return token
    if not math.isfinite(x):
        return token
    if x == 0:
        return "0"
    text = f"{x:.12g}"
    if "e" in text:
        return text
    return text.rstrip("0").rstrip(".") if "." in text else text


__all__ = [
    "Event",
    "Evidence",
    "Severity",
    "Source",
    "canonical_number",
    "iter_number_tokens",
    "numbers_in_text",
]
