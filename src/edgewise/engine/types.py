"""The engine's small typed interface: what callers send and what comes back.

Everything outside ``engine/`` talks to the engine through these types and the
:class:`Engine` protocol, never through llama-cpp-python objects.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

FinishReason = Literal["stop", "length", "cancelled", "error"]


@dataclass(frozen=True)
class SamplingParams:
    """llama.cpp's native sampler chain, configured per request.

    ``temperature == 0`` means greedy. Defaults follow llama.cpp's server.
    """

    temperature: float = 0.8
    top_k: int = 40
    top_p: float = 0.95
    min_p: float = 0.05
    repeat_penalty: float = 1.0
    repeat_last_n: int = 64
    frequency_penalty: float = 0.0
    presence_penalty: float = 0.0
    seed: int | None = None
    max_tokens: int | None = None  # None: until the context is full
    stop: tuple[str, ...] = ()
    grammar: str | None = None  # GBNF, root rule "root"
    logprobs: bool = False
    ignore_eos: bool = False  # keep generating past end-of-generation tokens (benchmarks, llama.cpp's flag)
    # JSON grammars allow trailing whitespace forever; end the sequence once the JSON value is complete
    stop_at_json_end: bool = False
    # Reuse a slot's KV cache for a shared prompt prefix. As in llama.cpp's server, logits of a
    # cached prefix are not bit-identical to a fresh prefill (prompt batches and single-token
    # decodes take different kernels), so greedy output may differ; False gives repeatable output.
    cache_prompt: bool = True

    @property
    def greedy(self) -> bool:
        return self.temperature <= 0.0


@dataclass
class GenerationRequest:
    """One sequence to generate. ``prompt`` is text (tokenized with special tokens) or token ids."""

    prompt: str | list[int]
    params: SamplingParams = field(default_factory=SamplingParams)
    model: str | None = None


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass
class Chunk:
    """A piece of generated text. The last chunk of a stream has ``finish_reason`` set."""

    text: str = ""
    token_ids: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    finish_reason: FinishReason | None = None
    usage: Usage | None = None
    time_to_first_token: float | None = None


@dataclass
class Completion:
    """A whole generation, gathered from a stream."""

    text: str
    finish_reason: FinishReason
    usage: Usage
    logprobs: list[float] = field(default_factory=list)
    time_to_first_token: float | None = None


class Engine(Protocol):
    """What the server, the router and the apps need from a loaded model."""

    model_name: str
    n_ctx: int

    def tokenize(self, text: str, *, special: bool = True) -> list[int]: ...

    def generate(self, request: GenerationRequest) -> AsyncIterator[Chunk]: ...


__all__ = ["Chunk", "Completion", "Engine", "FinishReason", "GenerationRequest", "SamplingParams", "Usage"]
