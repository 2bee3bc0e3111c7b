"""The shipped tagger's forward pass in plain numpy: same weights, same scores, a third of the time.

Why: for a 1 KB request thinc spent ~9 ms in the tagger, two thirds of it in
its bundled BLIS matrix products (3x slower than numpy's OpenBLAS on this CPU)
and most of the rest in per-layer bookkeeping (layer callbacks, copies,
padding and unpadding each list of docs). The network is small and fixed
(spaCy ``HashEmbedCNN`` + softmax: hash embeddings, a maxout mixing layer,
residual maxout convolutions with layer norm), so it is reproduced here layer
by layer on one flat array, exactly as thinc lays it out (zero rows between
docs), and ``tests/perimeter/test_ner.py`` checks that the scores match thinc's.

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


class UnsupportedModel(ValueError):
    """The spaCy tagger is not the HashEmbedCNN + softmax network this module reproduces."""


@dataclass(frozen=True)
class _Maxout:
    """Maxout then layer norm. The weights are stored piece-major, (nI, nP * nO), so that the maximum over
    pieces is an element-wise maximum of contiguous blocks (numpy's reduction over a short last axis is slow)."""

    w: F32
    b: F32
    n_out: int
    pieces: int
    gain: F32  # layer norm that follows
    shift: F32

    def __call__(self, x: F32) -> F32:
        y = x @ self.w
        y += self.b
        return self.activate(y)

    def activate(self, y: F32) -> F32:
        """Maximum over pieces and layer norm of the pre-activation ``y`` (bias included)."""
        n = self.n_out
        z = y[:, :n]
        for p in range(1, self.pieces):
            z = np.maximum(z, y[:, p * n : (p + 1) * n])
        z = z - z.mean(axis=1, keepdims=True)
        var = np.einsum("ij,ij->i", z, z)[:, None] / np.float32(n) + np.float32(1e-8)
        return z * (var ** np.float32(-0.5)) * self.gain + self.shift


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
        from thinc.api import NumpyOps

        nodes = list(model.walk())
        names = {n.name for n in nodes}
        if not all(any(e in name for name in names) for e in _EXPECTED) or any("lstm" in n for n in names):
            raise UnsupportedModel("not a HashEmbedCNN tagger")
        self._ops = NumpyOps()
        extract = next(n for n in nodes if n.name == "extract_features")
        self.columns: list[Any] = list(extract.attrs["columns"])
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
        self._offsets = np.cumsum([0] + [t.shape[0] for t, _ in self._tables[:-1]]).astype(np.int64)
        self._convs = [_maxout(m, g) for m, g in zip(maxouts[1:], norms[1:], strict=True)]
        windows = {n.attrs["window_size"] for n in nodes if n.name == "expand_window"}
        if windows != {1}:
            raise UnsupportedModel("only a window of one token either side is reproduced")
        self._pad = next(n.attrs["pad"] for n in nodes if n.name.startswith("with_array(residual"))
        soft = next(n for n in nodes if n.name == "softmax")
        self._out_w = np.ascontiguousarray(soft.get_param("W").T, dtype=np.float32)
        self._out_b = np.asarray(soft.get_param("b"), dtype=np.float32)

    def _embed(self, ids: NDArray[np.uint64]) -> F32:
        """Hash embeddings and the mixing layer: thinc hashes each feature 4 times into its table and sums."""
        y: F32 | None = None
        for col, (table, seed) in enumerate(self._tables):
            keys = self._ops.hash(np.ascontiguousarray(ids[:, col]), seed) % table.shape[0] + self._offsets[col]
            for k in range(keys.shape[1]):
                rows = self._projected[keys[:, k]]  # a fresh array: adding into it is safe
                if y is None:
                    y = rows
                else:
                    y += rows
        assert y is not None
        y += self._mix.b
        return self._mix.activate(y)

    def scores(self, docs: list[Any]) -> list[F32]:
        """One (tokens, tags) array of logits per doc; empty docs get an empty array."""
        lengths = [len(d) for d in docs]
        if not sum(lengths):
            return [np.zeros((0, len(self._out_b)), dtype=np.float32) for _ in docs]
        ids = np.concatenate([d.to_array(self.columns) for d in docs if len(d)]).astype(np.uint64, copy=False)
        x = self._embed(ids)
        # thinc's layout for the convolutions: ``pad`` zero rows before, between and after the docs
        pad, width = self._pad, x.shape[1]
        rows = sum(lengths) + pad * (sum(1 for n in lengths if n) + 1)
        flat = np.zeros((rows, width), dtype=np.float32)
        starts, pos, done = [], pad, 0
        for n in lengths:
            starts.append(pos)
            if n:
                flat[pos : pos + n] = x[done : done + n]
                pos, done = pos + n + pad, done + n
        for conv in self._convs:
            window = np.zeros((rows, 3 * width), dtype=np.float32)
            window[1:, :width] = flat[:-1]
            window[:, width : 2 * width] = flat
            window[:-1, 2 * width :] = flat[1:]
            flat = flat + conv(window)
        logits = flat @ self._out_w + self._out_b
        return [logits[s : s + n] for s, n in zip(starts, lengths, strict=True)]


__all__ = ["NumpyTagger", "UnsupportedModel"]
