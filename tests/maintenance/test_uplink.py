"""Only events, reports and summaries leave, through the real perimeter gateway, to a loopback collector."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from edgewise.apps.maintenance.replay import ReplayConfig, replay
from edgewise.apps.maintenance.settings import MaintenanceSettings
from edgewise.apps.publish import Publisher
from edgewise.config import load_settings
from edgewise.perimeter.detector import PiiDetector
from edgewise.perimeter.service import Perimeter
from edgewise.perimeter.types import DataClass, EgressRefused


class _Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server API)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).received.append((self.path, body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def collector() -> Iterator[tuple[str, list[tuple[str, bytes]]]]:
    _Collector.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/ingest", _Collector.received
    server.shutdown()


@pytest.fixture()
def perimeter(isolated_env: Path, collector: tuple[str, list[tuple[str, bytes]]]) -> Iterator[Perimeter]:
    url, _ = collector
    policy = isolated_env / "perimeter" / "policy.toml"
    policy.parent.mkdir(parents=True, exist_ok=True)
    policy.write_text(
        f'version = 1\n[[destination]]\nname = "plant-cloud"\nurl = "{url}"\n'
        'classes = ["event", "report", "summary"]\nredact = false\n'
    )
    p = Perimeter.from_settings(load_settings(), detector=PiiDetector(ner=None, timeout_s=30))
    yield p
    p.close()


def test_replay_uplinks_only_events_reports_summaries(
    perimeter: Perimeter, collector: tuple[str, list[tuple[str, bytes]]], cwru: Path, tmp_path: Path
) -> None:
    _, received = collector
    pub = Publisher(perimeter.gateway, "plant-cloud", app="maintenance")
    cfg = ReplayConfig(cwru / "234.mat", "cwru", healthy_paths=(cwru / "97.mat",), bearing="6205", channels=["DE"])
    with (tmp_path / "o.jsonl").open("w") as f:
        mon, kept = replay(cfg, MaintenanceSettings(), f, publisher=pub)
    assert mon.events, "the outer-race fault file must raise an event"
    kinds = {json.loads(body).get("kind") or ("summary" if "channels" in json.loads(body) else "report") for _, body in received}
    assert kinds <= {"maintenance.anomaly", "summary", "report"} and "maintenance.anomaly" in kinds
    assert all(b"_time" not in body and len(body) < 8000 for _, body in received)  # no sample arrays
    stats = pub.stats
    assert not stats.dry_run and stats.bytes_sent == sum(len(b) for _, b in received)
    assert stats.raw_bytes_seen > 500 * stats.bytes_sent
    assert set(stats.messages_sent) <= {"event", "summary"}  # no reporter in this run: no reports


@pytest.mark.parametrize("cls", [DataClass.RAW_SENSOR, DataClass.AUDIO])
def test_raw_sensor_data_never_passes(perimeter: Perimeter, collector: tuple[str, list[tuple[str, bytes]]], cls: DataClass) -> None:
    _, received = collector
    with pytest.raises(EgressRefused):
        Publisher(perimeter.gateway, "plant-cloud").publish({"samples": [0.1] * 10}, cls)
    with pytest.raises(EgressRefused):  # and the gateway itself refuses it too
        perimeter.gateway.send("plant-cloud", cls, {"samples": [0.1] * 10})
    assert received == []


def test_cli_replay_uplink_through_the_gateway(
    perimeter: Perimeter, collector: tuple[str, list[tuple[str, bytes]]], cwru: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from edgewise.apps.maintenance.cli import app
    from edgewise.apps.maintenance.replay import load_records

    _, received = collector
    monkeypatch.setenv("EDGEWISE_PERIMETER__NER", "false")  # no PII in events; skip loading the NER model
    out = tmp_path / "o.jsonl"
    res = CliRunner().invoke(app, ["replay", str(cwru / "130.mat"), "--format", "cwru", "--healthy", str(cwru / "97.mat"),
                                   "--channels", "DE", "--bearing", "6205", "--json", str(out), "--uplink", "plant-cloud"])
    assert res.exit_code == 0, res.output
    summary = load_records(out)[-1]
    assert summary["uplink"] == "gateway" and summary["bytes_sent"] == sum(len(b) for _, b in received) > 0
    assert summary["bytes_sent_by_class"].get("report", 0) > 0  # template reports go up with the events
