"""Which transformer blocks matter least: score each by the damage its removal does.

Score of block ``i`` = mean KL divergence, on calibration text (never the evaluation
text), between the next-token distributions of the source model and of the model with
``i`` removed (plus any blocks already chosen). Lower = safer to drop. This "skip the
block and measure" criterion needs only llama.cpp (no PyTorch copy of the weights) and
measures the quantity we care about directly; the price is one pruned file and one
short evaluation per candidate block.

``iterative=True`` re-scores the remaining blocks after each removal (N passes, catches
blocks that are only redundant together); the default scores once and takes the N best.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from edgewise.optimize.gguf_rewrite import field_value, open_reader
from edgewise.optimize.metrics import chunk_tokens
from edgewise.optimize.prune import block_count, prune_blocks
from edgewise.optimize.quality import evaluate_quality, reference_logprobs, tokenize_text

StepFn = Callable[[str, int, int], None]


@dataclass
class BlockScores:
    """``scores[i]`` = mean KL (nats/token) when block ``i`` is removed; ``chosen`` in removal order."""

    n_blocks: int
    scores: dict[int, float] = field(default_factory=dict)
    chosen: list[int] = field(default_factory=list)
    rounds: list[dict[int, float]] = field(default_factory=list)


def score_blocks(source: Path, calibration_text: str, remove: int, *, n_ctx: int = 256, n_chunks: int = 2,
                 threads: int = 2, cache_dir: Path, iterative: bool = False,
                 step: StepFn | None = None) -> BlockScores:
    """Pick ``remove`` blocks of ``source`` to drop, scoring every candidate on ``calibration_text``."""
    reader = open_reader(source)
    arch = str(field_value(reader, "general.architecture"))
    n = block_count(reader, arch)
    tokens, bos = tokenize_text(source, calibration_text, n_ctx=n_ctx, threads=threads)
    chunks = chunk_tokens(tokens, n_ctx, n_chunks, bos)
    ref = reference_logprobs(source, chunks, n_ctx=n_ctx, threads=threads, cache_dir=cache_dir)
    result = BlockScores(n_blocks=n)
    rounds = remove if iterative else 1
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        for r in range(rounds):
            candidates = [i for i in range(n) if i not in result.chosen]
            scores: dict[int, float] = {}
            for k, i in enumerate(candidates):
                if step:
                    step(f"scoring blocks (round {r + 1}/{rounds})", k, len(candidates))
                trial = prune_blocks(reader, Path(tmp) / "trial.gguf", result.chosen + [i])
                q, _ = evaluate_quality(trial, chunks, n_ctx=n_ctx, threads=threads, reference_files=ref)
                scores[i] = float(q.kld_mean or 0.0)
            result.rounds.append(scores)
            if r == 0:
                result.scores = scores
            ranked = sorted(scores, key=scores.__getitem__)
            result.chosen += ranked[:1] if iterative else ranked[:remove]
    if step:
        step("scoring blocks", 1, 1)
    return result


__all__ = ["BlockScores", "score_blocks"]
