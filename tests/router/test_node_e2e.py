"""A real ``edgewise serve`` with the router and the uplink on, a real collector and a recording cloud.

Proves the integration: the chat route says where it answered (header and
``edgewise_route`` field), the cloud sees placeholders only, the user sees the
originals, local producers' messages reach the collector through the gateway,
and both subsystems show up in ``/metrics``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.cloud.helpers import Collector
from tests.helpers_node import Node, start_node
from tests.router.conftest import CloudStub

MAIL = "max.mustermann@example.com"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory, model_path: Path, cloud_stub: CloudStub) -> Iterator[tuple[Node, Collector]]:
    root = tmp_path_factory.mktemp("e2e")
    (root / "cloud").mkdir()
    collector = Collector(root / "cloud", f"sqlite:///{root / 'collector.db'}")
    token = collector.add_node("it-node")
    collector.start()
    data = root / "data"
    (data / "models").mkdir(parents=True)
    for cached in (model_path, model_path.with_suffix(".verified")):
        (data / "models" / cached.name).symlink_to(cached)
    (data / "perimeter").mkdir()
    (data / "perimeter" / "policy.toml").write_text(
        f'version = 1\n\n[[destination]]\nname = "collector"\nurl = "{collector.url}"\nclasses = ["event", "summary"]\n'
        f'redact = false\n\n[[destination]]\nname = "cloud-llm"\nurl = "{cloud_stub.url}"\nclasses = ["redacted_prompt"]\n'
        "redact = true\n"
    )
    (data / "config.toml").write_text(
        "parallel = 2\nctx = 1024\n\n[perimeter]\nner = false\n\n[router]\nenabled = true\nconfidence_threshold = 10.0\n\n"
        f'[uplink]\nenabled = true\nnode_id = "it-node"\ntoken = "{token}"\npoll_interval_s = 0.2\n'
    )
    n = start_node(data, timeout=300)
    yield n, collector
    n.stop()
    collector.stop()


def chat(node: Node, content: str, **headers: str) -> httpx.Response:
    body = {"model": "gemma-3-270m", "messages": [{"role": "user", "content": content}], "max_tokens": 16, "temperature": 0}
    return httpx.post(node.url + "/v1/chat/completions", json=body, headers=headers, timeout=300)


def test_chat_says_where_it_was_answered_and_reidentifies(node: tuple[Node, Collector], cloud_stub: CloudStub) -> None:
    n, _ = node
    before = len(cloud_stub.requests())
    r = chat(n, f"Draft a reply to {MAIL} about the bearing alarm.")
    assert r.status_code == 200, r.text
    assert r.headers["x-edgewise-route"] == "cloud" and r.headers["x-edgewise-route-reason"] == "low_confidence"
    data = r.json()
    assert data["edgewise_route"]["where"] == "cloud" and data["edgewise_route"]["confidence"] is not None
    assert MAIL in data["choices"][0]["message"]["content"]
    sent = cloud_stub.requests()[before:]
    assert len(sent) == 1 and MAIL not in str(sent[0])


def test_raw_text_request_stays_on_the_node(node: tuple[Node, Collector], cloud_stub: CloudStub) -> None:
    n, _ = node
    before = len(cloud_stub.requests())
    r = chat(n, f"Summarize the note from {MAIL}.", **{"x-edgewise-data-class": "raw_text"})
    assert r.status_code == 200 and r.headers["x-edgewise-route"] == "local"
    assert r.json()["edgewise_route"]["reason"] == "policy"
    assert len(cloud_stub.requests()) == before


def test_bad_route_hint_is_a_400(node: tuple[Node, Collector]) -> None:
    n, _ = node
    r = chat(n, "hi", **{"x-edgewise-route-hint": "moon"})
    assert r.status_code == 400 and r.json()["error"]["param"] == "x-edgewise-route-hint"


def test_enqueued_events_reach_the_collector_and_metrics(node: tuple[Node, Collector]) -> None:
    n, collector = node
    for i in range(3):
        r = httpx.post(n.url + "/v1/uplink/streams/alerts/messages",
                       json={"payload": {"asset": "pump-7", "n": i}, "data_class": "event", "raw_bytes": 48000}, timeout=30)  # fmt: skip
        assert r.status_code == 202 and r.json()["seq"] == i + 1
    deadline = time.monotonic() + 60
    while len(collector.messages("it-node", "alerts")) < 3:
        assert time.monotonic() < deadline, "events did not reach the collector"
        time.sleep(0.3)
    stats = httpx.get(n.url + "/v1/uplink/streams", timeout=30).json()["streams"][0]
    assert stats["delivered"] == 3 and stats["raw_bytes"] == 3 * 48000 and 0 < stats["ratio"] < 0.01
    metrics = httpx.get(n.url + "/metrics", timeout=30).text
    assert 'edgewise_uplink_sent_wire_bytes{stream="alerts"}' in metrics
    assert 'edgewise_router_decisions_total{reason="low_confidence",where="cloud"}' in metrics


def test_raw_classes_cannot_be_enqueued(node: tuple[Node, Collector]) -> None:
    n, _ = node
    r = httpx.post(n.url + "/v1/uplink/streams/alerts/messages", json={"payload": "x", "data_class": "raw_sensor"}, timeout=30)
    assert r.status_code == 403 and r.json()["error"]["code"] == "egress_refused"
