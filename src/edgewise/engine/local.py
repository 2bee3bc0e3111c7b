"""A served model: a :class:`Scheduler` plus prompt formatting, behind the Engine protocol.

This is what the server, the router and the apps hold. Async callers use
:meth:`LocalEngine.generate`; scripts and CLI commands use the blocking
:meth:`LocalEngine.complete` / :meth:`LocalEngine.chat`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

from edgewise.engine.chat import ChatPrompt, format_chat
from edgewise.engine.handle import RequestHandle
from edgewise.engine.llama_model import LlamaModel
from edgewise.engine.scheduler import Scheduler
from edgewise.engine.types import Chunk, Completion, GenerationRequest, SamplingParams, Usage
from edgewise.errors import EngineError, InvalidRequest


def gather(chunks: Iterable[Chunk]) -> Completion:
    """Join a finished stream of chunks into one :class:`Completion`."""
    text: list[str] = []
    logprobs: list[float] = []
    last = Chunk()
    for c in chunks:
        text.append(c.text)
        logprobs.extend(c.logprobs)
        last = c
    if last.finish_reason == "error":
        raise EngineError(f"Generation failed: {last.text}")
    if last.finish_reason is None:
        raise EngineError("Generation ended without a result.")
    return Completion(
        text="".join(text),
        finish_reason=last.finish_reason,
        usage=last.usage or Usage(),
        logprobs=logprobs,
        time_to_first_token=last.time_to_first_token,
    )


class LocalEngine:
    """One model name the node serves (a base model, or ``base+adapter``)."""

    def __init__(self, name: str, model: LlamaModel, scheduler: Scheduler, on_close: Callable[[], None] | None = None) -> None:
        self.model_name = name
        self.model = model
        self.scheduler = scheduler
        self._on_close = on_close

    @property
    def n_ctx(self) -> int:
        return self.scheduler.n_ctx

    # --- prompts ---------------------------------------------------------------
    def tokenize(self, text: str, *, special: bool = True) -> list[int]:
        return self.model.tokenize(text, special=special)

    def format_chat(self, messages: list[dict[str, Any]]) -> ChatPrompt:
        m = self.model
        return format_chat(
            messages,
            template=m.chat_template,
            bos=m.token_text(m.bos_id),
            eos=m.token_text(m.eos_id),
        )

    def _prompt_tokens(self, prompt: str | list[int]) -> list[int]:
        if isinstance(prompt, str):
            return self.tokenize(prompt)
        bad = [t for t in prompt if not 0 <= t < self.model.n_vocab]
        if bad:
            raise InvalidRequest(
                f"Token id {bad[0]} is outside this model's vocabulary (0..{self.model.n_vocab - 1}).", param="prompt"
            )
        return list(prompt)

    # --- async -----------------------------------------------------------------
    def submit(self, request: GenerationRequest) -> RequestHandle:
        """Queue a request for the current event loop; raises 4xx errors before anything is queued."""
        loop = asyncio.get_running_loop()
        return self.scheduler.submit(self._prompt_tokens(request.prompt), request.params, loop)

    async def generate(self, request: GenerationRequest) -> AsyncIterator[Chunk]:
        handle = self.submit(request)
        async for chunk in handle.stream():
            yield chunk

    # --- blocking ----------------------------------------------------------------
    def stream(self, prompt: str | list[int], params: SamplingParams | None = None) -> Iterator[Chunk]:
        """Blocking stream of chunks (for terminals and scripts)."""
        handle = self.scheduler.submit(self._prompt_tokens(prompt), params or SamplingParams(), None)
        return handle.stream_sync()

    def complete(self, prompt: str | list[int], params: SamplingParams | None = None) -> Completion:
        return gather(self.stream(prompt, params))

    def chat_params(self, messages: list[dict[str, Any]], params: SamplingParams | None = None) -> tuple[str, SamplingParams]:
        """The prompt text for ``messages`` and ``params`` extended with the chat format's stop markers."""
        chat = self.format_chat(messages)
        params = params or SamplingParams()
        return chat.text, replace(params, stop=tuple(params.stop) + chat.stop)

    def chat(self, messages: list[dict[str, Any]], params: SamplingParams | None = None) -> Completion:
        return self.complete(*self.chat_params(messages, params))

    def close(self) -> None:
        if self._on_close is not None:
            self._on_close()
            self._on_close = None

    def __enter__(self) -> LocalEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["LocalEngine", "gather"]
