"""The gateway against a real HTTP server on 127.0.0.1: allowed, refused, fail closed, recorded."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from edgewise.config import load_settings
from edgewise.perimeter.detector import Entity, PiiDetector
from edgewise.perimeter.errors import DetectionFailed, EgressFailed
from edgewise.perimeter.policy import Destination, Policy
from edgewise.perimeter.service import Perimeter
from edgewise.perimeter.types import FORBIDDEN, DataClass, EgressRefused


class Sink:
    """A loopback HTTP server that records what reaches it and answers with a fixed body."""

    def __init__(self, answer: bytes = b"ok", status: int = 200, location: str | None = None) -> None:
        self.received: list[tuple[str, bytes, dict[str, str]]] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                sink.received.append((self.path, body, dict(self.headers)))
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sink() -> Iterator[Sink]:
    s = Sink(answer=b"Dear <PERSON_1>, we wrote to <EMAIL_1>.")
    yield s
    s.close()


def _policy(url: str, **kw: Any) -> str:
    lines = [f'{k} = {json.dumps(v)}' for k, v in kw.items()]
    return "\n".join(['[[destination]]', 'name = "cloud"', f'url = "{url}/v1"',
                      'classes = ["summary", "event", "redacted_prompt", "model_update"]', *lines]) + "\n"


def _perimeter(policy_text: str, detector: PiiDetector) -> Perimeter:
    s = load_settings()
    path = s.perimeter.resolved_policy_file(s.data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(policy_text)
    return Perimeter.from_settings(s, detector=detector)


@pytest.fixture
def perimeter(sink: Sink, detector: PiiDetector) -> Iterator[Perimeter]:
    p = _perimeter(_policy(sink.url), detector)
    yield p
    p.close()


def test_allowed_payload_arrives_redacted_and_recorded(perimeter: Perimeter, sink: Sink) -> None:
    text = "Summary: Jane Roe (jane.roe@example.org, +44 20 7946 0958) reported a leak."
    receipt = perimeter.gateway.send("cloud", DataClass.SUMMARY, text, path="/batches", keep_mapping=True)
    path, body, _ = sink.received[0]
    assert path == "/v1/batches"
    assert b"jane.roe" not in body and b"7946" not in body and b"<EMAIL_1>" in body and b"<PHONE_1>" in body
    assert receipt.status_code == 200 and receipt.bytes_sent == len(body)
    assert receipt.redactions["EMAIL"] == 1
    rec = perimeter.ledger.records(limit=1)[0]
    assert (rec.seq, rec.decision, rec.bytes, rec.destination) == (receipt.ledger_seq, "sent", len(body), "cloud")
    assert rec.sha256 == receipt.sha256
    assert receipt.session_id is not None
    answer = perimeter.gateway.reidentify(receipt.response_body.decode(), receipt.session_id)
    assert "jane.roe@example.org" in answer


def test_json_payload_keeps_its_structure(perimeter: Perimeter, sink: Sink) -> None:
    event = {"kind": "overheat", "asset": "pump-7", "evidence": {"operator": "mail max@firma.de", "temp_c": 81.5}}
    perimeter.gateway.send("cloud", "event", event)
    sent = json.loads(sink.received[0][1])
    assert sent["kind"] == "overheat" and sent["evidence"]["temp_c"] == 81.5
    assert sent["evidence"]["operator"] == "mail <EMAIL_1>"


@pytest.mark.parametrize("dc", sorted(FORBIDDEN))
def test_forbidden_classes_are_refused_even_if_the_policy_allows_them(sink: Sink, detector: PiiDetector,
                                                                      dc: DataClass) -> None:
    p = _perimeter("", detector)
    # a policy object built around validation, as a buggy or hostile loader might
    rogue = Destination.model_construct(name="cloud", url=sink.url, classes=frozenset(DataClass), max_bytes=10**6, redact=False)
    p.gateway.policy = Policy.model_construct(version=1, destination=(rogue,))
    with pytest.raises(EgressRefused, match="never leaves"):
        p.gateway.send("cloud", dc, b"raw bytes")
    assert sink.received == []
    assert p.ledger.records(limit=1)[0].decision == "refused"
    p.close()


@given(dc=st.sampled_from(sorted(FORBIDDEN)), payload=st.one_of(st.binary(max_size=64), st.text(max_size=64)))
@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_forbidden_classes_never_reach_the_server(perimeter: Perimeter, sink: Sink, dc: DataClass,
                                                  payload: bytes | str) -> None:
    with pytest.raises(EgressRefused):
        perimeter.gateway.send("cloud", dc, payload)
    assert sink.received == []


@pytest.mark.parametrize(
    ("destination", "dc", "reason"),
    [("nowhere", "event", "not in the egress policy"), ("cloud", "report", "does not allow"),
     ("cloud", "gossip", "unknown data class"), ("https://evil.example.org/v1", "event", "not in the egress policy")],
)
def test_anything_not_allowed_is_refused(perimeter: Perimeter, sink: Sink, destination: str, dc: str, reason: str) -> None:
    with pytest.raises(EgressRefused, match=reason):
        perimeter.gateway.send(destination, dc, "hello")
    assert sink.received == []
    assert perimeter.ledger.records(limit=1)[0].decision == "refused"


def test_path_escape_is_refused(perimeter: Perimeter, sink: Sink) -> None:
    with pytest.raises(EgressRefused):
        perimeter.gateway.send("cloud", "event", "x", path="/../../admin")
    assert sink.received == []


def test_size_limit_applies_to_the_bytes_sent(sink: Sink, detector: PiiDetector) -> None:
    p = _perimeter(_policy(sink.url, max_bytes=64), detector)
    p.gateway.send("cloud", "event", "short")
    with pytest.raises(EgressRefused, match="exceed"):
        p.gateway.send("cloud", "event", "the pump ran fine " * 4)
    assert len(sink.received) == 1
    p.close()


class Exploding(PiiDetector):
    def detect(self, text: str, *, timeout_s: float | None = None, use_ner: bool = True) -> list[Entity]:
        raise RuntimeError("model file corrupted")


class Slow(PiiDetector):
    def detect(self, text: str, *, timeout_s: float | None = None, use_ner: bool = True) -> list[Entity]:
        time.sleep(0.05)
        return super().detect(text, timeout_s=0.0)


@pytest.mark.parametrize("broken", [Exploding(), Slow()], ids=["raises", "times_out"])
def test_gateway_fails_closed_when_detection_fails(sink: Sink, broken: PiiDetector) -> None:
    p = _perimeter(_policy(sink.url), broken)
    with pytest.raises(DetectionFailed, match="Nothing was sent"):
        p.gateway.send("cloud", "summary", "Jane Roe, jane.roe@example.org")
    assert sink.received == []
    rec = p.ledger.records(limit=1)[0]
    assert rec.decision == "refused" and rec.sha256 == ""
    p.close()


def test_binary_payload_that_needs_redaction_is_refused(perimeter: Perimeter, sink: Sink) -> None:
    with pytest.raises(DetectionFailed):
        perimeter.gateway.send("cloud", "summary", b"\xff\xfe\x00binary")
    assert sink.received == []


def test_unredacted_destination_sends_bytes_unchanged(sink: Sink, detector: PiiDetector) -> None:
    p = _perimeter(_policy(sink.url, redact=False), detector)
    blob = bytes(range(256))
    receipt = p.gateway.send("cloud", "model_update", blob)
    assert sink.received[0][1] == blob and receipt.redactions == {}
    p.close()


def test_unreachable_destination_is_recorded_as_failed(detector: PiiDetector) -> None:
    dead = Sink()
    url = dead.url
    dead.close()
    p = _perimeter(_policy(url), detector)
    with pytest.raises(EgressFailed):
        p.gateway.send("cloud", "event", "ping")
    decisions = [r.decision for r in p.ledger.records(limit=2)]
    assert decisions == ["failed", "sent"]
    assert p.ledger.verify().ok
    p.close()


def test_redirects_are_not_followed(detector: PiiDetector) -> None:
    elsewhere = Sink()
    redirector = Sink(status=307, location=elsewhere.url + "/steal")
    p = _perimeter(_policy(redirector.url), detector)
    receipt = p.gateway.send("cloud", "event", "data")
    assert receipt.status_code == 307
    assert elsewhere.received == []
    for s in (elsewhere, redirector):
        s.close()
    p.close()


def test_every_attempt_is_in_a_ledger_that_verifies(perimeter: Perimeter) -> None:
    perimeter.gateway.send("cloud", "event", "a")
    for dc in ("raw_text", "image", "report"):
        with pytest.raises(EgressRefused):
            perimeter.gateway.send("cloud", dc, "b")
    assert [r.decision for r in perimeter.ledger.records(newest_first=False)] == ["sent", "refused", "refused", "refused"]
    assert perimeter.ledger.verify().ok


def test_secret_files_are_mode_600(perimeter: Perimeter, tmp_path: Path) -> None:
    directory = perimeter.ledger.path.parent
    for name in ("vault.key", "ledger-signing.key", "vault.sqlite", "ledger.sqlite"):
        assert (directory / name).stat().st_mode & 0o077 == 0, name
