"""Admission control: a few analyses run at once, a few more wait, the rest are refused at once.

An analysis holds its slot from decoding the photo to its last explanation, so the memory and
CPU a burst of uploads can take are bounded by the number of slots, not by the number of
clients. A request that finds every slot and every place in the queue taken is answered at
once with ``Busy`` (503 ``busy`` and a Retry-After header): it is neither kept waiting without
end nor dropped.

All of it runs on the event loop's one thread, so plain counters need no lock. The model work
itself runs in worker threads that are not abandoned when a request is cancelled (anyio waits
for them), so a slot is never handed on while its analysis still runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from facexai.core.errors import Busy


class Admission:
    def __init__(self, max_running: int, max_queued: int, retry_after_s: int) -> None:
        self.max_running = max_running
        self.max_queued = max_queued
        self.retry_after_s = retry_after_s
        self.running = 0
        self.queued = 0
        # created unbound: it binds to the event loop of its first wait (the app's loop)
        self._slots = asyncio.Semaphore(max_running)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for a turn (in a bounded queue) and hold it for the block; raises Busy when the queue is full."""
        if self._slots.locked() and self.queued >= self.max_queued:
            raise Busy(
                f"the service is busy: {self.running} analyses running and {self.queued} waiting;"
                f" try again in {self.retry_after_s} s",
                self.retry_after_s,
            )
        self.queued += 1
        try:
            await self._slots.acquire()
        finally:
            self.queued -= 1
        self.running += 1
        try:
            yield
        finally:
            self.running -= 1
            self._slots.release()
