"""Names of people, organisations and places, from the small spaCy model shipped in the package.

The model (``ner_model/``) is trained in this repository on synthetic data
(``perimeter.training.train_ner``); it is loaded from disk only, never
downloaded. Text is cut into lines (and long lines at whitespace) so memory and time
stay linear, and the caller's deadline is checked between chunks.

Two kinds of pipeline load: the shipped one, a spaCy ``tagger`` giving each
token an IOB tag (``B-PERSON``, ``I-ORG``, ``O``), read straight from the
model's scores and joined into spans here; or any spaCy pipeline with an
``ner`` component (``doc.ents``), for a model configured in the settings.

For the tagger, two decisions are made here rather than by the argmax:

* a recall bias: the ``O`` ("no entity") score is lowered by :data:`RECALL_BIAS`
  before the argmax, because a leaked name costs more than a redacted word (the
  goal is F2, which weighs recall four times). The value was chosen on the DEV
  split (``python -m edgewise.perimeter.training.tune_ner``), never on held-out data.
* a case rule: in text that uses both capitals and small letters, a name does
  not begin or end with an ordinary lower-case word, so such words are trimmed
  from the edges of a span ("pls email", "leaving", "team" next to a name).
  Name particles (``van``, ``de``, ``da``, ...) stay inside a span, and all
  lower-case or all upper-case text is left alone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from edgewise.perimeter.chunk_cache import ChunkCache, chunkwise, token_rows
from edgewise.perimeter.findings import PRIORITY_MODEL, Finding
from edgewise.perimeter.fresh_words import (
    compute_only,
    guard_infixes,
    search_suffixes_at_the_end,
    skip_affixes_of_plain_words,
)
from edgewise.perimeter.tagger_numpy import NumpyTagger, UnsupportedModel

SHIPPED_MODEL = Path(__file__).resolve().parent / "ner_model"
LABELS = {"PERSON": "PERSON", "PER": "PERSON", "ORG": "ORGANIZATION", "LOC": "LOCATION", "GPE": "LOCATION"}
CHUNK_CHARS = 4000
BATCH = 64
#: New strings the vocabulary may take in before the pipeline is reloaded (see ``NerModel._bound_vocabulary``):
#: some 8,000 requests of 1 KB of fresh text (about 25 new strings each), a reload every hour at 2 requests a second.
STRING_BUDGET = 200_000
#: Subtracted from the ``O`` logit before the argmax (see the module docstring); chosen on the DEV split.
RECALL_BIAS = 3.0
#: Whether the case rule (see the module docstring) is applied; chosen on the DEV split with the bias.
CASE_RULE = True
#: Lower-case words that belong to names ("Ludwig van Beethoven", "Maria da Silva"): kept at a span's start.
PARTICLES = frozenset({"van", "von", "de", "der", "den", "da", "das", "do", "dos", "di", "del", "della", "du", "la",
                       "le", "ter", "ten", "zu", "af", "al", "el", "bin", "ibn", "y", "e", "z"})


def _segments(text: str, size: int = CHUNK_CHARS) -> Iterator[tuple[int, str]]:
    """Lines of ``text`` (entities never cross a line break), long lines cut at whitespace."""
    pos = 0
    for line in text.split("\n"):
        start, end_of_line = pos, pos + len(line)
        while end_of_line - start > size:
            cut = text.rfind(" ", start, start + size)
            cut = cut + 1 if cut > start + size // 2 else start + size
            yield start, text[start:cut]
            start = cut
        if line.strip():
            yield start, text[start:end_of_line]
        pos = end_of_line + 1


class NerModel:
    """Thread-safe wrapper around the spaCy pipeline (spaCy docs are not shared between threads)."""

    def __init__(
        self, path: Path | None = None, *, recall_bias: float = RECALL_BIAS, case_rule: bool = CASE_RULE,
        string_budget: int = STRING_BUDGET,
    ) -> None:
        self.path = path or SHIPPED_MODEL
        if not (self.path / "meta.json").is_file():
            raise FileNotFoundError(f"NER model not found at {self.path}; train it with python -m edgewise.perimeter.training.train_ner")
        register_iob_component()
        self._lock = threading.Lock()
        self.case_rule = case_rule
        self.string_budget = string_budget
        self.reloads = 0
        self._recall_bias = recall_bias
        self._load()

    def _load(self) -> None:
        """(Re)load the pipeline from disk: a fresh vocabulary, holding none of the words seen since."""
        import spacy

        self._nlp: Any = spacy.load(self.path)
        self._tagger: Any = None
        self._fast: NumpyTagger | None = None
        self._chunks: ChunkCache | None = None
        if "ner" not in self._nlp.pipe_names:
            self._tagger = self._nlp.get_pipe("tagger")
            self._labels = [_tag_label(t) for t in self._tagger.labels]
            self._is_entity = np.array([label is not None for label in self._labels], dtype=bool)
            try:
                self._fast = NumpyTagger(self._tagger.model)
            except UnsupportedModel:
                self._fast = None  # another architecture: thinc runs it
            else:
                compute_only(self._nlp.vocab, self._fast.attrs)
                if self.path.resolve() == SHIPPED_MODEL:
                    search_suffixes_at_the_end(self._nlp.tokenizer)
                    guard_infixes(self._nlp.tokenizer)
                    skip_affixes_of_plain_words(self._nlp.tokenizer)
                if chunkwise(self._nlp.tokenizer):
                    self._chunks = ChunkCache(self._nlp.tokenizer, self._fast)
            self.recall_bias = self._recall_bias
        self._strings_at_load = len(self._nlp.vocab.strings)

    @property
    def recall_bias(self) -> float:
        """Subtracted from the ``O`` score before the argmax; settable, so one loaded model can be tuned."""
        return self._recall_bias

    @recall_bias.setter
    def recall_bias(self, value: float) -> None:
        self._recall_bias = value
        if self._tagger is not None:
            self._bias = np.array([-value if label is None else 0.0 for label in self._labels], dtype=np.float32)

    def _bound_vocabulary(self) -> None:
        """Reload once the vocabulary has taken in :attr:`string_budget` new strings (call under the lock).

        spaCy keeps every word it has tokenized in the vocabulary's string store, for the life of the
        process: on a node that redacts for months that is unbounded memory, and every name, e-mail and
        number ever redacted stays readable in it. A reload (about half a second) drops them all.
        """
        if len(self._nlp.vocab.strings) - self._strings_at_load > self.string_budget:
            self._load()
            self.reloads += 1

    def find(self, text: str, check: Callable[[], None] = lambda: None) -> list[Finding]:
        out: list[Finding] = []
        segments = list(_segments(text))
        for i in range(0, len(segments), BATCH):
            check()
            batch = segments[i : i + BATCH]
            with self._lock:
                if self._tagger is not None:
                    spans = self._tagged([seg for _, seg in batch])
                else:
                    spans = [[(e.start_char, e.end_char, e.label_) for e in doc.ents]
                             for doc in self._nlp.pipe([seg for _, seg in batch])]
                self._bound_vocabulary()
            for (offset, _), found in zip(batch, spans, strict=True):
                for start, end, raw in found:
                    label = LABELS.get(raw)
                    if label is not None:
                        out.append(Finding(offset + start, offset + end, label, PRIORITY_MODEL))
        return out

    def _tagged(self, texts: list[str]) -> list[list[tuple[int, int, str]]]:
        """Spans from the tagger's biased per-token argmax; only the entity tokens are touched in Python.

        All ``texts`` go through the network and the argmax together, from one array of embedded token rows
        (``chunk_cache``, or ``chunk_cache.token_rows`` for a pipeline it does not fit); entity tokens are then handed
        to their text, and words are read from the text by offset: per text, numpy calls and spaCy objects cost
        more than the network on a 1 KB request.
        """
        out: list[list[tuple[int, int, str]]] = [[] for _ in texts]
        if self._chunks is not None:
            embedded = self._chunks.embed(texts)
            counts, idx, length = embedded.counts, embedded.idx, embedded.length
            if not idx:
                return out
            scores = self._fast.scores(embedded.rows, counts)  # type: ignore[union-attr]
        else:
            docs = [self._nlp.make_doc(t) for t in texts]
            rows, counts = token_rows(docs, self._fast.attrs if self._fast is not None else [])
            if not len(rows):
                return out
            idx, length = rows[:, -2].tolist(), rows[:, -1].tolist()
            if self._fast is not None:
                scores = self._fast.token_scores(rows[:, :-2], counts)
            else:
                predicted = self._tagger.model.predict([d for d in docs if len(d)])
                scores = np.concatenate([np.asarray(s) for s in predicted])
        ids = (scores + self._bias).argmax(axis=1)
        found = np.flatnonzero(self._is_entity[ids])
        owners = np.searchsorted(np.cumsum(counts), found, side="right").tolist()
        tokens: dict[int, list[tuple[int, str]]] = {}
        for g, k, tag in zip(found.tolist(), owners, ids[found].tolist(), strict=True):
            tokens.setdefault(k, []).append((g, self._labels[tag]))
        for k, tagged in tokens.items():
            runs = _runs(tagged)
            if self.case_rule and _mixed_case(texts[k]):
                word = _words(texts[k], idx, length)
                runs = [t for r in runs if (t := _trim_lower(word, r)) is not None]
            out[k] = [(idx[a], idx[b] + length[b], label) for a, b, label in runs]
        return out


def _words(text: str, idx: list[int], length: list[int]) -> Callable[[int], str]:
    """Token ``i``'s text, read from ``text`` by its offset and length (cheaper than spaCy token objects)."""
    return lambda i: text[idx[i] : idx[i] + length[i]]


