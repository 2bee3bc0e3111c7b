"""SQLite files of the perimeter: created mode 600, explicit pragmas, ordered migrations."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable, Sequence
from pathlib import Path

Migration = Callable[[sqlite3.Connection], None]


def open_private_db(path: Path, migrations: Sequence[tuple[str, Migration]]) -> sqlite3.Connection:
    """Open (creating mode 600 if needed) and migrate; SQLite gives journal files the database's mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, stat.S_IRUSR | stat.S_IWUSR))
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")  # an egress record must survive a power cut
    db.execute("PRAGMA busy_timeout=5000")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied REAL NOT NULL DEFAULT (unixepoch()))")
    done = {row[0] for row in db.execute("SELECT name FROM migrations")}
    for name, migrate in migrations:
        if name not in done:
            with db:
                db.execute("BEGIN")
                migrate(db)
                db.execute("INSERT INTO migrations(name) VALUES (?)", (name,))
    return db


__all__ = ["Migration", "open_private_db"]
