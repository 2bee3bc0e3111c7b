"""A text with its whitespace removed, and the map between positions of the two.

Identifiers broken by line breaks or odd spacing (IBANs, e-mail addresses) are
searched on the squeezed copy; a match is mapped back to the original text to
be redacted there. Kept apart from the recognizers and the detector, which both use it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate

_SPACE = re.compile(r"\s+")


class SqueezedIndex:
    """Positions of the whitespace-free copy of a text mapped back to the text, one entry per whitespace run.

    ``index[k]`` is the text position of squeezed character ``k`` (what a list of every kept position
    gave before, without allocating one integer per character of a 100 KB input).
    """

    def __init__(self, text: str) -> None:
        gaps = [m.span() for m in _SPACE.finditer(text)]
        removed = list(accumulate(b - a for a, b in gaps))
        self._view = [0] + [b for _, b in gaps]  # text position where each non-space run starts
        self._sq = [0] + [b - r for (_, b), r in zip(gaps, removed, strict=True)]  # its squeezed position
        self._len = len(text) - (removed[-1] if removed else 0)

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, k: int) -> int:
        r = bisect_right(self._sq, k) - 1
        return self._view[r] + (k - self._sq[r])

    def squeezed_pos(self, pos: int) -> int | None:
        """Squeezed position of text position ``pos``, or None when ``pos`` is whitespace."""
        r = bisect_right(self._view, pos) - 1
        k = self._sq[r] + (pos - self._view[r])
        nxt = self._sq[r + 1] if r + 1 < len(self._sq) else self._len
        return k if k < nxt else None


def squeeze(text: str) -> tuple[str, SqueezedIndex]:
    """The text without whitespace, and the index mapping its positions back."""
    return _SPACE.sub("", text), SqueezedIndex(text)


__all__ = ["SqueezedIndex", "squeeze"]
