"""A real federation on one machine: flower-superlink + 2 flower-supernode processes, a run via `flwr run`.

Each SuperNode is its own edge node: its own data dir, perimeter policy and
ledger, its own plant's corpus. The run uses DP (client-side adaptive clipping).
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

import pytest

from tests.federated.conftest import TORCH_CACHE, allow_federation

PLANTS = ("north", "harbor")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout_s: float = 60.0) -> None:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def node_home(root: Path, name: str, model_path: Path, superlink: str | None) -> Path:
    home = root / name
    (home / "models").mkdir(parents=True)
    for f in (model_path, model_path.with_suffix(".verified")):
        (home / "models" / f.name).symlink_to(f)
    if superlink:
        allow_federation(home, f"http://{superlink}")
    return home


@pytest.mark.slow
@pytest.mark.timeout(2400)
def test_superlink_and_supernodes_train_with_dp_and_record_egress(tmp_path: Path, model_path: Path) -> None:
    from edgewise.config import load_settings
    from edgewise.federated.deploy import (
        Processes, flower_env, submit_run, supernode_argv, superlink_argv, wait_for, write_flwr_home,
    )
    from edgewise.models import ModelRegistry
    from edgewise.perimeter.service import Perimeter

    port = free_port()
    link = f"127.0.0.1:{port}"
    server = node_home(tmp_path, "server", model_path, None)
    nodes = [node_home(tmp_path, f"node-{p}", model_path, link) for p in PLANTS]
    base_env = {"EDGEWISE_FEDERATED__MODEL_CACHE": str(TORCH_CACHE), "EDGEWISE_PERIMETER__NER": "false",
                "EDGEWISE_FEDERATED__CORPUS_TRAIN": "4", "EDGEWISE_FEDERATED__CORPUS_HELDOUT": "2",
                "EDGEWISE_CONFIG": str(tmp_path / "none.toml")}
    procs = Processes()
    try:
        # in-memory state: a SQLite state file hit "database is locked" on this loaded 2-core machine
        procs.start(superlink_argv("127.0.0.1", port), tmp_path / "superlink.log",
                    flower_env(base_env | {"EDGEWISE_DATA_DIR": str(server)}))
        wait_port(port)
        for plant, home in zip(PLANTS, nodes, strict=True):
            argv = supernode_argv(link, free_port(), {"plant": plant, "data-dir": str(home)})
            procs.start(argv, tmp_path / f"supernode-{plant}.log", flower_env(base_env | {"EDGEWISE_DATA_DIR": str(home)}))
        summary = tmp_path / "run.json"
        config = {"num-nodes": 2, "num-rounds": 2, "local-steps": 1, "batch-size": 1, "max-length": 96,
                  "server-eval-records": 1, "evaluate-nodes": False, "dp": True, "noise-multiplier": 0.3, "export-name": "maintenance",
                  "summary-path": str(summary), "data-dir": str(server), "lr": 0.005}
        code = submit_run(config, write_flwr_home(tmp_path / "flwr", link), log=tmp_path / "flwr-run.log", timeout_s=120)
        assert code == 0, (tmp_path / "flwr-run.log").read_text()[-2000:]
        assert wait_for(summary, 900, procs), (tmp_path / "superlink.log").read_text()[-3000:]
    finally:
        procs.stop()

    result = json.loads(summary.read_text())
    assert [r["round"] for r in result["rounds"]] == [0, 1, 2]
    eps = [r["epsilon"] for r in result["rounds"]]
    assert 0 < eps[1] < eps[2] < float("inf")  # the budget grows with every noisy round
    assert all(r["replies"] == 2 for r in result["rounds"][1:])
    for home in nodes:  # every node recorded its own two updates in its own ledger
        ledger = [r.public() for r in Perimeter(load_settings(data_dir=home)).ledger.records(limit=50)]
        updates = [r for r in ledger if r["data_class"] == "model_update" and r["decision"] == "sent"]
        assert len(updates) == 2 and {r["data_class"] for r in ledger} == {"model_update"}
    entry = ModelRegistry(load_settings(data_dir=server).models_dir).get("gemma-3-270m+maintenance")
    assert entry.kind == "lora" and Path(entry.path).exists()
    assert not os.environ.get("FLWR_HOME")  # the harness never leaked Flower's config into this process


def test_a_run_without_a_superlink_is_a_clear_error_on_a_fresh_node(isolated_env: Path) -> None:
    """No SuperLink listens: `federate run` says so and where the log is (it crashed on a node's first run,
    before the runs folder existed)."""
    from tests.helpers_cli import edgewise

    done = edgewise("federate", "run", "--superlink", f"127.0.0.1:{free_port()}", "--timeout", "20")
    assert done.returncode == 1 and "The run did not finish" in done.stderr and "Traceback" not in done.stderr, done.stderr
    log = isolated_env / "federated" / "runs" / "flwr-run.log"
    assert "SuperLink" in log.read_text()
