"""Which models are loaded, loading on demand, and sharing weights between adapters.

The node serves its default model from start-up and loads any other registered
name on first use (as Ollama does). ``base+adapter`` names get their own
llama.cpp context on the *same* loaded base weights, because llama.cpp applies
LoRA adapters per context.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from edgewise.config import Settings
from edgewise.engine.llama_model import LlamaModel, LoraAdapter
from edgewise.engine.local import LocalEngine
from edgewise.engine.scheduler import Scheduler
from edgewise.errors import ModelNotFound, NotReady
from edgewise.models.registry import ModelEntry, ModelRegistry

log = logging.getLogger("edgewise.engine")


class EngineManager:
    def __init__(self, settings: Settings, *, metrics: Any | None = None, progress: Callable[[str], None] | None = None) -> None:
        self.settings = settings
        self.metrics = metrics
        self.registry = ModelRegistry(settings.models_dir, progress=progress)
        self._lock = threading.RLock()
        self._weights: dict[str, LlamaModel] = {}
        self._adapters: list[LoraAdapter] = []
        self._engines: dict[str, LocalEngine] = {}
        self._path_models: dict[str, Path] = {}
        self.default_name = self._name_for(settings.model)

    def _name_for(self, model: str) -> str:
        """A registered name, or a path to a GGUF file served under its file stem."""
        p = Path(model).expanduser()
        if model.endswith(".gguf") or (p.is_file() and "/" in model):
            if not p.is_file():
                raise ModelNotFound(f"No model file at {p}.")
            name = p.name.removesuffix(".gguf")
            self._path_models[name] = p.resolve()
            return name
        return model

    # --- queries -------------------------------------------------------------------
    def names(self) -> list[str]:
        """Everything a client may ask for: registered models and adapters, plus path-served ones."""
        listed = [e.name for e in self.registry.list() if e.kind in ("gguf", "lora")]
        return listed + [n for n in self._path_models if n not in listed]

    def loaded(self) -> list[str]:
        return list(self._engines)

    def peek(self, name: str) -> LocalEngine | None:
        return self._engines.get(name)

    # --- loading -------------------------------------------------------------------
    def load_default(self) -> LocalEngine:
        return self.get(self.default_name)

    def get(self, name: str | None = None) -> LocalEngine:
        name = name or self.default_name
        engine = self._engines.get(name)
        if engine is not None:
            return engine
        with self._lock:
            engine = self._engines.get(name)
            if engine is None:
                engine = self._load(name)
                self._engines[name] = engine
            return engine

    async def aget(self, name: str | None = None) -> LocalEngine:
        """Async access: loaded engines return at once, others load in a worker thread."""
        engine = self._engines.get(name or self.default_name)
        return engine if engine is not None else await asyncio.to_thread(self.get, name)

    def _weights_for(self, name: str, path: Path) -> LlamaModel:
        key = str(path)
        if key not in self._weights:
            log.info("loading %s from %s", name, path)
            self._weights[key] = LlamaModel(path, name=name)
        return self._weights[key]

    def _load(self, name: str) -> LocalEngine:
        if name in self._path_models:
            entry = ModelEntry(name=name, path=str(self._path_models[name]))
        else:
            entry = self.registry.get(name)
        if entry.kind not in ("gguf", "lora"):
            raise ModelNotFound(f"'{name}' is a {entry.kind}, not a language model; it cannot serve completions.")
        adapter = None
        if entry.kind == "lora":
            base = self.registry.get(entry.base or "")
            weights = self._weights_for(base.name, self.registry.resolve_path(base.name))
            adapter = LoraAdapter(weights, Path(entry.path), scale=float(entry.meta.get("scale", 1.0)))
            self._adapters.append(adapter)
        else:
            path = Path(entry.path) if name in self._path_models else self.registry.resolve_path(name)
            weights = self._weights_for(name, path)
        s = self.settings
        scheduler = Scheduler(
            weights, name=name, ctx_per_seq=s.ctx, parallel=s.parallel, n_batch=s.batch, threads=s.threads,
            max_queue=s.max_queue, adapter=adapter, metrics=self.metrics,
        )
        return LocalEngine(name, weights, scheduler)

    def refresh_metrics(self) -> None:
        for eng in self._engines.values():
            eng.scheduler.refresh_metrics()

    def require_ready(self) -> LocalEngine:
        engine = self._engines.get(self.default_name)
        if engine is None:
            raise NotReady("The model is still loading; retry in a moment (GET /health turns 200 when ready).")
        return engine

    def close(self) -> None:
        with self._lock:
            for eng in self._engines.values():
                eng.scheduler.close()
            self._engines.clear()
            for a in self._adapters:
                a.close()
            self._adapters.clear()
            for w in self._weights.values():
                w.close()
            self._weights.clear()


def open_engine(settings: Settings, model: str | None = None, progress: Callable[[str], None] | None = None) -> LocalEngine:
    """Load one model for in-process use (CLI, apps, benchmarks); ``close()`` frees everything."""
    manager = EngineManager(settings, progress=progress)
    try:
        engine = manager.get(model)
    except BaseException:
        manager.close()
        raise
    return LocalEngine(engine.model_name, engine.model, engine.scheduler, on_close=manager.close)


__all__ = ["EngineManager", "open_engine"]
