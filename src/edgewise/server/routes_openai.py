"""OpenAI-compatible routes: thin, they validate, fetch state and delegate to ``serving``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from edgewise.errors import EdgewiseError, ModelNotFound
from edgewise.server import serving
from edgewise.server.auth import require_api_key
from edgewise.server.protocol import ChatCompletionRequest, CompletionRequest


class UnsupportedMediaType(EdgewiseError):
    status_code = 415
    code = "unsupported_media_type"
    type = "invalid_request_error"


async def require_json(request: Request) -> None:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json" and not ctype.endswith("+json"):
        raise UnsupportedMediaType(f"Send the request body as JSON with 'Content-Type: application/json' (got '{ctype or 'none'}').")


router = APIRouter(prefix="/v1", dependencies=[Depends(require_api_key)], tags=["openai"])


@router.post("/chat/completions", dependencies=[Depends(require_json)])
async def chat_completions(body: ChatCompletionRequest, request: Request) -> Any:
    # --- hybrid local/cloud router (issue 4, edgewise.router): only when [router] enabled = true ---
    if request.app.state.settings.router.enabled:
        from edgewise.router.serving import routed_chat_completion

        return await routed_chat_completion(body, request)
    # --- end hybrid router ---
    return await serving.chat_completion(body, request)


@router.post("/completions", dependencies=[Depends(require_json)])
async def completions(body: CompletionRequest, request: Request) -> Any:
    return await serving.completion(body, request)


def _model_card(name: str, created: int) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": created, "owned_by": "edgewise"}


@router.get("/models")
async def list_models(request: Request) -> JSONResponse:
    created = int(request.app.state.started)
    names = request.app.state.engines.names()
    return JSONResponse({"object": "list", "data": [_model_card(n, created) for n in names]})


@router.get("/models/{model_id:path}")
async def get_model(model_id: str, request: Request) -> JSONResponse:
    if model_id not in request.app.state.engines.names():
        raise ModelNotFound(f"The model '{model_id}' does not exist on this node.", param="model")
    return JSONResponse(_model_card(model_id, int(request.app.state.started)))


