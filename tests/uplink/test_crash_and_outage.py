"""Real processes on loopback: the node is killed with SIGKILL mid-enqueue, the collector goes away.

(a) 100 cycles of ``kill -9`` during heavy enqueueing lose no acknowledged
message, and the collector stores each exactly once, in order per stream;
(b) with the collector down for a while, everything arrives in order once it
is back.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cloud.helpers import Collector
from tests.uplink.harness import NODE_ID, NodeHome, make_node

CYCLES = int(os.environ.get("EDGEWISE_KILL_CYCLES", "100"))


@pytest.fixture
def collector(tmp_path: Path) -> Iterator[Collector]:
    c = Collector(tmp_path / "cloud", f"sqlite:///{tmp_path / 'collector.db'}")
    (tmp_path / "cloud").mkdir()
    yield c
    c.stop()


def run_writer_until_killed(node: NodeHome, seconds: float, **env: str) -> list[tuple[str, str, int]]:
    """Start a writer, SIGKILL it ``seconds`` after its first acknowledgement; returns the acknowledged messages."""
    proc = node.spawn("write", "--streams", "3", **env)
    lines: list[str] = []
    first = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            first.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if not first.wait(60):
        proc.kill()
        raise AssertionError("writer never acknowledged a message")
    time.sleep(seconds)
    proc.kill()  # SIGKILL: no cleanup, no flush, no atexit
    proc.wait()
    reader.join(10)
    return parse_acks("".join(lines))


def parse_acks(text: str) -> list[tuple[str, str, int]]:
    """Complete ``ACK`` lines only: a line cut by the kill was never an acknowledgement."""
    acked = []
    for line in text.splitlines(keepends=True):
        if line.endswith("\n") and line.startswith("ACK "):
            _, stream, key, seq = line.split()
            acked.append((stream, key, int(seq)))
    return acked


def kill_cycles(node: NodeHome, cycles: int, rng: random.Random, workdir: Path) -> list[tuple[str, str, int]]:
    """Fork a node per cycle (from a pre-warmed server), let it enqueue and forward, then SIGKILL it."""
    server = node.spawn("forkserver", "--streams", "3")
    assert server.stdin is not None and server.stdout is not None
    acked: list[tuple[str, str, int]] = []
    try:
        for n in range(cycles):
            ack_file = workdir / f"acks-{n}.log"
            server.stdin.write(f"spawn {ack_file}\n")
            server.stdin.flush()
            pid = int(server.stdout.readline().split()[1])
            deadline = time.monotonic() + 60
            while not (ack_file.exists() and ack_file.stat().st_size > 0):
                assert time.monotonic() < deadline, "node never acknowledged a message"
                time.sleep(0.01)
            time.sleep(rng.uniform(0.05, 1.0))
            os.kill(pid, signal.SIGKILL)
            server.stdin.write(f"reap {pid}\n")
            server.stdin.flush()
            assert server.stdout.readline().startswith("REAPED")
            acked += parse_acks(ack_file.read_text())
    finally:
        server.stdin.close()
        server.wait(30)
    return acked


def check_delivered(collector: Collector, acked: list[tuple[str, str, int]]) -> dict[str, int]:
    by_stream: dict[str, set[str]] = defaultdict(set)
    for stream, key, _ in acked:
        by_stream[stream].add(key)
    counts = {}
    for stream, keys in by_stream.items():
        rows = collector.messages(NODE_ID, stream)
        stored = [str(r["idem_key"]) for r in rows]
        seqs = [int(r["seq"]) for r in rows]  # type: ignore[call-overload]
        assert len(stored) == len(set(stored)), f"{stream}: a message was stored twice"
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), f"{stream}: arrival order differs from seq order"
        missing = keys - set(stored)
        assert not missing, f"{stream}: {len(missing)} acknowledged messages lost, e.g. {sorted(missing)[:3]}"
        counts[stream] = len(stored)
    return counts


@pytest.mark.slow  # about 90 s on 2 shared cores: 100 cycles
def test_kill9_cycles_lose_no_acknowledged_message(tmp_path: Path, collector: Collector) -> None:
    node = make_node(tmp_path, collector)
    collector.start()
    rng = random.Random(20261127)
    t0 = time.monotonic()
    acked = kill_cycles(node, CYCLES, rng, tmp_path)
    kill_phase = time.monotonic() - t0
    delivered_while_crashing = sum(n["messages"] for n in collector_view(collector))
    drained = node.drain(timeout=120)
    assert drained.returncode == 0, drained.stdout
    counts = check_delivered(collector, acked)
    assert sum(counts.values()) >= len(acked) > CYCLES  # heavy: many messages per cycle
    assert delivered_while_crashing > 0, "the forwarder never delivered while the node was being killed"
    print(f"\n{CYCLES} kill -9 cycles in {kill_phase:.0f}s: {len(acked)} acknowledged, "
          f"{delivered_while_crashing} delivered before the final drain, {sum(counts.values())} stored once each")  # fmt: skip


def collector_view(collector: Collector) -> list[dict[str, int]]:
    import httpx

    return httpx.get(collector.url + "/api/v1/fleet", headers=collector.admin(), timeout=10).json()["nodes"]  # type: ignore[no-any-return]


def test_collector_outage_then_everything_arrives_in_order(tmp_path: Path, collector: Collector) -> None:
    node = make_node(tmp_path, collector, EDGEWISE_UPLINK__BACKOFF_MAX_S="1.0", EDGEWISE_UPLINK__BATCH_MAX_MESSAGES="50")
    collector.start()
    acked = run_writer_until_killed(node, 1.0)
    collector.stop()  # the link goes down
    acked += run_writer_until_killed(node, 1.5)  # keeps enqueueing offline; sends fail and back off
    collector.start()  # the link comes back; a fresh node process forwards the backlog
    drained = node.drain(timeout=120)
    assert drained.returncode == 0, drained.stdout
    counts = check_delivered(collector, acked)
    assert sum(counts.values()) >= len(acked)
    assert len(counts) == 3
