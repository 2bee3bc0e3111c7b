"""The node's perimeter gateway, set up for payloads that Flower's gRPC carries.

The perimeter's :class:`~edgewise.perimeter.gateway.Gateway` checks a payload
against the egress policy, writes the ledger record and then hands the bytes to
its transport. For model updates the bytes travel over Flower's own gRPC
connection (nothing home-made replaces Flower's transport), so the gateway is
built with :class:`FlowerCarried`, a transport that sends nothing: the policy
check and the ledger entry are the gateway's own, through its public ``send``.

The node's policy needs a destination for the federation, e.g.::

    [[destination]]
    name = "federation"
    url = "https://superlink.example.org"   # or http://127.0.0.1:PORT for a local test
    classes = ["model_update", "metrics"]
    max_bytes = 16777216                    # an adapter is a few MB
    redact = false                          # float arrays: nothing to redact, binary
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from edgewise.config import Settings
from edgewise.federated.egress import EgressGate
from edgewise.perimeter.types import DataClass, Receipt

CONTENT_TYPE = "application/x-flower-arrays"


class FlowerCarried:
    """Transport whose bytes Flower carries: returns 202 (accepted for Flower), sends nothing itself."""

    def send(self, method: str, url: str, content: bytes, headers: dict[str, str]) -> Any:
        from edgewise.perimeter.transport import TransportResponse

        return TransportResponse(202, b"")

    def close(self) -> None:
        return None


class _GatewayGate:
    def __init__(self, gateway: Any) -> None:
        self.gateway = gateway

    def egress(self, destination: str, data_class: DataClass, payload: bytes, *, transport: str) -> Receipt:
        receipt: Receipt = self.gateway.send(destination, data_class, payload, content_type=CONTENT_TYPE,
                                             headers={"x-edgewise-transport": transport})
        return receipt


@lru_cache(maxsize=8)
def _gate(settings_json: str) -> _GatewayGate:
    from edgewise.perimeter.service import Perimeter

    settings = Settings.model_validate_json(settings_json)
    return _GatewayGate(Perimeter(settings, transport=FlowerCarried()).gateway)


def open_gate(settings: Settings) -> EgressGate:
    """The gateway of the node whose data dir ``settings`` names (one per process and data dir)."""
    return _gate(settings.model_dump_json())


def federation_policy(url: str, *, name: str = "federation", max_bytes: int = 16 * 1024 * 1024) -> str:
    """A policy TOML snippet that lets model updates and evaluation metrics go to ``url``."""
    return (
        f'[[destination]]\nname = "{name}"\nurl = "{url}"\nclasses = ["model_update", "metrics"]\n'
        f"max_bytes = {max_bytes}\nredact = false\n"
    )


__all__ = ["CONTENT_TYPE", "FlowerCarried", "federation_policy", "open_gate"]
