"""The shipped tagger's forward pass in plain numpy: same weights, same scores, a third of the time.

Why: for a 1 KB request thinc spent ~9 ms in the tagger, two thirds of it in
its bundled BLIS matrix products (3x slower than numpy's OpenBLAS on this CPU)
and most of the rest in per-layer bookkeeping (layer callbacks, copies,
padding and unpadding each list of docs). The network is small and fixed
(spaCy ``HashEmbedCNN`` + softmax: hash embeddings, a maxout mixing layer,
residual maxout convolutions with layer norm), so it is reproduced here layer
by layer on one flat array, with thinc's padding (zero tokens between docs)
but feature-major across the convolutions (:class:`_ColumnMaxout`), and
``tests/perimeter/test_ner.py`` checks that the scores match thinc's.

One algebraic shortcut: the mixing layer multiplies the concatenated embeddings
(a sum of table rows per feature) by a fixed matrix, so each embedding table is
multiplied by its block of that matrix once, at load time; a token's mixing
pre-activation is then a sum of 16 rows of those projected tables, and the
largest matrix product of the network disappears from the request path.

Anything else (another architecture in a configured model) is refused with
:class:`UnsupportedModel`, and the caller falls back to thinc.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

F32 = NDArray[np.float32]
_EXPECTED = ("extract_features", "list2ragged", "hashembed", "maxout", "layernorm", "ragged2list", "expand_window",
             "residual", "softmax")


#: From this many tokens on, each distinct feature row is embedded once (:func:`_distinct_rows`); below it,
#: finding them costs more than it saves (measured: 2% slower at 190 tokens, 6% faster at 380, 20% at 1900).
DISTINCT_FROM = 256


class UnsupportedModel(ValueError):
    """The spaCy tagger is not the HashEmbedCNN + softmax network this module reproduces."""


@dataclass(frozen=True)
class _Maxout:
    """Maxout then layer norm, token-major: the mixing layer (its product is folded into the embedding tables,
    so only :meth:`activate` runs per request). The weights are stored piece-major, (nI, nP * nO), so that the maximum over
    pieces is an element-wise maximum of contiguous blocks (numpy's reduction over a short last axis is slow)."""

    w: F32
    b: F32
    n_out: int
    pieces: int
    gain: F32  # layer norm that follows
    shift: F32

    def activate(self, y: F32) -> F32:
        """Maximum over pieces and layer norm of the pre-activation ``y`` (bias included); may overwrite ``y``.

        The arithmetic is thinc's, operation for operation (the mean is ``ndarray.mean``'s sum and division,
        without its Python wrapper); the steps work in place because at these sizes each new array costs
        about as much as the arithmetic.
        """
        n = self.n_out
        z = y[:, :n]
        for p in range(1, self.pieces):
            z = np.maximum(z, y[:, p * n : (p + 1) * n])
        mean = np.add.reduce(z, axis=1, keepdims=True)
        mean /= np.float32(n)  # float32 division rounds as ndarray.mean's float64 one rounded to float32
        z -= mean
        var = np.einsum("ij,ij->i", z, z)
        var /= np.float32(n)
        var += np.float32(1e-8)
        z *= (var ** np.float32(-0.5))[:, None]
        z *= self.gain
        z += self.shift
        return z


@dataclass(frozen=True)
class _ColumnMaxout:
    """A residual convolution layer (maxout over a window of three tokens, then layer norm), feature-major.

    Why a second layout: across the convolutions the activations are kept as (features, tokens). Each
    element-wise step of the layer norm is then one loop over contiguous memory, and each of its reductions
    over a token's 48 features a matrix-vector product, where token-major arrays cost numpy one short inner
    loop per token (measured: the convolutions of a 1 KB text 18% faster). The weights are the transposed
    ones of :class:`_Maxout`, so that the pieces of the output are contiguous blocks of rows.
    """

    w: F32  # (pieces * n_out, 3 * width)
    b: F32  # (pieces * n_out, 1)
    n_out: int
    pieces: int
    gain: F32  # (n_out, 1)
    shift: F32  # (n_out, 1)
    mean: F32  # (1, n_out): 1 / n_out each, a row that averages a column

    @classmethod
    def of(cls, m: _Maxout) -> _ColumnMaxout:
        column = np.ascontiguousarray
        return cls(column(m.w.T), column(m.b[:, None]), m.n_out, m.pieces, column(m.gain[:, None]),
                   column(m.shift[:, None]), np.full((1, m.n_out), 1.0 / m.n_out, dtype=np.float32))

    def __call__(self, window: F32) -> F32:
        """The layer's output (n_out, tokens) for the windowed input ``window`` (3 * width, tokens)."""
        y = self.w @ window
        y += self.b
        n = self.n_out
        z = y[:n]
        for p in range(1, self.pieces):
            np.maximum(z, y[p * n : (p + 1) * n], out=z)
        z -= self.mean @ z
        var = self.mean @ (z * z)
        var += np.float32(1e-8)
        np.sqrt(var, out=var)
        z /= var
        z *= self.gain
        z += self.shift
        return z


def _maxout(node: Any, norm: Any) -> _Maxout:
    w = np.asarray(node.get_param("W"), dtype=np.float32)  # (nO, nP, nI)
    n_out, pieces, n_in = w.shape
    b = np.asarray(node.get_param("b"), dtype=np.float32)  # (nO, nP)
    return _Maxout(np.ascontiguousarray(w.transpose(2, 1, 0).reshape(n_in, pieces * n_out)),
                   np.ascontiguousarray(b.T.reshape(-1)), n_out, pieces,
                   np.asarray(norm.get_param("G"), dtype=np.float32), np.asarray(norm.get_param("b"), dtype=np.float32))


class NumpyTagger:
    """Per-token tag scores (unnormalised logits) of a spaCy ``tagger`` built on ``HashEmbedCNN``."""

    def __init__(self, model: Any) -> None:
        from spacy.attrs import intify_attr
        from thinc.api import NumpyOps

        nodes = list(model.walk())
        names = {n.name for n in nodes}
        if not all(any(e in name for name in names) for e in _EXPECTED) or any("lstm" in n for n in names):
            raise UnsupportedModel("not a HashEmbedCNN tagger")
        self._ops = NumpyOps()
        extract = next(n for n in nodes if n.name == "extract_features")
        self.columns: list[Any] = list(extract.attrs["columns"])
        #: The token attributes the features are read from, as ids (``Doc.to_array`` resolves names per call).
        self.attrs: list[int] = [intify_attr(c) for c in self.columns]
        embeds = sorted((n for n in nodes if n.name == "hashembed"), key=lambda n: n.attrs["column"])
        self._tables = [(np.asarray(n.get_param("E"), dtype=np.float32), int(n.attrs["seed"])) for n in embeds]
        maxouts = [n for n in nodes if n.name == "maxout"]
        norms = [n for n in nodes if n.name == "layernorm"]
        if len(maxouts) != len(norms) or len(embeds) != len(self.columns):
            raise UnsupportedModel("unexpected layer layout")
        self._mix = _maxout(maxouts[0], norms[0])
        width = self._tables[0][0].shape[1]
        if self._mix.w.shape[0] != width * len(self._tables):
            raise UnsupportedModel("the mixing layer does not take the concatenated embeddings")
        # each table times its block of the mixing matrix, all stacked into one table (see the module docstring)
        projected = [table @ self._mix.w[c * width : (c + 1) * width] for c, (table, _) in enumerate(self._tables)]
        self._projected = np.ascontiguousarray(np.concatenate(projected), dtype=np.float32)
        self._sizes = np.array([t.shape[0] for t, _ in self._tables], dtype=np.int64)[:, None, None]
        self._offsets = np.cumsum([0] + [t.shape[0] for t, _ in self._tables[:-1]]).astype(np.int64)[:, None, None]
        self._convs = [_ColumnMaxout.of(_maxout(m, g)) for m, g in zip(maxouts[1:], norms[1:], strict=True)]
        windows = {n.attrs["window_size"] for n in nodes if n.name == "expand_window"}
        if windows != {1}:
            raise UnsupportedModel("only a window of one token either side is reproduced")
        self._pad = next(n.attrs["pad"] for n in nodes if n.name.startswith("with_array(residual"))
        soft = next(n for n in nodes if n.name == "softmax")
        self._out_w = np.ascontiguousarray(soft.get_param("W"), dtype=np.float32)  # (tags, width)
        self._out_b = np.asarray(soft.get_param("b"), dtype=np.float32)

    def embed(self, ids: NDArray[np.uint64]) -> F32:
        """Hash embeddings and the mixing layer, per token: thinc hashes each feature 4 times into its table
        and sums.

        A token's row depends on its own feature row ``ids[i]`` alone, bit for bit, whatever else is in
        ``ids``: rows may be computed once and reused (:func:`_distinct_rows`, ``chunk_cache``). All 16 rows
        per token are gathered in one ``take`` (the table is larger than the cache, so the gather is what
        costs) and summed over the first axis, which adds them one after the other in the order thinc does.
        """
        if not len(ids):
            return np.zeros((0, self.width), dtype=np.float32)
        columns = np.ascontiguousarray(ids.T)
        hashed = np.stack([self._ops.hash(c, seed) for c, (_, seed) in zip(columns, self._tables, strict=True)])
        rows = hashed % self._sizes + self._offsets  # (columns, tokens, 4 hashes): rows of the stacked table
        keys = rows.transpose(0, 2, 1).reshape(-1, len(ids))  # one line per (column, hash), in thinc's order
        y: F32 = np.add.reduce(self._projected.take(keys, axis=0), axis=0)
        y += self._mix.b
        return self._mix.activate(y)

    @property
    def width(self) -> int:
        """Length of an embedded token row (:meth:`embed`)."""
        return self._mix.n_out

    def token_scores(self, ids: NDArray[np.uint64], lengths: list[int]) -> F32:
        """Logits (tokens, tags) from the feature rows ``ids`` (values of :attr:`attrs`, one row per token) of
        docs of ``lengths`` tokens, one doc after the other."""
        if len(ids) < DISTINCT_FROM:
            return self.scores(self.embed(ids), lengths)
        distinct, inverse = _distinct_rows(ids)
        return self.scores(self.embed(ids[distinct])[inverse], lengths)

    def scores(self, embedded: F32, lengths: list[int]) -> F32:
        """Logits (tokens, tags) from the embedded token rows (:meth:`embed`) of docs of ``lengths`` tokens."""
        lengths = [n for n in lengths if n]
        if not lengths:
            return np.zeros((0, len(self._out_b)), dtype=np.float32)
        # thinc's layout for the convolutions: ``pad`` zero tokens before, between and after the docs; here
        # feature-major (:class:`_ColumnMaxout`), one column per token
        pad, tokens = self._pad, len(embedded)
        at = np.arange(tokens) + np.repeat(pad * np.arange(1, len(lengths) + 1), lengths)
        flat = np.zeros((self._mix.n_out, tokens + pad * (len(lengths) + 1)), dtype=np.float32)
        flat[:, at] = embedded.T
        window = np.zeros((3 * len(flat), flat.shape[1]), dtype=np.float32)  # one buffer for every layer
        for conv in self._convs:
            flat += conv(_window(flat, window))
        logits: F32 = (self._out_w @ flat[:, at]).T  # the pad tokens' logits are never read
        logits += self._out_b
        return logits


def _distinct_rows(ids: NDArray[np.uint64]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Indices of one row per distinct row of ``ids``, and per row the position of its copy among those.

    A token's embedding depends on its feature row alone and words repeat (a quarter of the tokens of 1 KB
    of text, two thirds of 10 KB), so each distinct row is embedded once: per token the embedding gathers
    16 rows of a table larger than the cache. Rows are told apart by a 64-bit mix of their columns; should
    two different rows ever share one, the check at the end sees it and every row is embedded on its own.
    """
    odd = np.arange(1, 2 * ids.shape[1], 2, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)  # one per column
    key = ids @ odd  # wraps around modulo 2**64
    order = np.argsort(key)
    ordered = key[order]
    first = np.empty(len(key), dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    inverse = np.empty(len(key), dtype=np.intp)
    inverse[order] = np.cumsum(first) - 1
    distinct = order[first]
    if not (ids[distinct[inverse]] == ids).all():
        every = np.arange(len(ids))
        return every, every
    return distinct, inverse


def _window(flat: F32, out: F32) -> F32:
    """Each token (a column) beside its neighbours, ``[previous; token; next]`` stacked (zeros past the ends):
    thinc's window of one, feature-major.

    Written into ``out``, whose first column's first block and last column's last block must be zeros.
    """
    width = len(flat)
    out[:width, 1:] = flat[:, :-1]
    out[width : 2 * width] = flat
    out[2 * width :, :-1] = flat[:, 1:]
    return out


__all__ = ["NumpyTagger", "UnsupportedModel"]
