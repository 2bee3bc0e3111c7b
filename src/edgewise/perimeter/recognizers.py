"""Structured identifiers: regular expressions plus a validator where one exists.

All patterns are linear-time (no nested unbounded repetition), so a hostile
100 MB input costs time proportional to its size, never exponential.
Recognizers run on the normalized view (``normalize.py``); digits may be split
by spaces, dots, dashes, slashes or line breaks, matching is case-insensitive.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from edgewise.perimeter.findings import PRIORITY_PATTERN, PRIORITY_VALIDATED, Finding
from edgewise.perimeter.squeezed import SqueezedIndex
from edgewise.perimeter.validators import card_prefix_ok, digits_of, iban_lengths, ip_ok, luhn_ok, ssn_ok

Recognizer = Callable[[str], Iterator[Finding]]

_I = re.IGNORECASE

# Speed, not meaning: the regex engine tries a pattern at every position of the text unless the pattern
# begins with a character class, which it then scans for in C. So the digit patterns below begin with the
# digit itself and check what precedes it with a lookbehind that includes that digit (``\d(?<![\d.]\d)``
# is ``(?<![\d.])\d``), and patterns that begin otherwise start with a lookahead on their possible first
# characters, which rejects most positions in one test. Each matches exactly what it matched before.

# What follows the @ of an e-mail address, plain and obfuscated (spaces around '@' and '.', "(dot)" spelled out).
_DOMAIN = r"[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}\.[a-z]{2,24}(?![\w-])"
_SPACED_DOMAIN = (r"\s{0,3}[\w-]{1,63}(?:\s{0,3}(?:\.|[\[\(\{]\s?dot\s?[\]\)\}])\s{0,3}[\w-]{1,63}){0,7}"
                  r"\s{0,3}(?:\.|[\[\(\{]\s?dot\s?[\]\)\}])\s{0,3}[a-z]{2,24}(?![\w-])")
_EMAIL = re.compile(rf"(?<![\w.+%-])[\w.+%-]{{1,64}}@{_DOMAIN}", _I)
# Obfuscated: spaces around '@' and '.', or "[at]" / "(dot)" spelled out in brackets. The local part is
# possessive ("{1,64}+"): what follows it can never match a character of the local part, so giving some
# back could never help, and not trying saves a third of the time.
_EMAIL_SPACED = re.compile(
    rf"(?<![\w.+%-])[\w.+%-]{{1,64}}+\s{{0,3}}(?:@|[\[\(\{{]\s?at\s?[\]\)\}}]){_SPACED_DOMAIN}", _I)
_AFTER_AT = re.compile(rf"(?:{_DOMAIN})|(?:{_SPACED_DOMAIN})", _I)
_LOCAL_CHAR = re.compile(r"[\w.+%-]")
_AT_WORD = re.compile(r"[\[\(\{]\s?at\s?[\]\)\}]", _I)
_URL = re.compile(r"(?=[hfw])\b(?:(?:https?|ftp|file)://|www\.)[^\s<>\"'`]{2,2048}", _I)
_IPV4 = re.compile(r"\d(?<![\d.]\d)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?![\d]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9a-f]{0,4}:){2,7}(?:[0-9a-f]{0,4}|(?:\d{1,3}\.){3}\d{1,3})(?:%\w+)?(?![\w:])", _I)
# Hints: a cheap search (it begins with a literal or a class the engine scans for in C) for a substring
# that every match of a costly pattern holds; a text without it skips that pattern. An IPv6 address starts
# with two colons at most four hex digits apart; a MAC address holds two separators two hex digits apart,
# or two dots four apart. ``tests/perimeter/test_patterns.py`` checks that no match lacks its hint.
_IPV6_HINT = re.compile(r":[0-9a-f]{0,4}:", _I)
_MAC_HINT = re.compile(r"[:-][0-9a-f]{2}[:-]|\.[0-9a-f]{4}\.", _I)
_MAC = re.compile(
    r"(?<![\w:.-])(?:[0-9a-f]{2}([:-])(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4})(?![\w:.-])", _I
)
_SEP = r"[ \t\r\n.\-/_]{0,3}"
_CARD = re.compile(rf"\d(?<!\d\d)(?:{_SEP}\d){{11,22}}(?!\d)")
_IBAN = re.compile(r"(?<![a-z0-9])[a-z]{2}\d{2}(?:[ \t]?[a-z0-9]){11,32}", _I)
_SSN = re.compile(r"\d(?<![\d-]\d)\d{2}([- .])\d{2}\1\d{4}(?![\d-])")
_SSN_COMPACT = re.compile(r"(?:ssn|social security(?: number| no\.?)?|ss#)\W{0,5}(\d{9})(?!\d)", _I)
_PHONE = re.compile(
    r"(?=[+(\d])(?<![\w+])(?:\+|00)?\(?\d[\d \t().\-/]{4,24}\d(?:\s{0,2}(?:x|ext\.?|#)\s{0,2}\d{1,6})?(?![\w])", _I
)
_EXTENSION = re.compile(r"x|ext|#", _I)
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]{0,6}\.?"
_DATE = re.compile(  # starts with a digit or a month's first letter
    rf"(?=[\djfmasond])(?<!\d)(?:\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}|\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}"
    rf"|{_MONTHS} \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}|\d{{1,2}}(?:st|nd|rd|th)?\.? {_MONTHS},? \d{{4}})(?!\d)",
    _I,
)
# Trailing "(?![a-z])" rather than "\b": a keyword glued to the date ("DOB12/05/1990") still counts.
_DOB_CONTEXT = re.compile(
    r"(?=[bdgnuf])(?:born|birth|\bdob(?![a-z])|d\.o\.b|geb\.|geboren|\bn[ée]e?(?![a-z])|nacid|nasc|urodz|f[öo]dd"
    r"|naissance)", _I
)


def emails(text: str) -> Iterator[Finding]:
    if "@" in text:
        for m in plain_emails(text):
            yield Finding(m.start(), m.end(), "EMAIL", PRIORITY_VALIDATED)
    for m in spaced_emails(text):
        yield Finding(m.start(), m.end(), "EMAIL", PRIORITY_PATTERN)


def plain_emails(text: str) -> Iterator[re.Match[str]]:
    """The matches of ``_EMAIL.finditer(text)``, found from each ``@`` back to where its local part starts.

    Why: the pattern must start at a word character, so the engine tried it at every one, each time
    scanning up to 64 characters ahead for an ``@`` (a tenth of the recognizers' time on 1 KB of text).
    A match holds exactly one ``@`` (neither part matches one) and starts where the run of local-part
    characters before it starts (the lookbehind refuses any later start); that run is at most 64 long and
    begins at or after the previous match's end, else there is no match at this ``@``, exactly as for the
    scan. ``tests/perimeter/test_patterns.py`` compares both.
    """
    def starts() -> Iterator[int]:
        for at in occurrences(text, "@"):
            start = _local_part_start(text, at)
            if 0 < at - start <= 64:
                yield start

    return _matches_at(_EMAIL, text, starts())


def spaced_emails(text: str) -> Iterator[re.Match[str]]:
    """The matches of ``_EMAIL_SPACED.finditer(text)``, found from each ``@`` or spelled-out "at".

    Why: as for :func:`plain_emails`, the scan tried the pattern at every word character (a tenth of the
    recognizers' time on 1 KB of text). A match starts where a run of local-part characters starts (the
    lookbehind refuses any later start), takes the whole run (at most 64: the repetition is possessive),
    then at most three whitespace characters, then the ``@`` or the bracketed "at". So each ``@`` or "at"
    gives one possible start, found by walking back; the pattern is then tried there, with the same rule
    as the scan that a match cannot start before the previous one's end. ``tests/perimeter/
    test_patterns.py`` compares both.
    """
    def starts() -> Iterator[int]:
        for at in sorted([*occurrences(text, "@"), *(m.start() for m in _AT_WORD.finditer(text))]):
            run_end = at
            while run_end > 0 and at - run_end < 3 and text[run_end - 1].isspace():
                run_end -= 1
            start = _local_part_start(text, run_end)
            if 0 < run_end - start <= 64:
                yield start

    return _matches_at(_EMAIL_SPACED, text, starts())


def _matches_at(pattern: re.Pattern[str], text: str, starts: Iterator[int]) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)``, tried only at ``starts``: ascending, and holding every position where a
    match can start. As the scan does, a match may not start before the previous one's end."""
    end = 0
    for start in starts:
        if start >= end and (m := pattern.match(text, start)) is not None:
            end = m.end()
            yield m


def _local_part_start(text: str, end: int) -> int:
    """Where the run of local-part characters (``[\\w.+%-]``) that ends at ``end`` starts, looking back 65 at most."""
    start = end
    while start > 0 and end - start <= 64 and (text[start - 1].isalnum() or text[start - 1] in "_.+%-"):
        start -= 1
    return start


def occurrences(text: str, char: str) -> Iterator[int]:
    """Positions of every ``char`` in ``text`` (the ``@`` of e-mails, the colons of IPv6 addresses)."""
    at = text.find(char)
    while at != -1:
        yield at
        at = text.find(char, at + 1)


def email_could_hold(text: str, at: int) -> bool:
    """Could an e-mail match of :func:`emails` hold the ``@`` at ``at``? (A necessary condition, cheap.)

    Both patterns need a local-part character right before the @ (no whitespace there, as in squeezed
    text) and what their domain parts match right after it.
    """
    return at > 0 and _LOCAL_CHAR.match(text, at - 1) is not None and _AFTER_AT.match(text, at + 1) is not None


def urls(text: str) -> Iterator[Finding]:
    for m in _URL.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in ".,;:!?)]}'\"":
            end -= 1
        yield Finding(m.start(), end, "URL", PRIORITY_PATTERN)


def ip_addresses(text: str) -> Iterator[Finding]:
    for m in _IPV4.finditer(text):
        if ip_ok(m.group(0)):
            yield Finding(m.start(), m.end(), "IP_ADDRESS", PRIORITY_VALIDATED)
    if not _IPV6_HINT.search(text):
        return
    for m in ipv6_candidates(text):
        value = m.group(0).split("%")[0]
        if value.count(":") >= 2 and ip_ok(value):
            yield Finding(m.start(), m.end(), "IP_ADDRESS", PRIORITY_VALIDATED)


_HEX = frozenset("0123456789abcdefABCDEF")  # what [0-9a-f] matches ignoring case (no other code point folds into it)


def ipv6_candidates(text: str) -> Iterator[re.Match[str]]:
    """The matches of ``_IPV6.finditer(text)``, found from each colon.

    Why: the pattern begins with a lookbehind, so the scan tried it at every position of the text (a tenth
    of the recognizers' time on 1 KB of text). A match opens with at most four hex digits and a colon, and
    its lookbehind refuses a start after a word character, so it starts at the hex run right before its
    first colon: each colon gives one possible start, found by walking back, where the pattern is tried,
    with the scan's rule that a match cannot start before the previous one's end. ``tests/perimeter/
    test_patterns.py`` compares both.
    """
    def starts() -> Iterator[int]:
        for colon in occurrences(text, ":"):
            start = colon
            while start > 0 and colon - start < 4 and text[start - 1] in _HEX:
                start -= 1
            yield start  # the pattern's lookbehind judges it

    return _matches_at(_IPV6, text, starts())


def mac_addresses(text: str) -> Iterator[Finding]:
    if not _MAC_HINT.search(text):
        return
    for m in _MAC.finditer(text):
        yield Finding(m.start(), m.end(), "MAC_ADDRESS", PRIORITY_VALIDATED)


def _digit_positions(text: str, start: int, end: int) -> list[int]:
    return [i for i in range(start, end) if text[i].isdigit()]


def credit_cards(text: str) -> Iterator[Finding]:
    """Luhn-valid 12-19 digit windows in runs of separated digits; windows start and end at group edges."""
    for m in _CARD.finditer(text):
        pos = _digit_positions(text, m.start(), m.end())
        digits = "".join(text[i] for i in pos)
        edges = {0, len(pos)} | {k for k in range(1, len(pos)) if pos[k] != pos[k - 1] + 1}
        found = _best_card_window(digits, edges)
        if found is not None:
            a, b = found
            yield Finding(pos[a], pos[b - 1] + 1, "CREDIT_CARD", PRIORITY_VALIDATED)


def _best_card_window(digits: str, edges: set[int]) -> tuple[int, int] | None:
    for length in range(min(19, len(digits)), 11, -1):
        for a in sorted(edges):
            if a + length > len(digits) or a + length not in edges:
                continue
            window = digits[a : a + length]
            if luhn_ok(window) and card_prefix_ok(window):
                return a, a + length
    return None


def ibans(text: str) -> Iterator[Finding]:
    """Mod-97-valid IBANs, compact or grouped; trailing words swallowed by the pattern are trimmed off."""
    for m in _IBAN.finditer(text):
        raw = m.group(0)
        keep = [i for i, c in enumerate(raw) if not c.isspace()]
        lengths = iban_lengths("".join(raw[i] for i in keep).upper())
        if lengths:
            yield Finding(m.start(), m.start() + keep[lengths[0] - 1] + 1, "IBAN", PRIORITY_VALIDATED)


def ssns(text: str) -> Iterator[Finding]:
    for m in _SSN.finditer(text):
        if ssn_ok(digits_of(m.group(0))):
            yield Finding(m.start(), m.end(), "US_SSN", PRIORITY_VALIDATED)
    for m in _SSN_COMPACT.finditer(text):
        if ssn_ok(m.group(1)):
            yield Finding(m.start(1), m.end(1), "US_SSN", PRIORITY_VALIDATED)


def phones(text: str) -> Iterator[Finding]:
    """7 to 15 digits with the usual separators, international (+, 00) or national form, optional extension."""
    for m in _PHONE.finditer(text):
        value = m.group(0)
        main = _EXTENSION.split(value, maxsplit=1)[0]
        n = sum(map(str.isdigit, main))
        if 7 <= n <= 15 and not _DATE.fullmatch(value.strip()):
            yield Finding(m.start(), m.end(), "PHONE", PRIORITY_PATTERN)


def dates_of_birth(text: str) -> Iterator[Finding]:
    """A date counts as a date of birth when a birth keyword lies within the 60 characters before it.

    Dates are searched only in the window after each keyword (``[keyword end, keyword start + 60]`` for
    the date's start), not across the whole text: the date pattern is costly per character and most
    text has no birth keyword at all. ``endpos`` leaves room for the longest date form.
    """
    seen: set[tuple[int, int]] = set()
    for k in _DOB_CONTEXT.finditer(text):
        for m in _DATE.finditer(text, k.end(), min(len(text), k.start() + 60 + 40)):
            if m.start() <= k.start() + 60 and (m.start(), m.end()) not in seen:
                seen.add((m.start(), m.end()))
                yield Finding(m.start(), m.end(), "DATE_OF_BIRTH", PRIORITY_VALIDATED)


STRUCTURED: tuple[Recognizer, ...] = (
    emails, urls, ip_addresses, mac_addresses, credit_cards, ibans, ssns, phones, dates_of_birth,
)

#: An IBAN head (two letters, two digits, at the start of a word: ``(?<![a-z0-9])[a-z]{2}\d{2}``), matched by
#: its digits, the head starting two characters before. Why: a pattern that opens with a lookbehind is tried
#: at every position, while one that opens with a digit is tried at the digits only (a third of the time on
#: 1 KB of text). Heads cannot overlap (the lookbehind refuses the next three positions), so both forms find
#: the same heads; ``tests/perimeter/test_patterns.py`` compares them.
IBAN_HEAD_DIGITS = r"\d(?<=(?<![a-z0-9])[a-z]{2}\d)\d"
_IBAN_HEAD_DIGITS = re.compile(IBAN_HEAD_DIGITS, _I)


def iban_heads(text: str) -> Iterator[int]:
    """Where something that looks like the start of an IBAN (two letters, two digits) begins a word."""
    return (m.start() - 2 for m in _IBAN_HEAD_DIGITS.finditer(text))


def iban_could_start(squeezed: str, at: int) -> bool:
    """Could :func:`split_ibans` find an IBAN at squeezed position ``at``? It needs 15 letters or digits
    (counted as it counts them, upper-cased)."""
    compact = squeezed[at : at + 34].upper()
    return len(compact) >= 15 and compact[:15].isalnum()


def split_ibans(text: str, squeezed: str, index: SqueezedIndex) -> Iterator[Finding]:
    """IBANs broken by line breaks or odd spacing, found on the whitespace-squeezed view.

    ``index`` maps squeezed positions to ``text``. Each candidate starts at a
    token of ``text`` that looks like an IBAN head and must end at a token end.
    """
    for head in iban_heads(text):
        s = index.squeezed_pos(head)
        if s is None:
            continue
        compact = squeezed[s : s + 34].upper()
        alnum = len(compact) if compact.isalnum() else next(i for i, c in enumerate(compact) if not c.isalnum())
        for length in iban_lengths(compact[:alnum]):
            end = index[s + length - 1] + 1
            if end >= len(text) or not text[end].isalnum():
                yield Finding(s, s + length, "IBAN", PRIORITY_VALIDATED)
                break


def pattern_recognizer(name: str, regex: str) -> Recognizer:
    compiled = re.compile(regex, _I)

    def find(text: str) -> Iterator[Finding]:
        for m in compiled.finditer(text):
            yield Finding(m.start(), m.end(), name, PRIORITY_VALIDATED)

    return find


def deny_list_recognizer(terms: list[str]) -> Recognizer | None:
    words = sorted({t.strip() for t in terms if t.strip()}, key=len, reverse=True)
    if not words:
        return None
    return pattern_recognizer("DENY_LIST", r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)")


__all__ = [
    "STRUCTURED", "Recognizer", "deny_list_recognizer", "email_could_hold", "emails", "iban_could_start", "iban_heads",
    "pattern_recognizer", "split_ibans",
]
