"""Local inference on llama.cpp: continuous batching, native sampling, grammars, LoRA.

Use :func:`open_engine` for in-process work and :class:`EngineManager` to serve
several names. Nothing outside this package touches llama-cpp-python objects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from edgewise.engine.types import Chunk, Completion, Engine, GenerationRequest, SamplingParams, Usage

if TYPE_CHECKING:  # the lazy exports of __getattr__, for type checkers
    from edgewise.engine.local import LocalEngine
    from edgewise.engine.manager import EngineManager, open_engine

__all__ = [
    "Chunk",
    "Completion",
    "Engine",
    "EngineManager",
    "GenerationRequest",
    "LocalEngine",
    "SamplingParams",
    "Usage",
    "open_engine",
]


def __getattr__(name: str) -> object:
    # llama_cpp is imported only when an engine is actually needed
    if name in ("EngineManager", "open_engine"):
        from edgewise.engine import manager

        return getattr(manager, name)
    if name == "LocalEngine":
        from edgewise.engine.local import LocalEngine

        return LocalEngine
    raise AttributeError(name)
