"""The Flower ClientApp each edge node runs: train the adapter on local data, return only its arrays.

Node identity comes from Flower's node config: ``plant`` (which local corpus
the node holds), optionally ``data-dir`` (the node's Edgewise data directory)
and ``corpus-seed``. In simulation Flower sets ``partition-id`` instead, and the
plant is chosen round-robin from it. Hyper-parameters come from the server in
each message's ConfigRecord, so the fleet is configured in one place.

Mods, outermost first: :func:`perimeter_mod` (the reply goes through the
perimeter gateway), then Flower's ``adaptiveclipping_mod`` when the server runs
DP with client-side adaptive clipping (it finds the clipping norm in the config).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from flwr.app import Array, ArrayRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp
from flwr.clientapp.mod import adaptiveclipping_mod
from flwr.supercore.differential_privacy import KEY_CLIPPING_NORM

from edgewise.config import Settings, load_settings
from edgewise.federated.corpus import Partition, make_partition, plant_for_node
from edgewise.federated.egress import EgressGate, make_perimeter_mod
from edgewise.federated.model import TrainableModel, adapter_arrays, cached_trainable, set_adapter_arrays
from edgewise.federated.training import evaluate_loss, train_local




@dataclass
class NodeState:
    settings: Settings
    partition: Partition


def node_settings(context: Context) -> Settings:
    data_dir = context.node_config.get("data-dir")
    return load_settings(data_dir=Path(str(data_dir))) if data_dir else load_settings()


def node_state(context: Context) -> NodeState:
    cfg = context.node_config
    plant = str(cfg["plant"]) if "plant" in cfg else plant_for_node(int(cfg.get("partition-id", 0)))
    settings = node_settings(context)
    fed = settings.federated
    part = make_partition(plant, n_train=int(cfg.get("n-train", fed.corpus_train)),
                          n_heldout=int(cfg.get("n-heldout", fed.corpus_heldout)), seed=int(cfg.get("corpus-seed", 0)))
    return NodeState(settings, part)


def _open_gate(context: Context) -> EgressGate:
    from edgewise.federated.gate import open_gate

    return open_gate(node_settings(context))


def _destination(context: Context) -> str:
    return str(node_settings(context).federated.egress_destination)


def _dp_mod(msg: Message, context: Context, call_next: Callable[[Message, Context], Message]) -> Message:
    """Flower's adaptive clipping, only when the server asked for it (a clipping norm in the config)."""
    if any(KEY_CLIPPING_NORM in rec for rec in msg.content.config_records.values()):
        return adaptiveclipping_mod(msg, context, call_next)
    return call_next(msg, context)


perimeter_mod = make_perimeter_mod(_open_gate, _destination)
app = ClientApp(mods=[perimeter_mod, _dp_mod])


def _load(msg: Message, context: Context) -> tuple[NodeState, TrainableModel, list[str]]:
    state = node_state(context)
    tm = cached_trainable(state.settings)
    record = cast(ArrayRecord, msg.content["arrays"])
    keys = list(record.keys())
    set_adapter_arrays(tm.model, {k: record[k].numpy() for k in keys})
    return state, tm, keys


@app.train()
def train(msg: Message, context: Context) -> Message:
    """Local steps on the node's training records; reply: adapter arrays + numeric metrics only."""
    state, tm, keys = _load(msg, context)
    cfg = cast(Mapping[str, Any], msg.content["config"])  # a ConfigRecord of the server's numbers
    fed = state.settings.federated
    result = train_local(
        tm, state.partition.train,
        steps=int(cfg.get("local-steps", fed.local_steps)),
        batch_size=int(cfg.get("batch-size", fed.batch_size)),
        learning_rate=float(cfg.get("lr", fed.learning_rate)),
        max_length=int(cfg.get("max-length", fed.max_length)),
        seed=int(cfg.get("server-round", 0)) * 1000 + int(context.node_id % 1000),
        proximal_mu=float(cfg.get("proximal-mu", 0.0)),
    )
    new = adapter_arrays(tm.model)
    arrays = ArrayRecord({k: Array(new[k]) for k in keys})  # same order as received (DP mods check it)
    metrics = MetricRecord({"train-loss": result.loss, "num-examples": len(state.partition.train)})
    return Message(RecordDict({"arrays": arrays, "metrics": metrics}), reply_to=msg)


@app.evaluate()
def evaluate(msg: Message, context: Context) -> Message:
    """Loss of the global adapter on the node's held-out records (they never leave; the number does)."""
    state, tm, _ = _load(msg, context)
    loss = evaluate_loss(tm, state.partition.heldout, max_length=state.settings.federated.max_length)
    metrics = MetricRecord({"eval-loss": loss, "num-examples": len(state.partition.heldout)})
    return Message(RecordDict({"metrics": metrics}), reply_to=msg)


__all__ = ["NodeState", "app", "node_settings", "node_state"]
