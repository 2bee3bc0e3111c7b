"""Flower strategies for the fleet: FedAvg / FedProx that count the bytes they move, optional DP.

Following Flower's own pattern (``FedMedian(FedAvg)`` overrides one method), the
subclasses only add traffic accounting around ``configure_train`` (server ->
nodes) and ``aggregate_train`` (nodes -> server). The byte count is the size of
the serialized arrays (``Array.data``), i.e. the update payload, without gRPC
framing. DP is Flower's ``DifferentialPrivacyClientSideAdaptiveClipping`` wrapper
(clipping happens on the node, noise on the server).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flwr.app import ArrayRecord, ConfigRecord, Message, MetricRecord
from flwr.serverapp import Grid
from flwr.serverapp.strategy import DifferentialPrivacyClientSideAdaptiveClipping, FedAvg, FedProx, Strategy

from edgewise.federated.spec import RunSpec


def record_bytes(content: Any) -> int:
    """Bytes of the arrays in a Flower ``RecordDict`` as serialized for transport."""
    return sum(len(arr.data) for rec in content.array_records.values() for arr in rec.values())


@dataclass
class Traffic:
    """Per round: bytes sent to nodes, bytes received from them, replies counted."""

    down: dict[int, int] = field(default_factory=dict)
    up: dict[int, int] = field(default_factory=dict)
    replies: dict[int, int] = field(default_factory=dict)


class _CountingMixin:
    traffic: Traffic

    def configure_train(
        self, server_round: int, arrays: ArrayRecord, config: ConfigRecord, grid: Grid
    ) -> Iterable[Message]:
        messages = list(super().configure_train(server_round, arrays, config, grid))  # type: ignore[misc]
        self.traffic.down[server_round] = sum(record_bytes(m.content) for m in messages)
        return messages

    def aggregate_train(
        self, server_round: int, replies: Iterable[Message]
    ) -> tuple[ArrayRecord | None, MetricRecord | None]:
        replies = list(replies)
        ok = [m for m in replies if not m.has_error()]
        self.traffic.up[server_round] = sum(record_bytes(m.content) for m in ok)
        self.traffic.replies[server_round] = len(ok)
        return super().aggregate_train(server_round, replies)  # type: ignore[misc,no-any-return]


class CountingFedAvg(_CountingMixin, FedAvg):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.traffic = Traffic()


class CountingFedProx(_CountingMixin, FedProx):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.traffic = Traffic()


def build_strategy(spec: RunSpec) -> tuple[Strategy, Traffic]:
    """The strategy for ``spec``: every node trains and evaluates each round; DP-wrapped if asked."""
    common: dict[str, Any] = dict(
        fraction_train=1.0, fraction_evaluate=1.0 if spec.evaluate_nodes else 0.0, min_train_nodes=spec.nodes,
        min_evaluate_nodes=spec.nodes if spec.evaluate_nodes else 0, min_available_nodes=spec.nodes,
    )
    inner: CountingFedAvg | CountingFedProx
    if spec.strategy == "fedprox":
        inner = CountingFedProx(proximal_mu=spec.proximal_mu, **common)
    else:
        inner = CountingFedAvg(**common)
    if not spec.dp:
        return inner, inner.traffic
    stddev = spec.clipped_count_stddev
    if stddev is None:  # Flower's default (nodes/20) forbids z >= 2*stddev; keep the bit noise comparable to z
        stddev = max(spec.nodes / 20, spec.noise_multiplier)
    wrapped = DifferentialPrivacyClientSideAdaptiveClipping(
        inner, noise_multiplier=spec.noise_multiplier, num_sampled_clients=spec.nodes,
        initial_clipping_norm=spec.initial_clip, clipped_count_stddev=stddev,
    )
    return wrapped, inner.traffic


__all__ = ["CountingFedAvg", "CountingFedProx", "Traffic", "build_strategy", "record_bytes"]
