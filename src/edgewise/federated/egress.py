"""Model updates leave the node through the perimeter: a Flower client mod.

Flower's own gRPC transport carries the update (nothing home-made replaces it),
but before a ClientApp reply leaves the node, :func:`perimeter_mod` checks it and
hands it to the perimeter gateway's ``egress`` (policy check for the
``model_update`` class + ledger entry, no second transport):

* the reply may hold **only** float arrays (the adapter) and numeric metrics;
  with arrays it is a ``model_update``, with metrics only (evaluation) ``metrics``;
  a string, a bytes blob or any ConfigRecord in a reply is refused, because that
  is how raw text would leak;
* the arrays are serialized exactly as Flower sends them (``Array.data``) and
  that byte string goes through the gateway, so the ledger's size and SHA-256
  describe the real payload;
* if the gateway refuses (policy, forbidden class), the mod returns an error
  reply and the update never leaves.

The mod is the outermost one, so it sees the update *after* DP clipping.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, Protocol

from edgewise.perimeter.types import DataClass, EgressRefused, Receipt

#: How Flower carries the payload; recorded in the ledger entry.
TRANSPORT = "flower-grpc"


class EgressGate(Protocol):
    """What the federation needs from the perimeter gateway."""

    def egress(self, destination: str, data_class: DataClass, payload: bytes, *, transport: str) -> Receipt: ...


def classify_reply(content: Any) -> tuple[DataClass, bytes]:
    """What a reply is and its bytes as they go on the wire, checked to hold only arrays and numbers.

    ``content`` is a Flower ``RecordDict``. A reply with arrays is a
    ``model_update`` (its payload: the arrays' serialized bytes); a reply with
    metrics only (federated evaluation) is ``metrics``. Raises
    :class:`EgressRefused` for anything that is not a float array or a number.
    """
    import json

    import numpy as np
    from flwr.app import ArrayRecord, MetricRecord

    arrays: list[bytes] = []
    metrics: dict[str, Any] = {}
    for key, record in content.items():
        if isinstance(record, ArrayRecord):
            for name, arr in record.items():
                if np.dtype(arr.dtype).kind not in "fc":
                    raise EgressRefused(f"update array {key}/{name} has dtype {arr.dtype}: only float arrays may leave")
                arrays.append(name.encode() + b"\0" + bytes(arr.data))
        elif isinstance(record, MetricRecord):
            for name, value in record.items():
                values = value if isinstance(value, list) else [value]
                if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
                    raise EgressRefused(f"metric {key}/{name} is not numeric: only numbers may leave with an update")
                metrics[f"{key}/{name}"] = value
        else:
            raise EgressRefused(
                f"reply record {key!r} is a {type(record).__name__}: a node reply carries arrays and metrics only"
            )
    if arrays:
        return DataClass.MODEL_UPDATE, b"".join(arrays)
    if metrics:
        return DataClass.METRICS, json.dumps(metrics, sort_keys=True).encode()
    raise EgressRefused("an empty reply; nothing sent")


def payload_digest(content: Any) -> str:
    return hashlib.sha256(classify_reply(content)[1]).hexdigest()


def make_perimeter_mod(
    open_gate: Callable[[Any], EgressGate], destination: Callable[[Any], str]
) -> Callable[[Any, Any, Any], Any]:
    """A Flower client mod that sends every outgoing reply through ``open_gate(context)``."""

    def perimeter_mod(msg: Any, context: Any, call_next: Any) -> Any:
        from flwr.app import Error, Message

        reply = call_next(msg, context)
        if reply.has_error():
            return reply
        try:
            data_class, payload = classify_reply(reply.content)
            open_gate(context).egress(destination(context), data_class, payload, transport=TRANSPORT)
        except EgressRefused as exc:
            return Message(Error(code=403, reason=f"perimeter refused the update: {exc.message}"), reply_to=msg)
        return reply

    return perimeter_mod


__all__ = ["TRANSPORT", "EgressGate", "make_perimeter_mod", "classify_reply", "payload_digest"]
