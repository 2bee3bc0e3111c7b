"""HTTP routes of the uplink on the node: local producers enqueue, operators read the stats.

``POST /v1/uplink/streams/{stream}/messages`` answers 202 only once the message
is durable in the outbox; ``GET /v1/uplink/streams`` returns the per-stream
counters (bandwidth accounting included). The forwarder runs in the node when
``[uplink] enabled = true``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from edgewise.errors import NotReady
from edgewise.perimeter.types import DataClass
from edgewise.server.auth import require_api_key
from edgewise.uplink.service import Uplink
from edgewise.uplink.uplink_metrics import UplinkMetrics

log = logging.getLogger("edgewise.uplink")
router = APIRouter(prefix="/v1/uplink", dependencies=[Depends(require_api_key)], tags=["uplink"])


class EnqueueBody(BaseModel):
    payload: Any
    data_class: DataClass
    key: str | None = Field(None, min_length=1, max_length=256)
    raw_bytes: int | None = Field(None, ge=0, description="Bytes the node saw to produce this payload.")


def _uplink(request: Request) -> Uplink:
    up = getattr(request.app.state, "uplink", None)
    if up is None:
        raise NotReady("The uplink outbox is not open yet.")
    return up  # type: ignore[no-any-return]


@router.post("/streams/{stream}/messages", status_code=202)
async def enqueue(stream: str, body: EnqueueBody, request: Request) -> JSONResponse:
    up = _uplink(request)
    res = await asyncio.to_thread(up.enqueue, stream, body.payload, body.data_class, key=body.key, raw_bytes=body.raw_bytes)
    return JSONResponse(
        {"stream": res.stream, "seq": res.seq, "key": res.key, "duplicate": res.duplicate, "dropped": res.dropped}, status_code=202
    )


@router.get("/streams")
async def streams(request: Request) -> JSONResponse:
    up = _uplink(request)
    stats = await asyncio.to_thread(up.store.stats)
    UplinkMetrics(request.app.state.metrics).refresh(up.store, up.forwarder.online if up.forwarder else None)
    return JSONResponse({"streams": [s.to_dict() for s in stats]})


async def on_startup(app: FastAPI) -> None:
    settings = app.state.settings
    transport = None
    if settings.uplink.enabled:
        perimeter = getattr(app.state, "perimeter", None)  # built by edgewise.perimeter.api, listed before us
        if perimeter is None:  # the node keeps working offline; messages wait in the outbox
            log.error("uplink: forwarder not started: the perimeter is not available (%s)",
                      getattr(app.state, "perimeter_error", "not loaded"))  # fmt: skip
        else:
            from edgewise.uplink.service import with_token
            from edgewise.uplink.transport import GatewayTransport

            transport = GatewayTransport(perimeter.gateway, with_token(settings))
    up = await asyncio.to_thread(Uplink.open, settings, transport=transport, metrics=app.state.metrics)
    UplinkMetrics(app.state.metrics).refresh(up.store, None)
    up.start()
    app.state.uplink = up


async def on_shutdown(app: FastAPI) -> None:
    up = getattr(app.state, "uplink", None)
    if up is not None:
        await asyncio.to_thread(up.close)


__all__ = ["on_shutdown", "on_startup", "router"]
