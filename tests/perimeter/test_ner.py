"""The tagger's IOB output becomes whole spans; the squeezed index maps positions like the per-character list."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest
import spacy

from edgewise.perimeter.corpus import HELDOUT, generate
from edgewise.perimeter.squeezed import squeeze
from edgewise.perimeter.ner import _runs, _tag_label

def spans(text: str, tags: list[str]) -> list[tuple[str, str]]:
    doc = spacy.blank("xx").make_doc(text)
    labels = [_tag_label(t) for t in tags]
    runs = _runs([(i, label) for i, label in enumerate(labels) if label is not None])
    return [(doc[a : b + 1].text, label) for a, b, label in runs]


def test_iob_tags_join_into_whole_names() -> None:
    text = "Ask Ana Julia Moura in Porto , Lee"
    assert spans(text, ["O", "B-PERSON", "I-PERSON", "I-PERSON", "O", "B-LOC", "O", "B-PERSON"]) == [
        ("Ana Julia Moura", "PERSON"), ("Porto", "LOC"), ("Lee", "PERSON")]


def test_joining_is_lenient_about_missing_or_repeated_begin_tags() -> None:
    text = "Ask Ana Julia Moura in Porto"
    # I- without B-, and B- B- for one name: still one span each
    assert spans(text, ["O", "I-PERSON", "B-PERSON", "I-PERSON", "O", "I-LOC"]) == [
        ("Ana Julia Moura", "PERSON"), ("Porto", "LOC")]
    # a type change inside a run starts a new span
    assert spans(text, ["O", "B-PERSON", "I-LOC", "O", "O", "O"]) == [("Ana", "PERSON"), ("Julia", "LOC")]


def test_squeezed_index_matches_a_per_character_map() -> None:
    rng = random.Random(0)
    for _ in range(2000):
        text = "".join(rng.choice("ab \n\t\u00a0") for _ in range(rng.randint(0, 25)))
        keep = [m.start() + k for m in re.finditer(r"\S+", text) for k in range(m.end() - m.start())]
        squeezed, index = squeeze(text)
        assert squeezed == "".join(text[i] for i in keep)
        assert len(index) == len(keep) and [index[k] for k in range(len(keep))] == keep
        assert [index.squeezed_pos(p) for p in range(len(text))] == [keep.index(p) if p in keep else None
                                                                      for p in range(len(text))]


def test_the_shipped_pipeline_sets_doc_ents_for_plain_spacy_users() -> None:
    from edgewise.perimeter.ner import SHIPPED_MODEL, NerModel

    model = NerModel(recall_bias=0.0, case_rule=False)  # registers the IOB step; plain argmax, like spaCy
    text = "Anna Schmidt works for Siemens AG in Berlin."
    ours = {(f.start, f.end) for f in model.find(text)}
    doc = spacy.load(SHIPPED_MODEL)(text)
    assert {(e.start_char, e.end_char) for e in doc.ents} == ours


def test_names_are_the_shipped_pipelines_doc_ents_on_the_corpus() -> None:
    """With plain argmax decoding, the spans read from the scores (all lines of a text decoded together, runs
    split where the type or the line changes) are the ``doc.ents`` that spaCy's pipeline makes line by line."""
    from edgewise.perimeter.ner import LABELS, SHIPPED_MODEL, NerModel

    model = NerModel(recall_bias=0.0, case_rule=False)
    nlp = spacy.load(SHIPPED_MODEL)
    lines = [s.text for s in generate(HELDOUT, 240, seed=21)]
    for i in range(0, len(lines), 12):
        text = "\n".join(lines[i : i + 12])
        ours = [(f.start, f.end, f.type) for f in model.find(text)]
        want, offset = [], 0
        for line in text.split("\n"):
            want += [(offset + e.start_char, offset + e.end_char, LABELS[e.label_]) for e in nlp(line).ents]
            offset += len(line) + 1
        assert ours == want


