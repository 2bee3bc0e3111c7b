"""The trainable copy of the base model on a node: GGUF -> PyTorch, plus LoRA adapters.

transformers reads the node's own GGUF file (``gguf_file=``) and dequantizes it
to float32; that takes about a minute and a half for Gemma 3 270M on a small CPU,
so the converted model is saved once (safetensors) under the model cache and
loaded from there afterwards. Nothing is ever fetched from a model hub: the only
source is the GGUF the node already serves.

Only the adapter leaves the node. :func:`adapter_arrays` / :func:`set_adapter_arrays`
are the one way the federation reads and writes it, by peft parameter name in a
fixed order.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from edgewise.config import Settings
from edgewise.errors import ModelLoadError
from edgewise.federated.settings import FederatedSettings

if TYPE_CHECKING:
    import torch


@dataclass
class TrainableModel:
    """A peft model with its tokenizer; ``model`` is the LoRA-wrapped causal LM."""

    model: Any
    tokenizer: Any
    device: str

    @property
    def adapter_names(self) -> list[str]:
        return [n for n, _ in _lora_params(self.model)]


def model_cache_dir(settings: Settings) -> Path:
    fed: FederatedSettings = settings.federated
    return fed.model_cache or settings.data_dir / "federated" / "torch"


def _fingerprint(gguf_path: Path) -> str:
    st = gguf_path.stat()
    return hashlib.sha256(f"{gguf_path.name}:{st.st_size}".encode()).hexdigest()[:12]


def converted_base(settings: Settings, progress: Any = None) -> Path:
    """Directory holding the base model as a transformers checkpoint, converting it on first use.

    A file lock makes concurrent nodes on one machine (simulation, SuperNodes)
    convert once and reuse the result.
    """
    from edgewise.models import ModelRegistry

    fed: FederatedSettings = settings.federated
    gguf_path = ModelRegistry(settings.models_dir).resolve_path(fed.base_model)
    target = model_cache_dir(settings) / f"{fed.base_model}-{_fingerprint(gguf_path)}"
    target.parent.mkdir(parents=True, exist_ok=True)
    with (target.parent / ".convert.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / "config.json").exists():
            return target
        if progress:
            progress(f"Converting {gguf_path.name} to PyTorch (first run only, about 1-2 minutes)")
        _convert(gguf_path, target)
    return target


def _convert(gguf_path: Path, target: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name)
        model = AutoModelForCausalLM.from_pretrained(
            str(gguf_path.parent), gguf_file=gguf_path.name, dtype=torch.float32
        )
    except Exception as exc:  # transformers raises many types for a GGUF it cannot map
        raise ModelLoadError(f"transformers could not load {gguf_path} for training: {exc}") from exc
    # transformers marks a GGUF-loaded model as "quantized" and refuses to save it,
    # although its weights are plain float32 by now: copy them into a fresh model.
    config = model.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    # transformers leaves from_config unannotated
    plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)  # type: ignore[no-untyped-call]
    plain.load_state_dict(model.state_dict())
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    plain.save_pretrained(tmp)
    tok.save_pretrained(tmp)
    os.replace(tmp, target)


def load_trainable(settings: Settings, *, device: str | None = None, progress: Any = None) -> TrainableModel:
    """Load the base model and wrap it with a fresh LoRA adapter (deterministic init)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    fed: FederatedSettings = settings.federated
    if fed.threads:
        torch.set_num_threads(fed.threads)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    path = converted_base(settings, progress)
    tok = AutoTokenizer.from_pretrained(str(path))
    base = AutoModelForCausalLM.from_pretrained(str(path), dtype=torch.float32)
    torch.manual_seed(0)  # every node starts from the same adapter init; the server overwrites it anyway
    config = LoraConfig(
        r=fed.lora_rank, lora_alpha=fed.lora_alpha,  # type: ignore[arg-type]  # peft says int; used as alpha / r
        target_modules=list(fed.lora_targets),
        lora_dropout=0.0, bias="none", task_type="CAUSAL_LM",
    )
    model = get_peft_model(base, config).to(device)
    return TrainableModel(model=model, tokenizer=tok, device=device)


_LOADED: dict[str, TrainableModel] = {}


def cached_trainable(settings: Settings) -> TrainableModel:
    """One loaded model per process and settings, reused across rounds and messages.

    Ray actors and SuperNode app processes serve many messages; Flower may reload
    the ClientApp module between them, so the cache lives here, not there. The
    adapter is overwritten with the server's arrays on every message anyway.
    """
    key = settings.model_dump_json()
    if key not in _LOADED:
        _LOADED.clear()  # one model per process is enough; keep memory flat
        _LOADED[key] = load_trainable(settings)
    return _LOADED[key]


def _lora_params(model: Any) -> list[tuple[str, torch.nn.Parameter]]:
    return [(n, p) for n, p in model.named_parameters() if "lora_" in n]


def adapter_arrays(model: Any) -> OrderedDict[str, np.ndarray]:
    """The adapter's weights by peft parameter name, as float32 numpy copies (what leaves the node)."""
    return OrderedDict((n, p.detach().to("cpu").float().numpy().copy()) for n, p in _lora_params(model))


def set_adapter_arrays(model: Any, arrays: dict[str, np.ndarray]) -> None:
    """Overwrite the adapter with ``arrays``; names and shapes must match exactly."""
    import torch

    params = dict(_lora_params(model))
    if set(params) != set(arrays):
        missing, extra = set(params) - set(arrays), set(arrays) - set(params)
        raise ValueError(f"adapter mismatch: missing {sorted(missing)[:3]}, unexpected {sorted(extra)[:3]}")
    with torch.no_grad():
        for name, value in arrays.items():
            p = params[name]
            if tuple(p.shape) != tuple(value.shape):
                raise ValueError(f"adapter {name}: shape {value.shape} != {tuple(p.shape)}")
            p.copy_(torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32)))


__all__ = [
    "TrainableModel",
    "adapter_arrays",
    "cached_trainable",
    "converted_base",
    "load_trainable",
    "model_cache_dir",
    "set_adapter_arrays",
]
