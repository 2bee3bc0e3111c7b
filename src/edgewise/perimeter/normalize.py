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

import unicodedata
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


@dataclass(frozen=True)
class NormalizedText:
    """The normalized view of ``original`` and, per view character, its index in ``original``."""

    original: str
    text: str
    index: tuple[int, ...] | None  # None: identity (pure ASCII input)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a view span ``[start, end)`` to the original text."""
        if self.index is None:
            return start, end
        if end <= start:
            pos = self.index[start] if start < len(self.index) else len(self.original)
            return pos, pos
        return self.index[start], self.index[end - 1] + 1


def normalize(text: str) -> NormalizedText:
    """Build the normalized view; linear in ``len(text)``, identity fast path for ASCII."""
    if text.isascii():
        return NormalizedText(text, text, None)
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch.isascii():
            chars.append(ch)
            index.append(i)
            continue
        for out in _fold(ch):
            chars.append(out)
            index.append(i)
    return NormalizedText(text, "".join(chars), tuple(index))


__all__ = ["NormalizedText", "normalize"]
