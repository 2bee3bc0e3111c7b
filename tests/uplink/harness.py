"""Shared set-up of the uplink end-to-end tests: a collector process, a node home with a policy and token."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.cloud.helpers import Collector, edgewise_env

NODE_ID = "edge-test-1"


def write_policy(data_dir: Path, collector_url: str, *, redact: bool = False, classes: tuple[str, ...] = ("event", "summary")) -> None:
    pdir = data_dir / "perimeter"
    pdir.mkdir(parents=True, exist_ok=True)
    cls = ", ".join(f'"{c}"' for c in classes)
    (pdir / "policy.toml").write_text(
        f'version = 1\n\n[[destination]]\nname = "collector"\nurl = "{collector_url}"\nclasses = [{cls}]\n'
        f"max_bytes = 8388608\nredact = {'true' if redact else 'false'}\n"
    )


@dataclass
class NodeHome:
    home: Path
    token: str
    extra_env: dict[str, str]

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    def env(self, **more: str) -> dict[str, str]:
        return edgewise_env(self.home, EDGEWISE_UPLINK__TOKEN=self.token, EDGEWISE_UPLINK__NODE_ID=NODE_ID,
                            EDGEWISE_PERIMETER__NER="false", **self.extra_env, **more)  # fmt: skip

    def spawn(self, *args: str, **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "tests.uplink.node_proc", *args], env=self.env(**env),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                cwd=str(REPO))  # fmt: skip

    def drain(self, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "tests.uplink.node_proc", "drain", "--timeout", str(timeout)],
                              env=self.env(), capture_output=True, text=True, cwd=str(REPO), timeout=timeout + 60)  # fmt: skip


REPO = Path(__file__).resolve().parents[2]


def make_node(root: Path, collector: Collector, **extra_env: str) -> NodeHome:
    home = root / "node"
    (home / "data").mkdir(parents=True, exist_ok=True)
    write_policy(home / "data", collector.url)
    return NodeHome(home, collector.add_node(NODE_ID), dict(extra_env))


__all__ = ["NODE_ID", "REPO", "NodeHome", "make_node", "write_policy"]
