"""The outbox on disk: SQLite in WAL mode, one transaction per acknowledged enqueue.

Pragmas, chosen on purpose:

* ``journal_mode=WAL``: the producer and the forwarder (threads or processes)
  read and write concurrently; a commit is one append to the WAL.
* ``synchronous=FULL`` by default: a commit is fsynced before ``enqueue``
  returns, so an acknowledged message survives power loss, not only
  ``kill -9`` (``normal`` trades that for throughput; it still survives a
  process kill because the WAL is in the OS page cache).
* ``busy_timeout``: writers from several processes wait instead of failing.
* ``foreign_keys=ON``: messages always belong to a known stream.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from edgewise.perimeter.types import DataClass
from edgewise.uplink.errors import StreamFull
from edgewise.uplink.migrations import apply_migrations
from edgewise.uplink.store import LimitsFor, OutboxStore, check_enqueue
from edgewise.uplink.types import EnqueueResult, Message, StreamStats

BUSY_TIMEOUT_MS = 30_000


class SqliteOutbox(OutboxStore):
    """The production outbox. Safe to share between threads and to open from several processes."""

    def __init__(self, path: Path, limits_for: LimitsFor, *, durability: str = "full") -> None:
        super().__init__(limits_for)
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={'FULL' if durability == 'full' else 'NORMAL'}")
        self._db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self._db.execute("PRAGMA foreign_keys=ON")
        apply_migrations(self._db)
        self._outbox_id = str(self._db.execute("SELECT value FROM meta WHERE key='outbox_id'").fetchone()[0])

    @property
    def outbox_id(self) -> str:
        return self._outbox_id

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # --- enqueue -----------------------------------------------------------------
    def enqueue(
        self,
        stream: str,
        payload: bytes,
        data_class: DataClass | str,
        *,
        key: str | None = None,
        content_type: str = "application/octet-stream",
        raw_bytes: int | None = None,
        now: float | None = None,
    ) -> EnqueueResult:
        return self.enqueue_many(stream, [payload], data_class, key=key, content_type=content_type, raw_bytes=raw_bytes, now=now)[0]

    def enqueue_many(  # type: ignore[override]
        self,
        stream: str,
        payloads: Iterable[bytes],
        data_class: DataClass | str,
        *,
        key: str | None = None,
        content_type: str = "application/octet-stream",
        raw_bytes: int | None = None,
        now: float | None = None,
    ) -> list[EnqueueResult]:
        """Enqueue in one transaction: all acknowledged together, or none (a StreamFull rolls nothing back before it)."""
        limits = self.limits_for(stream)
        items = [bytes(p) for p in payloads]
        dc = DataClass(data_class)
        for p in items:
            check_enqueue(stream, dc, len(p), limits)
        out: list[EnqueueResult] = []
        full: StreamFull | None = None
        with self._write() as db:
            db.execute("INSERT OR IGNORE INTO streams (name) VALUES (?)", (stream,))
            for p in items:
                try:
                    out.append(self._insert(db, stream, p, dc, key, content_type, raw_bytes, now or time.time()))
                except StreamFull as exc:  # counted in the same transaction, then raised after commit
                    full = exc
                    break
        if full is not None:
            raise full
        return out

    def _insert(
        self,
        db: sqlite3.Connection,
        stream: str,
        payload: bytes,
        dc: DataClass,
        key: str | None,
        content_type: str,
        raw_bytes: int | None,
        now: float,
    ) -> EnqueueResult:
        if key is not None:
            row = db.execute("SELECT seq FROM messages WHERE stream=? AND key=?", (stream, key)).fetchone()
            if row:
                db.execute("UPDATE streams SET duplicates_enqueued=duplicates_enqueued+1 WHERE name=?", (stream,))
                return EnqueueResult(stream, int(row[0]), key, duplicate=True)
        next_seq, pending_bytes = db.execute("SELECT next_seq, pending_bytes FROM streams WHERE name=?", (stream,)).fetchone()
        dropped = 0
        limits = self.limits_for(stream)
        if pending_bytes + len(payload) > limits.max_bytes:
            if limits.full_policy == "reject":
                db.execute("UPDATE streams SET rejected_full=rejected_full+1 WHERE name=?", (stream,))
                raise StreamFull(
                    f"Stream '{stream}' is full ({pending_bytes} of {limits.max_bytes} bytes waiting) and its policy "
                    "is 'reject': wait for the link to drain it, or raise max_bytes."
                )
            dropped, freed = self._drop_oldest(db, stream, pending_bytes + len(payload) - limits.max_bytes)
            pending_bytes -= freed
        seq = int(next_seq)
        key = key or f"{self.outbox_id}:{stream}:{seq}"
        db.execute(
            "INSERT INTO messages (stream, seq, key, data_class, created, content_type, raw_bytes, payload) VALUES (?,?,?,?,?,?,?,?)",
            (stream, seq, key, dc.value, now, content_type, raw_bytes if raw_bytes is not None else len(payload), payload),
        )
        db.execute(
            """UPDATE streams SET next_seq=?, pending_bytes=?, enqueued=enqueued+1, raw_bytes=raw_bytes+?,
               payload_bytes=payload_bytes+?, dropped_full=dropped_full+? WHERE name=?""",
            (seq + 1, pending_bytes + len(payload), raw_bytes if raw_bytes is not None else len(payload), len(payload), dropped, stream),
        )
        return EnqueueResult(stream, seq, key, dropped=dropped)

    @staticmethod
    def _drop_oldest(db: sqlite3.Connection, stream: str, need: int) -> tuple[int, int]:
        freed = 0
        last = None
        count = 0
        for seq, size in db.execute("SELECT seq, length(payload) FROM messages WHERE stream=? ORDER BY seq", (stream,)):
            freed += size
            last = seq
            count += 1
            if freed >= need:
                break
        if last is not None:
            db.execute("DELETE FROM messages WHERE stream=? AND seq<=?", (stream, last))
        return count, freed

    # --- forwarding side --------------------------------------------------------------
    def peek(self, stream: str, max_messages: int, max_bytes: int) -> list[Message]:
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, key, data_class, created, content_type, raw_bytes, payload FROM messages "
                "WHERE stream=? ORDER BY seq LIMIT ?",
                (stream, max_messages),
            ).fetchall()
        out: list[Message] = []
        size = 0
        for seq, key, dc, created, ctype, raw, payload in rows:
            if out and (size + len(payload) > max_bytes or dc != out[0].data_class):
                break
            out.append(Message(stream, seq, key, DataClass(dc), created, bytes(payload), ctype, raw))
            size += len(payload)
        return out

    def ack(self, stream: str, upto_seq: int) -> int:
        with self._write() as db:
            n, size = db.execute(
                "SELECT count(*), coalesce(sum(length(payload)), 0) FROM messages WHERE stream=? AND seq<=?", (stream, upto_seq)
            ).fetchone()
            db.execute("DELETE FROM messages WHERE stream=? AND seq<=?", (stream, upto_seq))
            db.execute(
                "UPDATE streams SET delivered=delivered+?, pending_bytes=pending_bytes-?, acked_seq=max(acked_seq, ?) WHERE name=?",
                (n, size, upto_seq, stream),
            )
        return int(n)

    def expire(self, now: float | None = None) -> dict[str, int]:
        now = now or time.time()
        dropped: dict[str, int] = {}
        for stream in self.streams():
            cutoff = now - self.limits_for(stream).ttl_s
            with self._lock:  # look first without the write lock: expiry is rare, enqueueing is not
                oldest = self._db.execute("SELECT min(created) FROM messages WHERE stream=?", (stream,)).fetchone()[0]
            if oldest is None or oldest >= cutoff:
                continue
            with self._write() as db:
                n, size = db.execute(
                    "SELECT count(*), coalesce(sum(length(payload)), 0) FROM messages WHERE stream=? AND created<?", (stream, cutoff)
                ).fetchone()
                if n:
                    db.execute("DELETE FROM messages WHERE stream=? AND created<?", (stream, cutoff))
                    db.execute(
                        "UPDATE streams SET dropped_ttl=dropped_ttl+?, pending_bytes=pending_bytes-? WHERE name=?", (n, size, stream)
                    )
                    dropped[stream] = int(n)
        return dropped

    def record_send(self, stream: str, *, wire_bytes: int, payload_bytes: int, ok: bool, error: str | None = None) -> None:
        with self._write() as db:
            if ok:
                db.execute(
                    """UPDATE streams SET sent_wire_bytes=sent_wire_bytes+?, sent_payload_bytes=sent_payload_bytes+?,
                       batches_sent=batches_sent+1, last_error=NULL WHERE name=?""",
                    (wire_bytes, payload_bytes, stream),
                )
            else:
                db.execute(
                    "UPDATE streams SET sent_wire_bytes=sent_wire_bytes+?, send_failures=send_failures+1, last_error=? WHERE name=?",
                    (wire_bytes, error, stream),
                )

    # --- introspection -----------------------------------------------------------------
    def streams(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT name FROM streams ORDER BY name")]

    def stats(self, stream: str | None = None) -> list[StreamStats]:
        cols = [
            "next_seq", "acked_seq", "pending_bytes", "enqueued", "delivered", "duplicates_enqueued", "rejected_full",
            "dropped_full", "dropped_ttl", "raw_bytes", "payload_bytes", "sent_payload_bytes", "sent_wire_bytes",
            "batches_sent", "send_failures", "last_error",
        ]  # fmt: skip
        sql = f"SELECT name, {', '.join(cols)} FROM streams" + (" WHERE name=?" if stream else "") + " ORDER BY name"
        now = time.time()
        with self._lock:
            rows = self._db.execute(sql, (stream,) if stream else ()).fetchall()
            out = []
            for row in rows:
                st = StreamStats(row[0], **dict(zip(cols, row[1:], strict=True)))
                n, oldest = self._db.execute("SELECT count(*), min(created) FROM messages WHERE stream=?", (row[0],)).fetchone()
                st.pending = int(n)
                st.oldest_age_s = now - oldest if oldest is not None else None
                out.append(st)
        return out

    def close(self) -> None:
        with self._lock:
            self._db.close()


__all__ = ["SqliteOutbox"]
