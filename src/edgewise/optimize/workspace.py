"""Where optimize keeps things, and how names map to files.

SOURCE and FILE arguments may be a path or a registered model name; every file the
tools write is registered (``edgewise models list`` shows it) with what was done to it
in ``meta`` (``optimize.source``, ``optimize.op``, ...).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edgewise.config import Settings
from edgewise.models.gguf_info import NotAGGUFFile, check_gguf
from edgewise.models.registry import ModelEntry, ModelRegistry
from edgewise.optimize.errors import UnsupportedModel
from edgewise.optimize.settings import OptimizeSettings


def optimize_settings(settings: Settings) -> OptimizeSettings:
    value = getattr(settings, "optimize", None)
    return value if isinstance(value, OptimizeSettings) else OptimizeSettings()


def work_dir(settings: Settings) -> Path:
    configured = optimize_settings(settings).work_dir
    path = configured.expanduser() if configured else settings.data_dir / "optimize"
    path.mkdir(parents=True, exist_ok=True)
    return path


def threads(settings: Settings) -> int:
    return optimize_settings(settings).threads or settings.threads


def registry(settings: Settings) -> ModelRegistry:
    return ModelRegistry(settings.models_dir)


def resolve_model(settings: Settings, name_or_path: str) -> Path:
    """A GGUF file at a path that exists, or the file of a registered model name.

    Checked here, once for every command, so that a text file or a detector gets one clear error
    instead of failing deep inside the GGUF reader or llama.cpp.
    """
    p = Path(name_or_path).expanduser()
    path = p.resolve() if p.is_file() else registry(settings).resolve_path(name_or_path)
    try:
        return check_gguf(path)
    except NotAGGUFFile:
        raise UnsupportedModel(f"{path} is not a GGUF model file; give a .gguf path or the name of a registered "
                               "language model (`edgewise models list`).") from None


def default_output(settings: Settings, source: Path, suffix: str) -> Path:
    stem = source.name.removesuffix(".gguf")
    for tag in (".dequant-f16", "-q4_k_m", "-Q4_K_M"):
        stem = stem.replace(tag, "")
    return work_dir(settings) / "variants" / f"{stem}-{suffix}.gguf"


def register(settings: Settings, path: Path, name: str | None, meta: dict[str, Any]) -> ModelEntry:
    """Register (or re-register) ``path`` under ``name`` (default: the file stem)."""
    return registry(settings).add(path, name or path.name.removesuffix(".gguf"), meta={"optimize": meta}, replace=True)


__all__ = ["default_output", "optimize_settings", "register", "registry", "resolve_model", "threads", "work_dir"]
