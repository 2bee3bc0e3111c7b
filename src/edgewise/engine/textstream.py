"""Incremental detokenization with stop strings.

Tokens arrive one at a time as bytes that may split a UTF-8 character, and a
stop string may span several tokens. :class:`TextStream` emits only text that
can no longer become part of a stop string, and reports when one matched.
"""

from __future__ import annotations

import codecs


class TextStream:
    def __init__(self, stop: tuple[str, ...]) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._stop = tuple(s for s in stop if s)
        self._held = ""
        self.stopped = False

    def _safe_len(self, text: str) -> int:
        """Length of the prefix of ``text`` that cannot start a stop string."""
        keep = 0
        for s in self._stop:
            for k in range(min(len(s) - 1, len(text)), 0, -1):
                if text.endswith(s[:k]):
                    keep = max(keep, k)
                    break
        return len(text) - keep

    def push(self, data: bytes) -> str:
        """Add a token's bytes; return the text that is safe to emit now."""
        if self.stopped:
            return ""
        text = self._held + self._decoder.decode(data)
        if self._stop:
            cut = min((i for i in (text.find(s) for s in self._stop) if i >= 0), default=-1)
            if cut >= 0:
                self.stopped = True
                self._held = ""
                return text[:cut]
        n = self._safe_len(text) if self._stop else len(text)
        self._held = text[n:]
        return text[:n]

    def flush(self) -> str:
        """End of generation: release what was held back (it did not become a stop string)."""
        if self.stopped:
            return ""
        text = self._held + self._decoder.decode(b"", final=True)
        self._held = ""
        return text


__all__ = ["TextStream"]
