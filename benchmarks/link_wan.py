"""A WAN-emulating TCP proxy on loopback, for when ``tc netem`` is not available.

Every byte that crosses the proxy, in each direction, is delivered one-way
``delay`` later and no faster than ``rate`` bytes/s (serialization delay, in
order), and a new connection waits one round trip before it is usable (the TCP
handshake). Written by hand because it must run without root, kernel modules or
external binaries (toxiproxy is a Go service, not a Python package).
"""

from __future__ import annotations

import asyncio
import threading


class DelayProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.delay_s = 0.0
        self.rate_bps: float | None = None  # bytes per second
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def set(self, rtt_ms: float, rate_mbit: float | None) -> None:
        self.delay_s = rtt_ms / 2000.0
        self.rate_bps = rate_mbit * 1e6 / 8 if rate_mbit else None

    def start(self) -> DelayProxy:
        self._thread.start()
        self._ready.wait(10)
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(2 * self.delay_s)  # the handshake costs a round trip
        try:
            up_r, up_w = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        await asyncio.gather(self._pipe(reader, up_w), self._pipe(up_r, writer), return_exceptions=True)

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes | None]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if data is None:
                    dst.close()
                    return
                dst.write(data)
                await dst.drain()

        sender = asyncio.create_task(deliver())
        link_free = loop.time()
        try:
            while data := await src.read(65536):
                now = loop.time()
                tx = len(data) / self.rate_bps if self.rate_bps else 0.0
                link_free = max(now, link_free) + tx
                queue.put_nowait((link_free + self.delay_s, data))
        except (ConnectionError, OSError):
            pass
        queue.put_nowait((max(loop.time(), link_free) + self.delay_s, None))
        await sender

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)


__all__ = ["DelayProxy"]
