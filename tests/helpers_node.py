"""Start a real ``edgewise serve`` process on loopback for integration tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Node:
    proc: subprocess.Popen[bytes]
    port: int
    api_key: str | None
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_node(data_dir: Path, *, api_key: str | None = None, args: tuple[str, ...] = (), timeout: float = 300.0) -> Node:
    """Launch the CLI entry point as a subprocess and wait until /health says ok."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDGEWISE_")}
    env["EDGEWISE_DATA_DIR"] = str(data_dir)
    env["EDGEWISE_CONFIG"] = str(data_dir / "config.toml")
    cmd = [sys.executable, "-m", "edgewise.cli", "serve", "--port", str(port), *args]
    if api_key:
        cmd += ["--api-key", api_key]
    log = data_dir / f"node-{port}.log"
    proc = subprocess.Popen(cmd, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env, cwd=REPO)
    node = Node(proc, port, api_key, log)
    deadline = time.monotonic() + timeout
    saw_loading = False
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"edgewise serve exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            r = httpx.get(node.url + "/health", timeout=2)
            if r.status_code == 200:
                node.saw_loading = saw_loading  # type: ignore[attr-defined]
                return node
            if r.status_code == 503:
                saw_loading = True
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    node.stop()
    raise RuntimeError(f"edgewise serve did not become healthy in {timeout}s:\n{log.read_text()[-4000:]}")
