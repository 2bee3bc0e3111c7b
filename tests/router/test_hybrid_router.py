"""The hybrid router with the real local model, the real perimeter gateway and a real "cloud" process.

(d) a request whose data class the policy forbids never leaves, even when the
local model is unsure, and everything works with the cloud unreachable;
(e) the cloud sees only pseudonymized text and the user sees re-identified text.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edgewise.config import load_settings
from edgewise.engine.types import SamplingParams
from edgewise.metrics import NodeMetrics
from edgewise.perimeter.types import DataClass
from edgewise.router.cloud import GatewayCloudChat
from edgewise.router.hybrid import HybridRouter
from edgewise.router.settings import RouterSettings
from tests.cloud.pg import free_port
from tests.router.conftest import CloudStub

SECRET_MAIL = "jane.roe@example.org"
SECRET_PHONE = "+44 20 7946 0958"
PROMPT = [{"role": "user", "content": f"Write one sentence to {SECRET_MAIL} asking her to call {SECRET_PHONE}."}]
PARAMS = SamplingParams(temperature=0, max_tokens=12)
ALWAYS_UNSURE = 10.0  # a mean log-prob is <= 0, so every draft is "unsure"
ALWAYS_SURE = -1000.0


def policy_text(url: str, classes: str = '"redacted_prompt"', redact: bool = True) -> str:
    return (f'version = 1\n[[destination]]\nname = "cloud-llm"\nurl = "{url}"\nclasses = [{classes}]\n'
            f"redact = {'true' if redact else 'false'}\n")  # fmt: skip


@pytest.fixture
def make_router(tmp_path: Path, engine: Any) -> Iterator[Any]:
    made: list[Any] = []

    def factory(policy: str | None, **router_kw: Any) -> tuple[HybridRouter, NodeMetrics]:
        from edgewise.perimeter.service import Perimeter

        data = tmp_path / f"node{len(made)}"
        (data / "perimeter").mkdir(parents=True)
        if policy is not None:
            (data / "perimeter" / "policy.toml").write_text(policy)
        settings = load_settings(data_dir=data, perimeter={"ner": False})
        perimeter = Perimeter(settings)
        made.append(perimeter)
        rs = RouterSettings(enabled=True, **router_kw)
        metrics = NodeMetrics()
        return HybridRouter(rs, engine, cloud=GatewayCloudChat(perimeter.gateway, rs), metrics=metrics), metrics

    yield factory
    for p in made:
        p.close()


def decisions(metrics: NodeMetrics) -> dict[tuple[str, str], float]:
    out = {}
    for fam in metrics.registry.collect():
        if fam.name == "edgewise_router_decisions":
            for s in fam.samples:
                if s.name.endswith("_total"):
                    out[(s.labels["where"], s.labels["reason"])] = s.value
    return out


def test_unsure_draft_goes_out_pseudonymized_and_comes_back_reidentified(make_router: Any, cloud_stub: CloudStub) -> None:
    router, metrics = make_router(policy_text(cloud_stub.url), confidence_threshold=ALWAYS_UNSURE)
    before = len(cloud_stub.requests())
    ans = router.route(PROMPT, PARAMS)
    assert (ans.decision.where, ans.decision.reason) == ("cloud", "low_confidence")
    sent = cloud_stub.requests()[before:]
    assert len(sent) == 1
    wire = str(sent[0]["messages"])
    assert SECRET_MAIL not in wire and "7946" not in wire, wire  # the cloud saw placeholders only
    assert ans.text.startswith("CLOUD ANSWER about:")
    assert SECRET_MAIL in ans.text and SECRET_PHONE in ans.text  # the user sees the originals again
    assert decisions(metrics)[("cloud", "low_confidence")] == 1


def test_forbidden_class_never_leaves_even_when_unsure(make_router: Any, cloud_stub: CloudStub) -> None:
    router, metrics = make_router(policy_text(cloud_stub.url, classes='"summary"'), confidence_threshold=ALWAYS_UNSURE)
    before = len(cloud_stub.requests())
    for hint in ("auto", "cloud"):
        ans = router.route(PROMPT, PARAMS, hint=hint)
        assert (ans.decision.where, ans.decision.reason) == ("local", "policy")
        assert ans.text
    assert len(cloud_stub.requests()) == before
    assert decisions(metrics)[("local", "policy")] == 2


def test_raw_text_requests_stay_local_whatever_the_policy(make_router: Any, cloud_stub: CloudStub) -> None:
    router, _ = make_router(policy_text(cloud_stub.url), confidence_threshold=ALWAYS_UNSURE)
    before = len(cloud_stub.requests())
    ans = router.route(PROMPT, PARAMS, hint="cloud", data_class=DataClass.RAW_TEXT)
    assert (ans.decision.where, ans.decision.reason) == ("local", "policy")
    assert len(cloud_stub.requests()) == before


def test_destination_without_redaction_is_not_used_for_prompts(make_router: Any, cloud_stub: CloudStub) -> None:
    router, _ = make_router(policy_text(cloud_stub.url, redact=False), confidence_threshold=ALWAYS_UNSURE)
    before = len(cloud_stub.requests())
    assert router.route(PROMPT, PARAMS).decision.reason == "policy"
    assert len(cloud_stub.requests()) == before


def test_no_policy_file_means_local_only(make_router: Any, cloud_stub: CloudStub) -> None:
    router, _ = make_router(None, confidence_threshold=ALWAYS_UNSURE)
    assert router.route(PROMPT, PARAMS).decision.where == "local"


def test_offline_cloud_falls_back_to_the_local_draft_then_stays_local(make_router: Any) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    router, metrics = make_router(policy_text(dead), confidence_threshold=ALWAYS_UNSURE, offline_retry_s=60)
    first = router.route(PROMPT, PARAMS)
    second = router.route(PROMPT, PARAMS, hint="cloud")
    assert (first.decision.where, first.decision.reason) == ("local", "cloud_failed")
    assert (second.decision.where, second.decision.reason) == ("local", "offline")
    assert first.text and first.text == second.text  # greedy local answers, fully offline
    assert router.offline


def test_confident_draft_stays_local(make_router: Any, cloud_stub: CloudStub) -> None:
    router, _ = make_router(policy_text(cloud_stub.url), confidence_threshold=ALWAYS_SURE)
    before = len(cloud_stub.requests())
    ans = router.route([{"role": "user", "content": "What is the capital of France?"}], PARAMS)
    assert (ans.decision.where, ans.decision.reason) == ("local", "confident")
    assert ans.decision.confidence is not None and ans.decision.confidence <= 0
    assert len(cloud_stub.requests()) == before


def test_hints_and_context_length(make_router: Any, cloud_stub: CloudStub) -> None:
    router, _ = make_router(policy_text(cloud_stub.url), confidence_threshold=ALWAYS_SURE, max_local_prompt_tokens=8)
    assert router.route(PROMPT, PARAMS, hint="local").decision.reason == "hint_local"
    assert router.route(PROMPT, PARAMS, hint="cloud").decision.reason == "hint_cloud"
    long = router.route(PROMPT, PARAMS)  # the prompt is longer than 8 tokens
    assert (long.decision.where, long.decision.reason) == ("cloud", "context_too_long")
