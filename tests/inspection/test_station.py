"""Events, reports and summaries leave through the real perimeter gateway; images never do."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from edgewise.apps.inspection.runtime import Detector
from edgewise.apps.inspection.settings import InspectionSettings
from edgewise.apps.inspection.station import Station
from edgewise.apps.publish import Publisher
from edgewise.config import load_settings
from edgewise.perimeter.types import DataClass, EgressRefused


class Collector:
    """A loopback HTTP receiver standing in for the plant's collector: records every body it gets."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                outer.bodies.append(self.rfile.read(int(self.headers.get("content-length", 0))))
                self.send_response(200)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/in"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture()
def collector() -> Iterator[Collector]:
    c = Collector()
    yield c
    c.server.shutdown()


@pytest.fixture()
def gateway(collector: Collector, isolated_env: Path):  # type: ignore[no-untyped-def]
    from edgewise.perimeter.detector import PiiDetector
    from edgewise.perimeter.service import Perimeter
    from edgewise.perimeter.settings import PerimeterSettings

    policy = isolated_env / "perimeter" / "policy.toml"
    policy.parent.mkdir(parents=True, exist_ok=True)
    policy.write_text(
        f'version = 1\n\n[[destination]]\nname = "plant"\nurl = "{collector.url}"\n'
        'classes = ["event", "report", "summary"]\nredact = false\n'
    )
    perimeter = Perimeter.from_settings(load_settings(), detector=PiiDetector.from_settings(PerimeterSettings(ner=False)))
    yield perimeter.gateway
    perimeter.gateway.close()


def test_events_and_reports_pass_the_gateway_images_are_refused(trained, tiles, gateway, collector) -> None:  # type: ignore[no-untyped-def]
    station = Station(Detector(trained[1]), InspectionSettings(station="press-3"), publisher=Publisher(gateway, "plant", app="inspection"))
    image = tiles.defects[0].read_bytes()
    result = station.inspect_bytes(image, image="part-17.jpg")
    assert result.outcome.inspection.verdict == "reject"
    assert len(result.events) == 1 and len(result.reports) == 1
    sent = [json.loads(b) for b in collector.bodies]
    assert [s.get("kind") for s in sent][0] == "inspection.reject"
    assert sent[1]["event_id"] == result.events[0].id and "part-17.jpg" in sent[1]["text"]
    assert all(len(b) < 8192 and image[:64] not in b for b in collector.bodies)  # no pixels in anything that left

    before = len(collector.bodies)
    with pytest.raises(EgressRefused):
        gateway.send("plant", DataClass.IMAGE, image)
    with pytest.raises(EgressRefused):
        station.publisher.publish({"jpeg": image.hex()}, DataClass.IMAGE)
    assert len(collector.bodies) == before  # nothing left the node

    summary = station.publish_summary()
    assert json.loads(collector.bodies[-1])["inspected"] == 1
    stats = station.publisher.stats
    assert stats.raw_bytes_seen == len(image) and 0 < stats.bytes_sent < stats.raw_bytes_seen
    assert stats.messages_sent == {"event": 1, "report": 1, "summary": 1} and summary.rejected == 1


def test_a_rising_reject_rate_raises_one_alarm(trained, tiles) -> None:  # type: ignore[no-untyped-def]
    cfg = InspectionSettings(station="press-3", window=5, reject_rate_alarm=0.4)
    station = Station(Detector(trained[1]), cfg, reports=False)
    parts = [tiles.good[0], tiles.good[1], tiles.defects[0], tiles.good[2], tiles.defects[0], tiles.defects[0]]
    kinds = [[e.kind for e in station.inspect_bytes(p.read_bytes(), image=p.name).events] for p in parts]
    rate = [i for i, k in enumerate(kinds) if "inspection.reject_rate" in k]
    assert rate == [4]  # first full window with 2 of 5 rejected; the next one does not repeat the alarm
    event = [e for e in station.inspect_bytes(tiles.defects[0].read_bytes()).events]
    assert all(e.kind == "inspection.reject" for e in event)


def test_template_report_quotes_only_event_facts(trained, tiles) -> None:  # type: ignore[no-untyped-def]
    from edgewise.apps.report import validate_report_text

    station = Station(Detector(trained[1]), InspectionSettings(station="press-3"))
    result = station.inspect_bytes(tiles.defects[0].read_bytes(), image="part-9.jpg")
    (report,) = result.reports
    assert report.method == "template" and report.fallback_reason == "no engine available"
    event = result.events[0]
    body = report.text.rsplit("\n\n", 1)[0]
    assert validate_report_text(body, event).ok, validate_report_text(body, event).problems


@pytest.mark.slow
def test_the_local_llm_writes_a_checked_report(trained, tiles) -> None:  # type: ignore[no-untyped-def]
    from edgewise.apps.report import validate_report_text
    from edgewise.engine import open_engine

    settings = load_settings(ctx=1024, parallel=1, threads=2)
    with open_engine(settings) as engine:
        station = Station(Detector(trained[1]), InspectionSettings(station="press-3"), engine=engine)
        result = station.inspect_bytes(tiles.defects[0].read_bytes(), image="part-5.jpg")
    (report,) = result.reports
    assert report.model and report.llm_validation is not None  # the LLM was asked
    if report.method == "llm":
        assert report.llm_validation.ok and validate_report_text(report.text.rsplit("\n\n", 1)[0], result.events[0]).ok
    else:
        assert report.fallback_reason and not report.llm_validation.ok  # a failed draft is never used


def test_the_watcher_reports_a_file_that_stays_empty_once_it_has_settled(trained, tiles, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from edgewise.apps.inspection.watch import DropFolder, watch_loop

    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "a-empty.jpg").touch()  # a camera that created the file and never wrote it
    (drop / "b.jpg").write_bytes(tiles.good[0].read_bytes())
    station = Station(Detector(trained[1]), InspectionSettings(station="press-3"), reports=False)
    rows = watch_loop(station, DropFolder(drop, include_existing=True), table=lambda rows, title: title,
                      interval=0.05, max_images=2, idle_exit=20, settle=0.5)
    assert [r["image"] for r in rows] == ["b.jpg", "a-empty.jpg"]  # the good part was not held up by it
    assert "empty" in rows[1]["error"] and "verdict" in rows[0]
