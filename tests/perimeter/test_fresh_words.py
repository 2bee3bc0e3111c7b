"""Words the pipeline meets for the first time are cheaper to handle, and tokenized exactly as before."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import spacy
from hypothesis import given, settings as hsettings, strategies as st

from edgewise.perimeter.corpus import HELDOUT, generate
from edgewise.perimeter.fresh_words import (
    _first_characters,
    _suffix_width,
    guard_infixes,
    plain,
    search_suffixes_at_the_end,
    skip_affixes_of_plain_words,
)
from edgewise.perimeter.ner import SHIPPED_MODEL, NerModel, register_iob_component

register_iob_component()
_TOKENIZER = spacy.load(SHIPPED_MODEL).tokenizer  # the shipped patterns, unwrapped
_WRAPPED = spacy.load(SHIPPED_MODEL).tokenizer
assert search_suffixes_at_the_end(_WRAPPED) and guard_infixes(_WRAPPED)
skip_affixes_of_plain_words(_WRAPPED)
_LETTERS = [chr(c) for c in range(0x110000) if chr(c).isalpha()]


def _affixes(word: str) -> tuple[object, object, list[object]]:
    return (_TOKENIZER.prefix_search(word), _TOKENIZER.suffix_search(word), list(_TOKENIZER.infix_finditer(word)))


def test_no_affix_pattern_of_the_shipped_tokenizer_matches_any_letter_of_unicode() -> None:
    """The shortcut's premise, on all 131,000-odd letters alone and beside an ASCII letter on either side."""
    assert len(_LETTERS) > 100_000
    for c in _LETTERS:
        assert plain(c) and plain("a" + c + "Z")
        assert _affixes(c) == (None, None, []), repr(c)
        assert _affixes("a" + c + "Z") == (None, None, []), repr(c)


@hsettings(max_examples=300, deadline=None)
@given(word=st.one_of(st.lists(st.sampled_from(_LETTERS), min_size=1, max_size=40).map("".join),
                      st.from_regex(r"[0-9]{1,30}", fullmatch=True)))
def test_no_affix_pattern_matches_a_made_up_plain_word(word: str) -> None:
    assert plain(word)
    assert _affixes(word) == (None, None, [])


def test_words_with_anything_but_letters_are_not_plain() -> None:
    """Punctuation, units after numbers and other digits keep going through the patterns."""
    for word in ["Riley,", "5km", "km²", "²", "٣", "O'Neil", "e-mail", "a.b", "x_y", "", " "]:
        assert not plain(word)
    assert _TOKENIZER.suffix_search("5km") is not None  # why mixed letters and digits are excluded


_PIECES = ["Anna", "5", "km", ",", ".", "-", "'s", " ", "\n", "@", "x.com", "Łódź", "²", "(", ")", "US$", "...", "ﬁ",
           "ǅ", "3rd", "née", "اكواب", "km/h", "……", "°C", "!", "»", ":", "a1b2:c3d4"]


@hsettings(max_examples=200, deadline=None)
@given(text=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=120)
       | st.lists(st.sampled_from(_PIECES), max_size=30).map("".join))
def test_the_wrapped_tokenizer_splits_text_exactly_as_spacy_does(text: str) -> None:
    assert [(t.text, t.idx) for t in _WRAPPED(text)] == [(t.text, t.idx) for t in _TOKENIZER(text)]


def test_the_node_tokenizes_held_out_text_as_spacy_does_and_still_saves_its_patterns(tmp_path: Path) -> None:
    model = NerModel()
    for s in generate(HELDOUT, 500, seed=7):
        assert [(t.text, t.idx) for t in model._nlp.make_doc(s.text)] == [(t.text, t.idx) for t in _TOKENIZER(s.text)]
    model._nlp.tokenizer.to_disk(tmp_path / "tokenizer")  # spaCy reads the patterns back from the wrappers
    again = spacy.blank("xx").tokenizer.from_disk(tmp_path / "tokenizer")
    assert again.suffix_search.__self__.pattern == _TOKENIZER.suffix_search.__self__.pattern


def _span(match: object) -> tuple[int, int] | None:
    return None if match is None else match.span()  # type: ignore[attr-defined]


@hsettings(max_examples=400, deadline=None)
@given(word=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
       | st.lists(st.sampled_from(_PIECES), max_size=12).map("".join))
def test_the_suffix_search_from_near_the_end_finds_what_the_full_search_finds(word: str) -> None:
    assert _span(_WRAPPED.suffix_search(word)) == _span(_TOKENIZER.suffix_search(word))


@pytest.mark.parametrize("word", ["5اكواب", "x5اكواب", "xx5اكواب\n", "ab.....\n", "5km/h", "a" * 30 + ".....", "...",
                                  "..\n", "x.\n", "5km\n", "a.." + "b" * 20 + "..", "……", "", ".", "(" * 12 + ")" * 12])
def test_the_widest_and_the_unbounded_suffixes_are_found_from_near_the_end(word: str) -> None:
    """The shipped patterns' widest suffix is a five-letter unit after a digit; runs of periods have no bound."""
    assert _span(_WRAPPED.suffix_search(word)) == _span(_TOKENIZER.suffix_search(word))
    pattern = _TOKENIZER.suffix_search.__self__
    assert _suffix_width(pattern.pattern, pattern.flags) == 5


def test_a_suffix_pattern_of_another_shape_is_left_alone() -> None:
    assert _suffix_width(r"a+$|b$", 0) is None  # unbounded, and not a run of periods
    assert _suffix_width(r"ab|c$", 0) is None  # an alternative not anchored at the end
    tokenizer = spacy.blank("en").tokenizer
    tokenizer.suffix_search = re.compile(r"x+$").search
    assert not search_suffixes_at_the_end(tokenizer) and tokenizer.suffix_search.__self__.pattern == r"x+$"


def _infixes(tokenizer: object, word: str) -> list[tuple[int, int]]:
    return [m.span() for m in tokenizer.infix_finditer(word)]  # type: ignore[attr-defined]


_ASCII = [chr(c) for c in range(128)]


@hsettings(max_examples=400, deadline=None)
@given(word=st.lists(st.sampled_from(_ASCII), max_size=40).map("".join)
       | st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)
       | st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30))
def test_the_guarded_infix_search_finds_what_the_full_search_finds(word: str) -> None:
    assert _infixes(_WRAPPED, word) == _infixes(_TOKENIZER, word)


def test_every_ascii_character_between_letters_and_digits_splits_as_before() -> None:
    """Each ASCII character where the infix patterns look: between letters, digits, and a mix."""
    for c in _ASCII:
        for word in (f"ab{c}cd", f"12{c}34", f"a1{c}B2", f"{c}x", f"x{c}", f"{c}{c}{c}", f"Ab{c}{c}cD"):
            assert _infixes(_WRAPPED, word) == _infixes(_TOKENIZER, word), repr(word)


def test_first_characters_are_read_from_the_pattern_or_not_at_all() -> None:
    from re import _parser as sre_parser

    def first(pattern: str) -> list[tuple[int, int]] | None:
        ranges = _first_characters(list(sre_parser.parse(pattern)))
        return None if ranges is None else sorted(ranges)

    assert first(r"(?<=[0-9])[+\-](?=[0-9])|\.\.+|x(?:y|z)") == [(43, 43), (45, 45), (46, 46), (120, 120)]
    assert first(r"(?:ab|c)d") == [(97, 97), (99, 99)]
    assert first(r"[a-f]") == [(97, 102)]
    assert first(r"[^a]") is None and first(r"\w") is None and first(r"a?b") is None and first(r"$") is None
