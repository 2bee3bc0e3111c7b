"""One federation run, described once: what the CLI, the simulation and ``flwr run`` pass.

In deployment mode the values arrive as Flower's run config (flat ``kebab-case``
keys, see ``flwr_app/pyproject.toml``); in simulation the CLI builds the spec
directly. Unset values fall back to the node's :class:`FederatedSettings`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from edgewise.federated.settings import FederatedSettings


class RunSpec(BaseModel):
    nodes: int = Field(2, ge=1, description="Nodes that must take part in every round.")
    rounds: int = Field(2, ge=1)
    strategy: Literal["fedavg", "fedprox"] = "fedavg"
    proximal_mu: float = Field(0.01, ge=0)
    dp: bool = False
    noise_multiplier: float = Field(0.3, ge=0)
    initial_clip: float = Field(0.1, gt=0)
    clipped_count_stddev: float | None = Field(None, description="Noise on the clipped-count bit (default: Flower's).")
    delta: float = Field(1e-5, gt=0, lt=1)
    local_steps: int = Field(8, ge=1)
    batch_size: int = Field(4, ge=1)
    lr: float = Field(2e-3, gt=0)
    max_length: int = Field(192, ge=16)
    evaluate_nodes: bool = Field(True, description="Nodes evaluate each round on their held-out data (loss only).")
    server_eval_records: int = Field(4, ge=0, description="Fleet validation records per plant for server-side evaluation.")
    export_name: str | None = Field(None, description="Register the final adapter under this name (base+NAME).")
    summary_path: Path | None = Field(None, description="Where the run summary JSON is written.")
    data_dir: Path | None = Field(None, description="Server data dir (registry, summaries); default: settings.")
    timeout_s: float = Field(3600, gt=0, description="How long a round waits for the nodes.")

    @classmethod
    def from_settings(cls, fed: FederatedSettings, **overrides: Any) -> RunSpec:
        base = dict(
            strategy=fed.strategy, proximal_mu=fed.proximal_mu, noise_multiplier=fed.dp_noise_multiplier,
            initial_clip=fed.dp_initial_clip, delta=fed.dp_delta, local_steps=fed.local_steps,
            batch_size=fed.batch_size, lr=fed.learning_rate, max_length=fed.max_length,
        )
        base.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**base)

    @classmethod
    def from_run_config(cls, run_config: dict[str, Any], fed: FederatedSettings) -> RunSpec:
        """Flower's run config (``num-rounds``, ``local-steps`` ...); empty strings mean unset."""
        aliases = {"num-rounds": "rounds", "num-nodes": "nodes"}
        values: dict[str, Any] = {}
        for key, value in run_config.items():
            name = aliases.get(key, key.replace("-", "_"))
            if name in cls.model_fields and value != "":
                values[name] = value
        return cls.from_settings(fed, **values)

    def train_config(self) -> dict[str, Any]:
        """What every node receives with the global adapter each round."""
        return {
            "local-steps": self.local_steps, "batch-size": self.batch_size, "lr": self.lr,
            "max-length": self.max_length,
            "proximal-mu": self.proximal_mu if self.strategy == "fedprox" else 0.0,
        }


__all__ = ["RunSpec"]
