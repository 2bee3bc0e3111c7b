"""Only adapter arrays (and numeric metrics) pass the node boundary, through the perimeter gateway's ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flwr.app import Array, ArrayRecord, ConfigRecord, Context, Message, MetricRecord, RecordDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgewise.config import load_settings
from edgewise.federated.client_app import perimeter_mod
from edgewise.federated.egress import classify_reply
from edgewise.perimeter.service import Perimeter
from edgewise.perimeter.types import DataClass, EgressRefused


@pytest.fixture(autouse=True)
def task_identity() -> Any:
    """Flower stamps messages with the identity of the running task; set it as a SuperNode process would."""
    from flwr.supercore.task_identity import TaskIdentity

    saved = (TaskIdentity._run_id, TaskIdentity._node_id, TaskIdentity._task_id)
    TaskIdentity.run_id, TaskIdentity.node_id, TaskIdentity.task_id = 1, 7, 1
    yield
    TaskIdentity._run_id, TaskIdentity._node_id, TaskIdentity._task_id = saved


def _arrays(seed: int = 0) -> ArrayRecord:
    rng = np.random.default_rng(seed)
    return ArrayRecord({"a.lora_A": Array(rng.normal(size=(4, 8)).astype(np.float32)),
                        "a.lora_B": Array(rng.normal(size=(8, 4)).astype(np.float32))})


def _context(data_dir: Path) -> Context:
    return Context(run_id=1, node_id=7, node_config={"data-dir": str(data_dir), "plant": "north"},
                   state=RecordDict(), run_config={})


def _incoming() -> Message:
    return Message(RecordDict({"arrays": _arrays(), "config": ConfigRecord({"local-steps": 1})}),
                   dst_node_id=7, message_type="train")


def _ledger(data_dir: Path) -> list[dict[str, Any]]:
    return [r.public() for r in Perimeter(load_settings(data_dir=data_dir)).ledger.records(limit=100)]


def test_arrays_are_a_model_update_and_metrics_alone_are_metrics() -> None:
    dc, payload = classify_reply(RecordDict({"arrays": _arrays(), "metrics": MetricRecord({"train-loss": 0.5})}))
    assert dc is DataClass.MODEL_UPDATE and len(payload) > 2 * 4 * 8 * 4
    dc, payload = classify_reply(RecordDict({"metrics": MetricRecord({"eval-loss": 0.5, "num-examples": 8})}))
    assert dc is DataClass.METRICS and b"eval-loss" in payload


def test_text_in_a_reply_is_refused() -> None:
    with pytest.raises(EgressRefused, match="arrays and metrics only"):
        classify_reply(RecordDict({"arrays": _arrays(), "config": ConfigRecord({"log": "WO-12345 spindle ..."})}))
    with pytest.raises(EgressRefused, match="only float arrays"):
        classify_reply(RecordDict({"arrays": ArrayRecord({"t": Array(np.frombuffer(b"raw text", np.uint8))})}))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=1, max_size=200), key=st.text(alphabet="abcdefghij-", min_size=1, max_size=12))
def test_any_text_smuggled_in_a_config_record_is_refused(text: str, key: str) -> None:
    with pytest.raises(EgressRefused):
        classify_reply(RecordDict({"arrays": _arrays(), "extra": ConfigRecord({key: text})}))


def test_mod_records_the_update_in_the_ledger_and_lets_it_go(fed_env: Path) -> None:
    msg = _incoming()

    def app(m: Message, ctx: Context) -> Message:
        return Message(RecordDict({"arrays": _arrays(1), "metrics": MetricRecord({"num-examples": 3})}), reply_to=m)

    reply = perimeter_mod(msg, _context(fed_env), app)
    assert not reply.has_error()
    [record] = _ledger(fed_env)
    _, payload = classify_reply(reply.content)
    assert (record["data_class"], record["decision"], record["bytes"]) == ("model_update", "sent", len(payload))


def test_mod_blocks_a_reply_carrying_training_text(fed_env: Path) -> None:
    def leaky(m: Message, ctx: Context) -> Message:
        return Message(RecordDict({"arrays": _arrays(), "metrics": MetricRecord({"n": 1}),
                                   "config": ConfigRecord({"sample": "Shift late, S. Rossi on duty"})}), reply_to=m)

    reply = perimeter_mod(_incoming(), _context(fed_env), leaky)
    assert reply.has_error() and "perimeter refused" in reply.error.reason
    assert _ledger(fed_env) == []  # refused before the gateway: nothing recorded as sent


def test_without_a_policy_entry_the_update_does_not_leave(fed_env: Path) -> None:
    (fed_env / "perimeter" / "policy.toml").unlink()  # missing policy = deny all (fail closed)
    other = fed_env.parent / "node-b"
    other.mkdir()

    def app(m: Message, ctx: Context) -> Message:
        return Message(RecordDict({"arrays": _arrays(), "metrics": MetricRecord({"n": 1})}), reply_to=m)

    reply = perimeter_mod(_incoming(), _context(other), app)
    assert reply.has_error() and "not in the egress policy" in reply.error.reason
    [record] = _ledger(other)
    assert (record["data_class"], record["decision"]) == ("model_update", "refused")
