"""Continuous batching, cancellation on disconnect, /metrics and /health, against a real node."""

from __future__ import annotations

import asyncio
import re
import threading
import time

import httpx

from tests.server.conftest import API_KEY

MODEL = "gemma-3-270m"
AUTH = {"Authorization": f"Bearer {API_KEY}"}


def metric(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and not line.startswith("#"):
            m = re.match(rf"^{re.escape(name)}(\{{[^}}]*\}})? (\S+)$", line)
            if m and all(f'{k}="{v}"' in (m.group(1) or "") for k, v in labels.items()):
                total += float(m.group(2))
    return total


def test_concurrent_requests_decode_together(node, aclient) -> None:
    peak = {"active": 0.0}
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            text = httpx.get(node.url + "/metrics").text
            peak["active"] = max(peak["active"], metric(text, "edgewise_active_sequences", model=MODEL))
            time.sleep(0.02)

    async def one(i: int) -> str:
        r = await aclient.completions.create(model=MODEL, prompt=f"Story {i}: Once upon a time", max_tokens=32, temperature=0)
        return r.choices[0].text

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        async def main() -> list[str]:
            return await asyncio.gather(*(one(i) for i in range(4)))

        texts = asyncio.run(main())
    finally:
        stop.set()
        poller.join()
    assert all(t.strip() for t in texts)
    assert peak["active"] >= 3, f"requests were not batched together (peak active sequences {peak['active']})"


def test_client_disconnect_cancels_and_frees_the_slot(node) -> None:
    before = metric(httpx.get(node.url + "/metrics").text, "edgewise_generations_total", reason="cancelled")
    body = {"model": MODEL, "prompt": "Count forever: 1, 2, 3,", "max_tokens": 900, "stream": True, "temperature": 0}
    with httpx.Client(timeout=60) as c:
        with c.stream("POST", node.url + "/v1/completions", json=body, headers=AUTH) as r:
            assert r.status_code == 200
            seen = 0
            for line in r.iter_lines():
                if line.startswith("data: "):
                    seen += 1
                if seen >= 3:
                    break
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        text = httpx.get(node.url + "/metrics").text
        if metric(text, "edgewise_generations_total", reason="cancelled") > before and metric(
            text, "edgewise_active_sequences", model=MODEL
        ) == 0:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the disconnected stream kept its slot")


def test_metrics_expose_latency_histograms_and_request_counts(node, client) -> None:
    client.completions.create(model=MODEL, prompt="Hello", max_tokens=4, temperature=0)
    text = httpx.get(node.url + "/metrics").text
    assert metric(text, "edgewise_time_to_first_token_seconds_count", model=MODEL) >= 1
    assert metric(text, "edgewise_generation_tokens_per_second_count", model=MODEL) >= 1
    assert metric(text, "edgewise_completion_tokens_total", model=MODEL) >= 4
    assert metric(text, "edgewise_http_requests_total", route="/v1/completions", status="200") >= 1
    assert "edgewise_queue_depth" in text


def test_prefix_cache_is_reused_for_a_repeated_prompt(node, client) -> None:
    prompt = "Maintenance log. " * 40 + "Summary:"
    client.completions.create(model=MODEL, prompt=prompt, max_tokens=5, temperature=0)
    b = client.completions.create(model=MODEL, prompt=prompt, max_tokens=5, temperature=0)
    c = client.completions.create(model=MODEL, prompt=prompt, max_tokens=5, temperature=0)
    assert b.usage.prompt_tokens_details.cached_tokens >= b.usage.prompt_tokens - 1
    # a cached prefix gives the same logits every time (not bit-identical to a fresh prefill, as in llama.cpp)
    assert b.choices[0].text == c.choices[0].text
    fresh = client.completions.create(model=MODEL, prompt=prompt, max_tokens=5, temperature=0, extra_body={"cache_prompt": False})
    assert fresh.usage.prompt_tokens_details.cached_tokens == 0


def test_health_and_metrics_need_no_key_but_v1_does(node) -> None:
    assert httpx.get(node.url + "/health").json()["status"] == "ok"
    assert httpx.get(node.url + "/metrics").status_code == 200
    r = httpx.get(node.url + "/v1/models")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_api_key"
    assert httpx.get(node.url + "/v1/models", headers=AUTH).status_code == 200


