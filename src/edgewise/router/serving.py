"""``/v1/chat/completions`` when the hybrid router is enabled (``[router] enabled = true``).

Same response shape as the local route, plus where the answer was made: a
top-level ``edgewise_route`` object (where, reason, data class, confidence,
threshold) and the headers ``x-edgewise-route`` / ``x-edgewise-route-reason``.
Per request, ``x-edgewise-route-hint: auto|local|cloud`` and
``x-edgewise-data-class`` (e.g. ``raw_text`` to keep a request on the device)
steer the decision; neither can widen what the policy allows.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from edgewise.errors import InvalidRequest
from edgewise.perimeter.types import DataClass
from edgewise.router.cloud import GatewayCloudChat
from edgewise.router.hybrid import HybridRouter
from edgewise.router.types import RoutedAnswer
from edgewise.server.protocol import ChatCompletionRequest
from edgewise.server.serving import engine_for, grammar_for

HINTS = ("auto", "local", "cloud")


def router_for(app: FastAPI, engine: Any) -> HybridRouter:
    """One router per served model, built on first use once the perimeter is up (local-only until then)."""
    cache: dict[str, HybridRouter] | None = getattr(app.state, "hybrid_routers", None)
    if cache is None:
        cache = app.state.hybrid_routers = {}
    router = cache.get(engine.model_name)
    if router is None:
        settings = app.state.settings.router
        perimeter = getattr(app.state, "perimeter", None)
        cloud = GatewayCloudChat(perimeter.gateway, settings) if perimeter is not None else None
        router = HybridRouter(settings, engine, cloud=cloud, metrics=app.state.metrics)
        if perimeter is not None:  # until the perimeter is up, answer locally but do not remember that
            cache[engine.model_name] = router
    return router


def _request_steering(request: Request) -> tuple[str, DataClass | None]:
    hint = request.headers.get("x-edgewise-route-hint", "auto").strip().lower()
    if hint not in HINTS:
        raise InvalidRequest(f"x-edgewise-route-hint must be one of {', '.join(HINTS)} (got {hint!r}).", param="x-edgewise-route-hint")
    raw = request.headers.get("x-edgewise-data-class")
    try:
        return hint, DataClass(raw.strip().lower()) if raw else None
    except ValueError:
        names = ", ".join(d.value for d in DataClass)
        raise InvalidRequest(f"x-edgewise-data-class must be one of {names}.", param="x-edgewise-data-class") from None


async def routed_chat_completion(req: ChatCompletionRequest, request: Request) -> Any:
    engine = await engine_for(request, req.model)
    hint, data_class = _request_steering(request)
    messages = [m.model_dump(exclude_none=True) for m in req.messages]
    params = req.sampling(max_tokens=req.limit, grammar=grammar_for(req.response_format), logprobs=True)
    router = router_for(request.app, engine)
    answer = await asyncio.to_thread(router.route, messages, params, hint=hint, data_class=data_class)  # type: ignore[arg-type]
    base = {"id": f"chatcmpl-{uuid.uuid4().hex}", "created": int(time.time()), "model": engine.model_name,
            "system_fingerprint": "edgewise", "edgewise_route": answer.decision.to_dict()}  # fmt: skip
    headers = {"x-edgewise-route": answer.decision.where, "x-edgewise-route-reason": answer.decision.reason}
    finish = "length" if answer.finish_reason == "length" else "stop"
    if req.stream:
        return StreamingResponse(_sse(base, answer, finish), media_type="text/event-stream", headers=headers)
    u = answer.usage
    usage = {"prompt_tokens": u.prompt_tokens, "completion_tokens": u.completion_tokens, "total_tokens": u.total_tokens}
    choice = {"index": 0, "message": {"role": "assistant", "content": answer.text}, "logprobs": None, "finish_reason": finish}
    return JSONResponse({**base, "object": "chat.completion", "choices": [choice], "usage": usage}, headers=headers)


async def _sse(base: dict[str, Any], answer: RoutedAnswer, finish: str) -> AsyncIterator[bytes]:
    """A routed answer is decided whole (the draft is judged before it is shown), then sent as one chunk."""
    chunks = [
        {"index": 0, "delta": {"role": "assistant", "content": answer.text}, "logprobs": None, "finish_reason": None},
        {"index": 0, "delta": {}, "logprobs": None, "finish_reason": finish},
    ]
    for c in chunks:
        yield b"data: " + json.dumps({**base, "object": "chat.completion.chunk", "choices": [c]}).encode() + b"\n\n"
    yield b"data: [DONE]\n\n"


__all__ = ["routed_chat_completion", "router_for"]
