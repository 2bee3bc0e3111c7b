"""LoRA adapters served as `base+adapter` on the same loaded base weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edgewise.config import load_settings
from edgewise.engine import EngineManager, SamplingParams
from edgewise.federated.export import write_gguf_lora
from edgewise.models import ModelRegistry, read_gguf_info

GREEDY = SamplingParams(temperature=0, max_tokens=12, cache_prompt=False)


def random_adapter(base: Path, out: Path, rank: int = 4, scale: float = 0.5) -> Path:
    rng = np.random.default_rng(0)
    arrays = {}
    for layer in range(18):
        prefix = f"base_model.model.model.layers.{layer}.self_attn.q_proj"
        arrays[f"{prefix}.lora_A.weight"] = rng.normal(0, scale, (rank, 640)).astype(np.float32)
        arrays[f"{prefix}.lora_B.weight"] = rng.normal(0, scale, (1024, rank)).astype(np.float32)
    return write_gguf_lora(arrays, base, out, alpha=float(rank))


def test_adapter_changes_output_and_base_stays_the_same(tmp_path: Path) -> None:
    settings = load_settings(parallel=2, ctx=256, threads=2)
    registry = ModelRegistry(settings.models_dir)
    base_path = registry.resolve_path("gemma-3-270m")
    adapter = random_adapter(base_path, tmp_path / "rand.gguf")
    assert read_gguf_info(adapter).kind == "adapter"
    entry = registry.add(adapter, "rand", kind="lora")
    assert entry.name == "gemma-3-270m+rand" and entry.base == "gemma-3-270m"

    manager = EngineManager(settings)
    try:
        base = manager.get("gemma-3-270m")
        before = base.complete("The weather today is", GREEDY).text
        adapted = manager.get("gemma-3-270m+rand")
        assert adapted.model is base.model, "the adapter must reuse the loaded base weights"
        changed = adapted.complete("The weather today is", GREEDY).text
        after = base.complete("The weather today is", GREEDY).text
        assert changed != before
        assert after == before
        assert "gemma-3-270m+rand" in manager.names()
    finally:
        manager.close()
