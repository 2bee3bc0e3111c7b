"""A loaded GGUF model: weights, vocabulary, tokenizer, metadata.

This module and ``scheduler.py`` are the only places that touch llama.cpp (via
llama-cpp-python's low-level ctypes API). One :class:`LlamaModel` can back many
contexts (one per LoRA adapter), because llama.cpp keeps adapters per context.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import threading
from pathlib import Path
from typing import Any

from edgewise.errors import ModelLoadError

log = logging.getLogger("edgewise.engine")

_backend_lock = threading.Lock()
_backend_ready = False


def llama() -> Any:
    """Import llama_cpp once, initialise the backend and silence its logging."""
    global _backend_ready
    import llama_cpp

    with _backend_lock:
        if not _backend_ready:
            llama_cpp.llama_backend_init()
            _silence(llama_cpp)
            _backend_ready = True
    return llama_cpp


_log_callback: Any = None  # kept alive for the process: llama.cpp holds the pointer


def _silence(lc: Any) -> None:
    global _log_callback

    @lc.llama_log_callback  # type: ignore[untyped-decorator]  # a ctypes CFUNCTYPE of the untyped module handle
    def _cb(level: int, text: bytes, user_data: Any) -> None:
        if level == 4 and text:  # GGML_LOG_LEVEL_ERROR (5 is CONT: progress dots)
            log.error(text.decode("utf-8", "replace").rstrip())

    _log_callback = _cb
    lc.llama_log_set(_cb, ctypes.c_void_p(0))


class LlamaModel:
    """Weights plus vocabulary. Thread-safe for tokenization and detokenization."""

    def __init__(self, path: Path, *, name: str) -> None:
        lc = llama()
        self.lc = lc
        self.path = Path(path)
        self.name = name
        params = lc.llama_model_default_params()
        params.n_gpu_layers = 0
        ptr = lc.llama_model_load_from_file(str(self.path).encode(), params)
        if not ptr:
            raise ModelLoadError(f"llama.cpp could not load {self.path}: is it a complete GGUF model of a supported architecture?")
        self.ptr = ptr
        self.vocab = lc.llama_model_get_vocab(ptr)
        self.n_vocab = int(lc.llama_vocab_n_tokens(self.vocab))
        self.n_ctx_train = int(lc.llama_model_n_ctx_train(ptr))
        self.architecture = self.meta("general.architecture") or "unknown"
        self.chat_template = self.meta("tokenizer.chat_template")
        self.bos_id = int(lc.llama_vocab_bos(self.vocab))
        self.eos_id = int(lc.llama_vocab_eos(self.vocab))
        self.n_params = int(lc.llama_model_n_params(ptr))
        self.size_bytes = int(lc.llama_model_size(ptr))
        self._piece_cache: dict[int, bytes] = {}

    def meta(self, key: str) -> str | None:
        buf = ctypes.create_string_buffer(1 << 16)
        n = self.lc.llama_model_meta_val_str(self.ptr, key.encode(), buf, len(buf))
        if n < 0:
            return None
        return buf.value.decode("utf-8", "replace")

    def tokenize(self, text: str, *, special: bool = True, add_bos: bool = True) -> list[int]:
        data = text.encode("utf-8")
        cap = len(data) + 8
        while True:
            buf = (self.lc.llama_token * cap)()
            n = self.lc.llama_tokenize(self.vocab, data, len(data), buf, cap, add_bos, special)
            if n >= 0:
                return list(buf[:n])
            cap = -n

    def piece(self, token: int) -> bytes:
        """The bytes of one token; control tokens render as nothing."""
        cached = self._piece_cache.get(token)
        if cached is not None:
            return cached
        buf = ctypes.create_string_buffer(64)
        n = self.lc.llama_token_to_piece(self.vocab, token, buf, len(buf), 0, False)
        if n < 0:
            buf = ctypes.create_string_buffer(-n)
            n = self.lc.llama_token_to_piece(self.vocab, token, buf, len(buf), 0, False)
        out = buf.raw[:n]
        self._piece_cache[token] = out
        return out

    def detokenize(self, tokens: list[int]) -> str:
        return b"".join(self.piece(t) for t in tokens).decode("utf-8", "replace")

    def token_text(self, token: int) -> str:
        raw = self.lc.llama_vocab_get_text(self.vocab, token)
        return raw.decode("utf-8", "replace") if raw else ""

    @functools.cached_property
    def eog_tokens(self) -> tuple[int, ...]:
        """Every end-of-generation token (scanned once; used to ban them for ``ignore_eos``)."""
        return tuple(t for t in range(self.n_vocab) if self.lc.llama_vocab_is_eog(self.vocab, t))

    def is_eog(self, token: int) -> bool:
        return bool(self.lc.llama_vocab_is_eog(self.vocab, token))

    def close(self) -> None:
        if self.ptr:
            self.lc.llama_model_free(self.ptr)
            self.ptr = None


class LoraAdapter:
    """A GGUF LoRA adapter loaded against a base model."""

    def __init__(self, model: LlamaModel, path: Path, scale: float = 1.0) -> None:
        self.model = model
        self.path = Path(path)
        self.scale = scale
        ptr = model.lc.llama_adapter_lora_init(model.ptr, str(self.path).encode())
        if not ptr:
            raise ModelLoadError(
                f"llama.cpp could not load the LoRA adapter {self.path} on {model.name}: was it exported for this base model?"
            )
        self.ptr = ptr

    def close(self) -> None:
        if self.ptr:
            self.model.lc.llama_adapter_lora_free(self.ptr)
            self.ptr = None


__all__ = ["LlamaModel", "LoraAdapter", "llama"]
