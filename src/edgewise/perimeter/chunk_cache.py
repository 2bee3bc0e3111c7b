"""What the shipped tokenizer and the tagger's embedding layer make of each chunk of text, kept for reuse.

Why: on 1 KB of new text most words have been seen before, yet spaCy's
tokenizer still costs some 25 us per line and 3 us per token (a Doc per line,
cache lookups in a vocabulary scattered over memory), reading the tokens'
features costs another 0.2 ms, and embedding them (hashing, gathering 16 table
rows per token, the mixing layer) 0.5 ms. None of it depends on anything but
the chunk itself, so each is done once per chunk and its embedded rows are
kept.

A chunk is what spaCy's tokenizer splits on its own: a run of non-space
characters, or a run of whitespace (less the single space that ends a token).
spaCy tokenizes each chunk independently of its neighbours (special cases that
span chunks never apply: no rule of the shipped tokenizer holds whitespace),
and a token's embedded row depends on its own features alone, so the rows
of a text are its chunks' rows one after the other: exactly what tokenizing the
whole text and embedding every token gives, bit for bit.
``tests/perimeter/test_chunk_cache.py`` checks that on the corpora and on
generated text.

New chunks of a request are tokenized together in one call (joined by single
spaces, which the tokenizer drops), whitespace chunks one by one.

The cache keeps the chunks it has seen, names among them, in memory; it holds
at most :data:`CAPACITY` token rows and is emptied when full (and with the
vocabulary, see ``NerModel``), so that memory and what is kept stay bounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from edgewise.perimeter.tagger_numpy import F32, NumpyTagger

#: Token rows kept at most (48 floats each: 12 MB), some 60,000 distinct chunks.
CAPACITY = 65_536
_RUNS = re.compile(r"\S+|\s+")


def chunks(text: str) -> tuple[list[str], list[int] | None]:
    """The chunks of ``text`` in order, cut as spaCy's tokenizer cuts it before tokenizing each chunk, and
    their offsets; None for the offsets when chunks are separated by single spaces (the common case, where
    they follow from the lengths).

    A space right after a token belongs to that token (spaCy's ``whitespace_``); any other whitespace is a
    chunk of its own: a second space, a tab, a run at the start of the text.
    """
    if not text:
        return [], []
    # no whitespace but single spaces between chunks (every other whitespace character is unprintable)
    if text.isprintable() and "  " not in text and text[0] != " " and text[-1] != " ":
        return text.split(" "), None
    out: list[str] = []
    starts: list[int] = []
    after_token = False
    for m in _RUNS.finditer(text):
        start, run = m.start(), m.group()
        if run[0] == " " and after_token:
            start, run = start + 1, run[1:]
        if run:
            out.append(run)
            starts.append(start)
            after_token = True
    return out, starts


def chunkwise(tokenizer: Any) -> bool:
    """Is ``tokenizer`` spaCy's rule-based ``Tokenizer`` with no special case that spans chunks?

    Only then does tokenizing a text give its chunks' tokens one after the other (see the module docstring).
    """
    from spacy.tokenizer import Tokenizer

    return type(tokenizer) is Tokenizer and not any(
        len(rule) > 1 and any(c.isspace() for c in rule) for rule in tokenizer.rules)


@dataclass(frozen=True)
class Embedded:
    """Embedded token rows of some texts, one text after the other, and where each token is in its text."""

    rows: F32
    counts: list[int]  # tokens per text
    idx: list[int]  # per token: offset in its own text
    length: list[int]  # per token: length in characters


class ChunkCache:
    """Embedded rows of chunks, computed by ``tokenizer`` (a spaCy ``Tokenizer``) and ``tagger``.

    A chunk's tokens take consecutive rows; per row are kept the embedding, the token's offset in its chunk
    and its length, and at a chunk's first row its number of tokens. Assembling a request is then a few
    numpy operations over all its chunks, with one dictionary lookup per chunk.
    """

    def __init__(self, tokenizer: Any, tagger: NumpyTagger, capacity: int = CAPACITY) -> None:
        self._tokenizer = tokenizer
        self._tagger = tagger
        self.capacity = capacity
        self.clears = 0
        self._used = 0
        self._rows = np.zeros((0, tagger.width), dtype=np.float32)
        self._offset = np.zeros(0, dtype=np.int64)  # of the row's token in its chunk
        self._length = np.zeros(0, dtype=np.int64)  # of the row's token
        self._tokens = np.zeros(0, dtype=np.int64)  # at a chunk's first row: its number of tokens
        self._known: dict[str, int] = {}  # chunk -> its first row

    def __len__(self) -> int:
        """Chunks held."""
        return len(self._known)

    def embed(self, texts: list[str]) -> Embedded:
        """The embedded token rows of ``texts``, tokenizing and embedding only chunks not seen before."""
        every: list[str] = []
        per_text: list[int] = []
        irregular: list[tuple[int, list[int]]] = []  # (position in ``every``, offsets) where not single-spaced
        for text in texts:
            cut, starts = chunks(text)
            if starts is not None:
                irregular.append((len(every), starts))
            every += cut
            per_text.append(len(cut))
        if not every:
            return Embedded(np.zeros((0, self._tagger.width), dtype=np.float32), [0] * len(texts), [], [])
        known = self._known
        new = list(set(every).difference(known))
        if new and not self._learn(new):  # the cache was emptied on the way: some chunks are gone
            return self._uncached(texts)
        first = np.fromiter(map(known.__getitem__, every), dtype=np.int64, count=len(every))
        # where each chunk starts in its text: after the previous chunks and one space each, unless irregular
        step = np.fromiter(map(len, every), dtype=np.int64, count=len(every)) + 1
        start = np.cumsum(step) - step
        text_end = np.cumsum(per_text)
        text_first = text_end - per_text
        start -= np.repeat(start[np.minimum(text_first, len(every) - 1)], per_text)
        for at, starts in irregular:
            start[at : at + len(starts)] = starts
        tokens = self._tokens[first]
        if (tokens == 1).all():
            rows, chunk_of_token = first, slice(None)
        else:
            chunk_of_token = np.repeat(np.arange(len(every)), tokens)
            rows = first[chunk_of_token] + (np.arange(len(chunk_of_token)) - (np.cumsum(tokens) - tokens)[chunk_of_token])
        idx = start[chunk_of_token] + self._offset[rows]
        before = np.concatenate([[0], np.cumsum(tokens)])
        counts = before[text_end] - before[text_first]
        return Embedded(self._rows[rows], counts.tolist(), idx.tolist(), self._length[rows].tolist())

    def clear(self) -> None:
        """Forget every chunk (and the words in them)."""
        self._known.clear()
        self._used = 0
        self.clears += 1

    def _learn(self, new: list[str]) -> bool:
        """Tokenize and embed the chunks ``new`` and keep their rows; False if the cache had to be emptied
        (it was full), which may have dropped chunks the caller counts on."""
        spaced = [c for c in new if not c.isspace()]
        groups = [spaced] if spaced else []
        groups += [[c] for c in new if c.isspace()]  # whitespace would merge with the joining spaces
        for group in groups:
            ids, idx, length = self._features(" ".join(group))
            starts = np.cumsum([0] + [len(c) + 1 for c in group[:-1]])
            bounds = np.searchsorted(idx, starts)
            if self._used + len(idx) > self.capacity:
                self.clear()
                return False
            self._store(group, starts, bounds, self._tagger.embed(ids), idx, length)
        return True

    def _store(self, group: list[str], starts: NDArray[np.int64], bounds: NDArray[np.intp], rows: F32,
               idx: NDArray[np.int64], length: NDArray[np.int64]) -> None:
        """Keep the rows of the chunks ``group``: chunk ``j`` starts at ``starts[j]`` and owns rows
        ``bounds[j]`` up to the next chunk's."""
        used, need = self._used, self._used + len(rows)
        if need > len(self._rows):
            size = min(max(need, 2 * len(self._rows), 1024), self.capacity)
            self._rows = _grown(self._rows, size, used)
            self._offset, self._length, self._tokens = (_grown(a, size, used)
                                                        for a in (self._offset, self._length, self._tokens))
        tokens = np.diff(bounds, append=len(rows))
        self._rows[used:need] = rows
        self._offset[used:need] = idx - np.repeat(starts, tokens)
        self._length[used:need] = length
        self._tokens[used + bounds] = tokens
        self._known.update(zip(group, (used + bounds).tolist(), strict=True))
        self._used = need

    def _features(self, text: str) -> tuple[NDArray[np.uint64], NDArray[np.int64], NDArray[np.int64]]:
        """The tagger's feature rows of ``text``'s tokens, and their offsets and lengths."""
        from spacy.attrs import IDX, LENGTH

        columns = [*self._tagger.attrs, IDX, LENGTH]
        doc = self._tokenizer(text)
        array = doc.to_array(columns).astype(np.uint64, copy=False).reshape(len(doc), len(columns))
        return array[:, :-2], array[:, -2].astype(np.int64), array[:, -1].astype(np.int64)

    def _uncached(self, texts: list[str]) -> Embedded:
        """For a batch with more distinct chunks than the cache holds: every token embedded, nothing kept."""
        counts: list[int] = []
        idx: list[int] = []
        length: list[int] = []
        ids: list[NDArray[np.uint64]] = []
        for text in texts:
            rows, offsets, lengths = self._features(text)
            ids.append(rows)
            counts.append(len(rows))
            idx += offsets.tolist()
            length += lengths.tolist()
        rows = self._tagger.embed(np.concatenate(ids)) if sum(counts) else np.zeros((0, self._tagger.width), np.float32)
        return Embedded(rows, counts, idx, length)


def _grown(a: NDArray[Any], size: int, keep: int) -> NDArray[Any]:
    out = np.zeros((size, *a.shape[1:]), dtype=a.dtype)
    out[:keep] = a[:keep]
    return out


__all__ = ["CAPACITY", "ChunkCache", "Embedded", "chunks", "chunkwise"]
