"""Load a variant in the edge node's own engine and get tokens: the "does it run" check."""

from __future__ import annotations

from pathlib import Path

from edgewise.config import Settings


def generate_with_engine(settings: Settings, model: str | Path, prompt: str = "The capital of France is",
                         max_tokens: int = 8) -> tuple[str, int]:
    """Greedy completion through :func:`edgewise.engine.open_engine`; ``(text, completion_tokens)``."""
    from edgewise.engine import SamplingParams, open_engine

    # a path is served through settings.model (the engine manager maps it to its file stem)
    engine = open_engine(settings.model_copy(update={"model": str(model)}))
    try:
        done = engine.complete(prompt, SamplingParams(temperature=0, max_tokens=max_tokens, seed=0))
    finally:
        engine.close()
    return done.text, done.usage.completion_tokens


__all__ = ["generate_with_engine"]
