"""Structured recognizers validate what they report; the detector is total, bounded and fails closed."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from edgewise.perimeter import detector as detector_module
from edgewise.perimeter.corpus import HELDOUT, generate
from edgewise.perimeter.corpus.scoring import score
from edgewise.perimeter.detector import PiiDetector, stand_ins
from edgewise.perimeter.errors import DetectionFailed
from edgewise.perimeter.findings import PRIORITY_MODEL, PRIORITY_PATTERN, Finding
from edgewise.perimeter.ner import NerModel
from edgewise.perimeter.recognizers import deny_list_recognizer, email_could_hold, emails, pattern_recognizer
from edgewise.perimeter.settings import CustomPattern, PerimeterSettings


def types_in(detector: PiiDetector, text: str) -> list[tuple[str, str]]:
    return [(e.type, e.value) for e in detector.detect(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail JANE.Roe+x@Example.co.uk now", ("EMAIL", "JANE.Roe+x@Example.co.uk")),
        ("call +44 20 7946 0958", ("PHONE", "+44 20 7946 0958")),
        ("call (020) 7946-0958 ext. 12", ("PHONE", "(020) 7946-0958 ext. 12")),
        ("call 030 12345678", ("PHONE", "030 12345678")),
        ("card 4111-1111-1111-1111", ("CREDIT_CARD", "4111-1111-1111-1111")),
        ("amex 3782 822463 10005", ("CREDIT_CARD", "3782 822463 10005")),
        ("iban GB82 WEST 1234 5698 7654 32 please", ("IBAN", "GB82 WEST 1234 5698 7654 32")),
        ("ssn 078-05-1120", ("US_SSN", "078-05-1120")),
        ("from 10.0.0.254 ok", ("IP_ADDRESS", "10.0.0.254")),
        ("from 2001:db8::8a2e:370:7334 ok", ("IP_ADDRESS", "2001:db8::8a2e:370:7334")),
        ("mac 00-1B-44-11-3A-B7", ("MAC_ADDRESS", "00-1B-44-11-3A-B7")),
        ("see https://wiki.example.org/a/b?c=d.", ("URL", "https://wiki.example.org/a/b?c=d")),
        ("DOB: 1984-03-12", ("DATE_OF_BIRTH", "1984-03-12")),
        ("born on March 3, 1971", ("DATE_OF_BIRTH", "March 3, 1971")),
    ],
)
def test_structured_identifiers_are_found(structured_detector: PiiDetector, text: str, expected: tuple[str, str]) -> None:
    assert expected in types_in(structured_detector, text)


@pytest.mark.parametrize(
    ("text", "not_type"),
    [
        ("card 4111 1111 1111 1112", "CREDIT_CARD"),  # Luhn fails
        ("iban DE89 3704 0044 0532 0130 01", "IBAN"),  # mod-97 fails
        ("ssn 666-12-3456", "US_SSN"),  # area 666 never issued
        ("ssn 123-00-4567", "US_SSN"),  # group 00 never issued
        ("version 1.2.3.400", "IP_ADDRESS"),  # 400 is not an octet
        ("meeting on 2024-05-01", "DATE_OF_BIRTH"),  # a date, not a birth date
        ("batch 2291 at 14:02, 1200 rpm", "PHONE"),
    ],
)
def test_invalid_or_ordinary_values_are_not_reported(structured_detector: PiiDetector, text: str, not_type: str) -> None:
    assert not_type not in [t for t, _ in types_in(structured_detector, text)]


def test_custom_patterns_and_deny_list() -> None:
    ps = PerimeterSettings(ner=False, custom_patterns=[CustomPattern(name="EMPLOYEE_ID", regex=r"EMP-\d{6}")],
                           deny_list=["Project Falcon"])
    det = PiiDetector.from_settings(ps)
    found = types_in(det, "EMP-123456 works on project falcon")
    assert ("EMPLOYEE_ID", "EMP-123456") in found and ("DENY_LIST", "project falcon") in found


def test_custom_pattern_with_bad_regex_is_a_config_error() -> None:
    with pytest.raises(ValueError, match="invalid regular expression"):
        CustomPattern(name="BAD", regex="(")


def test_recognizer_factories() -> None:
    assert deny_list_recognizer(["", "  "]) is None
    rec = pattern_recognizer("X", r"ab+c")
    assert [(f.start, f.end) for f in rec("zz abbc")] == [(3, 7)]


@given(st.text(max_size=400))
@hsettings(max_examples=200, deadline=None)
def test_detection_is_total_and_spans_are_sane(structured_detector: PiiDetector, text: str) -> None:
    entities = structured_detector.detect(text)
    last_end = 0
    for e in entities:
        assert 0 <= last_end <= e.start < e.end <= len(text)
        assert text[e.start : e.end] == e.value
        last_end = e.end


def test_too_long_input_is_refused_not_truncated() -> None:
    det = PiiDetector(ner=None, max_input_chars=1000)
    with pytest.raises(DetectionFailed, match="exceeds"):
        det.detect("x" * 1001)


def test_timeout_fails_closed(structured_detector: PiiDetector) -> None:
    with pytest.raises(DetectionFailed, match="timed out"):
        structured_detector.detect("mail a@b.org " * 1000, timeout_s=0.0)


def test_time_grows_linearly_on_hostile_input(structured_detector: PiiDetector) -> None:
    """Pathological shapes (long digit runs, endless base64, repeated separators) stay roughly linear."""
    unit = "1-" * 50 + "A" * 60 + "%41" * 20 + " a@" + "." * 40 + "\u200b" * 10 + "\n"
    def run(n: int) -> float:
        text = unit * n
        t0 = time.perf_counter()
        structured_detector.detect(text)
        return time.perf_counter() - t0

    small, big = run(50), run(500)
    assert big < small * 10 * 4 + 0.5  # 10x the input, allow 4x slack for noise on a shared machine


def test_the_shipped_model_finds_names_on_held_out_text(detector: PiiDetector) -> None:
    samples = generate(HELDOUT, 150, seed=11)
    s = score(samples, lambda t: [(e.start, e.end, e.type) for e in detector.detect(t)], {"PERSON"})
    assert s.per_type()["PERSON"]["recall"] >= 0.6


SPLIT_CASES = [
    "write to: anna.kowalska@exam ple.com, today",  # broken inside the domain: only the squeezed pass sees it
    "write to anna.kowalska@example.com today",  # found by the normal pass: nothing to search again
    "write to anna [ a t ] example [dot] com today",  # a spelled-out "at" that whitespace breaks up
    "Wire to GB82 WEST\n1234 5698 7654 32 now",  # an IBAN broken by a line break
    "Wire to GB82WEST12345698765432 now, cc a@b.co",  # both kinds found by the normal pass
    "ab12 and cd34 x@y",  # IBAN heads and an @ that are no identifiers
    " ".join(f"10.0.0.{i}" for i in range(80)) + " mail bob@example.org and bob@exam ple.org",  # > 64 validated
    "sensor AE:39:ED:06:B1:C3 @ 23.0.239.201 offline",  # a lone @: no e-mail can hold it, squeezed or not
    "mail bob @ example . org or bob @ exa mple . org",  # spaced e-mails: the squeezed pass runs
    "Konto ab12ßßßßßßßßßßß und DE89 3704 0044\n0532 0130 00",  # upper-cased ß grows; a split IBAN
]


@pytest.mark.parametrize("text", SPLIT_CASES + [s.text for s in generate(HELDOUT, 150, seed=21)])
def test_skipping_the_squeezed_pass_changes_no_finding(
    structured_detector: PiiDetector, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    """The squeezed pass is skipped when all it could add is already covered; forced, it finds nothing more."""
    skipped = structured_detector.detect(text)
    monkeypatch.setattr(detector_module, "_loose", lambda positions, *_: list(positions))
    monkeypatch.setattr(detector_module, "email_could_hold", lambda *_: True)
    monkeypatch.setattr(detector_module, "iban_could_start", lambda *_: True)
    monkeypatch.setattr(detector_module, "_IBAN_LIKE", re.compile(""))
    assert structured_detector.detect(text) == skipped


def test_the_squeezed_pass_runs_only_when_it_can_add_something(
    structured_detector: PiiDetector, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = detector_module.squeeze
    monkeypatch.setattr(detector_module, "squeeze", lambda t: calls.append(t) or real(t))
    assert types_in(structured_detector, SPLIT_CASES[1]) == [("EMAIL", "anna.kowalska@example.com")]
    assert types_in(structured_detector, SPLIT_CASES[4])[0][0] == "IBAN"
    assert calls == []
    assert ("EMAIL", "anna.kowalska@exam ple.com") in types_in(structured_detector, SPLIT_CASES[0])
    assert ("IBAN", "GB82 WEST\n1234 5698 7654 32") in types_in(structured_detector, SPLIT_CASES[3])
    assert len(calls) == 2
    assert types_in(structured_detector, SPLIT_CASES[7])[0][0] == "MAC_ADDRESS"
    assert len(calls) == 3  # squeezed once to look around the lone @, then no search
    assert [t for t, _ in types_in(structured_detector, SPLIT_CASES[2])] == ["EMAIL"]  # "[ a t ]" with no @ at all


@hsettings(max_examples=300, deadline=None)
@given(text=st.lists(st.sampled_from(["a", "b.", "x-y", "@", "[at]", "(dot)", ".", "com", "org", "1", "_", ":", "+",
                                      "é", "ß", "%"]), max_size=25).map("".join))
def test_an_email_of_squeezed_text_holds_an_at_that_could_hold_it(text: str) -> None:
    """The cheap test that lets the squeezed pass skip a lone @ never turns away one that an e-mail holds."""
    for f in emails(text):
        for at in (i for i in range(f.start, f.end) if text[i] == "@"):
            assert email_could_hold(text, at)


def _char_class(c: str) -> str:
    if c.isascii() and c.isalpha():
        return "X" if c.isupper() else "x"
    return "0" if c.isascii() and c.isdigit() else c


@hsettings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80), cuts=st.lists(st.tuples(st.integers(0, 80), st.integers(0, 80), st.booleans()),
                                                max_size=6))
def test_stand_ins_keep_length_and_classes_and_touch_only_recognized_spans(
        text: str, cuts: list[tuple[int, int, bool]]) -> None:
    found = [Finding(min(a, b), max(a, b), "T", PRIORITY_MODEL if by_model else PRIORITY_PATTERN)
             for a, b, by_model in cuts]
    inside = {i for f in found if f.priority > PRIORITY_MODEL for i in range(f.start, min(f.end, len(text)))}
    shown = stand_ins(text, found)
    assert len(shown) == len(text)
    for i, (was, now) in enumerate(zip(text, shown, strict=True)):
        assert now == (_char_class(was) if i in inside else was)


def test_identifiers_never_reach_the_model_but_names_beside_them_are_found() -> None:
    """The NER model is shown stand-ins for what the recognizers found: those identifiers are never tokenized,
    so spaCy's vocabulary (kept for the life of the process) holds none of them; the names are still found."""
    det = PiiDetector(ner=NerModel(), timeout_s=30)
    text = "Please ask Margaret Thornbury (zq.thornbury77@example.org, +44 20 7946 0958) about GB82WEST12345698765432."
    strings = det.ner._nlp.vocab.strings  # type: ignore[union-attr]
    kept_out = ("zq.thornbury77@example.org", "zq.thornbury77@example.org,", "0958)", "GB82WEST12345698765432.",
                "GB82WEST12345698765432")
    assert not any(s in strings for s in (*kept_out, "Thornbury"))
    found = {(e.type, e.value) for e in det.detect(text)}
    assert {("PERSON", "Margaret Thornbury"), ("EMAIL", "zq.thornbury77@example.org"), ("PHONE", "+44 20 7946 0958"),
            ("IBAN", "GB82WEST12345698765432")} <= found
    assert "Thornbury" in strings  # the model did see the name
    assert not any(s in strings for s in kept_out)
