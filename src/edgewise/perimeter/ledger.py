"""The tamper-evident egress ledger: hash-chained records, Ed25519-signed checkpoints and head.

Every egress attempt, sent or refused, is one record: time, destination, data
class, byte count, SHA-256 of the bytes actually sent, redaction counts per
type, decision and reason. Never the payload. Each record's hash covers its
fields and the previous record's hash; every ``checkpoint_every`` records the
node signs ``(seq, hash)`` with its Ed25519 key, and it re-signs the *head*
(last seq and hash) on every append, so :meth:`Ledger.verify` detects an
edited, deleted, reordered, inserted or truncated record.

Limit (documented in the README): someone holding the private key, or who
replaces the whole database and head with an older *signed* copy (rollback),
cannot be caught from the device alone; export checkpoints off the device for that.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from edgewise.perimeter.storage import open_private_db

GENESIS = "0" * 64
_FIELDS = ("seq", "ts", "destination", "data_class", "bytes", "sha256", "redactions", "decision", "reason", "prev_hash")


def _m001_records(db: sqlite3.Connection) -> None:
    db.execute(
        "CREATE TABLE records (seq INTEGER PRIMARY KEY, ts TEXT NOT NULL, destination TEXT NOT NULL,"
        " data_class TEXT NOT NULL, bytes INTEGER NOT NULL, sha256 TEXT NOT NULL, redactions TEXT NOT NULL,"
        " decision TEXT NOT NULL, reason TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)"
    )
    db.execute("CREATE TABLE checkpoints (seq INTEGER PRIMARY KEY, hash TEXT NOT NULL, ts TEXT NOT NULL, signature TEXT NOT NULL)")
    db.execute("CREATE TABLE head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL,"
               " ts TEXT NOT NULL, signature TEXT NOT NULL)")


@dataclass(frozen=True)
class LedgerRecord:
    seq: int
    ts: str
    destination: str
    data_class: str
    bytes: int
    sha256: str
    redactions: dict[str, int]
    decision: str  # "sent" | "refused" | "failed"
    reason: str
    prev_hash: str
    hash: str

    def public(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class VerifyReport:
    ok: bool
    records: int
    checkpoints: int
    head_seq: int | None
    key_fingerprint: str
    problems: list[str] = field(default_factory=list)


def record_hash(values: dict[str, Any]) -> str:
    canonical = json.dumps([values[k] for k in _FIELDS], separators=(",", ":"), sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _signed_message(kind: str, seq: int, hash_: str, ts: str) -> bytes:
    return f"edgewise-ledger/v1|{kind}|{seq}|{hash_}|{ts}".encode()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class Ledger:
    def __init__(self, path: Path, signer: Ed25519PrivateKey, checkpoint_every: int = 32) -> None:
        self.path = path
        self._signer = signer
        self.public_key = signer.public_key()
        self.checkpoint_every = checkpoint_every
        self._db = open_private_db(path, [("m001_records", _m001_records)])
        self._lock = threading.Lock()

    def append(self, *, destination: str, data_class: str, nbytes: int, sha256: str, redactions: dict[str, int],
               decision: str, reason: str = "") -> LedgerRecord:
        """Append one record atomically (chain, optional checkpoint and the signed head in one transaction)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                last = self._db.execute("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1").fetchone()
                seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
                values: dict[str, Any] = {
                    "seq": seq, "ts": _now(), "destination": destination, "data_class": data_class, "bytes": nbytes,
                    "sha256": sha256, "redactions": dict(sorted(redactions.items())), "decision": decision,
                    "reason": reason, "prev_hash": prev,
                }
                h = record_hash(values)
                row = {**values, "redactions": json.dumps(values["redactions"], sort_keys=True), "hash": h}
                self._db.execute(f"INSERT INTO records ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                                 tuple(row.values()))
                self._sign_into(seq, h)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return LedgerRecord(**{**values, "hash": h})

    def _sign_into(self, seq: int, h: str) -> None:
        ts = _now()
        if seq % self.checkpoint_every == 0:
            sig = self._signer.sign(_signed_message("checkpoint", seq, h, ts)).hex()
            self._db.execute("INSERT INTO checkpoints VALUES (?, ?, ?, ?)", (seq, h, ts, sig))
        sig = self._signer.sign(_signed_message("head", seq, h, ts)).hex()
        self._db.execute("INSERT OR REPLACE INTO head VALUES (1, ?, ?, ?, ?)", (seq, h, ts, sig))

    def checkpoint(self) -> None:
        """Sign a checkpoint at the current head now (e.g. before exporting the ledger)."""
        with self._lock:
            row = self._db.execute("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1").fetchone()
            if row is None:
                return
            ts = _now()
            sig = self._signer.sign(_signed_message("checkpoint", row[0], row[1], ts)).hex()
            self._db.execute("INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?, ?)", (row[0], row[1], ts, sig))

    def records(self, limit: int = 50, offset: int = 0, newest_first: bool = True) -> list[LedgerRecord]:
        order = "DESC" if newest_first else "ASC"
        with self._lock:
            rows = self._db.execute(
                f"SELECT {', '.join(_FIELDS)}, hash FROM records ORDER BY seq {order} LIMIT ? OFFSET ?", (limit, offset)
            ).fetchall()
        return [_to_record(r) for r in rows]

    def stats(self) -> list[dict[str, Any]]:
        """Totals per destination, data class and decision: attempts and bytes."""
        with self._lock:
            rows = self._db.execute(
                "SELECT destination, data_class, decision, COUNT(*), SUM(bytes) FROM records"
                " GROUP BY destination, data_class, decision ORDER BY destination, data_class, decision"
            ).fetchall()
        return [{"destination": r[0], "data_class": r[1], "decision": r[2], "count": r[3], "bytes": r[4] or 0} for r in rows]

    def verify(self, public_key: Ed25519PublicKey | None = None) -> VerifyReport:
        from edgewise.perimeter.ledger_verify import verify_ledger

        with self._lock:
            return verify_ledger(self._db, public_key or self.public_key)

    def close(self) -> None:
        self._db.close()


def _to_record(r: tuple[Any, ...]) -> LedgerRecord:
    d = dict(zip((*_FIELDS, "hash"), r, strict=True))
    d["redactions"] = json.loads(d["redactions"])
    return LedgerRecord(**d)


def check_signature(key: Ed25519PublicKey, kind: str, seq: int, hash_: str, ts: str, signature_hex: str) -> bool:
    try:
        key.verify(bytes.fromhex(signature_hex), _signed_message(kind, seq, hash_, ts))
    except (InvalidSignature, ValueError):
        return False
    return True


__all__ = ["GENESIS", "Ledger", "LedgerRecord", "VerifyReport", "check_signature", "record_hash"]
