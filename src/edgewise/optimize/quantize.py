"""Quantize a GGUF through llama.cpp's own quantizer (``llama_model_quantize``).

This is the same code path as the ``llama-quantize`` tool, reached through
llama-cpp-python's bindings, so tensor-type choices (e.g. the Q5_0/Q8_0 fallbacks for
Gemma's 640-wide rows, which are not a multiple of the 256-element k-quant block)
are llama.cpp's, not ours. Quantize from a full-precision file: requantizing an
already quantized one is refused unless ``allow_requantize`` (quality compounds).
"""

from __future__ import annotations

import ctypes
from pathlib import Path

from edgewise.optimize.errors import OptimizeFailed, UnsupportedModel
from edgewise.optimize.reference import is_full_precision

# The types the issue asks for, then a few more llama.cpp power users reach for.
QUANT_TYPES: dict[str, str] = {
    "F16": "LLAMA_FTYPE_MOSTLY_F16",
    "Q8_0": "LLAMA_FTYPE_MOSTLY_Q8_0",
    "Q6_K": "LLAMA_FTYPE_MOSTLY_Q6_K",
    "Q5_K_M": "LLAMA_FTYPE_MOSTLY_Q5_K_M",
    "Q5_K_S": "LLAMA_FTYPE_MOSTLY_Q5_K_S",
    "Q5_0": "LLAMA_FTYPE_MOSTLY_Q5_0",
    "Q4_K_M": "LLAMA_FTYPE_MOSTLY_Q4_K_M",
    "Q4_K_S": "LLAMA_FTYPE_MOSTLY_Q4_K_S",
    "Q4_0": "LLAMA_FTYPE_MOSTLY_Q4_0",
    "Q3_K_L": "LLAMA_FTYPE_MOSTLY_Q3_K_L",
    "Q3_K_M": "LLAMA_FTYPE_MOSTLY_Q3_K_M",
    "Q3_K_S": "LLAMA_FTYPE_MOSTLY_Q3_K_S",
    "Q2_K": "LLAMA_FTYPE_MOSTLY_Q2_K",
}
ISSUE_TYPES = ("Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q4_0", "Q3_K_M", "Q2_K")


def normalize_type(name: str) -> str:
    key = name.strip().upper()
    if key not in QUANT_TYPES:
        raise UnsupportedModel(f"Unknown quantization type '{name}'; choose one of: {', '.join(QUANT_TYPES)}.")
    return key


def quantize(src: Path, dst: Path, qtype: str, *, threads: int = 0, allow_requantize: bool = False) -> Path:
    """Write ``dst``, ``src`` quantized to ``qtype``; atomically (``.part`` then rename)."""
    from edgewise.optimize.llama_runner import load_llama_cpp

    llama_cpp = load_llama_cpp()  # also silences llama.cpp's per-tensor log
    key = normalize_type(qtype)
    if not allow_requantize and not is_full_precision(src):
        raise UnsupportedModel(
            f"{src} is already quantized; quantize from a full-precision reference "
            "(`edgewise optimize reference`) or pass --allow-requantize.")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, QUANT_TYPES[key])
    params.nthread = threads
    params.allow_requantize = allow_requantize
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".part")
    rc = llama_cpp.llama_model_quantize(str(src).encode(), str(tmp).encode(), ctypes.byref(params))
    if rc != 0 or not tmp.exists():
        tmp.unlink(missing_ok=True)
        raise OptimizeFailed(f"llama.cpp failed to quantize {src} to {key} (code {rc}).")
    tmp.replace(dst)
    return dst


__all__ = ["ISSUE_TYPES", "QUANT_TYPES", "normalize_type", "quantize"]
