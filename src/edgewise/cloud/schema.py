"""The collector's tables (SQLAlchemy Core, portable between SQLite and PostgreSQL).

``messages`` is unique on ``(node_id, stream, idem_key)``: a batch re-sent after
a lost acknowledgement is stored once. Its autoincrement ``id`` records arrival
order, which the ordering guarantee is checked against.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    Index,
)

SCHEMA_VERSION = 1
metadata = MetaData()

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")

schema_info = Table("schema_info", metadata, Column("version", Integer, primary_key=True))

nodes = Table(
    "nodes",
    metadata,
    Column("node_id", String(128), primary_key=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created", Float, nullable=False),
    Column("last_seen", Float),
    Column("revoked", Boolean, nullable=False, default=False),
)

streams = Table(
    "streams",
    metadata,
    Column("node_id", String(128), primary_key=True),
    Column("stream", String(128), primary_key=True),
    Column("messages", BigInteger, nullable=False, default=0),
    Column("duplicates", BigInteger, nullable=False, default=0),
    Column("batches", BigInteger, nullable=False, default=0),
    Column("bytes_received", BigInteger, nullable=False, default=0),
    Column("bytes_decompressed", BigInteger, nullable=False, default=0),
    Column("payload_bytes", BigInteger, nullable=False, default=0),
    Column("raw_bytes", BigInteger, nullable=False, default=0),
    Column("last_seq", BigInteger, nullable=False, default=0),
    Column("out_of_order", BigInteger, nullable=False, default=0),
    Column("dropped_full", BigInteger, nullable=False, default=0),
    Column("dropped_ttl", BigInteger, nullable=False, default=0),
    Column("rejected_full", BigInteger, nullable=False, default=0),
    Column("last_seen", Float),
)

messages = Table(
    "messages",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("node_id", String(128), nullable=False),
    Column("stream", String(128), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("idem_key", String(256), nullable=False),
    Column("data_class", String(32), nullable=False),
    Column("content_type", String(128), nullable=False),
    Column("created", Float, nullable=False),
    Column("received_at", Float, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    UniqueConstraint("node_id", "stream", "idem_key", name="messages_idem"),
    Index("messages_stream_order", "node_id", "stream", "id"),
)

__all__ = ["SCHEMA_VERSION", "messages", "metadata", "nodes", "schema_info", "streams"]
