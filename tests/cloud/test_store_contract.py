"""The collector store contract, run against SQLite and a real PostgreSQL cluster."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from edgewise.cloud.store import CollectorStore
from edgewise.errors import AuthenticationError
from edgewise.perimeter.types import DataClass
from edgewise.uplink.protocol import BatchEnvelope, WireMessage
from tests.cloud.pg import fresh_database


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CollectorStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'collector.db'}"
    else:
        url = fresh_database(request.getfixturevalue("pg_server"))
    s = CollectorStore(url)
    yield s
    s.close()


def batch(node: str, stream: str, seqs: list[int], *, outbox: str = "ob1", dc: DataClass = DataClass.EVENT) -> BatchEnvelope:
    msgs = [
        WireMessage(seq=s, key=f"{outbox}:{stream}:{s}", created=1000.0 + s, raw_bytes=100,
                    b64=base64.b64encode(f"{stream}-{s}".encode()).decode())
        for s in seqs
    ]  # fmt: skip
    return BatchEnvelope(node_id=node, outbox_id=outbox, stream=stream, data_class=dc, messages=msgs,
                         counters={"dropped_full": 2, "dropped_ttl": 1, "rejected_full": 0})  # fmt: skip


def test_token_authenticates_its_node_only_until_revoked(store: CollectorStore) -> None:
    t1, t2 = store.add_node("n1"), store.add_node("n2")
    assert store.authenticate(t1) == "n1" and store.authenticate(t2) == "n2"
    store.revoke_node("n1")
    with pytest.raises(AuthenticationError):
        store.authenticate(t1)
    with pytest.raises(AuthenticationError):
        store.authenticate("ewn_not-a-token")


def test_rotating_a_token_invalidates_the_old_one(store: CollectorStore) -> None:
    old = store.add_node("n1")
    new = store.add_node("n1")
    assert store.authenticate(new) == "n1"
    with pytest.raises(AuthenticationError):
        store.authenticate(old)


def test_retried_batches_are_stored_once(store: CollectorStore) -> None:
    store.add_node("n1")
    first = store.ingest("n1", batch("n1", "s", [1, 2, 3]), wire_bytes=50, decompressed_bytes=300)
    again = store.ingest("n1", batch("n1", "s", [1, 2, 3]), wire_bytes=50, decompressed_bytes=300)
    overlap = store.ingest("n1", batch("n1", "s", [3, 4]), wire_bytes=40, decompressed_bytes=200)
    assert (first.accepted, first.duplicates, first.acked_seq) == (3, 0, 3)
    assert (again.accepted, again.duplicates) == (0, 3)
    assert (overlap.accepted, overlap.duplicates, overlap.acked_seq) == (1, 1, 4)
    rows = store.messages("n1", "s")
    assert [r["seq"] for r in rows] == [1, 2, 3, 4]
    assert rows[0]["payload"] == b"s-1"


def test_same_seq_from_two_nodes_or_streams_is_kept_apart(store: CollectorStore) -> None:
    store.add_node("n1")
    store.add_node("n2")
    store.ingest("n1", batch("n1", "a", [1]), wire_bytes=1, decompressed_bytes=1)
    store.ingest("n2", batch("n2", "a", [1]), wire_bytes=1, decompressed_bytes=1)
    store.ingest("n1", batch("n1", "b", [1]), wire_bytes=1, decompressed_bytes=1)
    assert len(store.messages("n1", "a")) == len(store.messages("n2", "a")) == len(store.messages("n1", "b")) == 1


def test_fleet_view_counts_bytes_streams_and_events(store: CollectorStore) -> None:
    store.add_node("n1")
    store.add_node("idle")
    store.ingest("n1", batch("n1", "alerts", [1, 2]), wire_bytes=70, decompressed_bytes=400)
    store.ingest("n1", batch("n1", "alerts", [2]), wire_bytes=30, decompressed_bytes=200)
    view = store.fleet()
    nodes = {n["node_id"]: n for n in view["nodes"]}
    assert nodes["idle"]["last_seen"] is None and nodes["idle"]["streams"] == []
    s = nodes["n1"]["streams"][0]
    assert (s["stream"], s["messages"], s["duplicates"], s["batches"]) == ("alerts", 2, 1, 2)
    assert (s["bytes_received"], s["raw_bytes"], s["last_seq"], s["dropped_full"], s["dropped_ttl"]) == (100, 200, 2, 2, 1)
    assert s["ratio"] == pytest.approx(0.5)
    assert [e["seq"] for e in view["events"]] == [2, 1] and view["events"][0]["preview"] == "alerts-2"


def test_messages_page_in_arrival_order(store: CollectorStore) -> None:
    store.add_node("n1")
    for lo in range(1, 30, 5):
        store.ingest("n1", batch("n1", "s", list(range(lo, lo + 5))), wire_bytes=1, decompressed_bytes=1)
    page1 = store.messages("n1", "s", limit=7)
    page2 = store.messages("n1", "s", after_id=page1[-1]["id"], limit=100)
    assert [r["seq"] for r in page1 + page2] == list(range(1, 31))
