"""Fixtures for the optimize tests: one F16 reference and a few variants, built once.

The F16 reference (dequantized embedded model) and the quantized variants are cached
next to the session model (``.cache/test-models/optimize``) and rebuilt only when the
model is newer, so the suite stays short on 2 shared cores.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("EDGEWISE_TEST_CACHE", REPO / ".cache" / "test-models")) / "optimize"


def _fresh(dst: Path, src: Path) -> bool:
    return dst.exists() and dst.stat().st_mtime >= src.stat().st_mtime


@pytest.fixture(scope="session")
def reference_f16(model_path: Path) -> Path:
    from edgewise.optimize.reference import dequantize_to_f16

    dst = CACHE / "reference-f16.gguf"
    if not _fresh(dst, model_path):
        dequantize_to_f16(model_path, dst)
    return dst


@pytest.fixture(scope="session")
def quantized(reference_f16: Path) -> dict[str, Path]:
    """Q8_0 and Q4_0 variants of the reference (llama.cpp's quantizer)."""
    from edgewise.optimize.quantize import quantize

    out = {}
    for qtype in ("Q8_0", "Q4_0"):
        dst = CACHE / f"test-{qtype}.gguf"
        if not _fresh(dst, reference_f16):
            quantize(reference_f16, dst, qtype, threads=2)
        out[qtype] = dst
    return out


@pytest.fixture(scope="session")
def pruned_one(model_path: Path) -> Path:
    """The embedded model without block 9 (a sliding-window layer in the middle)."""
    from edgewise.optimize.prune import prune_blocks

    dst = CACHE / "test-prune-block9.gguf"
    if not _fresh(dst, model_path):
        prune_blocks(model_path, dst, [9])
    return dst


@pytest.fixture(scope="session")
def eval_text() -> str:
    from edgewise.optimize.corpus import load_text

    return load_text("evaluation")
