"""The PII detector: normalized view, structured recognizers, NER, encoded fragments, bounded time.

Contract: :meth:`PiiDetector.detect` returns non-overlapping :class:`Entity`
spans of the *original* text, or raises :class:`DetectionFailed` (too long,
timed out, or any internal error). It never returns a partial answer: callers
that send data must treat an exception as "do not send" (fail closed).
"""

from __future__ import annotations

import re
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable
from typing import NamedTuple

from edgewise.perimeter.encoded import encoded_fragments
from edgewise.perimeter.errors import DetectionFailed
from edgewise.perimeter.findings import PRIORITY_MODEL, PRIORITY_VALIDATED, Finding, resolve_overlaps
from edgewise.perimeter.ner import NerModel
from edgewise.perimeter.normalize import normalize
from edgewise.perimeter.recognizers import (
    IBAN_HEAD_DIGITS,
    STRUCTURED,
    Recognizer,
    deny_list_recognizer,
    email_could_hold,
    emails,
    iban_could_start,
    iban_heads,
    occurrences,
    pattern_recognizer,
    split_ibans,
)
from edgewise.perimeter.settings import PerimeterSettings
from edgewise.perimeter.squeezed import squeeze

MAX_DECODE_DEPTH = 2
#: A spelled-out "at", or what becomes one once whitespace is squeezed out ("[ a t ]" -> "[at]").
_SPACED_AT_LIKE = re.compile(r"[\[\(\{]\s*a\s*t\s*[\]\)\}]", re.IGNORECASE)
#: An IBAN head (see ``recognizers.iban_heads``) with a letter, digit or space after it, found from its digits.
_IBAN_LIKE = re.compile(IBAN_HEAD_DIGITS + r"[\s\w]", re.IGNORECASE)
#: ASCII letters and digits to one stand-in per class (see :func:`stand_ins`).
_STAND_IN = str.maketrans("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", "x" * 26 + "X" * 26 + "0" * 10)


class Entity(NamedTuple):
    """An identifier found in the original text; ``value`` stays on the device.

    A named tuple, as :class:`Finding`: a 1 KB request makes some 30, and a frozen dataclass took 2.3 us to
    build against 0.9 (its ``__init__`` sets each field through ``object.__setattr__``).
    """

    type: str
    start: int
    end: int
    value: str


def _loose(positions: Iterable[int], covered: list[tuple[int, int, str]], type_: str) -> list[int]:
    """Those of ``positions`` that are not inside a span of ``type_`` in ``covered``, in sight of
    :func:`_overlaps_same_type`.

    The squeezed pass (:meth:`PiiDetector._squeezed_findings`) uses it to skip searches whose every hit would
    be dropped: an e-mail found on the squeezed text holds an ``@`` of the text (when no spelled-out "at" is
    there, even across whitespace), and a split IBAN starts at an IBAN head of the text. A hit over a position
    inside a validated same-type span is dropped by :func:`_overlaps_same_type`, which looks at the last 64
    spans only: past 64, every position counts.
    """
    if len(covered) > 64:
        return list(positions)
    spans = [(a, b) for a, b, t in covered if t == type_]
    return [p for p in positions if not any(a <= p < b for a, b in spans)]


def stand_ins(text: str, found: Iterable[Finding]) -> str:
    """``text`` with the ASCII letters and digits inside the recognizers' findings replaced by stand-ins
    (``x``, ``X``, ``0``): what the NER model is shown.

    Why: a recognizer's finding beats the model's (:func:`resolve_overlaps`), so what the model makes of the
    characters inside one is never used, and they matter only as context for the words around them. Kept
    as they were, every e-mail address, card or phone number was a new word to tokenize and embed (some 40 us
    each, a tenth of a 1 KB request), and stayed in spaCy's vocabulary. The stand-ins keep the length (offsets
    are unchanged), the character classes and the punctuation (so the tokens and their shapes), and they
    repeat from request to request, where the chunk cache has them. Measured on the DEV and held-out splits:
    typed F2 within 0.0002 of the model shown the identifiers themselves.
    """
    spans = sorted((f.start, f.end) for f in found if f.priority > PRIORITY_MODEL)
    if not spans:
        return text
    parts: list[str] = []
    pos = 0
    for a, b in spans:
        if b <= pos:
            continue
        a = max(a, pos)
        parts += (text[pos:a], text[a:b].translate(_STAND_IN))
        pos = b
    parts.append(text[pos:])
    return "".join(parts)


def _overlaps_same_type(covered: list[tuple[int, int, str]], starts: list[int], a: int, b: int, type_: str) -> bool:
    """Does ``[a, b)`` overlap a span of ``type_`` in ``covered`` (sorted by start)? Spans there may overlap."""
    i = bisect_left(starts, b)
    return any(end > a and t == type_ for _, end, t in covered[max(0, i - 64) : i])


