"""Names of people, organisations and places, from the small spaCy model shipped in the package.

The model (``ner_model/``) is trained in this repository on synthetic data
(``perimeter.training.train_ner``); it is loaded from disk only, never
downloaded. Text is cut into lines (and long lines at whitespace) so memory and time
stay linear, and the caller's deadline is checked between chunks.

Two kinds of pipeline load: the shipped one, a spaCy ``tagger`` giving each
token an IOB tag (``B-PERSON``, ``I-ORG``, ``O``), read straight from the
model's scores and joined into spans here; or any spaCy pipeline with an
``ner`` component (``doc.ents``), for a model configured in the settings.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from edgewise.perimeter.findings import PRIORITY_MODEL, Finding

SHIPPED_MODEL = Path(__file__).resolve().parent / "ner_model"
LABELS = {"PERSON": "PERSON", "PER": "PERSON", "ORG": "ORGANIZATION", "LOC": "LOCATION", "GPE": "LOCATION"}
CHUNK_CHARS = 4000
BATCH = 64


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

    def __init__(self, path: Path | None = None) -> None:
        import spacy

        self.path = path or SHIPPED_MODEL
        if not (self.path / "meta.json").is_file():
            raise FileNotFoundError(f"NER model not found at {self.path}; train it with python -m edgewise.perimeter.training.train_ner")
        register_iob_component()
        self._nlp: Any = spacy.load(self.path)
        self._lock = threading.Lock()
        self._tagger: Any = None
        if "ner" not in self._nlp.pipe_names:
            self._tagger = self._nlp.get_pipe("tagger")
            self._tags = [_parse_tag(t) for t in self._tagger.labels]
            self._is_entity = np.array([label is not None for _, label in self._tags], dtype=bool)

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
        """Spans from the tagger's per-token argmax; only the entity tokens are touched in Python."""
        docs = [self._nlp.make_doc(t) for t in texts]
        nonempty = [d for d in docs if len(d)]
        scores = iter(self._tagger.model.predict(nonempty) if nonempty else [])
        return [_join(doc, np.asarray(next(scores)).argmax(axis=1), self._tags, self._is_entity) if len(doc) else []
                for doc in docs]


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


__all__ = ["IOB_COMPONENT", "SHIPPED_MODEL", "NerModel", "register_iob_component"]
