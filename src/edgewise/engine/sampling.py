"""llama.cpp's native sampler chain, built per request.

Sampling in Python over Gemma's 262k-token vocabulary is about 3x slower than
llama.cpp's own samplers, so every request gets a native chain:
``[grammar] -> [penalties] -> greedy`` or
``[grammar] -> [penalties] -> top-k -> top-p -> min-p -> temperature -> dist(seed)``.
"""

from __future__ import annotations

import random
from typing import Any

from edgewise.engine.types import SamplingParams
from edgewise.errors import InvalidSchema


class NativeSampler:
    """Owns a ``llama_sampler`` chain; free it with :meth:`close`."""

    def __init__(self, lc: Any, vocab: Any, n_vocab: int, params: SamplingParams, eog: tuple[int, ...] = ()) -> None:
        self.lc = lc
        chain = lc.llama_sampler_chain_init(lc.llama_sampler_chain_default_params())
        self.ptr = chain
        if params.grammar:
            g = lc.llama_sampler_init_grammar(vocab, params.grammar.encode(), b"root")
            if not g:
                self.close()
                raise InvalidSchema("The grammar for this request could not be parsed by llama.cpp.", param="response_format")
            lc.llama_sampler_chain_add(chain, g)
        if params.ignore_eos and eog:
            biases = (lc.llama_logit_bias * len(eog))(*[lc.llama_logit_bias(t, float("-inf")) for t in eog])
            lc.llama_sampler_chain_add(chain, lc.llama_sampler_init_logit_bias(n_vocab, len(eog), biases))
        if params.repeat_penalty != 1.0 or params.frequency_penalty or params.presence_penalty:
            lc.llama_sampler_chain_add(
                chain,
                lc.llama_sampler_init_penalties(
                    params.repeat_last_n, params.repeat_penalty, params.frequency_penalty, params.presence_penalty
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
        """Sample from the logits of batch row ``idx`` (this also accepts the token into the chain)."""
        return int(self.lc.llama_sampler_sample(self.ptr, ctx, idx))

    def close(self) -> None:
        if self.ptr:
            self.lc.llama_sampler_free(self.ptr)
            self.ptr = None


__all__ = ["NativeSampler"]
