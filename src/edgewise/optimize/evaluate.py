"""Evaluate one variant against a reference: quality, size, speed and memory in one record."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from edgewise.optimize.metrics import QualityResult, chunk_tokens
from edgewise.optimize.quality import evaluate_quality, reference_logprobs, tokenize_text
from edgewise.optimize.speed import SpeedResult, measure_speed

Step = Callable[[str, int, int], None]  # (what, done, total)


@dataclass
class EvalConfig:
    n_ctx: int = 512
    n_chunks: int = 8
    threads: int = 2
    speed: bool = True
    pp: int = 256
    tg: int = 32
    repeats: int = 2


@dataclass
class VariantResult:
    name: str
    path: str
    quantization: str
    file_size: int
    n_blocks: int | None
    quality: QualityResult
    speed: SpeedResult | None
    reference: str
    text_source: str
    config: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["quality"] = self.quality.to_dict()
        out["speed"] = self.speed.to_dict() if self.speed else None
        return out


class Evaluator:
    """Holds the tokenized held-out text and the cached reference; evaluates variants one by one."""

    def __init__(self, reference: Path, text: str, text_source: str, cache_dir: Path, config: EvalConfig,
                 step: Step | None = None) -> None:
        self.reference = reference
        self.config = config
        self.text_source = text_source
        self.step = step
        tokens, bos = tokenize_text(reference, text, n_ctx=config.n_ctx, threads=config.threads)
        self.chunks = chunk_tokens(tokens, config.n_ctx, config.n_chunks, bos)
        self.ref_files = reference_logprobs(reference, self.chunks, n_ctx=config.n_ctx, threads=config.threads,
                                            cache_dir=cache_dir, progress=self._progress("reference log-probs"))

    def _progress(self, what: str) -> Callable[[int, int], None] | None:
        step = self.step
        if step is None:
            return None
        return lambda done, total: step(what, done, total)

    def evaluate(self, path: Path, name: str | None = None) -> VariantResult:
        t0 = time.perf_counter()
        label = name or path.name.removesuffix(".gguf")
        quality, facts = evaluate_quality(path, self.chunks, n_ctx=self.config.n_ctx, threads=self.config.threads,
                                   reference_files=self.ref_files, progress=self._progress(f"{label}: quality"))
        speed = None
        if self.config.speed:
            if self.step:
                self.step(f"{label}: speed", 0, 1)
            speed = measure_speed(path, pp=self.config.pp, tg=self.config.tg, threads=self.config.threads,
                                  repeats=self.config.repeats)
        return VariantResult(
            name=label, path=str(path), quantization=str(facts["file_type"]), file_size=path.stat().st_size,
            n_blocks=int(facts["n_layer"]), quality=quality, speed=speed, reference=str(self.reference),
            text_source=self.text_source, config=asdict(self.config), seconds=time.perf_counter() - t0,
        )


__all__ = ["EvalConfig", "Evaluator", "Step", "VariantResult"]
