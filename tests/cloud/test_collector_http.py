"""The collector as a real process on loopback: auth, idempotent ingest, limits, fleet view."""

from __future__ import annotations

from collections.abc import Iterator

import base64
import json

import httpx
import pytest
import zstandard

from edgewise.perimeter.types import DataClass
from edgewise.uplink.protocol import INGEST_PATH, encode_body, encode_headers
from edgewise.uplink.types import Message
from tests.cloud.helpers import Collector


@pytest.fixture(scope="module")
def collector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Collector, str]]:
    home = tmp_path_factory.mktemp("collector")
    c = Collector(home, f"sqlite:///{home / 'collector.db'}")
    token = c.add_node("node-a")
    c.add_node("node-b")
    c.start()
    yield c, token
    c.stop()


def body(node: str, stream: str, seqs: list[int], dc: DataClass = DataClass.EVENT, compress: bool = True) -> tuple[dict[str, str], bytes]:
    msgs = [Message(stream, s, f"k:{stream}:{s}", dc, 1.0 * s, f'{{"n":{s}}}'.encode(), "application/json", 10) for s in seqs]
    headers = encode_headers(node, "ob", msgs, {"dropped_full": 0})
    data, _ = encode_body(msgs, compress=compress)
    if isinstance(data, bytes):
        return {**headers, "content-encoding": "zstd"}, data
    return headers, json.dumps(data).encode()


def post(c: Collector, token: str | None, batch: tuple[dict[str, str], bytes] | bytes) -> httpx.Response:
    headers, data = batch if isinstance(batch, tuple) else (encode_headers("node-a", "ob", [Message("s", 1, "k", DataClass.EVENT, 0.0, b"")], {}) | {"content-encoding": "zstd"}, batch)
    if token:
        headers = {**headers, "Authorization": f"Bearer {token}"}
    return httpx.post(c.url + INGEST_PATH, content=data, headers=headers, timeout=10)


def test_ingest_needs_a_valid_node_token(collector: tuple[Collector, str]) -> None:
    c, _ = collector
    assert post(c, None, body("node-a", "s", [1])).status_code == 401
    r = post(c, "ewn_wrong", body("node-a", "s", [1]))
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"


def test_plain_json_batches_with_inline_payloads_are_accepted(collector: tuple[Collector, str]) -> None:
    c, token = collector
    r = post(c, token, body("node-a", "plain", [1, 2], compress=False))
    assert r.json() == {"accepted": 2, "duplicates": 0, "acked_seq": 2}
    assert [base64.b64decode(m["payload_b64"]) for m in c.messages("node-a", "plain")] == [b'{"n":1}', b'{"n":2}']


def test_raw_data_classes_are_refused_by_the_collector_too(collector: tuple[Collector, str]) -> None:
    c, token = collector
    r = post(c, token, body("node-a", "leak", [1], dc=DataClass.RAW_SENSOR))
    assert r.status_code == 400 and "never leaves" in r.json()["error"]["message"]
    assert c.messages("node-a", "leak") == []


def test_a_token_cannot_write_for_another_node(collector: tuple[Collector, str]) -> None:
    c, token_a = collector
    assert post(c, token_a, body("node-b", "s", [1])).status_code == 401


def test_retry_is_stored_once_and_acknowledged_again(collector: tuple[Collector, str]) -> None:
    c, token = collector
    first = post(c, token, body("node-a", "retry", [1, 2, 3])).json()
    second = post(c, token, body("node-a", "retry", [1, 2, 3])).json()
    assert first == {"accepted": 3, "duplicates": 0, "acked_seq": 3}
    assert second == {"accepted": 0, "duplicates": 3, "acked_seq": 3}
    assert [m["seq"] for m in c.messages("node-a", "retry")] == [1, 2, 3]


def test_garbage_and_bombs_are_4xx_not_500(collector: tuple[Collector, str]) -> None:
    c, token = collector
    assert post(c, token, b"not zstd at all").status_code == 400
    assert post(c, token, zstandard.ZstdCompressor().compress(b'{"v": 1}')).status_code == 400
    bomb = zstandard.ZstdCompressor(level=19).compress(b"\0" * (80 * 1024 * 1024))
    assert post(c, token, bomb).status_code == 413


def test_fleet_view_needs_the_admin_token_and_shows_the_node(collector: tuple[Collector, str]) -> None:
    c, token = collector
    post(c, token, body("node-a", "alerts", [1, 2]))
    assert httpx.get(c.url + "/api/v1/fleet", timeout=10).status_code == 401
    view = httpx.get(c.url + "/api/v1/fleet", headers=c.admin(), timeout=10).json()
    node = next(n for n in view["nodes"] if n["node_id"] == "node-a")
    assert node["last_seen"] is not None and "alerts" in [s["stream"] for s in node["streams"]]
    assert any(e["stream"] == "alerts" for e in view["events"])
    html = httpx.get(c.url + "/fleet", headers=c.admin(), timeout=10)
    assert html.status_code == 200 and "text/html" in html.headers["content-type"]
    assert "node-a" in html.text and "alerts" in html.text and "node-b" in html.text


def test_metrics_count_new_and_duplicate_messages(collector: tuple[Collector, str]) -> None:
    c, token = collector
    post(c, token, body("node-a", "m", [1]))
    post(c, token, body("node-a", "m", [1]))
    text = httpx.get(c.url + "/metrics", timeout=10).text
    assert 'edgewise_collector_messages_total{node="node-a",result="new",stream="m"} 1.0' in text
    assert 'edgewise_collector_messages_total{node="node-a",result="duplicate",stream="m"} 1.0' in text