IOB_COMPONENT = "edgewise_iob_ents"


def register_iob_component() -> None:
    """Register the pipeline step that turns the tagger's IOB tags into ``doc.ents``.

    The shipped pipeline ends with it so that plain spaCy users (``spacy.load(path)(text).ents``, Presidio's
    spaCy engine in the benchmark) see entities; :class:`NerModel` itself skips it and reads the scores.
    Registration is lazy so that importing the perimeter does not import spaCy.
    """
    from spacy.language import Language
    from spacy.tokens import Span

    if Language.has_factory(IOB_COMPONENT):
        return

    @Language.component(IOB_COMPONENT)
    def iob_to_ents(doc: Any) -> Any:
        labels = [_tag_label(t.tag_ or "O") for t in doc]
        runs = _runs([(i, label) for i, label in enumerate(labels) if label is not None])
        doc.ents = [Span(doc, a, b + 1, label=label) for a, b, label in runs]
        return doc


def _tag_label(tag: str) -> str | None:
    """``B-PERSON`` and ``I-PERSON`` -> "PERSON"; ``O`` -> None. Joining ignores B/I (see :func:`_runs`)."""
    if tag == "O" or "-" not in tag:
        return None
    return tag.split("-", 1)[1]


def _runs(tagged: list[tuple[int, str]]) -> list[tuple[int, int, str]]:
    """Entity tokens ``(token index, label)``, in order, to runs ``(first, last, label)`` (``last`` included),
    leniently: IOB's B/I is ignored, adjacent tokens of one type form one run and a type change starts a new one.

    Lenient because a missed ``B`` must not drop the rest of a name, and a name cut in two ("Ashleigh" /
    "Charlton") would get two placeholders. Two different names are rarely adjacent without punctuation.
    """
    runs: list[tuple[int, int, str]] = []
    prev_i, prev_label = -2, ""
    for i, label in tagged:
        if label == prev_label and i == prev_i + 1:
            runs[-1] = (runs[-1][0], i, label)
        else:
            runs.append((i, i, label))
        prev_i, prev_label = i, label
    return runs


def _mixed_case(text: str) -> bool:
    """Does ``text`` hold both capitals and small letters?"""
    if text.isascii():  # only A-Z change under lower() and only a-z under upper(): no Python loop
        return text.lower() != text and text.upper() != text
    return any(c.isupper() for c in text) and any(c.islower() for c in text)


def _ordinary(word: str, at_start: bool) -> bool:
    """An ordinary lower-case word: letters only, lower-case first, and not a name particle at a span's start."""
    return word.isalpha() and word[0].islower() and not (at_start and word in PARTICLES)


def _trim_lower(word: Callable[[int], str], run: tuple[int, int, str]) -> tuple[int, int, str] | None:
    """Drop ordinary lower-case words from both ends of the token run ``(first, last, label)``; None if all go.

    ``word(i)`` is the text of token ``i``.
    """
    first, last, label = run
    while first <= last and _ordinary(word(first), True):
        first += 1
    while first <= last and _ordinary(word(last), False):
        last -= 1
    return (first, last, label) if first <= last else None


__all__ = ["IOB_COMPONENT", "SHIPPED_MODEL", "NerModel", "register_iob_component"]
