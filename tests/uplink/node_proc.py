"""A node process for the crash tests: enqueue heavily while forwarding, or drain the outbox.

    python -m tests.uplink.node_proc write --streams 3 [--payload-bytes 200]
    python -m tests.uplink.node_proc drain --timeout 60
    python -m tests.uplink.node_proc forkserver

``forkserver`` imports everything once, then forks one node process per
``spawn <ack-file>`` line on stdin (answering ``PID <pid>``) and reaps it on
``reap <pid>``: each node is a real process the test kills with SIGKILL, without
paying the interpreter start-up for each of the 100 cycles.

``write`` prints ``ACK <stream> <key> <seq>`` for every message *after*
``enqueue`` returned (the acknowledgement), flushing each line, and forwards
through the perimeter gateway in a background thread until it is killed.
Settings (data dir, token, node id, policy) come from the environment.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading


def _start_forwarder(store: object, settings: object) -> None:
    # built in the background so enqueueing starts at once (the gateway takes a moment to build)
    from edgewise.uplink.forwarder import Forwarder
    from edgewise.uplink.transport import gateway_transport

    fwd = Forwarder(store, gateway_transport(settings), settings.uplink)  # type: ignore[arg-type, attr-defined]
    fwd.start()


def write(streams: int, payload_bytes: int, fd: int = 1) -> None:
    """Enqueue forever; each acknowledgement is written with one unbuffered write(2) after enqueue returned."""
    from edgewise.config import load_settings
    from edgewise.uplink.service import open_outbox

    settings = load_settings()
    store = open_outbox(settings)
    threading.Thread(target=_start_forwarder, args=(store, settings), daemon=True).start()
    filler = "x" * payload_bytes
    i = 0
    while True:
        stream = f"s{i % streams}"
        res = store.enqueue(stream, f'{{"i":{i},"pad":"{filler}"}}'.encode(), "event", content_type="application/json")
        os.write(fd, f"ACK {stream} {res.key} {res.seq}\n".encode())
        i += 1


def forkserver(streams: int, payload_bytes: int) -> int:
    import edgewise.config  # noqa: F401 - warm the imports the children need
    import edgewise.perimeter.service  # noqa: F401
    import edgewise.uplink.forwarder  # noqa: F401
    import edgewise.uplink.service  # noqa: F401
    import edgewise.uplink.transport  # noqa: F401

    for line in sys.stdin:
        cmd, _, arg = line.strip().partition(" ")
        if cmd == "spawn":
            pid = os.fork()
            if pid == 0:  # the node process
                fd = os.open(arg, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                try:
                    write(streams, payload_bytes, fd)
                finally:
                    os._exit(1)
            print(f"PID {pid}", flush=True)
        elif cmd == "reap":
            _, status = os.waitpid(int(arg), 0)
            print(f"REAPED {status}", flush=True)
    return 0


def drain(timeout: float) -> int:
    from edgewise.config import load_settings
    from edgewise.uplink.forwarder import Forwarder
    from edgewise.uplink.service import open_outbox
    from edgewise.uplink.transport import gateway_transport

    settings = load_settings()
    store = open_outbox(settings)
    ok = Forwarder(store, gateway_transport(settings), settings.uplink).flush(timeout)
    print("DRAINED" if ok else f"LEFT {[(s.stream, s.pending, s.last_error) for s in store.stats() if s.pending]}", flush=True)
    return 0 if ok else 1


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["write", "drain", "forkserver"])
    ap.add_argument("--streams", type=int, default=3)
    ap.add_argument("--payload-bytes", type=int, default=200)
    ap.add_argument("--timeout", type=float, default=60.0)
    a = ap.parse_args()
    if a.mode == "forkserver":
        return forkserver(a.streams, a.payload_bytes)
    if a.mode == "write":
        write(a.streams, a.payload_bytes)
        return 0
    return drain(a.timeout)


if __name__ == "__main__":
    sys.exit(main())
