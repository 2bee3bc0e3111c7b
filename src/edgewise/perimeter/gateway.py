"""The egress gateway: the one way data leaves an Edgewise node.

``Gateway.send(destination, data_class, payload)`` checks, in this order, and
refuses (:class:`EgressRefused`, nothing sent) at the first failure:

1. the data class is a known :class:`DataClass` and not in :data:`FORBIDDEN`
   (checked here whatever the policy says);
2. the destination is in the policy and allows this class, and ``path`` stays below its URL;
3. if the destination requires it, PII is redacted; any detector error or
   timeout refuses (:class:`DetectionFailed`): fail closed, never send unredacted;
4. the bytes to send fit the destination's ``max_bytes``.

Every attempt is written to the ledger: refusals as ``refused``, allowed
payloads as ``sent`` *before* any byte goes out, and a ``failed`` record
follows if the transport then fails (:class:`EgressFailed`). Build it with
``Gateway.from_settings(settings)`` (or get ``Perimeter.from_settings(settings).gateway``).
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import TYPE_CHECKING, Any, NoReturn

from edgewise.perimeter.errors import DetectionFailed, EgressFailed
from edgewise.perimeter.placeholders import PlaceholderAllocator, reidentify_text
from edgewise.perimeter.policy import Destination, Policy
from edgewise.perimeter.redaction import Redaction, redact_json, redact_string
from edgewise.perimeter.transport import Transport
from edgewise.perimeter.types import FORBIDDEN, DataClass, EgressRefused, Receipt

if TYPE_CHECKING:
    from edgewise.config import Settings
    from edgewise.metrics import NodeMetrics
    from edgewise.perimeter.detector import PiiDetector
    from edgewise.perimeter.ledger import Ledger
    from edgewise.perimeter.vault import Vault

Payload = bytes | str | dict[str, Any] | list[Any]


def _serialize(payload: Payload) -> tuple[bytes, str]:
    if isinstance(payload, bytes):
        return payload, "application/octet-stream"
    if isinstance(payload, str):
        return payload.encode("utf-8"), "text/plain; charset=utf-8"
    if isinstance(payload, dict | list):
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), "application/json"
    raise EgressRefused(f"Payload of type {type(payload).__name__} cannot be sent; pass bytes, str or a JSON dict/list.")


class Gateway:
    def __init__(self, policy: Policy, detector: PiiDetector, ledger: Ledger, vault: Vault, transport: Transport,
                 metrics: NodeMetrics | None = None) -> None:
        self.policy = policy
        self.detector = detector
        self.ledger = ledger
        self.vault = vault
        self.transport = transport
        self._lock = threading.Lock()
        self._metrics = metrics

    @classmethod
    def from_settings(cls, settings: Settings, *, metrics: NodeMetrics | None = None) -> Gateway:
        from edgewise.perimeter.service import Perimeter

        return Perimeter.from_settings(settings, metrics=metrics).gateway

    # -- the one way out ---------------------------------------------------------------------------
    def send(self, destination: str, data_class: DataClass | str, payload: Payload, *, path: str = "",
             method: str = "POST", headers: dict[str, str] | None = None, content_type: str | None = None,
             keep_mapping: bool = False) -> Receipt:
        """Check, redact, record and send ``payload``; returns a :class:`Receipt` or raises (nothing sent).

        An HTTP error status is not an exception: the bytes did leave, so the receipt
        carries ``status_code`` and ``response_body`` for the caller to judge.
        ``keep_mapping=True`` stores the placeholder mapping in the local vault and
        returns its ``session_id`` in the receipt, so the answer can be re-identified
        on the device with :meth:`reidentify`.
        """
        dc_name = str(data_class)
        try:
            raw, default_type = _serialize(payload)
        except EgressRefused as exc:
            self._refuse(destination, dc_name, 0, str(exc))
        dest, url = self._check(destination, dc_name, len(raw), path)
        dc = DataClass(dc_name)
        body, redaction = raw, None
        if dest.redact:
            redaction = self._redact(destination, dc, payload, len(raw))
            body = redaction.text.encode("utf-8") if redaction.text is not None else json.dumps(
                redaction.json, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if len(body) > dest.max_bytes:
            self._refuse(destination, dc, len(body), f"{len(body)} bytes exceed the limit of {dest.max_bytes} for {dest.name}")
        return self._transmit(dest, url, dc, body, redaction, method, headers, content_type or default_type, keep_mapping)

    def reidentify(self, text: str, session_id: str) -> str:
        """Put original values back into ``text`` (e.g. a cloud answer), on the device only."""
        return reidentify_text(text, self.vault.get(session_id))

    # -- steps -------------------------------------------------------------------------------------
    def _check(self, destination: str, dc_name: str, nbytes: int, path: str) -> tuple[Destination, str]:
        try:
            dc = DataClass(dc_name)
        except ValueError:
            self._refuse(destination, dc_name, nbytes, f"unknown data class {dc_name!r}")
        if dc in FORBIDDEN:
            self._refuse(destination, dc, nbytes, f"data class {dc.value} never leaves the node")
        dest = self.policy.find(destination)
        if dest is None:
            self._refuse(destination, dc, nbytes, f"destination {destination!r} is not in the egress policy")
        if dc not in dest.classes:
            self._refuse(destination, dc, nbytes, f"the policy does not allow {dc.value} to {dest.name}")
        if destination != dest.name:  # a URL at or below the destination's URL
            path = destination[len(dest.url) :] + path
        try:
            return dest, dest.target(path)
        except ValueError as exc:
            self._refuse(destination, dc, nbytes, str(exc))

    def _redact(self, destination: str, dc: DataClass, payload: Payload, nbytes: int) -> Redaction:
        try:
            if isinstance(payload, bytes):
                payload = payload.decode("utf-8")  # binary cannot be inspected: UnicodeDecodeError refuses
            alloc = PlaceholderAllocator(payload if isinstance(payload, str) else json.dumps(payload))
            if isinstance(payload, str):
                text, ents = redact_string(self.detector, payload, alloc)
                return Redaction(text, None, tuple(ents), mapping=alloc.mapping)
            value, ents = redact_json(self.detector, payload, alloc)
            return Redaction(None, value, tuple(ents), mapping=alloc.mapping)
        except Exception as exc:  # fail closed: any detector problem means nothing is sent
            reason = exc.message if isinstance(exc, DetectionFailed) else f"PII detection failed ({type(exc).__name__})"
            self._record(destination, dc, nbytes, "", {}, "refused", reason)
            raise DetectionFailed(f"Refused to send to {destination}: {reason}. Nothing was sent.") from exc

    def _transmit(self, dest: Destination, url: str, dc: DataClass, body: bytes, redaction: Redaction | None,
                  method: str, headers: dict[str, str] | None, ctype: str, keep_mapping: bool) -> Receipt:
        counts = redaction.counts() if redaction else {}
        sha = hashlib.sha256(body).hexdigest()
        session_id = self.vault.put(redaction.mapping) if (keep_mapping and redaction and redaction.mapping) else None
        record = self._record(dest.name, dc, len(body), sha, counts, "sent", url)
        hdrs = {"content-type": ctype, **(headers or {})}
        try:
            response = self.transport.send(method, url, body, hdrs)
        except Exception as exc:
            self._record(dest.name, dc, len(body), sha, counts, "failed", f"{type(exc).__name__} after record {record}")
            raise EgressFailed(f"Could not reach {dest.name} ({type(exc).__name__}); the attempt is in the ledger.") from exc
        self._count_bytes(dest.name, dc, len(body))
        return Receipt(dest.name, dc, len(body), sha, counts, response.status_code, response.body, record, session_id)

    # -- ledger and metrics --------------------------------------------------------------------------
    def _refuse(self, destination: str, dc: DataClass | str, nbytes: int, reason: str) -> NoReturn:
        self._record(destination, dc, nbytes, "", {}, "refused", reason)
        raise EgressRefused(f"Refused to send to {destination}: {reason}. Nothing was sent.")

    def _record(self, destination: str, dc: DataClass | str, nbytes: int, sha: str, counts: dict[str, int],
                decision: str, reason: str) -> int:
        rec = self.ledger.append(destination=destination, data_class=str(dc), nbytes=nbytes, sha256=sha,
                                 redactions=counts, decision=decision, reason=reason)
        if self._metrics is not None:
            self._metrics.counter("egress_attempts_total", "Egress attempts by destination, class and decision.",
                                  ["destination", "data_class", "decision"]).labels(destination, str(dc), decision).inc()
            for type_, n in counts.items():
                self._metrics.counter("perimeter_redactions_total", "Redacted entities by type.", ["type"]).labels(type_).inc(n)
        return rec.seq

    def _count_bytes(self, destination: str, dc: DataClass, n: int) -> None:
        if self._metrics is not None:
            self._metrics.counter("egress_bytes_total", "Bytes sent by destination and class.",
                                  ["destination", "data_class"]).labels(destination, dc.value).inc(n)

    def close(self) -> None:
        self.transport.close()


__all__ = ["Gateway", "Payload"]
