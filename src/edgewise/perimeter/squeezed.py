"""A text with its whitespace removed, and the map between positions of the two.

Identifiers broken by line breaks or odd spacing (IBANs, e-mail addresses) are
searched on the squeezed copy; a match is mapped back to the original text to
be redacted there. Kept apart from the recognizers and the detector, which both use it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate
from operator import add

_SPACE = re.compile(r"\s+")


class SqueezedIndex:
    """Positions of the whitespace-free copy of a text mapped back to the text, one entry per whitespace run.

    ``index[k]`` is the text position of squeezed character ``k`` (what a list of every kept position
    gave before, without allocating one integer per character of a 100 KB input).
    """

    def __init__(self, text: str) -> None:
        # From the non-space runs and the whitespace runs, with C-level loops only: building the lists
        # match by match in Python took longer than the two regex scans.
        runs = _SPACE.split(text)  # the non-space runs, an empty one at an edge that is whitespace
        self.squeezed = "".join(runs)
        self._sq = [0, *accumulate(map(len, runs[:-1]))]  # squeezed position where each run starts
        removed = accumulate(map(len, _SPACE.findall(text)))  # whitespace before each run but the first
        self._view: list[int] = [0, *map(add, self._sq[1:], removed)]  # text position where each run starts
        self._len = len(self.squeezed)

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
    index = SqueezedIndex(text)
    return index.squeezed, index


__all__ = ["SqueezedIndex", "squeeze"]
