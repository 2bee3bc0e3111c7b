"""`edgewise perimeter redact` through the installed command: an argument, or stdin."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ENTRY = Path(sys.executable).parent / "edgewise"
TEXT = "Call John Smith at +49 170 1234567 or john.smith@example.com about pump 7."


def redact(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ENTRY), "perimeter", "redact", *args], input=stdin, env=os.environ.copy(),
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(("args", "stdin"), [([TEXT], None), ([], TEXT), (["-"], TEXT)], ids=["argument", "stdin", "dash"])
def test_redact_replaces_identifiers_from_an_argument_or_stdin(args: list[str], stdin: str | None) -> None:
    done = redact(*args, "--json", stdin=stdin)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert "John" not in out["text"] and "1234567" not in out["text"] and "example.com" not in out["text"]
    assert out["text"].endswith("about pump 7.") and "<EMAIL_1>" in out["text"]
    assert {"EMAIL", "PHONE"} <= {e["type"] for e in out["entities"]}