class PiiDetector:
    def __init__(
        self,
        *,
        ner: NerModel | None = None,
        extra: tuple[Recognizer, ...] = (),
        timeout_s: float = 2.0,
        max_input_chars: int = 2_000_000,
    ) -> None:
        self.ner = ner
        self.recognizers = STRUCTURED + extra
        self.timeout_s = timeout_s
        self.max_input_chars = max_input_chars

    @classmethod
    def from_settings(cls, ps: PerimeterSettings) -> PiiDetector:
        extra = [pattern_recognizer(p.name, p.regex) for p in ps.custom_patterns]
        deny = deny_list_recognizer(ps.deny_list)
        if deny is not None:
            extra.append(deny)
        ner = NerModel(ps.ner_model) if ps.ner else None
        return cls(ner=ner, extra=tuple(extra), timeout_s=ps.detection_timeout_s, max_input_chars=ps.max_input_chars)

    def detect(self, text: str, *, timeout_s: float | None = None, use_ner: bool = True) -> list[Entity]:
        """Entities of ``text``; raises :class:`DetectionFailed` rather than answer partially.

        ``use_ner=False`` skips the statistical model (for JSON keys, which are field names).
        """
        if len(text) > self.max_input_chars:
            raise DetectionFailed(f"Input of {len(text)} characters exceeds the detector limit of {self.max_input_chars}.")
        deadline = time.monotonic() + (timeout_s if timeout_s is not None else self.timeout_s)

        def check() -> None:
            if time.monotonic() > deadline:
                raise DetectionFailed("PII detection timed out; nothing was sent. Send less text or raise detection_timeout_s.")

        try:
            findings = self._findings(text, check, 0, use_ner)
        except DetectionFailed:
            raise
        except Exception as exc:  # fail closed on anything unexpected
            raise DetectionFailed(f"PII detection failed ({type(exc).__name__}); nothing was sent.") from exc
        return [Entity(f.type, f.start, f.end, text[f.start : f.end]) for f in findings]

    def _findings(self, text: str, check: Callable[[], None], depth: int, use_ner: bool = True) -> list[Finding]:
        view = normalize(text)
        t = view.text
        found: list[Finding] = []
        for rec in self.recognizers:
            check()
            found.extend(rec(t))
        if self.ner is not None and use_ner:
            found.extend(self.ner.find(stand_ins(t, found), check))
        found.extend(self._squeezed_findings(t, found, check))
        if depth < MAX_DECODE_DEPTH:
            for start, end, decoded in encoded_fragments(t):
                check()
                inner = self._findings(decoded, check, depth + 1)
                if inner:
                    found.append(Finding(start, end, inner[0].type, PRIORITY_VALIDATED + 1))
        out = []
        for f in resolve_overlaps(found):
            a, b = view.to_original(f.start, f.end)
            out.append(Finding(a, b, f.type, f.priority))
        return out

    def _squeezed_findings(self, t: str, found: list[Finding], check: Callable[[], None]) -> list[Finding]:
        """Identifiers split by whitespace or line breaks: rerun strong validators with whitespace removed.

        A hit counts only if it ends at a token boundary of the view and is not
        already covered by a validated same-type finding of the normal pass.
        """
        covered = sorted((g.start, g.end, g.type) for g in found if g.priority >= PRIORITY_VALIDATED)
        # Searched again only where the squeezed text may hold an identifier the normal pass did not find: a
        # spelled-out "at", or an @ or IBAN head outside the validated findings that has, once whitespace is
        # squeezed out, what such an identifier needs around it (recognizers.email_could_hold, iban_could_start).
        spelled = _SPACED_AT_LIKE.search(t) is not None
        ats = [] if spelled or "@" not in t else _loose(occurrences(t, "@"), covered, "EMAIL")
        heads = _loose(iban_heads(t), covered, "IBAN") if _IBAN_LIKE.search(t) is not None else []
        if not (spelled or ats or heads):
            return []
        squeezed, index = squeeze(t)
        want_emails = spelled or any(
            (s := index.squeezed_pos(p)) is not None and email_could_hold(squeezed, s) for p in ats)
        want_ibans = any((s := index.squeezed_pos(h)) is not None and iban_could_start(squeezed, s) for h in heads)
        if not (want_emails or want_ibans):
            return []
        extra: list[Finding] = []
        candidates = list(emails(squeezed)) if want_emails else []
        if want_ibans:
            candidates += split_ibans(t, squeezed, index)
        check()
        starts = [c[0] for c in covered]
        for f in candidates:
            a, b = index[f.start], index[f.end - 1] + 1
            if b < len(t) and t[b].isalnum():
                continue
            if not _overlaps_same_type(covered, starts, a, b, f.type):
                extra.append(Finding(a, b, f.type, PRIORITY_VALIDATED))
        return extra


__all__ = ["Entity", "PiiDetector", "stand_ins"]
