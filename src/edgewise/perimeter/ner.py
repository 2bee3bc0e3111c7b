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

from edgewise.perimeter.findings import PRIORITY_MODEL, Finding
from edgewise.perimeter.tagger_numpy import NumpyTagger, UnsupportedModel

SHIPPED_MODEL = Path(__file__).resolve().parent / "ner_model"
LABELS = {"PERSON": "PERSON", "PER": "PERSON", "ORG": "ORGANIZATION", "LOC": "LOCATION", "GPE": "LOCATION"}
CHUNK_CHARS = 4000
BATCH = 64
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

    def __init__(self, path: Path | None = None, *, recall_bias: float = RECALL_BIAS, case_rule: bool = CASE_RULE) -> None:
        import spacy

        self.path = path or SHIPPED_MODEL
        if not (self.path / "meta.json").is_file():
            raise FileNotFoundError(f"NER model not found at {self.path}; train it with python -m edgewise.perimeter.training.train_ner")
        register_iob_component()
        self._nlp: Any = spacy.load(self.path)
        self._lock = threading.Lock()
        self._tagger: Any = None
        self._fast: NumpyTagger | None = None
        self.case_rule = case_rule
        if "ner" not in self._nlp.pipe_names:
            self._tagger = self._nlp.get_pipe("tagger")
            self._tags = [_parse_tag(t) for t in self._tagger.labels]
            self._is_entity = np.array([label is not None for _, label in self._tags], dtype=bool)
            self._bias = np.array([-recall_bias if label is None else 0.0 for _, label in self._tags], dtype=np.float32)
            try:
                self._fast = NumpyTagger(self._tagger.model)
            except UnsupportedModel:
                self._fast = None  # another architecture: thinc runs it

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
            for (offset, _), found in zip(batch, spans, strict=True):
                for start, end, raw in found:
                    label = LABELS.get(raw)
                    if label is not None:
                        out.append(Finding(offset + start, offset + end, label, PRIORITY_MODEL))
        return out

    def _tagged(self, texts: list[str]) -> list[list[tuple[int, int, str]]]:
        """Spans from the tagger's biased per-token argmax; only the entity tokens are touched in Python."""
        docs = [self._nlp.make_doc(t) for t in texts]
        nonempty = [d for d in docs if len(d)]
        if self._fast is not None:
            scores = iter(self._fast.scores(nonempty))
        else:
            scores = iter(self._tagger.model.predict(nonempty) if nonempty else [])
        out = []
        for doc, text in zip(docs, texts, strict=True):
            if not len(doc):
                out.append([])
                continue
            spans = _join(doc, (np.asarray(next(scores)) + self._bias).argmax(axis=1), self._tags, self._is_entity)
            if self.case_rule and spans and _mixed_case(text):
                spans = [t for s in spans if (t := _trim_lower(doc, s)) is not None]
            out.append(spans)
        return out


IOB_COMPONENT = "edgewise_iob_ents"


def register_iob_component() -> None:
    """Register the pipeline step that turns the tagger's IOB tags into ``doc.ents``.

    The shipped pipeline ends with it so that plain spaCy users (``spacy.load(path)(text).ents``, Presidio's
    spaCy engine in the benchmark) see entities; :class:`NerModel` itself skips it and reads the scores.
    Registration is lazy so that importing the perimeter does not import spaCy.
    """
    from spacy.language import Language

    if Language.has_factory(IOB_COMPONENT):
        return

    @Language.component(IOB_COMPONENT)
    def iob_to_ents(doc: Any) -> Any:
        tags = [_parse_tag(t.tag_ or "O") for t in doc]
        is_entity = np.array([label is not None for _, label in tags], dtype=bool)
        found = _join(doc, np.arange(len(doc)), tags, is_entity)
        doc.ents = [doc.char_span(a, b, label=label) for a, b, label in found]
        return doc


def _parse_tag(tag: str) -> tuple[bool, str | None]:
    """``B-PERSON`` -> (True, "PERSON"); ``I-ORG`` -> (False, "ORG"); ``O`` -> (False, None)."""
    if tag == "O" or "-" not in tag:
        return False, None
    iob, label = tag.split("-", 1)
    return iob == "B", label


def _join(doc: Any, ids: Any, tags: list[tuple[bool, str | None]], is_entity: Any) -> list[tuple[int, int, str]]:
    """IOB tags to character spans, leniently: an ``I-X`` after anything but ``X`` starts a new span, and
    adjacent tokens of one type form one span even when the second is tagged ``B``.

    Lenient because a missed ``B`` must not drop the rest of a name, and a name cut in two ("Ashleigh" /
    "Charlton") would get two placeholders. Two different names are rarely adjacent without punctuation.
    """
    spans: list[tuple[int, int, str]] = []
    prev_i, prev_label = -2, None
    for i in np.flatnonzero(is_entity[ids]):
        _, label = tags[ids[i]]
        tok = doc[int(i)]
        if label == prev_label and i == prev_i + 1:
            start, _, _ = spans[-1]
            spans[-1] = (start, tok.idx + len(tok), label)
        else:
            spans.append((tok.idx, tok.idx + len(tok), label))  # type: ignore[arg-type]
        prev_i, prev_label = int(i), label
    return spans


def _mixed_case(text: str) -> bool:
    return any(c.isupper() for c in text) and any(c.islower() for c in text)


def _trim_lower(doc: Any, span: tuple[int, int, str]) -> tuple[int, int, str] | None:
    """Drop ordinary lower-case words (letters only, not a name particle) from both ends of ``span``."""
    start, end, label = span
    toks = list(doc.char_span(start, end, alignment_mode="contract") or ())

    def ordinary(tok: Any, at_start: bool) -> bool:
        text = tok.text
        return text.isalpha() and text[0].islower() and not (at_start and text in PARTICLES)

    while toks and ordinary(toks[0], True):
        toks.pop(0)
    while toks and ordinary(toks[-1], False):
        toks.pop()
    if not toks:
        return None
    return toks[0].idx, toks[-1].idx + len(toks[-1]), label


__all__ = ["IOB_COMPONENT", "SHIPPED_MODEL", "NerModel", "register_iob_component"]
