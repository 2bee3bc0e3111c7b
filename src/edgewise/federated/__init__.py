"""Federated fine-tuning on Flower: LoRA adapters trained where the data is, DP, export to GGUF.

Heavy libraries (torch, transformers, peft, flwr) are imported inside the
modules that need them; importing this package stays cheap.
"""

from __future__ import annotations

from edgewise.federated.settings import FederatedSettings

__all__ = ["FederatedSettings"]
