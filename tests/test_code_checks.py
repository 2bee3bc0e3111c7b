"""The lint and type checks of ``make check`` hold in CI too: a new unused import or type error fails the suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _run(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout,
                          check=False)


def test_ruff_finds_nothing() -> None:
    """pyflakes and pycodestyle errors (the rules selected in ``[tool.ruff.lint]``) in code, tests and benchmarks."""
    done = _run("ruff", "check", "--no-cache", "src", "tests", "benchmarks", timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_mypy_strict_finds_nothing() -> None:
    """``mypy --strict`` (``[tool.mypy]``) over the package: about a minute on two cores."""
    done = _run("mypy", "src", timeout=900)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr
