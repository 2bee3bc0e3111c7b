"""Errors of the perimeter, placed in the node's one exception tree::

    EdgewiseError
    ├── ConfigError
    │   └── PolicyError            the policy file is missing a field, names an unknown class ...
    ├── EgressRefused (403)        types.py: nothing was sent (policy, forbidden class, size)
    │   └── DetectionFailed (403)  the PII detector raised or ran out of time: fail closed
    ├── EgressFailed (502)         allowed and recorded, but the destination could not be reached
    ├── NotFound
    │   └── VaultSessionNotFound   no mapping kept for this pseudonymization session
    └── LedgerError (500)
        └── LedgerTampered (500)   verify found an edited, deleted, reordered or truncated record
"""

from __future__ import annotations

from edgewise.errors import ConfigError, EdgewiseError, NotFound
from edgewise.perimeter.types import EgressRefused


class PolicyError(ConfigError):
    code = "policy_error"


class DetectionFailed(EgressRefused):
    """The detector raised or timed out; the payload was not sent (fail closed)."""

    code = "detection_failed"


class EgressFailed(EdgewiseError):
    """The payload was allowed and recorded, but transmission failed (network, TLS, timeout)."""

    status_code = 502
    code = "egress_failed"
    type = "server_error"


class VaultSessionNotFound(NotFound):
    code = "vault_session_not_found"


class LedgerError(EdgewiseError):
    code = "ledger_error"


class LedgerTampered(LedgerError):
    code = "ledger_tampered"


__all__ = ["DetectionFailed", "EgressFailed", "LedgerError", "LedgerTampered", "PolicyError", "VaultSessionNotFound"]
