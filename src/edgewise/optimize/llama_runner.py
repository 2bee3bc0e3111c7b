"""A thin llama.cpp runner for measurement: exact logits per position, timed decoding.

Why not the node's engine: evaluation needs full-vocabulary logits at chosen positions
of a fixed batch layout (llama-perplexity's), and ``llama_cpp.Llama`` allocates an
``n_batch x n_vocab`` float array per instance (512 MiB with Gemma's 262k vocabulary),
which would distort the peak-memory figure. So this module drives llama.cpp's C API
(through llama-cpp-python's bindings) directly; it is the only place in ``optimize``
that touches ``llama_cpp``.
"""

from __future__ import annotations

import ctypes
import time
from pathlib import Path
from typing import Any

import numpy as np

from edgewise.optimize.errors import OptimizeFailed

_QUIET: Any = None


def load_llama_cpp() -> Any:
    """Import llama_cpp once, init the backend and silence its log (we report errors ourselves)."""
    global _QUIET
    import llama_cpp

    if _QUIET is None:
        llama_cpp.llama_backend_init()
        _QUIET = llama_cpp.llama_log_callback(lambda level, text, user: None)
        llama_cpp.llama_log_set(_QUIET, ctypes.c_void_p(0))
    return llama_cpp


class LlamaRunner:
    """One model + one context; a context manager. ``n_batch`` is raised to ``n_ctx``."""

    def __init__(self, path: Path, *, n_ctx: int = 512, threads: int = 2) -> None:
        lib = load_llama_cpp()
        self.lib = lib
        self.path = path
        mparams = lib.llama_model_default_params()
        self.model = lib.llama_model_load_from_file(str(path).encode(), mparams)
        if not self.model:
            raise OptimizeFailed(f"llama.cpp could not load {path}; check it with `edgewise models info`.")
        cparams = lib.llama_context_default_params()
        cparams.n_ctx = n_ctx
        cparams.n_batch = n_ctx
        cparams.n_ubatch = min(n_ctx, 512)
        cparams.n_threads = threads
        cparams.n_threads_batch = threads
        self.ctx = lib.llama_init_from_model(self.model, cparams)
        if not self.ctx:
            lib.llama_model_free(self.model)
            raise OptimizeFailed(f"llama.cpp could not create a {n_ctx}-token context for {path}.")
        self.n_ctx = n_ctx
        self.vocab = lib.llama_model_get_vocab(self.model)
        self.n_vocab = int(lib.llama_vocab_n_tokens(self.vocab))
        self.bos = int(lib.llama_vocab_bos(self.vocab))
        self.batch = lib.llama_batch_init(n_ctx, 0, 1)

    # --- lifecycle -------------------------------------------------------------
    def close(self) -> None:
        if self.ctx:
            self.lib.llama_batch_free(self.batch)
            self.lib.llama_free(self.ctx)
            self.lib.llama_model_free(self.model)
            self.ctx = None

    def __enter__(self) -> LlamaRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- facts -----------------------------------------------------------------
    @property
    def weights_bytes(self) -> int:
        return int(self.lib.llama_model_size(self.model))

    @property
    def n_params(self) -> int:
        return int(self.lib.llama_model_n_params(self.model))

    @property
    def n_layer(self) -> int:
        return int(self.lib.llama_model_n_layer(self.model))

    @property
    def file_type(self) -> str:
        """The quantization name (``Q4_K_M``, ``F16`` ...) from llama.cpp's view of the file."""
        import gguf

        code = int(self.lib.llama_model_ftype(self.model))
        try:
            return gguf.LlamaFileType(code).name.removeprefix("MOSTLY_")
        except ValueError:
            return f"ftype{code}"

    def tokenize(self, text: str, *, add_bos: bool = True) -> list[int]:
        data = text.encode("utf-8")
        n_max = len(data) + 16
        buf = (self.lib.llama_token * n_max)()
        n = self.lib.llama_tokenize(self.vocab, data, len(data), buf, n_max, add_bos, False)
        if n < 0:
            raise OptimizeFailed(f"Tokenizing {len(data)} bytes needed {-n} tokens.")
        return list(buf[:n])

    # --- decoding ----------------------------------------------------------------
    def clear(self) -> None:
        self.lib.llama_memory_clear(self.lib.llama_get_memory(self.ctx), True)

    def _decode(self, tokens: list[int], pos0: int, outputs: set[int] | range) -> None:
        b = self.batch
        for i, tok in enumerate(tokens):
            b.token[i] = tok
            b.pos[i] = pos0 + i
            b.n_seq_id[i] = 1
            b.seq_id[i][0] = 0
            b.logits[i] = (pos0 + i) in outputs
        b.n_tokens = len(tokens)
        rc = self.lib.llama_decode(self.ctx, b)
        if rc != 0:
            raise OptimizeFailed(f"llama_decode failed with code {rc} on {self.path}.")

    def chunk_logits(self, tokens: list[int], first: int, last: int) -> np.ndarray:
        """Decode ``tokens`` from an empty cache; float32 logits of positions ``first..last-1``."""
        if len(tokens) > self.n_ctx:
            raise OptimizeFailed(f"A chunk of {len(tokens)} tokens exceeds the context of {self.n_ctx}.")
        self.clear()
        self._decode(tokens, 0, range(first, last))
        ptr = self.lib.llama_get_logits(self.ctx)
        return np.ctypeslib.as_array(ptr, shape=(last - first, self.n_vocab)).copy()

    def timed_prompt(self, tokens: list[int]) -> float:
        """Seconds to process ``tokens`` as one prompt (only the last position yields logits)."""
        self.clear()
        t0 = time.perf_counter()
        self._decode(tokens, 0, {len(tokens) - 1})
        self.lib.llama_synchronize(self.ctx)
        return time.perf_counter() - t0

    def timed_generation(self, prompt: list[int], n_tokens: int) -> tuple[float, list[int]]:
        """Greedy-generate ``n_tokens`` after ``prompt``; seconds spent on the generated tokens only."""
        self.clear()
        self._decode(prompt, 0, {len(prompt) - 1})
        out: list[int] = []
        pos = len(prompt)
        t0 = time.perf_counter()
        for _ in range(n_tokens):
            logits = np.ctypeslib.as_array(self.lib.llama_get_logits_ith(self.ctx, -1), shape=(self.n_vocab,))
            tok = int(logits.argmax())
            out.append(tok)
            self._decode([tok], pos, {pos})
            pos += 1
        self.lib.llama_synchronize(self.ctx)
        return time.perf_counter() - t0, out

    def detokenize(self, tokens: list[int]) -> str:
        pieces = []
        buf = ctypes.create_string_buffer(256)
        for t in tokens:
            n = self.lib.llama_token_to_piece(self.vocab, t, buf, len(buf), 0, False)
            pieces.append(buf.raw[:max(n, 0)])
        return b"".join(pieces).decode("utf-8", errors="replace")


__all__ = ["LlamaRunner", "load_llama_cpp"]
