"""``edgewise audit ...`` (the egress ledger) and ``edgewise perimeter ...`` (redaction, policy).

The audit commands open the ledger read-only and need neither the NER model
nor the private key: an auditor can run ``edgewise audit verify --public-key
node.pub`` on a copy of the ledger, with the key obtained out of band.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

audit_app = typer.Typer(help="Inspect and verify the egress ledger (every attempt to send data off the node).",
                        no_args_is_help=True)
perimeter_app = typer.Typer(help="The privacy perimeter: redact text, check an egress policy.", no_args_is_help=True)

LedgerOpt = Annotated[Path | None, typer.Option("--ledger", help="Ledger file (default: <data_dir>/perimeter/ledger.sqlite).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _perimeter_dir() -> Path:
    from edgewise.config import load_settings

    s = load_settings()
    return s.perimeter.dir(s.data_dir)


def _open_ro(ledger: Path | None) -> sqlite3.Connection:
    from edgewise.errors import InvalidRequest, NotFound

    path = ledger or _perimeter_dir() / "ledger.sqlite"
    if not path.is_file():
        raise NotFound(f"No ledger at {path}: nothing has been sent or refused yet (or pass --ledger).")
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        db.execute("SELECT seq, hash FROM records LIMIT 1").fetchall()
    except sqlite3.DatabaseError as exc:  # not SQLite at all, or SQLite without the ledger's table
        db.close()
        raise InvalidRequest(f"{path} is not an Edgewise egress ledger (SQLite: {exc}).") from None
    return db


@audit_app.command("verify")
def verify(
    ledger: LedgerOpt = None,
    public_key: Annotated[Path | None, typer.Option(help="Ed25519 public key (PEM); default: the node's own.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check the hash chain, the signed checkpoints and the signed head; exit 1 if anything was tampered with."""
    from edgewise.perimeter.errors import LedgerTampered
    from edgewise.perimeter.keys import PUBLIC_NAME, load_public_key
    from edgewise.perimeter.ledger_verify import verify_ledger

    db = _open_ro(ledger)
    key_path = public_key or (ledger.parent if ledger else _perimeter_dir()) / PUBLIC_NAME
    report = verify_ledger(db, load_public_key(key_path))
    if as_json:
        typer.echo(json.dumps(asdict(report)))
    else:
        console = Console()
        console.print(f"records: {report.records}  checkpoints: {report.checkpoints}  head: {report.head_seq}"
                      f"  key: {report.key_fingerprint}")
        for p in report.problems:
            console.print(f"[red]✗[/] {p}")
        if report.ok:
            console.print("[green]✓ ledger intact[/]")
    if not report.ok:
        raise LedgerTampered(f"The egress ledger failed verification ({len(report.problems)} problem(s)).")


def _rows(db: sqlite3.Connection, limit: int) -> list[dict[str, Any]]:
    from edgewise.perimeter.ledger import _FIELDS

    rows = db.execute(f"SELECT {', '.join(_FIELDS)}, hash FROM records ORDER BY seq DESC LIMIT ?", (limit,)).fetchall()
    return [dict(zip((*_FIELDS, "hash"), r, strict=True)) for r in rows]


@audit_app.command("show")
def show(ledger: LedgerOpt = None, limit: Annotated[int, typer.Option(min=1)] = 50, as_json: JsonOpt = False) -> None:
    """List the latest egress attempts: when, where, what class, how many bytes, redactions, decision."""
    rows = _rows(_open_ro(ledger), limit)
    if as_json:
        typer.echo(json.dumps(rows))
        return
    table = Table(title=f"Egress ledger (latest {len(rows)})")
    for col in ("seq", "time (UTC)", "destination", "class", "bytes", "redactions", "decision", "reason", "sha256"):
        table.add_column(col, overflow="fold")
    for r in rows:
        red = ", ".join(f"{k}×{v}" for k, v in json.loads(r["redactions"]).items())
        colour = {"sent": "green", "refused": "yellow", "failed": "red"}.get(r["decision"], "white")
        table.add_row(str(r["seq"]), r["ts"][:19].replace("T", " "), r["destination"], r["data_class"], str(r["bytes"]),
                      red, f"[{colour}]{r['decision']}[/]", r["reason"], r["sha256"][:12])
    Console().print(table)


@audit_app.command("stats")
def stats(ledger: LedgerOpt = None, as_json: JsonOpt = False) -> None:
    """Total attempts and bytes by destination, data class and decision."""
    rows = _open_ro(ledger).execute(
        "SELECT destination, data_class, decision, COUNT(*), COALESCE(SUM(bytes), 0) FROM records"
        " GROUP BY destination, data_class, decision ORDER BY destination, data_class, decision").fetchall()
    data = [{"destination": r[0], "data_class": r[1], "decision": r[2], "count": r[3], "bytes": r[4]} for r in rows]
    if as_json:
        typer.echo(json.dumps(data))
        return
    table = Table(title="Egress totals")
    for col in ("destination", "class", "decision", "attempts", "bytes"):
        table.add_column(col, justify="right" if col in ("attempts", "bytes") else "left")
    for d in data:
        table.add_row(d["destination"], d["data_class"], d["decision"], str(d["count"]), f"{d['bytes']:,}")
    Console().print(table)


@perimeter_app.command("redact")
def redact(
    text: Annotated[str | None, typer.Argument(help="Text to redact ('-' or none: read stdin).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Print TEXT with every identifier replaced by a placeholder (offline; nothing is stored)."""
    import sys

    from edgewise.config import load_settings
    from edgewise.perimeter.detector import PiiDetector
    from edgewise.perimeter.placeholders import PlaceholderAllocator
    from edgewise.perimeter.redaction import redact_string

    s = load_settings()
    value = sys.stdin.read() if text in (None, "-") else text
    out, ents = redact_string(PiiDetector.from_settings(s.perimeter), value, PlaceholderAllocator(value))
    if as_json:
        typer.echo(json.dumps({"text": out, "entities": [e.public() for e in ents]}))
    else:
        typer.echo(out)


@perimeter_app.command("check-policy")
def check_policy(path: Annotated[Path | None, typer.Argument(help="Policy TOML (default: the node's).")] = None) -> None:
    """Validate an egress policy file and list what it allows; exit non-zero with the first problem."""
    from edgewise.config import load_settings
    from edgewise.perimeter.policy import load_policy

    s = load_settings()
    target = path or s.perimeter.resolved_policy_file(s.data_dir)
    pol = load_policy(target)
    if not pol.destination:
        Console().print(f"{target}: no destinations (missing or empty): nothing may leave the node.")
        return
    table = Table(title=str(target))
    for col in ("destination", "url", "classes", "max bytes", "redact"):
        table.add_column(col)
    for d in pol.destination:
        table.add_row(d.name, d.url, ", ".join(sorted(d.classes)), f"{d.max_bytes:,}", "yes" if d.redact else "no")
    Console().print(table)


__all__ = ["audit_app", "perimeter_app"]
