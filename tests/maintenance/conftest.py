"""Fixtures of the maintenance tests: a real Mosquitto broker on a free loopback port, small real recordings."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _mosquitto() -> str:
    exe = shutil.which("mosquitto") or next((p for p in ("/usr/sbin/mosquitto", "/usr/bin/mosquitto") if Path(p).exists()), None)
    if exe is None:
        pytest.fail("mosquitto is not installed: run scripts/install.sh (Debian package 'mosquitto')")
    return exe


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A Mosquitto broker on 127.0.0.1:<free port>, anonymous, started for this test session."""
    port = _free_port()
    conf = tmp_path_factory.mktemp("mosquitto") / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    proc = subprocess.Popen([_mosquitto(), "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"mosquitto exited: {proc.stdout.read().decode() if proc.stdout else ''}")
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("mosquitto did not start listening within 10 s")
    yield "127.0.0.1", port
    proc.terminate()
    proc.wait(5)


@pytest.fixture(scope="session")
def femto_head(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 14 files of PRONOSTIA Bearing1_1 and its last 6 (links, not copies) in a temp folder."""
    src = shared_data / "femto" / "Learning_set" / "Bearing1_1"
    files = sorted(src.glob("acc_*.csv"))
    out = tmp_path_factory.mktemp("femto") / "Bearing1_1"
    out.mkdir()
    for f in files[:14] + files[-6:]:
        (out / f.name).symlink_to(f)
    return out


@pytest.fixture(scope="session")
def cwru(shared_data: Path) -> Path:
    return shared_data / "cwru"
