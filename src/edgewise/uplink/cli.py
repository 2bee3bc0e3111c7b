"""``edgewise link``: the node's uplink outbox: status, bandwidth stats, flush."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from edgewise.config import load_settings

app = typer.Typer(help="The store-and-forward uplink to the cloud collector.", no_args_is_help=True)
console = Console()
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _size(n: float | None) -> str:
    if n is None:
        return "-"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _age(s: float | None) -> str:
    if s is None:
        return "-"
    return f"{s:.0f}s" if s < 120 else (f"{s / 60:.0f}m" if s < 7200 else f"{s / 3600:.1f}h")


@app.command("status")
def status(as_json: JsonOpt = False) -> None:
    """Streams waiting to be sent: pending messages and bytes, oldest age, drops, last error."""
    from edgewise.uplink.service import open_outbox

    settings = load_settings()
    store = open_outbox(settings)
    stats = store.stats()
    store.close()
    if as_json:
        typer.echo(json.dumps({"node_id": settings.uplink.node_id, "destination": settings.uplink.destination,
                               "streams": [s.to_dict() for s in stats]}, indent=2))  # fmt: skip
        return
    console.print(f"node [bold]{settings.uplink.node_id}[/] -> destination {settings.uplink.destination!r}")
    table = Table("stream", "pending", "bytes", "oldest", "next seq", "acked seq", "dropped full/ttl", "rejected", "last error")
    for s in stats:
        table.add_row(s.stream, str(s.pending), _size(s.pending_bytes), _age(s.oldest_age_s), str(s.next_seq),
                      str(s.acked_seq), f"{s.dropped_full}/{s.dropped_ttl}", str(s.rejected_full), s.last_error or "")  # fmt: skip
    console.print(table if stats else "[dim]no streams yet[/]")


@app.command("stats")
def stats(as_json: JsonOpt = False) -> None:
    """Bandwidth accounting per stream: raw bytes seen, bytes sent after compression, and the ratio."""
    from edgewise.uplink.service import open_outbox

    store = open_outbox(load_settings())
    rows = store.stats()
    store.close()
    if as_json:
        typer.echo(json.dumps([s.to_dict() for s in rows], indent=2))
        return
    table = Table("stream", "raw seen", "enqueued", "sent (payload)", "sent (wire)", "wire/raw", "delivered", "batches", "failures")
    for s in rows:
        ratio = f"{s.ratio:.4f}" if s.ratio is not None else "-"
        table.add_row(s.stream, _size(s.raw_bytes), _size(s.payload_bytes), _size(s.sent_payload_bytes), _size(s.sent_wire_bytes),
                      ratio, str(s.delivered), str(s.batches_sent), str(s.send_failures))  # fmt: skip
    console.print(table if rows else "[dim]no streams yet[/]")


@app.command("login")
def login(token: Annotated[str, typer.Argument(help="The token printed by `edgewise cloud token add <node>`.")]) -> None:
    """Store this node's collector token in the data dir (mode 600), instead of the config file."""
    from edgewise.config import write_secret
    from edgewise.uplink.service import token_path

    path = token_path(load_settings())
    write_secret(path, token.strip().encode())
    console.print(f"token stored in {path}")


@app.command("flush")
def flush(
    timeout: Annotated[float, typer.Option("--timeout", help="Give up after this many seconds.")] = 60.0,
    as_json: JsonOpt = False,
) -> None:
    """Send everything waiting now, through the perimeter gateway; exit 1 if something is left."""
    from edgewise.uplink.errors import LinkError
    from edgewise.uplink.forwarder import Forwarder
    from edgewise.uplink.service import open_outbox
    from edgewise.uplink.transport import gateway_transport

    settings = load_settings()
    store = open_outbox(settings)
    from edgewise.uplink.service import with_token

    fwd = Forwarder(store, gateway_transport(settings), with_token(settings))
    with console.status("flushing the outbox ..."):
        done = fwd.flush(timeout)
    left = {s.stream: s.pending for s in store.stats() if s.pending}
    errors = {s.stream: s.last_error for s in store.stats() if s.pending and s.last_error}
    store.close()
    if as_json:
        typer.echo(json.dumps({"flushed": done, "pending": left, "errors": errors}))
    elif done:
        console.print("[green]outbox empty[/]")
    if not done:
        detail = "; ".join(f"{k}: {v} pending ({errors.get(k, 'timeout')})" for k, v in left.items())
        raise LinkError(f"Could not send everything within {timeout:.0f}s: {detail}. Check `edgewise link status`.")


__all__ = ["app"]
