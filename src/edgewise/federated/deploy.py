"""Flower's deployment engine on one machine or a fleet: SuperLink, SuperNodes, ``flwr run``.

These are Flower's own executables (``flower-superlink``, ``flower-supernode``,
``flwr``); this module only builds their command lines, starts them with the
venv's ``bin/`` on ``PATH`` (the SuperLink spawns ``flwr-serverapp`` and the
SuperNodes ``flwr-clientapp`` by name) and submits runs of the Flower App in
``flwr_app/`` whose components are :mod:`~edgewise.federated.server_app` and
:mod:`~edgewise.federated.client_app`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from edgewise.errors import EdgewiseError

APP_DIR = Path(__file__).with_name("flwr_app")
CONNECTION = "edgewise"


class DeploymentError(EdgewiseError):
    code = "federation_deployment_error"


def flower_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment with the interpreter's ``bin/`` first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra or {})
    return env


def superlink_argv(host: str, port: int, database: Path | None = None) -> list[str]:
    argv = ["flower-superlink", "--insecure", "--host", host, "--port", str(port),
            "--disable-runtime-dependency-installation"]
    return argv + (["--database", str(database)] if database else [])


def node_config_arg(config: dict[str, Any]) -> str:
    """Flower's ``--node-config`` syntax: space-separated ``key=value`` with TOML values."""
    return " ".join(f"{k}={json.dumps(v) if isinstance(v, str) else v}" for k, v in config.items())


def supernode_argv(superlink: str, port: int, node_config: dict[str, Any], host: str = "127.0.0.1") -> list[str]:
    return ["flower-supernode", "--insecure", "--superlink", superlink, "--host", host, "--port", str(port),
            "--node-config", node_config_arg(node_config)]


def write_flwr_home(home: Path, superlink: str) -> Path:
    """Write a Flower CLI config (``FLWR_HOME``) whose default connection is ``superlink``; returns ``home``."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(
        f'[superlink]\ndefault = "{CONNECTION}"\n\n[superlink.{CONNECTION}]\naddress = "{superlink}"\ninsecure = true\n'
    )
    return home


def run_config_arg(values: dict[str, Any]) -> str:
    return " ".join(f"{k}={json.dumps(v) if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else v}"
                    for k, v in values.items() if v is not None)


def submit_argv(run_config: dict[str, Any], app_dir: Path = APP_DIR) -> list[str]:
    # no --stream: the run is submitted and this returns; callers wait for the ServerApp's summary file
    return ["flwr", "run", str(app_dir), CONNECTION, "--run-config", run_config_arg(run_config)]


@dataclass
class Processes:
    """Processes started here, stopped in reverse order (terminate, then kill after a grace period)."""

    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, argv: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env or flower_env(),
                                    start_new_session=True)
        self.procs.append(proc)
        return proc

    def check_alive(self) -> None:
        for p in self.procs:
            if p.poll() is not None:
                argv = cast(list[str], p.args)  # start() takes a list
                raise DeploymentError(f"{' '.join(map(str, argv[:2]))} exited with code {p.returncode}; see its log.")

    def stop(self, grace_s: float = 10.0) -> None:
        """Stop each started process *group* (SuperLink and SuperNodes spawn SuperExec and app processes)."""
        for p in reversed(self.procs):
            _signal_group(p, signal.SIGTERM)
        deadline = time.time() + grace_s
        for p in reversed(self.procs):
            try:
                p.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            _signal_group(p, signal.SIGKILL)  # children that outlived their parent
        self.procs.clear()


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)  # started with start_new_session: the group id is the pid
    except (ProcessLookupError, PermissionError):
        pass


def submit_run(run_config: dict[str, Any], flwr_home: Path, *, log: Path, timeout_s: float) -> int:
    """``flwr run`` the Edgewise app on the SuperLink named in ``flwr_home``; returns once it is accepted."""
    env = flower_env({"FLWR_HOME": str(flwr_home)})
    log.parent.mkdir(parents=True, exist_ok=True)  # a node's first run: nothing under federated/ yet
    with log.open("ab") as out:
        try:
            done = subprocess.run(submit_argv(run_config), stdout=out, stderr=subprocess.STDOUT, env=env,
                                  timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired:
            raise DeploymentError(f"`flwr run` did not return within {timeout_s:.0f} s; is the SuperLink up? "
                                  f"See {log}.") from None
    return done.returncode


def wait_for(path: Path, timeout_s: float, processes: Processes | None = None, poll_s: float = 2.0) -> bool:
    """Wait until ``path`` exists (the ServerApp writes its summary last); fail early if a process died."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if path.exists():
            return True
        if processes is not None:
            processes.check_alive()
        time.sleep(poll_s)
    return path.exists()


__all__ = [
    "APP_DIR", "DeploymentError", "Processes", "flower_env", "node_config_arg", "run_config_arg", "submit_argv",
    "submit_run", "supernode_argv", "superlink_argv", "wait_for", "write_flwr_home",
]
