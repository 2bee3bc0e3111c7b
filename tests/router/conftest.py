from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cloud.pg import free_port

REPO = Path(__file__).resolve().parents[2]


@dataclass
class CloudStub:
    url: str
    log: Path

    def requests(self) -> list[dict[str, Any]]:
        import json

        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="session")
def cloud_stub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudStub]:
    """An OpenAI-compatible recording cloud in its own process on 127.0.0.1."""
    d = tmp_path_factory.mktemp("cloud")
    port = free_port()
    log = d / "requests.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "tests.router.cloud_stub", "--port", str(port), "--log", str(log)],
                            cwd=str(REPO), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline and proc.poll() is None, "cloud stub did not start"
        time.sleep(0.1)
    yield CloudStub(url + "/v1", log)
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Iterator[Any]:
    """The real local engine (Gemma 3 270M), loaded once for the router tests."""
    from edgewise.config import load_settings
    from edgewise.engine import open_engine

    data = tmp_path_factory.mktemp("router-engine")
    (data / "models").mkdir()
    for cached in (model_path, model_path.with_suffix(".verified")):  # seeded like tests/conftest.py does
        (data / "models" / cached.name).symlink_to(cached)
    settings = load_settings(data_dir=data, parallel=2, ctx=1024)
    with open_engine(settings, model="gemma-3-270m") as eng:
        yield eng
