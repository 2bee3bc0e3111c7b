"""Model optimization for edge hardware: quantize, prune, measure the damage, fit a device.

Offline tools that turn a GGUF into variants and register them with the node::

    reference  dequantize a quantized GGUF to F16 (the embedded model ships as Q4_K_M)
    quantize   llama.cpp's quantizer (Q8_0 ... Q2_K)
    prune      drop transformer blocks (scored on calibration text), fix per-layer metadata
    evaluate   perplexity / KL / top-1 agreement vs a reference, size, speed, peak memory
    fit        pick the fastest variant within a device's memory and quality budget

Heavy imports (llama_cpp, gguf, matplotlib) happen inside the functions that need them.
"""

from __future__ import annotations

from edgewise.optimize.errors import CorpusNotFound, NoFittingVariant, OptimizeFailed, UnsupportedModel
from edgewise.optimize.settings import OptimizeSettings

__all__ = ["CorpusNotFound", "NoFittingVariant", "OptimizeFailed", "OptimizeSettings", "UnsupportedModel"]
