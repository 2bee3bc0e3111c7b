"""Model registry: base GGUF models, LoRA adapters (``base+adapter``), detectors."""

from __future__ import annotations

from edgewise.models.embedded import EMBEDDED_NAME, embedded_model_path
from edgewise.models.gguf_info import GGUFInfo, NotAGGUFFile, read_gguf_info
from edgewise.models.registry import InvalidModelName, ModelEntry, ModelRegistry

__all__ = [
    "EMBEDDED_NAME",
    "GGUFInfo",
    "InvalidModelName",
    "ModelEntry",
    "ModelRegistry",
    "NotAGGUFFile",
    "embedded_model_path",
    "read_gguf_info",
]
