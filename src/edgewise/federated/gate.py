"""Open the node's perimeter gateway for model updates (one instance per data dir and process).

The gateway is the perimeter's (``edgewise.perimeter.gateway.Gateway``); the
federation uses its ``egress`` method, which applies the egress policy to a
payload whose transport is someone else's (here Flower's gRPC) and writes the
ledger entry, without sending anything itself.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from edgewise.config import Settings
from edgewise.errors import ConfigError
from edgewise.federated.egress import EgressGate


@lru_cache(maxsize=8)
def _gateway(settings_json: str) -> Any:
    try:
        from edgewise.perimeter.gateway import Gateway
    except ImportError as exc:
        raise ConfigError(
            "The perimeter gateway (edgewise.perimeter.gateway) is not installed; model updates cannot leave the node."
        ) from exc
    settings = Settings.model_validate_json(settings_json)
    factory = getattr(Gateway, "from_settings", None)
    gateway = factory(settings) if callable(factory) else Gateway(settings)
    if not callable(getattr(gateway, "egress", None)):
        raise ConfigError("This perimeter Gateway has no `egress` method for payloads carried by Flower.")
    return gateway


def open_gate(settings: Settings) -> EgressGate:
    """The gateway of the node whose data dir ``settings`` names."""
    gate: EgressGate = _gateway(settings.model_dump_json())
    return gate


__all__ = ["open_gate"]
