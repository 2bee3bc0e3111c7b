"""Consistent placeholders within one request: the same value always gets the same ``<TYPE_n>``."""

from __future__ import annotations

import re

from edgewise.perimeter.normalize import normalize

#: How a placeholder looks on the way back (tolerates a model that drops or spaces the brackets).
PLACEHOLDER_RE = re.compile(r"<\s?([A-Z][A-Z0-9_]*?_\d+)\s?>")
#: Every ``<...>`` without inner angle brackets: a superset of the placeholders an input already holds.
_BRACKETED = re.compile(r"<[^<>]*>")
#: What the key of a value drops: anything but letters, digits (``str.isalnum``, as ``\w`` less ``_``) and ``@``.
_NOT_KEY = re.compile(r"[^\w@]|_")


def _key(type_: str, value: str) -> tuple[str, str]:
    # ASCII is its own normalized view: skip building one (a redaction asks for a key per entity)
    view = value if value.isascii() else normalize(value).text
    return type_, _NOT_KEY.sub("", view.casefold())


class PlaceholderAllocator:
    """Numbers placeholders per type; never reuses a placeholder string already present in the input."""

    def __init__(self, *avoid_in: str) -> None:
        # One pass over the inputs, then set lookups: scanning the whole text for every new placeholder
        # made redaction quadratic (thousands of entities in 100 KB). A candidate ``<TYPE_n>`` has no inner
        # angle bracket, so it occurs in a text exactly when it is one of these bracketed substrings.
        self._taken = {m.group(0) for text in avoid_in for m in _BRACKETED.finditer(text)}
        self._by_key: dict[tuple[str, str], str] = {}
        self._next: dict[str, int] = {}
        self.mapping: dict[str, str] = {}

    def placeholder(self, type_: str, value: str) -> str:
        key = _key(type_, value)
        found = self._by_key.get(key)
        if found is not None:
            return found
        n = self._next.get(type_, 1)
        while f"<{type_}_{n}>" in self._taken:
            n += 1
        self._next[type_] = n + 1
        ph = f"<{type_}_{n}>"
        self._by_key[key] = ph
        self.mapping[ph] = value
        return ph


def reidentify_text(text: str, mapping: dict[str, str]) -> str:
    """Put the original values back for every placeholder of ``mapping`` found in ``text``."""
    if not mapping:
        return text
    return PLACEHOLDER_RE.sub(lambda m: mapping.get(f"<{m.group(1)}>", m.group(0)), text)


__all__ = ["PLACEHOLDER_RE", "PlaceholderAllocator", "reidentify_text"]
