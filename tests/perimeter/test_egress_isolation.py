"""Nothing outside the gateway reaches the network: a static scan of imports, and the runtime guard."""

from __future__ import annotations

import ast
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "edgewise"

#: Modules that can open outbound connections (network clients, raw sockets).
NETWORK_MODULES = (
    "httpx", "requests", "urllib.request", "urllib3", "http.client", "socket", "aiohttp", "paho", "websockets",
    "websocket", "grpc", "ftplib", "smtplib", "telnetlib", "xmlrpc.client", "pycurl", "asyncssh", "paramiko",
    "psycopg", "psycopg2", "asyncpg", "huggingface_hub",
)
#: Calls that open outbound connections without importing a client module.
NETWORK_CALLS = ("open_connection", "create_connection", "sock_connect", "urlopen", "urlretrieve")

#: Explicit exceptions: (file or directory under src/edgewise, module or call) -> why it is safe.
#: To add one, name the narrowest path and say why the use cannot carry data off the node.
ALLOWED: dict[tuple[str, str], str] = {
    ("perimeter/transport.py", "httpx"): "the gateway's transport: the one way out, after policy, redaction and ledger",
    ("uplink/settings.py", "socket"): "socket.gethostname() only, to name the node; opens no connection",
    ("apps/maintenance/", "paho"): "MQTT ingest from the local broker (loopback); inbound sensor data, never egress",
    ("cloud/", "psycopg"): "the cloud collector's own database; runs in the cloud, not on the node",
    ("cloud/", "asyncpg"): "the cloud collector's own database; runs in the cloud, not on the node",
    ("cloud/", "psycopg2"): "the cloud collector's own database; runs in the cloud, not on the node",
}


def _allowed(rel: str, name: str) -> bool:
    return any(rel.startswith(path) and (name == mod or name.startswith(mod + ".")) for path, mod in ALLOWED)


def _banned_module(name: str) -> str | None:
    for mod in NETWORK_MODULES:
        if name == mod or name.startswith(mod + "."):
            return mod
    return None


def _uses(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Call):
            fn = node.func
            attr = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
            if attr in NETWORK_CALLS:
                found.append((node.lineno, attr))
            if attr in ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
                names = [str(node.args[0].value)]
        for n in names:
            mod = _banned_module(n)
            if mod:
                found.append((node.lineno, n if n == mod else mod))
    return found


def scan(root: Path = SRC) -> list[str]:
    offenders = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        for line, name in _uses(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not _allowed(rel, name):
                offenders.append(f"src/edgewise/{rel}:{line} uses {name}")
    return sorted(set(offenders))


def test_no_module_outside_the_gateway_imports_a_network_client() -> None:
    offenders = scan()
    assert not offenders, (
        "Only the perimeter gateway may reach the network. Send through edgewise.perimeter.Gateway, "
        "or add a justified entry to ALLOWED in tests/perimeter/test_egress_isolation.py:\n" + "\n".join(offenders)
    )


def test_the_scan_catches_each_kind_of_use(tmp_path: Path) -> None:
    pkg = tmp_path / "sneaky"
    pkg.mkdir()
    (pkg / "a.py").write_text("import httpx\n")
    (pkg / "b.py").write_text("from urllib.request import urlopen\n")
    (pkg / "c.py").write_text("def f():\n    import socket\n")
    (pkg / "d.py").write_text("import importlib\nimportlib.import_module('requests')\n")
    (pkg / "e.py").write_text("import asyncio\nasync def f():\n    await asyncio.open_connection('10.0.0.1', 80)\n")
    (pkg / "f.py").write_text("import json, pathlib\n")
    hits = {line.split(":")[0].rsplit("/", 1)[-1] for line in scan(pkg)}
    assert hits == {"a.py", "b.py", "c.py", "d.py", "e.py"}


def test_the_gateway_transport_is_the_only_httpx_user() -> None:
    users = [p for p in SRC.rglob("*.py") if any(n == "httpx" for _, n in _uses(ast.parse(p.read_text())))]
    assert [p.relative_to(SRC).as_posix() for p in users] == ["perimeter/transport.py"]


@pytest.mark.parametrize("address", [("192.0.2.1", 80), ("8.8.8.8", 53), ("2001:db8::1", 443)])
def test_runtime_guard_blocks_non_loopback_connects(address: tuple[str, int]) -> None:
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s, pytest.raises(ConnectionRefusedError, match="non-loopback"):
        s.connect(address)


def test_runtime_guard_blocks_udp_sendto() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s, pytest.raises(ConnectionRefusedError):
        s.sendto(b"x", ("192.0.2.1", 53))


def test_runtime_guard_lets_loopback_through() -> None:
    class Hello(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=5) as s:
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            assert s.recv(100).startswith(b"HTTP/1.0 200")
    finally:
        server.shutdown()
        server.server_close()
