"""llama.cpp's native sampler chain, built per request.

Sampling in Python over Gemma's 262k-token vocabulary is about 3x slower than
llama.cpp's own samplers, so every request gets a native chain:
``[logit bias] -> [penalties] -> greedy`` or
``[logit bias] -> [penalties] -> top-k -> top-p -> min-p -> temperature -> dist(seed)``.

Grammars (``response_format``) are kept *outside* the chain, as llama.cpp's
``common_sampler`` does: a grammar check of all 262k candidates costs far more
than a decode step, so we first sample without it, check only the chosen token
against the grammar, and run the full grammar filter only when that token is not
allowed.
"""

from __future__ import annotations

import ctypes
import random
from typing import Any

import numpy as np

from edgewise.engine.types import SamplingParams
from edgewise.errors import InvalidSchema

_TOKEN_DATA = np.dtype([("id", "<i4"), ("logit", "<f4"), ("p", "<f4")])


class NativeSampler:
    """Owns a ``llama_sampler`` chain (and grammar); free it with :meth:`close`."""

    def __init__(self, lc: Any, vocab: Any, n_vocab: int, params: SamplingParams, eog: tuple[int, ...] = ()) -> None:
        self.lc = lc
        self.n_vocab = n_vocab
        self.grammar = None
        chain = lc.llama_sampler_chain_init(lc.llama_sampler_chain_default_params())
        self.ptr = chain
        if params.grammar:
            self.grammar = lc.llama_sampler_init_grammar(vocab, params.grammar.encode(), b"root")
            if not self.grammar:
                self.close()
                raise InvalidSchema("The grammar for this request could not be parsed by llama.cpp.", param="response_format")
            self._cand = np.zeros(n_vocab, dtype=_TOKEN_DATA)
            self._ids = np.arange(n_vocab, dtype=np.int32)
            self._one = np.zeros(1, dtype=_TOKEN_DATA)
        if params.ignore_eos and eog:
            biases = (lc.llama_logit_bias * len(eog))(*[lc.llama_logit_bias(t, float("-inf")) for t in eog])
            lc.llama_sampler_chain_add(chain, lc.llama_sampler_init_logit_bias(n_vocab, len(eog), biases))
        if params.repeat_penalty != 1.0 or params.frequency_penalty or params.presence_penalty:
            lc.llama_sampler_chain_add(
                chain,
                lc.llama_sampler_init_penalties(
                    n_vocab, params.repeat_last_n, params.repeat_penalty, params.frequency_penalty, params.presence_penalty
                ),
            )
        if params.greedy:
            lc.llama_sampler_chain_add(chain, lc.llama_sampler_init_greedy())
        else:
            if params.top_k > 0:
                lc.llama_sampler_chain_add(chain, lc.llama_sampler_init_top_k(params.top_k))
            if params.top_p < 1.0:
                lc.llama_sampler_chain_add(chain, lc.llama_sampler_init_top_p(params.top_p, 1))
            if params.min_p > 0.0:
                lc.llama_sampler_chain_add(chain, lc.llama_sampler_init_min_p(params.min_p, 1))
            lc.llama_sampler_chain_add(chain, lc.llama_sampler_init_temp(params.temperature))
            seed = params.seed if params.seed is not None else random.getrandbits(32)
            lc.llama_sampler_chain_add(chain, lc.llama_sampler_init_dist(seed & 0xFFFFFFFF))

    def sample(self, ctx: Any, idx: int) -> int:
        """Sample from the logits of batch row ``idx`` and accept the token into the samplers."""
        if self.grammar is None:
            return int(self.lc.llama_sampler_sample(self.ptr, ctx, idx))
        logits = np.ctypeslib.as_array(self.lc.llama_get_logits_ith(ctx, idx), shape=(self.n_vocab,))
        tok = self._apply(self.ptr, self._fill(self._cand, logits))
        if not self._allowed(tok):
            arr = self._fill(self._cand, logits)
            self.lc.llama_sampler_apply(self.grammar, ctypes.byref(arr))
            tok = self._apply(self.ptr, arr)
        self.lc.llama_sampler_accept(self.grammar, tok)
        self.lc.llama_sampler_accept(self.ptr, tok)
        return tok

    def _fill(self, buf: np.ndarray, logits: np.ndarray) -> Any:
        buf["id"] = self._ids
        buf["logit"] = logits
        buf["p"] = 0.0
        return self._array(buf, len(buf))

    def _array(self, buf: np.ndarray, size: int) -> Any:
        lc = self.lc
        return lc.llama_token_data_array(
            data=buf.ctypes.data_as(lc.llama_token_data_p), size=size, selected=-1, sorted=False
        )

    def _apply(self, smpl: Any, arr: Any) -> int:
        self.lc.llama_sampler_apply(smpl, ctypes.byref(arr))
        if arr.selected < 0:
            raise InvalidSchema("The grammar allows no further token here.", param="response_format")
        return int(arr.data[arr.selected].id)

    def _allowed(self, tok: int) -> bool:
        self._one[0] = (tok, 1.0, 0.0)
        arr = self._array(self._one, 1)
        self.lc.llama_sampler_apply(self.grammar, ctypes.byref(arr))
        return bool(np.isfinite(self._one[0]["logit"]))

    def close(self) -> None:
        if self.ptr:
            self.lc.llama_sampler_free(self.ptr)
            self.ptr = None
        if self.grammar:
            self.lc.llama_sampler_free(self.grammar)
            self.grammar = None


__all__ = ["NativeSampler"]
