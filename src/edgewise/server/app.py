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

#: How long a request waits for subsystem start-up before it gets a 503.
STARTUP_WAIT_S = 30.0

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
        # Subsystems start in the background, in list order (the uplink needs the perimeter), so
        # the node answers /health (503 "loading") at once instead of refusing connections.
        startup = asyncio.create_task(_start_modules(app, modules))
        app.state.startup = startup
        try:
            yield
        finally:
            await asyncio.wait([startup])
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
        tasks = [getattr(request.app.state, "loader", None), getattr(request.app.state, "startup", None)]
        if manager is None or any(t is None or not t.done() for t in tasks):
            return JSONResponse({"status": "loading"}, status_code=503)
        failed = [t.exception() for t in tasks if t is not None and t.exception() is not None]
        if failed:
            return JSONResponse({"status": "error", "error": str(failed[0])}, status_code=503)
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


async def _start_modules(app: FastAPI, modules: list[Any]) -> None:
    for mod in modules:
        if hasattr(mod, "on_startup"):
            await mod.on_startup(app)


_ALWAYS_UP = ("/health", "/metrics")


def _install_request_metrics(app: FastAPI) -> None:
    requests = app.state.metrics.counter("http_requests_total", "HTTP requests by route and status.", ["route", "status"])

    @app.middleware("http")
    async def count(request: Request, call_next: Any) -> Response:
        startup = getattr(request.app.state, "startup", None)
        if startup is not None and not startup.done() and request.url.path not in _ALWAYS_UP:
            # subsystem routes need their state: wait for start-up, briefly, then say so
            done, _ = await asyncio.wait([startup], timeout=STARTUP_WAIT_S)
            if not done:
                from edgewise.server.errors import error_response

                return error_response(503, "The node is still starting; retry in a moment (GET /health turns 200 when ready).",
                                      "server_error", "not_ready")
        response: Response = await call_next(request)
        route = request.scope.get("route")
        requests.labels(getattr(route, "path", "unmatched"), str(response.status_code)).inc()
        return response


__all__ = ["LARGE_BODY_PATHS", "ROUTER_MODULES", "build_app"]
