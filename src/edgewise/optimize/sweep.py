"""The whole pipeline in one call: reference, quantized and pruned variants, evaluation.

Used by ``edgewise optimize sweep`` and by ``benchmarks/optimize.py``. Files already
built (same name, newer than their source) are reused, so a sweep can be resumed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edgewise.optimize.evaluate import EvalConfig, Evaluator, VariantResult
from edgewise.optimize.prune import prune_blocks
from edgewise.optimize.quantize import quantize
from edgewise.optimize.reference import ensure_reference
from edgewise.optimize.scoring import BlockScores, score_blocks

Step = Callable[[str, int, int], None]


@dataclass
class SweepPlan:
    source: Path
    out_dir: Path
    types: tuple[str, ...]
    prune: tuple[int, ...] = ()  # numbers of blocks to remove
    prune_base: str = "Q4_K_M"  # the quantized variant the pruned ones start from
    iterative: bool = False
    eval: EvalConfig = field(default_factory=EvalConfig)
    calib_ctx: int = 256
    calib_chunks: int = 2
    include_source: bool = True


@dataclass
class SweepResult:
    reference: Path
    reference_derived: bool
    variants: list[VariantResult]
    block_scores: BlockScores | None
    timings: dict[str, float]


def _fresh(dst: Path, src: Path) -> bool:
    return dst.exists() and dst.stat().st_mtime >= src.stat().st_mtime


def build_variants(plan: SweepPlan, calibration_text: str, step: Step | None) -> tuple[Path, bool, list[tuple[str, Path]], BlockScores | None]:
    """Build every file of ``plan``; return (reference, derived, [(name, path)], block scores)."""
    out = plan.out_dir
    ref, derived = ensure_reference(plan.source, out, progress=(lambda d, t: step("reference (dequantize)", d, t)) if step else None)
    stem = plan.source.name.removesuffix(".gguf").replace("-q4_k_m", "")
    files: list[tuple[str, Path]] = [("reference-F16" if derived else "reference", ref)]
    if plan.include_source and derived:
        files.append((f"shipped-{plan.source.name.removesuffix('.gguf').split('-')[-1]}", plan.source))
    for i, qtype in enumerate(plan.types):
        if step:
            step(f"quantize {qtype}", i, len(plan.types))
        dst = out / f"{stem}-{qtype}.gguf"
        if not _fresh(dst, ref):
            quantize(ref, dst, qtype, threads=plan.eval.threads)
        files.append((qtype, dst))
    scores = None
    if plan.prune:
        base = out / f"{stem}-{plan.prune_base}.gguf"
        if not _fresh(base, ref):
            quantize(ref, base, plan.prune_base, threads=plan.eval.threads)
        scores = score_blocks(base, calibration_text, max(plan.prune), n_ctx=plan.calib_ctx, n_chunks=plan.calib_chunks,
                              threads=plan.eval.threads, cache_dir=out / "cache", iterative=plan.iterative, step=step)
        for n in plan.prune:
            dst = out / f"{stem}-{plan.prune_base}-prune{n}.gguf"
            prune_blocks(base, dst, scores.chosen[:n])
            files.append((f"{plan.prune_base}-prune{n}", dst))
    return ref, derived, files, scores


def run_sweep(plan: SweepPlan, calibration_text: str, evaluation_text: str, text_source: str,
              step: Step | None = None) -> SweepResult:
    import time

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    ref, derived, files, scores = build_variants(plan, calibration_text, step)
    timings["build_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    ev = Evaluator(ref, evaluation_text, text_source, plan.out_dir / "cache", plan.eval, step=step)
    results = [ev.evaluate(path, name) for name, path in files]
    timings["evaluate_s"] = time.perf_counter() - t1
    return SweepResult(ref, derived, results, scores, timings)


def scores_dict(scores: BlockScores | None) -> dict[str, Any] | None:
    if scores is None:
        return None
    return {"n_blocks": scores.n_blocks, "kld_when_removed": {str(k): v for k, v in sorted(scores.scores.items())},
            "chosen_in_order": scores.chosen, "rounds": len(scores.rounds)}


def dump(result: SweepResult) -> str:
    return json.dumps({"reference": str(result.reference), "reference_derived": result.reference_derived,
                       "variants": [v.to_dict() for v in result.variants], "block_scores": scores_dict(result.block_scores),
                       "timings": result.timings}, indent=2)


__all__ = ["SweepPlan", "SweepResult", "build_variants", "dump", "run_sweep", "scores_dict"]
