"""Ordinary words placed right next to names in TRAIN sentences, so that the model learns they are not names.

Why: the templates surround names with a few hundred fixed words, while the
names come from tens of thousands of values. In hashed embeddings an unseen
ordinary word then looks like a name, and the model took "leaving", "pls" or
"Greetings" next to a name for part of it. Here, with some probability, each
entity gets an ordinary word (lower-case, capitalised, sometimes with a colon or
comma) glued before or after it. The words are real vocabulary of the training
languages: Faker's lorem word lists of the training locales and spaCy's stop
words of their languages, nothing from the held-out side.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import random
from collections.abc import Iterable

#: spaCy stop-word lists used, by language code (the languages of the training locales).
_STOP_LANGS = ("en", "de", "fr", "es", "it", "nl", "cs", "da", "fi", "nb", "ro", "hu", "sk", "hr", "sl", "id", "lv",
               "et", "ga", "is", "pt")


@functools.cache
def vocabulary(locales: tuple[str, ...]) -> tuple[str, ...]:
    """Lower-case ordinary words (letters only, at least two) of ``locales``' lorem lists and the stop words."""
    words: set[str] = set()
    for loc in locales:
        name = f"faker.providers.lorem.{loc}"
        if importlib.util.find_spec(name) is not None:
            words.update(importlib.import_module(name).Provider.word_list)
    for lang in _STOP_LANGS:
        words.update(importlib.import_module(f"spacy.lang.{lang}.stop_words").STOP_WORDS)
    return tuple(sorted(w.lower() for w in words if w.isalpha() and len(w) > 1))


def _word(rng: random.Random, vocab: tuple[str, ...]) -> str:
    w = rng.choice(vocab)
    return w.capitalize() if rng.random() < 0.3 else w


Spans = list[tuple[int, int, str]]


def add_context_words(text: str, spans: Iterable[tuple[int, int, str]], rng: random.Random, rate: float,
                      vocab: tuple[str, ...]) -> tuple[str, Spans]:
    """Each entity gets, with probability ``rate``, an ordinary word just before or after it; spans are shifted."""
    parts: list[str] = []
    out: Spans = []
    pos = shift = 0
    for start, end, type_ in sorted(spans):
        before = after = ""
        if rng.random() < rate:
            side = rng.random()
            if side < 0.5:
                before = _word(rng, vocab) + rng.choice((" ", " ", " ", ": "))
            else:
                after = rng.choice((" ", " ", " ", ", ")) + _word(rng, vocab)
        parts.append(text[pos:start] + before)
        shift += len(before)
        out.append((start + shift, end + shift, type_))
        parts.append(text[start:end] + after)
        shift += len(after)
        pos = end
    parts.append(text[pos:])
    return "".join(parts), out


__all__ = ["add_context_words", "vocabulary"]
