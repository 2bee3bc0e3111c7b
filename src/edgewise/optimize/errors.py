"""Errors of the optimization tools, on the shared :mod:`edgewise.errors` tree.

::

    InvalidRequest (400)
    ├── UnsupportedModel      optimize_unsupported_model   the GGUF cannot be pruned/quantized as asked
    └── NoFittingVariant      optimize_no_fit              no variant meets the device budget
    NotFound (404)
    └── CorpusNotFound        optimize_corpus_not_found    the offline evaluation text is not on disk
    EngineError (500)
    └── OptimizeFailed        optimize_failed              llama.cpp refused a quantization or evaluation
"""

from __future__ import annotations

from edgewise.errors import EngineError, InvalidRequest, NotFound


class UnsupportedModel(InvalidRequest):
    code = "optimize_unsupported_model"


class NoFittingVariant(InvalidRequest):
    code = "optimize_no_fit"


class CorpusNotFound(NotFound):
    code = "optimize_corpus_not_found"


class OptimizeFailed(EngineError):
    code = "optimize_failed"


__all__ = ["CorpusNotFound", "NoFittingVariant", "OptimizeFailed", "UnsupportedModel"]
