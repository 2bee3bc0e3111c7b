"""What the shipped tokenizer and the tagger's embedding layer make of each chunk of text, kept for reuse.

Why: in 1 KB of new text, some 150 of 170 chunks (about the words) have been
seen before, yet spaCy tokenized every line anew (a Doc per line, lookups in a
vocabulary scattered over memory: some 0.4 ms for the seen part), reading the
tokens' features cost 0.2 ms and embedding them (hashing, gathering 16 table
rows per token, the mixing layer) 0.5 ms. None of it depends on anything but
the chunk itself, so it is done once per chunk, and the embedded rows are kept.
What is left per request is the new chunks (spaCy and the embedding, for about
20 chunks) and the network's convolutions over the whole text.

A chunk is what spaCy's tokenizer splits on its own: a run of non-space
characters, or a run of whitespace (less the single space that ends a token).
spaCy tokenizes each chunk on its own, then looks over the whole text for
special cases (emoticons such as ``:)``) split into several tokens, and merges
them. That last step sees across chunks: in ``( :)5`` it finds ``( :`` (the
emoticon ``(:`` with a space inside, which it leaves alone) and therefore skips
the ``:)`` that it merges in ``:)5`` alone. So a text whose chunks meet where
such a special case could cross (a chunk ending in a token that begins one, the
next starting with a token that continues it; :func:`_boundary_tokens`) is
tokenized whole, as before. Every other text's tokens are its chunks' tokens
one after the other, and a token's embedded row depends on its own features
alone: exactly what tokenizing the whole text and embedding every token gives,
bit for bit. ``tests/perimeter/test_chunk_cache.py`` checks that on the corpora
and on generated text built from the special cases.

New chunks of a request are tokenized together in one call, each between
separators that no special case holds; whitespace chunks one by one.

The cache keeps the chunks it has seen, names among them, in memory; it holds
at most :data:`CAPACITY` token rows and is emptied when full (and with the
vocabulary, see ``NerModel``), so that memory and what is kept stay bounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np
from numpy.typing import NDArray

from edgewise.perimeter.tagger_numpy import F32, NumpyTagger

#: Token rows kept at most, some 60,000 distinct chunks: 14 MB (48 floats and 25 bytes of offsets per row).
CAPACITY = 65_536
#: Put between new chunks tokenized together: a private-use character, one token that no special case holds.
SEPARATOR = " \ue000 "
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
    """Is ``tokenizer`` spaCy's rule-based ``Tokenizer`` with no special case holding whitespace or the
    separator?

    Only then are a text's tokens its chunks' tokens, but where :func:`_boundary_tokens` says they may not be.
    """
    from spacy.tokenizer import Tokenizer

    return type(tokenizer) is Tokenizer and not any(
        (len(rule) > 1 and any(c.isspace() for c in rule)) or SEPARATOR.strip() in rule for rule in tokenizer.rules)


def _boundary_tokens(tokenizer: Any) -> tuple[frozenset[str], frozenset[str]]:
    """Token texts that may end, and that may begin, a chunk where a special case crosses into the next one.

    spaCy's tokenizer merges, over the whole text, special cases that its affix rules split into several
    tokens (the rules that have an affix; ``Tokenizer.add_special_case``). Such a match crosses a chunk
    boundary only if the chunk before ends with one of its tokens but the last and the next begins with the
    token that follows. A chunk's own tokens may already be merged special cases: their texts count on
    both sides.
    """
    from spacy.attrs import ORTH
    from spacy.tokenizer import Tokenizer

    def matched(rule: str) -> bool:  # spaCy's own test for what goes to its special-case matcher
        return (not getattr(tokenizer, "faster_heuristics", True) or " " in rule or bool(
            tokenizer.find_prefix(rule) or tokenizer.find_suffix(rule) or tokenizer.find_infix(rule)))

    bare = Tokenizer(tokenizer.vocab, rules={}, prefix_search=tokenizer.prefix_search,
                     suffix_search=tokenizer.suffix_search, infix_finditer=tokenizer.infix_finditer,
                     token_match=tokenizer.token_match, url_match=tokenizer.url_match)
    ends: set[str] = set()
    starts: set[str] = set()
    for rule, pieces in tokenizer.rules.items():
        if not matched(rule):
            continue
        split = [t.text for t in bare(rule)]
        ends.update(split[:-1])
        starts.update(split[1:])
        merged = {piece.get(ORTH, piece.get("ORTH")) for piece in pieces}
        ends |= merged
        starts |= merged
    # whitespace tokens are special cases of one token: no match crosses them
    return frozenset(t for t in ends if t and not t.isspace()), frozenset(t for t in starts if t and not t.isspace())


def token_rows(docs: list[Any], attrs: list[int]) -> tuple[NDArray[np.uint64], list[int]]:
    """Per token of ``docs``, in order: the values of ``attrs``, then its offset and length in its own text;
    and the number of tokens of each doc. One ``to_array`` call per doc reads all that the tagger needs."""
    from spacy.attrs import IDX, LENGTH

    columns = [*attrs, IDX, LENGTH]
    counts = [len(d) for d in docs]
    if not sum(counts):
        return np.zeros((0, len(columns)), dtype=np.uint64), counts
    return np.concatenate([d.to_array(columns) for d in docs if len(d)]).astype(np.uint64, copy=False), counts


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
        # at a chunk's first row: 1 if its last token may begin a special case crossing into the next chunk,
        # 2 if its first token may continue one from the chunk before (:func:`_boundary_tokens`)
        self._edges = np.zeros(0, dtype=np.int8)
        self._ends, self._starts = _boundary_tokens(tokenizer)
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
        first = np.fromiter(map(known.get, every, repeat(-1)), dtype=np.int64, count=len(every))  # -1: new
        if first.min() < 0:
            unknown = np.flatnonzero(first < 0).tolist()
            if not self._learn(list({every[i]: None for i in unknown})):  # emptied on the way: chunks are gone
                return self._uncached(texts)
            first[unknown] = [known[every[i]] for i in unknown]
        # where each chunk starts in its text: after the previous chunks and one space each, unless irregular
        step = np.fromiter(map(len, every), dtype=np.int64, count=len(every)) + 1
        start = np.cumsum(step) - step
        text_end = np.cumsum(per_text)
        text_first = text_end - per_text
        start -= np.repeat(start[np.minimum(text_first, len(every) - 1)], per_text)
        for at, starts in irregular:
            start[at : at + len(starts)] = starts
        tokens = self._tokens[first]
        chunk_of_token: slice | NDArray[np.intp]
        if (tokens == 1).all():
            rows, chunk_of_token = first, slice(None)
        else:
            owners = np.repeat(np.arange(len(every)), tokens)
            within = np.arange(len(owners)) - (np.cumsum(tokens) - tokens)[owners]
            rows, chunk_of_token = first[owners] + within, owners
        idx = start[chunk_of_token] + self._offset[rows]
        before = np.concatenate([[0], np.cumsum(tokens)])
        counts = before[text_end] - before[text_first]
        embedded = Embedded(self._rows[rows], counts.tolist(), idx.tolist(), self._length[rows].tolist())
        # chunks one space apart in one text, where a special case may cross from one into the next
        edges = self._edges[first]
        owner = np.repeat(np.arange(len(texts)), per_text)
        crossing = (edges[:-1] & 1).astype(bool) & (edges[1:] & 2).astype(bool)
        crossing &= (start[1:] == start[:-1] + step[:-1]) & (owner[1:] == owner[:-1])
        if crossing.any():
            return self._whole(texts, embedded, set(owner[:-1][crossing].tolist()))
        return embedded

    def _whole(self, texts: list[str], embedded: Embedded, redo: set[int]) -> Embedded:
        """``embedded`` with the texts numbered ``redo`` tokenized whole and embedded token by token."""
        bounds = np.cumsum([0, *embedded.counts]).tolist()
        parts = [self._uncached([text]) if k in redo else Embedded(
            embedded.rows[bounds[k] : bounds[k + 1]], [embedded.counts[k]], embedded.idx[bounds[k] : bounds[k + 1]],
            embedded.length[bounds[k] : bounds[k + 1]]) for k, text in enumerate(texts)]
        return Embedded(np.concatenate([p.rows for p in parts]), [p.counts[0] for p in parts],
                        [i for p in parts for i in p.idx], [n for p in parts for n in p.length])

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
            ids, idx, length = self._features(SEPARATOR.join(group))
            starts = np.cumsum([0] + [len(c) + len(SEPARATOR) for c in group[:-1]])
            ends = starts + [len(c) for c in group]
            keep = np.searchsorted(ends, idx, side="right") == np.searchsorted(starts, idx, side="right") - 1
            ids, idx, length = ids[keep], idx[keep], length[keep]  # the separators' tokens dropped
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
            self._offset, self._length, self._tokens, self._edges = (
                _grown(a, size, used) for a in (self._offset, self._length, self._tokens, self._edges))
        tokens = np.empty_like(bounds)
        tokens[:-1] = bounds[1:] - bounds[:-1]
        tokens[-1] = len(rows) - bounds[-1]
        offset = idx - np.repeat(starts, tokens)
        self._rows[used:need] = rows
        self._offset[used:need] = offset
        self._length[used:need] = length
        self._tokens[used + bounds] = tokens
        firsts, lasts = bounds.tolist(), (bounds + tokens - 1).tolist()
        offset_, length_ = offset.tolist(), length.tolist()
        def token(chunk: str, row: int) -> str:
            return chunk[offset_[row] : offset_[row] + length_[row]]

        self._edges[used + bounds] = [(token(chunk, b) in self._ends) + 2 * (token(chunk, a) in self._starts)
                                      for chunk, a, b in zip(group, firsts, lasts, strict=True)]
        self._known.update(zip(group, (used + bounds).tolist(), strict=True))
        self._used = need

    def _features(self, text: str) -> tuple[NDArray[np.uint64], NDArray[np.int64], NDArray[np.int64]]:
        """The tagger's feature rows of ``text``'s tokens, and their offsets and lengths."""
        rows, _ = token_rows([self._tokenizer(text)], self._tagger.attrs)
        return rows[:, :-2], rows[:, -2].astype(np.int64), rows[:, -1].astype(np.int64)

    def _uncached(self, texts: list[str]) -> Embedded:
        """Every token of ``texts`` tokenized with the text and embedded, nothing kept: for a batch with more
        distinct chunks than the cache holds, and for a line where a special case may cross chunks."""
        rows, counts = token_rows([self._tokenizer(t) for t in texts], self._tagger.attrs)
        return Embedded(self._tagger.embed(rows[:, :-2]), counts, rows[:, -2].tolist(), rows[:, -1].tolist())


def _grown(a: NDArray[Any], size: int, keep: int) -> NDArray[Any]:
    out = np.zeros((size, *a.shape[1:]), dtype=a.dtype)
    out[:keep] = a[:keep]
    return out


__all__ = ["CAPACITY", "SEPARATOR", "ChunkCache", "Embedded", "chunks", "chunkwise", "token_rows"]
