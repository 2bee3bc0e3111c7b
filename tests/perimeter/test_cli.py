"""`edgewise perimeter redact` through the installed command: an argument, or stdin."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.helpers_cli import edgewise

TEXT = "Call John Smith at +49 170 1234567 or john.smith@example.com about pump 7."


def redact(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return edgewise("perimeter", "redact", *args, input=stdin)


@pytest.mark.parametrize(("args", "stdin"), [([TEXT], None), ([], TEXT), (["-"], TEXT)], ids=["argument", "stdin", "dash"])
def test_redact_replaces_identifiers_from_an_argument_or_stdin(args: list[str], stdin: str | None) -> None:
    done = redact(*args, "--json", stdin=stdin)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert "John" not in out["text"] and "1234567" not in out["text"] and "example.com" not in out["text"]
    assert out["text"].endswith("about pump 7.") and "<EMAIL_1>" in out["text"]
    assert {"EMAIL", "PHONE"} <= {e["type"] for e in out["entities"]}


def audit(*args: str) -> subprocess.CompletedProcess[str]:
    return edgewise("audit", *args)


def test_audit_names_a_file_that_is_not_a_ledger_or_a_key(tmp_path: Path) -> None:
    import sqlite3

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from edgewise.perimeter.ledger import Ledger

    text = tmp_path / "notes.txt"
    text.write_text("not a ledger, not a key\n")
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)")
    rsa_pub = tmp_path / "rsa.pub"
    rsa_pub.write_bytes(rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    cases = [
        (["show", "--ledger", str(text)], "is not an Edgewise egress ledger"),
        (["stats", "--ledger", str(other)], "is not an Edgewise egress ledger (SQLite: no such table: records)"),
        (["verify", "--public-key", str(tmp_path / "missing.pub")], "No public key at"),
        (["verify", "--public-key", str(text)], "is not a PEM public key"),
        (["verify", "--public-key", str(rsa_pub)], "not an Ed25519 public key"),
    ]
    ledger = tmp_path / "ledger.sqlite"  # a real (empty) ledger, so that the key is what is wrong
    Ledger(ledger, Ed25519PrivateKey.generate())
    for args, message in cases:
        done = audit(*args, *(["--ledger", str(ledger)] if args[0] == "verify" else []))
        assert done.returncode == 2 and message in " ".join(done.stderr.split()), (args, done.stderr)
        assert "Traceback" not in done.stderr
