"""``Perimeter``: the detector, vault, ledger and gateway of one node, built from settings.

Other subsystems use it (or only its ``gateway``)::

    from edgewise.perimeter import Perimeter
    perimeter = Perimeter.from_settings(settings)            # loads policy, keys, NER model
    red = perimeter.pseudonymize(text="Call Jane Roe at +44 20 7946 0958")
    receipt = perimeter.gateway.send("cloud-llm", "redacted_prompt", red.text)
    answer = perimeter.reidentify(receipt.response_body.decode(), red.session_id)

Files live under ``<data_dir>/perimeter/``: ``policy.toml`` (unless
``perimeter.policy_file`` says otherwise), ``ledger.sqlite``, ``vault.sqlite``,
``vault.key`` and ``ledger-signing.key`` (mode 600), ``ledger-signing.pub``.
"""

from __future__ import annotations

from typing import Any

from edgewise.config import Settings
from edgewise.metrics import NodeMetrics
from edgewise.perimeter.detector import PiiDetector
from edgewise.perimeter.gateway import Gateway
from edgewise.perimeter.keys import load_or_create_signing_key
from edgewise.perimeter.ledger import Ledger
from edgewise.perimeter.placeholders import PlaceholderAllocator, reidentify_text
from edgewise.perimeter.policy import load_policy
from edgewise.perimeter.redaction import Redaction, redact_json, redact_string
from edgewise.perimeter.settings import PerimeterSettings
from edgewise.perimeter.transport import HttpTransport, Transport
from edgewise.perimeter.vault import Vault


def perimeter_settings(settings: Settings) -> PerimeterSettings:
    ps = getattr(settings, "perimeter", None)
    return ps if isinstance(ps, PerimeterSettings) else PerimeterSettings()


class Perimeter:
    def __init__(self, settings: Settings, *, detector: PiiDetector | None = None, transport: Transport | None = None,
                 metrics: NodeMetrics | None = None) -> None:
        ps = perimeter_settings(settings)
        directory = ps.dir(settings.data_dir)
        directory.mkdir(parents=True, exist_ok=True)
        self.settings = ps
        self.policy_path = ps.resolved_policy_file(settings.data_dir)
        self.detector = detector or PiiDetector.from_settings(ps)
        self.vault = Vault(directory)
        self.ledger = Ledger(directory / "ledger.sqlite", load_or_create_signing_key(directory), ps.checkpoint_every)
        self.gateway = Gateway(load_policy(self.policy_path), self.detector, self.ledger, self.vault,
                               transport or HttpTransport(ps.send_timeout_s), metrics)

    @classmethod
    def from_settings(cls, settings: Settings, **kw: Any) -> Perimeter:
        return cls(settings, **kw)

    def redact(self, *, text: str | None = None, json: Any = None) -> Redaction:
        """Placeholders for every identifier; the mapping is *not* kept (one-way)."""
        alloc = PlaceholderAllocator(text if text is not None else repr(json))
        if text is not None:
            out, ents = redact_string(self.detector, text, alloc)
            return Redaction(out, None, tuple(ents), mapping=alloc.mapping)
        value, ents = redact_json(self.detector, json, alloc)
        return Redaction(None, value, tuple(ents), mapping=alloc.mapping)

    def pseudonymize(self, *, text: str | None = None, json: Any = None) -> Redaction:
        """Like :meth:`redact`, and keep the mapping in the local vault under the returned ``session_id``."""
        red = self.redact(text=text, json=json)
        sid = self.vault.put(red.mapping)
        return Redaction(red.text, red.json, red.entities, sid, red.mapping)

    def reidentify(self, text: str, session_id: str) -> str:
        return reidentify_text(text, self.vault.get(session_id))

    def reidentify_json(self, value: Any, session_id: str) -> Any:
        mapping = self.vault.get(session_id)

        def walk(v: Any) -> Any:
            if isinstance(v, str):
                return reidentify_text(v, mapping)
            if isinstance(v, list):
                return [walk(x) for x in v]
            if isinstance(v, dict):
                return {walk(k): walk(x) for k, x in v.items()}
            return v

        return walk(value)

    def reload_policy(self) -> None:
        self.gateway.policy = load_policy(self.policy_path)

    def close(self) -> None:
        self.gateway.close()
        self.ledger.close()
        self.vault.close()


__all__ = ["Perimeter", "perimeter_settings"]
