"""Names of people, organisations and places, from the small spaCy model shipped in the package.

The model (``ner_model/``) is trained in this repository on synthetic data
(``perimeter.training.train_ner``); it is loaded from disk only, never
downloaded. Text is cut into lines (and long lines at whitespace) so memory and time
stay linear, and the caller's deadline is checked between chunks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from edgewise.perimeter.findings import PRIORITY_MODEL, Finding

SHIPPED_MODEL = Path(__file__).resolve().parent / "ner_model"
LABELS = {"PERSON": "PERSON", "PER": "PERSON", "ORG": "ORGANIZATION", "LOC": "LOCATION", "GPE": "LOCATION"}
CHUNK_CHARS = 4000
BATCH = 32


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
        self._nlp: Any = spacy.load(self.path)
        self._lock = threading.Lock()

    def find(self, text: str, check: Callable[[], None] = lambda: None) -> list[Finding]:
        out: list[Finding] = []
        segments = list(_segments(text))
        for i in range(0, len(segments), BATCH):
            check()
            batch = segments[i : i + BATCH]
            with self._lock:
                docs = list(self._nlp.pipe([seg for _, seg in batch]))
            for (offset, _), doc in zip(batch, docs, strict=True):
                for ent in doc.ents:
                    label = LABELS.get(ent.label_)
                    if label is not None:
                        out.append(Finding(offset + ent.start_char, offset + ent.end_char, label, PRIORITY_MODEL))
        return out


__all__ = ["SHIPPED_MODEL", "NerModel"]
