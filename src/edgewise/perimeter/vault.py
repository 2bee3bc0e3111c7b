"""The local vault: placeholder -> original value mappings, encrypted at rest, never sent.

One row per pseudonymization session (a request whose answer may come back to
be re-identified). The mapping is AES-256-GCM encrypted with a key kept in a
mode-600 file beside the database (``vault.key``), so a copied database alone
reveals nothing; rows expire after ``ttl_s`` and are purged on use.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from edgewise.config import write_secret
from edgewise.perimeter.errors import VaultSessionNotFound
from edgewise.perimeter.storage import open_private_db


def _m001_sessions(db: object) -> None:
    db.execute(  # type: ignore[attr-defined]
        "CREATE TABLE sessions (id TEXT PRIMARY KEY, created REAL NOT NULL, nonce BLOB NOT NULL, blob BLOB NOT NULL)"
    )


def _load_key(path: Path) -> bytes:
    if path.is_file():
        key = path.read_bytes()
        if len(key) == 32:
            return key
    key = AESGCM.generate_key(bit_length=256)
    write_secret(path, key)
    return key


class Vault:
    def __init__(self, directory: Path, ttl_s: float = 7 * 24 * 3600) -> None:
        self.directory = directory
        self.ttl_s = ttl_s
        self._aead = AESGCM(_load_key(directory / "vault.key"))
        self._db = open_private_db(directory / "vault.sqlite", [("m001_sessions", _m001_sessions)])
        self._lock = threading.Lock()

    def put(self, mapping: dict[str, str], session_id: str | None = None) -> str:
        """Store ``mapping`` encrypted; returns the session id to re-identify with later."""
        sid = session_id or secrets.token_urlsafe(16)
        nonce = os.urandom(12)
        blob = self._aead.encrypt(nonce, json.dumps(mapping).encode(), sid.encode())
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO sessions VALUES (?, ?, ?, ?)", (sid, time.time(), nonce, blob))
        return sid

    def get(self, session_id: str) -> dict[str, str]:
        with self._lock:
            self._db.execute("DELETE FROM sessions WHERE created < ?", (time.time() - self.ttl_s,))
            row = self._db.execute("SELECT nonce, blob FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise VaultSessionNotFound(f"No pseudonymization session '{session_id}' in the vault (expired or never created).")
        data = self._aead.decrypt(row[0], row[1], session_id.encode())
        mapping: dict[str, str] = json.loads(data)
        return mapping

    def forget(self, session_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    def close(self) -> None:
        self._db.close()


__all__ = ["Vault"]
