"""Seconds that pass when a test says so: the fake Telegram's flood control and the transport's rate
limiter both read it, so a test steps over a minute-long limit without waiting it out.

``autoadvance=True``: a sleep moves time forward at once (a scenario never waits, but every limit is
still kept in order); otherwise sleepers wake only when the test calls ``advance``.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools


class FakeTime:
    def __init__(self, start: float = 10_000.0, *, autoadvance: bool = False) -> None:
        self._now = start
        self.autoadvance = autoadvance
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> float:
        return self._now

    @property
    def sleeping(self) -> int:
        """How many are waiting for time to pass."""
        return sum(1 for _, _, fut in self._sleepers if not fut.done())

    def advance(self, seconds: float) -> None:
        self._now += seconds
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, fut = heapq.heappop(self._sleepers)
            if not fut.done():
                fut.set_result(None)

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        if self.autoadvance:
            self.advance(seconds)
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._order), fut))
        await fut
