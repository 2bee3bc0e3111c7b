"""Walk the whole ledger and say precisely what, if anything, was tampered with."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from edgewise.perimeter.keys import fingerprint
from edgewise.perimeter.ledger import _FIELDS, GENESIS, VerifyReport, check_signature, record_hash

MAX_PROBLEMS = 50


def _chain_problems(rows: list[tuple[Any, ...]]) -> tuple[list[str], dict[int, str]]:
    problems: list[str] = []
    hashes: dict[int, str] = {}
    prev, expected_seq = GENESIS, 1
    for r in rows:
        values = dict(zip((*_FIELDS, "hash"), r, strict=True))
        seq = values["seq"]
        if seq != expected_seq:
            problems.append(f"record {expected_seq} is missing (next is {seq}): deleted or reordered")
        if values["prev_hash"] != prev:
            problems.append(f"record {seq} does not chain to the record before it: deleted, inserted or reordered")
        try:
            values["redactions"] = json.loads(values["redactions"])
        except (TypeError, ValueError):
            problems.append(f"record {seq} has unreadable redaction counts: edited")
        if record_hash(values) != values["hash"]:
            problems.append(f"record {seq} does not match its hash: edited")
        hashes[seq] = values["hash"]
        prev, expected_seq = values["hash"], seq + 1
    return problems, hashes


def verify_ledger(db: sqlite3.Connection, key: Ed25519PublicKey) -> VerifyReport:
    rows = db.execute(f"SELECT {', '.join(_FIELDS)}, hash FROM records ORDER BY seq").fetchall()
    problems, hashes = _chain_problems(rows)
    last_seq = rows[-1][0] if rows else 0
    checkpoints = db.execute("SELECT seq, hash, ts, signature FROM checkpoints ORDER BY seq").fetchall()
    for seq, h, ts, sig in checkpoints:
        if not check_signature(key, "checkpoint", seq, h, ts, sig):
            problems.append(f"checkpoint at record {seq} has an invalid signature: forged or edited")
        elif seq > last_seq:
            problems.append(f"signed checkpoint at record {seq} but the ledger ends at {last_seq}: truncated")
        elif hashes.get(seq) != h:
            problems.append(f"record {seq} differs from its signed checkpoint: rewritten")
    head = db.execute("SELECT seq, hash, ts, signature FROM head").fetchone()
    head_seq = None
    if head is None:
        if rows:
            problems.append("the signed head is missing: the ledger was tampered with")
    else:
        head_seq = head[0]
        if not check_signature(key, "head", *head):
            problems.append("the head has an invalid signature: forged or edited")
        elif head_seq > last_seq:
            problems.append(f"the signed head is record {head_seq} but the ledger ends at {last_seq}: truncated")
        elif head_seq < last_seq:
            problems.append(f"records after {head_seq} are not covered by the signed head: appended outside the gateway")
        elif hashes.get(head_seq) != head[1]:
            problems.append("the last record differs from the signed head: rewritten")
    return VerifyReport(not problems, len(rows), len(checkpoints), head_seq, fingerprint(key), problems[:MAX_PROBLEMS])


__all__ = ["verify_ledger"]
