"""Bad input gets a clear OpenAI-style 4xx error and the node keeps serving."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.server.conftest import API_KEY

MODEL = "gemma-3-270m"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
CHAT = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2, "temperature": 0}
COMPLETION = {"model": MODEL, "prompt": "hi", "max_tokens": 2, "temperature": 0}


def assert_error(r: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert isinstance(err["message"], str) and err["message"]
    assert "type" in err and "code" in err and "param" in err
    if code is not None:
        assert err["code"] == code, err
    return err


@pytest.fixture()
def http(node):  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=node.url, headers=AUTH, timeout=60) as c:
        yield c


def test_malformed_json(http) -> None:
    r = http.post("/v1/chat/completions", content=b'{"model": "x", "messages": [', headers={"content-type": "application/json"})
    err = assert_error(r, 400)
    assert "JSON" in err["message"]


def test_wrong_content_type(http) -> None:
    r = http.post("/v1/chat/completions", content=json.dumps(CHAT), headers={"content-type": "text/plain"})
    assert_error(r, 415, "unsupported_media_type")


def test_oversized_body(http) -> None:
    big = {**CHAT, "messages": [{"role": "user", "content": "x" * (9 * 1024 * 1024)}]}
    assert_error(http.post("/v1/chat/completions", json=big), 413, "payload_too_large")


def test_prompt_longer_than_context(http) -> None:
    long = {**COMPLETION, "prompt": "word " * 3000}
    err = assert_error(http.post("/v1/completions", json=long), 400, "context_length_exceeded")
    assert "1024" in err["message"]


@pytest.mark.parametrize("value", [-1, 0, 10**7, "many", 1.5])
def test_bad_max_tokens(http, value: Any) -> None:
    assert_error(http.post("/v1/chat/completions", json={**CHAT, "max_tokens": value}), 400)


def test_max_tokens_beyond_context(http) -> None:
    assert_error(http.post("/v1/chat/completions", json={**CHAT, "max_tokens": 5000}), 400, "context_length_exceeded")


def test_unknown_model(http) -> None:
    assert_error(http.post("/v1/chat/completions", json={**CHAT, "model": "nope"}), 404, "model_not_found")


@pytest.mark.parametrize(
    "schema",
    [{"type": "no-such-type"}, {"type": "object", "properties": {"a": {"type": 5}}}, {"required": "name"}],
)
def test_invalid_json_schema(http, schema: dict[str, Any]) -> None:
    body = {**CHAT, "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}}
    assert_error(http.post("/v1/chat/completions", json=body), 400, "invalid_json_schema")


def test_n_greater_than_one(http) -> None:
    err = assert_error(http.post("/v1/chat/completions", json={**CHAT, "n": 2}), 400)
    assert err["param"] == "n"


def test_token_ids_outside_vocabulary(http) -> None:
    assert_error(http.post("/v1/completions", json={**COMPLETION, "prompt": [2, 10**9]}), 400)


def test_image_content_part_is_refused(http) -> None:
    body = {**CHAT, "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}
    assert_error(http.post("/v1/chat/completions", json=body), 400)


def test_unknown_route_and_method(http) -> None:
    assert_error(http.post("/v1/nope", json={}), 404)
    assert_error(http.get("/v1/chat/completions"), 405)


# --- fuzz ---------------------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
CHAT_FIELDS = ["model", "messages", "max_tokens", "temperature", "top_p", "n", "stream", "stop", "seed",
               "response_format", "logprobs", "stream_options", "presence_penalty", "messages.0", "messages.0.role",
               "messages.0.content"]


def _mutate(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    body = json.loads(json.dumps(base))
    parts = path.split(".")
    target: Any = body
    for p in parts[:-1]:
        target = target[int(p)] if isinstance(target, list) else target[p]
    key: Any = int(parts[-1]) if isinstance(target, list) else parts[-1]
    target[key] = value
    return body


@st.composite
def bad_requests(draw: st.DrawFn) -> tuple[str, dict[str, str], bytes]:
    kind = draw(st.sampled_from(["mutate", "mutate", "mutate", "raw", "truncated", "not-object"]))
    path = draw(st.sampled_from(["/v1/chat/completions", "/v1/completions"]))
    ctype = {"content-type": "application/json"}
    base = CHAT if path.endswith("chat/completions") else COMPLETION
    if kind == "raw":
        return path, draw(st.sampled_from([ctype, {"content-type": "text/plain"}, {}])), draw(st.binary(max_size=200))
    if kind == "truncated":
        text = json.dumps(base)
        return path, ctype, text[: draw(st.integers(0, len(text) - 1))].encode()
    if kind == "not-object":
        return path, ctype, json.dumps(draw(json_values)).encode()
    field = draw(st.sampled_from(CHAT_FIELDS if base is CHAT else ["model", "prompt", "max_tokens", "temperature", "stop", "seed", "logprobs", "n", "echo"]))
    value = draw(json_values)
    if field == "max_tokens" and (value is None or (isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 2048)):
        value = 2  # every accepted request stays short; invalid values stay as drawn
    if field == "stream":
        value = draw(st.sampled_from([None, "yes", 3, [], {}]))
    return path, ctype, json.dumps(_mutate(base, field, value), allow_nan=True).encode()


def test_fuzzed_requests_never_crash_the_node(node) -> None:
    seen: dict[int, int] = {}
    with httpx.Client(base_url=node.url, headers=AUTH, timeout=60) as c:

        @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        @given(bad_requests())
        def run(req: tuple[str, dict[str, str], bytes]) -> None:
            path, headers, body = req
            r = c.post(path, content=body, headers=headers)
            seen[r.status_code] = seen.get(r.status_code, 0) + 1
            assert r.status_code < 500, (r.status_code, body[:300], r.text[:300])
            if r.status_code >= 400:
                assert_error(r, r.status_code)
            else:
                assert r.status_code == 200

        run()
    assert sum(seen.values()) >= 300
    assert sum(v for k, v in seen.items() if 400 <= k < 500) >= 200, seen
    assert httpx.get(node.url + "/health").json()["status"] == "ok"
    r = httpx.post(node.url + "/v1/completions", json=COMPLETION, headers=AUTH, timeout=120)
    assert r.status_code == 200 and r.json()["usage"]["completion_tokens"] >= 1
