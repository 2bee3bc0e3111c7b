"""Serving logic of the OpenAI routes: request -> engine call -> OpenAI-shaped JSON or SSE.

Routers stay thin (``routes_openai.py``); this module knows the response shapes.
Everything that can be rejected is rejected *before* a stream starts, so bad
input is always a 4xx JSON error, never a broken stream.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, StreamingResponse

from edgewise.engine.grammar import json_object_grammar, json_schema_grammar
from edgewise.engine.handle import RequestHandle
from edgewise.engine.local import LocalEngine
from edgewise.engine.types import Chunk, GenerationRequest, SamplingParams
from edgewise.errors import EngineError
from edgewise.server.errors import error_body
from edgewise.server.protocol import ChatCompletionRequest, CompletionRequest, ResponseFormat


def grammar_for(fmt: ResponseFormat | None) -> str | None:
    if fmt is None or fmt.type == "text":
        return None
    if fmt.type == "json_object":
        return json_object_grammar()
    assert fmt.json_schema is not None
    return json_schema_grammar(fmt.json_schema.schema_)


async def engine_for(request: Request, model: str) -> LocalEngine:
    manager = request.app.state.engines
    manager.require_ready()
    return await manager.aget(model or None)  # type: ignore[no-any-return]


def _usage(c: Chunk) -> dict[str, Any]:
    u = c.usage
    if u is None:
        return {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
    return {
        "prompt_tokens": u.prompt_tokens,
        "completion_tokens": u.completion_tokens,
        "total_tokens": u.total_tokens,
        "prompt_tokens_details": {"cached_tokens": u.cached_tokens},
    }


def _finish(reason: str | None) -> str | None:
    return "length" if reason == "length" else ("stop" if reason is not None else None)


async def _collect(handle: RequestHandle, request: Request) -> tuple[str, list[Chunk], Chunk]:
    """Gather a whole generation; cancel it if the client goes away meanwhile."""

    async def watch() -> None:
        while True:
            await asyncio.sleep(0.25)
            if await request.is_disconnected():
                handle.cancel()
                return

    watcher = asyncio.create_task(watch())
    parts: list[Chunk] = []
    try:
        async for c in handle.stream():
            parts.append(c)
    finally:
        watcher.cancel()
    last = parts[-1]
    if last.finish_reason == "error":
        raise EngineError(f"Generation failed: {last.text}")
    return "".join(p.text for p in parts), parts, last


def _logprob_entries(parts: list[Chunk], engine: LocalEngine) -> list[dict[str, Any]]:
    out = []
    for p in parts:
        for tok, lp in zip(p.token_ids, p.logprobs):
            piece = engine.model.piece(tok)
            out.append({"token": piece.decode("utf-8", "replace"), "logprob": lp, "bytes": list(piece), "top_logprobs": []})
    return out


def _sse(events: AsyncIterator[dict[str, Any]]) -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        try:
            async for ev in events:
                yield b"data: " + json.dumps(ev, separators=(",", ":")).encode() + b"\n\n"
        except EngineError as exc:
            yield b"data: " + json.dumps(error_body(exc.message, exc.type, exc.code)).encode() + b"\n\n"
        yield b"data: [DONE]\n\n"

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(body(), media_type="text/event-stream", headers=headers)


async def _stream_events(
    handle: RequestHandle, make: Callable[[Chunk, bool], dict[str, Any]], include_usage: bool, usage_event: Callable[[Chunk], dict[str, Any]]
) -> AsyncIterator[dict[str, Any]]:
    first = True
    async for c in handle.stream():
        if c.finish_reason == "error":
            raise EngineError(f"Generation failed: {c.text}")
        if c.text or c.finish_reason is not None or first:
            yield make(c, first)
            first = False
        if c.finish_reason is not None and include_usage:
            yield usage_event(c)


# --- /v1/chat/completions ----------------------------------------------------------
async def chat_completion(req: ChatCompletionRequest, request: Request) -> Any:
    engine = await engine_for(request, req.model)
    grammar = grammar_for(req.response_format)
    chat = engine.format_chat([m.model_dump(exclude_none=True) for m in req.messages])
    params = req.sampling(max_tokens=req.limit, grammar=grammar, logprobs=req.logprobs, extra_stop=chat.stop)
    handle = engine.submit(GenerationRequest(chat.text, params))
    rid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    base = {"id": rid, "created": created, "model": engine.model_name, "system_fingerprint": "edgewise"}

    if req.stream:
        def make(c: Chunk, first: bool) -> dict[str, Any]:
            delta: dict[str, Any] = {"content": c.text} if c.text or not first else {"role": "assistant", "content": ""}
            if first and c.text:
                delta = {"role": "assistant", "content": c.text}
            lp = {"content": _logprob_entries([c], engine)} if req.logprobs and c.token_ids else None
            choice = {"index": 0, "delta": delta, "logprobs": lp, "finish_reason": _finish(c.finish_reason)}
            return {**base, "object": "chat.completion.chunk", "choices": [choice]}

        def usage_event(c: Chunk) -> dict[str, Any]:
            return {**base, "object": "chat.completion.chunk", "choices": [], "usage": _usage(c)}

        include = bool(req.stream_options and req.stream_options.include_usage)
        return _sse(_stream_events(handle, make, include, usage_event))

    text, parts, last = await _collect(handle, request)
    choice = {
        "index": 0,
        "message": {"role": "assistant", "content": text},
        "logprobs": {"content": _logprob_entries(parts, engine)} if req.logprobs else None,
        "finish_reason": _finish(last.finish_reason),
    }
    return JSONResponse({**base, "object": "chat.completion", "choices": [choice], "usage": _usage(last)})


# --- /v1/completions ---------------------------------------------------------------
async def completion(req: CompletionRequest, request: Request) -> Any:
    engine = await engine_for(request, req.model)
    grammar = grammar_for(req.response_format)
    want_lp = req.logprobs is not None
    params: SamplingParams = req.sampling(max_tokens=req.max_tokens if req.max_tokens is not None else 16, grammar=grammar, logprobs=want_lp)
    handle = engine.submit(GenerationRequest(req.prompt_value(), params))
    rid, created = f"cmpl-{uuid.uuid4().hex}", int(time.time())
    base = {"id": rid, "created": created, "model": engine.model_name, "system_fingerprint": "edgewise"}

    def lp_obj(parts: list[Chunk]) -> dict[str, Any] | None:
        if not want_lp:
            return None
        entries = _logprob_entries(parts, engine)
        return {"tokens": [e["token"] for e in entries], "token_logprobs": [e["logprob"] for e in entries],
                "top_logprobs": [{} for _ in entries], "text_offset": []}

    if req.stream:
        def make(c: Chunk, first: bool) -> dict[str, Any]:
            choice = {"index": 0, "text": c.text, "logprobs": lp_obj([c]), "finish_reason": _finish(c.finish_reason)}
            return {**base, "object": "text_completion", "choices": [choice]}

        def usage_event(c: Chunk) -> dict[str, Any]:
            return {**base, "object": "text_completion", "choices": [], "usage": _usage(c)}

        include = bool(req.stream_options and req.stream_options.include_usage)
        return _sse(_stream_events(handle, make, include, usage_event))

    text, parts, last = await _collect(handle, request)
    choice = {"index": 0, "text": text, "logprobs": lp_obj(parts), "finish_reason": _finish(last.finish_reason)}
    return JSONResponse({**base, "object": "text_completion", "choices": [choice], "usage": _usage(last)})


__all__ = ["chat_completion", "completion", "grammar_for"]
