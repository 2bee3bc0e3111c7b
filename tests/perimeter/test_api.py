"""The perimeter's HTTP routes on the node's real app: exact shape, API key, no originals returned."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from edgewise.config import load_settings
from edgewise.server.app import ROUTER_MODULES, build_app

KEY = "test-key-123"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app = build_app(load_settings(api_key=KEY))
    with TestClient(app) as c:
        yield c


def test_the_routes_are_mounted() -> None:
    assert "edgewise.perimeter.api" in ROUTER_MODULES


def test_redact_text_has_the_exact_shape(client: TestClient) -> None:
    text = "Hello, mail jane.roe@example.org or jane.roe@example.org, card 4111 1111 1111 1111."
    r = client.post("/v1/perimeter/redact", json={"text": text}, headers=AUTH)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"text", "entities"}
    assert body["text"].endswith(" mail <EMAIL_1> or <EMAIL_1>, card <CREDIT_CARD_1>.")
    first = next(e for e in body["entities"] if e["type"] == "EMAIL")
    assert first == {"type": "EMAIL", "start": 12, "end": 32, "placeholder": "<EMAIL_1>"}
    assert text[first["start"] : first["end"]] == "jane.roe@example.org"
    assert "jane.roe" not in r.text and "4111" not in r.text


def test_redact_json_keeps_structure(client: TestClient) -> None:
    payload = {"event": {"who": "jane.roe@example.org", "temp": 81.5, "tags": ["a", "ssn 078-05-1120"]}}
    r = client.post("/v1/perimeter/redact", json={"json": payload}, headers=AUTH)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"json", "entities"}
    assert body["json"] == {"event": {"who": "<EMAIL_1>", "temp": 81.5, "tags": ["a", "ssn <US_SSN_1>"]}}
    assert {e["path"] for e in body["entities"]} == {"/event/who", "/event/tags/1"}


@pytest.mark.parametrize("body", [{}, {"text": "a", "json": {}}, {"text": 5}, {"txt": "a"}])
def test_bad_bodies_are_400(client: TestClient, body: dict[str, object]) -> None:
    r = client.post("/v1/perimeter/redact", json=body, headers=AUTH)
    assert r.status_code == 400
    assert r.json()["error"]["type"] == "invalid_request_error"


def test_api_key_is_required(client: TestClient) -> None:
    for method, path in (("post", "/v1/perimeter/redact"), ("get", "/v1/perimeter/ledger"),
                         ("get", "/v1/perimeter/ledger/verify"), ("get", "/v1/perimeter/ledger/stats")):
        r = client.request(method.upper(), path, json={"text": "x"} if method == "post" else None)
        assert r.status_code == 401, path
        r = client.request(method.upper(), path, json={"text": "x"} if method == "post" else None,
                           headers={"Authorization": "Bearer wrong"})
        assert r.status_code == 401, path


def test_pseudonymize_then_reidentify(client: TestClient) -> None:
    r = client.post("/v1/perimeter/pseudonymize", json={"text": "Call +44 20 7946 0958"}, headers=AUTH)
    body = r.json()
    assert body["text"] == "Call <PHONE_1>" and body["session_id"]
    back = client.post("/v1/perimeter/reidentify", json={"text": "I called <PHONE_1>.", "session_id": body["session_id"]},
                       headers=AUTH)
    assert back.json() == {"text": "I called +44 20 7946 0958."}
    missing = client.post("/v1/perimeter/reidentify", json={"text": "x", "session_id": "nope"}, headers=AUTH)
    assert missing.status_code == 404


def test_ledger_endpoints_report_gateway_activity(client: TestClient) -> None:
    perimeter = client.app.state.perimeter  # type: ignore[attr-defined]
    from edgewise.perimeter.types import EgressRefused

    with pytest.raises(EgressRefused):
        perimeter.gateway.send("collector", "raw_text", "secret")
    records = client.get("/v1/perimeter/ledger", headers=AUTH).json()["records"]
    assert records[0]["decision"] == "refused" and records[0]["data_class"] == "raw_text"
    assert "secret" not in str(records)
    stats = client.get("/v1/perimeter/ledger/stats", headers=AUTH).json()["stats"]
    assert any(s["decision"] == "refused" for s in stats)
    verify = client.get("/v1/perimeter/ledger/verify", headers=AUTH).json()
    assert verify["ok"] is True and verify["records"] >= 1
    assert client.get("/v1/perimeter/policy", headers=AUTH).json() == {"destinations": []}
