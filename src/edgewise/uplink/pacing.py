"""Bandwidth cap and retry pacing of the forwarder.

Both are a few lines of arithmetic on a clock. Libraries such as ``tenacity``
or ``aiolimiter`` wrap them in decorators or asyncio primitives, which do not
fit a forwarder that must persist its accounting and run in a plain thread.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable


class TokenBucket:
    """Allows ``rate`` bytes per second on average, bursts up to ``burst`` bytes. ``rate <= 0`` means no cap."""

    def __init__(self, rate: float, burst: float | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else rate
        self.clock = clock
        self.tokens = self.burst
        self.stamp = clock()

    def reserve(self, n: int) -> float:
        """Take ``n`` bytes; returns how long to wait before sending them (0 when within the cap).

        A batch bigger than the burst is allowed (tokens go negative), so the cap
        holds on average and no batch is ever refused for size.
        """
        if self.rate <= 0:
            return 0.0
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens -= n
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


class Backoff:
    """Exponential backoff with full jitter (AWS architecture blog): delay ~ U(0, min(cap, base * 2**n))."""

    def __init__(self, base: float, cap: float, rng: random.Random | None = None) -> None:
        self.base = base
        self.cap = cap
        self.failures = 0
        self.rng = rng or random.Random()

    def next_delay(self) -> float:
        ceiling = min(self.cap, self.base * (2 ** min(self.failures, 30)))
        self.failures += 1
        return self.rng.uniform(0, ceiling)

    def reset(self) -> None:
        self.failures = 0


__all__ = ["Backoff", "TokenBucket"]
