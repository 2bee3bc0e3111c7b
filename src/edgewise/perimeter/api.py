"""HTTP routes of the perimeter (mounted by ``server/app.py`` via ``ROUTER_MODULES``).

``POST /v1/perimeter/redact`` has the exact shape the issue fixes::

    {"text": "..."}  -> {"text": "<redacted>", "entities": [{"type", "start", "end", "placeholder"}, ...]}
    {"json": {...}}  -> {"json": {...redacted...}, "entities": [... + "path"]}

Original values and the mapping are never returned by ``redact``. ``pseudonymize``
also keeps the mapping in the local vault and returns a ``session_id``;
``reidentify`` puts the values back (on the device, behind the API key).
Ledger routes list, total and verify egress. Detection runs in a worker
thread; any detector failure is an error response, never unredacted text.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from edgewise.errors import NotReady
from edgewise.perimeter.redaction import Redaction
from edgewise.server.auth import require_api_key

log = logging.getLogger("edgewise.perimeter")
router = APIRouter(prefix="/v1/perimeter", tags=["perimeter"], dependencies=[Depends(require_api_key)])


class _Body(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    text: str | None = None
    json_: Any = Field(None, alias="json")

    @model_validator(mode="after")
    def _exactly_one(self) -> _Body:
        if (self.text is None) == (self.json_ is None):
            raise ValueError("send exactly one of 'text' or 'json'")
        return self


class RedactRequest(_Body):
    pass


class ReidentifyRequest(_Body):
    session_id: str = Field(min_length=1, max_length=200)


def _perimeter(request: Request) -> Any:
    perimeter = getattr(request.app.state, "perimeter", None)
    if perimeter is None:
        error = getattr(request.app.state, "perimeter_error", "still starting")
        raise NotReady(f"The privacy perimeter is not available ({error}); nothing can be redacted or sent.")
    return perimeter


def _answer(red: Redaction, with_session: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"text": red.text} if red.text is not None else {"json": red.json}
    out["entities"] = [e.public() for e in red.entities]
    if with_session:
        out["session_id"] = red.session_id
    return out


@router.post("/redact")
async def redact(body: RedactRequest, request: Request) -> dict[str, Any]:
    perimeter = _perimeter(request)
    red = await asyncio.to_thread(perimeter.redact, text=body.text, json=body.json_)
    return _answer(red)


@router.post("/pseudonymize")
async def pseudonymize(body: RedactRequest, request: Request) -> dict[str, Any]:
    perimeter = _perimeter(request)
    red = await asyncio.to_thread(perimeter.pseudonymize, text=body.text, json=body.json_)
    return _answer(red, with_session=True)


@router.post("/reidentify")
async def reidentify(body: ReidentifyRequest, request: Request) -> dict[str, Any]:
    perimeter = _perimeter(request)
    if body.text is not None:
        return {"text": perimeter.reidentify(body.text, body.session_id)}
    return {"json": perimeter.reidentify_json(body.json_, body.session_id)}


@router.get("/ledger")
async def ledger(request: Request, limit: int = Query(50, ge=1, le=1000), offset: int = Query(0, ge=0)) -> dict[str, Any]:
    records = _perimeter(request).ledger.records(limit=limit, offset=offset)
    return {"records": [r.public() for r in records]}


@router.get("/ledger/stats")
async def ledger_stats(request: Request) -> dict[str, Any]:
    return {"stats": _perimeter(request).ledger.stats()}


@router.get("/ledger/verify")
async def ledger_verify(request: Request) -> dict[str, Any]:
    report = await asyncio.to_thread(_perimeter(request).ledger.verify)
    return asdict(report)


@router.get("/policy")
async def policy(request: Request) -> dict[str, Any]:
    pol = _perimeter(request).gateway.policy
    return {"destinations": [{"name": d.name, "url": d.url, "classes": sorted(d.classes), "max_bytes": d.max_bytes,
                              "redact": d.redact} for d in pol.destination]}


async def on_startup(app: FastAPI) -> None:
    """Load the perimeter (policy, keys, NER model) off the event loop; if it fails the routes answer 503."""
    from edgewise.perimeter.service import Perimeter

    app.state.perimeter = None
    try:
        app.state.perimeter = await asyncio.to_thread(Perimeter.from_settings, app.state.settings, metrics=app.state.metrics)
    except Exception as exc:  # fail closed: no perimeter, no redaction, no egress
        log.exception("privacy perimeter failed to start; perimeter routes will answer 503")
        app.state.perimeter_error = f"{type(exc).__name__}: {exc}"


async def on_shutdown(app: FastAPI) -> None:
    perimeter = getattr(app.state, "perimeter", None)
    if perimeter is not None:
        perimeter.close()


__all__ = ["on_shutdown", "on_startup", "router"]
