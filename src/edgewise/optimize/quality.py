"""Perplexity, KL divergence and top-1 agreement of a variant against a reference.

The reference's log-probabilities on the held-out text are computed once and cached
as float16 ``.npy`` files (one per chunk, about ``n_ctx/2 * n_vocab * 2`` bytes each),
keyed by the reference file, the token ids and the context length; every variant is
then decoded chunk by chunk and compared without holding all logits in memory.
See :mod:`edgewise.optimize.metrics` for the exact definitions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from edgewise.optimize.llama_runner import LlamaRunner
from edgewise.optimize.metrics import LOGPROB_DTYPE, Accumulator, QualityResult, log_softmax, scored_span

ChunkProgress = Callable[[int, int], None]


def tokenize_text(model: Path, text: str, *, n_ctx: int, threads: int) -> tuple[list[int], int]:
    """Token ids of ``text`` (BOS added) with ``model``'s tokenizer, and its BOS id."""
    with LlamaRunner(model, n_ctx=min(n_ctx, 64), threads=threads) as r:
        return r.tokenize(text), r.bos


def _cache_key(reference: Path, chunks: list[list[int]], n_ctx: int) -> str:
    st = reference.stat()
    h = hashlib.sha256(f"{reference.resolve()}|{st.st_size}|{st.st_mtime_ns}|{n_ctx}".encode())
    h.update(np.asarray(chunks, dtype=np.int32).tobytes())
    return h.hexdigest()[:20]


def reference_logprobs(reference: Path, chunks: list[list[int]], *, n_ctx: int, threads: int, cache_dir: Path,
                       progress: ChunkProgress | None = None) -> list[Path]:
    """Cached float16 log-prob files of ``reference``, one per chunk (computed when missing)."""
    folder = cache_dir / f"ref-{_cache_key(reference, chunks, n_ctx)}"
    files = [folder / f"chunk{i:03d}.npy" for i in range(len(chunks))]
    if all(f.exists() for f in files):
        return files
    folder.mkdir(parents=True, exist_ok=True)
    first, last = scored_span(n_ctx)
    with LlamaRunner(reference, n_ctx=n_ctx, threads=threads) as r:
        for i, (chunk, f) in enumerate(zip(chunks, files)):
            if not f.exists():
                lp = log_softmax(r.chunk_logits(chunk, first, last)).astype(LOGPROB_DTYPE)
                tmp = f.with_suffix(".tmp.npy")
                np.save(tmp, lp)
                tmp.replace(f)
            if progress:
                progress(i + 1, len(chunks))
    return files


def evaluate_quality(model: Path, chunks: list[list[int]], *, n_ctx: int, threads: int,
                     reference_files: list[Path] | None = None, progress: ChunkProgress | None = None
                     ) -> tuple[QualityResult, dict[str, int | str]]:
    """Score ``model`` on ``chunks``; with ``reference_files``, also KL and top-1 agreement.

    Also returns facts llama.cpp reports about the loaded file (block count, file type).
    """
    first, last = scored_span(n_ctx)
    acc = Accumulator()
    with LlamaRunner(model, n_ctx=n_ctx, threads=threads) as r:
        facts: dict[str, int | str] = {"n_layer": r.n_layer, "file_type": r.file_type}
        for i, chunk in enumerate(chunks):
            lp = log_softmax(r.chunk_logits(chunk, first, last))
            targets = np.asarray(chunk[first + 1:last + 1], dtype=np.int64)
            ref = np.load(reference_files[i], mmap_mode="r") if reference_files else None
            acc.add(lp, targets, ref)
            if progress:
                progress(i + 1, len(chunks))
    return acc.result(), facts


__all__ = ["evaluate_quality", "reference_logprobs", "tokenize_text"]
