"""The collector's storage: one SQLAlchemy implementation for SQLite and PostgreSQL.

The contract (checked by ``tests/cloud/test_store_contract.py`` against both):

* ``ingest`` stores each message of a batch once per ``(node, stream, key)``,
  whatever the number of retries, and reports how many were new;
* messages of a stream come back from ``messages`` in arrival order;
* tokens are stored as SHA-256 digests only; a revoked node cannot ingest.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, make_url, select, update
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from edgewise.cloud.schema import SCHEMA_VERSION, messages, metadata, nodes, schema_info, streams
from edgewise.errors import AuthenticationError, ConfigError, InvalidRequest, NotFound
from edgewise.uplink.protocol import BatchEnvelope

COUNTERS = ("dropped_full", "dropped_ttl", "rejected_full")


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicates: int
    acked_seq: int


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL for concurrent readers; FULL so an acknowledged batch survives power loss.
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000", "foreign_keys=ON"):
        cur.execute(f"PRAGMA {pragma}")
    cur.close()


def _insert(conn: Connection) -> Any:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]  # each dialect has its own Insert
    else:  # pragma: no cover - configuration error
        raise ConfigError(f"Unsupported collector database '{conn.dialect.name}': use SQLite or PostgreSQL.")
    return insert


class CollectorStore:
    def __init__(self, url: str) -> None:
        self.url = url
        try:
            if url.startswith("sqlite"):
                self.engine: Engine = create_engine(url, poolclass=NullPool)
                event.listen(self.engine, "connect", _sqlite_pragmas)
            else:
                self.engine = create_engine(url, pool_pre_ping=True)
            metadata.create_all(self.engine)
            with self.engine.begin() as conn:
                if conn.execute(select(func.count()).select_from(schema_info)).scalar_one() == 0:
                    conn.execute(schema_info.insert().values(version=SCHEMA_VERSION))
        except (ArgumentError, NoSuchModuleError, OperationalError) as exc:
            # a URL SQLAlchemy cannot parse, a driver it does not know, or a server that does not answer
            shown = ("(the URL given does not parse)" if isinstance(exc, ArgumentError)
                     else make_url(url).render_as_string(hide_password=True))  # never print a password
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise ConfigError(f"Cannot open the collector database {shown}: {reason}. Give "
                              "--database-url sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB "
                              "of a running server.") from None

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    # --- nodes and tokens ---------------------------------------------------------------
    def add_node(self, node_id: str) -> str:
        """Register a node (or rotate its token); returns the new token, shown once."""
        if not node_id or len(node_id) > 128:
            raise InvalidRequest("A node id is 1-128 characters.")
        token = "ewn_" + secrets.token_urlsafe(32)
        with self._tx() as conn:
            digest = token_digest(token)
            if conn.execute(select(nodes.c.node_id).where(nodes.c.node_id == node_id)).first():
                conn.execute(update(nodes).where(nodes.c.node_id == node_id).values(token_sha256=digest, revoked=False))
            else:
                conn.execute(nodes.insert().values(node_id=node_id, token_sha256=digest, created=time.time(), revoked=False))
        return token

    def revoke_node(self, node_id: str) -> None:
        with self._tx() as conn:
            if conn.execute(update(nodes).where(nodes.c.node_id == node_id).values(revoked=True)).rowcount == 0:
                raise NotFound(f"No node '{node_id}' is registered.")

    def authenticate(self, token: str) -> str:
        """The node id a token belongs to; AuthenticationError if unknown or revoked."""
        with self.engine.connect() as conn:
            row = conn.execute(select(nodes.c.node_id, nodes.c.revoked).where(nodes.c.token_sha256 == token_digest(token))).first()
        if row is None or row.revoked:
            raise AuthenticationError("Unknown or revoked node token: issue one with `edgewise cloud token add <node>`.")
        return str(row.node_id)

    # --- ingest ---------------------------------------------------------------------------
    def ingest(self, node_id: str, env: BatchEnvelope, *, wire_bytes: int, decompressed_bytes: int) -> IngestResult:
        now = time.time()
        rows: list[dict[str, Any]] = [
            {
                "node_id": node_id,
                "stream": env.stream,
                "seq": m.seq,
                "idem_key": m.key,
                "data_class": env.data_class.value,
                "content_type": m.content_type,
                "created": m.created,
                "received_at": now,
                "payload": m.payload(),
            }
            for m in sorted(env.messages, key=lambda m: m.seq)
        ]
        with self._tx() as conn:
            insert = _insert(conn)
            conn.execute(insert(streams).values(node_id=node_id, stream=env.stream).on_conflict_do_nothing())
            # lock the stream row: concurrent retries of one stream serialize here (PostgreSQL)
            prev = conn.execute(
                select(streams.c.last_seq).where(streams.c.node_id == node_id, streams.c.stream == env.stream).with_for_update()
            ).scalar_one()
            stmt = (
                insert(messages)
                .values(rows)
                .on_conflict_do_nothing(index_elements=["node_id", "stream", "idem_key"])
                .returning(messages.c.idem_key)
            )
            new_keys = set(conn.execute(stmt).scalars())
            new = [r for r in rows if r["idem_key"] in new_keys]
            raw_by_key = {m.key: m.raw_bytes for m in env.messages}
            accepted, dups = len(new), len(rows) - len(new)
            out_of_order = 1 if new and new[0]["seq"] <= prev else 0
            c = streams.c
            values: dict[str, Any] = {
                "messages": c.messages + accepted,
                "duplicates": c.duplicates + dups,
                "batches": c.batches + 1,
                "bytes_received": c.bytes_received + wire_bytes,
                "bytes_decompressed": c.bytes_decompressed + decompressed_bytes,
                "payload_bytes": c.payload_bytes + sum(len(r["payload"]) for r in new),
                "raw_bytes": c.raw_bytes + sum(raw_by_key[r["idem_key"]] for r in new),
                "last_seq": func.max(c.last_seq, rows[-1]["seq"]) if conn.dialect.name == "sqlite" else func.greatest(c.last_seq, rows[-1]["seq"]),
                "out_of_order": c.out_of_order + out_of_order,
                "last_seen": now,
            }
            values.update({k: int(env.counters[k]) for k in COUNTERS if k in env.counters})
            conn.execute(update(streams).where(c.node_id == node_id, c.stream == env.stream).values(**values))
            conn.execute(update(nodes).where(nodes.c.node_id == node_id).values(last_seen=now))
        return IngestResult(accepted=accepted, duplicates=dups, acked_seq=int(rows[-1]["seq"]))

    # --- reads -----------------------------------------------------------------------------
    def messages(self, node_id: str, stream: str, *, after_id: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
        """Stored messages of one stream, in arrival order, after ``after_id`` (for paging)."""
        q = (
            select(messages)
            .where(messages.c.node_id == node_id, messages.c.stream == stream, messages.c.id > after_id)
            .order_by(messages.c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def fleet(self, *, recent_events: int = 20) -> dict[str, Any]:
        """Nodes, last seen, streams, bytes received and the latest events: the fleet view."""
        with self.engine.connect() as conn:
            node_rows = conn.execute(select(nodes).order_by(nodes.c.node_id)).all()
            stream_rows = conn.execute(select(streams).order_by(streams.c.node_id, streams.c.stream)).all()
            ev = conn.execute(
                select(messages.c.id, messages.c.node_id, messages.c.stream, messages.c.seq, messages.c.created,
                       messages.c.received_at, messages.c.content_type, messages.c.payload)
                .where(messages.c.data_class == "event").order_by(messages.c.id.desc()).limit(recent_events)
            ).all()  # fmt: skip
        by_node: dict[str, list[dict[str, Any]]] = {}
        for s in stream_rows:
            d = dict(s._mapping)
            d.pop("node_id")
            d["ratio"] = (d["bytes_received"] / d["raw_bytes"]) if d["raw_bytes"] else None
            by_node.setdefault(s.node_id, []).append(d)
        out_nodes = []
        for n in node_rows:
            st = by_node.get(n.node_id, [])
            out_nodes.append({
                "node_id": n.node_id, "created": n.created, "last_seen": n.last_seen, "revoked": bool(n.revoked),
                "messages": sum(s["messages"] for s in st), "bytes_received": sum(s["bytes_received"] for s in st),
                "streams": st,
            })  # fmt: skip
        events = [
            {"id": e.id, "node_id": e.node_id, "stream": e.stream, "seq": e.seq, "created": e.created,
             "received_at": e.received_at, "preview": bytes(e.payload[:300]).decode("utf-8", "replace")}
            for e in ev
        ]  # fmt: skip
        return {"generated_at": time.time(), "nodes": out_nodes, "events": events}

    def close(self) -> None:
        self.engine.dispose()


__all__ = ["CollectorStore", "IngestResult", "token_digest"]
