"""``edgewise serve``: run the node's HTTP API."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

console = Console(stderr=True)


def serve(
    model: Annotated[str | None, typer.Option("--model", "-m", help="Registered model name or path to a .gguf file.")] = None,
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port (default 8080).")] = None,
    threads: Annotated[int | None, typer.Option(help="CPU threads for llama.cpp (default: all cores).")] = None,
    ctx: Annotated[int | None, typer.Option(help="Context length per sequence, in tokens (default 4096).")] = None,
    parallel: Annotated[int | None, typer.Option(help="Sequences decoded together (default 8).")] = None,
    api_key: Annotated[str | None, typer.Option(envvar="EDGEWISE_API_KEY", help="Require 'Authorization: Bearer KEY' on /v1.")] = None,
) -> None:
    """Serve a local model over an OpenAI-compatible HTTP API (continuous batching, streaming, JSON schema)."""
    import uvicorn

    from edgewise.config import load_settings
    from edgewise.models.registry import ModelRegistry
    from edgewise.server.app import build_app

    settings = load_settings(model=model, host=host, port=port, threads=threads, ctx=ctx, parallel=parallel, api_key=api_key)
    settings.ensure_data_dir()
    with console.status("Preparing the model file..."):
        registry = ModelRegistry(settings.models_dir, progress=lambda m: console.print(f"[dim]{m}[/]"))
        if not settings.model.endswith(".gguf"):
            registry.resolve_path(settings.model)  # assemble the embedded model / fail fast on unknown names
    console.print(
        f"[bold]edgewise[/] serving [cyan]{settings.model}[/] on http://{settings.host}:{settings.port} "
        f"({settings.parallel} slots x {settings.ctx} tokens, {settings.threads} threads"
        f"{', API key required' if settings.api_key else ''})"
    )
    uvicorn.run(build_app(settings), host=settings.host, port=settings.port, log_level=settings.log_level,
                timeout_graceful_shutdown=5)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


__all__ = ["register", "serve"]