def test_decoding_lines_together_finds_what_decoding_each_line_finds() -> None:
    """The recall bias and the case rule too: a run never crosses from one line (one text of the batch) into
    the next, and the case rule looks at each line's own letters."""
    from edgewise.perimeter.ner import NerModel

    model = NerModel()
    lines = [s.text for s in generate(HELDOUT, 240, seed=22)]
    for i in range(0, len(lines), 12):
        text = "\n".join(lines[i : i + 12])
        want, offset = [], 0
        for line in text.split("\n"):
            want += [(offset + f.start, offset + f.end, f.type) for f in model.find(line)]
            offset += len(line) + 1
        assert [(f.start, f.end, f.type) for f in model.find(text)] == want


def test_names_found_in_mixed_case_text_neither_begin_nor_end_with_an_ordinary_word() -> None:
    """The case rule applied by ``find``: what it trims is gone from the spans, and it does trim on the corpus."""
    from edgewise.perimeter.ner import PARTICLES, NerModel, _mixed_case

    ruled, plain = NerModel(), NerModel(case_rule=False)
    texts = [s.text for s in generate(HELDOUT, 300, seed=23)]
    changed = 0
    for text in texts:
        spans = ruled.find(text)
        changed += spans != plain.find(text)
        if not _mixed_case(text):
            continue
        for f in spans:
            words = text[f.start : f.end].split()
            assert not (words[0].isalpha() and words[0][0].islower() and words[0] not in PARTICLES), (text, f)
            assert not (words[-1].isalpha() and words[-1][0].islower()), (text, f)
    assert changed > 10


def test_the_numpy_forward_pass_gives_thincs_scores() -> None:
    """The tagger runs in plain numpy on the node; it must score exactly like spaCy/thinc (up to float rounding)."""
    from edgewise.perimeter.chunk_cache import token_rows
    from edgewise.perimeter.ner import NerModel
    from edgewise.perimeter.tagger_numpy import NumpyTagger

    model = NerModel()
    texts = ["Anna Schmidt works for Siemens AG in Berlin.", "x", "Call Ana Moura (Porto) on Monday, cc Lee",
             "ÉCOLE   Müller-Lüdenscheidt\tGmbH & Co. KG", "a " * 300]
    docs = [model._nlp.make_doc(t) for t in texts]
    tagger = NumpyTagger(model._tagger.model)
    rows, counts = token_rows(docs, tagger.attrs)  # the rows the node feeds the tagger, offsets dropped
    ours = np.split(tagger.token_scores(rows[:, :-2], counts), np.cumsum(counts)[:-1])
    theirs = model._tagger.model.predict(docs)
    for a, b in zip(ours, theirs, strict=True):
        assert a.shape == np.asarray(b).shape
        assert np.allclose(a, np.asarray(b), atol=1e-4)
        assert (a.argmax(axis=1) == np.asarray(b).argmax(axis=1)).all()


def test_the_case_rule_trims_ordinary_lower_case_words_from_names_in_mixed_case_text() -> None:
    from edgewise.perimeter.ner import _trim_lower

    text = "pls email Ana Moura and Ludwig van Beethoven"
    doc = spacy.blank("xx").make_doc(text)
    def word(i: int) -> str:
        return str(doc[i].text)

    assert _trim_lower(word, (0, 3, "PERSON")) == (2, 3, "PERSON")  # "pls email Ana Moura" -> "Ana Moura"
    assert _trim_lower(word, (0, 1, "PERSON")) is None  # nothing but ordinary words
    assert _trim_lower(word, (5, 7, "PERSON")) == (5, 7, "PERSON")  # the particle inside stays
    assert _trim_lower(word, (6, 6, "PERSON")) is None  # a particle alone is an ordinary word at the end


