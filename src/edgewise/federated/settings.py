"""Settings of federated fine-tuning (``[federated]`` in the TOML file, ``EDGEWISE_FEDERATED__*``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field


class FederatedSettings(BaseModel):
    """Knobs of the trainable model, the local training and the federation.

    Defaults are sized for a CPU edge node: a rank-8 adapter on the attention
    projections, short sequences, a few local steps per round.
    """

    base_model: str = Field("gemma-3-270m", description="Registered base model the adapter is trained for.")
    model_cache: Path | None = Field(
        None, description="Where the PyTorch copy of the base model is cached (default: <data_dir>/federated/torch)."
    )
    lora_rank: int = Field(8, ge=1, le=256, description="LoRA rank r.")
    lora_alpha: float = Field(16.0, gt=0, description="LoRA alpha (scale = alpha / r, as in peft and llama.cpp).")
    lora_targets: tuple[str, ...] = Field(
        ("q_proj", "k_proj", "v_proj", "o_proj"), description="Projections that get an adapter (add MLP ones to taste)."
    )
    learning_rate: float = Field(2e-3, gt=0, description="AdamW learning rate of the local training.")
    local_steps: int = Field(8, ge=1, description="Optimizer steps per node per round.")
    batch_size: int = Field(4, ge=1, description="Examples per local step.")
    max_length: int = Field(192, ge=16, description="Tokens per training example (prompt + summary), truncated.")
    strategy: Literal["fedavg", "fedprox"] = Field("fedavg", description="Aggregation strategy.")
    proximal_mu: float = Field(0.01, ge=0, description="FedProx proximal term weight.")
    dp_noise_multiplier: float = Field(0.3, ge=0, description="Gaussian noise multiplier z when DP is on.")
    dp_initial_clip: float = Field(0.1, gt=0, description="Initial clipping norm of the adaptive clipping.")
    dp_delta: float = Field(1e-5, gt=0, lt=1, description="delta at which epsilon is reported.")
    egress_destination: str = Field("federation", description="Egress-policy destination that model updates go to.")
    corpus_train: int = Field(32, ge=1, description="Training records of this node's local corpus.")
    corpus_heldout: int = Field(8, ge=1, description="Held-out records of this node's local corpus.")
    threads: int | None = Field(None, ge=1, description="torch threads (default: torch's choice).")


__all__ = ["FederatedSettings"]
