"""The privacy perimeter: the one way data leaves the node, PII pseudonymization, the egress ledger.

Public API (everything else is internal)::

    from edgewise.perimeter import Perimeter, DataClass, EgressRefused

    perimeter = Perimeter.from_settings(settings)        # or Gateway.from_settings(settings)
    receipt = perimeter.gateway.send("collector", DataClass.EVENT, {"kind": "overheat", ...})
    red = perimeter.redact(text="mail jane@example.org")  # red.text, red.entities (no originals)
    red = perimeter.pseudonymize(text=prompt)             # + red.session_id, mapping kept in the vault
    original = perimeter.reidentify(answer, red.session_id)

``Gateway.send`` raises :class:`EgressRefused` (nothing sent; ``DetectionFailed``
when the PII detector failed: fail closed) or :class:`EgressFailed` (allowed,
recorded, but the network failed).

Imports are lazy (PEP 562): ``import edgewise.perimeter`` costs nothing, and
``config.py`` can import ``perimeter.settings`` without a cycle.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: public name -> private module that defines it
_EXPORTS: dict[str, str] = {
    "CustomPattern": "settings",
    "DataClass": "types",
    "Destination": "policy",
    "DetectionFailed": "errors",
    "EgressFailed": "errors",
    "EgressRefused": "types",
    "Entity": "detector",
    "FORBIDDEN": "types",
    "Gateway": "gateway",
    "HttpTransport": "transport",
    "Ledger": "ledger",
    "LedgerError": "errors",
    "LedgerRecord": "ledger",
    "LedgerTampered": "errors",
    "Perimeter": "service",
    "PerimeterSettings": "settings",
    "PiiDetector": "detector",
    "Policy": "policy",
    "PolicyError": "errors",
    "Receipt": "types",
    "RedactedEntity": "redaction",
    "Redaction": "redaction",
    "Transport": "transport",
    "TransportResponse": "transport",
    "Vault": "vault",
    "VaultSessionNotFound": "errors",
    "VerifyReport": "ledger",
    "load_policy": "policy",
    "parse_policy": "policy",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'edgewise.perimeter' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"edgewise.perimeter.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)


if TYPE_CHECKING:
    from edgewise.perimeter.detector import Entity, PiiDetector
    from edgewise.perimeter.errors import DetectionFailed, EgressFailed, LedgerError, LedgerTampered, PolicyError, VaultSessionNotFound
    from edgewise.perimeter.gateway import Gateway
    from edgewise.perimeter.ledger import Ledger, LedgerRecord, VerifyReport
    from edgewise.perimeter.policy import Destination, Policy, load_policy, parse_policy
    from edgewise.perimeter.redaction import RedactedEntity, Redaction
    from edgewise.perimeter.service import Perimeter
    from edgewise.perimeter.settings import CustomPattern, PerimeterSettings
    from edgewise.perimeter.transport import HttpTransport, Transport, TransportResponse
    from edgewise.perimeter.types import DataClass, EgressRefused, FORBIDDEN, Receipt
    from edgewise.perimeter.vault import Vault
