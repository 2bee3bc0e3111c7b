"""The Flower ServerApp: FedAvg/FedProx over the nodes' adapters, DP, evaluation, export.

Each round: the global adapter goes to every node, the nodes train locally and
reply with adapter arrays (through their perimeter), the strategy aggregates
(and, with DP, adds noise calibrated to the adaptively clipped updates); then the
nodes evaluate the new adapter on their own held-out data (only the loss comes
back) and the server evaluates it on a fleet validation set of its own.
After the last round the adapter is exported to GGUF and registered as
``base+NAME`` in the server's model registry, and a JSON summary is written.

``app`` is what ``flwr run`` / the SuperLink starts (config from the run
config); :func:`make_server_app` builds one with a spec baked in (simulation).
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from flwr.app import Array, ArrayRecord, ConfigRecord, Context, MetricRecord
from flwr.serverapp import Grid, ServerApp

from edgewise.config import Settings, load_settings
from edgewise.federated.corpus import PLANTS, Record, make_partition
from edgewise.federated.history import RunHistory
from edgewise.federated.model import TrainableModel, adapter_arrays, load_trainable, set_adapter_arrays
from edgewise.federated.privacy import dp_epsilon
from edgewise.federated.spec import RunSpec
from edgewise.federated.strategy import build_strategy
from edgewise.federated.training import evaluate_loss

if TYPE_CHECKING:
    from flwr.app.typing import MetricRecordValues

log = logging.getLogger("edgewise.federated")

#: Seed of the server's own validation records (nodes use small seeds; the logs never coincide).
FLEET_VALIDATION_SEED = 10_000


def fleet_validation(n_per_plant: int) -> list[Record]:
    """The server's own validation set: synthetic records of every plant, disjoint from node data."""
    out: list[Record] = []
    for plant in PLANTS:
        out.extend(make_partition(plant, n_train=0, n_heldout=n_per_plant, seed=FLEET_VALIDATION_SEED).heldout)
    return out


def _settings(spec: RunSpec) -> Settings:
    return load_settings(data_dir=spec.data_dir) if spec.data_dir else load_settings()


def run_federation(grid: Grid, spec: RunSpec, *, progress: Any = None) -> RunHistory:
    """Drive a whole federation on ``grid`` and return its history (also written as JSON)."""
    settings = _settings(spec)
    tm = load_trainable(settings)
    initial = adapter_arrays(tm.model)
    strategy, traffic = build_strategy(spec)
    history = RunHistory(spec=spec.model_dump(mode="json"), adapter_params=int(sum(v.size for v in initial.values())))
    validation = fleet_validation(spec.server_eval_records)

    def evaluate(server_round: int, arrays: ArrayRecord) -> MetricRecord:
        loss = _server_loss(tm, arrays, validation, spec.max_length)
        eps = dp_epsilon(spec.noise_multiplier, rounds=server_round, sampling_rate=1.0, delta=spec.delta) if spec.dp else None
        history.record_server(server_round, loss, eps, traffic)
        if progress:
            progress(history.rounds[-1])
        metrics: dict[str, MetricRecordValues] = {"server-loss": loss}
        if eps is not None:
            metrics["epsilon"] = min(eps, 1e12)
        return MetricRecord(metrics)

    started = time.time()
    result = strategy.start(
        grid=grid, initial_arrays=ArrayRecord({k: Array(v) for k, v in initial.items()}),
        num_rounds=spec.rounds, timeout=spec.timeout_s, train_config=ConfigRecord(spec.train_config()),
        evaluate_fn=evaluate,
    )
    history.record_clients(result.train_metrics_clientapp, result.evaluate_metrics_clientapp)
    history.seconds = time.time() - started
    final = {k: result.arrays[k].numpy() for k in result.arrays.keys()}
    if spec.export_name:
        from edgewise.federated.export import export_and_register

        path, name = export_and_register(final, settings, spec.export_name, meta={"federated": history.brief()})
        history.adapter_path, history.model_name = str(path), name
    summary = spec.summary_path or settings.data_dir / "federated" / "runs" / f"run-{int(started)}.json"
    summary.parent.mkdir(parents=True, exist_ok=True)
    # the global adapter, for evaluation and re-export (numpy's stub lets **final fill allow_pickle: bool)
    np.savez(summary.with_suffix(".npz"), **final)  # type: ignore[arg-type]
    history.write(summary)
    return history


def _server_loss(tm: TrainableModel, arrays: ArrayRecord, records: list[Record], max_length: int) -> float:
    if not records:
        return float("nan")
    set_adapter_arrays(tm.model, {k: arrays[k].numpy() for k in arrays.keys()})
    return evaluate_loss(tm, records, max_length=max_length)


def _log_round(stats: Any) -> None:
    """Default progress in deployment mode: one line per round in the ServerApp's log (`flwr log`)."""
    eps = "" if stats.epsilon is None else f" epsilon={stats.epsilon:.3f}"
    log.info("round %d: server loss %.4f, %d replies, %d bytes up%s",
             stats.round, stats.server_loss, stats.replies, stats.bytes_up, eps)


def make_server_app(spec: RunSpec | None = None, *, progress: Any = None) -> ServerApp:
    """A ServerApp running ``spec`` (or, if None, the run config Flower hands it)."""
    server_app = ServerApp()

    @server_app.main()
    def main(grid: Grid, context: Context) -> None:
        run_spec = spec or RunSpec.from_run_config(dict(context.run_config), load_settings().federated)
        run_federation(grid, run_spec, progress=progress or _log_round)

    return server_app


app = make_server_app()


def read_summary(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


__all__ = ["FLEET_VALIDATION_SEED", "app", "fleet_validation", "make_server_app", "read_summary", "run_federation"]
