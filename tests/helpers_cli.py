"""Run the installed ``edgewise`` command, as a user would, in the test's own environment.

Why not CliRunner: it calls the Typer app directly and skips ``edgewise.cli.main``, which maps errors to
messages and exit codes (a lost exit code went unnoticed that way), and it shares the test's process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ENTRY = Path(sys.executable).parent / "edgewise"


def edgewise(*args: str, input: str | None = None, env: dict[str, str] | None = None,
             timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``edgewise ARGS...`` with the test's data dir and config (plus ``env``); text output captured."""
    return subprocess.run([str(ENTRY), *args], input=input, env={**os.environ, **(env or {})}, capture_output=True,
                          text=True, timeout=timeout)


__all__ = ["ENTRY", "edgewise"]
