"""The node's HTTP app: ``build_app(settings)`` and an explicit lifespan.

No module globals: the app owns its settings, metrics registry and engine
manager on ``app.state``. The model loads in a background thread so ``/health``
can answer 503 ("loading") right away and 200 once requests can be served.

Subsystems plug in by listing a module in :data:`ROUTER_MODULES`; each such
module exposes ``router: fastapi.APIRouter`` and may expose
``async def on_startup(app)`` / ``async def on_shutdown(app)``.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from edgewise import __version__
from edgewise.config import Settings
from edgewise.metrics import NodeMetrics
from edgewise.server.errors import install_error_handlers
from edgewise.server.limits import BodyLimitMiddleware

log = logging.getLogger("edgewise.server")

#: Modules whose ``router`` is mounted on the app (each owns its auth dependency).
ROUTER_MODULES: list[str] = [
    "edgewise.server.routes_openai",
    "edgewise.perimeter.api",
    "edgewise.uplink.routes",  # after the perimeter: its forwarder uses app.state.perimeter.gateway
    "edgewise.apps.inspection.routes",
]

#: Per-path body limits that differ from ``settings.max_body_bytes`` (uploads).
LARGE_BODY_PATHS: dict[str, int] = {
    "/v1/inspection/": 64 * 1024 * 1024,  # camera frames; the route applies inspection.max_upload_bytes itself
}


def _modules() -> list[Any]:
    return [importlib.import_module(name) for name in ROUTER_MODULES]


def build_app(settings: Settings, *, engines: Any | None = None) -> FastAPI:
    """Build the node's app. ``engines`` (an EngineManager) may be injected by tests or embedders."""
    modules = _modules()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from edgewise.engine.manager import EngineManager

        manager = engines or EngineManager(settings, metrics=app.state.metrics)
        app.state.engines = manager
        loader = asyncio.create_task(asyncio.to_thread(manager.load_default))
        app.state.loader = loader
        for mod in modules:
            if hasattr(mod, "on_startup"):
                await mod.on_startup(app)
        try:
            yield
        finally:
            for mod in reversed(modules):
                if hasattr(mod, "on_shutdown"):
                    await mod.on_shutdown(app)
            if not loader.done():
                await asyncio.wait([loader])
            await asyncio.to_thread(manager.close)

    app = FastAPI(title="Edgewise node", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    app.state.metrics = NodeMetrics()
    app.state.started = time.time()
    install_error_handlers(app)
    _install_request_metrics(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes, overrides=LARGE_BODY_PATHS)

    @app.get("/health", tags=["node"])
    async def health(request: Request) -> JSONResponse:
        """200 once the default model serves requests, 503 while it loads (or if it failed)."""
        manager = getattr(request.app.state, "engines", None)
        loader = getattr(request.app.state, "loader", None)
        if manager is None or loader is None or not loader.done():
            return JSONResponse({"status": "loading"}, status_code=503)
        if loader.exception() is not None:
            return JSONResponse({"status": "error", "error": str(loader.exception())}, status_code=503)
        return JSONResponse({"status": "ok", "model": manager.default_name, "uptime_s": time.time() - request.app.state.started})

    @app.get("/metrics", tags=["node"])
    async def metrics(request: Request) -> Response:
        manager = getattr(request.app.state, "engines", None)
        if manager is not None:
            manager.refresh_metrics()
        body, content_type = request.app.state.metrics.render()
        return Response(body, media_type=content_type)

    for mod in modules:
        app.include_router(mod.router)
    return app


def _install_request_metrics(app: FastAPI) -> None:
    requests = app.state.metrics.counter("http_requests_total", "HTTP requests by route and status.", ["route", "status"])

    @app.middleware("http")
    async def count(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        route = request.scope.get("route")
        requests.labels(getattr(route, "path", "unmatched"), str(response.status_code)).inc()
        return response


__all__ = ["LARGE_BODY_PATHS", "ROUTER_MODULES", "build_app"]
