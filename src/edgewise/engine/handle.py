"""The caller's side of one generation: a stream of chunks and a cancel switch.

The scheduler thread pushes chunks; an asyncio consumer reads them through an
``asyncio.Queue`` fed with ``call_soon_threadsafe``, a blocking consumer through
a ``queue.Queue``. Cancelling (client disconnect, timeout) frees the slot at the
scheduler's next step.
"""

from __future__ import annotations

import asyncio
import itertools
import queue
import threading
import time
from collections.abc import AsyncIterator, Iterator

from edgewise.engine.types import Chunk, SamplingParams

_ids = itertools.count(1)


class RequestHandle:
    def __init__(self, prompt_tokens: list[int], params: SamplingParams, loop: asyncio.AbstractEventLoop | None) -> None:
        self.id = next(_ids)
        self.prompt_tokens = prompt_tokens
        self.params = params
        self.created = time.perf_counter()
        self._cancelled = threading.Event()
        self._loop = loop
        self._aqueue: asyncio.Queue[Chunk] | None = asyncio.Queue() if loop is not None else None
        self._squeue: queue.SimpleQueue[Chunk] | None = None if loop is not None else queue.SimpleQueue()

    # --- scheduler side ------------------------------------------------------
    def push(self, chunk: Chunk) -> None:
        if self._aqueue is not None and self._loop is not None:
            try:
                self._loop.call_soon_threadsafe(self._aqueue.put_nowait, chunk)
            except RuntimeError:  # the consumer's loop is gone: nobody is listening
                self._cancelled.set()
        elif self._squeue is not None:
            self._squeue.put(chunk)

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    # --- caller side -----------------------------------------------------------
    def cancel(self) -> None:
        self._cancelled.set()

    async def stream(self) -> AsyncIterator[Chunk]:
        assert self._aqueue is not None, "this handle was submitted without an event loop"
        try:
            while True:
                chunk = await self._aqueue.get()
                yield chunk
                if chunk.finish_reason is not None:
                    return
        finally:
            self.cancel()  # no-op if finished; frees the slot if the consumer went away

    def stream_sync(self, timeout: float | None = None) -> Iterator[Chunk]:
        assert self._squeue is not None, "this handle was submitted with an event loop"
        try:
            while True:
                chunk = self._squeue.get(timeout=timeout)
                yield chunk
                if chunk.finish_reason is not None:
                    return
        finally:
            self.cancel()


__all__ = ["RequestHandle"]
