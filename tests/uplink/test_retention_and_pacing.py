"""(c) Retention limits behave as configured and every drop is counted, on the node and at the collector;
the bandwidth cap and the backoff hold."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from edgewise.config import Settings, load_settings
from edgewise.uplink.errors import StreamFull
from edgewise.uplink.forwarder import Forwarder
from edgewise.uplink.pacing import Backoff, TokenBucket
from edgewise.uplink.service import Uplink
from edgewise.uplink.transport import GatewayTransport
from tests.cloud.helpers import Collector
from tests.uplink.harness import NODE_ID, REPO, write_policy


@pytest.fixture(scope="module")
def collector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collector]:
    """One collector for the module; each test uses its own streams."""
    root = tmp_path_factory.mktemp("retention")
    (root / "cloud").mkdir()
    c = Collector(root / "cloud", f"sqlite:///{root / 'collector.db'}")
    token = c.add_node(NODE_ID)
    c.start()
    c.token = token  # type: ignore[attr-defined]
    yield c
    c.stop()


def node_settings(data: Path, collector: Collector, **uplink: object) -> Settings:
    write_policy(data, collector.url)
    return load_settings(data_dir=data, perimeter={"ner": False},
                         uplink={"node_id": NODE_ID, "token": collector.token, **uplink})  # type: ignore[attr-defined]  # fmt: skip


def forwarder(settings: Settings, uplink: Uplink) -> tuple[Forwarder, object]:
    from edgewise.perimeter.service import Perimeter

    perimeter = Perimeter(settings)
    return Forwarder(uplink.store, GatewayTransport(perimeter.gateway, settings.uplink), settings.uplink), perimeter


def stream_row(collector: Collector, stream: str) -> dict[str, object]:
    import httpx

    view = httpx.get(collector.url + "/api/v1/fleet", headers=collector.admin(), timeout=10).json()
    node = next(n for n in view["nodes"] if n["node_id"] == NODE_ID)
    return next(s for s in node["streams"] if s["stream"] == stream)  # type: ignore[no-any-return]


def test_retention_policies_drop_or_reject_and_the_counts_reach_the_collector(tmp_path: Path, collector: Collector) -> None:
    settings = node_settings(tmp_path / "data", collector, streams={
        "keep-newest": {"max_bytes": 1000, "full_policy": "drop_oldest"},
        "strict": {"max_bytes": 1000, "full_policy": "reject"},
    })  # fmt: skip
    up = Uplink.open(settings)
    rejected = 0
    for i in range(20):
        up.enqueue("keep-newest", f"{i:0100d}".encode(), "event")
        try:
            up.enqueue("strict", f"{i:0100d}".encode(), "event")
        except StreamFull:
            rejected += 1
    assert rejected == 10
    fwd, perimeter = forwarder(settings, up)
    assert fwd.flush(60)
    newest = collector.messages(NODE_ID, "keep-newest")
    strict = collector.messages(NODE_ID, "strict")
    assert [m["seq"] for m in newest] == list(range(11, 21))  # the 10 oldest were dropped
    assert [m["seq"] for m in strict] == list(range(1, 11))  # the 10 newest were refused at enqueue
    assert (stream_row(collector, "keep-newest")["dropped_full"], stream_row(collector, "strict")["rejected_full"]) == (10, 10)
    up.close()
    perimeter.close()  # type: ignore[attr-defined]
    cli = subprocess.run([sys.executable, "-m", "edgewise.cli", "link", "stats", "--json"], capture_output=True, text=True,
                         env={**os.environ, "EDGEWISE_DATA_DIR": str(tmp_path / "data")}, cwd=REPO, timeout=60)  # fmt: skip
    rows = {r["stream"]: r for r in json.loads(cli.stdout)}
    assert (rows["keep-newest"]["dropped_full"], rows["strict"]["rejected_full"]) == (10, 10)
    assert rows["keep-newest"]["delivered"] == 10 and rows["keep-newest"]["sent_wire_bytes"] > 0


def test_ttl_expiry_is_counted_and_nothing_expired_is_sent(tmp_path: Path, collector: Collector) -> None:
    settings = node_settings(tmp_path / "data", collector, streams={"short": {"ttl_s": 60}})
    up = Uplink.open(settings)
    up.store.enqueue("short", b'{"old":1}', "event", content_type="application/json", now=time.time() - 120)
    up.enqueue("short", {"new": 1}, "event")
    fwd, perimeter = forwarder(settings, up)
    assert fwd.flush(60)
    assert [m["seq"] for m in collector.messages(NODE_ID, "short")] == [2]
    assert up.store.stats("short")[0].dropped_ttl == 1 and stream_row(collector, "short")["dropped_ttl"] == 1
    up.close()
    perimeter.close()  # type: ignore[attr-defined]


def test_bandwidth_cap_holds_on_the_wire(tmp_path: Path, collector: Collector) -> None:
    cap = 40_000
    settings = node_settings(tmp_path / "data", collector, bandwidth_bytes_per_s=cap, batch_max_bytes=8192)
    up = Uplink.open(settings)
    rng = random.Random(1)
    for _ in range(20):  # 20 x 6 KB of incompressible bytes = 120 KB on the wire
        up.enqueue("bulk", rng.randbytes(6000), "summary")
    fwd, perimeter = forwarder(settings, up)
    t0 = time.monotonic()
    assert fwd.flush(120)
    elapsed = time.monotonic() - t0
    wire = up.store.stats("bulk")[0].sent_wire_bytes
    assert wire > 120_000
    assert elapsed >= (wire - cap) / cap * 0.9  # the first second's burst is free
    up.close()
    perimeter.close()  # type: ignore[attr-defined]


def test_token_bucket_paces_to_the_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(1000, burst=1000, clock=lambda: now[0])
    assert bucket.reserve(600) == 0
    assert bucket.reserve(900) == pytest.approx(0.5)  # 500 bytes over, at 1000 B/s
    now[0] += 0.5
    assert bucket.reserve(1000) == pytest.approx(1.0)
    assert TokenBucket(0).reserve(10**9) == 0  # no cap


def test_backoff_is_jittered_and_capped() -> None:
    b = Backoff(0.5, 8.0, random.Random(3))
    delays = [b.next_delay() for _ in range(12)]
    assert all(0 <= d <= min(8.0, 0.5 * 2**i) for i, d in enumerate(delays))
    assert len(set(delays)) == len(delays)  # jitter: no two retries in lockstep
    b.reset()
    assert b.next_delay() <= 0.5


def test_collector_auth_failure_is_a_visible_link_error(tmp_path: Path, collector: Collector) -> None:
    settings = node_settings(tmp_path / "data", collector)
    settings.uplink.token = None  # type: ignore[assignment]
    up = Uplink.open(settings)
    up.enqueue("s", {"a": 1}, "event")
    fwd, perimeter = forwarder(settings, up)
    assert not fwd.flush(1.5)
    st = up.store.stats("s")[0]
    assert st.pending == 1 and st.send_failures >= 1 and "token" in (st.last_error or "")
    assert fwd.online is False
    up.close()
    perimeter.close()  # type: ignore[attr-defined]
