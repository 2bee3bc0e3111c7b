"""Names of people, organisations and places, from the small spaCy model shipped in the package.

The model (``ner_model/``) is trained in this repository on synthetic data
(``perimeter.training.train_ner``); it is loaded from disk only, never
downloaded. Long texts are cut into chunks at whitespace so memory and time
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


def _chunks(text: str, size: int = CHUNK_CHARS) -> Iterator[tuple[int, str]]:
    pos = 0
    while pos < len(text):
        end = min(len(text), pos + size)
        if end < len(text):
            cut = max(text.rfind("\n", pos, end), text.rfind(" ", pos, end))
            if cut > pos + size // 2:
                end = cut + 1
        yield pos, text[pos:end]
        pos = end


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
        for offset, chunk in _chunks(text):
            check()
            with self._lock:
                doc = self._nlp(chunk)
            for ent in doc.ents:
                label = LABELS.get(ent.label_)
                if label is not None:
                    out.append(Finding(offset + ent.start_char, offset + ent.end_char, label, PRIORITY_MODEL))
        return out


__all__ = ["SHIPPED_MODEL", "NerModel"]
