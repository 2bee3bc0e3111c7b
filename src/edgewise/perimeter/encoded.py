"""Find base64- and URL-encoded fragments inside text and decode them for inspection.

An identifier hidden as ``am9obkBleGFtcGxlLmNvbQ==`` or ``john%40example.com``
is still an identifier. The detector decodes such fragments, runs itself on
the decoded text (bounded depth), and redacts the *whole* encoded fragment if
anything is found inside.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from urllib.parse import unquote_plus

_B64 = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{12,}={0,2}(?![A-Za-z0-9+/_=-])")
_PCT = re.compile(r"[^\s%]{0,256}(?:%[0-9a-fA-F]{2}[^\s%]{0,256}){1,512}")
MAX_FRAGMENT = 1_000_000


def _printable(s: str) -> bool:
    if not s:
        return False
    good = sum(ch.isprintable() or ch in "\n\r\t" for ch in s)
    return good / len(s) >= 0.9


def _b64decode(token: str) -> str | None:
    raw = token.rstrip("=")
    if len(raw) > MAX_FRAGMENT or not any(c.isdigit() or c in "+/_-=" for c in token) and token.isalpha() and token.islower():
        return None
    padded = raw + "=" * (-len(raw) % 4)
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            data = decode(padded.encode())
        except (binascii.Error, ValueError):
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if _printable(text):
            return text
    return None


def encoded_fragments(text: str) -> Iterator[tuple[int, int, str]]:
    """Yield ``(start, end, decoded)`` for each base64 or percent-encoded fragment that decodes to text."""
    for m in _B64.finditer(text):
        decoded = _b64decode(m.group(0))
        if decoded is not None:
            yield m.start(), m.end(), decoded
    if "%" in text:
        for m in _PCT.finditer(text):
            decoded = unquote_plus(m.group(0))
            if decoded != m.group(0):
                yield m.start(), m.end(), decoded


__all__ = ["encoded_fragments"]
