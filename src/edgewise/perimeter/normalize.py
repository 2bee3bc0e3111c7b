"""Undo the Unicode tricks used to smuggle identifiers past a detector, keeping offsets.

Detection runs on a *normalized view* of the text; every character of the view
remembers which character of the original it came from, so entities found in
the view redact the right characters of the original. The view:

* drops invisible format characters (zero-width space/joiners, BOM, soft
  hyphen, bidi controls: Unicode category ``Cf``) and variation selectors;
* applies NFKC per character (full-width ``４`` -> ``4``, ``＠`` -> ``@``,
  circled and super-script digits, ligatures);
* folds common Cyrillic and Greek homoglyphs of Latin letters to Latin.

The homoglyph table is written by hand (a short subset of Unicode's
confusables.txt): the libraries on PyPI detect mixed scripts but do not give
an offset-preserving character-to-ASCII fold, which is what is needed here.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

_HOMOGLYPHS = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
    "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ү": "y", "һ": "h",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J", "Ԁ": "D", "Ԛ": "Q", "Ԝ": "W", "Ү": "Y", "Һ": "H",
    "З": "3", "з": "3", "б": "6",
    # Greek
    "α": "a", "ο": "o", "ρ": "p", "ν": "v", "κ": "k", "ι": "i", "τ": "t", "υ": "u", "χ": "x", "ε": "e",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # other look-alikes of separators and digits
    "ℓ": "l", "∕": "/", "⁄": "/", "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "−": "-", "﹫": "@",
    "․": ".", "。": ".", "｡": ".", "ꓲ": "I", "Ⅼ": "L", "ⅼ": "l", "Ⅰ": "I", "ⅰ": "i", "０": "0",
}


def _fold(ch: str) -> str:
    if unicodedata.category(ch) == "Cf" or "\ufe00" <= ch <= "\ufe0f":
        return ""
    out = _HOMOGLYPHS.get(ch)
    if out is not None:
        return out
    folded = unicodedata.normalize("NFKC", ch)
    return "".join(_HOMOGLYPHS.get(c, c) for c in folded)


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@dataclass(frozen=True)
class NormalizedText:
    """The normalized view of ``original`` and how to map view offsets back.

    ``segments`` holds ``(view_start, original_start, length, identity)`` in view
    order: identity segments are copied ASCII runs (offsets shift by a constant),
    the others are single original characters folded to ``length`` view characters.
    """

    original: str
    text: str
    segments: tuple[tuple[int, int, int, bool], ...] | None  # None: identity (pure ASCII input)
    starts: tuple[int, ...] = ()  # view_start of each segment, for bisection

    def _orig(self, pos: int, end: bool) -> int:
        assert self.segments is not None
        i = bisect_right(self.starts, pos) - 1
        vstart, ostart, length, identity = self.segments[i]
        if identity:
            return ostart + (pos - vstart) + (1 if end else 0)
        return ostart + (1 if end else 0)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a view span ``[start, end)`` to the original text."""
        if self.segments is None:
            return start, end
        if end <= start:
            pos = self._orig(start, False) if start < len(self.text) else len(self.original)
            return pos, pos
        return self._orig(start, False), self._orig(end - 1, True)


def normalize(text: str) -> NormalizedText:
    """Build the normalized view; linear in ``len(text)``, ASCII runs copied in bulk."""
    if text.isascii():
        return NormalizedText(text, text, None)
    parts: list[str] = []
    segments: list[tuple[int, int, int, bool]] = []
    view = 0
    pos = 0
    for m in _NON_ASCII.finditer(text):
        if m.start() > pos:
            segments.append((view, pos, m.start() - pos, True))
            parts.append(text[pos : m.start()])
            view += m.start() - pos
        for i in range(m.start(), m.end()):
            out = _fold(text[i])
            if out:
                segments.append((view, i, len(out), False))
                parts.append(out)
                view += len(out)
        pos = m.end()
    if pos < len(text):
        segments.append((view, pos, len(text) - pos, True))
        parts.append(text[pos:])
    if not segments:
        segments.append((0, 0, 0, True))
    return NormalizedText(text, "".join(parts), tuple(segments), tuple(seg[0] for seg in segments))


__all__ = ["NormalizedText", "normalize"]
