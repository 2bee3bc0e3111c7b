"""The tagger's IOB output becomes whole spans; the squeezed index maps positions like the per-character list."""

from __future__ import annotations

import random
import re

import numpy as np
import spacy

from edgewise.perimeter.squeezed import squeeze
from edgewise.perimeter.ner import _join, _parse_tag

TAGS = ["B-LOC", "B-PERSON", "I-LOC", "I-PERSON", "O"]


def spans(text: str, tags: list[str]) -> list[tuple[str, str]]:
    doc = spacy.blank("xx").make_doc(text)
    parsed = [_parse_tag(t) for t in TAGS]
    ids = np.array([TAGS.index(t) for t in tags])
    is_entity = np.array([label is not None for _, label in parsed])
    return [(text[a:b], label) for a, b, label in _join(doc, ids, parsed, is_entity)]


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


def test_the_numpy_forward_pass_gives_thincs_scores() -> None:
    """The tagger runs in plain numpy on the node; it must score exactly like spaCy/thinc (up to float rounding)."""
    from edgewise.perimeter.ner import NerModel
    from edgewise.perimeter.tagger_numpy import NumpyTagger

    model = NerModel()
    texts = ["Anna Schmidt works for Siemens AG in Berlin.", "x", "Call Ana Moura (Porto) on Monday, cc Lee",
             "ÉCOLE   Müller-Lüdenscheidt\tGmbH & Co. KG", "a " * 300]
    docs = [model._nlp.make_doc(t) for t in texts]
    ours = NumpyTagger(model._tagger.model).scores(docs)
    theirs = model._tagger.model.predict(docs)
    for a, b in zip(ours, theirs, strict=True):
        assert a.shape == np.asarray(b).shape
        assert np.allclose(a, np.asarray(b), atol=1e-4)
        assert (a.argmax(axis=1) == np.asarray(b).argmax(axis=1)).all()


def test_the_case_rule_trims_ordinary_lower_case_words_from_names_in_mixed_case_text() -> None:
    from edgewise.perimeter.ner import _trim_lower

    text = "pls email Ana Moura and Ludwig van Beethoven"
    doc = spacy.blank("xx").make_doc(text)
    assert _trim_lower(doc, (0, 19, "PERSON")) == (10, 19, "PERSON")  # "pls email Ana Moura" -> "Ana Moura"
    assert _trim_lower(doc, (0, 9, "PERSON")) is None  # nothing but ordinary words
    assert _trim_lower(doc, (24, 44, "PERSON")) == (24, 44, "PERSON")  # the particle inside stays