def test_embedding_each_distinct_feature_row_once_changes_no_score(monkeypatch: pytest.MonkeyPatch) -> None:
    from edgewise.perimeter import tagger_numpy
    from edgewise.perimeter.ner import NerModel

    model = NerModel()
    docs = [model._nlp.make_doc(s.text) for s in generate(HELDOUT, 60, seed=2)]  # ~700 tokens, words repeat
    ids = np.concatenate([d.to_array(model._fast.attrs) for d in docs])
    lengths = [len(d) for d in docs]
    assert len(ids) >= tagger_numpy.DISTINCT_FROM
    once = model._fast.token_scores(ids, lengths)
    monkeypatch.setattr(tagger_numpy, "DISTINCT_FROM", len(ids) + 1)
    assert np.array_equal(once, model._fast.token_scores(ids, lengths))


def test_distinct_rows_are_found_and_a_shared_key_falls_back_to_every_row() -> None:
    from edgewise.perimeter.tagger_numpy import _distinct_rows

    ids = np.array([[1, 2], [3, 4], [1, 2], [1, 5]], dtype=np.uint64)
    distinct, inverse = _distinct_rows(ids)
    assert len(distinct) == 3 and np.array_equal(ids[distinct][inverse], ids)
    # (a + w1, b - w0) has the key of (a, b) under the weights (w0, w1): two rows, one key
    w0, w1 = 0x9E3779B97F4A7C15, 3 * 0x9E3779B97F4A7C15 % 2**64
    ids = np.array([[5, 7], [(5 + w1) % 2**64, (7 - w0) % 2**64]], dtype=np.uint64)
    distinct, inverse = _distinct_rows(ids)
    assert np.array_equal(distinct, [0, 1]) and np.array_equal(inverse, [0, 1])


def test_mixed_case_is_the_same_question_for_ascii_and_other_text() -> None:
    from edgewise.perimeter.ner import _mixed_case

    for text in ["abc", "ABC", "aBc", "a1-", "", "ÉCOLE", "école Paris", "ǅ", "ǅa", "1 ß", "Ab ß"]:
        assert _mixed_case(text) == (any(c.isupper() for c in text) and any(c.islower() for c in text))


def test_computing_only_the_tagger_attributes_of_new_words_changes_no_finding() -> None:
    """The vocabulary skips the lexeme attributes the tagger does not read; findings must not move."""
    from edgewise.perimeter.ner import SHIPPED_MODEL, NerModel

    texts = [s.text for s in generate(HELDOUT, 300, seed=5)]
    trimmed, full = NerModel(), NerModel()
    assert len(trimmed._nlp.vocab.lex_attr_getters) == len(trimmed._fast.attrs)
    full._nlp.vocab.lex_attr_getters = spacy.load(SHIPPED_MODEL).vocab.lex_attr_getters  # all, as spaCy loads it
    assert len(full._nlp.vocab.lex_attr_getters) > 4 * len(trimmed._nlp.vocab.lex_attr_getters)
    assert [trimmed.find(t) for t in texts] == [full.find(t) for t in texts]


def test_the_vocabulary_is_reloaded_before_it_grows_past_its_budget() -> None:
    """Words seen while redacting do not pile up in memory: past the budget the pipeline reloads, same findings."""
    from edgewise.perimeter.ner import NerModel

    texts = [s.text for s in generate(HELDOUT, 400, seed=6)]  # thousands of fresh names, e-mails and numbers
    bounded, unbounded = NerModel(string_budget=300), NerModel(string_budget=10**9)
    loaded = len(bounded._nlp.vocab.strings)
    most = 0
    for t in texts:
        assert bounded.find(t) == unbounded.find(t)
        most = max(most, len(bounded._nlp.vocab.strings) - loaded)
    assert bounded.reloads >= 3 and unbounded.reloads == 0
    assert most <= 300 + 200  # the budget, plus what the last request added before the check
    assert len(unbounded._nlp.vocab.strings) - loaded > 3 * 300  # what the bounded one would have kept
