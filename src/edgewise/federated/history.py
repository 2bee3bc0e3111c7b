"""What a federation run reports: per-round losses, bytes moved and epsilon, saved as JSON."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from edgewise.federated.strategy import Traffic


@dataclass
class RoundStats:
    round: int
    server_loss: float
    epsilon: float | None = None
    bytes_up: int = 0
    bytes_down: int = 0
    replies: int = 0
    train_loss: float | None = None
    client_eval_loss: float | None = None

    @property
    def server_ppl(self) -> float:
        return math.exp(min(self.server_loss, 50.0))


@dataclass
class RunHistory:
    spec: dict[str, Any]
    adapter_params: int
    rounds: list[RoundStats] = field(default_factory=list)
    seconds: float = 0.0
    adapter_path: str | None = None
    model_name: str | None = None

    def record_server(self, server_round: int, loss: float, eps: float | None, traffic: Traffic) -> None:
        self.rounds.append(RoundStats(
            round=server_round, server_loss=loss, epsilon=eps, bytes_up=traffic.up.get(server_round, 0),
            bytes_down=traffic.down.get(server_round, 0), replies=traffic.replies.get(server_round, 0),
        ))

    def record_clients(self, train: dict[int, Any], evaluate: dict[int, Any]) -> None:
        for stats in self.rounds:
            if stats.round in train and "train-loss" in train[stats.round]:
                stats.train_loss = float(train[stats.round]["train-loss"])
            if stats.round in evaluate and "eval-loss" in evaluate[stats.round]:
                stats.client_eval_loss = float(evaluate[stats.round]["eval-loss"])

    @property
    def bytes_up(self) -> int:
        return sum(r.bytes_up for r in self.rounds)

    @property
    def bytes_down(self) -> int:
        return sum(r.bytes_down for r in self.rounds)

    @property
    def epsilon(self) -> float | None:
        return self.rounds[-1].epsilon if self.rounds else None

    def brief(self) -> dict[str, Any]:
        last = self.rounds[-1] if self.rounds else None
        return {
            "rounds": len(self.rounds) - 1 if self.rounds and self.rounds[0].round == 0 else len(self.rounds),
            "nodes": self.spec.get("nodes"), "strategy": self.spec.get("strategy"), "dp": self.spec.get("dp"),
            "epsilon": self.epsilon, "delta": self.spec.get("delta") if self.spec.get("dp") else None,
            "server_loss": last.server_loss if last else None, "bytes_up": self.bytes_up,
        }

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["bytes_up"], d["bytes_down"], d["epsilon"] = self.bytes_up, self.bytes_down, self.epsilon
        return d

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2, default=str))
        return path


__all__ = ["RoundStats", "RunHistory"]
