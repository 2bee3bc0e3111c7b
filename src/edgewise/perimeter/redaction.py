"""Replace detected entities with placeholders, in text or inside JSON values (structure kept).

:class:`Redaction` is what callers get back: the redacted text or JSON and one
:class:`RedactedEntity` per replaced span (type, offsets in the *original*
string, placeholder). The original values live only in ``mapping``, which
is kept out of ``repr`` and out of every serialisation the API produces.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from edgewise.perimeter.detector import PiiDetector
from edgewise.perimeter.placeholders import PlaceholderAllocator

JsonValue = Any


class RedactedEntity(NamedTuple):
    """One replaced span (a named tuple, as ``detector.Entity``: some 30 per 1 KB request)."""

    type: str
    start: int
    end: int
    placeholder: str
    path: str | None = None  # JSON pointer of the string that held it, for JSON input

    def public(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "start": self.start, "end": self.end, "placeholder": self.placeholder}
        if self.path is not None:
            out["path"] = self.path
        return out


@dataclass(frozen=True)
class Redaction:
    text: str | None
    json: JsonValue
    entities: tuple[RedactedEntity, ...]
    session_id: str | None = None
    mapping: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def counts(self) -> dict[str, int]:
        return dict(Counter(e.type for e in self.entities))


def redact_string(detector: PiiDetector, text: str, alloc: PlaceholderAllocator, path: str | None = None,
                  timeout_s: float | None = None, use_ner: bool = True) -> tuple[str, list[RedactedEntity]]:
    entities = detector.detect(text, timeout_s=timeout_s, use_ner=use_ner)
    parts: list[str] = []
    out: list[RedactedEntity] = []
    pos = 0
    for e in entities:
        ph = alloc.placeholder(e.type, e.value)
        parts.append(text[pos : e.start])
        parts.append(ph)
        out.append(RedactedEntity(e.type, e.start, e.end, ph, path))
        pos = e.end
    parts.append(text[pos:])
    return "".join(parts), out


#: JSON values such as "user", "gpt-4o-mini" or "pump_7" are machine tokens, not prose: the NER model
#: is not asked about them (structured recognizers still are), so protocol fields survive redaction.
_MACHINE_TOKEN = re.compile(r"[a-z0-9_.:/-]{1,40}")


def _pointer(path: str, key: str | int) -> str:
    return f"{path}/{str(key).replace('~', '~0').replace('/', '~1')}"


def redact_json(detector: PiiDetector, value: JsonValue, alloc: PlaceholderAllocator, path: str = "",
                timeout_s: float | None = None) -> tuple[JsonValue, list[RedactedEntity]]:
    """Redact every string (and integer) in ``value``; structure is kept, keys change only if they hold an identifier."""
    if isinstance(value, str):
        return redact_string(detector, value, alloc, path or "", timeout_s, use_ner=not _MACHINE_TOKEN.fullmatch(value))
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return value, []
    if isinstance(value, int):
        text, ents = redact_string(detector, str(value), alloc, path or "", timeout_s)
        return (text if ents else value), ents
    out: list[RedactedEntity] = []
    if isinstance(value, list):
        items = []
        for i, item in enumerate(value):
            red, ents = redact_json(detector, item, alloc, _pointer(path, i), timeout_s)
            items.append(red)
            out.extend(ents)
        return items, out
    if isinstance(value, dict):
        obj: dict[str, JsonValue] = {}
        for k, v in value.items():
            # keys are field names: only the structured recognizers judge them, not the NER model
            key, key_ents = redact_string(detector, str(k), alloc, _pointer(path, k) + "#key", timeout_s, use_ner=False)
            red, ents = redact_json(detector, v, alloc, _pointer(path, k), timeout_s)
            obj[key] = red
            out.extend(key_ents + ents)
        return obj, out
    raise TypeError(f"not a JSON value: {type(value).__name__}")


__all__ = ["RedactedEntity", "Redaction", "redact_json", "redact_string"]
