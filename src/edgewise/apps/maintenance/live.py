"""Live ingestion over MQTT: sample blocks in, events out, on the plant's broker.

Topic layout (``prefix`` = ``settings.topic_prefix``, default ``edgewise/vib``):

* ``<prefix>/<asset>/blocks`` - sensor gateways publish sample blocks in the
  binary format of :mod:`blocks` (QoS 1);
* ``<prefix>/<asset>/events`` - the node publishes each maintenance event as
  JSON (QoS 1), for plant systems on the same broker;
* ``<prefix>/<asset>/health`` - the node publishes the health summary as JSON.

The broker is on the plant network or loopback: this is *ingest*, not egress.
What leaves the plant still goes only through the perimeter gateway
(:class:`edgewise.apps.publish.Publisher`).

The twin is learned from the first minutes (or blocks) of the stream, which
the operator declares healthy; after that every block is scored as it arrives.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from edgewise.apps.events import Event
from edgewise.apps.maintenance.bearings import Bearing
from edgewise.apps.maintenance.blocks import Block, decode_block, encode_block
from edgewise.apps.maintenance.errors import BrokerUnreachable, RecordingError
from edgewise.apps.maintenance.monitor import Monitor, Record
from edgewise.apps.maintenance.settings import MaintenanceSettings
from edgewise.apps.publish import Publisher
from edgewise.apps.report import Report


def parse_hostport(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise RecordingError(f"--mqtt wants HOST:PORT with a port from 1 to 65535, got {text!r}", param="mqtt")
    return host, int(port)


def _connect(client: Any, host: str, port: int) -> None:
    """Connect, or say which broker did not answer and what to check (paho raises the socket's bare OSError)."""
    try:
        client.connect(host, port)
    except OSError as exc:
        raise BrokerUnreachable(f"No MQTT broker answers at {host}:{port} ({exc.strerror or exc}); start it "
                                "(e.g. `systemctl start mosquitto`) or check --mqtt.") from None


def _client(client_id: str = "") -> Any:
    import paho.mqtt.client as mqtt

    # paho.mqtt.client imports CallbackAPIVersion from paho.mqtt.enums without re-exporting it
    return mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)  # type: ignore[attr-defined]


def publish_blocks(host: str, port: int, topic: str, blocks: Iterable[Block], *, realtime: bool = False) -> int:
    """Publish blocks to ``topic`` (QoS 1), optionally paced at recorded speed; returns how many were sent."""
    cli = _client()
    _connect(cli, host, port)
    cli.loop_start()
    sent, start, t0 = 0, time.monotonic(), None
    try:
        for seq, b in enumerate(blocks):
            if realtime:
                t0 = b.t if t0 is None else t0
                delay = (b.t - t0) - (time.monotonic() - start)
                if delay > 0:
                    time.sleep(delay)
            b.seq = seq
            cli.publish(topic, encode_block(b), qos=1).wait_for_publish(10)
            sent += 1
    finally:
        cli.loop_stop()
        cli.disconnect()
    return sent


def asset_from_topic(topic: str) -> str:
    parts = [p for p in topic.split("/") if p not in ("#", "+", "blocks", "")]
    return parts[-1] if parts else "asset"


