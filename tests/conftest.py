"""Fixtures shared by every test package.

* Every test runs with its own data dir and config file (``EDGEWISE_DATA_DIR``,
  ``EDGEWISE_CONFIG``), so nothing reads or writes the developer's machine.
* The embedded model is assembled once per checkout into ``.cache/test-models``
  and symlinked into each test's data dir, instead of 250 MB per test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("EDGEWISE_TEST_CACHE", REPO / ".cache" / "test-models"))


def shared_data_dir() -> Path:
    return Path(os.environ.get("EDGEWISE_SHARED_DATA", REPO.parent / "shared" / "data")).resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real recordings in ``../shared/data`` (never copied into the repo)."""
    path = shared_data_dir()
    if not path.is_dir():
        pytest.fail(f"shared data not found at {path}; set EDGEWISE_SHARED_DATA")
    return path


@pytest.fixture(scope="session")
def model_path() -> Path:
    """Path of the embedded Gemma 3 270M GGUF, assembled once per checkout."""
    from edgewise.models.embedded import embedded_model_path

    return embedded_model_path(CACHE)


@pytest.fixture(autouse=True)
def isolated_env(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, model_path: Path
) -> Iterator[Path]:
    """Point data dir and config file at a fresh temp dir, and seed it with the cached model."""
    home = tmp_path_factory.mktemp("edgewise-home")
    data = home / "data"
    (data / "models").mkdir(parents=True)
    for cached in (model_path, model_path.with_suffix(".verified")):
        (data / "models" / cached.name).symlink_to(cached)
    for key in [k for k in os.environ if k.startswith("EDGEWISE_") and k not in ("EDGEWISE_SHARED_DATA", "EDGEWISE_TEST_CACHE")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("EDGEWISE_DATA_DIR", str(data))
    monkeypatch.setenv("EDGEWISE_CONFIG", str(home / "config.toml"))
    yield data


# --- network guard (perimeter, issue 3) -------------------------------------------------------
# Every test run proves the node stays local: a connect() or sendto() from this
# process to anything but loopback (or a Unix socket) fails at once. Only the
# perimeter's gateway may reach the network, and its tests use 127.0.0.1.
# Subprocesses started by tests are not covered (they get their own interpreter).


class NonLoopbackConnectionBlocked(ConnectionRefusedError):
    """Raised by the test-run guard for any socket aimed at a non-loopback address."""


def _is_loopback_address(address: object) -> bool:
    import ipaddress

    if not isinstance(address, tuple):  # AF_UNIX paths, abstract sockets
        return True
    host = str(address[0]).split("%")[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: would need DNS and leave the machine


@pytest.fixture(scope="session", autouse=True)
def block_non_loopback_sockets() -> Iterator[None]:
    import socket

    originals = {name: getattr(socket.socket, name) for name in ("connect", "connect_ex", "sendto")}

    def guarded(name: str) -> object:
        original = originals[name]

        def method(self: socket.socket, *args: object) -> object:
            address = args[-1]
            if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback_address(address):
                raise NonLoopbackConnectionBlocked(f"test run: {name} to non-loopback address {address!r} blocked")
            return original(self, *args)

        return method

    for name in originals:
        setattr(socket.socket, name, guarded(name))
    yield
    for name, original in originals.items():
        setattr(socket.socket, name, original)
