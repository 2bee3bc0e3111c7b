"""The recognizers' patterns that are written for speed match exactly what their plain forms match."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from edgewise.perimeter import recognizers as r
from edgewise.perimeter.corpus import HELDOUT, generate
from edgewise.perimeter.squeezed import squeeze
from edgewise.perimeter.validators import iban_lengths, iban_ok

_I = re.IGNORECASE
#: The patterns as first written: the lookbehind first, no lookahead on the first character, no possessive part.
PLAIN = {
    "_URL": re.compile(r"\b(?:(?:https?|ftp|file)://|www\.)[^\s<>\"'`]{2,2048}", _I),
    "_IPV4": re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d]|\.\d)"),
    "_CARD": re.compile(rf"(?<!\d)\d(?:{r._SEP}\d){{11,22}}(?!\d)"),
    "_SSN": re.compile(r"(?<![\d-])\d{3}([- .])\d{2}\1\d{4}(?![\d-])"),
    "_PHONE": re.compile(
        r"(?<![\w+])(?:\+|00)?\(?\d[\d \t().\-/]{4,24}\d(?:\s{0,2}(?:x|ext\.?|#)\s{0,2}\d{1,6})?(?![\w])", _I),
    "_DOB_CONTEXT": re.compile(
        r"born|birth|\bdob(?![a-z])|d\.o\.b|geb\.|geboren|\bn[ée]e?(?![a-z])|nacid|nasc|urodz|f[öo]dd|naissance", _I),
    "_DATE": re.compile(
        rf"(?<!\d)(?:\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}|\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}"
        rf"|{r._MONTHS} \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}|\d{{1,2}}(?:st|nd|rd|th)?\.? {r._MONTHS},? \d{{4}})(?!\d)", _I),
    "_EMAIL_SPACED": re.compile(
        r"(?<![\w.+%-])[\w.+%-]{1,64}\s{0,3}(?:@|[\[\(\{]\s?at\s?[\]\)\}])\s{0,3}[\w-]{1,63}"
        r"(?:\s{0,3}(?:\.|[\[\(\{]\s?dot\s?[\]\)\}])\s{0,3}[\w-]{1,63}){0,7}"
        r"\s{0,3}(?:\.|[\[\(\{]\s?dot\s?[\]\)\}])\s{0,3}[a-z]{2,24}(?![\w-])", _I),
}
PIECES = ["0", "1", "7", "9", "12", "255", ".", "-", "/", " ", "  ", "\t", "\n", "(", ")", "+", "00", "#", "x", "ext",
          ":", "@", "_", "%", "a", "B", "é", "ſ", "\u212a", "٣", "[at]", "(dot)", " at ", ".com", "http://", "WWW.",
          "ftp://", "born", "DOB", "née", "nasc", "urodz", "född", "geb.", "ssn", "Jan", "sept", "ſep", "st", "nd", ", "]


def spans(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], tuple[str | None, ...]]]:
    return [(m.span(), m.groups()) for m in pattern.finditer(text)]


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_the_fast_pattern_matches_like_the_plain_one_on_the_corpus(name: str) -> None:
    texts = [s.text for s in generate(HELDOUT, 300, seed=1)]
    for text in texts + [squeeze(t)[0] for t in texts]:
        assert spans(getattr(r, name), text) == spans(PLAIN[name], text)


@pytest.mark.parametrize("name", sorted(PLAIN))
@hsettings(max_examples=400, deadline=None)
@given(parts=st.lists(st.sampled_from(PIECES), max_size=30))
def test_the_fast_pattern_matches_like_the_plain_one_on_made_up_text(name: str, parts: list[str]) -> None:
    text = "".join(parts)
    assert spans(getattr(r, name), text) == spans(PLAIN[name], text)


HINTED = {"_IPV6": "_IPV6_HINT", "_MAC": "_MAC_HINT"}

_PLAIN_IBAN_HEAD = re.compile(r"(?<![a-z0-9])[a-z]{2}\d{2}", _I)
_PLAIN_IBAN_LIKE = re.compile(r"(?<![a-z0-9])[a-z]{2}\d{2}[\s\w]", _I)
_HEAD_PIECES = ["a", "B", "é", "ſ", "\u212a", "1", "23", "٣", "GB82", "de44", "x", " ", "-", "\n", "_", "ab1", "AB12CD34"]


@hsettings(max_examples=1500, deadline=None)
@given(parts=st.lists(st.sampled_from(_HEAD_PIECES), max_size=25))
def test_iban_heads_found_from_their_digits_are_the_plain_scan(parts: list[str]) -> None:
    from edgewise.perimeter.detector import _IBAN_LIKE

    text = "".join(parts)
    assert list(r.iban_heads(text)) == [m.start() for m in _PLAIN_IBAN_HEAD.finditer(text)]
    assert (_IBAN_LIKE.search(text) is None) == (_PLAIN_IBAN_LIKE.search(text) is None)


def test_iban_heads_found_from_their_digits_are_the_plain_scan_on_the_corpus() -> None:
    for text in [s.text for s in generate(HELDOUT, 300, seed=2)]:
        assert list(r.iban_heads(text)) == [m.start() for m in _PLAIN_IBAN_HEAD.finditer(text)], text


@pytest.mark.parametrize("name", sorted(HINTED))
@hsettings(max_examples=400, deadline=None)
@given(parts=st.lists(st.sampled_from([*PIECES, "a", "f", "F", "ab", "0a", "::", "-", "."]), max_size=40))
def test_every_match_holds_the_hint_that_lets_a_text_skip_the_pattern(name: str, parts: list[str]) -> None:
    pattern, hint = getattr(r, name), getattr(r, HINTED[name])
    for m in pattern.finditer("".join(parts)):
        assert hint.search(m.group(0)), m.group(0)


@pytest.mark.parametrize(("text", "types"), [
    ("fe80::1%eth0 up", ["IP_ADDRESS"]), ("2001:db8::8a2e:370:7334", ["IP_ADDRESS"]), ("::1", ["IP_ADDRESS"]),
    ("00-1B-44-11-3A-B7", ["MAC_ADDRESS"]), ("00:1b:44:11:3a:b7", ["MAC_ADDRESS"]), ("001b.4411.3ab7", ["MAC_ADDRESS"]),
    ("at 10:45 on 2024-05-12", []), ("no colons here", []),
])
def test_the_hinted_recognizers_find_what_the_unhinted_scans_find(
    text: str, types: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    hinted = list(r.ip_addresses(text)) + list(r.mac_addresses(text))
    assert [f.type for f in hinted] == types
    monkeypatch.setattr(r, "_IPV6_HINT", re.compile(""))  # found in every text: the scans always run
    monkeypatch.setattr(r, "_MAC_HINT", re.compile(""))
    assert list(r.ip_addresses(text)) + list(r.mac_addresses(text)) == hinted


_IBAN_CHARS = [*"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", "ſ", "K", "é", "٣", "²", " "]


@hsettings(max_examples=3000, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(_IBAN_CHARS), max_size=40) | st.builds(
    lambda iban, tail: iban + tail, st.sampled_from(["GB82WEST12345698765432", "DE89370400440532013000",
                                                    "FR1420041010050500013M02606", "NO9386011117947"]),
    st.text(alphabet=st.sampled_from(_IBAN_CHARS[:36]), max_size=12)))
def test_iban_lengths_are_the_prefixes_that_the_plain_check_accepts(text: str) -> None:
    assert iban_lengths(text) == [n for n in range(min(34, len(text)), 14, -1) if _plain_iban_ok(text[:n])]
    assert iban_ok(text) == _plain_iban_ok(text)


def _plain_iban_ok(compact: str) -> bool:
    """ISO 13616 as written: move the head to the end, letters to numbers (A=10), the whole number mod 97 is 1."""
    if not 15 <= len(compact) <= 34 or not compact[:2].isalpha() or not compact[2:4].isdigit():
        return False
    try:
        return int("".join(str(int(c, 36)) for c in compact[4:] + compact[:4])) % 97 == 1
    except ValueError:
        return False


_EMAIL_PIECES = ["a", "b7", "é", "_", ".", "+", "%", "-", "@", "@", "x.co", ".org", " ", ",", "(", "a" * 30, "b" * 40, "\n"]
# what the obfuscated pattern also takes: a spelled-out "at" and "dot" in brackets, spaces around them
_SPACED_PIECES = [*_EMAIL_PIECES, "[at]", "(at)", "{ AT }", "[ at]", "(dot)", "[dot]", "  ", "\t", "\u2003", "(", "]", "at"]


@hsettings(max_examples=1500, deadline=None)
@given(parts=st.lists(st.sampled_from(_EMAIL_PIECES), max_size=25))
def test_emails_found_from_each_at_are_the_pattern_scan(parts: list[str]) -> None:
    text = "".join(parts)
    assert [m.span() for m in r.plain_emails(text)] == [m.span() for m in r._EMAIL.finditer(text)]


@hsettings(max_examples=1500, deadline=None)
@given(parts=st.lists(st.sampled_from(_SPACED_PIECES), max_size=25))
def test_obfuscated_emails_found_from_each_at_are_the_pattern_scan(parts: list[str]) -> None:
    text = "".join(parts)
    assert [m.span() for m in r.spaced_emails(text)] == [m.span() for m in r._EMAIL_SPACED.finditer(text)]


_IPV6_PIECES = [":", "::", "1", "ab", "FFFF", "0db8", "12345", "g", "x", "_", ".", "%eth0", "%", "1.2.3.4", "10.0.0", " ",
                "é", "-", "\n", "fe80", "abcde"]


@hsettings(max_examples=1500, deadline=None)
@given(parts=st.lists(st.sampled_from(_IPV6_PIECES), max_size=25))
def test_ipv6_addresses_found_from_each_colon_are_the_pattern_scan(parts: list[str]) -> None:
    text = "".join(parts)
    assert [m.span() for m in r.ipv6_candidates(text)] == [m.span() for m in r._IPV6.finditer(text)]


def test_the_hex_digits_are_what_the_pattern_takes_ignoring_case() -> None:
    """``recognizers._HEX`` is the class ``[0-9a-f]`` under ``re.IGNORECASE``, over all of Unicode."""
    pattern = re.compile("[0-9a-f]", re.IGNORECASE)
    assert {chr(c) for c in range(0x110000) if pattern.fullmatch(chr(c))} == r._HEX


def test_emails_found_from_each_at_are_the_pattern_scan_on_the_corpus() -> None:
    texts = [s.text for s in generate(HELDOUT, 400, seed=5)]
    texts += ["x" * 64 + "@ex.com", "x" * 65 + "@ex.com", "a@b.co@c.org d@e.fr", "a@b.cd.e@f.org", "@@a@b.org"]
    texts += ["x" * 64 + " [at] ex . com", "x" * 65 + " @ ex.com", "a   @ b.org", "a    @ b.org", "a [at] b [dot] org"]
    for text in texts:
        assert [m.span() for m in r.plain_emails(text)] == [m.span() for m in r._EMAIL.finditer(text)], text
        assert [m.span() for m in r.spaced_emails(text)] == [m.span() for m in r._EMAIL_SPACED.finditer(text)], text
        assert [m.span() for m in r.ipv6_candidates(text)] == [m.span() for m in r._IPV6.finditer(text)], text
