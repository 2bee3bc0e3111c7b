"""``edgewise link status | stats | flush`` as a user runs them (real processes, real collector)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from edgewise.config import load_settings
from edgewise.uplink.service import Uplink
from tests.cloud.helpers import Collector
from tests.cloud.pg import free_port
from tests.uplink.harness import NODE_ID, REPO, write_policy


def link(data: Path, *args: str, token: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDGEWISE_")}
    env.update(EDGEWISE_DATA_DIR=str(data), EDGEWISE_CONFIG=str(data / "none.toml"), EDGEWISE_PERIMETER__NER="false",
               EDGEWISE_UPLINK__NODE_ID=NODE_ID, COLUMNS="200")  # fmt: skip
    if token:
        env["EDGEWISE_UPLINK__TOKEN"] = token
    return subprocess.run([sys.executable, "-m", "edgewise.cli", "link", *args], env=env, capture_output=True, text=True,
                          cwd=REPO, timeout=120)  # fmt: skip


def test_status_flush_and_stats(tmp_path: Path) -> None:
    (tmp_path / "cloud").mkdir()
    collector = Collector(tmp_path / "cloud", f"sqlite:///{tmp_path / 'c.db'}")
    token = collector.add_node(NODE_ID)
    data = tmp_path / "data"
    write_policy(data, collector.url)
    up = Uplink.open(load_settings(data_dir=data))
    for i in range(5):
        up.enqueue("alerts", {"i": i}, "event", raw_bytes=1000)
    up.close()

    status = json.loads(link(data, "status", "--json").stdout)
    assert status["streams"][0]["pending"] == 5 and status["node_id"] == NODE_ID

    offline = link(data, "flush", "--timeout", "2", token=token)  # the collector is not running yet
    assert offline.returncode == 1 and "alerts: 5 pending" in offline.stderr

    assert link(data, "login", token).returncode == 0  # the token goes to a mode-600 file, not the config
    assert (data / "uplink" / "token").stat().st_mode & 0o777 == 0o600
    collector.start()
    try:
        done = link(data, "flush", "--timeout", "60", "--json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == {"flushed": True, "pending": {}, "errors": {}}
    finally:
        collector.stop()
    stats = {r["stream"]: r for r in json.loads(link(data, "stats", "--json").stdout)}
    assert stats["alerts"]["delivered"] == 5 and stats["alerts"]["raw_bytes"] == 5000
    assert stats["alerts"]["send_failures"] >= 1  # the offline attempt is accounted, not hidden
    table = link(data, "stats").stdout
    assert "alerts" in table and "wire/raw" in table


def test_flush_refused_by_policy_explains_itself(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_policy(data, f"http://127.0.0.1:{free_port()}", classes=("summary",))  # events may not leave
    up = Uplink.open(load_settings(data_dir=data))
    up.enqueue("alerts", {"i": 1}, "event")
    up.close()
    r = link(data, "flush", "--timeout", "1")
    assert r.returncode == 1 and "policy does not allow event" in r.stderr
