"""Ordered, named schema migrations of the outbox database (simonw/llm style).

Each migration runs once, in order, inside one transaction, and is recorded in
``_migrations``; add new ones at the end, never edit an applied one.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


@migration
def m001_initial(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("INSERT INTO meta (key, value) VALUES ('outbox_id', ?)", (uuid.uuid4().hex[:16],))
    db.execute(
        """CREATE TABLE streams (
            name TEXT PRIMARY KEY,
            next_seq INTEGER NOT NULL DEFAULT 1,
            acked_seq INTEGER NOT NULL DEFAULT 0,
            pending_bytes INTEGER NOT NULL DEFAULT 0,
            enqueued INTEGER NOT NULL DEFAULT 0,
            delivered INTEGER NOT NULL DEFAULT 0,
            duplicates_enqueued INTEGER NOT NULL DEFAULT 0,
            rejected_full INTEGER NOT NULL DEFAULT 0,
            dropped_full INTEGER NOT NULL DEFAULT 0,
            dropped_ttl INTEGER NOT NULL DEFAULT 0,
            raw_bytes INTEGER NOT NULL DEFAULT 0,
            payload_bytes INTEGER NOT NULL DEFAULT 0,
            sent_payload_bytes INTEGER NOT NULL DEFAULT 0,
            sent_wire_bytes INTEGER NOT NULL DEFAULT 0,
            batches_sent INTEGER NOT NULL DEFAULT 0,
            send_failures INTEGER NOT NULL DEFAULT 0,
            last_error TEXT
        )"""
    )
    db.execute(
        """CREATE TABLE messages (
            stream TEXT NOT NULL REFERENCES streams(name),
            seq INTEGER NOT NULL,
            key TEXT NOT NULL,
            data_class TEXT NOT NULL,
            created REAL NOT NULL,
            content_type TEXT NOT NULL,
            raw_bytes INTEGER NOT NULL,
            payload BLOB NOT NULL,
            PRIMARY KEY (stream, seq)
        ) WITHOUT ROWID"""
    )
    db.execute("CREATE UNIQUE INDEX messages_key ON messages (stream, key)")
    db.execute("CREATE INDEX messages_created ON messages (stream, created)")


def apply_migrations(db: sqlite3.Connection) -> list[str]:
    """Apply pending migrations; returns the names applied now. ``db`` must be in autocommit mode."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied REAL NOT NULL)")
    done = {row[0] for row in db.execute("SELECT name FROM _migrations")}
    applied: list[str] = []
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            # re-check under the write lock: another process may have migrated meanwhile
            if db.execute("SELECT 1 FROM _migrations WHERE name = ?", (name,)).fetchone():
                db.execute("ROLLBACK")
                continue
            fn(db)
            db.execute("INSERT INTO _migrations (name, applied) VALUES (?, ?)", (name, time.time()))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied


__all__ = ["MIGRATIONS", "apply_migrations", "migration"]
