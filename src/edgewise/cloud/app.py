"""The collector's HTTP app: ``build_collector_app(settings)``.

Routes:

* ``POST /v1/ingest``: a batch from a node (``uplink/protocol.py``) (``Authorization: Bearer <node token>``);
  answers ``{"accepted", "duplicates", "acked_seq"}`` once the batch is committed.
* ``GET /api/v1/fleet``: the fleet view as JSON; ``GET /fleet``: the same as HTML.
* ``GET /api/v1/messages``: stored messages of one stream, in arrival order (paging).
* ``GET /health``, ``GET /metrics``.

The fleet and export routes need the admin token when one is configured.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from edgewise import __version__
from edgewise.cloud.settings import CloudSettings
from edgewise.cloud.store import CollectorStore
from edgewise.errors import AuthenticationError, InvalidRequest
from edgewise.metrics import NodeMetrics
from edgewise.perimeter.types import FORBIDDEN
from edgewise.server.errors import install_error_handlers
from edgewise.server.limits import BodyLimitMiddleware
from edgewise.uplink.protocol import INGEST_PATH, IngestAck, decode_batch

TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape())


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("Missing token: send 'Authorization: Bearer <token>'.")
    return token.strip()


async def require_admin(request: Request) -> None:
    key = request.app.state.cloud.admin_token
    if key is None:
        return
    if not hmac.compare_digest(_bearer(request).encode(), key.get_secret_value().encode()):
        raise AuthenticationError("Incorrect admin token.")


def build_collector_app(cloud: CloudSettings, database_url: str) -> FastAPI:
    store = CollectorStore(database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(title="Edgewise collector", version=__version__, lifespan=lifespan)
    app.state.cloud = cloud
    app.state.store = store
    app.state.metrics = NodeMetrics()
    m = app.state.metrics
    batches = m.counter("collector_batches_total", "Batches received.", ["node", "stream"])
    stored = m.counter("collector_messages_total", "Messages received, new or duplicate.", ["node", "stream", "result"])
    wire = m.counter("collector_bytes_received_total", "Compressed bytes received.", ["node", "stream"])
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=cloud.max_body_bytes)

    @app.post(INGEST_PATH, tags=["ingest"])
    async def ingest(request: Request) -> IngestAck:
        node_id = await asyncio.to_thread(store.authenticate, _bearer(request))
        body = await request.body()
        env, size = decode_batch(request.headers, body, max_bytes=cloud.max_batch_bytes)
        if env.node_id != node_id:
            raise AuthenticationError(f"This token belongs to node '{node_id}', not '{env.node_id}'.")
        if env.data_class in FORBIDDEN:  # a node that sends raw data is misbehaving: store nothing
            raise InvalidRequest(f"Data class '{env.data_class.value}' never leaves a node; the batch was not stored.")
        res = await asyncio.to_thread(store.ingest, node_id, env, wire_bytes=len(body), decompressed_bytes=size)
        batches.labels(node_id, env.stream).inc()
        stored.labels(node_id, env.stream, "new").inc(res.accepted)
        stored.labels(node_id, env.stream, "duplicate").inc(res.duplicates)
        wire.labels(node_id, env.stream).inc(len(body))
        return IngestAck(accepted=res.accepted, duplicates=res.duplicates, acked_seq=res.acked_seq)

    @app.get("/api/v1/fleet", tags=["fleet"], dependencies=[Depends(require_admin)])
    async def fleet_json() -> JSONResponse:
        return JSONResponse(await asyncio.to_thread(store.fleet))

    @app.get("/fleet", tags=["fleet"], dependencies=[Depends(require_admin)], response_class=HTMLResponse)
    async def fleet_html() -> HTMLResponse:
        view = await asyncio.to_thread(store.fleet)
        html = TEMPLATES.get_template("fleet.html").render(view=view, now=time.time(), fmt_time=_fmt_time)
        return HTMLResponse(html)

    @app.get("/api/v1/messages", tags=["fleet"], dependencies=[Depends(require_admin)])
    async def export(
        node: str,
        stream: str,
        after_id: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    ) -> JSONResponse:
        rows = await asyncio.to_thread(store.messages, node, stream, after_id=after_id, limit=limit)
        return JSONResponse({"messages": [_export_row(r) for r in rows]})

    @app.get("/health", tags=["node"])
    async def health() -> dict[str, Any]:
        return {"status": "ok", "database": store.engine.dialect.name}

    @app.get("/metrics", tags=["node"])
    async def metrics() -> Response:
        body, ctype = m.render()
        return Response(body, media_type=ctype)

    return app


def _export_row(r: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in r.items() if k != "payload"}
    out["payload_b64"] = base64.b64encode(r["payload"]).decode()
    return out


def _fmt_time(ts: float | None) -> str:
    if ts is None:
        return "never"
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(ts))


__all__ = ["build_collector_app", "require_admin"]
