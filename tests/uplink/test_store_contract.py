"""One contract, every outbox backend (Flower's StateTest pattern): SQLite and in-memory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgewise.errors import InvalidRequest
from edgewise.perimeter.types import DataClass, EgressRefused
from edgewise.uplink.errors import StreamFull
from edgewise.uplink.memory_store import MemoryOutbox
from edgewise.uplink.settings import StreamLimits
from edgewise.uplink.sqlite_store import SqliteOutbox
from edgewise.uplink.store import OutboxStore

Factory = Callable[[dict[str, StreamLimits]], OutboxStore]


@pytest.fixture(params=["sqlite", "memory"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Factory]:
    made: list[OutboxStore] = []

    def factory(limits: dict[str, StreamLimits] | None = None) -> OutboxStore:
        table = limits or {}
        default = StreamLimits()

        def limits_for(stream: str) -> StreamLimits:
            return table.get(stream, default)

        if request.param == "sqlite":
            store: OutboxStore = SqliteOutbox(tmp_path / f"outbox{len(made)}.db", limits_for, durability="normal")
        else:
            store = MemoryOutbox(limits_for)
        made.append(store)
        return store

    yield factory
    for s in made:
        s.close()


def test_seq_orders_each_stream_independently(make_store: Factory) -> None:
    store = make_store({})
    a = [store.enqueue("a", f"a{i}".encode(), DataClass.EVENT).seq for i in range(3)]
    b = [store.enqueue("b", f"b{i}".encode(), DataClass.EVENT).seq for i in range(2)]
    assert a == [1, 2, 3] and b == [1, 2]
    assert [m.payload for m in store.peek("a", 10, 10_000)] == [b"a0", b"a1", b"a2"]


def test_peek_respects_count_bytes_and_data_class(make_store: Factory) -> None:
    store = make_store({})
    for i in range(5):
        store.enqueue("s", b"x" * 100, DataClass.EVENT if i != 3 else DataClass.SUMMARY)
    assert [m.seq for m in store.peek("s", 2, 10_000)] == [1, 2]
    assert [m.seq for m in store.peek("s", 10, 250)] == [1, 2]
    assert [m.seq for m in store.peek("s", 10, 10_000)] == [1, 2, 3]  # stops at the class change
    assert [m.seq for m in store.peek("s", 10, 10)] == [1]  # always at least one


def test_ack_removes_up_to_seq_and_counts_delivered(make_store: Factory) -> None:
    store = make_store({})
    for i in range(4):
        store.enqueue("s", bytes([i]), DataClass.EVENT)
    assert store.ack("s", 2) == 2
    assert [m.seq for m in store.peek("s", 10, 1000)] == [3, 4]
    st = store.stats("s")[0]
    assert (st.delivered, st.pending, st.acked_seq, st.pending_bytes) == (2, 2, 2, 2)


def test_same_key_is_stored_once_while_pending(make_store: Factory) -> None:
    store = make_store({})
    first = store.enqueue("s", b"one", DataClass.EVENT, key="evt-1")
    again = store.enqueue("s", b"one", DataClass.EVENT, key="evt-1")
    assert again.duplicate and again.seq == first.seq
    assert len(store.peek("s", 10, 1000)) == 1
    assert store.stats("s")[0].duplicates_enqueued == 1


def test_default_keys_are_unique_and_name_the_outbox(make_store: Factory) -> None:
    store = make_store({})
    keys = {store.enqueue("s", b"p", DataClass.EVENT).key for _ in range(5)}
    assert len(keys) == 5 and all(k.startswith(store.outbox_id) for k in keys)


def test_full_stream_with_reject_policy_raises_and_counts(make_store: Factory) -> None:
    store = make_store({"s": StreamLimits(max_bytes=250, full_policy="reject")})
    store.enqueue("s", b"x" * 100, DataClass.EVENT)
    store.enqueue("s", b"x" * 100, DataClass.EVENT)
    with pytest.raises(StreamFull):
        store.enqueue("s", b"x" * 100, DataClass.EVENT)
    st = store.stats("s")[0]
    assert (st.rejected_full, st.pending, st.dropped_full) == (1, 2, 0)


def test_full_stream_with_drop_oldest_keeps_newest_and_counts(make_store: Factory) -> None:
    store = make_store({"s": StreamLimits(max_bytes=250, full_policy="drop_oldest")})
    results = [store.enqueue("s", bytes([i]) * 100, DataClass.EVENT) for i in range(5)]
    assert [r.dropped for r in results] == [0, 0, 1, 1, 1]
    assert [m.seq for m in store.peek("s", 10, 10_000)] == [4, 5]
    st = store.stats("s")[0]
    assert (st.dropped_full, st.pending_bytes, st.enqueued) == (3, 200, 5)


def test_message_larger_than_the_stream_is_refused(make_store: Factory) -> None:
    store = make_store({"s": StreamLimits(max_bytes=50)})
    with pytest.raises(StreamFull):
        store.enqueue("s", b"x" * 51, DataClass.EVENT)


def test_ttl_expiry_drops_and_counts(make_store: Factory) -> None:
    store = make_store({"s": StreamLimits(ttl_s=60)})
    store.enqueue("s", b"old", DataClass.EVENT, now=1000.0)
    store.enqueue("s", b"new", DataClass.EVENT, now=1100.0)
    assert store.expire(now=1070.0) == {"s": 1}
    assert [m.payload for m in store.peek("s", 10, 1000)] == [b"new"]
    assert store.stats("s")[0].dropped_ttl == 1


@pytest.mark.parametrize("dc", [DataClass.RAW_TEXT, DataClass.RAW_SENSOR, DataClass.IMAGE, DataClass.AUDIO])
def test_raw_data_classes_never_enter_the_outbox(make_store: Factory, dc: DataClass) -> None:
    store = make_store({})
    with pytest.raises(EgressRefused):
        store.enqueue("s", b"secret", dc)
    assert store.stats() == [] or store.stats()[0].pending == 0


def test_record_send_accumulates_bandwidth(make_store: Factory) -> None:
    store = make_store({})
    store.enqueue("s", b"x" * 1000, DataClass.SUMMARY, raw_bytes=100_000)
    store.record_send("s", wire_bytes=60, payload_bytes=0, ok=False, error="down")
    store.record_send("s", wire_bytes=60, payload_bytes=1000, ok=True)
    st = store.stats("s")[0]
    assert (st.raw_bytes, st.sent_wire_bytes, st.sent_payload_bytes, st.send_failures) == (100_000, 120, 1000, 1)
    assert st.ratio == pytest.approx(120 / 100_000)
    assert st.last_error is None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stream=st.text(max_size=200))
def test_bad_stream_names_are_refused_cleanly(make_store: Factory, stream: str) -> None:
    store = make_store({})
    ok = 0 < len(stream) <= 128 and all(c.isalnum() or c in "-_." for c in stream)
    if ok:
        assert store.enqueue(stream, b"p", DataClass.EVENT).seq >= 1
    else:
        with pytest.raises(InvalidRequest):
            store.enqueue(stream, b"p", DataClass.EVENT)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sizes=st.lists(st.integers(min_value=1, max_value=120), min_size=1, max_size=30))
def test_retention_invariant_pending_never_exceeds_max_bytes(make_store: Factory, sizes: list[int]) -> None:
    store = make_store({"s": StreamLimits(max_bytes=300, full_policy="drop_oldest")})
    for n in sizes:
        store.enqueue("s", b"x" * n, DataClass.EVENT)
    st = store.stats("s")[0]
    assert st.pending_bytes <= 300
    assert st.pending + st.dropped_full == len(sizes)
    assert sum(len(m.payload) for m in store.peek("s", 1000, 10**6)) == st.pending_bytes
