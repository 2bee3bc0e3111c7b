"""Chunks are tokenized and embedded once; a text's rows are its chunks' rows, exactly as spaCy and the tagger give."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import spacy
from hypothesis import given, settings as hsettings, strategies as st
from spacy.attrs import IDX, LENGTH

from edgewise.perimeter.chunk_cache import SEPARATOR, ChunkCache, _boundary_tokens, chunks, chunkwise
from edgewise.perimeter.corpus import DEV, HELDOUT, generate
from edgewise.perimeter.ner import SHIPPED_MODEL, NerModel, _segments

_MODEL = NerModel()
_TOKENIZER = _MODEL._nlp.tokenizer
_COLUMNS = [*_MODEL._fast.attrs, IDX, LENGTH]
# pieces that exercise the tokenizer: its special cases (emoticons, "a.", whitespace rules), affixes, odd spaces
_PIECES = ["Anna", "5", "km", ",", ".", "-", "'s", " ", "  ", "\n", "\t", "\xa0", "\u2009", "@", "x.com", "Łódź", "(",
           ")", "US$", "...", "3rd", "a.", "b", ":)", ":", "8", "-)", "<3", "C++", "o.O", "0.0", "\\n", "—", "°C."]
_TEXTS = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join) | st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)


def _rows(text: str) -> np.ndarray:
    doc = _TOKENIZER(text)
    return doc.to_array(_COLUMNS).astype(np.uint64).reshape(len(doc), len(_COLUMNS))


@hsettings(max_examples=400, deadline=None)
@given(text=_TEXTS)
def test_a_text_tokenizes_as_its_chunks_one_after_the_other(text: str) -> None:
    """The premise of the cache: spaCy cuts the text into these chunks and tokenizes each on its own."""
    cut, starts = chunks(text)
    if starts is None:  # single spaces between chunks: offsets follow from the lengths
        starts = list(np.cumsum([0] + [len(c) + 1 for c in cut[:-1]])) if cut else []
    assert all(text[s : s + len(c)] == c for s, c in zip(starts, cut, strict=True))
    pieces = [_rows(c) + np.array([0] * (len(_COLUMNS) - 2) + [s, 0], dtype=np.uint64) for s, c in zip(starts, cut)]
    joined = np.concatenate(pieces) if pieces else np.zeros((0, len(_COLUMNS)), dtype=np.uint64)
    assert np.array_equal(joined, _rows(text))


def test_every_whitespace_character_but_the_space_is_unprintable() -> None:
    """Why ``str.isprintable`` tells single-spaced text apart in :func:`chunks`."""
    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    assert len(spaces) > 20 and [c for c in spaces if c.isprintable()] == [" "]


@hsettings(max_examples=150, deadline=None)
@given(texts=st.lists(_TEXTS, min_size=1, max_size=6))
def test_cached_rows_are_the_rows_of_tokenizing_and_embedding_each_text(texts: list[str]) -> None:
    cache = ChunkCache(_TOKENIZER, _MODEL._fast)
    for _ in range(2):  # new chunks, then the same ones from the cache
        got = cache.embed(texts)
        want = [_rows(t) for t in texts]
        assert got.counts == [len(w) for w in want]
        every = np.concatenate(want)
        assert got.idx == every[:, -2].tolist() and got.length == every[:, -1].tolist()
        assert np.array_equal(got.rows, _MODEL._fast.embed(every[:, :-2]))


def test_findings_and_scores_are_unchanged_by_the_cache_on_the_corpora() -> None:
    """Held-out, DEV and adversarial text through the cache and without it (spaCy on every line): the same."""
    cached, plain = NerModel(), NerModel()
    plain._chunks = None
    adversarial = Path(__file__).parent / "adversarial" / "cases.jsonl"
    texts = [s.text for s in generate(HELDOUT, 400, seed=11)] + [s.text for s in generate(DEV, 300, seed=12)]
    cases = [json.loads(line) for line in adversarial.read_text().splitlines() if line.strip()]
    texts += [c["text"] if "text" in c else json.dumps(c["json"]) for c in cases]
    texts += ["\n".join(texts[i : i + 20]) for i in range(0, 200, 20)]  # longer, multi-line requests
    for text in texts:
        assert cached.find(text) == plain.find(text), text
    assert len(cached._chunks) > 1000
    lines = [seg for _, seg in _segments(texts[-1])]
    embedded = cached._chunks.embed(lines)
    rows = np.concatenate([_rows(line) for line in lines])
    assert np.array_equal(cached._fast.scores(embedded.rows, embedded.counts),
                          plain._fast.token_scores(rows[:, :-2], [len(_TOKENIZER(line)) for line in lines]))


def test_a_full_cache_is_emptied_and_what_it_holds_stays_bounded() -> None:
    texts = [s.text for s in generate(HELDOUT, 300, seed=13)]
    small = ChunkCache(_TOKENIZER, _MODEL._fast, capacity=200)
    most = 0
    for i in range(0, len(texts), 5):
        batch = texts[i : i + 5]
        got = small.embed(batch)
        want = np.concatenate([_rows(t) for t in batch])
        assert np.array_equal(got.rows, _MODEL._fast.embed(want[:, :-2])) and got.idx == want[:, -2].tolist()
        most = max(most, small._used)
    assert small.clears >= 3 and most <= 200 and len(small._rows) <= 200
    huge = " ".join(f"w{i}" for i in range(300))  # more new rows than the cache can hold: embedded, not kept
    got = small.embed([huge])
    assert np.array_equal(got.rows, _MODEL._fast.embed(_rows(huge)[:, :-2])) and got.counts == [len(_rows(huge))]


def test_the_cache_is_dropped_with_the_vocabulary() -> None:
    """A reload forgets the words seen since: the chunks kept here too."""
    model = NerModel(string_budget=300)
    first = model._chunks
    for s in generate(HELDOUT, 400, seed=14):
        model.find(s.text)
        if model.reloads:
            break
    assert model.reloads == 1 and len(first) > 100 and len(model._chunks) == 0


def test_the_cache_is_used_only_where_tokenizing_goes_chunk_by_chunk() -> None:
    tokenizer = spacy.load(SHIPPED_MODEL).tokenizer
    assert chunkwise(tokenizer)
    tokenizer.add_special_case("New York", [{"ORTH": "New York"}])  # a rule across a space: chunks interact
    assert not chunkwise(tokenizer)
    assert not chunkwise(lambda text: None)
    assert len(_TOKENIZER(SEPARATOR.strip())) == 1  # one token, in no special case
    assert SEPARATOR.strip() not in _boundary_tokens(_TOKENIZER)[0] | _boundary_tokens(_TOKENIZER)[1]


@pytest.mark.parametrize("text", ["( :)5", "x( :)5 y", "8 )", ":- )", "a .", "Tel: (915)678-9014", ":) :)",
                                  "( :)5\n:)5"])
def test_special_cases_that_cross_chunks_are_tokenized_as_spacy_does(text: str) -> None:
    """``( :)5`` holds ``( :`` (the emoticon ``(:`` across a space), so spaCy leaves ``:)`` of ``:)5`` split."""
    cache = ChunkCache(_TOKENIZER, _MODEL._fast)
    for texts in ([text], [":)5", "(", text], [text, text]):
        got = cache.embed(texts)
        every = np.concatenate([_rows(t) for t in texts])
        assert got.idx == every[:, -2].tolist() and got.length == every[:, -1].tolist()
        assert np.array_equal(got.rows, _MODEL._fast.embed(every[:, :-2]))
    assert [t.text for t in _TOKENIZER("( :)5")] != [t.text for t in _TOKENIZER(":)5")][-2:]  # why it matters


@pytest.mark.parametrize("text", ["", " ", "a", "  a  b ", "\ta\n", "a\xa0b", "x  "])
def test_chunk_offsets_point_at_the_chunks(text: str) -> None:
    cut, starts = chunks(text)
    if starts is None:
        starts = list(np.cumsum([0] + [len(c) + 1 for c in cut[:-1]]))
    assert [text[s : s + len(c)] for s, c in zip(starts, cut, strict=True)] == cut
    assert "".join(c for c in cut if not c.isspace()) == "".join(text.split())
