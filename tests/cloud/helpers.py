"""Run the real collector (`edgewise cloud serve`) as a separate process on a loopback port."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.cloud.pg import free_port

EDGEWISE = [sys.executable, "-m", "edgewise.cli"]


def edgewise_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDGEWISE_") or k in ("EDGEWISE_SHARED_DATA", "EDGEWISE_TEST_CACHE")}
    env.update({"EDGEWISE_DATA_DIR": str(home / "data"), "EDGEWISE_CONFIG": str(home / "config.toml")})
    env.update(extra)
    return env


@dataclass
class Collector:
    home: Path
    db_url: str
    port: int = field(default_factory=free_port)
    admin_token: str = "admin-secret"
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return edgewise_env(self.home, EDGEWISE_CLOUD__ADMIN_TOKEN=self.admin_token)

    def add_node(self, node_id: str) -> str:
        out = subprocess.run([*EDGEWISE, "cloud", "token", "add", node_id, "--database-url", self.db_url, "--json"],
                             env=self.env(), check=True, capture_output=True, timeout=60)  # fmt: skip
        return str(json.loads(out.stdout)["token"])

    def start(self, timeout: float = 30.0) -> Collector:
        log = open(self.home / f"collector-{self.port}.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.proc = subprocess.Popen(
            [*EDGEWISE, "cloud", "serve", "--host", "127.0.0.1", "--port", str(self.port), "--database-url", self.db_url],
            env=self.env(), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"collector exited: {(self.home / f'collector-{self.port}.log').read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("collector did not become healthy")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    def messages(self, node: str, stream: str) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        after = 0
        while True:
            r = httpx.get(self.url + "/api/v1/messages", params={"node": node, "stream": stream, "after_id": after, "limit": 10000},
                          headers=self.admin(), timeout=30)  # fmt: skip
            r.raise_for_status()
            page = r.json()["messages"]
            if not page:
                return out
            out.extend(page)
            after = int(page[-1]["id"])
