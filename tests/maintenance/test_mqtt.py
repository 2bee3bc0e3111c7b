"""End to end over a real Mosquitto broker: publish sample blocks, receive events."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import numpy as np
import paho.mqtt.client as mqtt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgewise.apps.maintenance.blocks import Block, decode_block, encode_block
from edgewise.apps.maintenance.errors import RecordingError
from edgewise.apps.maintenance.live import LiveWatcher, publish_blocks
from edgewise.apps.maintenance.readers import read_recording
from edgewise.apps.maintenance.settings import MaintenanceSettings


def test_wire_format_round_trip_is_binary() -> None:
    b = Block(np.random.default_rng(1).normal(size=(2560, 2)), 25600.0, ("H", "V"), t=12.5, seq=3)
    wire = encode_block(b)
    back = decode_block(wire)
    assert back.channels == ("H", "V") and back.fs == 25600.0 and back.t == 12.5 and back.seq == 3
    np.testing.assert_allclose(back.data, b.data, rtol=1e-6)
    assert len(wire) < 2560 * 2 * 4 + 200  # 4 bytes a sample plus a small header


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_garbage_payloads_are_rejected_cleanly(payload: bytes) -> None:
    try:
        decode_block(b"EWB1" + payload)
    except RecordingError:
        pass


def test_stream_in_events_out(broker: tuple[str, int], femto_head: Path) -> None:
    host, port = broker
    blocks = list(read_recording(femto_head, "femto"))  # 14 healthy-start files, then 6 from the failed end
    s = MaintenanceSettings(alarm_after=2)
    got: list[dict[str, object]] = []
    seen = threading.Event()
    sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)

    def on_message(c: mqtt.Client, u: object, msg: mqtt.MQTTMessage) -> None:
        got.append(json.loads(msg.payload))
        seen.set()

    sub.on_message = on_message
    sub.connect(host, port)
    sub.subscribe(f"{s.topic_prefix}/bearing11/events", qos=1)
    sub.loop_start()
    watcher = LiveWatcher(host, port, f"{s.topic_prefix}/bearing11/blocks", s, healthy_blocks=12).start()
    try:
        time.sleep(0.5)  # let both subscriptions settle
        assert publish_blocks(host, port, f"{s.topic_prefix}/bearing11/blocks", blocks) == 20
        assert seen.wait(30), f"no event received; watcher errors: {watcher.errors}"
    finally:
        watcher.stop()
        sub.loop_stop()
        sub.disconnect()
    assert watcher.received == 20 and watcher.errors == []
    ev = got[0]
    assert ev["type"] == "event" and ev["source"] == {"asset": "bearing11", "station": None, "channel": ev["source"]["channel"]}
    assert ev["onset_s"] > 7 * 3600  # raised on the failing end, not the healthy start
    assert watcher.monitor is not None and watcher.monitor.publisher.stats.raw_bytes_seen > 0


def test_bad_block_is_counted_not_fatal(broker: tuple[str, int]) -> None:
    host, port = broker
    w = LiveWatcher(host, port, "edgewise/vib/x/blocks", MaintenanceSettings(), healthy_blocks=5).start()
    try:
        time.sleep(0.3)
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        c.connect(host, port)
        c.loop_start()
        c.publish("edgewise/vib/x/blocks", b"not a block", qos=1).wait_for_publish(5)
        c.loop_stop()
        c.disconnect()
        deadline = time.monotonic() + 10
        while not w.errors and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        w.stop()
    assert w.errors and "not an Edgewise sample block" in w.errors[0]


@pytest.mark.parametrize("text", ["localhost", "h:", ":1", "localhost:0", "localhost:99999"])
def test_bad_hostport(text: str) -> None:
    from edgewise.apps.maintenance.live import parse_hostport

    with pytest.raises(RecordingError):
        parse_hostport(text)


@pytest.mark.parametrize("command", ["watch", "publish"])
def test_no_broker_is_a_clear_error(command: str, femto_head: Path) -> None:
    """Nothing listens on the port: the command names the broker and exits 1, without a trace."""
    from tests.helpers_cli import edgewise
    from tests.helpers_node import free_port

    port = free_port()  # free, and closed again
    args = (["watch", "--duration", "2", "--no-llm"] if command == "watch"
            else ["publish", str(femto_head), "--format", "femto"])
    done = edgewise("maintenance", *args, "--mqtt", f"127.0.0.1:{port}", "--topic", "edgewise/vib/x/blocks")
    assert done.returncode == 1, done.stderr
    assert f"No MQTT broker answers at 127.0.0.1:{port}" in " ".join(done.stderr.split()) and "Traceback" not in done.stderr


def test_watch_command_learns_and_writes_records(broker: tuple[str, int], femto_head: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from edgewise.apps.maintenance.cli import app

    host, port = broker
    topic = "edgewise/vib/cli11/blocks"
    def send() -> None:  # through the publish command, as a sensor gateway stand-in
        time.sleep(1.5)
        res = CliRunner().invoke(app, ["publish", str(femto_head), "--format", "femto", "--mqtt", f"{host}:{port}", "--topic", topic])
        assert res.exit_code == 0 and "published 20 blocks" in res.output

    sender = threading.Thread(target=send)
    sender.start()
    out = tmp_path / "w.jsonl"
    res = CliRunner().invoke(app, ["watch", "--mqtt", f"{host}:{port}", "--topic", topic, "--healthy-blocks", "12",
                                   "--no-llm", "--duration", "8", "--json", str(out)])
    sender.join()
    assert res.exit_code == 0, res.output
    recs = [json.loads(x) for x in out.read_text().splitlines()]
    assert sum(r["type"] == "health" for r in recs) == 2 * 8  # 20 blocks, 12 learned, 8 monitored, 2 channels
    assert any(r["type"] == "event" for r in recs)
