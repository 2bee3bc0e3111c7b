"""``edgewise cloud``: run the collector and manage node tokens."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from edgewise.config import Settings, load_settings

app = typer.Typer(help="The cloud collector: receive node batches, manage node tokens, view the fleet.", no_args_is_help=True)
console = Console()
token_app = typer.Typer(help="Per-node tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")

DbOpt = Annotated[str | None, typer.Option("--database-url", help="SQLAlchemy URL (default: SQLite in the data dir).")]


def database_url(settings: Settings, override: str | None = None) -> str:
    """The collector's database: the flag, else ``[cloud] database_url``, else SQLite under the data dir."""
    url = override or settings.cloud.database_url
    if url:
        return url
    path = settings.ensure_data_dir() / "cloud" / "collector.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _store(url: str | None):  # type: ignore[no-untyped-def]
    from edgewise.cloud.store import CollectorStore

    return CollectorStore(database_url(load_settings(), url))


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option("--host", help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="TCP port.")] = None,
    db: DbOpt = None,
) -> None:
    """Run the collector (FastAPI on uvicorn) until interrupted."""
    import uvicorn

    from edgewise.cloud.app import build_collector_app

    settings = load_settings()
    cloud = settings.cloud
    url = database_url(settings, db)
    application = build_collector_app(cloud, url)
    console.print(f"[dim]collector on http://{host or cloud.host}:{port or cloud.port} ({url.split(':')[0]})[/]")
    uvicorn.run(application, host=host or cloud.host, port=port if port is not None else cloud.port, log_level=settings.log_level)


@token_app.command("add")
def token_add(
    node_id: Annotated[str, typer.Argument(help="The node's id (its [uplink] node_id).")],
    db: DbOpt = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Register a node (or rotate its token) and print the token once."""
    token = _store(db).add_node(node_id)
    if as_json:
        typer.echo(json.dumps({"node_id": node_id, "token": token}))
    else:
        console.print(f"token for [bold]{node_id}[/] (shown once; set it as EDGEWISE_UPLINK__TOKEN on the node):")
        typer.echo(token)


@token_app.command("revoke")
def token_revoke(node_id: Annotated[str, typer.Argument()], db: DbOpt = None) -> None:
    """Revoke a node's token: its batches are refused from now on."""
    _store(db).revoke_node(node_id)
    console.print(f"revoked {node_id}")


@app.command("fleet")
def fleet(db: DbOpt = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Print the fleet view from the collector's database."""
    view = _store(db).fleet()
    if as_json:
        typer.echo(json.dumps(view, indent=2))
        return
    table = Table("node", "stream", "messages", "duplicates", "last seq", "bytes received", "raw bytes", "dropped")
    for n in view["nodes"]:
        for s in n["streams"] or [{"stream": "-", "messages": 0, "duplicates": 0, "last_seq": 0, "bytes_received": 0, "raw_bytes": 0}]:
            dropped = f"{s.get('dropped_full', 0)}/{s.get('dropped_ttl', 0)}/{s.get('rejected_full', 0)}"
            table.add_row(n["node_id"], s["stream"], str(s["messages"]), str(s["duplicates"]), str(s["last_seq"]),
                          str(s["bytes_received"]), str(s["raw_bytes"]), dropped)  # fmt: skip
    console.print(table)


__all__ = ["app", "database_url"]