class LiveWatcher:
    """Subscribes to block topics, learns the twin on the healthy start, then monitors.

    ``on_record`` receives every record (health, event); events are also
    published back to ``<prefix>/<asset>/events`` on the same broker.
    """

    def __init__(
        self, host: str, port: int, topic: str, settings: MaintenanceSettings, *, healthy_minutes: float = 10.0,
        healthy_blocks: int | None = None, rpm: float | None = None, bearing: Bearing | None = None,
        asset: str | None = None, publisher: Publisher | None = None,
        reporter: Callable[[Event], Report] | None = None, on_record: Callable[[Record], None] | None = None,
    ) -> None:
        self.host, self.port, self.topic, self.s = host, port, topic, settings
        self.healthy_minutes, self.healthy_blocks = healthy_minutes, healthy_blocks
        self.rpm, self.bearing, self.asset = rpm, bearing, asset or asset_from_topic(topic)
        self.publisher = publisher or Publisher(None, app="maintenance")
        self.reporter, self.on_record = reporter, on_record
        self.monitor: Monitor | None = None
        self.healthy: list[Block] = []
        self.errors: list[str] = []
        self.received = 0
        self._q: queue.Queue[Block | None] = queue.Queue(maxsize=1000)
        self._client = _client()
        self._client.on_message = self._on_message
        self._client.on_connect = lambda c, u, f, rc, p=None: c.subscribe(self.topic, qos=1)
        self._worker = threading.Thread(target=self._run, name="maintenance-watch", daemon=True)
        self.ready = threading.Event()

    @property
    def events_topic(self) -> str:
        return f"{self.s.topic_prefix}/{self.asset}/events"

    def _on_message(self, client: Any, userdata: Any, msg: Any) -> None:
        try:
            self._q.put(decode_block(msg.payload, source=msg.topic), timeout=5)
        except RecordingError as exc:
            self.errors.append(exc.message)
        except queue.Full:
            self.errors.append("processing fell behind; block dropped")

    def start(self) -> LiveWatcher:
        _connect(self._client, self.host, self.port)
        self._client.loop_start()
        self._worker.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._q.put(None)
        self._worker.join(timeout)
        self._client.loop_stop()
        self._client.disconnect()

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until every received block has been processed (for tests and --duration)."""
        end = time.monotonic() + timeout
        while not self._q.empty() and time.monotonic() < end:
            time.sleep(0.02)
        self._q.join()

    def _learned(self, b: Block) -> bool:
        if self.healthy_blocks is not None:
            return len(self.healthy) >= self.healthy_blocks
        return b.t - self.healthy[0].t >= self.healthy_minutes * 60.0

    def _run(self) -> None:
        while True:
            b = self._q.get()
            try:
                if b is None:
                    return
                self.received += 1
                self._handle(b)
            except Exception as exc:  # one bad block must not stop the watch
                self.errors.append(f"{type(exc).__name__}: {exc}")
            finally:
                self._q.task_done()

    def _handle(self, b: Block) -> None:
        if self.monitor is None:
            if not self.healthy or not self._learned(b):
                self.healthy.append(b)
                return
            self.monitor = Monitor.learn(self.asset, self.healthy, self.s, bearing=self.bearing, rpm=self.rpm,
                                         publisher=self.publisher, reporter=self.reporter)
            self.ready.set()
        for rec in self.monitor.process(b):
            if rec["type"] == "event":
                self._client.publish(self.events_topic, json.dumps(rec), qos=1)
            if self.on_record is not None:
                self.on_record(rec)


def watch_stream(
    mqtt: str, topic: str, settings: MaintenanceSettings, *, json_out: Path | None = None,
    duration: float | None = None, **kw: Any,
) -> None:
    """The ``watch`` command: a live rich table per channel until Ctrl-C or ``duration``."""
    from rich.live import Live
    from rich.table import Table

    host, port = parse_hostport(mqtt)
    state: dict[str, Record] = {}
    out = json_out.open("w") if json_out else None

    def on_record(rec: Record) -> None:
        if rec["type"] == "health":
            state[rec["channel"]] = rec
        if out is not None:
            out.write(json.dumps(rec) + "\n")
            out.flush()

    w = LiveWatcher(host, port, topic, settings, on_record=on_record, **kw).start()

    def table() -> Table:
        t = Table(title=f"{w.asset} on {topic}  ({'monitoring' if w.monitor else f'learning: {len(w.healthy)} healthy blocks'})")
        for col in ("channel", "time", "health index", "alarm", "remaining life"):
            t.add_column(col)
        for ch, r in sorted(state.items()):
            rul = f"{r['rul_s'] / 3600:.2f} h" if r.get("rul_s") is not None else "-"
            t.add_row(ch, f"{r['time']:.1f}", f"{r['health_index']:.2f}", "[red]ALARM[/]" if r["alarm"] else "ok", rul)
        t.caption = f"blocks {w.received}, events {len(w.monitor.events) if w.monitor else 0}, errors {len(w.errors)}"
        return t

    end = time.monotonic() + duration if duration else None
    try:
        with Live(table(), refresh_per_second=2) as live:
            while end is None or time.monotonic() < end:
                time.sleep(0.5)
                live.update(table())
    except KeyboardInterrupt:
        pass
    finally:
        w.stop()
        if out is not None:
            out.close()


__all__ = ["LiveWatcher", "asset_from_topic", "parse_hostport", "publish_blocks", "watch_stream"]
