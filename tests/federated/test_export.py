"""The exported adapter is a llama.cpp LoRA GGUF for the base model, registered and served."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from edgewise.config import load_settings
from edgewise.federated.export import AdapterExportError, export_and_register, gguf_lora_tensors, write_gguf_lora
from edgewise.models import ModelRegistry, read_gguf_info

PROJ = {"q_proj": "attn_q", "k_proj": "attn_k", "v_proj": "attn_v", "o_proj": "attn_output"}


def fake_adapter(model_path: Path, rank: int = 8, scale: float = 0.05, seed: int = 0) -> dict[str, np.ndarray]:
    """peft-named LoRA arrays shaped for the base GGUF (A: (r, in), B: (out, r))."""
    from edgewise.models.gguf_header import read_header

    kv, tensors = read_header(model_path)
    shapes = {t.name: list(t.shape) for t in tensors}
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    for layer in range(int(kv["gemma3.block_count"])):
        for hf, gg in PROJ.items():
            n_in, n_out = shapes[f"blk.{layer}.{gg}.weight"][:2]
            prefix = f"base_model.model.model.layers.{layer}.self_attn.{hf}"
            out[f"{prefix}.lora_A.default.weight"] = rng.normal(0, scale, (rank, n_in)).astype(np.float32)
            out[f"{prefix}.lora_B.default.weight"] = rng.normal(0, scale, (n_out, rank)).astype(np.float32)
    return out


def test_tensor_names_and_shapes_follow_llama_cpp(model_path: Path) -> None:
    arch, tensors = gguf_lora_tensors(fake_adapter(model_path), model_path)
    assert arch == "gemma3"
    assert tensors["blk.0.attn_q.weight.lora_a"].shape == (8, 640)
    assert tensors["blk.0.attn_q.weight.lora_b"].shape == (1024, 8)
    assert tensors["blk.17.attn_output.weight.lora_b"].shape == (640, 8)
    assert len(tensors) == 18 * 4 * 2


def test_written_file_is_an_adapter_gguf(model_path: Path, tmp_path: Path) -> None:
    out = write_gguf_lora(fake_adapter(model_path), model_path, tmp_path / "a.gguf", alpha=16.0)
    info = read_gguf_info(out)
    assert (info.kind, info.adapter_type, info.lora_alpha, info.architecture) == ("adapter", "lora", 16.0, "gemma3")
    assert info.tensor_count == 144


def test_shape_mismatch_is_refused_before_serving(model_path: Path, tmp_path: Path) -> None:
    arrays = fake_adapter(model_path)
    arrays["base_model.model.model.layers.0.self_attn.q_proj.lora_A.default.weight"] = np.zeros((8, 7), np.float32)
    with pytest.raises(AdapterExportError, match="do not fit"):
        write_gguf_lora(arrays, model_path, tmp_path / "bad.gguf", alpha=16.0)
    with pytest.raises(AdapterExportError, match="not a LoRA weight"):
        gguf_lora_tensors({"model.embed_tokens.weight": np.zeros((2, 2), np.float32)}, model_path)


def test_registered_adapter_is_listed_and_served_and_changes_output(model_path: Path) -> None:
    from typer.testing import CliRunner

    from edgewise.cli import app
    from edgewise.engine import SamplingParams, open_engine

    settings = load_settings()
    path, name = export_and_register(fake_adapter(model_path, scale=0.08), settings, "maintenance")
    assert name == "gemma-3-270m+maintenance" and path.exists()
    listed = CliRunner().invoke(app, ["models", "list", "--json"])
    assert listed.exit_code == 0 and "gemma-3-270m+maintenance" in listed.output
    entry = ModelRegistry(settings.models_dir).get(name)
    assert (entry.kind, entry.base) == ("lora", "gemma-3-270m")

    prompt = "Maintenance log:\nPump P3 seal temperature 98 C, alarm SEAL TEMP.\nSummary:"
    params = SamplingParams(temperature=0, max_tokens=16, seed=1)
    with open_engine(settings, model="gemma-3-270m") as base:
        plain = base.complete(prompt, params).text
    with open_engine(settings, model=name) as adapted:
        changed = adapted.complete(prompt, params).text
    assert plain and changed and plain != changed
