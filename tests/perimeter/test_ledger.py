"""The egress ledger detects every kind of tampering, and its CLI reports it."""

from __future__ import annotations

import json
import sqlite3
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from edgewise.perimeter.cli import audit_app
from edgewise.perimeter.keys import PRIVATE_NAME, PUBLIC_NAME, load_or_create_signing_key
from edgewise.perimeter.ledger import Ledger, record_hash


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    led = Ledger(tmp_path / "ledger.sqlite", load_or_create_signing_key(tmp_path), checkpoint_every=4)
    for i in range(10):
        led.append(destination="collector", data_class="event", nbytes=100 + i, sha256=f"{i:064x}",
                   redactions={"EMAIL": i % 2}, decision="sent" if i % 3 else "refused", reason=f"r{i}")
    yield led
    led.close()


def _db(led: Ledger) -> sqlite3.Connection:
    return sqlite3.connect(led.path, isolation_level=None)


def _edit(led: Ledger) -> None:
    _db(led).execute("UPDATE records SET bytes = 1 WHERE seq = 5")


def _edit_and_rehash(led: Ledger) -> None:
    """An attacker without the key rewrites a record and recomputes every later hash."""
    db = _db(led)
    rows = db.execute("SELECT seq, ts, destination, data_class, bytes, sha256, redactions, decision, reason, prev_hash"
                      " FROM records ORDER BY seq").fetchall()
    prev = None
    for r in rows:
        values = dict(zip(("seq", "ts", "destination", "data_class", "bytes", "sha256", "redactions", "decision",
                           "reason", "prev_hash"), r, strict=True))
        if values["seq"] == 3:
            values["destination"] = "elsewhere"
        if prev is not None:
            values["prev_hash"] = prev
        values["redactions"] = json.loads(values["redactions"])
        h = record_hash(values)
        db.execute("UPDATE records SET destination=?, prev_hash=?, hash=? WHERE seq=?",
                   (values["destination"], values["prev_hash"], h, values["seq"]))
        prev = h


def _delete_middle(led: Ledger) -> None:
    _db(led).execute("DELETE FROM records WHERE seq = 6")


def _reorder(led: Ledger) -> None:
    db = _db(led)
    cols = "ts, destination, data_class, bytes, sha256, redactions, decision, reason, prev_hash, hash"
    a = db.execute(f"SELECT {cols} FROM records WHERE seq = 2").fetchone()
    b = db.execute(f"SELECT {cols} FROM records WHERE seq = 3").fetchone()
    sets = ", ".join(f"{c.strip()} = ?" for c in cols.split(","))
    db.execute(f"UPDATE records SET {sets} WHERE seq = 2", b)
    db.execute(f"UPDATE records SET {sets} WHERE seq = 3", a)


def _truncate(led: Ledger) -> None:
    _db(led).execute("DELETE FROM records WHERE seq > 8")


def _truncate_and_drop_head(led: Ledger) -> None:
    db = _db(led)
    db.execute("DELETE FROM records WHERE seq > 9")
    db.execute("DELETE FROM head")


def _insert(led: Ledger) -> None:
    db = _db(led)
    last = db.execute("SELECT hash FROM records WHERE seq = 10").fetchone()[0]
    db.execute("INSERT INTO records VALUES (11, '2030-01-01', 'x', 'event', 1, '', '{}', 'sent', '', ?, ?)", (last, "0" * 64))


def _forge_checkpoint(led: Ledger) -> None:
    other = Ed25519PrivateKey.generate()
    db = _db(led)
    seq, h, ts = db.execute("SELECT seq, hash, ts FROM checkpoints ORDER BY seq LIMIT 1").fetchone()
    sig = other.sign(f"edgewise-ledger/v1|checkpoint|{seq}|{h}|{ts}".encode()).hex()
    db.execute("UPDATE checkpoints SET signature = ? WHERE seq = ?", (sig, seq))


TAMPERING: dict[str, Callable[[Ledger], None]] = {
    "edited": _edit,
    "edited_and_rehashed": _edit_and_rehash,
    "deleted": _delete_middle,
    "reordered": _reorder,
    "truncated": _truncate,
    "truncated_without_head": _truncate_and_drop_head,
    "inserted": _insert,
    "forged_checkpoint": _forge_checkpoint,
}


def test_an_untouched_ledger_verifies(ledger: Ledger) -> None:
    report = ledger.verify()
    assert report.ok, report.problems
    assert (report.records, report.checkpoints, report.head_seq) == (10, 2, 10)


@pytest.mark.parametrize("kind", sorted(TAMPERING))
def test_tampering_is_detected(ledger: Ledger, kind: str) -> None:
    TAMPERING[kind](ledger)
    report = ledger.verify()
    assert not report.ok
    assert report.problems


def test_records_hold_hashes_not_payloads(ledger: Ledger) -> None:
    rec = ledger.records(limit=1)[0]
    assert set(rec.public()) == {"seq", "ts", "destination", "data_class", "bytes", "sha256", "redactions",
                                 "decision", "reason", "prev_hash", "hash"}


def test_stats_total_bytes_by_destination_and_class(ledger: Ledger) -> None:
    rows = {(r["destination"], r["data_class"], r["decision"]): r for r in ledger.stats()}
    assert rows[("collector", "event", "sent")]["count"] == 6
    assert rows[("collector", "event", "refused")]["count"] == 4
    assert rows[("collector", "event", "refused")]["bytes"] == 100 + 103 + 106 + 109


def test_private_key_and_ledger_are_owner_only(ledger: Ledger, tmp_path: Path) -> None:
    for name in (PRIVATE_NAME, "ledger.sqlite"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert (tmp_path / PUBLIC_NAME).is_file()


def test_cli_verify_exits_zero_then_one_after_tampering(ledger: Ledger) -> None:
    runner = CliRunner()
    ok = runner.invoke(audit_app, ["verify", "--ledger", str(ledger.path), "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["ok"] is True
    _edit(ledger)
    bad = runner.invoke(audit_app, ["verify", "--ledger", str(ledger.path)])
    assert bad.exit_code != 0
    assert "edited" in bad.output


def test_cli_show_and_stats(ledger: Ledger) -> None:
    runner = CliRunner()
    shown = runner.invoke(audit_app, ["show", "--ledger", str(ledger.path), "--json", "--limit", "3"])
    assert [r["seq"] for r in json.loads(shown.output)] == [10, 9, 8]
    table = runner.invoke(audit_app, ["show", "--ledger", str(ledger.path)], env={"COLUMNS": "250"})
    assert "collector" in table.output and "refused" in table.output
    stats = runner.invoke(audit_app, ["stats", "--ledger", str(ledger.path), "--json"])
    assert sum(r["count"] for r in json.loads(stats.output)) == 10
