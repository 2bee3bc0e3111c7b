"""Quality metrics of a variant against a reference, from next-token log-probabilities.

Definitions follow llama.cpp's ``llama-perplexity`` (``tools/perplexity/perplexity.cpp``)
so the numbers can be checked against it:

* The text is tokenized once (BOS added) and cut into ``n_chunk`` chunks of ``n_ctx``
  tokens; the first token of every chunk is replaced by BOS, and each chunk is decoded
  from an empty KV cache.
* Only the second half of a chunk is scored: logits at positions ``first = n_ctx // 2``
  .. ``n_ctx - 2`` predict tokens ``first + 1`` .. ``n_ctx - 1`` (``n_ctx - first - 1``
  tokens per chunk), so every scored token has at least ``n_ctx / 2`` tokens of context.
* Perplexity = ``exp(mean NLL)`` over all scored tokens; its uncertainty is
  ``PPL * sqrt(var(NLL) / (N - 1))`` (llama.cpp's "+/-").
* KL divergence per token = ``sum_v p_ref(v) * (log p_ref(v) - log p_var(v))`` over the
  full vocabulary; we report its mean, median and 99th percentile. Like llama.cpp's
  ``--kl-divergence-base`` file, reference log-probs are stored at reduced precision
  (float16); variant log-probs are rounded the same way before the KL and the top-1
  comparison, so a model compared with itself gives exactly KL = 0 and agreement = 1.
* Top-1 agreement = share of scored positions where both models' most likely next
  token is the same (llama.cpp's "Same top p").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

LOGPROB_DTYPE = np.float16


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax in float32 (logits: ``[n_pos, n_vocab]``)."""
    x = logits.astype(np.float32, copy=False)
    shifted = x - x.max(axis=1, keepdims=True)
    out: np.ndarray = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return out


def scored_span(n_ctx: int) -> tuple[int, int]:
    """``(first, last)``: logit positions ``first..last-1`` are scored in a chunk of ``n_ctx``."""
    first = n_ctx // 2
    return first, n_ctx - 1


def chunk_tokens(tokens: list[int], n_ctx: int, n_chunks: int, bos: int) -> list[list[int]]:
    """Cut ``tokens`` into at most ``n_chunks`` chunks of ``n_ctx``, first token set to BOS."""
    available = len(tokens) // n_ctx
    if available < 1:
        raise ValueError(f"The text has {len(tokens)} tokens; at least {n_ctx} are needed for one chunk.")
    chunks = []
    for i in range(min(n_chunks, available)):
        chunk = list(tokens[i * n_ctx:(i + 1) * n_ctx])
        chunk[0] = bos
        chunks.append(chunk)
    return chunks


@dataclass
class Accumulator:
    """Running sums over chunks: candidate NLLs, and KL / agreement when a reference is given."""

    nll: list[np.ndarray] = field(default_factory=list)
    kld: list[np.ndarray] = field(default_factory=list)
    same_top1: list[np.ndarray] = field(default_factory=list)

    def add(self, logprobs: np.ndarray, targets: np.ndarray, reference: np.ndarray | None) -> None:
        """``logprobs``: float32 ``[n, V]`` of the candidate; ``targets``: the ``n`` next tokens."""
        self.nll.append(-logprobs[np.arange(len(targets)), targets].astype(np.float64))
        if reference is None:
            return
        cand = logprobs.astype(LOGPROB_DTYPE).astype(np.float32)
        ref = reference.astype(np.float32)
        self.kld.append((np.exp(ref) * (ref - cand)).sum(axis=1, dtype=np.float64))
        self.same_top1.append(ref.argmax(axis=1) == cand.argmax(axis=1))

    def result(self) -> QualityResult:
        nll = np.concatenate(self.nll)
        ppl = float(np.exp(nll.mean()))
        ppl_err = float(ppl * np.sqrt(nll.var() / max(len(nll) - 1, 1)))
        out = QualityResult(tokens=int(len(nll)), perplexity=ppl, perplexity_err=ppl_err, mean_nll=float(nll.mean()))
        if self.kld:
            kld = np.concatenate(self.kld)
            out.kld_mean = float(kld.mean())
            out.kld_median = float(np.median(kld))
            out.kld_p99 = float(np.percentile(kld, 99))
            out.top1_agreement = float(np.concatenate(self.same_top1).mean())
        return out


@dataclass
class QualityResult:
    tokens: int
    perplexity: float
    perplexity_err: float
    mean_nll: float
    kld_mean: float | None = None
    kld_median: float | None = None
    kld_p99: float | None = None
    top1_agreement: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


__all__ = ["Accumulator", "LOGPROB_DTYPE", "QualityResult", "chunk_tokens", "log_softmax", "scored_span"]
